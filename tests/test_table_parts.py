"""What the parts of a table split by rows repeat (convert/_repeat.py), and pipe rows that
end at their last cell with text: the repetition and the pipes never crowd out content."""

from __future__ import annotations

from typing import Any

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert.chunking import token_counter
from somark_loaders.emulator import engines

from .fixtures import CORPUS, block, needs_corpus, page

COUNT = token_counter()
WORDS = [
    "supplier",
    "shall",
    "deliver",
    "goods",
    "within",
    "days",
    "after",
    "payment",
    "of",
    "the",
    "invoice",
    "total",
]


def prose(n: int, seed: int) -> str:
    return " ".join(WORDS[(seed + i) % len(WORDS)] for i in range(n))


def result(table_html: str, caption: str = "") -> ParseResult:
    blocks: list[dict[str, Any]] = [block(0, "title", "Contracts", 100, title_level=1)]
    if caption:
        blocks.append(block(1, "table_caption", caption, 200))
    blocks.append(block(len(blocks), "table", table_html, 300))
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    return ParseResult.from_data(data)


def table_parts(parsed: ParseResult, size: int) -> list[str]:
    return [c.text for c in to_chunks(parsed, chunk_size=size) if "|---" in c.text]


def test_a_long_header_is_cut_down_in_later_parts_to_half_of_the_chunk() -> None:
    """Two header rows of long labels (about 200 tokens) over 60 rows of numbers: the
    first part has them all; later parts repeat the row that names the columns, its
    labels cut to their first words, in at most half of the chunk."""
    group = "<tr>" + "".join(f"<th>{prose(18, i)} group</th>" for i in range(4)) + "</tr>"
    labels = "<tr>" + "".join(f"<th>Column{i} {prose(14, i + 5)}</th>" for i in range(4)) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{r * 100 + c}</td>" for c in range(4)) + "</tr>" for r in range(60)
    )
    parsed = result(f"<table>{group}{labels}{body}</table>", caption="Table 3. Contract sums")
    parts = table_parts(parsed, 300)
    assert len(parts) >= 3
    assert "group" in parts[0] and "Column3" in parts[0]
    for part in parts[1:]:
        prefix = part.split("|---")[0]
        assert COUNT(prefix) <= 150
        assert part.startswith("Table 3. Contract sums")
        assert all(f"Column{i}" in prefix for i in range(4))  # every column keeps its name
        assert "group" not in prefix
    # every number reaches a chunk, once
    text = "\n".join(parts)
    assert all(text.count(f"| {n} |") + text.count(f"| {n}\n") >= 1 for n in (0, 2903, 5903))


def test_a_first_row_of_prose_that_stands_in_for_a_header_is_not_repeated() -> None:
    """A layout table (no header row marked) whose first row is a paragraph of about 240
    tokens (over half the chunk): later parts start with an empty header row instead of that paragraph again."""
    rows = "".join(f"<tr><td>Clause {r}</td><td>{prose(220, r)}.</td></tr>" for r in range(12))
    parts = table_parts(result(f"<table>{rows}</table>"), 400)
    assert len(parts) >= 4
    first_row = "| Clause 0 |"
    assert first_row in parts[0]
    assert sum(first_row in part for part in parts) == 1
    for part in parts[1:]:
        assert part.startswith("|  |  |\n|---|---|\n| Clause ")


def test_a_short_header_is_repeated_whole_in_every_part() -> None:
    head = "<tr><th>Year</th><th>Revenue</th><th>Notes</th></tr>"
    body = "".join(f"<tr><td>{2000 + r}</td><td>{r}</td><td>row {r}</td></tr>" for r in range(80))
    parts = table_parts(result(f"<table>{head}{body}</table>", caption="Table 2: Revenue."), 60)
    assert len(parts) > 5
    for part in parts[1:]:
        assert part.startswith("Table 2: Revenue.\n\n| Year | Revenue | Notes |\n|---|---|---|\n")


def test_pipe_rows_end_at_their_last_cell_with_text() -> None:
    """A form's wide grid: 24 columns, each row with text in its first two cells only.
    Trailing empty cells are left out (GFM fills a short row); the header keeps every
    column; the table costs a fraction of what it did."""
    head = "<tr>" + "".join(f"<th>H{c}</th>" for c in range(24)) + "</tr>"
    body = "".join(
        f"<tr><td>Field {r}</td><td>value {r}</td>" + "<td></td>" * 22 + "</tr>" for r in range(20)
    )
    (chunk,) = to_chunks(result(f"<table>{head}{body}</table>"), chunk_size=4000)
    lines = chunk.text.splitlines()
    header = next(line for line in lines if line.startswith("| H0"))
    assert header.count("|") == 25
    assert "| Field 3 | value 3 |" in lines
    assert COUNT(chunk.text) < 700  # 24 cells a row: about 1,200 tokens before


