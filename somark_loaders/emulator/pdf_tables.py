"""Tables on PDF pages for the emulator: ruled tables, tables ruled across only, and
the cells that merged cells leave empty."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from ._bidi import reads_from_right
from ._blocks import FoundTable, letters
from ._text import join_lines
from ._words import centred_in, page_words, text_in
from .aligned_tables import NUMERIC, aligned_tables

_LINES_TABLES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_RULED_TABLES = {"vertical_strategy": "text", "horizontal_strategy": "lines"}


def find_tables(page: Any) -> list[FoundTable]:
    """Ruled tables; where there are none, the better (more rows, then more filled cells)
    of two readings of each area: tables drawn with horizontal rules only (booktabs
    style) and tables of
    aligned words without rules. Both keep only what looks like a table (>= 3 rows,
    >= 2 columns, short cells, not letters of body text)."""
    ruled = _pdfplumber_tables(page, _LINES_TABLES)
    if any(_stacked(table) for table in ruled):
        ruled = _by_baselines(ruled, aligned_tables(page, []))
    if ruled:
        return ruled + aligned_tables(page, [table.box for table in ruled])
    candidates = _pdfplumber_tables(page, _RULED_TABLES) + aligned_tables(page, [])
    candidates.sort(
        key=lambda t: (
            -sum(1 for row in t.rows if sum(1 for cell in row if cell) >= 2),
            -sum(1 for row in t.rows for cell in row if cell),
        )
    )
    found: list[FoundTable] = []
    for table in candidates:
        if not any(_overlap(table.box, other.box) for other in found):
            found.append(table)
    return sorted(found, key=lambda t: (t.box[1], t.box[0]))


def _stacked(table: FoundTable) -> bool:
    """Rules around groups of rows, not rows: a ruled cell row where two or more cells
    each hold several lines of numbers (``FY2013 FY2014 | 269,360 300,226``)."""
    return any(sum(1 for cell in row if _numbers(cell)) >= 2 for row in table.rows)


def _numbers(cell: str | None) -> bool:
    lines = (cell or "").split("\n")
    return len(lines) >= 2 and all(NUMERIC.match(line) for line in lines)


def _by_baselines(ruled: list[FoundTable], aligned: list[FoundTable]) -> list[FoundTable]:
    """Each stacked ruled table replaced by the reading of its area by text lines (one row
    per baseline) when that reading finds more rows and all its columns; the other ruled
    tables kept."""
    kept: list[FoundTable] = []
    taken: list[FoundTable] = []
    for table in ruled:
        rows = _data_rows(table)
        better = [
            other
            for other in aligned
            if _overlap(table.box, other.box)
            and _data_rows(other) > rows
            and _stacked(table)
            and other.box[0] <= table.box[0] + 2  # the same width: every column of it
            and other.box[2] >= table.box[2] - 2
        ]
        if not better:
            kept.append(table)
        taken += [other for other in better if other not in taken]
    return sorted(kept + taken, key=lambda t: (t.box[1], t.box[0]))


def _data_rows(table: FoundTable) -> int:
    return sum(1 for row in table.rows if sum(1 for cell in row if cell) >= 2)


def _pdfplumber_tables(page: Any, settings: dict[str, str]) -> list[FoundTable]:
    found: list[FoundTable] = []
    if not _ruled_for(page, settings):
        return found
    for table in page.find_tables(settings):
        rows = cell_rows(page, table)
        cells = [c for row in rows for c in row if c]
        positions = sum(len(r) for r in rows)
        if len(rows) < 2 or max((len(r) for r in rows), default=0) < 2:
            continue
        if len(cells) < 0.3 * positions:  # a drawn box or a form, not a table
            continue
        if letters(cells) or _cuts_words(page, table):
            continue
        if settings is _RULED_TABLES and (
            len(rows) < 3 or sum(len(c) for c in cells) / len(cells) > 40
        ):
            continue
        box, rows = _widen(page, tuple(table.bbox), rows)
        if settings is _LINES_TABLES:  # the text-only reading competes with aligned words
            rows = [line for row in rows for line in _unstack(row)]
        found.append(FoundTable(box, rows))
    return found


_CUT = 0.1  # of the words in a grid: when more stick out of their cells, it is no table
_OUT = 2.0  # points a word may stick out of its cell (a number set tight to the rule)


def _cuts_words(page: Any, table: Any) -> bool:
    """Whether the rules of ``table`` run through words: the lines of formulas (fraction
    bars, braces) or a frame around prose make a grid whose cells cut the words of a
    paragraph apart (``un werd lgruppe``), where a table's words sit inside its cells."""
    cells = [tuple(float(v) for v in cell) for cell in table.cells]
    words = [w for w in page_words(page) if w["upright"] and inside(w, table.bbox)]
    housed = cut = 0
    for word in words:
        x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        home = next((c for c in cells if c[0] <= x <= c[2] and c[1] <= y <= c[3]), None)
        if home is not None:
            housed += 1
            cut += word["x0"] < home[0] - _OUT or word["x1"] > home[2] + _OUT
    return cut >= 3 and cut >= _CUT * housed


