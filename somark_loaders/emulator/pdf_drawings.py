"""Figures drawn with vector lines on PDF pages: charts, plots, trees and flow charts.

A chart exported as vector graphics (matplotlib, Excel, TikZ) has no picture: it is lines,
curves and filled shapes, with its labels (axis ticks, a legend, the names in a flow
chart's boxes) in the text layer. Read as text, each label was a block of its own in the
middle of the page's flow: ``0 2 4 6 8`` between two paragraphs, a tree's node read as a
running header. SoMark reads the page as an image and sees a figure there. So does the
emulator: a drawn figure is a ``figure`` block, and its labels are ``text`` blocks right
after it (as the text read in pictures, :mod:`.pdf_pictures`), out of the page's flow.

A drawn figure is a cluster of drawn objects (each within :data:`GAP` of another) that

* is large enough (:data:`MIN_SIZE`) and no page frame, background or band across the
  page (:data:`MAX_SHARE`, :data:`MAX_WIDTH`);
* draws like a figure, not like a table or a box around text: a curve (a marker, a node,
  an arrowhead, a plotted line), a slanted line, filled bars without text over them, or
  tick marks (:data:`FIGURE_MARKS` of them);
* holds little text: its words cover at most :data:`MAX_INK` of its area (a table's or a
  form's cells are full of words, a chart's area is mostly empty) and few of them are
  in lines of prose (:data:`PROSE_WORDS` words or more: a boxed note or a sidebar);
* is no ruled table the page's tables found, nor inside a picture.

Drawn objects are measured where they are on the page (a plotted line that TikZ clips at
its axes may run past the page's edge).

Its labels are the lines over the drawing (:data:`LABEL_WORDS` words at most), then, in
:data:`RINGS` rings, short lines beside the drawing and its labels so far (within
:data:`LABEL_REACH`): tick labels under an axis, then the axis's title under them. A line
beside it that ends a sentence, a caption (``Figure 3: ...``), a bold line or a numbered
heading is never a label. Glyphs turned a quarter within that reach (the title up a y
axis) are labels too, read along their way, when the page has too few of them for the
turned reading of :mod:`.pdf_rotated`. The figure's region is the drawing and its labels.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, NamedTuple

from ._blocks import Box, FoundTable
from ._groups import Groups
from ._text import caption_kind, join_lines
from ._words import clamp, glyph_upright
from .pdf_frame import PageFrame
from .pdf_lines import Line, lines_of
from .pdf_notes import SECTION_NUMBER
from .pdf_rotated import sideways_quarters

__all__ = ["Drawings", "PageDrawing"]

GAP = 10.0  # points between two objects of one figure, at most
CELL = 24.0  # points: the side of a cell of the grid the objects are sorted in
CROWD = 12  # objects in one cell that are compared with each other, at most
MIN_SIZE = (60.0, 40.0)  # points: a smaller cluster is a logo, a mark or a formula's sign
MAX_SHARE = 0.6  # of the page's area: a larger cluster frames the page or fills it
MAX_WIDTH = 0.95  # of the page's width: a wider cluster is a band across it
MAX_OBJECTS = 4000  # more on one page: a map or a technical drawing, read as it is
MIN_OBJECTS = 4
FIGURE_MARKS = 3  # curves, slanted lines, bars or tick marks a figure draws, at least
TICK = 8.0  # points: an upright segment this short is a tick mark
TABLE_SHARE = 0.5  # of a figure's area a table of its labels covers, at most
MAX_INK = 0.12  # of a figure's area covered by its words, at most
CAPTIONED_INK = 0.3  # the same for a drawing whose figure caption stands by it
CAPTION_REACH = 24.0  # points between a drawing and its caption, at most
PROSE_WORDS = 8  # words in a line of prose
MAX_PROSE = 0.3  # of the words in lines of prose, at most
LABEL_REACH = 10.0  # points from the drawing a label outside it may stand
LABEL_WORDS = 12  # words in a label line over the drawing, at most
OUTSIDE_WORDS = 8  # words in a label line outside it, at most
RINGS = 2  # labels beside the drawing, then labels beside those
_WORDLIKE = re.compile(r"[^\W_]")  # a word with a letter or a digit in it
_SENTENCE_END = re.compile(r"[.;:,!?。；：，！？]\s*$")
# A caption in any language: a word, a number, a colon or a full stop (``Abbildung 1.2:``,
# ``Tableau 3.``, ``Fig. 4:``), as well as what :func:`caption_kind` knows.
_LABELLED = re.compile(r"^[^\W\d_]{2,}\.?\s*\d+(?:[.-]\d+)*\s*[:.](?:\s|$)")


Glyph = tuple[Box, str, float, float]  # box, text, size, the way it runs (+1 up, -1 down)


class Drawings(NamedTuple):
    """The drawn figures of a page and what is left of its lines."""

    lines: list[Line]  # the page's lines but the figures' labels
    figures: list[Box]
    labels: list[tuple[Box, list[tuple[Box, str]]]]  # per figure, its labels' blocks


def _objects(page: Any, frame: PageFrame) -> list[tuple[Box, str]]:
    """(box, kind) of the page's drawn objects: ``curve``, ``slant``, ``tick``, ``bar``
    (a filled rectangle) or ``rule`` (any other upright line or rectangle)."""

    width, height = frame.size

    def _box(obj: dict[str, Any]) -> Box:  # cut to the page: a clip or a frame reaches past it
        return frame.box((obj["x0"], obj["top"], obj["x1"], obj["bottom"]))

    def _shown(box: Box) -> bool:  # not wholly off the page (a point on its edge is)
        return box[0] < width and box[2] > 0 and box[1] < height and box[3] > 0

    found: list[tuple[Box, str]] = []
    for curve in page.curves:
        found.append((_box(curve), "curve"))
    for line in page.lines:
        box = _box(line)
        w, h = box[2] - box[0], box[3] - box[1]
        kind = "slant" if w > 1.0 and h > 1.0 else ("tick" if max(w, h) <= TICK else "rule")
        found.append((box, kind))
    for rect in page.rects:
        box = _box(rect)
        filled = rect.get("fill") and not rect.get("stroke")
        found.append((box, "bar" if filled else "rule"))
    return [(clamp(box, frame.bounds), kind) for box, kind in found if _shown(box)]


def _clusters(boxes: list[Box]) -> list[list[int]]:
    """Indices of ``boxes`` grouped by nearness (within :data:`GAP`). Two boxes that near
    share a cell of a grid of :data:`CELL` once widened by half of :data:`GAP`, so only the
    boxes of a cell are compared; a cell crowded with :data:`CROWD` boxes (a plot's
    markers, a hatching) joins the next ones to its first without comparing."""
    groups = Groups(len(boxes))
    cells: dict[tuple[int, int], list[int]] = {}
    half = GAP / 2
    for i, box in enumerate(boxes):
        x0, top, x1, bottom = box
        for cx in range(int((x0 - half) // CELL), int((x1 + half) // CELL) + 1):
            for cy in range(int((top - half) // CELL), int((bottom + half) // CELL) + 1):
                there = cells.setdefault((cx, cy), [])
                if len(there) >= CROWD:
                    groups.join(there[0], i)
                    continue
                for j in there:
                    if _gap(boxes[j], box) <= GAP:
                        groups.join(j, i)
                there.append(i)
    return groups.members()


def _gap(a: Box, b: Box) -> float:
    return max(0.0, max(a[0], b[0]) - min(a[2], b[2]), max(a[1], b[1]) - min(a[3], b[3]))


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _overlap(a: Box, b: Box) -> float:
    """The area of ``a`` that ``b`` covers, as a share of ``a``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def _centre_in(box: Box, region: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] <= cx <= region[2] and region[1] <= cy <= region[3]


