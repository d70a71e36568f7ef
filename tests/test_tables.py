"""HTML and Markdown tables -> grid -> Markdown / text / HTML."""

from __future__ import annotations

import pytest

from somark_loaders.convert.tables import Table, parse_html_table, parse_markdown_table, parse_table

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
    assert lines[0] == "| Model | Top-k |  |"  # a merged cell is written once
    assert lines[1] == "|---|---|---|"
    assert lines[2] == "|  | 20 | 100 |"
    assert lines[3] == "| BM25<br>(baseline) | 59.1 | 73.7 |"
    assert lines[4] == "| merged & wide |  | x\\|y |"
    assert lines[6] == "|  | c | d |"
    assert table.to_text().splitlines()[2] == "BM25 (baseline) | 59.1 | 73.7"


def test_markdown_round_trip() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    again = parse_markdown_table(table.to_markdown())
    assert again is not None
    assert again.to_markdown().splitlines()[2:] == table.to_markdown().splitlines()[2:]


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


def test_a_part_that_starts_inside_a_tall_cell_states_it_again() -> None:
    table = parse_html_table(SPANS)
    assert table is not None
    part = table.to_markdown(slice(3, 4)).splitlines()
    assert part[-1] == "| tall | c | d |"
    html = table.to_html(slice(2, 4))
    assert '<td rowspan="2">tall</td>' in html and html.count("tall") == 1
    assert '<td colspan="2">merged &amp; wide</td>' in table.to_html(slice(1, 2))


def test_spanning_cells_cost_their_tokens_once() -> None:
    wide = (
        "<table><tr><th colspan='6'>Quarterly revenue by region</th></tr>"
        + "".join(
            f"<tr><td>R{i}</td><td colspan='5'>{'long merged note ' * 4}</td></tr>"
            for i in range(5)
        )
        + "</table>"
    )
    table = parse_html_table(wide)
    assert table is not None
    assert table.to_markdown().count("long merged note") == 4 * 5


def test_a_title_row_is_not_the_column_header() -> None:
    sheet = parse_html_table(
        "<table><tr><th colspan='3'>Sales 2024</th></tr>"
        "<tr><td>Region</td><td>Q1</td><td>Q2</td></tr>"
        "<tr><td>North</td><td>1</td><td>2</td></tr><tr><td>South</td><td>3</td><td>4</td></tr>"
        "</table>"
    )
    assert sheet is not None
    table = sheet.with_header()
    assert table.header_rows == 2
    head, body = table.markdown_lines()
    assert head == ["Sales 2024", "| Region | Q1 | Q2 |", "|---|---|---|"]
    assert body == ["| North | 1 | 2 |", "| South | 3 | 4 |"]
    assert table.to_markdown(slice(1, 2)).splitlines()[1] == "| Region | Q1 | Q2 |"
    headless = parse_html_table(
        "<table><tr><td colspan='2'>Notes</td></tr><tr><td>a</td><td>b</td></tr>"
        "<tr><td>1</td><td>2</td></tr></table>"
    )
    assert headless is not None and headless.with_header().header_rows == 2


def test_columns_and_rows_without_text_are_left_out() -> None:
    table = parse_html_table(
        "<table><tr><th>a</th><th></th><th>b</th><th></th></tr><tr><td></td><td></td>"
        "<td></td><td></td></tr><tr><td>1</td><td></td><td>2</td><td></td></tr></table>"
    )
    assert table is not None and table.rows == (("a", "b"), ("1", "2"))


