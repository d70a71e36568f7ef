"""Where every unit's text sits on its pages: the ``boxes`` metadata key (issue 23).

One box per source block in reading order (a caption folded into its table or figure
adds its own), the parts of a paragraph or table joined across pages all there, a table
split by rows getting its rows' bands, global page numbers in split files; kept through
``load_and_split``, out of LlamaIndex's embedding and LLM text, a Ray column.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import ParseResult, SoMarkClient, to_chunks
from somark_loaders.convert import MODES, Chunk
from somark_loaders.convert._boxes import Box, block_box, boxes_json, parse_boxes
from somark_loaders.emulator import Emulator
from somark_loaders.files.pdfs import Part, merge_part_data
from somark_loaders.models import Block, ElementType, Page

from .conftest import KEY, ONE_PAGE_PDF
from .fixtures import FAST, H, W, block, loader, page, paper

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)


def boxes(chunk: Chunk) -> list[Box]:
    assert isinstance(chunk.metadata["boxes"], str)
    return parse_boxes(chunk.metadata["boxes"])


def frac(page_number: int, x0: float, y0: float, x1: float, y1: float) -> Box:
    """A box of the fixtures' pixel page (W x H) as page fractions."""
    return (page_number, round(x0 / W, 4), round(y0 / H, 4), round(x1 / W, 4), round(y1 / H, 4))


def of(raw: dict[str, Any], page_number: int) -> Box:
    """The box of a fixture block (its ``bbox``) on page ``page_number`` (1-based)."""
    return frac(page_number, *raw["bbox"])


def result_of(pages: list[dict[str, Any]]) -> ParseResult:
    return ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": "x.pdf", "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        }
    )


def all_block_boxes(result: ParseResult) -> set[Box]:
    return {b for p in result.pages for k in p.blocks if (b := block_box(k, p)) is not None}


def inside(box: Box, outer: Box) -> bool:
    return (
        box[0] == outer[0]
        and box[1] == outer[1]
        and box[3] == outer[3]
        and (outer[2] <= box[2] <= box[4] <= outer[4])
    )


@pytest.mark.parametrize("mode", MODES)
def test_every_unit_of_every_mode_has_its_blocks_boxes_on_its_pages(mode: str) -> None:
    result = paper()
    known = all_block_boxes(result)
    chunks = to_chunks(result, mode, chunk_size=60)  # type: ignore[arg-type]
    for chunk in chunks:
        found = boxes(chunk)
        assert found, chunk.text
        pages = [b[0] for b in found]
        assert min(pages) == chunk.metadata["page_number"]
        assert max(pages) == chunk.metadata["page_end"]
        for box in found:
            assert all(0 <= v <= 1 for v in box[1:]) and box[1] <= box[3] and box[2] <= box[4]
            # a block's box, or a band of a table's (a part of a table split by rows)
            assert box in known or any(inside(box, k) for k in known), (box, chunk.text)
    if mode == "document":
        # every block that made text is there once, in reading order within its page
        kept = [
            (p.page_num + 1, k.idx, block_box(k, p))
            for p in result.pages
            for k in p.blocks
            if k.element_type not in {ElementType.HEADER, ElementType.FOOTER, ElementType.BLANK}
            and k.content.strip()
        ]
        (chunk,) = chunks
        assert sorted(boxes(chunk)) == sorted(b for *_, b in kept)
        assert len(set(boxes(chunk))) == len(boxes(chunk))


