"""How high the rows of a table are as printed, relative to each other: the shares of a
table's box that the rows of a table split by rows get (see ``_units._TableBoxes``).

SoMark gives a table's box, not its rows' or cells': a row is as high as its lines (the
most any of its cells has: line breaks, and lines wrapped to its column's width) plus its
padding, at the type size at which the rows fill the box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from math import ceil

__all__ = ["row_weights"]

# A line is _LINE times as high as a character is wide (1.15 em over 0.52 em, the mean
# width of a character of running text); a row's cell padding and rules add _PADDING of a
# line to it (0.2 in LaTeX tables, up to 0.9 in office ones: measured with pdfplumber on
# the corpus's PDF tables, top level and dev).
_LINE = 2.2
_PADDING = 0.6

# a cell that may wrap, merged or of many lines: its lines' lengths, its columns and the
# rows it covers (positions in the rows measured)
_Cell = tuple[list[int], tuple[int, ...], list[int]]
# the cells of one line and one row that may wrap, by the columns they span: each row's
# cell there (its length, 0 when none)
_Lines = dict[tuple[int, ...], list[int]]
# each row's lines as broken, each column's width (in characters) for its longest line and
# for its longest word, and the cells that may wrap
_Measures = tuple[list[float], dict[int, float], dict[int, float], _Lines, list[_Cell]]


def row_weights(
    rows: Sequence[Sequence[str]],
    owners: Mapping[tuple[int, int], tuple[int, int]],
    indices: Sequence[int],
    width: float,
    height: float,
) -> list[float]:
    """How high rows ``indices`` of a table are, relative to each other, in its box of
    ``width`` by ``height`` (one unit for both): each row's lines plus its padding.

    The type size is the one at which the rows fill the box's height, each cell wrapped to
    its columns' width, the width shared as a browser shares it (each column its longest
    word, the rest in proportion to what its longest line still needs). ``owners`` maps a
    position a merged cell covers to its first one: a cell over several columns wraps to
    their width, one over several rows shares its lines among them.
    """
    count = len(indices)
    shown = [rows[r] for r in indices]
    if not count or width <= 0 or height <= 0:
        return [1 + _PADDING] * count
    # most tables: no line breaks, and every column as wide as its longest cell at the
    # size at which rows of one line fill the box (copies of a merged cell counted in
    # each column they cover only overstate that width): rows of one line each
    if "\n" not in "\t".join(chain.from_iterable(shown)):
        size = height / (_LINE * (1 + _PADDING) * count)
        if sum(max(map(len, column)) for column in zip(*shown, strict=False)) * size <= width:
            return [1 + _PADDING] * count
    explicit, natural, least, lines, cells = _measures(shown, _merged(rows, owners, indices))
    # the type size (a character's width) at which the rows' explicit lines fill the box:
    # the answer when every cell's longest line fits its column at that size
    size = height / (_LINE * (sum(explicit) + _PADDING * count))
    if sum(natural.values()) * size <= width:
        return [n + _PADDING for n in explicit]

    # wrapped lines make the rows taller and the type smaller: the size at which they fill
    # the height lies between this one and this one over the rows' growth when wrapped at
    # it (the rows' height grows with the type size); found by bisection to within 10%
    # (what is wanted is a row's lines, not the type size)
    def height_at(size: float) -> tuple[float, list[float]]:
        wrapped = _wrapped(lines, cells, _columns(natural, least, width / size), explicit)
        return _LINE * size * (sum(wrapped) + _PADDING * count), wrapped

    high, (tall, wrapped) = size, height_at(size)
    low = size * height / tall
    while high > 1.1 * low:
        middle = (high * low) ** 0.5
        tall, wrapped = height_at(middle)
        if tall > height:
            high = middle
        else:
            low = middle
    return [n + _PADDING for n in wrapped]


def _merged(
    rows: Sequence[Sequence[str]],
    owners: Mapping[tuple[int, int], tuple[int, int]],
    indices: Sequence[int],
) -> dict[tuple[int, int], tuple[str, set[int], set[int]]]:
    """The merged cells of rows ``indices``: text, rows (positions) and columns of each."""
    at = {r: a for a, r in enumerate(indices)}
    found: dict[tuple[int, int], tuple[str, set[int], set[int]]] = {}
    for r in at if owners else ():
        for c, text in enumerate(rows[r]):
            owner = owners.get((r, c))
            if owner is not None:
                _, on, across = found.setdefault(owner, (text, set(), set()))
                on.add(at[r])
                across.add(c)
                if owner[0] in at:
                    on.add(at[owner[0]])
                    across.add(owner[1])
    return found


def _measures(
    shown: list[Sequence[str]], merged: dict[tuple[int, int], tuple[str, set[int], set[int]]]
) -> _Measures:
    """The measures of rows ``shown``, a column at a time; ``merged`` cells apart (they
    wrap to their columns' width and share their lines among their rows)."""
    cells: list[_Cell] = []
    blank: dict[int, set[int]] = {}  # positions of merged cells, by row
    explicit = [1.0] * len(shown)
    for text, on, across in merged.values():
        lengths = [len(line) for line in text.split("\n")]
        cells.append((lengths, tuple(sorted(across)), sorted(on)))
        for a in on:
            blank.setdefault(a, set()).update(across)
            explicit[a] = max(explicit[a], len(lengths) / len(on))
    if blank:
        shown = [
            row if a not in blank else tuple("" if c in blank[a] else x for c, x in enumerate(row))
            for a, row in enumerate(shown)
        ]
    for a, row in enumerate(shown):
        if "\n" in "\t".join(row):
            explicit[a] = max(explicit[a], max(cell.count("\n") for cell in row) + 1)
    natural: dict[int, float] = {}
    least: dict[int, float] = {}
    lines: _Lines = {}
    for c, column in enumerate(zip(*shown, strict=False)):
        text = "\n".join(column)
        natural[c] = max(map(len, text.split("\n")))
        least[c] = bound = max(map(len, text.split()), default=0)
        if max(map(len, column)) <= bound:
            continue  # no cell longer than the column's longest word: none wraps
        if text.count("\n") == len(column) - 1:  # no line breaks
            lines[(c,)] = list(map(len, column))
            continue
        lines[(c,)] = [0 if "\n" in cell else len(cell) for cell in column]
        cells += [
            ([len(line) for line in cell.split("\n")], (c,), [a])
            for a, cell in enumerate(column)
            if "\n" in cell
        ]
    return explicit, natural, least, lines, cells


def _columns(natural: dict[int, float], least: dict[int, float], across: float) -> dict[int, float]:
    """Each column's width in characters when the table is ``across`` characters wide."""
    total, words = sum(natural.values()), sum(least.values())
    if words >= across:  # even the longest words overflow: each its share of the width
        return {c: least[c] * across / (words or 1.0) for c in natural}
    spare = (across - words) / max(total - words, 1.0)
    return {c: least[c] + (natural[c] - least[c]) * spare for c in natural}


def _wrapped(
    lines: _Lines, cells: list[_Cell], columns: dict[int, float], explicit: list[float]
) -> list[float]:
    """Each row's lines with its cells wrapped to ``columns`` (in characters)."""
    each: list[Sequence[float]] = [explicit]
    for spanned, lengths in lines.items():
        room = max(sum(columns[c] for c in spanned), 1.0)
        each.append([ceil(length / room) for length in lengths])
    out = list(map(max, *each)) if len(each) > 1 else explicit.copy()
    for lengths, spanned, covered in cells:
        room = max(sum(columns[c] for c in spanned), 1.0)
        wrapped = sum(max(ceil(length / room), 1) for length in lengths) / len(covered)
        for at in covered:
            out[at] = max(out[at], wrapped)
    return out