def _near(box: Box, region: Box, reach: float) -> bool:
    dx = max(0.0, region[0] - box[2], box[0] - region[2])
    dy = max(0.0, region[1] - box[3], box[1] - region[3])
    return dx <= reach and dy <= reach


def _line_box(line: Line) -> Box:
    return (line.x0, line.top, line.x1, line.bottom)


class _Cluster(NamedTuple):
    """Drawn objects near each other, large enough for a figure."""

    box: Box
    marks: int  # curves, slanted lines and tick marks
    bars: list[Box]  # filled rectangles


class PageDrawing:
    """The drawn objects of one page, in clusters that may be figures (found once, asked
    first which tables a figure holds, then for the figures themselves)."""

    def __init__(self, page: Any, frame: PageFrame) -> None:
        self.page, self.frame = page, frame
        self._clusters: list[_Cluster] | None = None

    @property
    def clusters(self) -> list[_Cluster]:
        if self._clusters is None:
            try:
                self._clusters = _candidates(self.page, self.frame)
            except Exception:  # pdfminer raises many unrelated types on damaged content
                self._clusters = []
        return self._clusters

    def swallowed(self, tables: list[FoundTable], words: list[dict[str, Any]]) -> list[int]:
        """The indices of ``tables`` that are a drawn figure's labels: a chart's legend and
        the values over its bars read as a table of aligned words. Such a table lies in a
        cluster that draws like a figure, covers at most :data:`TABLE_SHARE` of it, and
        the cluster's words (the table's with them) are a figure's few."""
        found = []
        for n, table in enumerate(tables):
            area = (table.box[2] - table.box[0]) * (table.box[3] - table.box[1])
            for cluster in self.clusters:
                box = cluster.box
                if _overlap(table.box, box) < 0.9 or area > TABLE_SHARE * _area(box):
                    continue
                inner = [w for w in words if w["upright"] and _centre_in(_word_box(w), box)]
                if _figure_like(cluster, lines_of(inner)):
                    found.append(n)
                    break
        return found

    def figures(self, lines: list[Line], taken: list[Box]) -> Drawings:
        """The figures drawn on the page, with the ``lines`` that are their labels taken
        out of the page's; ``taken`` are the boxes of its tables and pictures."""
        figures: list[Box] = []
        labels: list[tuple[Box, list[tuple[Box, str]]]] = []
        used: set[int] = set()  # lines already a figure's labels
        sideways: list[Glyph] | None = None  # turned glyphs: read at the first figure
        for cluster in self.clusters:
            drawn = cluster.box
            if any(_overlap(drawn, t) > 0.5 or _overlap(t, drawn) > 0.5 for t in taken):
                continue  # a ruled table's rules, or marks drawn over a picture
            inner = {i for i, line in enumerate(lines) if _centre_in(_line_box(line), drawn)}
            most_ink = CAPTIONED_INK if _captioned(drawn, lines) else MAX_INK
            if not _figure_like(cluster, [lines[i] for i in inner], most_ink):
                continue
            mine = [
                i
                for i in sorted(inner)
                if i not in used
                and len(lines[i].words) <= LABEL_WORDS
                and not _caption(lines[i].text)
            ]
            region = drawn
            for _ in range(RINGS):  # tick labels by the axis, then the axis's title by them
                region = _union([region, *(_line_box(lines[i]) for i in mine)])
                mine += [
                    i
                    for i, line in enumerate(lines)
                    if i not in used and i not in mine and _label_beside(line, region)
                ]
            used.update(mine)
            region = clamp(
                _union([region, *(_line_box(lines[i]) for i in mine)]), self.frame.bounds
            )
            if sideways is None:  # an axis's title up the y axis, that the turned reading leaves
                sideways = [] if sideways_quarters(self.page) else _sideways(self.page, self.frame)
            turned = [c for c in sideways if _centre_in(c[0], _widened(region, LABEL_REACH))]
            sideways = [c for c in sideways if c not in turned]
            region = _union([region, *(c[0] for c in turned)])
            figures.append(region)
            labels.append(
                (region, _label_blocks([lines[i] for i in mine]) + _turned_labels(turned))
            )
        if not figures:
            return Drawings(lines, [], [])
        return Drawings([line for i, line in enumerate(lines) if i not in used], figures, labels)