def test_a_caption_adds_its_box_in_reading_order() -> None:
    rows = "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
    raw = [
        block(1, "table", rows, 100, captions=[3]),  # its caption named by id, read later
        block(2, "text", "Prose between the table and its caption.", 300),
        block(3, "table_caption", "Table 4: Named by the captions field.", 400),
        block(4, "figure", "A chart.", 600, captions=["Figure 9: given as a string."]),
        # a caption read above its table, three blocks before it (found by position)
        block(5, "table_caption", "Table 5: Above its table.", 900),
        block(
            6,
            "text",
            "Left column prose, read before the table.",
            1000,
            bbox=[100, 1000, 500, 1040],
        ),
        block(7, "text", "More left column prose.", 1100, bbox=[100, 1100, 500, 1140]),
        block(8, "table", rows, 950),
    ]
    chunks = to_chunks(result_of([page(0, raw)]), "element")
    by_text = {c.text.split("\n")[0]: boxes(c) for c in chunks}
    assert by_text["Table 4: Named by the captions field."] == [of(raw[0], 1), of(raw[2], 1)]
    assert by_text["Figure 9: given as a string."] == [of(raw[3], 1)]  # a text caption: no box
    assert by_text["Table 5: Above its table."] == [of(raw[4], 1), of(raw[7], 1)]
    # the paper: a table's caption above it, a figure's below
    element = to_chunks(paper(), "element")
    table = next(c for c in element if c.text.startswith("Table 1: Top-20 accuracy."))
    figure = next(c for c in element if c.text.startswith("Figure 1: Retrieval accuracy."))
    assert [b[2] for b in boxes(table)] == [round(280 / H, 4), round(320 / H, 4)]
    assert [b[2] for b in boxes(figure)] == [round(600 / H, 4), round(900 / H, 4)]


def test_a_paragraph_joined_across_a_page_break_has_the_boxes_of_both_parts() -> None:
    chunks = to_chunks(paper(), "element")
    joined = next(c for c in chunks if "practically implemented using dense" in c.text)
    assert joined.metadata["page_number"] == 1 and joined.metadata["page_end"] == 2
    assert boxes(joined) == [frac(1, 100, 420, 1100, 460), frac(2, 100, 80, 1100, 120)]
    # not joined: each part has its own
    apart = to_chunks(paper(), "element", merge_cross_page=False)
    assert [boxes(c) for c in apart if "practically imple" in c.text] == [
        [frac(1, 100, 420, 1100, 460)]
    ]


def _years(first: int, count: int, header: bool) -> str:
    head = "<tr><th>Year</th><th>Revenue</th></tr>" if header else ""
    body = "".join(
        f"<tr><td>{y}</td><td>{y - 1990}.5</td></tr>" for y in range(first, first + count)
    )
    return f"<table>{head}{body}</table>"


def _split_file() -> ParseResult:
    """A file parsed in two parts (pages 1-2 and 3-4): a table at the foot of page 2 (its
    caption above it, a header and 10 rows) goes on at the top of page 3, the first page
    of the second part, with its header again and 8 more rows."""
    caption = block(1, "table_caption", "Table 3: Revenue by year.", 1000)
    first = block(2, "table", _years(2000, 10, header=True), 0, bbox=[100, 1050, 1100, 1650])
    rest = block(0, "table", _years(2010, 8, header=True), 0, bbox=[100, 100, 1100, 1000])
    text = lambda i, y, words: block(i, "text", words, y)  # noqa: E731

    def data(pages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "task_id": "t",
            "status": "SUCCESS",
            "metadata": {"page_num": 2, "file_type": ".pdf"},
            "result": {"outputs": {"json": {"pages": pages}}},
        }

    one = data([page(0, [text(0, 100, "Opening words.")]), page(1, [caption, first])])
    two = data([page(0, [rest, text(1, 1100, "Closing words.")]), page(1, [text(0, 100, "End.")])])
    merged = merge_part_data([(Part(0, 2), one), (Part(2, 4), two)], "report.pdf")
    return ParseResult.from_data(merged)


