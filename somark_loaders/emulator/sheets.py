"""Excel engine of the emulator: a workbook -> SoMark pages.

A sheet starts a page with its name as ``title``; its tables follow in reading order, on
as many pages as they take (SoMark paginates Office files server-side; no table is left
out because the first page is full).

* A table is a block of filled cells that empty rows and columns keep apart from the
  others. Blocks side by side that share their rows are one table: a column of row labels
  left of its numbers, with an empty column between, is not two tables.
* Its header is its leading rows of labels: rows without numbers, and rows whose first
  cell is a word where the row labels below are numbers (``€ | 1997 | 1998``). The header
  goes down as far as its tall cells do.
* A table taller than a page starts where it is (it is not moved to a new page, leaving
  the sheet's name alone on one); it takes a page in the count, as a tall Word block does.
* Rows at a table's foot that hold one piece of text (notes, footnotes) follow it as text;
  a lone cell is text too.
* A label and its value a few empty columns apart in a row (``Case #:`` in A1, its value
  in E1) read as one line, ``label value`` (``sheet_forms``); such lines leading a block
  read before its table, as text.
* A chart gives its title and its data where it is anchored, as a slide's chart does; a
  picture gives the text it shows (OCR), or a ``figure``.
* Cells read as the sheet shows them (``cells.shown``): number formats apply
  (``0.0%`` -> ``13.1%``, ``#,##0`` -> ``15,000``), merged cells become spans.
* What a PDF export leaves out is left out: a hidden sheet (``hidden``, ``veryHidden``)
  and an empty one (no cell that shows a value, no chart, no picture) get no page; hidden
  rows and columns are not there (the cells around them close up, a merged cell keeps
  its shown part). A workbook with nothing to show is one blank page.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from pathlib import Path
from typing import Any

from ._groups import Groups
from .cells import is_number, shown
from .charts import Resolve, chart_blocks
from .office import LINE, MARGIN, Cell, Pages, picture_text, table_html
from .sheet_forms import form_lines

__all__ = ["extract_xlsx", "regions"]

logger = logging.getLogger("somark_loaders.emulator")

Box = tuple[int, int, int, int]  # top, left, bottom, right (1-based rows and columns)

# Blocks side by side are one table when most of their rows are shared (a label column
# and its values); a gap of more than this many empty columns always keeps them apart.
_SHARED_ROWS = 0.75
_MAX_GAP = 2
# A header of labels is at most this many rows (a title, a group row, the column names).
_MAX_HEADER = 4


def extract_xlsx(path: Path, *, read_pictures: bool = True) -> list[dict[str, Any]]:
    """The pages of a workbook. ``read_pictures=False`` leaves OCR out (counting pages:
    a picture takes the same room whatever it says)."""
    import openpyxl

    with path.open("rb") as handle:
        workbook = openpyxl.load_workbook(handle, data_only=True, read_only=False)
    out: list[dict[str, Any]] = []
    for name in workbook.sheetnames:  # the tabs' order, chart sheets among them
        sheet = workbook[name]
        if sheet.sheet_state != "visible":
            continue  # hidden and veryHidden sheets are not printed
        pages = Pages()
        pages.add("title", sheet.title, 1, title_level=1)
        if hasattr(sheet, "iter_rows"):
            _sheet_blocks(sheet, pages, read_pictures)
        else:  # a chart sheet: its chart, on a page of its own
            for _r, _c, blocks in _charts(sheet):
                _object_blocks(blocks, pages)
        found = pages.result()
        if len(found) == 1 and len(found[0]["blocks"]) == 1:
            continue  # an empty sheet prints no page (its name alone is no page)
        for page in found:
            page["page_num"] = len(out)
            out.append(page)
    workbook.close()
    return out or Pages().result()  # nothing to show: a blank page, as a PDF export has


def _sheet_blocks(sheet: Any, pages: Pages, read_pictures: bool) -> None:
    # positions are the shown ones: hidden rows and columns left out, the rest closed up
    place = _Shown(sheet)
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    moved: dict[tuple[int, int], tuple[int, int] | None] = {}  # a merge's origin: shown at
    for span in sheet.merged_cells.ranges:
        rows = place.rows(span.min_row, span.max_row)
        cols = place.cols(span.min_col, span.max_col)
        origin = (rows[0], cols[0]) if rows and cols else None
        moved[(span.min_row, span.min_col)] = origin
        if origin is None:
            continue  # all of it hidden
        merged[origin] = (len(rows), len(cols))
        covered |= {(r, c) for r in rows for c in cols}
        covered.discard(origin)
    values: dict[tuple[int, int], Any] = {}
    texts: dict[tuple[int, int], str] = {}
    for row in sheet.iter_rows():
        for cell in row:
            text = shown(cell.value, cell.number_format)
            at = (cell.row, cell.column)
            to = moved[at] if at in moved else place.cell(*at)
            if text.strip() and to is not None:
                values[to] = cell.value
                texts[to] = text
    filled = set(texts)
    for (r, c), (down, across) in merged.items():
        if (r, c) in texts:
            filled |= {(r + i, c + j) for i in range(down) for j in range(across)}
    forms = form_lines(texts, values, filled, merged)

    def region(top: int, left: int, bottom: int, right: int) -> None:
        lines = []  # form lines leading the region read before its table, as text
        while top <= bottom:
            row = [(top, c) for c in range(left, right + 1) if (top, c) in filled]
            if len(row) != 1 or row[0] not in forms:
                break
            lines.append(texts[row[0]])
            top += 1
        if lines:
            pages.add("text", "\n".join(lines), len(lines))
        if top > bottom:
            return
        grid: list[list[Cell]] = []
        numbers: list[list[bool]] = []
        for r in range(top, bottom + 1):
            grid.append([])
            numbers.append([])
            for c in range(left, right + 1):
                if (r, c) in covered:
                    continue
                rowspan, colspan = merged.get((r, c), (1, 1))
                grid[-1].append(Cell(texts.get((r, c), ""), rowspan, colspan))
                numbers[-1].append(is_number(values.get((r, c))))
        _table_blocks(grid, numbers, pages)

    # tables, charts and pictures in reading order of their top-left cells
    placed: list[tuple[tuple[int, int, int], Box | list[tuple[str, str]]]] = [
        ((box[0], box[1], 0), box) for box in regions(filled)
    ]
    placed += [
        ((place.row(r), place.col(c), 1), blocks)
        for r, c, blocks in [*_charts(sheet), *_pictures(sheet, read_pictures)]
    ]
    for _where, what in sorted(placed, key=lambda item: item[0]):
        if isinstance(what, list):
            _object_blocks(what, pages)
        else:
            region(*what)


class _Shown:
    """Where a row or column of the sheet is shown, its hidden rows and columns left out
    (1-based; a hidden one is where the next shown one is)."""

    def __init__(self, sheet: Any) -> None:
        from openpyxl.utils import column_index_from_string

        self.hidden_rows = sorted(r for r, dim in sheet.row_dimensions.items() if dim.hidden)
        hidden_cols: set[int] = set()
        for dim in sheet.column_dimensions.values():
            if dim.hidden:  # a column dimension may cover a run of columns (min..max)
                first = dim.min or column_index_from_string(dim.index)
                hidden_cols.update(range(first, max(first, dim.max or first) + 1))
        self.hidden_cols = sorted(hidden_cols)
        self._rows, self._cols = set(self.hidden_rows), hidden_cols

    def row(self, r: int) -> int:
        return r - bisect_left(self.hidden_rows, r)

    def col(self, c: int) -> int:
        return c - bisect_left(self.hidden_cols, c)

    def cell(self, r: int, c: int) -> tuple[int, int] | None:
        """Where the cell is shown; ``None`` when its row or column is hidden."""
        if r in self._rows or c in self._cols:
            return None
        return self.row(r), self.col(c)

    def rows(self, first: int, last: int) -> list[int]:
        return [self.row(r) for r in range(first, last + 1) if r not in self._rows]

    def cols(self, first: int, last: int) -> list[int]:
        return [self.col(c) for c in range(first, last + 1) if c not in self._cols]


def _object_blocks(blocks: list[tuple[str, str]], pages: Pages) -> None:
    """A chart's or a picture's blocks, a chart's title kept on the page of its data."""
    heights = [
        max(2, content.count("<tr>")) if kind == "table" else 1 if kind == "table_caption" else 8
        for kind, content in blocks
    ]  # a picture takes 8 lines, as a Word figure does, whatever OCR reads in it
    pages.keep_together(sum(heights))
    caption: list[int] = []  # the title's idx, in the table's ``captions``
    for (kind, content), lines in zip(blocks, heights, strict=True):
        idx = pages.add(kind, content, lines, captions=caption)
        caption = [idx] if kind == "table_caption" else []


