"""Hard documents of each class (tests/data, public): tables across pages, merged cells,
CJK, footnotes and text across page breaks, as a RAG system meets them.

Each test runs the emulator's engine on the real file and the loader's conversion on
its result, and checks what the chunks say, not how they were made.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.convert import Chunk, ConvertOptions, to_chunks
from somark_loaders.convert.tables import Table, parse_table
from somark_loaders.emulator import Emulator, engines
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.models import ParseResult

from .conftest import KEY

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parents[1] / "examples" / "data"


def pages_of(name: str, **options: Any) -> list[dict[str, Any]]:
    path = DATA / name if (DATA / name).exists() else EXAMPLES / name
    return engines.extract(path, path.suffix.lower(), engines.ExtractOptions(**options))


def result_of(pages: list[dict[str, Any]], name: str) -> ParseResult:
    return ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": name, "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": Path(name).suffix},
        }
    )


def chunks_of(name: str, size: int = 400, **options: Any) -> list[Chunk]:
    result = result_of(pages_of(name, title_levels=True, **options), name)
    return to_chunks(result, "chunk", options=ConvertOptions(chunk_size=size))


def pipe_header(chunk: Chunk) -> str:
    """The first row of the chunk's pipe table (the header it repeats)."""
    return next(line for line in chunk.text.splitlines() if line.startswith("|"))


# --- tables across pages --------------------------------------------------------------


def test_a_table_over_pages_repeats_its_own_header_never_a_data_row() -> None:
    """mednine.pdf: one ruled table over 4 pages, header on page 1 only; every later
    part's first row is data. Each chunk of it carries the page-1 header."""
    tables = [c for c in chunks_of("mednine.pdf") if "table" in str(c.metadata["element_types"])]
    assert len(tables) > 4
    assert {pipe_header(c) for c in tables} == {pipe_header(tables[0])}
    assert tables[-1].metadata["page_end"] == 4  # the parts were merged into one table (1-based)
    assert max(int(c.metadata["page_number"]) for c in tables) >= 2


def test_a_header_repeated_on_every_page_is_kept_once() -> None:
    """schools.pdf: the header row is printed again on each of its 5 pages."""
    tables = [c for c in chunks_of("schools.pdf") if "table" in str(c.metadata["element_types"])]
    header = pipe_header(tables[0])
    assert "Last Name" in header
    assert {pipe_header(c) for c in tables} == {header}
    body = "\n".join(c.text for c in tables)
    assert body.count("Last Name") == len(tables)  # once per chunk, never as a data row


# --- merged cells ---------------------------------------------------------------------


def test_a_merged_cell_is_written_once_and_its_html_keeps_the_span() -> None:
    """word_tables.docx: horizontal and vertical merges."""
    chunks = chunks_of("word_tables.docx", size=2000)
    text = "\n".join(c.text for c in chunks)
    html = "".join(str(c.metadata.get("table_html", "")) for c in chunks)
    for merged in ("Merged Cell 1.1 1.2", "Merged Cell 1.1 2.1"):
        assert text.count(merged) == html.count(merged) >= 1
    assert 'colspan="2"' in html and 'rowspan="2"' in html


def test_a_spreadsheet_costs_no_tokens_for_its_merged_and_empty_cells() -> None:
    """test-01.xlsx: merged header cells and unused columns."""
    chunks = chunks_of("test-01.xlsx", size=2000)
    sheet2 = next(c for c in chunks if "Sheet2" in c.text)
    header = pipe_header(sheet2)
    assert header.count("|") == 5  # col-1 .. col-4, no empty columns after them
    sheet3 = next(c for c in chunks if "Sheet3" in c.text)
    assert sheet3.text.count("header") == 1  # spans two columns, written once


# --- Chinese --------------------------------------------------------------------------