def test_a_table_continued_into_the_next_part_of_a_split_file_is_merged_and_split_by_rows() -> None:
    result = _split_file()
    caption, top, bottom = (
        frac(2, 100, 1000, 1100, 1040),
        frac(2, 100, 1050, 1100, 1650),
        frac(3, 100, 100, 1100, 1000),
    )
    (table,) = [c for c in to_chunks(result, "element") if "table_html" in c.metadata]
    assert (table.metadata["page_number"], table.metadata["page_end"]) == (2, 3)  # global
    assert boxes(table) == [caption, top, bottom]  # both parts, on global pages
    assert "2017" in table.text and "2000" in table.text

    chunks = to_chunks(result, "chunk", chunk_size=40, min_chunk_tokens=0)
    pieces = [c for c in chunks if "table_html" in c.metadata]
    assert len(pieces) > 3
    bands: dict[int, list[tuple[float, float]]] = {2: [], 3: []}
    for piece in pieces:
        found = boxes(piece)
        years = [int(y) for y in re.findall(r"^\| (\d{4}) ", piece.text, re.MULTILINE)]
        on = {2: [y for y in years if y < 2010], 3: [y for y in years if y >= 2010]}
        pages = sorted(p for p in on if on[p])
        assert (piece.metadata["page_number"], piece.metadata["page_end"]) == (pages[0], pages[-1])
        assert [b for b in found if b[0] not in pages] == []  # nothing off its pages
        assert (caption in found) == (2 in pages)  # the caption with the rows of its page
        for number, whole, rows_before, rows in ((2, top, 1, 11), (3, bottom, 1, 9)):
            band = [b for b in found if b != caption and b[0] == number]
            if not on[number]:
                assert band == []
                continue
            (box,) = band
            assert inside(box, whole)
            # the rows' share of the table's box: rows weighted equally, the header (a part
            # repeats it) at the top, going with the first rows under it
            first = on[number][0] - (2000 if number == 2 else 2010) + rows_before
            last = on[number][-1] - (2000 if number == 2 else 2010) + rows_before + 1
            height = whole[4] - whole[2]
            start = 0 if first == rows_before else first / rows
            assert box[2] == pytest.approx(whole[2] + height * start, abs=1e-4)
            assert box[4] == pytest.approx(whole[2] + height * last / rows, abs=1e-4)
            bands[number].append((box[2], box[4]))
    for number, whole in ((2, top), (3, bottom)):  # the bands tile the table's box
        spans = sorted(bands[number])
        assert spans[0][0] == whole[2] and spans[-1][1] == whole[4]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def _row_bands(rows: list[str], bbox: list[int], chunk_size: int) -> list[tuple[list[str], Box]]:
    """A table of ``rows`` (``<tr>`` markup, the first a header) alone on a page in
    ``bbox``, split by rows: each part's first cells, and its band of the table's box."""
    table = block(1, "table", f"<table>{''.join(rows)}</table>", 0, bbox=bbox)
    chunks = to_chunks(result_of([page(0, [table])]), "chunk", chunk_size=chunk_size)
    parts = [c for c in chunks if "table_html" in c.metadata]
    assert len(parts) > 2
    out: list[tuple[list[str], Box]] = []
    for part in parts:
        (band,) = boxes(part)
        assert inside(band, frac(1, *bbox))
        # a row too long for a part under the header is cut into its labelled cells
        names = re.findall(r"^(?:\| |Row: )(r\d+|Group)\b", part.text, re.MULTILINE)
        if out and not names and band == out[-1][1]:
            continue  # a later piece of the same row: the same band
        out.append((names, band))
    spans = [(band[2], band[4]) for _, band in out]  # the bands tile the table's box
    assert spans[0][0] == frac(1, *bbox)[2] and spans[-1][1] == frac(1, *bbox)[4]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    return out


def test_a_row_of_many_lines_gets_a_band_as_tall_as_its_lines() -> None:
    # a header and 10 rows of one line, but row 3: eight lines (line breaks in a cell)
    lines = {3: 8}
    rows = ["<tr><th>Row</th><th>Notes</th></tr>"] + [
        f"<tr><td>r{i}</td><td>{'<br>'.join(f'note {j}' for j in range(lines.get(i, 1)))}</td></tr>"
        for i in range(10)
    ]
    parts = _row_bands(rows, [100, 200, 1100, 1400], chunk_size=40)
    top, height = frac(1, 0, 200, 0, 0)[2], frac(1, 0, 0, 0, 1200)[4]
    heights = [1] + [lines.get(i, 1) for i in range(10)]  # the header first
    done = 0
    for names, band in parts:
        count = len(names)
        # a row is as tall as its lines plus a padding of up to a line (not 1/11 each)
        for end, row in ((band[2], 1 + done), (band[4], 1 + done + count)):  # edges
            if end in (top, round(top + height, 4)):
                continue
            no_padding = sum(heights[:row]) / sum(heights)
            a_line = (sum(heights[:row]) + row) / (sum(heights) + len(heights))
            assert min(no_padding, a_line) - 1e-4 <= (end - top) / height
            assert (end - top) / height <= max(no_padding, a_line) + 1e-4, (names, band)
        done += count