def _candidates(page: Any, frame: PageFrame) -> list[_Cluster]:
    """The clusters of ``page``'s drawn objects that are large enough to be figures, and
    no frame, background or band across the page."""
    objects = _objects(page, frame)
    if len(objects) < MIN_OBJECTS or len(objects) > MAX_OBJECTS:
        return []
    width, height = frame.size
    page_area = width * height
    objects = [(b, k) for b, k in objects if _area(b) <= MAX_SHARE * page_area]
    found = []
    for group in _clusters([box for box, _ in objects]):
        if len(group) < MIN_OBJECTS:
            continue
        drawn = _union([objects[i][0] for i in group])
        w, h = drawn[2] - drawn[0], drawn[3] - drawn[1]
        if w < MIN_SIZE[0] or h < MIN_SIZE[1] or w * h > MAX_SHARE * page_area:
            continue
        if w >= MAX_WIDTH * width:
            continue  # a band across the page: a letterhead's, a slide's title bar
        marks = sum(1 for i in group if objects[i][1] in ("curve", "slant", "tick"))
        bars = [objects[i][0] for i in group if objects[i][1] == "bar"]
        found.append(_Cluster(drawn, marks, bars))
    return found


def _figure_like(cluster: _Cluster, inner: list[Line], most_ink: float = MAX_INK) -> bool:
    """Whether a cluster with the lines ``inner`` over it draws and reads like a figure:
    marks or bars without text over them, and few words (at most ``most_ink`` of its
    area)."""
    boxes = [_line_box(line) for line in inner]
    bare = [b for b in cluster.bars if not any(_overlap(x, b) > 0.5 for x in boxes)]
    return cluster.marks + len(bare) >= FIGURE_MARKS and _sparse(cluster.box, inner, most_ink)


