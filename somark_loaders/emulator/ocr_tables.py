"""Tables in pictures: a scanned table's OCR lines read as rows and columns.

The recogniser returns one box per run of text, which in a table is one cell (or one
line of a cell). Those boxes are laid out like a PDF page's words, so the rules for
tables without rules (:mod:`.aligned_tables`: three or more columns shared by three or
more rows, short cells, not prose) find the table. A scan adds one thing: a header whose
cells wrap over several lines, at heights that do not line up across columns (a spanning
header above two columns, "Ballots / Completed" beside "Participants"). Every line above
the first row of numbers, inside the table's width, goes into the header cell of its
column, top to bottom, so that no header word becomes a row of its own.
"""

from __future__ import annotations

from typing import Any

from . import aligned_tables as at
from ._blocks import FoundTable
from ._text import join_lines
from .ocr import OcrLine

_HEADER_LINES = 8  # at most this many lines of header above the first row of numbers
_PROSE = 6  # words: a line this long above a table is its caption, not a header cell


def _words(lines: list[OcrLine]) -> list[dict[str, Any]]:
    return [
        {
            "x0": line.x0,
            "x1": line.x1,
            "top": line.top,
            "bottom": line.bottom,
            "text": line.text,
            "size": line.height,
        }
        for line in lines
    ]


def _numbers(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell and at.NUMERIC.match(cell))


def ocr_tables(lines: list[OcrLine]) -> list[FoundTable]:
    """The tables among recognised lines (boxes in the image's pixels)."""
    if not lines:
        return []
    words = _words(lines)
    width = max(line.x1 for line in lines)
    found: list[FoundTable] = []
    for part in at._text_columns(words, width):
        found += [_with_header(table, words) for table in at._tables(at._rows(part))]
    return found


def _with_header(table: FoundTable, words: list[dict[str, Any]]) -> FoundTable:
    """``table`` with the lines above its first row of numbers as one header row."""
    x0, top, x1, bottom = table.box
    inside = [w for w in words if at._within(w, table.box)]
    rows = at._rows(inside)
    wide = [r for r in rows if len(r.segments) >= at._MIN_COLUMNS]
    if not wide:
        return table
    columns = at._columns(wide)
    if len(columns) != len(table.rows[0]):
        return table
    first = next((r for r in rows if _numbers(at._cells(r, columns)[1:]) >= 2), None)
    body = next(
        (i for i, row in enumerate(table.rows) if _numbers([c or "" for c in row[1:]]) >= 2), None
    )
    if first is None or body is None:
        return table  # a table of words: its header as the aligned rows found it
    size = first.size
    # the table's own lines above its first row of numbers, then the lines above the
    # table up to a wide gap, inside its width
    header = [w for w in inside if float(w["bottom"]) <= first.top + 0.3 * size]
    edge = min([first.top, *(float(w["top"]) for w in header)])
    above = [
        w
        for w in words
        if float(w["bottom"]) <= first.top + 0.3 * size
        and w not in header
        and float(w["x0"]) >= x0 - 2 * size
        and float(w["x1"]) <= x1 + 2 * size
    ]
    for w in sorted(above, key=lambda item: -float(item["bottom"])):
        text = str(w["text"])
        if edge - float(w["bottom"]) > 1.5 * size or len(header) >= _HEADER_LINES * len(columns):
            break
        if at.CAPTION.match(text) or at._NOTE.match(text) or len(text.split()) >= _PROSE:
            break  # the table's caption or a line of text above it
        header.append(w)
        edge = min(edge, float(w["top"]))
    if not header:
        return table
    parts: list[list[str]] = [[] for _ in columns]
    for w in sorted(header, key=lambda item: (float(item["top"]), float(item["x0"]))):
        parts[at._column_of(w, columns)].append(str(w["text"]))
    head: list[str | None] = [join_lines([" ".join(p)]) for p in parts]
    new_top = min(top, min(float(w["top"]) for w in header) - 1)
    return FoundTable((x0, new_top, x1, bottom), [head, *table.rows[body:]], 1)
