"""Property tests for tables: no cell's text is ever lost, in any mode, and every part of a
table split by rows repeats its header rows, caption and heading path.

Tables are drawn with title rows (one cell across the table), multi-row headers, spans,
rows longer than ``chunk_size``, continuations on the next page, and chunk sizes down to
a few tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert import MODES
from somark_loaders.convert._elements import elements
from somark_loaders.convert._repeat import REPEAT_FLOOR
from somark_loaders.convert.chunking import token_counter
from somark_loaders.convert.tables import parse_html_table

from .fixtures import block, page

FILLER = st.sampled_from(["alpha", "beta", "gamma", "delta", "2024", "1.5", "表格", "x"])


@dataclass
class Drawn:
    """A drawn table: its HTML, every cell's text, and the texts of its header rows."""

    html: str
    cells: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


@st.composite
def tables(draw: st.DrawFn, name: str) -> Drawn:
    cols = draw(st.integers(1, 4))
    drawn = Drawn("")
    serial = iter(range(10_000))

    def cell(tag: str, attrs: str = "", long: bool = False) -> str:
        words = draw(st.lists(FILLER, max_size=120 if long else 3))
        text = " ".join([f"{name}c{next(serial)}", *words])
        drawn.cells.append(text)
        return f"<{tag}{attrs}>{text}</{tag}>"

    rows: list[str] = []
    titles: list[str] = []  # one cell across the table (one column wide: any row is)
    for _ in range(draw(st.integers(0, 2 if cols > 1 else 0))):
        tag = draw(st.sampled_from(["td", "th"]))
        rows.append(f"<tr>{cell(tag, f' colspan={cols}')}</tr>")
        titles.append(drawn.cells[-1])
    named: list[list[str]] = []  # rows of <th> cells naming the columns
    for _ in range(draw(st.integers(0, 2))):
        spans = [draw(st.sampled_from(["", " colspan=2"])) for _ in range(cols)]
        rows.append("<tr>" + "".join(cell("th", s) for s in spans) + "</tr>")
        named.append(drawn.cells[-cols:])
    body = draw(st.integers(0, 6))
    # the last row is a body row even when every row is marked as header
    header_rows = [[t] for t in titles] + named
    drawn.header = [text for row in (header_rows if body else header_rows[:-1]) for text in row]
    for _ in range(body):
        spans = [draw(st.sampled_from(["", "", " rowspan=2", " colspan=2"])) for _ in range(cols)]
        long = draw(st.integers(0, 5)) == 0  # a row longer than any small chunk_size
        rows.append("<tr>" + "".join(cell("td", s, long) for s in spans) + "</tr>")
    if not rows:
        rows.append(f"<tr>{cell('td', '', draw(st.booleans()))}</tr>")
    drawn.html = "<table>" + "".join(rows) + "</table>"
    return drawn


@dataclass
class Case:
    result: ParseResult
    table: Drawn
    rest: Drawn | None  # the table's continuation on the next page
    caption: str
    heading: str


@st.composite
def cases(draw: st.DrawFn) -> Case:
    table = draw(tables("t"))
    heading = draw(st.sampled_from(["", "Results"]))
    caption = draw(st.sampled_from(["", "Table 7. Revenue by region"]))
    blocks: list[dict[str, Any]] = []
    if heading:
        blocks.append(block(len(blocks), "title", heading, 100, title_level=1))
    if caption:
        blocks.append(block(len(blocks), "table_caption", caption, 200))
    blocks.append(block(len(blocks), "table", table.html, 300))
    rest = draw(st.none() | tables("u"))
    if rest is None and draw(st.booleans()):  # a short paragraph the last part may join
        blocks.append(block(len(blocks), "text", "Sales grew.", 1500))
    pages = [page(0, blocks)]
    if rest is not None:
        pages.append(page(1, [block(0, "table", rest.html, 100)], merge=True))
    if draw(st.booleans()):  # the next section
        following = [block(9, "title", "Next", 1200, title_level=1), block(10, "text", "x.", 1300)]
        pages[-1]["blocks"].extend(following)
    data = {"task_id": "t", "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": pages}}}}
    return Case(ParseResult.from_data(data), table, rest, caption, heading)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    mode=st.sampled_from(MODES),
    size=st.integers(4, 160),
    prepend=st.booleans(),
    small=st.sampled_from([0, 24]),
)
def test_every_cell_of_every_table_reaches_a_chunk(
    case: Case, mode: str, size: int, prepend: bool, small: int
) -> None:
    chunks = to_chunks(
        case.result,
        mode,  # type: ignore[arg-type]
        chunk_size=size,
        prepend_heading_path=prepend,
        min_chunk_tokens=small,
    )
    texts = [c.text for c in chunks]
    cells = case.table.cells + (case.rest.cells if case.rest else [])
    lost = [cell for cell in cells if not any(cell in text for text in texts)]
    # a cell longer than what the budget leaves is cut (chunk mode): its characters follow
    # in order through the chunks
    flat = iter("".join("".join(text.split()) for text in texts))
    lost = [c for c in lost if mode != "chunk" or not all(ch in flat for ch in "".join(c.split()))]
    assert not lost, (mode, size, case.table.html, texts)
    if mode != "chunk":
        return
    parts = [c for c in chunks if "tc" in c.text or "uc" in c.text]  # some of the table
    if len(parts) < 2:
        return
    # a header that fits in REPEAT_FLOOR tokens is repeated whole in every part, however
    # small the chunk; a larger one may be cut down (see convert/_repeat.py), but every
    # part still holds a pipe table and says which table it is
    merged = next(e.table for e in elements(case.result, frozenset(), merge=True) if e.table)
    head = merged.with_header().markdown_lines()[0]  # the header as the pipe table shows it
    header_rows = merged.with_header().header_rows
    short = token_counter()("\n\n".join([case.caption, "\n".join(head)])) <= REPEAT_FLOOR
    for part in parts:
        meta = part.metadata
        assert int(meta["token_count"]) <= size, part.text  # a long row is cut, never over
        # a row too long for a chunk with its header is cut into its cells' text (after
        # their labels): those parts hold no pipe table, and the header is in the first
        cut = not any(line.startswith("|---") for line in part.text.splitlines())
        assert not cut or str(meta["table_html"]).count("<tr>") <= header_rows + 1
        if short and not cut:
            for text in case.table.header:
                assert text in part.text, (text, part.text)
        if case.caption:
            if short and not cut:
                assert case.caption in part.text
            assert meta.get("table_caption") == case.caption, part
        assert meta["heading_path"] == case.heading, part
        assert "table" in str(meta["element_types"]).split(",")
        assert str(meta.get("table_html", "")).startswith("<table>")


