"""Tables on PDF pages for the emulator: ruled tables, tables ruled across only, and
the cells that merged cells leave empty."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from ._blocks import Box, FoundTable, letters
from ._words import centred_in, clamp, inside, overlaps, page_words, text_in
from .aligned_tables import NUMERIC, aligned_tables, tables_of
from .pdf_booktabs import Frame, booktabs_frames, cell_words

_LINES_TABLES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_RULED_TABLES = {"vertical_strategy": "text", "horizontal_strategy": "lines"}


def find_tables(page: Any) -> list[FoundTable]:
    """Ruled tables; where there are none, the best (more rows, then more filled cells)
    of the readings of each area: by horizontal rules only, by aligned words, by a
    booktabs frame. Each keeps only what looks like a table (short cells, no letters of
    body text; three rows, two inside a frame)."""
    ruled = _pdfplumber_tables(page, _LINES_TABLES)
    if any(_stacked(table) for table in ruled):
        ruled = _by_baselines(ruled, aligned_tables(page, []))
    if ruled:
        aligned = aligned_tables(page, [table.box for table in ruled])
        return ruled + _with_frames(page, aligned, [table.box for table in ruled])
    candidates = _pdfplumber_tables(page, _RULED_TABLES)
    candidates += _with_frames(page, aligned_tables(page, []), [])
    candidates.sort(
        key=lambda t: (
            -sum(1 for row in t.rows if sum(1 for cell in row if cell) >= 2),
            -sum(1 for row in t.rows for cell in row if cell),
        )
    )
    found: list[FoundTable] = []
    for table in candidates:
        if not any(overlaps(table.box, other.box) for other in found):
            found.append(table)
    found = [_headed(table, candidates) for table in found]
    return sorted(found, key=lambda t: (t.box[1], t.box[0]))


def _with_frames(page: Any, tables: list[FoundTable], taken: list[Box]) -> list[FoundTable]:
    """``tables`` (of aligned words) and the tables of the booktabs frames of ``page``
    (:mod:`.pdf_booktabs`) outside ``taken``: two rows or more, headed by the frame's
    lines above its mid rule, replacing the tables without a header they overlap. One
    read with its header is kept, unless the frame's table reads more of the frame
    (:func:`_reads_more`). Either, when it is the frame's only table, takes the
    frame's box if it holds every word of the frame (:meth:`.Frame.around`)."""
    framed: list[FoundTable] = []
    for frame in booktabs_frames(page, taken):
        found = tables_of(frame.body, 2, frame.head or None)
        if len(found) == 1:
            found = [found[0]._replace(box=frame.around(found[0].rows, found[0].box))]
        over = [t.header_rows > 0 and overlaps(t.box, frame.box) for t in tables]
        if any(over) and not _reads_more(found, frame, tables, over):
            tables = [
                t._replace(box=frame.around(t.rows, t.box)) if o else t
                for t, o in zip(tables, over, strict=True)
            ]
            continue
        framed += found
    kept = [t for t in tables if not any(overlaps(t.box, f.box) for f in framed)]
    return kept + framed


def _reads_more(
    found: list[FoundTable], frame: Frame, tables: list[FoundTable], over: list[bool]
) -> bool:
    """Whether the frame's only table, holding all of it and every word of each table
    read with its header over the frame, reads more than each of them: a column of
    labels left of the columns (:mod:`.multirow`), which the reading by aligned words
    put in its first column, or a word inside that reading's box that it left out (a
    label between two rows: lost, since a table's box takes the words in it). A line
    that reading left outside its box stays a line of text, and its header stays as
    it was read (its wrapped names joined, which a frame's header lines are not)."""
    if len(found) != 1 or not frame.holds(found[0].rows):
        return False
    width, words = max(len(row) for row in found[0].rows), cell_words(found[0].rows)
    return all(
        not cell_words(t.rows) - words and (max(len(r) for r in t.rows) < width or _loses(t, frame))
        for t, o in zip(tables, over, strict=True)
        if o
    )


def _loses(table: FoundTable, frame: Frame) -> bool:
    """Whether a word of ``frame`` inside ``table``'s box is in none of its cells."""
    held = Counter(str(w["text"]) for w in frame.head + frame.body if inside(w, table.box))
    return bool(held - cell_words(table.rows))


_HEAD_ROOM = 36.0  # points above a table: a header row of up to three lines


