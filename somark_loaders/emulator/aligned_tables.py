"""Tables without ruling lines: rows of words that line up in three or more columns.

A page's words are grouped into lines; a line whose words fall into three or more
segments (runs of words with wide gaps between them) is a candidate row. Candidate rows
close to each other make a table; the most common row shape gives the columns (spanning
headers and group labels would blur them); short lines just above are its header, short
lines between rows are group labels ("Actual", "Projected"), and a line that only fills
some columns right under a row is that row's cells wrapping.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ._bidi import read_line
from ._blocks import Box, FoundTable, letters
from ._text import join_lines
from ._words import page_words
from .multirow import label_column, spread_labels

_MIN_COLUMNS = 3
_MIN_ROWS = 3
_NOTE = re.compile(r"^[\[(（].*[\])）]$")  # "[In thousands]": the table's unit, not a row
CAPTION = re.compile(r"^(Table|TABLE|Figure|FIGURE|Fig\.|续?表|图)\s*\d")
_CURRENCY = re.compile(r"^[$€£¥₩₹]$|^(US\$|HK\$|RMB|CHF)$")  # a sign alone joins its number
_LEADERS = re.compile(r"(?:\s+\.+)+\s*$|\s*\.{3,}\s*$")  # "Robbery . . . . ." -> "Robbery"
_LEADER_RUN = re.compile(r"(?:\s\.){3,}|\.{4,}")
_SPACED_POINT = re.compile(r"(?<=\d) \.(?=\d)")  # "11,062 .6": a figure space before the point


@dataclass
class _Row:
    words: list[dict[str, Any]]

    @property
    def top(self) -> float:
        return min(float(w["top"]) for w in self.words)

    @property
    def bottom(self) -> float:
        return max(float(w["bottom"]) for w in self.words)

    @property
    def size(self) -> float:
        return max(float(w.get("size") or (w["bottom"] - w["top"])) for w in self.words)

    @property
    def x0(self) -> float:
        return min(float(w["x0"]) for w in self.words)

    @property
    def x1(self) -> float:
        return max(float(w["x1"]) for w in self.words)

    @property
    def text(self) -> str:
        return read_line(w["text"] for w in self.words)

    @cached_property
    def segments(self) -> list[tuple[float, float]]:
        """Runs of words with wide gaps between them (read once the row is complete:
        every check of a row's shape asks for them)."""
        spans: list[list[float]] = []
        size = self.size
        for w in self.words:
            if _CURRENCY.match(w["text"]):
                continue  # part of the number after it, never a bridge between columns
            if spans and float(w["x0"]) - spans[-1][1] <= 0.8 * size:
                spans[-1][1] = max(spans[-1][1], float(w["x1"]))
            else:
                spans.append([float(w["x0"]), float(w["x1"])])
        return [(a, b) for a, b in spans]


def _rows(words: list[dict[str, Any]]) -> list[_Row]:
    rows: list[_Row] = []
    for word in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        if rows and abs(float(word["top"]) - rows[-1].top) <= 0.5 * rows[-1].size:
            rows[-1].words.append(word)
        else:
            rows.append(_Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: float(w["x0"]))
    return rows


def _columns(rows: list[_Row]) -> list[tuple[float, float]]:
    """Column x-ranges from the rows of the most common shape."""
    shape = Counter(len(r.segments) for r in rows).most_common(1)[0][0]
    spans = sorted(s for r in rows if len(r.segments) == shape for s in r.segments)
    columns: list[list[float]] = []
    for a, b in spans:
        if columns and a <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], b)
        else:
            columns.append([a, b])
    return [(a, b) for a, b in columns]


