"""Prose in columns on a scan: find the gutters, read column by column.

OCR returns each line where it stands on the page, so the lines of a page set in two
(or three) columns sit side by side at the same height, and grouping them by height
pairs lines of different columns. A gutter is a vertical band that the page's text does
not cross, except for a few full-width elements (a title over both columns, a table or
a figure across the page, a page number in the gutter), with prose on both sides of it,
next to each other over much of the page. Between two full-width elements the page is
read column by column, each top to bottom; full-width elements stay where they are.

Aligned short lines are not prose (the cells of a form, a table of numbers, a list of
labels beside their values): their rows keep being read across.

Items are ``(x0, top, x1, bottom, text)`` boxes in any unit: OCR lines to build
paragraphs, or finished blocks (paragraphs, tables, figures with no text) to order them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["Item", "gutters", "in_reading_order", "parts"]

Item = tuple[float, float, float, float, str]

SIDE = 0.2  # of the text's total height: the least each side of a gutter holds
PROSE = 0.5  # of a side's text height: the least in prose lines
MIN_PROSE = 3  # prose lines (or paragraphs) on each side at least
LETTERS = 12  # a line with this many letters is prose (a label or a number is not)
BESIDE = 0.5  # of the shorter side's height: the least the two sides share
STRAY = 0.05  # of the text's total height: the most in the gutter not across it
MARGIN = 0.15  # of the text's width: no gutter this close to its left or right edge


def _height(item: Item) -> float:
    return max(item[3] - item[1], 0.0)


def _prose(item: Item) -> bool:
    return _letters(item[4]) >= LETTERS


@lru_cache(maxsize=8192)
def _letters(text: str) -> int:
    """Letters in ``text`` (asked for every candidate gutter: counted once)."""
    return sum(1 for c in text if c.isalpha())


def _cover(items: list[Item]) -> list[tuple[float, float]]:
    """The vertical ranges ``items`` cover, merged, top to bottom."""
    spans: list[list[float]] = []
    for item in sorted(items, key=lambda it: it[1]):
        if spans and item[1] <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], item[3])
        else:
            spans.append([item[1], item[3]])
    return [(a, b) for a, b in spans]


def _shared(left: list[tuple[float, float]], right: list[tuple[float, float]]) -> float:
    """How much height two covers (ranges apart from each other, top to bottom) have in
    common: walked side by side, not pair by pair (a page of lines has hundreds)."""
    total, i, j = 0.0, 0, 0
    while i < len(left) and j < len(right):
        (a, b), (c, d) = left[i], right[j]
        total += max(0.0, min(b, d) - max(a, c))
        if b < d:
            i += 1
        else:
            j += 1
    return total


def _side_holds(side: list[Item], total: float, least: int) -> bool:
    """A side of a gutter with enough text, most of it prose."""
    text = [item for item in side if item[4].strip()]
    height = sum(_height(item) for item in text)
    prose = [item for item in text if _prose(item)]
    return (
        height >= SIDE * total
        and len(prose) >= least
        and sum(_height(item) for item in prose) >= PROSE * height
    )


def _splits(items: Sequence[Item], x: float, total: float, least: int) -> bool:
    """Whether a gutter at ``x`` parts prose columns side by side."""
    left = [item for item in items if item[2] <= x]
    right = [item for item in items if item[0] >= x]
    if not (_side_holds(left, total, least) and _side_holds(right, total, least)):
        return False
    # what crosses x spans both columns (a title); else it is a column of its own
    inner, outer = max(item[2] for item in left), min(item[0] for item in right)
    stray = sum(
        _height(item)
        for item in items
        if item[0] < x < item[2] and item[4].strip() and not item[0] < inner < outer < item[2]
    )
    if stray > STRAY * total:
        return False
    left_cover, right_cover = _cover(left), _cover(right)
    shorter = min(sum(b - a for a, b in left_cover), sum(b - a for a, b in right_cover))
    return _shared(left_cover, right_cover) >= BESIDE * shorter


def gutters(
    items: Sequence[Item],
    least: int = MIN_PROSE,
    within: Sequence[tuple[float, float]] | None = None,
) -> list[float]:
    """The x positions of the gutters between prose columns, left to right (none for a
    page in one column, a table, a form); ``least`` prose items on each side (lines; a
    paragraph block holds many); ``within``: only x in these ranges may be one."""
    text = [item for item in items if item[4].strip()]
    if len(text) < 2 * least:
        return []
    left = min(item[0] for item in text)
    right = max(item[2] for item in text)
    width = right - left
    total = sum(_height(item) for item in text)
    if width <= 0 or total <= 0:
        return []
    step = max(1.0, width / 500)
    bands: list[list[float]] = []
    x = left + MARGIN * width
    while x <= right - MARGIN * width:
        if within is not None and not any(a <= x <= b for a, b in within):
            x += step
            continue
        if _splits(items, x, total, least):
            if bands and x - bands[-1][1] <= 1.5 * step:
                bands[-1][1] = x
            else:
                bands.append([x, x])
        x += step
    return [(a + b) / 2 for a, b in bands]


def _keys(items: Sequence[Item], found: list[float]) -> list[tuple[int, int]]:
    """Each item's (section, column): full-width items are a section of their own
    between the columns above them and the columns below them."""
    order = sorted(range(len(items)), key=lambda i: (items[i][1], items[i][0]))
    keys: list[tuple[int, int]] = [(0, 0)] * len(items)
    section, wide = 0, False
    for i in order:
        x0, _, x1, _, _ = items[i]
        across = any(x0 < g < x1 for g in found)
        if across != wide:  # full-width items one after another make one section
            section += 1
            wide = across
        keys[i] = (section, 0 if across else sum(1 for g in found if g <= x0))
    return keys


def parts(items: Sequence[Item], found: list[float]) -> list[list[int]]:
    """The indices of ``items`` in reading order, cut where the column changes: each
    part is a stretch of one column (or a full-width item), top to bottom."""
    keys = _keys(items, found)
    order = sorted(range(len(items)), key=lambda i: (keys[i], items[i][1], items[i][0]))
    cut: list[list[int]] = []
    for i in order:
        if cut and keys[cut[-1][-1]] == keys[i]:
            cut[-1].append(i)
        else:
            cut.append([i])
    return cut


def in_reading_order(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SoMark blocks of one page in reading order: top to bottom, column by column
    where the page is set in columns (``idx`` renumbered). Blocks that begin at the
    same place keep the order they are given in; tables and figures count as page
    elements, never as prose."""
    items: list[Item] = []
    for block in blocks:
        x0, top, x1, bottom = (float(v) for v in block["bbox"][:4])
        words = block["type"] not in ("table", "figure")  # a table's markup is not prose
        items.append((x0, top, x1, bottom, str(block.get("content") or "") if words else ""))
    order = [i for part in parts(items, gutters(items, least=1)) for i in part]
    ordered = [blocks[i] for i in order]
    for index, block in enumerate(ordered):
        block["idx"] = index
    return ordered
