"""Spreadsheets reach the chunks whole: every non-empty cell of every sheet, each number
in a row with its row label and in a chunk with its column header.

The workbooks are the public ones of the shared corpus (``dev/`` and the top level);
they are parsed by the emulator over HTTP and chunked by ``SoMarkLoader`` with its
default settings (512-token chunks). What a cell should read as is worked out here from
the workbook itself (openpyxl), independently of the emulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import Emulator, cells, sheets
from somark_loaders.langchain import SoMarkLoader

from .conftest import KEY
from .fixtures import loader


def corpus() -> Path | None:
    """``shared/corpus`` beside the repository (or beside a worktree's parent)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


CORPUS = corpus()
WORKBOOKS = ("dev/AverageTaxRates.xlsx", "dev/xlsx_01.xlsx", "test-01.xlsx")
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="shared/corpus is not beside the repo")


def shown(value: Any, number_format: str) -> str:
    """A cell as the sheet shows it, for the number formats the corpus workbooks use."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    exact = Decimal(repr(value))  # Excel rounds the decimal value, half away from zero
    if number_format.endswith("%"):
        places = len(number_format.partition(".")[2].rstrip("%"))
        return f"{(exact * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%"
    if number_format == "#,##0":
        return f"{exact.quantize(Decimal(1), ROUND_HALF_UP):,}"
    if number_format == "General":
        return str(int(value)) if float(value).is_integer() else f"{value:.10g}"
    raise AssertionError(f"the test has no expectation for the number format {number_format!r}")


@dataclass
class Sheet:
    """A sheet's non-empty cells: (row, column) -> shown text; merged cells fill every
    position they cover (``merged`` maps a covered position to its origin)."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    raw: dict[tuple[int, int], str] = field(default_factory=dict)
    numbers: set[tuple[int, int]] = field(default_factory=set)
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def text(self, at: tuple[int, int]) -> str | None:
        return self.cells.get(self.merged.get(at, at))

    def run_start(self, r: int, c: int) -> int:
        """The first column of the run of cells left of (r, c) that no two empty columns
        break (the row's label in a table; another table begins after a wider gap)."""
        while True:
            if self.text((r, c - 1)) is not None:
                c -= 1
            elif c > 2 and self.text((r, c - 2)) is not None:
                c -= 2
            else:
                return c

    def row_label(self, r: int, c: int) -> tuple[int, int] | None:
        start = self.run_start(r, c)
        return None if start == c else (r, start)

    def column_header(self, r: int, c: int) -> str | None:
        """The nearest cell above whose row is a header row (its label is not a number)."""
        gap = 0
        for above in range(r - 1, 0, -1):
            text = self.text((above, c))
            if text is None:
                gap += 1
                if gap >= 2:
                    return None
                continue
            gap = 0
            start = (above, self.run_start(above, c))
            if self.merged.get(start, start) not in self.numbers:
                return text
        return None


def sheets_of(path: Path) -> list[Sheet]:
    import openpyxl
    from openpyxl.utils import column_index_from_string

    workbook = openpyxl.load_workbook(path, data_only=True)
    out = []
    for ws in workbook.worksheets:
        if ws.sheet_state != "visible":
            continue  # not printed, so not read (nor are hidden rows and columns)
        sheet = Sheet(ws.title)
        hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        hidden_cols = {
            c
            for dim in ws.column_dimensions.values()
            if dim.hidden
            for c in range(
                dim.min or column_index_from_string(dim.index),
                (dim.max or column_index_from_string(dim.index)) + 1,
            )
        }
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or not str(cell.value).strip():
                    continue
                if cell.row in hidden_rows or cell.column in hidden_cols:
                    continue
                at = (cell.row, cell.column)
                sheet.cells[at] = shown(cell.value, cell.number_format)
                sheet.raw[at] = " ".join(str(cell.value).split())
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    sheet.numbers.add(at)
        for span in ws.merged_cells.ranges:
            origin = (span.min_row, span.min_col)
            for r in range(span.min_row, span.max_row + 1):
                for c in range(span.min_col, span.max_col + 1):
                    if (r, c) != origin:
                        sheet.merged[(r, c)] = origin
        out.append(sheet)
    return out


