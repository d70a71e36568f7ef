"""Where tables, figures and their captions go in a PDF page's reading order.

Paragraphs come in the order the PDF writes them (its text flow); tables and pictures,
found apart, are slotted in by where they sit. A caption goes with what it captions, as
the service's layout reading orders a page: right before the table or figure it sits on,
right after the one it sits under (and the text read inside that picture). Journals set
figures and tables as floats and many write every caption after the page's body text, so
the text flow would put a caption at the end of its page, between the last paragraph and
its continuation on the next page.
"""

from __future__ import annotations

from typing import Any

from ._blocks import Box

__all__ = ["Item", "place_captions", "slot", "take_captions"]

Item = tuple[str, Box, str, dict[str, Any]]
_CAPTIONS = ("table_caption", "figure_caption")
_FLOATS = ("table", "figure")
# A caption sits against its table or figure: at most this far from it (page heights),
# or overlapping it by as much.
_GAP = 0.03


def slot(items: list[Item], box: Box) -> int:
    """Where a table or figure goes: after the last block above it in its column (its
    caption, a headnote), else before the first block below it there. The blocks come in
    the order the PDF writes them, which is not always top-down (a page that writes its
    bottom title first): the block above is the safer mark."""
    above = [
        index
        for index, (_kind, other, _text, _extra) in enumerate(items)
        if other[0] < box[2] and other[2] > box[0] and other[1] < box[1]
    ]
    if above:
        return above[-1] + 1
    for index, (_kind, other, _text, _extra) in enumerate(items):
        overlaps = other[0] < box[2] and other[2] > box[0]
        if overlaps and other[1] >= box[1]:
            return index
    return len(items)


def _across(a: Box, b: Box) -> bool:
    """Whether ``a`` and ``b`` share columns (overlap across)."""
    return min(a[2], b[2]) > max(a[0], b[0])


def _against(
    caption: Box, floats: list[Box], others: list[Box], height: float
) -> tuple[Box, bool] | None:
    """The table or figure ``caption`` sits against (the nearest, across the same columns,
    no other block between them: a headnote under a table's caption keeps its place) and
    whether the caption is above it, or ``None``."""
    best: tuple[float, Box, bool] | None = None
    for box in floats:
        if not _across(caption, box):
            continue
        for gap, above in ((box[1] - caption[3], True), (caption[1] - box[3], False)):
            top, bottom = (caption[3], box[1]) if above else (box[3], caption[1])
            between = any(
                _across(caption, o) and o[1] >= top - 1 and o[3] <= bottom + 1 for o in others
            )
            if abs(gap) <= _GAP * height and not between and (best is None or abs(gap) < best[0]):
                best = (abs(gap), box, above)
    return None if best is None else best[1:]


def take_captions(
    items: list[Item], floats: list[Box], height: float
) -> tuple[list[Item], list[tuple[Item, Box, bool]]]:
    """``items`` without the captions that sit against one of ``floats``, and those
    captions with their table or figure and whether they sit above it."""
    kept: list[Item] = []
    taken: list[tuple[Item, Box, bool]] = []
    for item in items:
        found = None
        if item[0] in _CAPTIONS:
            others = [other[1] for other in items if other is not item]
            found = _against(item[1], floats, others, height)
        if found is None:
            kept.append(item)
        else:
            taken.append((item, *found))
    return kept, taken


def _inside(box: Box, outer: Box) -> bool:
    return box[0] >= outer[0] and box[1] >= outer[1] and box[2] <= outer[2] and box[3] <= outer[3]


def place_captions(items: list[Item], captions: list[tuple[Item, Box, bool]]) -> None:
    """Put each caption (from :func:`take_captions`) right before the table or figure it
    sits above, or right after the one it sits under and the text read inside it."""
    for caption, box, above in captions:
        floats = (i for i, item in enumerate(items) if item[0] in _FLOATS and item[1] == box)
        at = next(floats, None)
        if at is None:  # not slotted (never expected): where its position says
            items.insert(slot(items, caption[1]), caption)
            continue
        if not above:
            at += 1
            while at < len(items) and items[at][0] == "text" and _inside(items[at][1], box):
                at += 1
        items.insert(at, caption)
