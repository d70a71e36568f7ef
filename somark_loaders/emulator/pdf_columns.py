"""Text in columns whose rows are drawn across the columns: read column by column.

Most PDFs draw a page set in columns column by column, and the emulator's lines follow
the drawing. Some draw it row by row straight across the columns (IRS instructions in
three columns: ``Section references are to the Internal`` then ``use a different address
this year. See`` then ``retirement plan and your 2008 modified``, one row), and words
one after another on one row made one line over the gutters, so every line read three
columns' text and every paragraph alternated columns.

A gutter is found as the OCR path finds one (:func:`.ocr_columns.gutters`: a vertical
band the text does not cross, with prose next to each other on both sides over much of
the page), among the pieces of the lines cut at their wide gaps (most of an em: wider
than a justified line's spaces), where three such gaps or more line up. A line is then
cut where one of its gaps spans a gutter, and only there: a heading's
``1   Introduction``, a form's label and value or a table's cells keep their line when no
gutter runs between them (the words of tables found by :func:`.pdf_tables.find_tables`
are not in the lines). A gutter is no gutter when many pieces no wider than a column
have a word over it (the middle of a column whose lines a run-in heading's wide gap cut;
a worksheet or a title over the columns is wider), nor when the text is no prose: on one
side of a gutter, most pieces of the lines cut there short of words (a table's codes
beside their descriptions, a form's labels), or most lines of a column without the next
one right under them (a glossary's terms beside their definitions); their rows are read
across. A running line alone in the header or footer band is not cut: it stays whole
across the page. When the drawing goes back to an earlier column, the page's lines are
put in reading order (:func:`.ocr_columns.parts`: section by section, column by column,
top to bottom) before paragraphs are made of them; a page drawn column by column keeps
its order (a line that ran over the gutter is only cut in place).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import pairwise
from typing import NamedTuple

from ._bidi import has_rtl
from .ocr_columns import LETTERS, MIN_PROSE, Item, gutters, parts
from .pdf_layout import FOOTER, HEADER
from .pdf_lines import Line

__all__ = ["Columns", "in_columns"]

WIDE = 0.8  # of the type size: a gap this wide between two words of a line may be a gutter
CROSSED = 1 / 3  # of the rows with a gap at a gutter: the most pieces with a word over it
SPAN = 1.5  # of the usual width of a piece of prose: a piece this wide spans columns
APART = 0.5  # of its height: a running line is set apart from the body by more than this
PROSE = 0.5  # of a column's lines (of the pieces of cut lines): the least that are prose

Gap = tuple[int, float, float]  # the index of the word after it, its left and right edge


def _wide_gaps(line: Line) -> list[Gap]:
    gaps: list[Gap] = []
    for at, (a, b) in enumerate(pairwise(line.words), 1):
        size = max(float(a["size"]), float(b["size"]), 1.0)
        left, right = float(a["x1"]), float(b["x0"])
        if right - left >= WIDE * size:
            gaps.append((at, left, right))
    return gaps


def _cut(line: Line, at: list[int]) -> list[Line]:
    if not at:
        return [line]
    return [Line(line.words[a:b]) for a, b in pairwise([0, *at, len(line.words)])]


def _covered(spans: list[tuple[float, float]], least: int) -> list[tuple[float, float]]:
    """The x ranges at least ``least`` of ``spans`` cover."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    ranges: list[tuple[float, float]] = []
    depth, start = 0, 0.0
    for x, step in events:
        before, depth = depth, depth + step
        if before < least <= depth:
            start = x
        elif depth < least <= before and x > start:
            ranges.append((start, x))
    return ranges


def _running(line: Line, lines: list[Line], height: float) -> bool:
    """Whether ``line`` is a running line: in the header (footer) band with no other
    line beside it or within half its height under (over) it: set apart from the body."""
    reach = APART * max(line.bottom - line.top, 1.0)
    if line.bottom < HEADER * height:
        top, bottom = line.top, line.bottom + reach
    elif line.top > FOOTER * height:
        top, bottom = line.top - reach, line.bottom
    else:
        return False
    return not any(
        other is not line and other.top < bottom and other.bottom > top for other in lines
    )


def _clear(x: float, pieces: list[Line], gaps: list[tuple[float, float]], column: float) -> bool:
    """Whether few pieces of lines at most a ``column`` wide have a word over ``x``,
    for the rows with a wide gap there (a title or a worksheet over the columns is
    wider): a gutter, not the middle of a column whose lines a run-in heading's gap cut."""
    crossed = sum(
        p.x0 < x < p.x1
        and p.x1 - p.x0 < SPAN * column
        and any(w["x0"] < x < w["x1"] for w in p.words)
        for p in pieces
    )
    return crossed <= CROSSED * sum(a < x < b for a, b in gaps)


