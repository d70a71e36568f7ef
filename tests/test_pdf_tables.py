"""Tables without rules between their rows, on public documents of
``../shared/corpus/dev``: one row per text line, wrapped row labels joined, dot leaders
dropped; prose in columns stays prose."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pdfplumber

from somark_loaders.convert.tables import Table, parse_html_table
from somark_loaders.emulator import engines
from somark_loaders.emulator.pdf_glyphs import GlyphReader
from somark_loaders.emulator.pdf_pages import read_page
from somark_loaders.emulator.pdf_tables import find_tables
from tests.test_pdf_text import corpus_file


@cache
def tables_of(path: Path) -> list[Table]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions())
    found = [parse_html_table(b["content"]) for p in pages for b in p["blocks"]]
    return [t for t in found if t is not None]


def row(table: Table, label: str) -> tuple[str, ...]:
    rows = [r for r in table.rows if r and r[0] == label]
    assert len(rows) == 1, f"{label!r}: {rows} in {table.rows}"
    return rows[0]


def table_with(tables: list[Table], text: str) -> Table:
    found = [t for t in tables if any(text in cell for r in t.rows for cell in r)]
    assert len(found) == 1, f"{text!r} in {len(found)} of {[t.rows[:6] for t in tables]}"
    return found[0]


def test_rules_around_groups_of_rows_do_not_merge_the_rows() -> None:
    """dev/12s0324.pdf, Table 324: vertical rules between the Total/Male/Female groups
    and horizontal rules only at the top, under the header and at the bottom, so each
    ruled cell holds a column of 33 numbers; every offence is its own row."""
    table = table_with(tables_of(corpus_file("dev/12s0324.pdf")), "Female")
    assert row(table, "Robbery")[1:] == (
        *("102.1", "25.5", "76.6"),
        *("90.0", "22.9", "67.1"),
        *("12.1", "2.5", "9.5"),
    )
    assert row(table, "Total")[1:4] == ("11,062.6", "1,540.0", "9,522.6")
    assert row(table, "Runaways")[-3:] == ("41.8", "41.8", "(X)")
    assert row(table, "Offenses against the family and children")[1] == "92.4"


def test_a_table_with_dot_leaders_and_no_rules_between_rows_is_found() -> None:
    """dev/12s0324.pdf, Table 325: row labels run into dot leaders ('Arson . . . .'),
    which are not letters of body text; a label wrapped over two lines is one row."""
    table = table_with(tables_of(corpus_file("dev/12s0324.pdf")), "White")
    assert row(table, "Arson") == ("Arson", "9,466", "7,085", "2,154", "115", "112")
    murder = row(table, "Murder and nonnegligent manslaughter")
    assert murder[1:] == ("9,739", "4,741", "4,801", "100", "97")


def test_a_row_label_over_several_lines_is_one_row() -> None:
    """dev/issue14297.pdf: the numbers sit on the middle line of a three-line label, or
    between the two lines of a two-line label."""
    table = table_with(tables_of(corpus_file("dev/issue14297.pdf")), "1,960,466")
    cumulative = row(table, "Cumulative effects of changes in accounting policies")
    assert cumulative[-3:] == ("(1,521)", "(7)", "(1,528)")
    assert "(23,091)" in row(table, "Reclassification to retained earnings")


def test_a_two_column_paper_has_no_table() -> None:
    assert tables_of(corpus_file("dev/labor.pdf")) == []


def test_a_currency_sign_alone_joins_the_number_after_it() -> None:
    """dev/issue14297.pdf: '¥' is set apart, left of each column's number, so it stood
    at the end of the row label and of the cell before ('year ¥ | 175,820 ¥')."""
    table = table_with(tables_of(corpus_file("dev/issue14297.pdf")), "1,960,466")
    balance = row(table, "Balance at beginning of year")
    assert "¥ 1,960,466" in balance
    assert not any(cell.endswith("¥") for cell in balance)


def test_a_table_of_contents_with_dot_leaders_is_not_a_table() -> None:
    """GeoTopo-komprimiert.pdf, 'Inhaltsverzeichnis': numbers, titles run into leaders
    and page numbers line up in three columns, but each leader runs up to one page number
    (the leader rule above must not count the dots as letters)."""
    with pdfplumber.open(corpus_file("GeoTopo-komprimiert.pdf")) as pdf:
        page = pdf.pages[3]
        assert "Topologische Räume" in page.extract_text()
        assert find_tables(page) == []


def test_rows_ruled_in_pairs_are_two_rows_and_the_shared_cells_span_them() -> None:
    """2305.03393v1-pg9.pdf, Table 1: a rule under every pair of rows (OTSL and HTML of
    one configuration) left 'OTSL HTML | 0.965 0.969' in one row; the header was lost."""
    table = table_with(tables_of(corpus_file("2305.03393v1-pg9.pdf")), "OTSL")
    otsl = [r for r in table.rows if "OTSL" in r]
    html = [r for r in table.rows if "HTML" in r]
    assert len(otsl) == len(html) == 4
    assert otsl[0][:4] == ("6", "6", "OTSL", "0.965") and html[0][:4] == ("6", "6", "HTML", "0.969")
    # the header over the ruled rows, widened to the unruled first column, and whole words
    # where a header is wider than its column of figures (``mAP (0.75) t | ime``)
    labels = ("enc-layers", "dec-layers", "Language", "simple", "complex", "all", "(0.75)")
    assert table.rows[1] == (*labels, "time (secs)")


def test_a_table_follows_its_caption_and_headnote_when_the_pdf_writes_them_out_of_order() -> None:
    """dev/12s0324.pdf writes its bottom title first, then the text top-down: a table
    goes after the last block above it (caption, headnote) and before its notes, not
    before the first block the PDF happens to write below it (the bottom title)."""
    pages = engines.extract(corpus_file("dev/12s0324.pdf"), ".pdf", engines.ExtractOptions())
    labels = {"Table 324.": "Table 324.", "Table 325.": "Table 325.", "[": "headnote"}
    labels |= {"– Represents": "notes", "1 Except": "notes"}

    def label(block: dict[str, str]) -> str:
        found = [name for start, name in labels.items() if block["content"].startswith(start)]
        return found[0] if found else block["type"]

    kinds = ("table", "table_caption", "text")
    order = [label(b) for b in pages[0]["blocks"] if b["type"] in kinds]
    first, second = order.index("Table 324."), order.index("Table 325.")
    assert order[first : first + 4] == ["Table 324.", "headnote", "table", "notes"]
    assert order[second : second + 4] == ["Table 325.", "headnote", "table", "notes"]


def test_rules_that_cut_words_apart_are_no_table() -> None:
    """Lecture notes set in TeX: the rules of formulas (fraction bars, braces) and of a
    theorem's frame make a grid over a paragraph whose cells cut its words apart
    (``un werd lgruppe``, ``ecktransf``). That is running text, not a table."""
    path = corpus_file("GeoTopo-komprimiert.pdf")
    with pdfplumber.open(path) as pdf, GlyphReader(path) as glyphs:
        content = read_page(pdf.pages[63], 63, path.name, glyphs.chars)
    assert content.tables == []
    text = " ".join(w["text"] for w in content.words)
    assert "Nun werden wir eine Verbindung zwischen der Decktransformationsgruppe" in text


def test_a_ruled_column_of_figures_widened_to_its_labels_keeps_the_labels_whole() -> None:
    """dev/issue14297.pdf, a consolidated statement of comprehensive income: only the
    figures are ruled, and the table is widened to its row labels and read by text
    columns. The labels' lines wrap at different places, and their ends made false
    columns that cut words (``Share of other co | mprehensive``); the first word of a
    line that starts left of every column edge was cut (``r comprehensive``), and the
    rows the ruled part had over its first rule (the years, ``Net profit``) were lost.
    Columns whose edge runs through words are one column (two figures never share a
    cell), and the widened table keeps the ruled part's rows."""
    table = table_with(tables_of(corpus_file("dev/issue14297.pdf")), "Remeasurements")
    label = (
        "Share of other comprehensive income of investments accounted for using the equity method"
    )
    assert [r for r in table.rows if r[0] == label] == [
        (label, "(1,528)", "2,159"),
        (label, "(2,434)", "1,182"),
    ]
    assert row(table, "Total items that will not be reclassified to net profit")[1:] == (
        "(56,976)",
        "151,117",
    )
    # the ruled part's rows: the years over the figures, and the first row, are kept
    assert table.rows[:3] == (
        ("", "2020", "2021"),
        ("Net profit", "¥ 233,512", "¥ 201,683"),
        ("Other comprehensive income (loss), net of tax", "", ""),
    )
    assert all(len(r) == 3 for r in table.rows)