def statistical_page() -> ParseResult:
    """A statistical abstract's page: caption, headnote, table, notes, twice."""
    blocks: list[dict[str, Any]] = []
    for n, y in ((324, 60), (325, 700)):
        blocks += [
            block(len(blocks), "table_caption", f"Table {n}. Arrests by group: 2009", y),
            block(len(blocks), "text", f"[In thousands. Based on {n - 312} agencies]", y + 45),
            block(
                len(blocks),
                "table",
                "<table><tr><th>Offense</th><th>Total</th></tr>"
                + "".join(f"<tr><td>Offense {i}</td><td>{n * i}</td></tr>" for i in range(8))
                + "</table>",
                y + 90,
            ),
            block(len(blocks), "text", f"1 Except forcible acts ({n}). Source: Bureau.", y + 460),
        ]
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    return ParseResult.from_data(data)


def test_a_tables_headnote_and_notes_are_in_its_chunk() -> None:
    """The text between a table's caption and the table (headnote), and the notes right
    under it, belong to that table's chunk: not to the chunk of the table above."""
    chunks = to_chunks(statistical_page(), chunk_size=400)
    for n in (324, 325):
        (chunk,) = [c for c in chunks if f"Table {n}." in c.text]
        assert chunk.text.startswith(f"Table {n}. Arrests by group: 2009\n\n[In thousands.")
        assert f"Based on {n - 312} agencies" in chunk.text
        assert chunk.text.endswith(f"1 Except forcible acts ({n}). Source: Bureau.")
        assert chunk.metadata["table_caption"] == f"Table {n}. Arrests by group: 2009"
    assert len(chunks) == 2


def test_a_split_tables_headnote_leads_its_first_part_and_notes_close_its_last() -> None:
    parts = [c.text for c in to_chunks(statistical_page(), chunk_size=60) if "Table 325" in c.text]
    assert len(parts) > 2
    assert "[In thousands. Based on 13 agencies]" in parts[0]
    assert not any("agencies" in part for part in parts[1:])
    # the notes do not fit in the last part: a chunk of their own, named by the caption
    (notes,) = [c for c in to_chunks(statistical_page(), chunk_size=60) if "(325)" in c.text]
    assert notes.text == "Table 325. Arrests by group: 2009\n\n1 Except forcible acts (325). " + (
        "Source: Bureau."
    )
    assert "table_caption" not in notes.metadata  # table metadata is for table chunks


def test_long_notes_under_a_table_open_with_its_caption() -> None:
    """Notes longer than a quarter of the chunk (a statistical table's legend, notes and
    sources: us-018's run to 190 tokens) were a paragraph like any other, apart from the
    caption that names the table they explain; now they are a chunk of their own that
    opens with it. "— Not available" opens notes as "– Represents zero" does."""
    notes = (
        "— Not available: projections are not shown after 2014–15. "
        + " ".join(
            f"{i} Fall enrollment count number {i} differs from other tables." for i in range(1, 9)
        )
        + " SOURCE: Department of Education."
    )
    blocks = [
        block(0, "table_caption", "Table 18. Expenditures per pupil in fall enrollment", 60),
        block(
            1,
            "table",
            "<table><tr><th>Year</th><th>Total</th></tr>"
            + "".join(f"<tr><td>20{i:02d}</td><td>{i * 100}</td></tr>" for i in range(6))
            + "</table>",
            100,
        ),
        block(2, "text", notes, 400),
        block(3, "text", "The next section discusses enrollment in private schools.", 700),
    ]
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    chunks = to_chunks(ParseResult.from_data(data), chunk_size=400)
    assert 100 < COUNT(notes) < 400
    (own,) = [c for c in chunks if "SOURCE" in c.text]
    assert own.text.startswith("Table 18. Expenditures per pupil in fall enrollment\n\n" + notes)
    assert "table_caption" not in own.metadata


def test_a_numbered_paragraph_after_a_table_is_no_notes() -> None:
    """Only a labelled text (``Note:``, ``Source:``, ``— Not available``) counts as notes
    past a quarter of the chunk: a numbered paragraph of body text (``1 The results``)
    under a table stays a paragraph, and ``3 of the 5`` opens no notes at all."""
    para = "1 The results in the table above show that dense retrieval beats sparse " + (
        "retrieval on every dataset we tried, and the gap widens with more questions. " * 4
    )
    for text in (para, "3 of the 5 models were trained on the same questions."):
        blocks = [
            block(0, "table_caption", "Table 2. Top-20 accuracy by retriever", 60),
            block(
                1,
                "table",
                "<table><tr><th>Model</th><th>NQ</th></tr><tr><td>BM25</td><td>59.1</td></tr>"
                "<tr><td>DPR</td><td>78.4</td></tr></table>",
                100,
            ),
            block(2, "text", text, 400),
        ]
        data = {
            "task_id": "t",
            "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
        }
        chunks = to_chunks(ParseResult.from_data(data), chunk_size=300, min_chunk_tokens=0)
        (own,) = [c for c in chunks if text[:20] in c.text]
        assert own.text.startswith(text[:20]), own.text[:80]


