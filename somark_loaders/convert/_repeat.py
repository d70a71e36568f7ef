"""What the later parts of a table split by rows repeat: the caption and the header, within
a share of the chunk.

The first part of a table holds its caption and header as they are. Every later part
repeats them so that its rows keep their column labels, but a repetition must never crowd
out the rows it is there for: a header of several long rows, or a layout table whose first
row of prose only stands in for a header, would otherwise fill most of every part, split
the table into many more chunks than its content needs, and put the same words in all of
them. So later parts repeat, as the first of these that fits in half of the chunk:

1. the caption and the whole header (title rows included);
2. the caption (cut to its first words when it alone does not fit) and the header row
   nearest the data, which names the columns;
3. the same with every label cut to its first words;
4. the caption and an empty header row (a pipe table needs one).

(A quarter of the chunk was measured too: the title rows and caption it leaves out are
what retrieval of a later part's rows needs most; half keeps them but for headers that
would leave a part less room for rows than for their repetition.)

A short header (48 tokens or less) is always repeated whole, however small the chunk.
A first row that serves as the header only because the table marks none is repeated whole
(it is most often a row of column names the service did not mark: repeating it only within
a quarter of the chunk lost two answers of the dev half) or, over half of the chunk, not at
all: steps 2 and 3 are for marked header rows.
"""

from __future__ import annotations

from collections.abc import Callable

from ._elements import join
from .tables import Table, md_row

__all__ = ["REPEAT_FLOOR", "REPEAT_SHARE", "repeated_prefix"]

REPEAT_SHARE = 2  # at most chunk_size // REPEAT_SHARE tokens...
REPEAT_FLOOR = 48  # ...or this many, whichever is more


def repeated_prefix(
    table: Table,
    *,
    marked: bool,
    caption: str,
    head: list[str],
    budget: int,
    count: Callable[[str], int],
) -> str:
    """The caption and header lines the parts after the first start with.

    ``table`` is the table as its pipe rendering sees it (``Table.with_header``), ``head``
    its header lines (``Table.markdown_lines``), ``marked`` whether the table itself marks
    header rows, ``budget`` the tokens a part may hold.
    """
    share = max(budget // REPEAT_SHARE, REPEAT_FLOOR)
    whole = join(caption, "\n".join(head))
    if count(whole) <= share:
        return whole
    if caption and count(caption) > share:
        caption = _first_words(caption, share, count)
    width = table.width
    rule = "|" + "|".join(["---"] * width) + "|"
    if marked and table.header_rows:
        labels = table.label_row()

        def fitted(words: int) -> str | None:
            line = md_row(tuple(_cut(cell, words) for cell in labels), width)
            text = join(caption, line + "\n" + rule)
            return text if count(text) <= share else None

        longest = max((len(cell.split()) for cell in labels), default=0)
        best = _largest(longest, fitted)
        if best is not None:
            return best
    return join(caption, md_row(("",) * width, width) + "\n" + rule)


def _cut(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _first_words(text: str, limit: int, count: Callable[[str], int]) -> str:
    """``text`` cut to as many first words as fit in ``limit`` tokens (at least one)."""
    found = _largest(
        len(text.split()), lambda words: cut if count(cut := _cut(text, words)) <= limit else None
    )
    return found if found is not None else _cut(text, 1)


def _largest(most: int, attempt: Callable[[int], str | None]) -> str | None:
    """``attempt(n)`` for the largest ``n`` in ``1..most`` it accepts (it accepts every
    ``n`` below one it accepts), or None; found by bisection."""
    low, high, best = 1, most, None
    while low <= high:
        middle = (low + high) // 2
        found = attempt(middle)
        if found is None:
            high = middle - 1
        else:
            best, low = found, middle + 1
    return best