def _headed(table: FoundTable, readings: list[FoundTable]) -> FoundTable:
    """A table of aligned words without a header, given the header row that the reading
    by its rules puts above it: a booktabs table's column names sit between its top rule
    and the rule under them, which parts them from the aligned rows (``Type #N IB Top-5``
    over ``Random 7 47.0``). The header row has a cell for each column, each one line,
    and starts right above the table (not a reading that begins far up the page)."""
    if table.header_rows or not table.rows:
        return table
    width = len(table.rows[0])
    for ruled in readings:
        head = ruled.rows[0] if ruled.rows else []
        if (
            ruled is not table
            and overlaps(ruled.box, table.box)
            and table.box[1] - _HEAD_ROOM <= ruled.box[1] < table.box[1] - 2
            and abs(ruled.box[0] - table.box[0]) <= 6
            and len(head) == width
            and all(cell and "\n" not in cell for cell in head)
        ):
            box = (table.box[0], ruled.box[1], table.box[2], table.box[3])
            return FoundTable(box, [list(head), *table.rows], 1)
    return table


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
            if overlaps(table.box, other.box)
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
        box, rows = _widen(page, table, rows)
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


_BESIDE = 30.0  # points: a column gap wider than this is another column of the page


def _widen(
    page: Any, table: Any, rows: list[list[str | None]]
) -> tuple[tuple[float, float, float, float], list[list[str | None]]]:
    """Ruled tables often leave their outer columns unruled: take in the words on the same
    rows beside the ruled part, and read the widened area again by its text columns,
    between the ruled part's own row edges."""
    x0, top, x1, bottom = (float(v) for v in table.bbox)
    box = (x0, top, x1, bottom)
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
    if _justified([w for w in band if w["x1"] < x0 and w["x0"] >= left]):
        left = x0  # the next column of a page of prose, not the table's labels
    if _justified([w for w in band if w["x0"] > x1 and w["x1"] <= right]):
        right = x1
    if (left, right) == (x0, x1):
        return box, rows
    wide = clamp((left - 1, top, right + 1, bottom), page.bbox)
    if wide[2] - wide[0] <= x1 - x0 or wide[3] <= wide[1]:  # nothing beside it on the page
        return box, rows
    crop = page.crop(wide)
    widened = crop.find_table(_RULED_TABLES)  # for its text columns
    if widened is None:
        return box, rows
    rules = sorted({float(row.bbox[1]) for row in table.rows} | {bottom})  # the ruled rows
    bands = list(itertools.pairwise(rules))
    edges = sorted({float(cell[0]) for cell in widened.cells})[1:]  # its text columns
    again = text_columns(page, bands, edges, (widened.bbox[0], top, widened.bbox[2], bottom))
    if max((len(r) for r in again), default=0) > max(len(r) for r in rows):
        return wide, again
    return box, rows


_JUSTIFIED = 0.6  # of the lines beside a table: when as many start and end at one x each
_PROSE_WORDS = 4  # words a line of prose has at least


def _justified(words: list[dict[str, Any]]) -> bool:
    """Whether ``words`` (beside a table) are lines of a justified column of prose: three
    lines of several words or more, most of them starting at one x and ending at one x
    (a point apart), where a table's labels start at one x and end where each label
    does (and a column of figures is a word a line)."""
    lines: dict[int, list[dict[str, Any]]] = {}
    for w in words:
        lines.setdefault(round(float(w["top"])), []).append(w)
    lines = {top: line for top, line in lines.items() if len(line) >= _PROSE_WORDS}
    if len(lines) < 3:
        return False
    starts = Counter(round(min(float(w["x0"]) for w in line)) for line in lines.values())
    ends = Counter(round(max(float(w["x1"]) for w in line)) for line in lines.values())
    share = _JUSTIFIED * len(lines)
    return _mode(starts) >= share and _mode(ends) >= share


def _mode(counts: Counter[int]) -> int:
    """How many of the values lie within a point of the commonest one."""
    value = counts.most_common(1)[0][0]
    return counts[value - 1] + counts[value] + counts[value + 1]


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
    bands = [(float(row.bbox[1]), float(row.bbox[3])) for row in table.rows]
    return [
        [None if cell is None else text_in(near, cell) for cell in row.cells]
        for row, near in zip(table.rows, _band_chars(page, bands, table.bbox), strict=True)
    ]


def _band_chars(
    page: Any, bands: list[tuple[float, float]], box: Sequence[float]
) -> list[list[dict[str, Any]]]:
    """The characters of ``box`` in each band of heights (a point either side), in the
    page's order."""
    chars = centred_in(page.chars, box)
    middles = sorted(((float(c["top"]) + float(c["bottom"])) / 2, i) for i, c in enumerate(chars))
    heights = [middle for middle, _index in middles]
    out = []
    for top, bottom in bands:
        band = middles[bisect_left(heights, top - 1) : bisect_right(heights, bottom + 1)]
        out.append([chars[index] for index in sorted(index for _middle, index in band)])
    return out