def _charts(sheet: Any) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """The sheet's charts where they are anchored (row, column): title and data, as a
    slide's charts give them (``charts.py``). A chart openpyxl cannot write back is left
    out (and logged)."""
    from lxml import etree

    out = []
    for chart in getattr(sheet, "_charts", ()):
        try:
            marker = getattr(chart.anchor, "_from", None)  # none on a chart sheet: it fills it
            space = etree.fromstring(etree.tostring(chart._write()))
        except Exception as err:  # openpyxl's chart model is private and partial
            logger.warning("A chart of sheet %r cannot be read (%s); left out.", sheet.title, err)
            continue
        row, col = (marker.row + 1, marker.col + 1) if marker is not None else (1, 1)
        out.append((row, col, chart_blocks(space, _resolver(sheet.parent))))
    return out


def _filled(points: list[list[str]]) -> list[list[str]]:
    """Multi-level categories (a range of several columns: ``2024 | North``): an outer
    level's label left blank under its first row is that label's still."""
    last: list[str] = []
    out = []
    for point in points:
        last = [
            text or (last[n] if n < len(last) and n < len(point) - 1 else "")
            for n, text in enumerate(point)
        ]
        out.append(last)
    return out


def _levels(point: list[str]) -> str:
    return " ".join(text for text in point if text)