def test_columns_that_merged_cells_only_cross_are_left_out_of_the_reading() -> None:
    """A form's fine grid: every cell spans two or three columns, and no cell starts in
    the others. They held no text of their own, only the spanning cell's again, and cost
    two tokens a row each in the pipe table."""
    grid = parse_html_table(
        "<table><tr><th colspan='3'>Item</th><th colspan='2'>Amount</th></tr>"
        "<tr><td colspan='3'>Road works</td><td colspan='2'>39 921 700,00</td></tr>"
        "<tr><td>7</td><td colspan='2'>Bridge</td><td colspan='2'>1 200,00</td></tr></table>"
    )
    assert grid is not None and grid.width == 5  # the grid as parsed: parts merge on it
    table = grid.pruned()
    assert table.rows == (
        ("Item", "Item", "Amount"),
        ("Road works", "Road works", "39 921 700,00"),
        ("7", "Bridge", "1 200,00"),
    )
    assert table.to_markdown().splitlines() == [
        "| Item |  | Amount |",
        "|---|---|---|",
        "| Road works |  | 39 921 700,00 |",
        "| 7 | Bridge | 1 200,00 |",
    ]
    assert '<th colspan="2">Item</th>' in table.to_html()


def test_a_table_continued_on_the_next_page_is_merged_before_it_is_pruned() -> None:
    """The first part's ``Notes`` cells cross its third column, the second part has text
    there: pruned apart, the parts would differ in width and not merge (the service's
    flag aside), or merge into the wrong columns."""
    first = parse_html_table(
        "<table><tr><th>Name</th><th colspan=2>Notes</th></tr>"
        "<tr><td>a</td><td colspan=2>x</td></tr></table>"
    )
    rest = parse_html_table(
        "<table><tr><th>Name</th><th colspan=2>Notes</th></tr>"
        "<tr><td>c</td><td>1</td><td>2</td></tr></table>"
    )
    assert first is not None and rest is not None and first.width == rest.width == 3
    merged = first.extend(rest).pruned()
    assert merged.to_markdown().splitlines() == [
        "| Name | Notes |  |",
        "|---|---|---|",
        "| a | x |",
        "| c | 1 | 2 |",
    ]


def test_a_continuation_keeps_its_merged_cells() -> None:
    first = parse_html_table(
        "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>"
    )
    rest = parse_html_table(
        "<table><tr><th>k</th><th>v</th></tr><tr><td rowspan='2'>b</td><td>2</td></tr>"
        "<tr><td>3</td></tr></table>"
    )
    assert first is not None and rest is not None
    merged = first.extend(rest)
    assert merged.rows == (("k", "v"), ("a", "1"), ("b", "2"), ("b", "3"))
    assert merged.to_markdown().splitlines()[-1] == "|  | 3 |"
    marked = parse_html_table("<table><tr><th>c</th><th>4</th></tr></table>")
    assert marked is not None
    assert first.extend(marked).rows[-1] == ("c", "4")  # a data row marked as header


READ_BOTH_WAYS = [
    SPANS,
    "<table><tr><td>1<td>2<tr><td>3",
    "<table><tr><td>outer<table><tr><td>inner</td></tr></table></td><td>2</td></tr></table>",
    "<TABLE><TR><TH>A</TH><TH>B</TH></TR><TR><TD>1&nbsp;2</TD><TD title='a>b'>x</TD></TR></TABLE>",
    "<table><!-- c --><tr><td>1</td></tr><tfoot><tr><td>f</td></tr></tfoot></table>",
    "<table><tr><td><p>a</p><p>b</p></td><td>  spaced \\n out</td></tr><tr><td><div>c<li>d</li></div></td></tr></table>",
    "<table><tr><td>$x^2 &lt; 1$</td><td><img src='https://i/a.png' alt='logo'></td></tr></table>",
    "text <table><tr><td>one</td></tr></table><table><tr><td>two</td></tr></table>",
    "<table><caption>cap</caption><tr><td>a</td><td rowspan='x'>b</td></tr></table>",
]


@pytest.mark.parametrize("markup", READ_BOTH_WAYS)
def test_lxml_and_html_parser_read_a_table_alike(markup: str) -> None:
    """lxml (when installed, extra `fast`) reads tables faster; the result must not change."""
    from somark_loaders.convert._html_parser import TableParser
    from somark_loaders.convert._html_rows import _rows_with_lxml, row_cells
    from somark_loaders.convert.tables import _grid

    parser = TableParser()
    parser.feed(markup)
    parser.close()
    parser._close_row()
    fast = _rows_with_lxml(markup)
    assert fast is not None  # lxml is installed for the tests
    slow_table, fast_table = _grid(row_cells(parser.rows)), _grid(row_cells(fast))
    assert fast_table.rows == slow_table.rows
    assert fast_table.header_rows == slow_table.header_rows
    assert dict(fast_table.origins) == dict(slow_table.origins)


