"""Form lines of a sheet: a label and its value in one row, a few columns apart.

A form sheet writes ``Case # (aka tissue code):`` in A1 and its value in E1: the label's
text spills over the empty cells to its right, so on the page the two read as one line
(``label    value``), however many columns apart they are stored. Read as blocks of
cells they were two unrelated texts (the labels, then the values).

A label is a text cell ending with a colon, not a merged one. Its value is the next filled
cell of its row when one to ``_MAX_GAP`` empty columns lie between them, and the row above
shows nothing in those columns: then the label's row is no row of a table whose columns
the gap cuts across (a ``Total:`` row under a table's numbers keeps its total in its
column). The pair becomes one cell, ``label value``, where the label is; a label right
beside its value (no empty column between) is a table's two cells and stays so.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

__all__ = ["form_lines"]

Pos = tuple[int, int]

_MAX_GAP = 4  # empty columns between a label and its value


def form_lines(
    texts: dict[Pos, str],
    values: dict[Pos, Any],
    filled: set[Pos],
    merged: dict[Pos, tuple[int, int]],
) -> set[Pos]:
    """Join each label and its value (in place: the value leaves ``texts``, ``values``
    and ``filled``); the positions of the joined lines."""
    rows: dict[int, list[int]] = {}
    for r, c in filled:
        rows.setdefault(r, []).append(c)
    joined: set[Pos] = set()
    for r in sorted(rows):
        cols = sorted(rows[r])
        for c, after in pairwise(cols):
            label, value = (r, c), (r, after)
            if label in joined or not _is_label(label, texts, values, merged):
                continue
            gap = range(c + 1, after)
            if not 1 <= len(gap) <= _MAX_GAP or value not in texts or value in merged:
                continue
            if any((r - 1, g) in filled for g in gap):
                continue  # the gap cuts across the columns of the rows above: a table
            texts[label] = f"{texts[label].rstrip()} {texts.pop(value).strip()}"
            values.pop(value, None)
            filled.discard(value)
            joined.add(label)
    return joined


def _is_label(
    at: Pos, texts: dict[Pos, str], values: dict[Pos, Any], merged: dict[Pos, tuple[int, int]]
) -> bool:
    return (
        at in texts
        and isinstance(values.get(at), str)
        and texts[at].rstrip().endswith((":", "："))
        and merged.get(at, (1, 1)) == (1, 1)
    )
