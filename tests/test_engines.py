"""The emulator's extraction engines on real files: PDF, DOCX, PPTX, XLSX, images."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from somark_loaders import ParseResult, SoMarkClient, to_chunks
from somark_loaders.convert.tables import parse_table
from somark_loaders.emulator import Emulator

from .conftest import KEY, ONE_PAGE_PDF, PDF, PNG
from .fixtures import HTTP_TIMEOUT

EXAMPLES = PDF.parent
DATA = Path(__file__).resolve().parent / "data"
LEVELS = {"feature_config": {"enable_title_level_recognition": True}}


def parse(emulator: Emulator, path: Path, options: Any = None) -> ParseResult:
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        return client.parse(path, options)


def blocks(result: ParseResult, kind: str | None = None) -> list[Any]:
    return [b for p in result.pages for b in p.blocks if kind is None or b.type == kind]


def assert_boxes_inside(result: ParseResult) -> None:
    for page in result.pages:
        assert page.page_size is not None
        for block in page.blocks:
            assert block.bbox is not None
            x1, y1, x2, y2 = block.bbox
            assert 0 <= x1 <= x2 <= page.page_size.w and 0 <= y1 <= y2 <= page.page_size.h, block


def test_docx_headings_lists_table_figure_and_pages(emulator: Emulator) -> None:
    result = parse(emulator, EXAMPLES / "word_sample.docx", LEVELS)
    assert result.page_count == 2 and result.file_type == ".docx"
    titles = [(b.content, b.title_level) for b in blocks(result, "title")]
    assert titles == [("Swimming in the lake", 1), ("Let’s swim!", 1), ("Let’s eat", 2)]
    assert "- Paddle about" in [b.content for b in blocks(result, "text")]
    (table,) = blocks(result, "table")
    grid = parse_table(table.content)
    assert (
        grid is not None
        and len(grid.rows) == 4
        and grid.rows[1] == ("Leaves", "Ash, Elm, Maple", "50")
    )
    assert [b.content for b in blocks(result, "figure_caption")] == [
        "Figure 1: This is a cute duckling"
    ]
    assert len(blocks(result, "figure")) == 1
    assert_boxes_inside(result)
    assert [n["content"] for n in result.catalog] == ["Swimming in the lake", "Let’s swim!"]
    assert all(
        b.title_level is None
        for b in blocks(parse(emulator, EXAMPLES / "word_sample.docx"), "title")
    )


def test_pptx_slides_titles_and_merged_table(emulator: Emulator) -> None:
    result = parse(emulator, EXAMPLES / "powerpoint_sample.pptx", LEVELS)
    assert result.page_count == 3
    assert result.pages[0].page_size is not None and (
        result.pages[0].page_size.w,
        result.pages[0].page_size.h,
    ) == (2000, 1125)
    assert [b.content for b in blocks(result, "title")] == [
        "Test Table Slide",
        "Second slide title",
    ]
    (table,) = blocks(result, "table")
    assert '<th colspan="3">Class1</th>' in table.content
    grid = parse_table(table.content)
    assert grid is not None and grid.rows[0][1:4] == ("Class1", "Class1", "Class1")
    assert any("- With foo" in b.content for b in blocks(result, "text"))
    assert_boxes_inside(result)


def test_xlsx_a_page_per_sheet_with_merged_cells(emulator: Emulator, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Revenue"
    sheet.append(["Region", "2024", None])
    sheet.merge_cells("B1:C1")
    sheet.append(["", "H1", "H2"])
    sheet.append(["North", 10, 12])
    second = book.create_sheet("Costs")
    second.append(["Item", "Cost"])
    second.append(["Rent", 5])
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = parse(emulator, path, LEVELS)
    assert result.page_count == 2
    assert [b.content for b in blocks(result, "title")] == ["Revenue", "Costs"]
    first = blocks(result, "table")[0].content
    assert '<th colspan="2">2024</th>' in first
    grid = parse_table(first)
    assert grid is not None and grid.rows[2] == ("North", "10", "12")


def test_pdf_tables_with_their_captions(emulator: Emulator) -> None:
    result = parse(emulator, ONE_PAGE_PDF, LEVELS)
    kinds = [b.type for b in result.pages[0].blocks]
    assert "table" in kinds and "table_caption" in kinds
    caption = blocks(result, "table_caption")[0]
    assert caption.content.startswith("Table 1.")
    table = parse_table(blocks(result, "table")[0].content)
    assert table is not None and table.width >= 4 and len(table.rows) >= 4
    assert "5.1 Hyper Parameter Optimization" in [b.content for b in blocks(result, "title")]
    chunks = to_chunks(result, "element")
    assert any(c.metadata.get("table_caption", "").startswith("Table 1.") for c in chunks)  # type: ignore[union-attr]


def test_pdf_running_footers_are_dropped_unless_kept(emulator: Emulator) -> None:
    path = DATA / "redp5110_sampled.pdf"
    plain = parse(emulator, path)
    kept = parse(emulator, path, {"feature_config": {"keep_header_footer": True}})
    footers = [b.content for b in blocks(kept, "footer")]
    assert footers and any("Row and Column Access Control" in f for f in footers)
    assert not blocks(plain, "footer") and not blocks(plain, "header")
    assert blocks(plain, "figure")  # embedded screenshots
    assert_boxes_inside(plain)


def test_pdf_figures_are_served_as_images(emulator: Emulator) -> None:
    result = parse(emulator, DATA / "redp5110_sampled.pdf")
    figure = blocks(result, "figure")[0]
    assert figure.img_url.startswith("http://127.0.0.1:")
    answer = httpx.get(figure.img_url, timeout=HTTP_TIMEOUT)
    assert answer.headers["content-type"] == "image/png" and answer.content[:4] == b"\x89PNG"
    inline = parse(
        emulator, DATA / "redp5110_sampled.pdf", {"element_formats": {"image": "base64"}}
    )
    data_uri = blocks(inline, "figure")[0].img_url
    assert (
        data_uri.startswith("data:image/png;base64,")
        and base64.b64decode(data_uri.split(",", 1)[1])[:4] == b"\x89PNG"
    )
    none = parse(emulator, DATA / "redp5110_sampled.pdf", {"element_formats": {"image": "none"}})
    assert all(b.img_url == "" for b in blocks(none, "figure"))


def test_tables_as_markdown_when_asked(emulator: Emulator) -> None:
    result = parse(emulator, ONE_PAGE_PDF, {"element_formats": {"table": "markdown"}})
    table = blocks(result, "table")[0]
    assert table.format == "markdown" and table.content.startswith("| ")
    assert parse_table(table.content) is not None
    chunks = to_chunks(result, "element")
    assert any("|---|" in c.text for c in chunks)


def test_multi_column_paper_reads_column_by_column(emulator: Emulator) -> None:
    result = parse(emulator, PDF, LEVELS)
    titles = [b.content for b in blocks(result, "title")]
    for heading in (
        "1 Introduction",
        "2 Background",
        "3 Dense Passage Retriever (DPR)",
        "4 Experimental Setup",
    ):
        assert heading in titles
    assert (
        titles.index("1 Introduction")
        < titles.index("2 Background")
        < titles.index("4 Experimental Setup")
    )
    assert len(blocks(result, "table")) >= 2
    assert len(blocks(result, "table_caption")) >= 3
    assert_boxes_inside(result)


def test_images_are_read_by_ocr_and_a_scanned_table_is_a_table(emulator: Emulator) -> None:
    """A photographed results table: each number stays in its row and column; header lines that wrap at different
    heights (a spanning "Results" above two columns) make one header row."""
    result = parse(emulator, PNG)
    tables = [parse_table(b.content) for b in blocks(result, "table")]
    assert len(tables) == 1 and tables[0] is not None
    table = tables[0]
    assert table.header_rows == 1
    header = table.rows[0]
    assert header[:4] == (
        "Disability Category",
        "Participants",
        "Ballots Completed",
        "Ballots Incomplete/ Terminated",
    )
    assert header[4] == "Accuracy" and "Time to complete" in header[5]
    body = {row[0]: row[1:] for row in table.rows[1:] if row[0]}
    assert body["Blind"] == ("5", "1", "4", "34.5%, n=1", "1199 sec, n=1")
    assert body["Dexterity"] == ("5", "4", "1", "98.3%, n=4", "1672.1 sec, n=4")
    assert body["Mobility"] == ("3", "3", "0", "95.4%, n=3", "1416 sec, n=3")
    assert all(b.type == "table" for b in blocks(result))  # no cell left over as text
    assert_boxes_inside(result)


def test_a_picture_without_text_is_one_figure(emulator: Emulator, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "gradient.png"
    Image.linear_gradient("L").resize((320, 200)).save(picture)
    result = parse(emulator, picture)
    assert [b.type for b in blocks(result)] == ["figure"]
