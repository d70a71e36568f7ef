"""HTML and Markdown tables -> grid -> Markdown / text / HTML."""

from __future__ import annotations

import pytest

from somark_loaders.tables import Table, parse_html_table, parse_markdown_table, parse_table

SPANS = (
    "<table><thead><tr><th rowspan='2'>Model</th><th colspan='2'>Top-k</th></tr>"
    "<tr><th>20</th><th>100</th></tr></thead>"
    "<tbody><tr><td>BM25<br/>(baseline)</td><td>59.1</td><td>73.7</td></tr>"
    "<tr><td colspan=2>merged &amp; wide</td><td>x|y</td></tr>"
    "<tr><td rowspan=2>tall</td><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></tbody></table>"
)


def test_rowspan_and_colspan_are_expanded() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    assert table.header_rows == 2
    assert table.rows == (
        ("Model", "Top-k", "Top-k"),
        ("Model", "20", "100"),
        ("BM25\n(baseline)", "59.1", "73.7"),
        ("merged & wide", "merged & wide", "x|y"),
        ("tall", "a", "b"),
        ("tall", "c", "d"),
    )


def test_markdown_rendering_escapes_pipes_and_keeps_line_breaks() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    lines = table.to_markdown().splitlines()
    assert lines[0] == "| Model | Top-k | Top-k |"
    assert lines[1] == "|---|---|---|"
    assert lines[2] == "| Model | 20 | 100 |"
    assert lines[3] == "| BM25<br>(baseline) | 59.1 | 73.7 |"
    assert lines[4] == "| merged & wide | merged & wide | x\\|y |"
    assert table.to_text().splitlines()[2] == "BM25 (baseline) | 59.1 | 73.7"


def test_markdown_round_trip() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    again = parse_markdown_table(table.to_markdown())
    assert again is not None
    assert again.rows[2:] == table.rows[2:]


def test_header_from_th_cells_without_thead() -> None:
    table = parse_html_table(
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"
    )
    assert table is not None and table.header_rows == 1


def test_table_without_header_uses_its_first_row_for_markdown() -> None:
    table = parse_html_table(
        "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"
    )
    assert table is not None and table.header_rows == 0
    assert table.to_markdown().splitlines() == ["| 1 | 2 |", "|---|---|", "| 3 | 4 |"]


def test_images_latex_and_entities_in_cells() -> None:
    table = parse_html_table(
        "<table><tr><th>f</th><th>img</th></tr>"
        "<tr><td>$x^2 &lt; 1$</td><td><img src='https://i/a.png' alt='logo'></td></tr></table>"
    )
    assert table is not None
    assert table.rows[1] == ("$x^2 < 1$", "![logo](https://i/a.png)")


def test_nested_tables_become_cell_text_and_bad_markup_does_not_crash() -> None:
    nested = parse_html_table(
        "<table><tr><td>outer<table><tr><td>inner</td></tr></table></td><td>2</td></tr></table>"
    )
    assert nested is not None and nested.rows == (("outer inner", "2"),)
    broken = parse_html_table("<table><tr><td>1<td>2<tr><td>3")
    assert broken is not None and broken.rows == (("1", "2"), ("3", ""))
    assert parse_html_table("no table here") is None
    assert parse_table("![table](https://i/t.png)") is None


def test_extend_drops_a_repeated_header_and_pads() -> None:
    first = Table((("Year", "Value"), ("2000", "1")), 1, (0, 0))
    rest = Table((("Year", "Value"), ("2001", "2", "extra")), 1, (1, 1))
    merged = first.extend(rest)
    assert merged.rows == (("Year", "Value", ""), ("2000", "1", ""), ("2001", "2", "extra"))
    assert merged.row_pages == (0, 0, 1)
    headless = first.extend(Table((("2002", "3"),), 0, (2,)))
    assert headless.rows[-1] == ("2002", "3") and headless.row_pages[-1] == 2


def test_html_of_a_slice_keeps_the_header() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    part = table.to_html(slice(1, 2))
    assert part.count("<tr>") == 3  # two header rows + one body row
    assert "merged &amp; wide" in part and "BM25" not in part


@pytest.mark.parametrize(
    "text",
    ["| a | b |\n|---|:---:|\n| 1 | 2 |", "a | b\n--- | ---\n1 | 2"],
)
def test_markdown_tables_are_recognised(text: str) -> None:
    table = parse_markdown_table(text)
    assert table is not None and table.rows == (("a", "b"), ("1", "2"))