def _column_of(word: dict[str, Any], columns: list[tuple[float, float]]) -> int:
    x0, x1 = float(word["x0"]), float(word["x1"])
    overlaps = [min(x1, b) - max(x0, a) for a, b in columns]
    best = max(range(len(columns)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return best
    centre = (x0 + x1) / 2
    return min(range(len(columns)), key=lambda i: abs(centre - sum(columns[i]) / 2))


def _cells(row: _Row, columns: list[tuple[float, float]]) -> list[str]:
    parts: list[list[str]] = [[] for _ in columns]
    for index, word in enumerate(row.words):
        after = row.words[index + 1 : index + 2]
        if _CURRENCY.match(word["text"]) and after:  # "¥ 175,820": with the number after it
            parts[_column_of(after[0], columns)].append(row.words[index]["text"])
            continue
        parts[_column_of(word, columns)].append(word["text"])
    return [_SPACED_POINT.sub(".", _LEADERS.sub("", join_lines([read_line(p)]))) for p in parts]


def _runs(rows: list[_Row], least: int = _MIN_ROWS) -> list[list[_Row]]:
    """Candidate rows (3+ segments) close together, with the short lines between them;
    runs of at least ``least`` rows."""
    runs: list[list[_Row]] = []
    current: list[_Row] = []
    pending: list[_Row] = []
    for row in rows:
        wide = len(row.segments) >= _MIN_COLUMNS
        last = (pending or current)[-1] if (pending or current) else None
        close = last is not None and row.top - last.bottom <= 2.5 * row.size
        if wide and current and close and len(pending) <= 2:
            current += [*pending, row]
            pending = []
        elif wide:
            if len(current) >= least:
                runs.append(current)
            current, pending = [row], []
        elif current and close and len(pending) < 2:
            pending.append(row)
        else:
            if len(current) >= least:
                runs.append(current)
            current, pending = [], []
    if len(current) >= least:
        runs.append(current)
    return runs


def aligned_tables(page: Any, taken: list[Box]) -> list[FoundTable]:
    """Tables of ``page`` made of aligned words, outside the boxes already ``taken``."""
    words = [
        w
        for w in page_words(page)
        if w.get("upright", True) and not any(_within(w, box) for box in taken)
    ]
    found: list[FoundTable] = []
    for part in _text_columns(words, float(page.width)):
        found += _tables(_rows(part))
    return found


def _text_columns(words: list[dict[str, Any]], width: float) -> list[list[dict[str, Any]]]:
    """The page's words by text column: two columns when a gutter near the middle runs
    down most of the page (lines that cross it, full-width tables, are a third part)."""
    rows = _rows(words)
    if len(rows) < 10:
        return [words]
    best = _fewest_crossed(rows, width)
    if best is None or best[0] > 0.1 * len(rows):
        return [words]
    gutter = best[1]
    if not _prose_column(rows, gutter):
        return [words]  # a gap between a table's columns, not between text columns
    left, right, across = [], [], []
    for row in rows:
        lone = [w for w in row.words if float(w["x1"]) <= gutter]
        cells = _Row(lone).segments if lone else []
        # a row of a table across both columns: cells on the left too, or a short label
        spans = len(cells) >= 2 or (
            len(cells) == 1
            and cells[0][1] - cells[0][0] < 0.25 * gutter
            and len(row.segments) >= _MIN_COLUMNS
        )
        if spans or any(float(w["x0"]) < gutter < float(w["x1"]) + 3 for w in row.words):
            across += row.words
        else:
            left += [w for w in row.words if float(w["x1"]) <= gutter]
            right += [w for w in row.words if float(w["x0"]) >= gutter]
    return [part for part in (left, right, across) if part]


def _fewest_crossed(rows: list[_Row], width: float) -> tuple[int, float] | None:
    """Of the places every 2 points across the middle of the page (0.3 to 0.7 of its
    ``width``), the leftmost that the fewest ``rows`` cross (a word over it or within
    3 points left of it), with their number; ``None`` on a page too narrow for one."""
    places: list[float] = []
    x = 0.3 * width
    while x <= 0.7 * width:
        places.append(x)
        x += 2.0
    if not places:
        return None
    crossed = [0] * len(places)
    for row in rows:
        hit: set[int] = set()
        for w in row.words:  # the places strictly between x0 and x1 + 3
            hit.update(
                range(bisect_right(places, float(w["x0"])), bisect_left(places, float(w["x1"]) + 3))
            )
        for index in hit:
            crossed[index] += 1
    fewest = min(range(len(places)), key=lambda index: crossed[index])
    return crossed[fewest], places[fewest]


def _prose_column(rows: list[_Row], gutter: float) -> bool:
    """Most lines left of ``gutter`` are prose (four or more words) that run up to it."""
    lefts = [[w for w in r.words if float(w["x1"]) <= gutter] for r in rows]
    lefts = [ws for ws in lefts if ws]
    if not lefts:
        return False
    words = sum(1 for ws in lefts if sum(1 for w in ws if str(w["text"]).isalpha()) >= 4)
    ends = sorted(max(float(w["x1"]) for w in ws) for ws in lefts)
    common = ends[len(ends) // 2]
    flush = sum(1 for e in ends if common - e <= 0.05 * gutter)
    return words >= 0.6 * len(lefts) and flush >= 0.6 * len(lefts)


def tables_of(
    words: list[dict[str, Any]],
    least: int = _MIN_ROWS,
    head: list[dict[str, Any]] | None = None,
) -> list[FoundTable]:
    """The tables of aligned ``words`` (one column of a page, or the body of a table's
    frame) with ``least`` rows or more; ``head``: the words of their header when it is
    known (a frame's lines above the rule under the column names), else the lines right
    above that fit the columns."""
    return _tables(_rows(words), least, None if head is None else _rows(head))


def _tables(
    rows: list[_Row], least: int = _MIN_ROWS, known: list[_Row] | None = None
) -> list[FoundTable]:
    found: list[FoundTable] = []
    for found_run in _runs(rows, min(least, _MIN_ROWS)):
        run = found_run
        wide = [r for r in run if len(r.segments) >= _MIN_COLUMNS]
        columns = _columns(wide)
        while run and not _fits(run[0], columns):  # a title above the table, not a row
            run = run[1:]
        if len(columns) < _MIN_COLUMNS or len(wide) < least or len(run) < least:
            continue
        given = known is not None and not found  # a frame's header heads its first table
        labelled = False
        if given:  # a frame's words left of its columns: labels of groups of rows
            wider = label_column([w for r in rows for w in r.words], columns)
            labelled, columns = len(wider) > len(columns), wider
        left, right = columns[0][0], columns[-1][1]
        head = known if known is not None and given else _header(rows, run[0], columns)
        if given:  # the frame's body lines above its first aligned row (a group label)
            run = rows[: rows.index(run[0])] + run
        grid: list[list[str]] = []
        centres: list[float] = []
        previous: _Row | None = None
        for row in head + run:
            cells = _spanning(row, columns) if given and row in head else _cells(row, columns)
            filled = sum(1 for c in cells if c)
            wraps = (
                previous is not None
                and row not in head
                and not any(cells[: 2 if labelled else 1])  # no row name (nor label): wrapped
                and filled < len(columns) / 2
                and row.top - previous.bottom < 0.5 * row.size
            )
            if wraps and grid:
                grid[-1] = [join_lines([a, b]) for a, b in zip(grid[-1], cells, strict=True)]
            else:
                grid.append(cells)
                centres.append((row.top + row.bottom) / 2)
            previous = row
        texts = [c for r in grid for c in r if c]
        prose = sum(1 for t in texts if sum(1 for w in t.split() if w.isalpha()) >= 4)
        broken = sum(1 for t in texts if t.endswith((",", "-")))  # wrapped lines of text
        if (
            sum(len(t) for t in texts) / max(len(texts), 1) > 40
            or prose >= 0.5 * len(texts)
            or broken >= 0.25 * len(texts)
            or letters(texts)
            or _contents(run)
        ):
            continue  # text in columns (references, a page of text) or a formula
        top = min(r.top for r in head + run)
        bottom = max(r.bottom for r in run)
        box = (left - 1, top - 1, right + 1, bottom + 1)
        spread = spread_labels(grid, centres, len(head)) if given else []
        if spread and (labelled or len(spread) < len(grid)):  # labels over rows around them
            found.append(FoundTable(box, spread, len(head)))
            continue
        grid = grid[: len(head)] + _join_stubs(grid[len(head) :])
        header = len(head) if given else _header_rows(grid)
        header = max(len(head), 1) if header is None else header
        found.append(FoundTable(box, [list(r) for r in grid], header))
    return found


def _spanning(row: _Row, columns: list[tuple[float, float]]) -> list[str]:
    """A header line's cells by its phrases (words a word space apart): a name over
    several columns (``Retrieval Accuracy`` over ``Top-1`` to ``Top-100``) is one cell,
    in the first column it stands over; column names set as tight as a word space, each
    over one column of its own, stay apart."""
    phrases: list[list[dict[str, Any]]] = []
    for word in row.words:
        if phrases and float(word["x0"]) - float(phrases[-1][-1]["x1"]) <= 0.4 * row.size:
            phrases[-1].append(word)
        else:
            phrases.append([word])
    cells = [""] * len(columns)
    for phrase in phrases:
        owners = [_over(w, columns) for w in phrase]
        if all(len(o) == 1 for o in owners) and len({o[0] for o in owners}) > 1:
            parts = [([w], o[0]) for w, o in zip(phrase, owners, strict=True)]  # set tight
        else:
            over = _over({"x0": phrase[0]["x0"], "x1": phrase[-1]["x1"]}, columns)
            parts = [(phrase, over[0] if over else _column_of(phrase[0], columns))]
        for words, column in parts:
            cells[column] = join_lines([cells[column], read_line(w["text"] for w in words)])
    return [cell.strip() for cell in cells]


def _over(word: dict[str, Any], columns: list[tuple[float, float]]) -> list[int]:
    """The columns a word (or a span of words) overlaps."""
    a, b = float(word["x0"]), float(word["x1"])
    return [i for i, (c0, c1) in enumerate(columns) if min(b, c1) > max(a, c0)]


def _join_stubs(grid: list[list[str]]) -> list[list[str]]:
    """A row label wrapped over lines is one row: a line with only its label joins the
    row below when that row's label is empty or goes on in lower case (``Murder and
    nonnegligent`` / ``manslaughter 10.0 ...``), and a lower-case label alone goes on
    the label of the row above (``changes in accounting 1,521`` / ``policies``)."""
    out: list[list[str]] = []
    for row in grid:
        alone = bool(row[0]) and not any(row[1:])
        if out and alone and row[0][0].islower():
            out[-1][0] = join_lines([out[-1][0], row[0]])
            continue
        last = out[-1] if out else [""]
        label_only = bool(last[0]) and not any(last[1:])
        if label_only and any(row[1:]) and (not row[0] or row[0][0].islower()):
            out[-1] = [join_lines([last[0], row[0]]), *row[1:]]
        else:
            out.append(list(row))
    return out


NUMERIC = re.compile(r"^[\s(\-−–—+$€£¥%.,0-9]*\d[\s)%.,0-9]*$|^[—–-]$")


def _numeric_columns(grid: list[list[str]]) -> list[int]:
    numeric = []
    for c in range(len(grid[0])):
        cells = [row[c] for row in grid if row[c]]
        if cells and sum(1 for x in cells if NUMERIC.match(x)) >= 0.6 * len(cells):
            numeric.append(c)
    return numeric


def _contents(run: list[_Row]) -> bool:
    """A table of contents: titles run into dot leaders up to a page number (in a
    statistics table the leaders run up to a row of numbers)."""
    ends = [list(_LEADER_RUN.finditer(r.text)) for r in run]
    pages = sum(
        1 for r, e in zip(run, ends, strict=True) if e and len(r.text[e[-1].end() :].split()) == 1
    )
    return pages >= 0.5 * len(run)


def _header_rows(grid: list[list[str]]) -> int | None:
    """Leading rows before the first data row (numbers where the body has numbers) or
    group label (one cell); ``None`` when the table has no numeric columns to tell."""
    numeric = _numeric_columns(grid)
    if not numeric:
        return None
    for index, row in enumerate(grid[:5]):
        values = [row[c] for c in numeric if row[c]]
        data = bool(values) and sum(1 for x in values if NUMERIC.match(x)) >= 0.8 * len(values)
        label = index > 0 and sum(1 for x in row if x) == 1
        if data or label:
            return index
    return 1


def _fits(row: _Row, columns: list[tuple[float, float]]) -> bool:
    """Most of the row's segments lie within one column each."""
    segments = row.segments
    single = sum(
        1 for a, b in segments if sum(1 for c0, c1 in columns if min(b, c1) > max(a, c0)) == 1
    )
    return single * 2 > len(segments)


def _header(rows: list[_Row], first: _Row, columns: list[tuple[float, float]]) -> list[_Row]:
    """Up to three lines right above the table, inside its width: its column header."""
    left, right = columns[0][0], columns[-1][1]
    head: list[_Row] = []
    index = rows.index(first)
    below = first
    for row in reversed(rows[max(0, index - 3) : index]):
        inside = row.x0 >= left - 2 * row.size and row.x1 <= right + 2 * row.size
        if (
            below.top - row.bottom > 1.5 * row.size
            or not inside
            or not _fits(row, columns)
            or _NOTE.match(row.text)
            or CAPTION.match(row.text)
        ):
            break
        head.insert(0, row)
        below = row
    return head


def _within(word: dict[str, Any], box: Box) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1
