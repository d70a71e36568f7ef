"""Captions that belong to their tables and figures: found by where they
sit on two-column pages, and carried by a table's continuation on the next page.

Real pages from ``../shared/corpus`` (top level and ``dev/``), run through the emulator's
engine and the loader's conversion.
"""

from __future__ import annotations

from typing import Any

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert import Chunk
from somark_loaders.emulator import engines

from .fixtures import CORPUS, needs_corpus, paper


def chunks_of(name: str, mode: str = "chunk", **options: Any) -> list[Chunk]:
    path = CORPUS / name
    features = engines.ExtractOptions(
        title_levels=True, table_cross_page=True, text_cross_page=True
    )
    pages = engines.extract(path, path.suffix.lower(), features)
    result = ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": path.name, "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": path.suffix},
        }
    )
    return to_chunks(result, mode, **options)  # type: ignore[arg-type]


@needs_corpus
def test_a_caption_below_its_table_on_a_two_column_page_stays_with_the_table() -> None:
    """multi-column.pdf p.12: two tables stacked in the right column, Table 5's caption
    between them and Table 6's under them, the left column's prose beside them. The
    ruled region was once read as one table, widened over the left column (a justified
    column of prose is not a table's labels), whose prose it swallowed."""
    chunks = chunks_of("multi-column.pdf", chunk_size=512)
    caption = "Table 6: Retrieval Top-k accuracy on the development set"
    tables = [c for c in chunks if str(c.metadata.get("table_caption", "")).startswith(caption)]
    assert len(tables) == 1 and tables[0].metadata["page_number"] == 12
    assert tables[0].text.startswith(caption)
    assert "| Triplet | 41.6 | 65.0 | 77.2 | 84.5 |" in tables[0].text  # a row of Table 6
    assert all(caption not in c.text for c in chunks if c is not tables[0])  # not in prose
    prose = "When training our final DPR model using Natural Questions, we use the passages"
    assert any(prose in c.text and c.metadata["page_number"] == 12 for c in chunks)


@needs_corpus
def test_a_caption_read_far_from_its_table_is_found_by_position() -> None:
    """dev/demo1.pdf p.9: 'Table 5' sits over its table and is read after both columns;
    redp5110_sampled.pdf p.15: two figures, each caption right under its own."""
    elements = chunks_of("dev/demo1.pdf", "element")
    table = next(
        c
        for c in elements
        if c.metadata.get("element_type") == "table" and c.metadata["page_number"] == 9
    )
    assert str(table.metadata.get("table_caption", "")).startswith(
        "Table 5 Published flow reductions"
    )
    figures = [
        c.text
        for c in chunks_of("redp5110_sampled.pdf", "element")
        if c.metadata["element_type"] == "figure" and c.metadata["page_number"] == 15
    ]
    assert [f[:11] for f in figures] == ["Figure 4-68", "Figure 4-69"]


def test_a_table_continued_on_the_next_page_says_which_table_it_is_when_not_merged() -> None:
    """Page mode (no cross-page merge): the rest of 'Table 2' on page 3 has no caption of
    its own; it carries its table's, marked as continued."""
    pages = to_chunks(paper(), "page")
    assert pages[2].text.startswith("Table 2: Revenue by year. (continued)\n\n| 2006 |")
    elements = to_chunks(paper(), "element", merge_cross_page=False)
    rest = [c for c in elements if c.metadata.get("element_type") == "table"][-1]
    assert rest.metadata["table_caption"] == "Table 2: Revenue by year. (continued)"
    assert rest.metadata["page_number"] == 3