def text_columns(
    page: Any, bands: list[tuple[float, float]], edges: list[float], box: Sequence[float]
) -> list[list[str | None]]:
    """The cells of ``box`` on ``page`` in rows ``bands`` (top, bottom) and columns parted
    at ``edges`` (the inner edges the words' alignment makes).

    - The outer columns reach across the words that stick out of ``box``'s sides.
    - Columns whose edge runs through words are one column: the lines of a long label
      wrap at different places, and their ends make false edges that cut its words
      (``Share of other co | mprehensive``); but two figures of a row never share a
      cell (a header spanning two columns of figures crosses a true edge).
    - An edge kept through a word goes round it (:func:`_around`), and a currency sign
      that ends a cell goes to the number after it (:func:`_signs_with_numbers`)."""
    x0, top, x1, bottom = (float(v) for v in box)
    words = [
        w
        for w in page_words(page)
        if w["upright"] and inside(w, (page.bbox[0], top, page.bbox[2], bottom))
    ]
    # words that line up with too few others to make an edge are no less the table's
    x0 = min([x0, *(float(w["x0"]) for w in words if w["x0"] < x0 < w["x1"])])
    x1 = max([x1, *(float(w["x1"]) for w in words if w["x0"] < x1 < w["x1"])])
    words = [w for w in words if inside(w, (x0, top, x1, bottom))]
    near = _band_chars(page, bands, (x0, top, x1, bottom))
    numbers = [  # each row's whole words that are figures, by their sides
        [
            (float(w["x0"]), float(w["x1"]))
            for w in words
            if high <= (w["top"] + w["bottom"]) / 2 < low and NUMERIC.match(w["text"])
        ]
        for high, low in bands
    ]
    inner = [edge for edge in edges if x0 < edge < x1]
    kept: list[float] = []
    for index, edge in enumerate(inner):
        start, end = kept[-1] if kept else x0, ([*inner, x1])[index + 1]
        if any(w["x0"] < edge - _OUT and w["x1"] > edge + _OUT for w in words) and not any(
            _has(row, start, edge) and _has(row, edge, end) for row in numbers
        ):  # joined, unless two figures of a row would share a cell
            continue
        kept.append(edge)
    moved: list[float] = []
    for index, edge in enumerate(kept):  # a kept edge goes round a word, not past another
        around = _around(edge, words)
        after = kept[index + 1] if index + 1 < len(kept) else x1
        moved.append(around if (moved[-1] if moved else x0) < around < after else edge)
    spans = list(zip([x0, *moved], [*moved, x1], strict=True))
    return [
        _signs_with_numbers([text_in(chars, (left, high, right, low)) for left, right in spans])
        for (high, low), chars in zip(bands, near, strict=True)
    ]


def _has(numbers: list[tuple[float, float]], left: float, right: float) -> bool:
    """Whether a figure lies between ``left`` and ``right`` (within a word's slack)."""
    return any(left - _OUT <= x0 and x1 <= right + _OUT for x0, x1 in numbers)


def _around(edge: float, words: list[dict[str, Any]]) -> float:
    """``edge`` moved to the side of the word it runs through where most of the word is
    (``mAP (0.75) t | ime``: a header wider than its column of figures), when no other
    word is cut there; else where it was."""

    def cuts(x: float) -> list[dict[str, Any]]:
        return [w for w in words if w["x0"] < x - _OUT and w["x1"] > x + _OUT]

    crossed = cuts(edge)
    if len(crossed) != 1:
        return edge
    x0, x1 = float(crossed[0]["x0"]), float(crossed[0]["x1"])
    moved = x0 - 0.5 if (x0 + x1) / 2 > edge else x1 + 0.5
    return moved if not cuts(moved) else edge


_SIGN_LAST = re.compile(r"(?:^|\s)([$€£¥₩₹])$")


def _signs_with_numbers(row: list[str | None]) -> list[str | None]:
    """A currency sign that ends a cell goes to the number that starts the next one (the
    sign stands left of the column's alignment edge: ``Net profit ¥ | 233,512``)."""
    out = list(row)
    for column in range(len(out) - 1):
        here, after = out[column] or "", out[column + 1] or ""
        if (sign := _SIGN_LAST.search(here)) and after[:1].isdigit():
            out[column] = here[: sign.start(1)].rstrip()
            out[column + 1] = f"{sign.group(1)} {after}"
    return out