def _captioned(drawn: Box, lines: list[Line]) -> bool:
    """Whether a figure's caption (``Figure 2: ...``, not a table's) stands right under or
    over a drawing, within :data:`CAPTION_REACH`, across part of its width. A diagram of
    boxes and arrows holds more words than a chart (a name in every box); its caption
    says what it is."""
    for line in lines:
        box = _line_box(line)
        across = min(box[2], drawn[2]) - max(box[0], drawn[0])
        if across <= 0.25 * min(box[2] - box[0], drawn[2] - drawn[0]):
            continue
        gap = max(box[1] - drawn[3], drawn[1] - box[3])
        if -2.0 <= gap <= CAPTION_REACH and caption_kind(line.text) == "figure_caption":
            return True
    return False


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _word_box(word: dict[str, Any]) -> Box:
    return (float(word["x0"]), float(word["top"]), float(word["x1"]), float(word["bottom"]))


def _label_beside(line: Line, drawn: Box) -> bool:
    """Whether a line outside a drawing is one of its labels: within
    :data:`LABEL_REACH` of it, short, and no sentence (the body's lines above or under a
    figure end in a full stop, or are long), no caption and no heading."""
    return (
        _near(_line_box(line), drawn, LABEL_REACH)
        and len(line.words) <= OUTSIDE_WORDS
        and not _SENTENCE_END.search(line.text)
        and not _caption(line.text)
        and not line.bold  # a heading under the figure
        and not SECTION_NUMBER.match(line.text)
    )


def _sideways(page: Any, frame: PageFrame) -> list[Glyph]:
    """The page's glyphs turned a quarter (few: the turned reading of :mod:`.pdf_rotated`
    takes pages with more)."""
    found: list[Glyph] = []
    for char in page.chars:
        if glyph_upright(char) or not char["text"].strip():
            continue
        way = 1.0 if float(char["matrix"][1]) > 0 else -1.0
        box = frame.box((char["x0"], char["top"], char["x1"], char["bottom"]))
        found.append((box, char["text"], float(char["size"]), way))
    return found


def _widened(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _turned_labels(glyphs: list[Glyph]) -> list[tuple[Box, str]]:
    """Sideways glyphs as labels: one per column of glyphs and way, read along it (up the
    page: from its foot), a space where a gap of a third of the type size parts them."""
    runs: dict[tuple[int, float], list[Glyph]] = {}
    for glyph in glyphs:
        runs.setdefault((round((glyph[0][0] + glyph[0][2]) / 2 / 4), glyph[3]), []).append(glyph)
    out: list[tuple[Box, str]] = []
    for (_, way), run in sorted(runs.items(), key=lambda r: r[0]):
        run.sort(key=lambda g: -g[0][3] if way > 0 else g[0][1])
        text = run[0][1]
        for before, glyph in itertools.pairwise(run):
            gap = before[0][1] - glyph[0][3] if way > 0 else glyph[0][1] - before[0][3]
            text += (" " if gap > glyph[2] / 3 else "") + glyph[1]
        out.append((_union([g[0] for g in run]), text))
    return out


def _caption(text: str) -> bool:
    return caption_kind(text) is not None or _LABELLED.match(text) is not None


def _label_blocks(lines: list[Line]) -> list[tuple[Box, str]]:
    """A figure's label lines as blocks, top to bottom: a line joins the block above it
    when it starts under it, within half its height."""
    blocks: list[list[Line]] = []
    for line in sorted(lines, key=lambda x: (round(x.top), x.x0)):
        for block in blocks:
            last = block[-1]
            under = -1.0 <= line.top - last.bottom <= 0.5 * (line.bottom - line.top)
            if under and line.x0 < last.x1 and last.x0 < line.x1:
                block.append(line)
                break
        else:
            blocks.append([line])
    return [(_union([_line_box(x) for x in b]), join_lines([x.text for x in b])) for b in blocks]


def _sparse(drawn: Box, inner: list[Any], most_ink: float = MAX_INK) -> bool:
    """Whether the lines over a drawing are a figure's labels: their words cover at most
    ``most_ink`` of it and few are in lines of prose (words of letters or digits: a
    dotted leader ``. . . . .`` or an ellipsis is no prose)."""
    area = (drawn[2] - drawn[0]) * (drawn[3] - drawn[1])
    words = [w for line in inner for w in line.words]
    ink = sum(
        (float(w["x1"]) - float(w["x0"])) * (float(w["bottom"]) - float(w["top"])) for w in words
    )
    counts = [sum(1 for w in line.words if _WORDLIKE.search(w["text"])) for line in inner]
    prose = sum(n for n in counts if n >= PROSE_WORDS)
    return ink <= most_ink * area and prose <= MAX_PROSE * max(sum(counts), 1)