def _ruled_for(page: Any, settings: dict[str, str]) -> bool:
    """Whether ``page`` has the rules pdfplumber's table finder needs with ``settings``:
    its cells are where edges cross, so a strategy that takes edges from lines finds
    nothing on a page without lines that way (the finder, and the words it reads for a
    ``text`` strategy, are not worth running there)."""
    from pdfplumber.table import TableSettings
    from pdfplumber.utils.geometry import filter_edges

    least = TableSettings.resolve(settings).edge_min_length_prefilter
    return all(
        filter_edges(page.edges, axis[0], min_length=least)
        for axis in ("vertical", "horizontal")
        if settings[f"{axis}_strategy"] == "lines"
    )


def _unstack(row: list[str | None]) -> list[list[str | None]]:
    """A ruled row whose cells hold the same number of lines, numbers among them, is that
    many rows (``OTSL HTML | 0.965 0.969``: rules only between groups of rows); a cell
    of one line spans them (``None`` below it)."""
    stacked = [cell.split("\n") for cell in row if cell and "\n" in cell]
    counts = {len(lines) for lines in stacked}
    if len(stacked) < 2 or len(counts) != 1 or not any(_numbers(c) for c in row):
        return [row]
    split = [cell.split("\n") if cell and "\n" in cell else [cell] for cell in row]
    return [
        [lines[i] if len(lines) > 1 else (lines[0] if i == 0 else None) for lines in split]
        for i in range(counts.pop())
    ]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


_BESIDE = 30.0  # points: a column gap wider than this is another column of the page


def _widen(
    page: Any, box: tuple[float, float, float, float], rows: list[list[str | None]]
) -> tuple[tuple[float, float, float, float], list[list[str | None]]]:
    """Ruled tables often leave their outer columns unruled: take in the words on the same
    rows beside the ruled part, and read the widened area again by its text columns."""
    x0, top, x1, bottom = box
    band = [w for w in _plain_words(page) if w["top"] >= top - 2 and w["bottom"] <= bottom + 2]
    left, right = x0, x1
    grew = True
    while grew:  # take in words close to the table's sides, not the next column's text
        grew = False
        for w in band:
            if w["x1"] < left and left - w["x1"] < _BESIDE:
                left, grew = float(w["x0"]), True
            elif w["x0"] > right and w["x0"] - right < _BESIDE:
                right, grew = float(w["x1"]), True
    if (left, right) == (x0, x1):
        return box, rows
    wide = clamp((left - 1, top, right + 1, bottom), page.bbox)
    if wide[2] - wide[0] <= x1 - x0 or wide[3] <= wide[1]:  # nothing beside it on the page
        return box, rows
    crop = page.crop(wide)
    widened = crop.find_table(_RULED_TABLES)
    again = text_columns(crop, widened) if widened is not None else []
    if max((len(r) for r in again), default=0) > max(len(r) for r in rows):
        return wide, again
    return box, rows


_PLAIN_WORDS: WeakKeyDictionary[Any, list[dict[str, Any]]] = WeakKeyDictionary()


def _plain_words(page: Any) -> list[dict[str, Any]]:
    """pdfplumber's own words of ``page`` (read, never changed), found once per page
    however many of its tables are widened."""
    words = _PLAIN_WORDS.get(page)
    if words is None:
        words = _PLAIN_WORDS[page] = page.extract_words()
    return words


def cell_rows(page: Any, table: Any) -> list[list[str | None]]:
    """The text of a pdfplumber ``table``'s cells on ``page`` (``None`` where a merged
    cell continues), its words joined by the page's word rule. Each cell is read among
    the characters of its row's height (a point either side), in the page's order."""
    return [
        [None if cell is None else text_in(near, cell) for cell in row.cells]
        for row, near in _row_chars(page, table, table.bbox)
    ]