def _worded(lines: list[Line]) -> bool:
    """Whether most ``lines`` are prose by their words (a table's codes are not)."""
    worded = sum(sum(c.isalpha() for c in line.text) >= LETTERS for line in lines)
    return worded >= PROSE * len(lines)


def _dense(column: list[Line]) -> bool:
    """Whether most of a column's lines have the next line right under them, as prose
    has (the terms of a glossary beside their definitions stand one every few rows)."""
    down = sorted(column, key=lambda line: line.top)
    tops = [line.top for line in down]
    followed = 0
    for line in down:
        height = max(line.bottom - line.top, 1.0)
        start = bisect_left(tops, line.bottom - 0.5 * height)
        end = bisect_left(tops, line.bottom + 0.9 * height)
        followed += any(o.x0 < line.x1 and o.x1 > line.x0 for o in down[start:end])
    return followed >= PROSE * len(column)


def _item(line: Line) -> Item:
    return (line.x0, line.top, line.x1, line.bottom, line.text)


class Columns(NamedTuple):
    lines: list[Line]
    ordered: bool  # put in reading order by the page's layout: not to be read again


def in_columns(lines: list[Line], height: float) -> Columns:
    """A page's ``lines`` (in drawn order, on a page ``height`` tall) cut at the gutters
    between columns they run over, in reading order when the drawing goes across: the
    running lines of its header band first, then its sections and columns, then those of
    its footer band."""
    running = {i for i, line in enumerate(lines) if _running(line, lines, height)}
    wide: dict[int, list[Gap]] = {}
    for index, line in enumerate(lines):
        if index in running or has_rtl(line.text):
            continue  # a running line stays whole; right to left: words not left to right
        if gaps := _wide_gaps(line):
            wide[index] = gaps
    spans = [(a, b) for gaps in wide.values() for _, a, b in gaps]
    within = _covered(spans, MIN_PROSE)
    if not within:
        return Columns(lines, False)
    pieces = [
        piece
        for index, line in enumerate(lines)
        for piece in _cut(line, [at for at, _, _ in wide.get(index, ())])
    ]
    widths = sorted(p.x1 - p.x0 for p in pieces if sum(c.isalpha() for c in p.text) >= LETTERS)
    column = widths[len(widths) // 2] if widths else 0.0  # the usual width of prose
    found = [
        x
        for x in gutters([_item(piece) for piece in pieces], within=within)
        if _clear(x, pieces, spans, column)
    ]
    cut: list[Line] = []
    edge: list[bool] = []  # whether each piece is a running line
    split: list[Line] = []  # the pieces of the lines cut
    for index, line in enumerate(lines):
        gaps = wide.get(index, [])
        kept = _cut(line, [at for at, a, b in gaps if any(a < g < b for g in found)])
        cut += kept
        edge += [index in running] * len(kept)
        split += kept if len(kept) > 1 else []
    sides: dict[int, list[Line]] = {}
    for piece in split:
        sides.setdefault(sum(g <= piece.x0 for g in found), []).append(piece)
    if not split or not all(_worded(side) for side in sides.values()):
        return Columns(lines, False)  # no line over a gutter; a table's codes, a form's labels
    columns: dict[int, list[Line]] = {}
    for line in cut:
        if not any(line.x0 < g < line.x1 for g in found):
            columns.setdefault(sum(g <= line.x0 for g in found), []).append(line)
    if not all(_dense(column) for column in columns.values()):
        return Columns(lines, False)  # a glossary: its rows are read across
    body = [index for index, is_edge in enumerate(edge) if not is_edge]
    stretches = [[body[i] for i in part] for part in parts([_item(cut[i]) for i in body], found)]
    part_of = {index: at for at, part in enumerate(stretches) for index in part}
    if all(part_of[a] <= part_of[b] for a, b in pairwise(body)):
        return Columns(cut, False)  # drawn column by column: lines cut in place
    header = [i for i, is_edge in enumerate(edge) if is_edge and cut[i].bottom < HEADER * height]
    footer = [i for i, is_edge in enumerate(edge) if is_edge and i not in header]
    order = [
        *sorted(header, key=lambda i: (cut[i].top, cut[i].x0)),
        *(index for part in stretches for index in part),
        *sorted(footer, key=lambda i: (cut[i].top, cut[i].x0)),
    ]
    return Columns([cut[i] for i in order], True)