def chunk_texts(emulator: Emulator, path: Path) -> list[str]:
    return [doc.page_content for doc in loader(path, emulator).load()]


def _norm(text: str) -> str:
    return " ".join(text.replace("<br>", " ").split())


def _occurs(text: str, chunk: str) -> bool:
    """``text`` in ``chunk`` as whole words (a number never found inside another)."""
    return re.search(rf"(?<![\w.,]){re.escape(text)}(?![\w%]|[.,]\d)", chunk) is not None


def _cells(line: str) -> list[str]:
    return [_norm(c) for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


@dataclass
class Coverage:
    cells: int = 0
    reached: int = 0
    numbers: int = 0
    labelled: int = 0
    lost: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)


def coverage(sheets: list[Sheet], chunks: list[str], *, raw_too: bool = False) -> Coverage:
    """How many cells reach a chunk, and how many numbers reach one in a row with their
    row label and with their column header. ``raw_too`` also accepts a cell written as
    its stored value (how an older emulator wrote them)."""
    texts = [_norm(chunk) for chunk in chunks]
    rows = [[_cells(line) for line in chunk.splitlines() if "|" in line] for chunk in chunks]
    lines = [[_norm(line) for line in chunk.splitlines()] for chunk in chunks]
    out = Coverage()
    for sheet in sheets:
        for at, text in sheet.cells.items():
            ways = {text, sheet.raw[at]} if raw_too else {text}
            out.cells += 1
            label, header = sheet.row_label(*at), sheet.column_header(*at)
            labelled = at in sheet.numbers and label is not None and header is not None
            out.numbers += labelled
            if not any(_occurs(way, chunk) for way in ways for chunk in texts):
                out.lost.append(f"{sheet.name}!{at}: {text}")
                continue
            out.reached += 1
            if not labelled or label is None or header is None:
                continue
            label_ways = {sheet.text(label) or ""} | (
                {sheet.raw.get(sheet.merged.get(label, label), "")} if raw_too else set()
            )
            spanned = label in sheet.merged  # a tall label is shown once, in its first row
            for chunk, chunk_rows, chunk_lines in zip(texts, rows, lines, strict=True):
                in_row = any(
                    way in row and (spanned or any(lw in row for lw in label_ways))
                    for row in chunk_rows
                    for way in ways
                )
                if (
                    in_row
                    and (not spanned or any(lw in chunk for lw in label_ways))
                    and (any(header in row for row in chunk_rows) or header in chunk_lines)
                ):
                    out.labelled += 1
                    break
            else:
                out.unlabelled.append(f"{sheet.name}!{at}: {text} (row {label}, column {header})")
    return out


@needs_corpus
@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_cell_of_every_sheet_reaches_a_chunk_with_its_labels(
    emulator: Emulator, name: str
) -> None:
    """Every sheet's cells, on however many pages its tables take; each number in a row
    with its row label, in a chunk that repeats its column header."""
    assert CORPUS is not None
    path = CORPUS / name
    found = coverage(sheets_of(path), chunk_texts(emulator, path))
    assert not found.lost, f"{len(found.lost)} of {found.cells} cells in no chunk: {found.lost[:8]}"
    assert not found.unlabelled, (
        f"{len(found.unlabelled)} of {found.numbers} numbers without their labels: "
        f"{found.unlabelled[:6]}"
    )


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (0.130792, "0.0%", "13.1%"),
        (15000, "#,##0", "15,000"),
        (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
        (0, '0.00;-0.00;"-"', "-"),
        (1234.5, '"$"#,##0.00', "$1,234.50"),
        (1234.5, "[$€-1809]#,##0.00", "€1,234.50"),
        (2.5, "0.0#", "2.5"),
        (12345678, "0.00E+00", "1.23E+07"),
        (-1234, '_(* #,##0_);_(* (#,##0);_(* "-"??_);_(@_)', "(1,234)"),
        (1500000, '#,##0,"K"', "1,500K"),
        (0.1 + 0.2, "General", "0.3"),
        (datetime(2024, 1, 5, 14, 3), "yyyy-mm-dd hh:mm", "2024-01-05 14:03"),
        (datetime(2024, 1, 5), "d-mmm-yyyy", "5-Jan-2024"),
        (datetime(2024, 1, 5, 14, 3), "h:mm AM/PM", "2:03 PM"),
        (True, "General", "TRUE"),
    ],
)
def test_a_cell_reads_as_its_number_format_shows_it(
    value: Any, number_format: str, expected: str
) -> None:
    assert cells.shown(value, number_format) == expected