def test_chinese_lines_join_without_spaces_and_clauses_lead_their_text() -> None:
    """issue-336-example.pdf: wrapped CJK body text, 第 7.9 条 clause headings, 表 captions."""
    pages = pages_of("issue-336-example.pdf", title_levels=True)
    texts = [b["content"] for p in pages for b in p["blocks"] if b["type"] in ("text", "title")]
    assert not [t for t in texts if re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", t)]
    assert "按表 7.6 中的系数进行调整" in "".join(texts)  # the line wrapped after 中
    chunks = chunks_of("issue-336-example.pdf", size=300)
    clause = next(c for c in chunks if "服务设施出入口加减速车道" in c.text)
    assert clause.metadata["heading_path"] == "第7.9条"
    later = next(c for c in chunks if "养护设施分为养护工区" in c.text)
    assert later.metadata["heading_path"] == "第7.11条"  # a sibling, not a child
    captioned = [c for c in chunks if str(c.metadata["element_types"]).startswith("table_caption")]
    assert {str(c.metadata["table_caption"])[:6] for c in captioned} == {"表 7.5 ", "表 7.6 "}
    assert "| 公路技术等级 |" in captioned[0].text  # a cell wrapped inside CJK text


@pytest.mark.parametrize(
    ("lines", "levels"),
    [
        (
            ["第一章 总则", "第一节 范围", "一、适用对象", "（一）企业", "1、小型企业"],
            [1, 2, 3, 4, 5],
        ),
        (["一、营业收入", "（一）主营业务", "（二）其他业务", "二、营业成本"], [1, 2, 2, 1]),
        (["第 7.9 条", "第 7.10 条"], [1, 1]),
    ],
)
def test_numbered_headings_take_levels_from_the_kinds_a_document_uses(
    lines: list[str], levels: list[int]
) -> None:
    from somark_loaders.emulator._text import heading_like, kind_order, numbered_kind
    from somark_loaders.emulator.pdf import _Levels

    assert all(heading_like(line) for line in lines)
    used = {numbered_kind(line) for line in lines}
    order = _Levels([], [k for k in kind_order() if k in used])
    assert [order.of(line, 10.0) for line in lines] == levels
    assert not heading_like("一、本标准适用于新建、改建和扩建的公路项目，不适用于其他项目。")
    assert numbered_kind("1. Introduction") is None  # English numbering is left to type size


@pytest.mark.parametrize(
    ("line", "split"),
    [
        ("第七条 付款方式如下", ("第七条", "付款方式如下")),
        ("第五条付款", ("第五条", "付款")),
        ("第三条の二　法第五十一条の政令で定める", ("第三条の二", "法第五十一条の政令で定める")),
        # a sentence that starts by citing a clause: no heading
        ("第三条の二第一項第二号の次に次の一号を加える。", None),  # kampo.pdf's amendments
        ("第十三条第一項中第一号の五を第一号の六とし", None),
        ("第七条规定的期限届满后", None),
        ("第二条、第三条及び第五条を削る。", None),
        ("第三条の十二第一項中「前条」を改める。", None),  # a branch number is never cut
        ("第十三条中「前条」を「次条」に改める。", None),
        (
            "第二条中华人民共和国的一切权力属于人民。",
            ("第二条", "中华人民共和国的一切权力属于人民。"),
        ),
        ("第十五條之一　本法所稱", ("第十五條之一", "本法所稱")),
        ("第3条の2 法第5条の規定", ("第3条の2", "法第5条の規定")),
        ("第五条之规定不适用", None),
    ],
)
def test_a_sentence_citing_a_clause_is_no_clause_heading(
    line: str, split: tuple[str, str] | None
) -> None:
    from somark_loaders.emulator._text import heading_like, split_clause

    assert split_clause(line) == split
    if split is None:
        assert not heading_like(line)


# --- tables without rules, tables continued, footnotes, text across pages --------------


def tables_on(pages: list[dict[str, Any]], page: int) -> list[Table]:
    found = [parse_table(b["content"]) for b in pages[page]["blocks"] if b["type"] == "table"]
    return [t for t in found if t is not None]


def test_tables_without_ruling_lines_are_tables_with_their_rows_in_order() -> None:
    """us-017.pdf: whitespace-aligned tables; m27.pdf: no ruling lines, wrapped cells."""
    pages = pages_of("us-017.pdf")
    (table,) = tables_on(pages, 1)
    assert table.header_rows == 2 and table.rows[1][:2] == ("Year", "PK–12")
    years = [row[0] for row in table.body if row[0].isdigit()]
    assert years == [str(y) for y in range(1996, 2022)]  # top to bottom, none lost
    assert table.body[1][:4] == ("1996", "51,544", "37,481", "14,062")
    assert ("Projected",) + ("",) * (table.width - 1) in table.body  # a group label row
    texts = " ".join(b["content"] for p in pages for b in p["blocks"] if b["type"] != "table")
    assert "51,544" not in texts  # no row came out as a paragraph
    (licences,) = tables_on(pages_of("m27.pdf"), 0)
    assert licences.width == 8 and "LICENSEE NAME" in licences.rows[licences.header_rows - 1]
    assert licences.body[0][:3] == ("648765 AAA", "ALLEGIANT AIR", "ALLEGIANT AIR LLC")


def test_a_continued_table_is_flagged_and_its_first_row_is_data(emulator: Emulator) -> None:
    """mednine.pdf through the emulator: with enable_table_cross_page (the loaders'
    default) pages 2-4 say they continue page 1, and no part has a header of its own."""
    plain = pages_of("mednine.pdf")
    flagged = pages_of("mednine.pdf", table_cross_page=True)
    assert [p["merge_content_from_pre_page"] for p in plain] == [False] * 4
    assert [p["merge_content_from_pre_page"] for p in flagged] == [False, True, True, True]
    for pages in (plain, flagged):
        assert [tables_on(pages, n)[0].header_rows for n in range(4)][1:] == [0, 0, 0]
    docs = SoMarkLoader(
        DATA / "mednine.pdf", base_url=emulator.base_url, api_key=KEY, chunk_size=400
    ).load()
    tables = [d for d in docs if "table" in str(d.metadata["element_types"])]
    # one header row names the columns of every part (the sheet's title lines lead the
    # first part only: the whole header would take over a third of each part)
    assert len({d.page_content.split("|---")[0].splitlines()[-1] for d in tables}) == 1
    assert tables[-1].metadata["page_end"] == 4


def test_footnotes_are_their_own_type_after_the_body() -> None:
    pages = pages_of("us-017.pdf")
    page = pages[1]["blocks"]
    assert page[-1]["type"] == "footnote"
    notes = [b["content"] for b in page if b["type"] == "footnote"]  # each a block of its own
    assert [n.split()[0] for n in notes] == ["1", "NOTE:", "SOURCE:"]
    assert notes[0].startswith("1 Includes private nursery")
    assert pages[3]["blocks"][-1]["type"] == "footnote"  # "NOTE: PK=prekindergarten..."


def test_a_sentence_across_a_page_break_is_one_chunk(emulator: Emulator) -> None:
    """multi-column.pdf: paragraphs run from page 3 to 4 ("B − 1 | negative passages")
    and from page 8 to 9 (1-based); the references run on from page 9 to 10."""
    flagged = pages_of("multi-column.pdf", text_cross_page=True)
    assert [p["page_num"] for p in flagged if p["merge_content_from_pre_page"]] == [3, 8, 9]
    docs = SoMarkLoader(
        EXAMPLES / "multi-column.pdf", base_url=emulator.base_url, api_key=KEY
    ).load()
    joined = [d for d in docs if "BM25 have been used as the standard" in d.page_content]
    assert len(joined) == 1
    assert joined[0].metadata["page_number"] == 8 and joined[0].metadata["page_end"] == 9


# --- long Word files ------------------------------------------------------------------


def long_word_file(path: Path, chapters: int = 4, sections: int = 3) -> Path:
    """A Word handbook of about 60 estimated pages: chapters (Heading 1) of sections
    (Heading 2) of numbered paragraphs, a table and a picture-free style set."""
    import docx

    document = docx.Document()
    document.add_heading("Staff handbook", level=0)
    for c in range(1, chapters + 1):
        document.add_heading(f"Chapter {c}", level=1)
        for s in range(1, sections + 1):
            document.add_heading(f"Section {c}.{s}", level=2)
            for n in range(1, 31):
                document.add_paragraph(f"Rule {c}.{s}.{n}: " + "every clause is kept once. " * 16)
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Chapter", "Rules"
        table.cell(1, 0).text, table.cell(1, 1).text = str(c), str(sections * 30)
    document.save(str(path))
    return path


def test_a_word_file_over_the_page_limit_is_split_at_headings_and_merged(
    tmp_path: Path,
) -> None:
    from somark_loaders.files.pdfs import count_pages
    from somark_loaders.files.wordsplit import body_blocks, plan_word_parts

    source = long_word_file(tmp_path / "handbook.docx")
    pages = count_pages(source, source.name)
    assert pages is not None and pages > 40
    spans = plan_word_parts(source, source.name, pages, 25)
    assert len(spans) >= 2
    import zipfile

    _, _, blocks = body_blocks(zipfile.ZipFile(source).read("word/document.xml"))
    flow = [b for b in blocks if b.tag != b"w:sectPr"]
    cuts = [flow[start].heading for start, _ in spans[1:]]
    assert None not in cuts and 1 in cuts  # before headings, chapters where near enough
    with Emulator(max_pages=30) as emulator:
        loader = SoMarkLoader(
            source, base_url=emulator.base_url, api_key=KEY, pages_per_part=25, chunk_size=800
        )
        docs = loader.load()
        names = [f.filename for r in emulator.requests_to("/parse/async") for f in r.files]
    assert loader.last_report is not None and loader.last_report.files[0].status == "loaded"
    assert len(names) == len(spans) and all(".b0" in n for n in names)
    text = "\n".join(d.page_content for d in docs)
    for rule in ("Rule 1.1.1:", "Rule 2.3.30:", "Rule 4.3.30:"):
        assert text.count(rule) == 1  # every paragraph once, none lost at a cut
    assert all(text.count(f"Rule {c}.2.15:") == 1 for c in range(1, 5))
    starts = [int(d.metadata["page_number"]) for d in docs]
    assert starts == sorted(starts) and starts[-1] > 25  # pages follow across the parts
    last = next(d for d in docs if "Rule 4.3.30:" in d.page_content)
    assert str(last.metadata["heading_path"]).endswith("Chapter 4 > Section 4.3")


def test_a_scanned_book_page_is_read_offline() -> None:
    """c02-22.pdf: an image-only page (a drop cap and an illustration in the text), read
    at 300 DPI: at 150 its heading read ``Chabter`` and the apostrophes were lost."""
    pages = pages_of("c02-22.pdf")
    text = " ".join(b["content"] for b in pages[0]["blocks"] if b["type"] == "text")
    assert "tip-toeing along a path amongst" in text
    assert "Who dah?" in text and "widow’s garden" in text
    assert pages[0]["blocks"][0]["content"] == "Chapter II."
    width, height = pages[0]["page_size"]["w"], pages[0]["page_size"]["h"]
    assert all(  # boxes in the page's frame (150 DPI), not the finer reading's
        0 <= b["bbox"][0] < b["bbox"][2] <= width and 0 <= b["bbox"][1] < b["bbox"][3] <= height
        for b in pages[0]["blocks"]
    )


def test_a_scanned_letter_reads_its_small_type_word_by_word() -> None:
    """sample_with_rotation_mismatch.pdf: a typed letter scanned at low resolution; read
    at 150 DPI its letterhead ran together (``SAPORSLANE.BOOLE``) and words broke."""
    pages = pages_of("sample_with_rotation_mismatch.pdf")
    text = " ".join(b["content"] for b in pages[0]["blocks"])
    assert "SAPORS LANE" in text
    assert "In facsimile a photocell is caused to perform a raster scan" in text


def test_a_scanned_poster_is_read_at_the_resolution_of_its_boxes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page too large to render at 300 DPI (over ``OCR_MAX_PIXELS``) is read at 150."""
    from somark_loaders.emulator import pdf

    monkeypatch.setattr(pdf, "OCR_MAX_PIXELS", 1)
    pages = pages_of("c02-22.pdf")
    text = " ".join(b["content"] for b in pages[0]["blocks"] if b["type"] == "text")
    assert "tip-toeing along a path amongst" in text
    width = pages[0]["page_size"]["w"]
    assert max(b["bbox"][2] for b in pages[0]["blocks"]) <= width