PLAIN = [
    SPANS,
    "<table><tr><th>a</th><th>b</th></tr><tr><td>1 &lt; 2 &amp; 3</td><td>x&#x27;s &quot;y&quot;</td></tr></table>",
    "\n<table border='1'>\n <thead>\n  <tr><th colspan=\"2\">T</th></tr>\n </thead>\n"
    " <tbody><tr class='r'><td>  a \t b </td><td>line<br>two<br />three</td></tr></tbody>\n"
    " <tfoot><tr><td>f</td><td></td></tr></tfoot>\n</table>\n",
    "<table><thead></thead><tr><td rowspan='x'>a</td><td rowspan=' 3 '>b</td></tr><tr></tr></table>",
    "<table><tr><td>a</td></tr><thead></thead><tfoot></tfoot><tr><td>b</td></tr></table>",
    "<table></table>",
]
NOT_PLAIN = [
    *READ_BOTH_WAYS[1:],  # unclosed, nested, upper case, comments, text around, captions
    "<table><tr><td>a&nbsp;b</td></tr></table>",  # an entity html.escape does not write
    "<table><tr><td>a\r\nb</td></tr></table>",  # a character libxml2 may rewrite
    "<table><tr><td rowspan='2' rowspan='3'>a</td></tr></table>",  # an attribute twice
    "<table><tr><td><b>a</b></td></tr></table>",  # markup in a cell
    "<table><tr><td>a</th></tr></table>",  # a cell closed by another tag
    "<table><tr>text<td>a</td></tr></table>",  # text outside the cells
]


@pytest.mark.parametrize("markup", PLAIN)
def test_plain_table_html_is_read_without_a_parser_as_lxml_reads_it(markup: str) -> None:
    from somark_loaders.convert._html_rows import _rows_with_lxml, row_cells
    from somark_loaders.convert._plain_html import plain_rows

    found = _rows_with_lxml(markup)
    assert found is not None
    assert plain_rows(markup) == row_cells(found)


@pytest.mark.parametrize("markup", NOT_PLAIN)
def test_other_table_html_is_left_to_a_parser(markup: str) -> None:
    from somark_loaders.convert._plain_html import plain_rows

    assert plain_rows(markup) is None


def test_plain_table_html_with_odd_bits_reads_as_lxml_reads_it_or_not_at_all() -> None:
    """Tables with a tag, an entity, a space or a character put anywhere: whatever the
    plain reader takes, it reads as lxml does."""
    import random

    from somark_loaders.convert._html_rows import _rows_with_lxml, row_cells
    from somark_loaders.convert._plain_html import plain_rows

    bits = ["&amp;", "&nbsp;", "&", "<br>", "<br/>", "  ", "\n", "\t", "\r", "'", '"', ">"]
    bits += [' rowspan="2"', " colspan='3'", "<td>", "</td>", "<th>", "</tr>", "<tr>", "\xa0"]
    bits += ["<thead>", "</thead>", "<tfoot>", "</tbody>", "<!-- c -->", "<p>", "\u2028", "x"]
    rng = random.Random(27)
    read = 0
    for _ in range(1500):
        markup = rng.choice(PLAIN[:5])
        for _ in range(rng.choice([1, 1, 2])):
            at = rng.randint(0, len(markup))
            markup = markup[:at] + rng.choice(bits) + markup[at:]
        plain = plain_rows(markup)
        if plain is not None:
            read += 1
            found = _rows_with_lxml(markup)
            assert found is not None and plain == row_cells(found), markup
    assert read > 100  # the check checked something