def test_a_label_column_joins_its_values_and_side_by_side_tables_stay_apart() -> None:
    """A label column with an empty column before its numbers is one table with them;
    a table beside another that starts lower is its own; tables stacked stay apart."""
    labels = {(r, 1) for r in range(3, 9)}
    values = {(r, c) for r in range(3, 9) for c in range(3, 7)}
    beside = {(r, c) for r in range(5, 9) for c in range(9, 11)}
    below = {(r, c) for r in range(12, 15) for c in range(1, 4)}
    assert sheets.regions(labels | values | beside | below) == [
        (3, 1, 8, 6),
        (5, 9, 8, 10),
        (12, 1, 14, 3),
    ]


@needs_corpus
def test_a_sheet_chart_gives_its_title_and_data(emulator: Emulator) -> None:
    """xlsx_01.xlsx, Sheet2: two charts over the sheet's tables; each one's title is the
    caption of its data (as a slide's chart gives them)."""
    assert CORPUS is not None
    loader = SoMarkLoader(
        CORPUS / "dev" / "xlsx_01.xlsx",
        base_url=emulator.base_url,
        api_key=KEY,
        client_options={"poll_interval": 0.05},
    )
    captioned = {d.metadata.get("table_caption"): d.page_content for d in loader.load()}
    line = captioned["'col-3'"]
    assert "| col-1 | col-3 |" in line and "| 4 | 12 |" in line
    scatter = captioned["'col-2', 'col-3', 'col-4' by 'col-1'"]
    assert "| 8 | 16 | 24 | 32 |" in scatter


def test_scattered_cells_in_shared_rows_join_row_by_row() -> None:
    """Cells two columns apart in the same rows are one table per row band (thousands of
    one-cell blocks are joined in a few passes, not compared pair by pair)."""
    filled = {(r, c) for r in range(1, 1200, 3) for c in range(1, 60, 3)}
    found = sheets.regions(filled)
    assert found == [(r, 1, r, 58) for r in range(1, 1200, 3)]


def test_a_table_of_text_has_one_header_row_and_labels_over_numbers_have_all_theirs(
    tmp_path: Path,
) -> None:
    """The header is the label rows above the first row of numbers; a table of text (a
    contact list) has only its first row as header, never all but its last."""
    import openpyxl

    from somark_loaders.emulator import engines

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["Name", "Team"], *([f"Person {i}", "Ops"] for i in range(8))]:
        sheet.append(row)
    sheet.append([])
    for row in [
        ["Income", None, "Single"],
        ["€", "£", 1997],
        [6000, 4726, 0.06],
        [9000, 7089, 0.1],
    ]:
        sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    tables = [
        b["content"]
        for p in engines.extract(path, ".xlsx", engines.ExtractOptions())
        for b in p["blocks"]
        if b["type"] == "table"
    ]
    assert [t.count("<th") for t in tables] == [2, 6]


def _book_pages(path: Path) -> list[dict[str, Any]]:
    from somark_loaders.emulator import engines

    return engines.extract(path, ".xlsx", engines.ExtractOptions(title_levels=True))


