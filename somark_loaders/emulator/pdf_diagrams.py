"""Where a PDF page draws a diagram with vector lines: its labels are no titles.

A data model's UML diagram, a flow chart or an organisation chart is drawn as boxes with
words in them. The words are in the text layer, so they are read, and a reader asks
about them (``Rapids = 2`` in a code list); but a label in larger or bold type looked
like a title, and the heading path of the sections after it ran through ``Code List``
and ``Hydrographic Obstacle Entity`` (pypdf's GeoBase data model).

A diagram here is three boxes or more (stroked rectangles, not page frames, not a ruled
table's cells) near each other, with a curve or a slanted line among them (an arrowhead,
a rounded shape, an edge: a form's field boxes, all rules upright, are no diagram); its
region is their bounding box widened by half an inch (a diagram's name sits above its
boxes). Text in a region is no title (a numbered section title still is).
"""

from __future__ import annotations

from typing import Any

from ._blocks import Box

__all__ = ["diagram_regions", "in_region"]

MIN_BOXES = 3
MIN_SIDE = 8.0  # points: a smaller rectangle is a tick, a bullet or a check box
MAX_SHARE = (0.8, 0.6)  # of the page's width and height: a larger one frames the page
NEAR = 60.0  # points between two boxes of one diagram, at most
MARGIN = 36.0  # points around a diagram's boxes that belong to it (its name, its notes)
SHADOW = 3.0  # points: a box drawn again this close (its shadow) is the same box
MAX_BOXES = 400  # more: a form's fields or a grid, not a diagram


def _boxes(page: Any, tables: list[Box]) -> list[Box]:
    width, height = float(page.width), float(page.height)
    found: list[Box] = []
    seen: dict[tuple[int, int], list[Box]] = {}  # by corner, for the shadows
    for rect in page.rects:
        if not rect.get("stroke"):
            continue  # a filled area: a shading, a bar of a chart, a rule
        box = (float(rect["x0"]), float(rect["top"]), float(rect["x1"]), float(rect["bottom"]))
        w, h = box[2] - box[0], box[3] - box[1]
        if not (MIN_SIDE <= w <= MAX_SHARE[0] * width and MIN_SIDE <= h <= MAX_SHARE[1] * height):
            continue
        if any(_inside(box, t, 1.0) for t in tables):
            continue  # a cell of a ruled table
        key = (round(box[0] / SHADOW), round(box[1] / SHADOW))
        near = [f for k in _around(key) for f in seen.get(k, ())]
        if any(all(abs(a - b) <= SHADOW for a, b in zip(box, f, strict=True)) for f in near):
            continue
        found.append(box)
        seen.setdefault(key, []).append(box)
        if len(found) > MAX_BOXES:
            break  # hundreds: a form's fields or a grid, not a diagram
    return found


def _around(key: tuple[int, int]) -> list[tuple[int, int]]:
    return [(key[0] + dx, key[1] + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]


def _inside(inner: Box, outer: Box, slack: float) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _gap(a: Box, b: Box) -> float:
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return max(dx, dy)


def diagram_regions(page: Any, tables: list[Box]) -> list[Box]:
    """The regions of ``page`` (pdfplumber's, in its coordinates) where a diagram is
    drawn, ``tables`` (the ruled tables found on it) left out."""
    boxes = _boxes(page, tables)
    if len(boxes) < MIN_BOXES or len(boxes) > MAX_BOXES:
        return []
    groups: list[list[Box]] = []
    for box in boxes:
        near = [g for g in groups if any(_gap(box, other) <= NEAR for other in g)]
        merged = [box]
        for group in near:
            merged += group
            groups.remove(group)
        groups.append(merged)
    connectors = _connectors(page)
    regions = []
    for group in groups:
        if len(group) < MIN_BOXES:
            continue
        drawn = (
            min(b[0] for b in group),
            min(b[1] for b in group),
            max(b[2] for b in group),
            max(b[3] for b in group),
        )
        region = (drawn[0] - MARGIN, drawn[1] - MARGIN, drawn[2] + MARGIN, drawn[3] + MARGIN)
        if any(_inside(c, region, 0.0) for c in connectors):
            frame = _framed(drawn, page)
            regions.append(
                (
                    min(frame[0], region[0]),
                    min(frame[1], region[1]),
                    max(frame[2], region[2]),
                    max(frame[3], region[3]),
                )
            )
    return regions


def _framed(boxes: Box, page: Any) -> Box:
    """The smallest frame drawn around ``boxes`` (a UML diagram's frame of four rules,
    its name in a tab at its top), or ``boxes`` itself when none is."""
    edges = page.edges
    across = [
        (float(e["x0"]), float(e["x1"]), float(e["top"])) for e in edges if e["orientation"] == "h"
    ]
    down = [
        (float(e["top"]), float(e["bottom"]), float(e["x0"]))
        for e in edges
        if e["orientation"] == "v"
    ]
    if len(across) * len(down) > 40_000:
        return boxes
    best = boxes
    for x0, x1, top in across:
        if top > boxes[1] or x0 > boxes[0] + 1 or x1 < boxes[2] - 1:
            continue
        for a0, a1, bottom in across:
            if bottom < boxes[3] or abs(a0 - x0) > 2 or abs(a1 - x1) > 2:
                continue
            sides = [x for y0, y1, x in down if y0 <= top + 2 and y1 >= bottom - 2]
            if any(abs(x - x0) <= 2 for x in sides) and any(abs(x - x1) <= 2 for x in sides):
                frame = (x0, top, x1, bottom)
                if best is boxes or _area(frame) < _area(best):
                    best = frame
    return best


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _connectors(page: Any) -> list[Box]:
    """The curves (arrowheads, rounded shapes) and slanted lines of ``page``: a diagram
    has them; a form's grid of field boxes, all rules upright, has none."""
    found = [
        (float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])) for c in page.curves
    ]
    for line in page.lines:
        box = (float(line["x0"]), float(line["top"]), float(line["x1"]), float(line["bottom"]))
        if box[2] - box[0] > 1.0 and box[3] - box[1] > 1.0:
            found.append(box)
    return found


def in_region(box: Box, regions: list[Box]) -> bool:
    """Whether ``box`` lies wholly in one of ``regions``."""
    return any(_inside(box, region, 0.0) for region in regions)