def test_a_row_whose_long_text_wraps_gets_a_band_as_tall_as_its_wrapped_lines() -> None:
    # a header, a title row across both columns, and 10 rows of a short note but one, of
    # 400 characters: a column of 100 characters at most (the box's width at the size its
    # rows fill its height) wraps it to 5 lines; the title row is one line, as wide as
    # the table
    words = "a long note that wraps in its column " * 11
    rows = [
        "<tr><th>Row</th><th>Notes</th></tr>",
        f'<tr><td colspan="2">{"Group title " * 5}</td></tr>',
        *(f"<tr><td>r{i}</td><td>{words if i == 4 else 'short'}</td></tr>" for i in range(10)),
    ]
    parts = _row_bands(rows, [100, 200, 1100, 710], chunk_size=30)
    one_line = [(b[4] - b[2]) / len(names) for names, b in parts if names[0] not in ("r4", "Group")]
    (long,) = [b[4] - b[2] for names, b in parts if names == ["r4"]]
    assert len(one_line) > 2 and all(h == pytest.approx(one_line[0], abs=2e-4) for h in one_line)
    # five lines and a padding against one line and the same padding (0.2 to 1 line)
    assert (5 + 1) / (1 + 1) - 0.1 <= long / one_line[0] <= (5 + 0.2) / (1 + 0.2) + 0.1
    (title,) = [b[4] - b[2] for names, b in parts if names == ["Group"]]
    assert title == pytest.approx(2 * one_line[0], abs=2e-4)  # the header's band with it


def test_a_cell_over_two_rows_shares_its_lines_between_them() -> None:
    from somark_loaders.convert._row_heights import row_weights

    rows = (("Head", "Note"), ("a\nb\nc\nd", "x"), ("a\nb\nc\nd", "y"), ("z", "w"))
    owners = {(2, 0): (1, 0)}  # the four lines of (1, 0) cover (2, 0) too
    weights = row_weights(rows, owners, range(4), 1000, 400)
    assert weights[0] == weights[3]
    assert weights[1] == weights[2] == pytest.approx(weights[0] + 1)  # two lines each
    # the same rows not merged: four lines each
    apart = row_weights(rows, {}, range(4), 1000, 400)
    assert apart[1] == apart[2] == pytest.approx(apart[0] + 3)


@pytest.mark.parametrize("mode", MODES)
def test_blocks_without_a_bbox_give_an_empty_list(mode: str) -> None:
    raw = [block(1, "title", "Notes", 0, title_level=1), block(2, "text", "No boxes here.", 0)]
    for item in raw:
        item["bbox"] = None
    for chunk in to_chunks(result_of([page(0, raw)]), mode):  # type: ignore[arg-type]
        assert chunk.metadata["boxes"] == "[]"


def _column(box: Box) -> str:
    return "left" if box[3] <= 0.52 else "right" if box[1] >= 0.48 else "both"


@pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared corpus is not beside the repo ({CORPUS})"
)
def test_a_two_column_paper_every_chunk_points_at_its_blocks(emulator: Emulator) -> None:
    """multi-column.pdf (13 pages, two columns) parsed by the emulator over HTTP: every
    block whose text is in a chunk has its box there, every box is on the chunk's pages,
    and a chunk whose text comes from one column has its boxes in that column."""
    features = {
        "enable_title_level_recognition": True,
        "enable_table_cross_page": True,
        "enable_text_cross_page": True,
    }
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, **FAST) as client:
        result = client.parse(CORPUS / "multi-column.pdf", {"feature_config": features})
    texts = [
        (box, k.content.strip())
        for p in result.pages
        for k in p.blocks
        if k.element_type in {ElementType.TEXT, ElementType.TITLE}
        and len(k.content.strip()) > 10
        and (box := block_box(k, p)) is not None
    ]
    once = Counter(text for _, text in texts)  # two tables' same header line: in one chunk each
    texts = [(box, text) for box, text in texts if once[text] == 1]
    known = all_block_boxes(result)
    one_column = 0
    for mode, size in (("chunk", 256), ("chunk", 1024), ("element", 512), ("page", 512)):
        chunks = to_chunks(result, mode, chunk_size=size)  # type: ignore[arg-type]
        assert len(chunks) >= 13
        for chunk in chunks:
            found = boxes(chunk)
            first, last = chunk.metadata["page_number"], chunk.metadata["page_end"]
            assert found and all(first <= b[0] <= last for b in found)
            assert all(0 <= v <= 1 for b in found for v in b[1:])
            assert all(b in known or any(inside(b, k) for k in known) for b in found)
            # a long block's text is in one chunk; a short one counts where it is a whole
            # paragraph of the chunk (a table's header line read as text)
            paragraphs = {part.strip() for part in chunk.text.split("\n\n")}
            sources = [
                (box, text)
                for box, text in texts
                if (text in chunk.text and len(text) > 40) or text in paragraphs
            ]
            assert {box for box, _ in sources} <= set(found), chunk.text[:80]
            # a chunk whose text is (nearly all) blocks of one column
            columns = {_column(box) for box, _ in sources}
            covered = sum(len(text) for _, text in sources)
            if len(columns) == 1 and columns != {"both"} and covered > 0.9 * len(chunk.text):
                one_column += 1
                assert {_column(b) for b in found} == columns, chunk.text[:80]
    assert one_column > 60  # the paper's prose is mostly in one column per chunk