def _row_chars(page: Any, table: Any, box: Any) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Each row of ``table`` with the characters of ``box`` at its height (a point either
    side)."""
    chars = centred_in(page.chars, box)
    middles = sorted(((float(c["top"]) + float(c["bottom"])) / 2, i) for i, c in enumerate(chars))
    heights = [middle for middle, _index in middles]
    out = []
    for row in table.rows:
        top, bottom = float(row.bbox[1]) - 1, float(row.bbox[3]) + 1
        band = middles[bisect_left(heights, top) : bisect_right(heights, bottom)]
        out.append((row, [chars[index] for index in sorted(index for _middle, index in band)]))
    return out


def text_columns(page: Any, table: Any) -> list[list[str | None]]:
    """The cells of a table that pdfplumber read by its text columns on ``page`` (a crop
    around it), its first and last columns reaching the crop's sides (words that line up
    with too few others to make a column edge are no less the table's), and the columns
    whose edge runs through words joined: the lines of a long label wrap at different
    places, and their ends make false columns that cut its words (``Share of other co |
    mprehensive``). Two figures of a row never share a cell (a header spanning two
    columns of figures crosses a true edge)."""
    rows = cell_rows(page, table)
    edges = sorted({float(cell[0]) for cell in table.cells})[1:]
    x0, top, x1, bottom = (float(v) for v in table.bbox)
    words = [
        w
        for w in page_words(page)
        if w["upright"] and inside(w, (page.bbox[0], top, page.bbox[2], bottom))
    ]
    # the outer columns take in the words that reach across the table's sides
    x0 = min([x0, *(float(w["x0"]) for w in words if w["x0"] < x0 < w["x1"])])
    x1 = max([x1, *(float(w["x1"]) for w in words if w["x0"] < x1 < w["x1"])])
    box = (x0, top, x1, bottom)
    words = [w for w in words if inside(w, box)]
    kept: list[float] = []
    figures = [_figure(row[0]) if row else False for row in rows]  # in each row's column
    for column, edge in enumerate(edges, start=1):
        beside = [column < len(row) and _figure(row[column]) for row in rows]
        if any(w["x0"] < edge - _OUT and w["x1"] > edge + _OUT for w in words) and not any(
            a and b for a, b in zip(figures, beside, strict=True)
        ):  # joined, unless two figures of a row would share a cell
            figures = [a or b for a, b in zip(figures, beside, strict=True)]
        else:
            kept.append(edge)
            figures = beside
    spans = list(zip([x0, *kept], [*kept, x1], strict=True))
    out = []
    for row, near in _row_chars(page, table, box):
        cells: list[str | None] = []
        for left, right in spans:  # a span's cells of this row, read as one
            present = [c for c in row.cells if c and left - 1 <= (c[0] + c[2]) / 2 < right]
            high = min((float(c[1]) for c in present), default=0.0)
            low = max((float(c[3]) for c in present), default=0.0)
            cells.append(text_in(near, (left, high, right, low)) if present else None)
        out.append(cells)
    return out


def _figure(cell: str | None) -> bool:
    return bool(cell) and all(NUMERIC.match(line) for line in (cell or "").split("\n"))


def clamp(box: Sequence[float], bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """``box`` (x0, top, x1, bottom) cut to ``bounds`` (a page's bbox): words and drawings
    may lie outside the page (off the MediaBox, outside the CropBox), a crop may not."""
    x0, top = max(float(box[0]), float(bounds[0])), max(float(box[1]), float(bounds[1]))
    x1, bottom = min(float(box[2]), float(bounds[2])), min(float(box[3]), float(bounds[3]))
    return x0, top, max(x0, x1), max(top, bottom)


def inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def pdf_table_html(rows: list[list[str | None]], header_rows: int = 1) -> str:
    """pdfplumber rows (``None`` where a merged cell continues) -> HTML with spans.

    A ``None`` continues the cell on its left when that cell starts in the same row
    (colspan), else the cell above (rowspan, counted once per row at its first column).
    A table mostly in a right-to-left script lists each row's cells from the right.
    """
    from .office import _Cell, table_html

    width = max(len(r) for r in rows)
    owner: dict[tuple[int, int], tuple[_Cell, int, int]] = {}  # position -> (cell, row, col)
    out: list[list[_Cell]] = []
    for r, raw in enumerate(rows):
        row = list(raw) + [None] * (width - len(raw))
        kept: list[_Cell] = []
        for c, value in enumerate(row):
            left = owner.get((r, c - 1)) if c else None
            above = owner.get((r - 1, c)) if r else None
            if value is None and left is not None and left[1] == r:
                left[0].colspan += 1
                owner[(r, c)] = left
            elif value is None and above is not None:
                if c == above[2]:
                    above[0].rowspan += 1
                owner[(r, c)] = above
            else:
                cell = _Cell(join_lines((value or "").splitlines()))
                owner[(r, c)] = (cell, r, c)
                kept.append(cell)
        out.append(kept)
    if reads_from_right(" ".join(cell.text for row in out for cell in row)):
        for kept in out:  # an Arabic table's first column is its rightmost
            kept.reverse()
    return table_html([row for row in out if row], header_rows)