@needs_corpus
def test_a_layout_tables_page_long_cell_is_cut_into_chunks_within_the_budget() -> None:
    """dev/bug59058.docx holds a whole journal article in one cell of a Word table: it was
    one chunk of 12,444 tokens (any embedding model cuts it at its limit: the article's
    end was never searchable). Now every chunk is within the budget, none is marked
    oversized, and the article's text is there once, in order."""
    path = CORPUS / "dev" / "bug59058.docx"
    features = engines.ExtractOptions(title_levels=True, table_cross_page=True)
    pages = engines.extract(path, ".docx", features)
    data = {
        "task_id": "t",
        "result": {"file_name": path.name, "outputs": {"json": {"pages": pages}}},
    }
    chunks = to_chunks(ParseResult.from_data(data), chunk_size=400)
    assert all(COUNT(c.text) <= 400 and not c.metadata.get("oversized") for c in chunks)
    article = [c for c in chunks if "EPIDEMIOLOGY" in str(c.metadata.get("table_html"))]
    assert len(article) > 25
    text = "\n".join(c.text for c in chunks)
    first, last = text.index("Discrete windows of susceptibility"), text.index("Hoyer AP, Torben J")
    assert first < text.index("Kaiser Permanente Health Plan") < last


EMPTY = "<table><tr><th></th><th> </th></tr><tr><td></td><td></td></tr></table>"


def test_a_table_without_a_word_in_any_cell_gives_no_element_and_no_chunk() -> None:
    """A Word or slide table left blank (a layout grid, a form to fill in) reads as
    ``|  |  |`` rows: nothing to retrieve, so it is left out; a table with a word stays."""
    blocks = [
        block(0, "text", "Lorem ipsum dolor sit amet.", 100),
        block(1, "table", EMPTY, 200),
        block(2, "table", "|  |  |\n|---|---|\n|  |  |", 400),
        block(
            3,
            "table",
            "<table><tr><th>a</th><th></th></tr><tr><td></td><td></td></tr></table>",
            600,
        ),
    ]
    data = {
        "task_id": "t",
        "result": {"file_name": "r.docx", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    parsed = ParseResult.from_data(data)
    elements = to_chunks(parsed, "element")
    assert [c.metadata["element_type"] for c in elements] == ["text", "table"]
    assert "| a |" in elements[1].text
    (chunk,) = to_chunks(parsed)
    assert chunk.text.count("|---") == 1
    assert not any(len(c.text.strip("|- \n")) == 0 for c in to_chunks(parsed, "page"))


def test_a_blank_table_with_a_caption_keeps_only_its_caption() -> None:
    (element,) = to_chunks(result(EMPTY, caption="Table 2. Sign-off"), "element")[1:]
    assert element.text == "Table 2. Sign-off"
    assert "table_html" not in element.metadata


def test_the_last_rows_of_a_table_never_take_the_next_headings_path() -> None:
    """The small last part of a table (a long row cut into its labelled cells) that
    joins a neighbour keeps its heading path: it joined the next section's first chunk
    and took that section's heading (found by tests/test_table_properties.py)."""
    long_cell = "tc6 " + "alpha " * 14 + "2024"
    html = (
        "<table><tr><th>tc0</th><th>tc1</th><th>tc2</th><th>tc3</th></tr>"
        f"<tr><td>tc4</td><td>tc5</td><td>{long_cell}</td><td>tc7 alpha</td></tr></table>"
    )
    blocks = [
        block(0, "table_caption", "Table 7. Revenue by region", 200),
        block(1, "table", html, 300),
        block(2, "title", "Next", 1200, title_level=1),
        block(3, "text", "x.", 1300),
    ]
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    parsed = ParseResult.from_data(data)
    seen = 0
    for size in range(8, 80):
        for chunk in to_chunks(parsed, "chunk", chunk_size=size, min_chunk_tokens=24):
            if "tc" in chunk.text:
                seen += 1
                assert chunk.metadata["heading_path"] == "", (size, chunk.text)
                assert chunk.metadata.get("table_caption") == "Table 7. Revenue by region"
    assert seen > 72