LONG = " ".join(f"w{i}" for i in range(200))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "html",
    [
        # the only header row is one cell across the table
        "<table><tr><td colspan=4>Table 7. Revenue</td></tr>"
        f"<tr><td>a</td><td>b</td><td>c</td><td>{LONG}</td></tr></table>",
        f"<table><tr><td>a</td><td>{LONG}</td></tr></table>",  # one row
        f"<table><thead><tr><th>k</th><th>{LONG}</th></tr></thead></table>",  # header only
        f"| k | {LONG} |\n|---|---|",  # a Markdown table without rows
    ],
)
def test_a_table_whose_rows_are_all_header_is_kept(mode: str, html: str) -> None:
    result = ParseResult.from_data(
        {
            "task_id": "t",
            "result": {
                "file_name": "r.pdf",
                "outputs": {"json": {"pages": [page(0, [block(0, "table", html, 100)])]}},
            },
        }
    )
    chunks = to_chunks(result, mode, chunk_size=50)  # type: ignore[arg-type]
    words = re.findall(r"\bw\d+\b", "\n".join(c.text for c in chunks))
    assert words == [f"w{i}" for i in range(200)]  # each once, in order
    if mode != "chunk":
        assert any("w0 " in c.text and "w199" in c.text for c in chunks)
    else:  # the row is cut at the budget, every part says which table
        assert len(chunks) > 1 and not any(c.metadata.get("oversized") for c in chunks)
        assert all(int(c.metadata["token_count"]) <= 50 for c in chunks)
        assert all(str(c.metadata["table_html"]).startswith("<table>") for c in chunks)


def test_the_last_rows_of_a_table_stay_in_its_section() -> None:
    """A table's small last part is not folded into the next section's first chunk (it
    would take that section's heading path and lose its table_caption)."""
    html = (
        f"<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>{'alpha ' * 120}</td></tr>"
        "<tr><td>b</td><td>last</td></tr></table>"
    )
    blocks = [
        block(0, "title", "Results", 50, title_level=1),
        block(1, "table_caption", "Table 7", 100),
        block(2, "table", html, 200),
        block(3, "title", "Next", 1200, title_level=1),
        block(4, "text", "x.", 1300),
    ]
    data = {"task_id": "t", "result": {"outputs": {"json": {"pages": [page(0, blocks)]}}}}
    chunks = to_chunks(ParseResult.from_data(data), chunk_size=100)
    last = next(c for c in chunks if "| b | last |" in c.text)
    assert "Table 7\n\n| k | v |\n|---|---|\n| b | last |" in last.text
    assert last.metadata["heading_path"] == "Results"
    assert last.metadata["table_caption"] == "Table 7"
    assert "# Next" not in last.text
    following = next(c for c in chunks if "# Next" in c.text)
    assert following.metadata["heading_path"] == "Next"


def test_title_rows_above_rows_of_th_cells_are_all_header() -> None:
    table = parse_html_table(
        "<table><tr><td colspan=2>Table 7. Revenue</td></tr><tr><th>Region</th><th>Q1</th></tr>"
        "<tr><th></th><th>EUR</th></tr><tr><td>North</td><td>1</td></tr></table>"
    )
    assert table is not None and table.header_rows == 3
    assert table.with_header().header_rows == 3


def test_in_a_one_column_table_the_rows_above_its_th_rows_are_header_too() -> None:
    table = parse_html_table(
        "<table><tr><td>Title</td></tr><tr><td>Subtitle</td></tr><tr><th>Name</th></tr>"
        "<tr><td>a</td></tr></table>"
    )
    assert table is not None and table.header_rows == 3
    plain = parse_html_table("<table><tr><td>a</td></tr><tr><td>b</td></tr></table>")
    assert plain is not None and plain.header_rows == 0  # no <th> below: no header


def test_a_table_of_one_title_row_converts() -> None:
    """One ``<th>`` across two columns and nothing else: the header is that row."""
    table = parse_html_table("<table><tr><th colspan=2>Only a title</th></tr></table>")
    assert table is not None and table.with_header().header_rows == 1
    assert "Only a title" in table.to_markdown()