MAX_CHART_CELLS = 10_000  # cells a chart's range may read, at most


def _resolver(book: Any) -> Resolve:
    """Reads a chart's range (``'Sales 2024'!$B$2:$B$9``) from the workbook's cells, as
    they show (a chart without cached values: openpyxl writes none)."""
    from openpyxl.utils.cell import range_boundaries

    def resolve(formula: str) -> list[str] | None:
        where, _, ref = formula.strip().rpartition("!")
        name = where[1:-1].replace("''", "'") if where.startswith("'") else where
        if not ref or name not in book.sheetnames:
            return None
        sheet = book[name]
        if not hasattr(sheet, "iter_rows"):
            return None
        try:
            left, top, right, bottom = range_boundaries(ref.replace("$", ""))
        except (TypeError, ValueError):  # several areas, a name: not read
            return None
        # a whole column or row (``$B:$B``, ``$2:$2``): as far as the sheet has cells
        left, right = left or 1, right or sheet.max_column
        top, bottom = top or 1, bottom or sheet.max_row
        if (right - left + 1) * (bottom - top + 1) > MAX_CHART_CELLS:
            return None
        cells = [
            [shown(cell.value, cell.number_format) for cell in row]
            for row in sheet.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right)
        ]
        if bottom - top < right - left:  # points along a row (series in rows)
            cells = [list(column) for column in zip(*cells, strict=True)]
        return [_levels(point) for point in _filled(cells)]

    return resolve


def _pictures(sheet: Any, read: bool) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """The sheet's pictures where they are anchored: the text each shows, read by OCR,
    as one ``text`` block (``figure`` when it shows none, or when not ``read``)."""
    out = []
    for picture in getattr(sheet, "_images", ()):
        marker = getattr(picture.anchor, "_from", None)
        if marker is None:
            continue
        found, _size = picture_text(picture._data) if read else ([], (0, 0))
        text = "\n".join(block["content"] for block in found)
        out.append((marker.row + 1, marker.col + 1, [("text", text) if text else ("figure", "")]))
    return out


def _table_blocks(grid: list[list[Cell]], numbers: list[list[bool]], pages: Pages) -> None:
    """One region of a sheet: a table (and the notes at its foot), or a lone text."""
    notes: list[str] = []
    while len(grid) > 1 and _note(grid[-1], numbers[-1]):
        notes.insert(0, next(cell.text for cell in grid.pop() if cell.text))
        numbers.pop()
    texts = [cell.text for row in grid for cell in row if cell.text]
    if len(texts) == 1:  # a lone cell: a label or a note, not a table
        notes.insert(0, texts[0])
    elif texts:
        lines = max(2, len(grid))
        # a table taller than a page starts where it is, as a PDF export prints it (moved
        # to a new page, it left its sheet's name alone on a page)
        tall = lines * LINE > pages.height - 2 * MARGIN
        pages.add("table", table_html(grid, _header_rows(grid, numbers)), lines, stay=tall)
    if notes:
        text = "\n".join(notes)
        pages.add("text", text, len(notes))


