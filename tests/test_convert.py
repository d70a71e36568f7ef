"""ParseResult -> chunks: five modes, the metadata contract, token bounds, tables kept whole."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from somark_loaders import ConfigurationError, ConvertOptions, ElementType, ParseResult, to_chunks
from somark_loaders.convert import MODES
from somark_loaders.convert.chunking import split_text, token_counter
from somark_loaders.models import UnknownElementTypeWarning
from somark_loaders.service._protocol import read_check

from .fixtures import block, page, paper, paper_data

CONTRACT = {
    "source",
    "file_name",
    "task_id",
    "doc_id",
    "mode",
    "chunk_index",
    "page_number",
    "page_end",
    "heading_path",
    "element_types",
    "token_count",
    "boxes",
}


def words(text: str) -> int:
    return len(text.split())


def result_of(pages: list[dict[str, Any]], **extra: Any) -> ParseResult:
    data = {
        "task_id": "t",
        "result": {"file_name": "x.pdf", "outputs": {"json": {"pages": pages}}, **extra},
        "metadata": {"page_num": len(pages), "file_type": ".pdf"},
    }
    return ParseResult.from_data(data)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_follows_the_metadata_contract(mode: str) -> None:
    chunks = to_chunks(paper(), mode, source="/data/papers/dpr.pdf", doc_id="d" * 64)  # type: ignore[arg-type]
    assert chunks
    for index, chunk in enumerate(chunks):
        meta = chunk.metadata
        assert set(meta) >= CONTRACT
        assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())
        assert meta["mode"] == mode and meta["chunk_index"] == index
        assert chunk.id == f"{'d' * 64}:{mode}:{index}"
        assert meta["source"] == "/data/papers/dpr.pdf" and meta["file_name"] == "dpr.pdf"
        assert meta["task_id"] == "0123456789abcdef0123456789abcdef"
        assert 1 <= meta["page_number"] <= meta["page_end"] <= 4
        assert meta["token_count"] == token_counter()(chunk.text)
        assert chunk.text.strip()
        assert chunk.prev_id == (chunks[index - 1].id if index else None)
        assert chunk.next_id == (chunks[index + 1].id if index + 1 < len(chunks) else None)
    json.dumps([c.metadata for c in chunks])  # vector-store safe


def test_mode_counts() -> None:
    result = paper()
    assert len(to_chunks(result, "document")) == 1
    assert [c.metadata["page_number"] for c in to_chunks(result, "page")] == [1, 2, 3, 4]
    sections = to_chunks(result, "section")
    assert [c.metadata["heading_path"] for c in sections] == [
        "Dense Passage Retrieval",
        "Dense Passage Retrieval > 1 Introduction",
        "Dense Passage Retrieval > 2 Background",
        "Dense Passage Retrieval > 2 Background > 2.1 Retrieval units",
        "Dense Passage Retrieval > 3 Method",
        "Dense Passage Retrieval > 4 Conclusion",
    ]
    elements = to_chunks(result, "element")
    titles = [c for c in elements if c.metadata["element_type"] == "title"]
    assert [c.metadata["title_level"] for c in titles] == [1, 2, 2, 3, 2, 2]
    assert all("title_level" not in c.metadata for c in elements if c not in titles)


def test_text_is_markdown() -> None:
    text = to_chunks(paper(), "document")[0].text
    assert text.startswith("# Dense Passage Retrieval\n\n")
    assert "\n## 1 Introduction\n" in text and "\n### 2.1 Retrieval units\n" in text
    assert "$$\n\\mathrm{sim}(q, p) = E_Q(q)^\\top E_P(p)\n$$" in text
    assert "$$\n\\ce{2H2 + O2 -> 2H2O}\n$$" in text
    assert "```python\ndef score(q, p):\n    return q @ p\n```" in text
    assert "| Retriever | Top-20 |  |\n|---|---|---|\n|  | NQ | TQA |" in text
    assert "Figure 1: Retrieval accuracy.\nA plot of accuracy against k." in text
    assert "Benzene ring" in text  # legacy chemical_structure: an image with a description


def test_headers_footers_and_blanks_are_left_out_unless_asked() -> None:
    text = to_chunks(paper(), "document")[0].text
    assert "DPR · EMNLP 2020" not in text and "Page 2" not in text
    kept = to_chunks(paper(), "document", include_headers_footers=True)[0]
    assert "DPR · EMNLP 2020" in kept.text and "Page 2" in kept.text
    assert "header" in str(kept.metadata["element_types"])
    assert "blank" not in str(kept.metadata["element_types"])
    no_code = to_chunks(paper(), "document", exclude_types=["code", "footnote"])[0]
    assert "def score" not in no_code.text and "DPR · EMNLP" in no_code.text


def test_paragraph_continued_on_the_next_page_is_joined() -> None:
    elements = to_chunks(paper(), "element")
    joined = [c for c in elements if "implemented using dense representations" in c.text]
    assert len(joined) == 1
    assert (
        joined[0].text
        == "We show that dense retrieval can be practically implemented using dense representations alone."
    )
    assert (joined[0].metadata["page_number"], joined[0].metadata["page_end"]) == (1, 2)


def test_table_continued_on_the_next_page_keeps_header_and_caption() -> None:
    elements = to_chunks(paper(), "element")
    tables = [c for c in elements if c.metadata["element_type"] == "table"]
    assert len(tables) == 2
    revenue = tables[1]
    assert revenue.metadata["table_caption"] == "Table 2: Revenue by year."
    assert (revenue.metadata["page_number"], revenue.metadata["page_end"]) == (2, 3)
    assert revenue.text.count("| Year | Revenue | Notes |") == 1
    assert "| 2009 | 90 | row 9 |" in revenue.text
    assert str(revenue.metadata["table_html"]).count("<tr>") == 11
    # split by rows: every part repeats header and caption, pages follow the rows
    parts = [
        c
        for c in to_chunks(paper(), chunk_size=60)
        if c.metadata.get("table_caption") == "Table 2: Revenue by year."
    ]
    assert len(parts) > 1
    for part in parts:
        assert part.text.startswith(
            "Table 2: Revenue by year.\n\n| Year | Revenue | Notes |\n|---|---|---|\n"
        )
        assert int(part.metadata["token_count"]) <= 60
        assert str(part.metadata["table_html"]).startswith("<table><thead><tr><th>Year</th>")
    assert parts[0].metadata["page_number"] == 2 and parts[-1].metadata["page_end"] == 3
    rows = [line for part in parts for line in part.text.splitlines()[4:]]
    assert rows == [f"| {2000 + i} | {i * 10} | row {i} |" for i in range(10)]


def test_a_table_that_fits_stays_whole_with_its_caption() -> None:
    chunks = to_chunks(paper(), chunk_size=512)
    table = next(
        c for c in chunks if c.metadata.get("table_caption") == "Table 1: Top-20 accuracy."
    )
    assert "| DPR | 78.4 | 79.4 |" in table.text and "| BM25 | 59.1 | 66.9 |" in table.text
    assert table.metadata["element_types"] == "title,table_caption,table"  # led by its headings
    assert str(table.metadata["table_html"]).startswith("<table><thead>")


def test_captions_found_through_the_captions_field() -> None:
    pages = [
        page(
            0,
            [
                block(1, "figure", "", 100, captions=[3], img_url="https://i/x.png"),
                block(2, "text", "Body text.", 300),
                block(3, "figure_caption", "Figure 9: far away caption.", 500),
            ],
        )
    ]
    elements = to_chunks(result_of(pages), "element")
    assert [c.text for c in elements] == ["Figure 9: far away caption.", "Body text."]


def test_titles_without_levels_each_start_a_section() -> None:
    pages = [
        page(
            0,
            [
                block(1, "title", "A", 10),
                block(2, "text", "a", 50),
                block(3, "title", "B", 90),
                block(4, "text", "b", 120),
            ],
        )
    ]
    sections = to_chunks(result_of(pages), "section")
    assert [c.metadata["heading_path"] for c in sections] == ["A", "B"]
    assert sections[1].text == "# B\n\nb"


def test_catalog_gives_levels_when_blocks_have_none() -> None:
    pages = [
        page(
            0,
            [block(1, "title", "Top", 10), block(2, "title", "Sub", 50), block(3, "text", "t", 90)],
        )
    ]
    catalog = [
        {
            "content": "Top",
            "title_level": 1,
            "page_num": 0,
            "block_idx": 1,
            "children": [
                {"content": "Sub", "title_level": 2, "page_num": 0, "block_idx": 2, "children": []}
            ],
        }
    ]
    chunks = to_chunks(result_of(pages, catalog=catalog), "element")
    assert chunks[2].metadata["heading_path"] == "Top > Sub"
    assert chunks[1].text == "## Sub"


def test_unknown_types_are_text_with_a_warning() -> None:
    pages = [page(0, [block(1, "hologram", "Projected text.", 10)])]
    with pytest.warns(UnknownElementTypeWarning, match="hologram"):
        chunks = to_chunks(result_of(pages), "element")
    assert chunks[0].text == "Projected text." and chunks[0].metadata["element_type"] == "text"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("TITLE", ElementType.TITLE),
        ("Table_Caption", ElementType.TABLE_CAPTION),
        ("sidebar", ElementType.SIDEBAR),
        ("chemical_structure", ElementType.CHEMICAL_STRUCTURE),
        ("chemical_equation", ElementType.CHEMICAL_EQUATION),
        ("cs", ElementType.CHEMICAL_STRUCTURE),
        ("cate_item", ElementType.TOC_ITEM),
        ("qr-code", ElementType.QRCODE),
    ],
)
def test_element_type_spellings(raw: str, canonical: ElementType) -> None:
    assert ElementType.parse(raw) is canonical
    assert ElementType.parse("chemical_formula", "\\ce{H2O}") is ElementType.CHEMICAL_EQUATION
    assert ElementType.parse("chemical_formula", "") is ElementType.CHEMICAL_STRUCTURE


def test_lowercase_status_and_json_as_string() -> None:
    info = read_check(paper_data(status="success"), "0123456789abcdef0123456789abcdef")
    assert info.result is not None and len(info.result.pages) == 4
    assert to_chunks(info.result, "page")[0].metadata["page_number"] == 1


def test_ids_are_deterministic_and_parents_exist_in_section_mode() -> None:
    first, second = to_chunks(paper(), doc_id="abc"), to_chunks(paper(), doc_id="abc")
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    section_ids = {c.id for c in to_chunks(paper(), "section", doc_id="abc")}
    assert {c.parent_id for c in first} <= section_ids
    assert {c.parent_id for c in to_chunks(paper(), "element", doc_id="abc")} <= section_ids
    assert {c.parent_id for c in to_chunks(paper(), "page", doc_id="abc")} == {"abc:document:0"}
    # without doc_id: a hash of the result, stable for the same result
    assert to_chunks(paper())[0].id == to_chunks(paper())[0].id


def test_every_chunk_respects_the_token_bound() -> None:
    count = token_counter()
    for size in (20, 40, 80, 200):
        for chunk in to_chunks(paper(), chunk_size=size):
            assert count(chunk.text) <= size or chunk.metadata.get("oversized") is True


def test_a_row_larger_than_the_limit_is_cut_into_its_labelled_cells() -> None:
    """A row too long for a chunk (a layout table's page-long cell, a spreadsheet's note)
    is cut at sentences into chunks within the budget, each cell after its column's label,
    every part naming its table; no chunk is over ``chunk_size`` (embedding models cut what
    is over their limit: the end of such a chunk was never searchable)."""
    wide = (
        "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>"
        + " ".join(f"Sentence {n} of the long cell." for n in range(40))
        + "</td></tr><tr><td>b</td><td>short</td></tr></table>"
    )
    blocks = [block(0, "table_caption", "Table 3. Notes", 5), block(1, "table", wide, 10)]
    chunks = to_chunks(result_of([page(0, blocks)]), chunk_size=60)
    count = token_counter()
    assert len(chunks) > 3
    assert all(count(c.text) <= 60 and not c.metadata.get("oversized") for c in chunks)
    assert all(c.metadata["table_caption"] == "Table 3. Notes" for c in chunks)
    assert all(c.text.startswith("Table 3. Notes\n\n") for c in chunks)
    text = "\n".join(c.text for c in chunks)
    assert "k: a" in text and "v: Sentence 0 of" in text and "Sentence 39 of the long cell." in text
    assert "| k | v |\n|---|---|\n| b | short |" in chunks[-1].text  # the next row, as a table
    # every sentence once, in order (no overlap asked)
    found = [text.index(f"Sentence {n} of") for n in range(40)]
    assert found == sorted(found) and all(text.count(f"Sentence {n} of") == 1 for n in range(40))


def test_long_paragraph_is_split_at_sentences_with_overlap() -> None:
    sentences = [f"Sentence {i} explains dense retrieval." for i in range(40)]
    pages = [page(0, [block(1, "title", "T", 10), block(2, "text", " ".join(sentences), 50)])]
    chunks = to_chunks(result_of(pages), chunk_size=40, chunk_overlap=10)
    assert len(chunks) > 3
    for chunk in chunks:
        assert int(chunk.metadata["token_count"]) <= 40
    body = [c.text for c in chunks if not c.text.startswith("# T")]
    assert all(re.match(r"^Sentence \d+ ", t) and t.endswith(".") for t in body)
    # the overlap repeats the previous piece's last sentence
    first_last = chunks[1].text.split(". ")[-1]
    assert first_last.rstrip(".") in chunks[2].text


def test_split_text_handles_runs_without_spaces() -> None:
    count = token_counter()
    pieces = split_text("x" * 5000, 50, count)
    assert all(p.tokens <= 50 for p in pieces)
    assert "".join(p.text for p in pieces) == "x" * 5000
    cjk = split_text("密集段落检索" * 200, 30, words)  # one "word" for a whitespace counter
    assert all(p.oversized or words(p.text) <= 30 for p in cjk)


def test_custom_token_counter_and_prepended_heading_path() -> None:
    chunks = to_chunks(paper(), tokenizer=words, chunk_size=50, prepend_heading_path=True)
    for chunk in chunks:
        assert chunk.metadata["token_count"] == words(chunk.text)
        assert chunk.metadata["token_count"] <= 50 or chunk.metadata.get("oversized")
        assert chunk.text.startswith(str(chunk.metadata["heading_path"]) + "\n\n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "pages"}, "mode"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 10, "chunk_overlap": 10}, "chunk_overlap"),
        ({"exclude_types": ["footers"]}, "exclude_types"),
        ({"tokenizer": "no-such-encoding"}, "Unknown tokenizer"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        to_chunks(paper(), **kwargs)


def test_options_object_is_accepted_once() -> None:
    options = ConvertOptions(mode="section")
    assert len(to_chunks(paper(), options=options)) == 6
    with pytest.raises(ConfigurationError):
        to_chunks(paper(), options=options, chunk_size=10)


def test_empty_results_give_no_chunks_and_markdown_only_ones_say_why() -> None:
    assert to_chunks(result_of([])) == []
    assert to_chunks(result_of([page(0, [block(1, "blank", "", 10)])]), "page") == []
    markdown_only = ParseResult.from_data(
        {"task_id": "t", "result": {"file_name": "x.pdf", "outputs": {"markdown": "# Hi"}}}
    )
    with pytest.raises(ConfigurationError, match="output_formats"):
        to_chunks(markdown_only)


def test_a_real_pdf_through_the_emulator_converts_in_every_mode(emulator: Any) -> None:
    from somark_loaders import SoMarkClient, file_sha256

    from .conftest import KEY, ONE_PAGE_PDF

    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        result = client.parse(
            ONE_PAGE_PDF, {"feature_config": {"enable_title_level_recognition": True}}
        )
    doc_id = file_sha256(ONE_PAGE_PDF)
    for mode in MODES:
        chunks = to_chunks(result, mode, source=str(ONE_PAGE_PDF), doc_id=doc_id)  # type: ignore[arg-type]
        assert chunks, mode
        assert all(
            c.metadata["page_number"] == 1 and c.metadata["doc_id"] == doc_id for c in chunks
        )
    paths = {c.metadata["heading_path"] for c in to_chunks(result, "section")}
    assert any("5.1 Hyper Parameter Optimization" in str(p) for p in paths)


def test_a_heading_alone_is_not_a_chunk_of_its_own() -> None:
    """A heading directly followed by a heading of the same level (so not folded as a
    parent) makes no chunk of its own: a 4-token chunk would rank high for unrelated
    queries."""
    from .fixtures import block, page

    body = "The agency reviewed every program in the fiscal year and reports its findings. " * 3
    data = {
        "task_id": "t",
        "status": "SUCCESS",
        "metadata": {"page_num": 2},
        "result": {
            "outputs": {
                "json": {
                    "pages": [
                        page(0, [block(0, "title", "Some Agency Name", 80, title_level=1)]),
                        page(
                            1,
                            [
                                block(0, "title", "Annual Report", 80, title_level=1),
                                block(1, "text", body, 140),
                            ],
                        ),
                    ]
                }
            }
        },
    }
    result = ParseResult.from_data(data)
    chunks = to_chunks(result, mode="chunk", chunk_size=200)
    assert len(chunks) == 1
    (chunk,) = chunks
    assert chunk.text.startswith("# Some Agency Name")
    assert (chunk.metadata["page_number"], chunk.metadata["page_end"]) == (1, 2)
    assert chunk.metadata["heading_path"] == "Annual Report"
    kept = to_chunks(result, mode="chunk", chunk_size=200, min_chunk_tokens=0)
    assert kept[0].text == "# Some Agency Name"


def test_pieces_fit_exactly_when_joining_sentences_costs_more_than_their_counts() -> None:
    """Pieces grow by their sentences' counts; a counter whose seams cost more than that
    (here 3 tokens a space) must still get pieces within the budget, every word kept."""

    def seamy(text: str) -> int:
        return len(text.split()) + 3 * text.count(" ")

    text = " ".join(f"Point {n} holds." for n in range(200))
    for overlap in (0, 12):
        pieces = split_text(text, 40, seamy, overlap)
        assert all(seamy(p.text) == p.tokens <= 40 for p in pieces)
        if overlap == 0:
            assert " ".join(p.text for p in pieces) == text
        assert pieces[-1].text.endswith("Point 199 holds.")