def test_load_and_split_pieces_keep_their_documents_boxes(emulator: Emulator) -> None:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    load = loader(ONE_PAGE_PDF, emulator)
    parents = {d.id: d.metadata["boxes"] for d in load.load()}
    assert all(json.loads(b) for b in parents.values())
    pieces = load.load_and_split(RecursiveCharacterTextSplitter(chunk_size=200, chunk_overlap=0))
    assert len(pieces) > len(parents)
    for piece in pieces:
        assert piece.metadata["boxes"] == parents[str(piece.id).rsplit("/", 1)[0]]


def test_llama_index_keeps_boxes_out_of_the_embedding_and_llm_text() -> None:
    from llama_index.core.schema import MetadataMode

    from somark_loaders.llama_index import to_llama_document

    for chunk in to_chunks(paper(), "chunk"):
        node = to_llama_document(chunk)
        assert node.metadata["boxes"] == chunk.metadata["boxes"] != "[]"
        for mode in (MetadataMode.EMBED, MetadataMode.LLM):
            text = node.get_content(metadata_mode=mode)
            assert "boxes" not in text and chunk.metadata["boxes"] not in text
            assert chunk.metadata["heading_path"] in text  # other metadata still shown


def test_ray_rows_carry_the_boxes_column() -> None:
    pytest.importorskip("ray")
    import pyarrow as pa

    from somark_loaders.ray import CHUNK_SCHEMA, _chunk_row, to_documents

    chunks = to_chunks(paper(), "chunk")
    table = pa.Table.from_pylist([_chunk_row(c) for c in chunks], schema=CHUNK_SCHEMA)
    assert table.schema.field("boxes").type == pa.string()
    assert table.column("boxes").to_pylist() == [c.metadata["boxes"] for c in chunks]
    assert [d.metadata["boxes"] for d in to_documents(table)] == [
        c.metadata["boxes"] for c in chunks
    ]


def test_the_fast_box_and_json_equal_their_plain_definitions() -> None:
    """block_box rounds without round() and boxes_json keeps each coordinate's text: the
    same values and the same JSON as the plain definitions, on random and edge inputs."""
    rng = random.Random(23)
    size = {"w": 1241.0, "h": 1754.0}
    plain = lambda v, whole: round(min(max(v / whole, 0.0), 1.0), 4)  # noqa: E731
    edges = [0.0, -3.0, 1241.0, 1754.0, 2000.0, 620.5, 877.0, 0.06205]
    for index in range(5000):
        coords = [rng.choice(edges) if index % 7 == 0 else rng.uniform(-50, 1800) for _ in "abcd"]
        found = block_box(Block(bbox=tuple(coords)), Page(page_num=4, page_size=size))
        x0, x1 = sorted((plain(coords[0], 1241.0), plain(coords[2], 1241.0)))
        y0, y1 = sorted((plain(coords[1], 1754.0), plain(coords[3], 1754.0)))
        assert found == (5, x0, y0, x1, y1), coords
        many = [found, (9, rng.random(), 0.5, 1.0, 0.0)][: 1 + index % 2]
        assert boxes_json(many) == json.dumps([list(b) for b in many], separators=(",", ":"))