def _note(row: list[Cell], numbers: list[bool]) -> bool:
    """A row with one piece of text and nothing else (a note under a table)."""
    filled = [i for i, cell in enumerate(row) if cell.text]
    return len(filled) == 1 and not numbers[filled[0]] and row[filled[0]].rowspan == 1


def _header_rows(grid: list[list[Cell]], numbers: list[list[bool]]) -> int:
    """The leading rows that label columns, when numbers follow them (at most
    ``_MAX_HEADER``); otherwise the first row alone (a table of text has one header)."""

    def label_is_word(index: int) -> bool:
        row = grid[index]
        return bool(row) and bool(row[0].text) and not numbers[index][0]

    body_labels = [numbers[i][0] for i in range(1, len(grid)) if grid[i] and grid[i][0].text]
    numeric_labels = bool(body_labels) and sum(body_labels) > len(body_labels) / 2
    count = 0
    for index in range(min(len(grid) - 1, _MAX_HEADER)):
        if not any(numbers[index]) or (numeric_labels and label_is_word(index)):
            count += 1
        else:
            break
    return count if count and any(numbers[count]) else 1


def regions(filled: set[tuple[int, int]]) -> list[Box]:
    """The tables of a sheet: blocks of filled cells that an empty row or column keeps
    apart, as (top, left, bottom, right), in reading order. Blocks whose rectangles
    overlap are one, and so are blocks side by side that share their rows."""
    boxes: list[list[int]] = []
    seen: set[tuple[int, int]] = set()
    for start in sorted(filled):
        if start in seen:
            continue
        seen.add(start)
        stack, box = [start], [start[0], start[1], start[0], start[1]]
        while stack:
            r, c = stack.pop()
            box = [min(box[0], r), min(box[1], c), max(box[2], r), max(box[3], c)]
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    near = (r + dr, c + dc)
                    if near in filled and near not in seen:
                        seen.add(near)
                        stack.append(near)
        boxes.append(box)
    while True:
        joined = _join(boxes)
        if len(joined) == len(boxes):
            return sorted((b[0], b[1], b[2], b[3]) for b in boxes)
        boxes = joined


def _join(boxes: list[list[int]]) -> list[list[int]]:
    """One pass of joining: the boxes that are one table with a neighbour, merged. Only
    boxes that share a row and lie close in it are compared (a sheet of scattered cells
    is thousands of boxes)."""
    by_row: dict[int, list[int]] = {}
    for number, box in enumerate(boxes):
        for row in range(box[0], box[2] + 1):
            by_row.setdefault(row, []).append(number)
    groups = Groups(len(boxes))
    seen: set[tuple[int, int]] = set()
    for numbers in by_row.values():
        numbers.sort(key=lambda n: boxes[n][1])
        for position, a in enumerate(numbers):
            for b in numbers[position + 1 :]:
                if boxes[b][1] > boxes[a][3] + _MAX_GAP + 1:
                    break
                if (a, b) not in seen:
                    seen.add((a, b))
                    if _one_table(boxes[a], boxes[b]):
                        groups.join(a, b)
    return [
        [
            min(boxes[n][0] for n in group),
            min(boxes[n][1] for n in group),
            max(boxes[n][2] for n in group),
            max(boxes[n][3] for n in group),
        ]
        for group in groups.members()
    ]


def _one_table(a: list[int], b: list[int]) -> bool:
    rows = min(a[2], b[2]) - max(a[0], b[0]) + 1
    cols = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if rows > 0 and cols > 0:
        return True  # overlapping rectangles
    if rows <= 0 or -cols > _MAX_GAP:
        return False  # stacked, or far apart
    union = max(a[2], b[2]) - min(a[0], b[0]) + 1
    return rows / union >= _SHARED_ROWS