def test_hidden_and_empty_sheets_get_no_page_and_are_not_counted(tmp_path: Path) -> None:
    """A PDF export prints neither a hidden sheet nor an empty one (a formatted cell
    without a value is empty): they get no page, not even their name as a lone title,
    and the pages follow on; the loader's count before upload says as many pages."""
    import openpyxl

    from somark_loaders.emulator import engines
    from somark_loaders.files.pdfs import count_pages

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Shown"
    first.append(["Item", "Cost"])
    first.append(["Rent", 5])
    empty = book.create_sheet("Empty")
    empty["B2"].number_format = "0.00"  # a cell with a format but no value
    for name, state in [("Hidden", "hidden"), ("Secret", "veryHidden")]:
        sheet = book.create_sheet(name)
        sheet.append(["Salary", 9000])
        sheet.sheet_state = state
    book.create_sheet("Blank")
    last = book.create_sheet("Last")
    last.append(["Region", "Sales"])
    last.append(["North", 12])
    path = tmp_path / "book.xlsx"
    book.save(path)
    pages = _book_pages(path)
    titles = [b["content"] for p in pages for b in p["blocks"] if b["type"] == "title"]
    assert titles == ["Shown", "Last"]
    assert [p["page_num"] for p in pages] == [0, 1]
    text = " ".join(b["content"] for p in pages for b in p["blocks"])
    assert "Salary" not in text and "9000" not in text
    assert engines.count_pages(path, ".xlsx") == 2
    assert count_pages(path, path.name) == 2


def _workbook(title: str, rows: list[list[Any]]) -> tuple[Any, Any]:
    """A workbook whose first sheet, ``title``, holds ``rows``; and that sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return book, sheet


def test_a_chart_sheet_is_a_page_with_the_charts_title_and_data(tmp_path: Path) -> None:
    """A chart moved to a sheet of its own (a chart sheet) prints as a page, in the
    order of the workbook's tabs. It was left out: its title and its numbers reached
    no chunk, and the loader's page count did not count it."""
    from openpyxl.chart import BarChart, Reference

    from somark_loaders.emulator import engines
    from somark_loaders.files.pdfs import count_pages

    book, data = _workbook("Data", [["Region", "Sales"], ["North", 120], ["South", 75]])
    chart = BarChart()
    chart.title = "Sales by region"
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=3))
    book.create_chartsheet("Chart", 0).add_chart(chart)  # the first tab
    path = tmp_path / "charted.xlsx"
    book.save(path)
    pages = _book_pages(path)
    assert [[b["type"] for b in p["blocks"]] for p in pages] == [
        ["title", "table_caption", "table"],
        ["title", "table"],
    ]
    chart_page = pages[0]["blocks"]
    assert [chart_page[0]["content"], chart_page[1]["content"]] == ["Chart", "Sales by region"]
    assert "<td>North</td><td>120</td>" in chart_page[2]["content"]
    assert engines.count_pages(path, ".xlsx") == 2
    assert count_pages(path, path.name) == 2


def test_a_chart_without_cached_values_reads_its_cells_with_their_levels(tmp_path: Path) -> None:
    """openpyxl writes a chart's ranges without their values: the chart is read from its
    cells. Categories of two columns (a year over its regions) are one point a row, the
    year written once and meant for the rows under it."""
    from openpyxl.chart import BarChart, Reference

    rows = [["Year", "Region", "Units"], [2024, "North", 3], [None, "South", 2], [2025, "North", 7]]
    book, sheet = _workbook("Sales", rows)
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=3, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, max_col=2, min_row=2, max_row=4))
    sheet.add_chart(chart, "E2")
    path = tmp_path / "levels.xlsx"
    book.save(path)
    tables = [b["content"] for p in _book_pages(path) for b in p["blocks"] if b["type"] == "table"]
    plotted = next(t for t in tables if "<th>Units</th>" in t and "2024 North" in t)
    for row in (
        "<td>2024 North</td><td>3</td>",
        "<td>2024 South</td><td>2</td>",
        "<td>2025 North</td><td>7</td>",
    ):
        assert row in plotted, plotted


def test_a_charts_ranges_are_read_as_the_sheet_shows_them() -> None:
    """Whole columns and rows, quoted sheet names; several areas, a missing sheet or a
    broken reference give nothing (the chart keeps what it caches)."""
    book, sheet = _workbook("Q1 '24", [["Month", "Share"], ["Jan", 0.125], ["Feb", 0.5]])
    sheet["B2"].number_format = sheet["B3"].number_format = "0.0%"
    resolve = sheets._resolver(book)
    assert resolve("'Q1 ''24'!$B$2:$B$3") == ["12.5%", "50.0%"]
    assert resolve("'Q1 ''24'!$A:$A") == ["Month", "Jan", "Feb"]
    assert resolve("'Q1 ''24'!$3:$3") == ["Feb", "50.0%"]
    for broken in ("Other!$A$1:$A$2", "'Q1 ''24'!#REF!", "'Q1 ''24'!$A$1,'Q1 ''24'!$B$1"):
        assert resolve(broken) is None, broken