def test_a_booktabs_header_parted_from_its_rows_by_a_rule_heads_the_table() -> None:
    """multi-column.pdf (DPR), Table 3: the column names sit between the top rule and the
    rule under them, apart from the rows read as aligned words; they were a line of text
    above a table without a header."""
    pages = engines.extract(
        Path(__file__).parents[1] / "examples" / "data" / "multi-column.pdf",
        ".pdf",
        engines.ExtractOptions(),
    )
    tables = [parse_html_table(b["content"]) for p in pages for b in p["blocks"]]
    texts = [b["content"] for p in pages for b in p["blocks"] if b["type"] == "text"]
    training = table_with([t for t in tables if t is not None], "Random")
    assert training.header_rows == 1
    assert training.rows[0] == ("Type", "#N", "IB", "Top-5", "Top-20", "Top-100")
    assert row(training, "Random")[3:] == ("47.0", "64.3", "77.8")
    assert not [t for t in texts if t.startswith("Type #N IB")]


def test_a_reading_that_begins_far_above_the_table_gives_it_no_header() -> None:
    from somark_loaders.emulator._blocks import FoundTable
    from somark_loaders.emulator.pdf_tables import _headed

    rows: list[list[str | None]] = [["Random", "7", "47.0"], ["BM25", "7", "50.0"]]
    table = FoundTable((300.0, 200.0, 500.0, 260.0), rows, 0)
    header = [["Type", "#N", "Top-5"], ["Random\nBM25", "7\n7", "47.0\n50.0"]]
    near = FoundTable((300.0, 184.0, 500.0, 260.0), list(header), 1)
    far = FoundTable((300.0, 100.0, 500.0, 260.0), list(header), 1)  # a caption's lines above
    assert _headed(table, [near, table]).rows[0] == ["Type", "#N", "Top-5"]
    assert _headed(table, [far, table]) == table
