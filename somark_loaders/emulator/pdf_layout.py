"""A PDF page's paragraphs in reading order when the order the PDF draws them is not one.

The emulator reads a page's paragraphs in the order its content stream draws them, which
is the reading order of most PDFs (a typesetter writes the text as it flows). Layout
programs do not always: text boxes drawn in the order they were made, a sidebar or a
footer drawn before the body, a heading drawn after its section, the paragraphs of two
columns interleaved or the right column drawn first. The service reads a page by its
layout; so does the emulator when the drawn order is demonstrably not a reading order:

* a paragraph drawn after another that sits wholly below it in the same column (the
  drawing went back up a column), or
* a paragraph drawn after one of a later column or section (the drawing went right,
  then back left; a title over the columns drawn after them).

The page is then read by its layout: section by section (a section is a run of
full-width elements, or the columns between two of them, found by the gutters between
prose columns of :mod:`.ocr_columns`, which the OCR path reads pages by), each column
stretch by a recursive XY-cut (parts beside each other across a vertical band of
whitespace left to right, else the two parts of the widest horizontal band top to bottom;
a sidebar of short lines is read whole, never row by row with the text beside it), and
paragraphs side by side on one row in their drawn order. A page whose drawn order is a
reading order keeps it. Either way a line set apart in the header band (the top 8% of the
page) comes first and one in the footer band (the bottom 8%) last: a footer drawn first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from ._placed import Placed
from .ocr_columns import Item, gutters, parts

__all__ = ["in_reading_order", "reading_order"]

HEADER = 0.08  # of the page's height: a paragraph ending above this is in its header band
FOOTER = 0.92  # one starting below this is in its footer band
_SLACK = 1.0  # points: boxes closer than this do not count as above or below each other
GUTTER = 6.0  # points: the least whitespace between parts beside each other (two spaces)


class _Line(Placed, Protocol):
    """A line of the PDF engine (``pdf_lines.Line``), as far as this module reads it."""

    @property
    def text(self) -> str: ...


Para = TypeVar("Para", bound=Sequence[_Line])


def in_reading_order(paras: list[Para], height: float) -> list[Para]:
    """A page's paragraphs (lists of lines, in drawn order) in reading order."""
    items = [
        (
            min(x.x0 for x in para),
            min(x.top for x in para),
            max(x.x1 for x in para),
            max(x.bottom for x in para),
            " ".join(x.text for x in para),
        )
        for para in paras
    ]
    return [paras[i] for i in reading_order(items, height)]


def _across(a: Item, b: Item) -> bool:
    """Whether ``a`` and ``b`` share some width (one column)."""
    return min(a[2], b[2]) > max(a[0], b[0])


def _above(a: Item, b: Item) -> bool:
    """Whether ``a`` sits wholly above ``b``."""
    return a[3] <= b[1] + _SLACK


def _drawn_in_order(items: Sequence[Item], part_of: dict[int, int]) -> bool:
    """Whether the drawn order of the body's ``items`` (indices in ``part_of``, each the
    index of its column stretch in reading order) is a reading order."""
    body = sorted(part_of)
    for later_at, later in enumerate(body):
        for earlier in body[:later_at]:
            if part_of[later] < part_of[earlier]:
                return False  # back to an earlier column or section
            a, b = items[later], items[earlier]
            if part_of[later] == part_of[earlier] and _across(a, b) and _above(a, b):
                return False  # back up the column
    return True


def _gaps(spans: list[tuple[float, float]], least: float) -> list[tuple[float, float]]:
    """The empty stretches wider than ``least`` between ``spans`` (ranges on one axis),
    widest first."""
    gaps: list[tuple[float, float]] = []
    reach: float | None = None
    for a, b in sorted(spans):
        if reach is not None and a > reach + least:
            gaps.append((reach, a))
        reach = b if reach is None else max(reach, b)
    return sorted(gaps, key=lambda gap: gap[0] - gap[1])


def _rows(indices: list[int], items: Sequence[Item]) -> list[int]:
    """Paragraphs no whitespace parts, top to bottom: those whose heights overlap (side
    by side) make one row, read in their drawn order."""
    rows: list[list[int]] = []
    for i in sorted(indices, key=lambda i: items[i][1]):
        if rows and items[i][1] < max(items[j][3] for j in rows[-1]) - _SLACK:
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row)]


def _xy_cut(indices: list[int], items: Sequence[Item]) -> list[int]:
    """One column stretch in reading order, by a recursive XY-cut: columns parted by a
    vertical band of whitespace left to right (a sidebar beside the text is read whole,
    never line by line with it), else the two parts of the widest horizontal band of
    whitespace top to bottom."""
    if len(indices) <= 1:
        return list(indices)
    # x: a gutter (wider than a space: a formula's pieces beside a line are not a column),
    # then y: a band across
    for start, end, least in ((0, 2, GUTTER), (1, 3, _SLACK)):
        spans = {i: (float(items[i][start]), float(items[i][end])) for i in indices}
        gaps = _gaps(list(spans.values()), least)
        if gaps:
            cut = sum(gaps[0]) / 2
            first = [i for i in indices if spans[i][1] <= cut]
            rest = [i for i in indices if spans[i][1] > cut]
            return _xy_cut(first, items) + _xy_cut(rest, items)
    return _rows(indices, items)


def _alone(item: Item, items: Sequence[Item], below: bool) -> bool:
    """Whether nothing sits within ``item``'s own height above it (``below``: under it)
    in its width, and nothing beside it on its row: a running head or foot set apart, not
    a paragraph of the body (nor one part of a head whose other part reaches into it)."""
    reach = max(item[3] - item[1], 1.0)
    for other in items:
        if other is item:
            continue
        if not _across(item, other):
            if min(item[3], other[3]) - max(item[1], other[1]) > _SLACK:
                return False  # beside it
            continue
        gap = other[1] - item[3] if below else item[1] - other[3]
        if -_SLACK < gap < reach:
            return False
    return True


def reading_order(items: Sequence[Item], height: float) -> list[int]:
    """The indices of a page's paragraphs ``items`` (``(x0, top, x1, bottom, text)``, in
    drawn order, on a page ``height`` tall) in reading order: ``0 .. n-1`` when the drawn
    order is one."""
    header = [
        i
        for i, item in enumerate(items)
        if item[3] < HEADER * height and _alone(item, items, below=True)
    ]
    footer = [
        i
        for i, item in enumerate(items)
        if item[1] > FOOTER * height and i not in header and _alone(item, items, below=False)
    ]
    edges = set(header) | set(footer)
    body = [i for i in range(len(items)) if i not in edges]
    inner = [items[i] for i in body]
    found = gutters(inner, least=1)
    stretches = [[body[i] for i in part] for part in parts(inner, found)]
    part_of = {i: at for at, part in enumerate(stretches) for i in part}
    if _drawn_in_order(items, part_of):
        order = body  # the body as drawn, the bands at its edges
    else:
        order = [i for part in stretches for i in _xy_cut(part, items)]
    return _rows(header, items) + order + _rows(footer, items)