def test_a_workbook_with_nothing_to_show_is_one_blank_page(tmp_path: Path) -> None:
    import openpyxl

    from somark_loaders.files.pdfs import count_pages

    book = openpyxl.Workbook()
    book.create_sheet("Sheet2")
    path = tmp_path / "empty.xlsx"
    book.save(path)
    pages = _book_pages(path)
    assert len(pages) == 1 and pages[0]["blocks"] == []
    assert count_pages(path, path.name) == 1


def test_hidden_rows_and_columns_are_not_read_and_the_rest_closes_up(tmp_path: Path) -> None:
    """A hidden row or column (one alone, or a run of them in one column entry) is not
    shown, so its cells are not read; the table reads as the sheet shows it, and a merged
    cell over a hidden column keeps its shown part."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Region", "Sales", None, "Q1 draft", "Q2 draft", "Costs"])
    sheet.merge_cells("B1:C1")  # its first column hidden: it shows over the second
    sheet.append(["North", "N-7", 12, 1, 2, 5])
    sheet.append(["Test row", "X", 99, 9, 9, 99])
    sheet.append(["South", "S-2", 20, 3, 4, 8])
    sheet.column_dimensions["B"].hidden = True
    sheet.column_dimensions.group("D", "E", hidden=True)
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "book.xlsx"
    book.save(path)
    tables = [b["content"] for p in _book_pages(path) for b in p["blocks"] if b["type"] == "table"]
    assert tables == [
        "<table><tr><th>Region</th><th>Sales</th><th>Costs</th></tr>"
        "<tr><td>North</td><td>12</td><td>5</td></tr>"
        "<tr><td>South</td><td>20</td><td>8</td></tr></table>"
    ]


def test_a_label_and_its_value_a_few_columns_apart_read_as_one_line(tmp_path: Path) -> None:
    """A form: ``Name:`` in A1 and its value in D1 read as one line (they were two
    unrelated texts), and such a line just above a table reads before it, not as its
    header; a ``Total:`` row under the table's numbers keeps its total in its column."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["D1"] = "Name:", "Ada Lovelace"
    sheet["A2"], sheet["D2"] = "Date of birth:", "10 December 1815"
    sheet["A4"], sheet["D4"] = "Summary:", "all quarters up"
    for row in [["Item", "Q1", "Q2", "Q3"], ["Tea", 1, 2, 3], ["Cake", 4, 5, 6]]:
        sheet.append(row)
    sheet["A8"], sheet["D8"] = "Total:", 30
    path = tmp_path / "form.xlsx"
    book.save(path)
    found = [(b["type"], b["content"]) for p in _book_pages(path) for b in p["blocks"]]
    assert found[1:] == [
        ("text", "Name: Ada Lovelace\nDate of birth: 10 December 1815"),
        ("text", "Summary: all quarters up"),
        (
            "table",
            "<table><tr><th>Item</th><th>Q1</th><th>Q2</th><th>Q3</th></tr>"
            "<tr><td>Tea</td><td>1</td><td>2</td><td>3</td></tr>"
            "<tr><td>Cake</td><td>4</td><td>5</td><td>6</td></tr>"
            "<tr><td>Total:</td><td></td><td></td><td>30</td></tr></table>",
        ),
    ]


def test_a_table_taller_than_a_page_starts_under_its_sheet_name(tmp_path: Path) -> None:
    """A table longer than a page is printed from where it starts: it is not moved to a
    new page, which left the sheet's name alone on a page of its own."""
    import openpyxl

    from somark_loaders.emulator import engines
    from somark_loaders.files.pdfs import count_pages

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Readings"
    sheet.append(["Day", "Level"])
    for day in range(1, 80):
        sheet.append([day, day * 3])
    path = tmp_path / "long.xlsx"
    book.save(path)
    pages = _book_pages(path)
    assert [[b["type"] for b in p["blocks"]] for p in pages] == [["title", "table"]]
    assert engines.count_pages(path, ".xlsx") == count_pages(path, path.name) == 1
