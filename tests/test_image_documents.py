"""Figures as image documents (issue 23, ``include_images``): one chunk per figure, stamp,
chemical structure and QR code block whose picture was kept, in every mode, and what
LangChain, LlamaIndex and Ray make of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from somark_loaders import ConfigurationError, ParseResult, SoMarkClient, to_chunks
from somark_loaders.convert import MODES, Chunk, KeptImage
from somark_loaders.convert.chunking import token_counter
from somark_loaders.emulator import Emulator

from .conftest import KEY
from .fixtures import HTTP_TIMEOUT, H, W, block, page, paper, pdf_with_picture

FIGURE = "https://img.example/f1.png"  # the paper's figure, captioned and described
CS = "https://img.example/cs.png"  # its chemical structure without text, on page 2
BENZENE = "https://img.example/b.png"  # its described chemical structure, on page 3
PATH_2 = "Dense Passage Retrieval > 2 Background > 2.1 Retrieval units"


def picture(folder: Path, name: str, size: tuple[int, int] = (40, 30)) -> KeptImage:
    """A small PNG written to ``folder``, as the image store would keep it."""
    path = folder / name
    Image.new("RGB", size, "navy").save(path)
    return KeptImage(path=str(path), mime_type="image/png", width=size[0], height=size[1])


def kept(folder: Path, *urls: str) -> dict[str, KeptImage]:
    return {url: picture(folder, f"{n}.png") for n, url in enumerate(urls)}


def images_of(chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in chunks if ":image:" in c.id]


def box(y: int, page_number: int) -> list[float]:
    """The fixture blocks' box (x 100..1100, 40 px high) as page fractions."""
    return [
        page_number,
        round(100 / W, 4),
        round(y / H, 4),
        round(1100 / W, 4),
        round((y + 40) / H, 4),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_adds_one_image_document_per_kept_picture_after_the_text(
    mode: str, tmp_path: Path
) -> None:
    images = kept(tmp_path, FIGURE, BENZENE)  # the bare chemical structure's was not kept
    chunks = to_chunks(paper(), mode, include_images=True, images=images)  # type: ignore[arg-type]
    text = to_chunks(paper(), mode)  # type: ignore[arg-type]
    doc = text[0].metadata["doc_id"]
    assert chunks[: len(text)] == text  # the text chunks are as without images
    found = chunks[len(text) :]
    # n counts every image block in reading order: the missing picture shifts no id
    assert [c.id for c in found] == [f"{doc}:image:0", f"{doc}:image:2"]
    assert [c.metadata["chunk_index"] for c in found] == [len(text), len(text) + 1]
    assert all(c.prev_id is None and c.next_id is None for c in found)
    assert text[-1].next_id is None  # not in the text chunks' chain
    assert [c.metadata["mode"] for c in found] == [mode, mode]
    holders = [next(t for t in text if t.id == c.metadata["chunk_id"]) for c in found]
    if mode == "document":
        assert [c.parent_id for c in found] == [f"{doc}:document:0"] * 2
    else:  # the parent of the text chunk it sits in: its section, or the document
        assert [c.parent_id for c in found] == [h.parent_id for h in holders]
        assert all(c.parent_id for c in found)
    if mode in ("chunk", "element"):
        assert all(":section:" in str(c.parent_id) for c in found)


@pytest.mark.parametrize("mode", MODES)
def test_a_captioned_figure_reads_as_its_caption_and_description_and_points_at_its_chunk(
    mode: str, tmp_path: Path
) -> None:
    chunks = to_chunks(paper(), mode, include_images=True, images=kept(tmp_path, FIGURE, BENZENE))  # type: ignore[arg-type]
    figure, benzene = images_of(chunks)
    assert figure.text == "Figure 1: Retrieval accuracy.\nA plot of accuracy against k."
    assert figure.metadata["element_types"] == "figure,figure_caption"
    assert benzene.text == "Benzene ring"
    by_id = {c.id: c for c in chunks}
    # chunk_id: the text chunk that holds the figure's caption and description
    assert figure.text in by_id[str(figure.metadata["chunk_id"])].text
    assert "Benzene ring" in by_id[str(benzene.metadata["chunk_id"])].text
    assert ":image:" not in str(figure.metadata["chunk_id"])


def test_the_metadata_of_an_image_document(tmp_path: Path) -> None:
    images = kept(tmp_path, FIGURE)
    chunks = to_chunks(
        paper(),
        "chunk",
        source="papers/dpr.pdf",
        doc_id="d" * 64,
        include_images=True,
        images=images,
    )
    (figure,) = images_of(chunks)
    meta = figure.metadata
    assert figure.id == f"{'d' * 64}:image:0"
    assert {k: meta[k] for k in ("source", "file_name", "task_id", "doc_id", "mode")} == {
        "source": "papers/dpr.pdf",
        "file_name": "dpr.pdf",
        "task_id": "0123456789abcdef0123456789abcdef",
        "doc_id": "d" * 64,
        "mode": "chunk",
    }
    assert (meta["page_number"], meta["page_end"]) == (2, 2)
    assert meta["heading_path"] == PATH_2
    assert meta["element_type"] == "figure"
    assert meta["token_count"] == token_counter(None)(figure.text)  # the default tokenizer
    assert meta["image_path"] == str(tmp_path / "0.png")
    assert (meta["image_mime_type"], meta["image_width"], meta["image_height"]) == (
        "image/png",
        40,
        30,
    )
    # the figure's box, then its caption's (below it), as page fractions
    assert json.loads(str(meta["boxes"])) == [box(600, 2), box(900, 2)]
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    with Image.open(str(meta["image_path"])) as opened:
        assert opened.size == (40, 30)


def _bare_pictures() -> ParseResult:
    """A stamp before any text, a QR code under a heading, both without text."""
    blocks = [
        block(0, "stamp", "", 40, img_url="https://img.example/stamp.png"),
        block(1, "title", "Intro", 100, title_level=1),
        block(2, "text", "Scan the code to pay.", 160),
        block(3, "qrcode", "", 220, img_url="https://img.example/qr.png"),
    ]
    data = {
        "task_id": "t1",
        "result": {"file_name": "bill.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
        "metadata": {"page_num": 1, "file_type": ".pdf"},
    }
    return ParseResult.from_data(data)


@pytest.mark.parametrize("mode", MODES)
def test_a_picture_without_text_is_named_by_its_type_page_and_heading_path(
    mode: str, tmp_path: Path
) -> None:
    images = kept(tmp_path, "https://img.example/stamp.png", "https://img.example/qr.png", CS)
    stamp, qr = images_of(to_chunks(_bare_pictures(), mode, include_images=True, images=images))  # type: ignore[arg-type]
    assert (stamp.text, stamp.metadata["heading_path"]) == ("Stamp on page 1", "")
    assert (qr.text, qr.metadata["heading_path"]) == ("QR code on page 1 (Intro)", "Intro")
    assert (stamp.metadata["element_type"], qr.metadata["element_type"]) == ("stamp", "qrcode")
    text = to_chunks(_bare_pictures(), mode)  # type: ignore[arg-type]
    # no text chunk before the stamp: the first after it; the QR code: the last before it
    assert stamp.metadata["chunk_id"] == text[0].id
    assert qr.metadata["chunk_id"] == next(t.id for t in text if "Scan the code" in t.text)
    paper_chunks = to_chunks(paper(), mode, include_images=True, images=images)  # type: ignore[arg-type]
    (cs,) = images_of(paper_chunks)
    assert cs.text == f"Chemical structure on page 2 ({PATH_2})"
    holder = next(c for c in paper_chunks if c.id == cs.metadata["chunk_id"])
    assert "Figure 1: Retrieval accuracy." in holder.text  # the block before it in reading order


@pytest.mark.parametrize("mode", MODES)
def test_a_file_of_pictures_only_gives_image_documents_of_the_document(
    mode: str, tmp_path: Path
) -> None:
    url = "https://img.example/scan.png"
    data = {
        "task_id": "t2",
        "result": {
            "file_name": "scan.png",
            "outputs": {"json": {"pages": [page(0, [block(0, "figure", "", 0, img_url=url)])]}},
        },
        "metadata": {"page_num": 1, "file_type": ".png"},
    }
    result = ParseResult.from_data(data)
    assert to_chunks(result, mode) == []  # type: ignore[arg-type]
    (only,) = to_chunks(result, mode, include_images=True, images=kept(tmp_path, url))  # type: ignore[arg-type]
    doc = only.metadata["doc_id"]
    assert (only.id, only.text, only.parent_id) == (
        f"{doc}:image:0",
        "Figure on page 1",
        f"{doc}:document:0",
    )
    assert "chunk_id" not in only.metadata and only.metadata["chunk_index"] == 0


def test_ids_are_stable_and_only_kept_pictures_of_included_types_become_documents(
    tmp_path: Path,
) -> None:
    images = kept(tmp_path, FIGURE, CS, BENZENE)
    first = to_chunks(paper(), "chunk", include_images=True, images=images)
    again = to_chunks(paper(), "chunk", include_images=True, images=images)
    assert first == again
    assert [c.id.rsplit(":", 2)[1:] for c in images_of(first)] == [
        ["image", "0"],
        ["image", "1"],
        ["image", "2"],
    ]
    only_benzene = to_chunks(paper(), "chunk", include_images=True, images=kept(tmp_path, BENZENE))
    assert [c.id for c in images_of(only_benzene)] == [images_of(first)[2].id]
    assert images_of(to_chunks(paper(), "chunk", include_images=True, images={})) == []
    no_figures = to_chunks(
        paper(), "chunk", include_images=True, images=images, exclude_types=["figure"]
    )
    assert [c.metadata["element_type"] for c in images_of(no_figures)] == ["cs", "cs"]
    # without include_images the pictures change nothing
    assert to_chunks(paper(), "chunk", images=images) == to_chunks(paper(), "chunk")
    with pytest.raises(ConfigurationError, match="images="):
        to_chunks(paper(), "chunk", include_images=True)


def test_langchain_documents_of_image_chunks(tmp_path: Path) -> None:
    from somark_loaders.langchain import to_document

    chunks = to_chunks(paper(), "section", include_images=True, images=kept(tmp_path, FIGURE))
    (figure,) = images_of(chunks)
    document = to_document(figure)
    assert document.id == figure.id
    assert document.page_content == "Figure 1: Retrieval accuracy.\nA plot of accuracy against k."
    assert document.metadata == figure.metadata
    with Image.open(document.metadata["image_path"]) as opened:
        opened.load()


def test_llamaindex_image_documents_become_image_nodes_with_their_parent(tmp_path: Path) -> None:
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import (
        Document,
        ImageDocument,
        ImageNode,
        MetadataMode,
        NodeRelationship,
    )

    from somark_loaders.llama_index import to_llama_document

    chunks = to_chunks(paper(), "chunk", include_images=True, images=kept(tmp_path, FIGURE))
    (figure,) = images_of(chunks)
    document = to_llama_document(figure, {"file_path": "/data/dpr.pdf"})
    assert isinstance(document, ImageDocument) and isinstance(document, Document)
    assert document.id_ == figure.id
    assert document.image_path == str(tmp_path / "0.png")
    assert document.image_mimetype == "image/png"
    assert document.text == figure.text
    assert document.metadata["page_label"] == "2"
    assert set(document.relationships) == {NodeRelationship.PARENT}
    parent = document.relationships[NodeRelationship.PARENT]
    assert not isinstance(parent, list) and parent.node_id == figure.parent_id
    for mode in (MetadataMode.EMBED, MetadataMode.LLM):
        shown = document.get_content(metadata_mode=mode)
        assert "Figure 1: Retrieval accuracy." in shown and PATH_2 in shown
        assert str(tmp_path) not in shown and "image_width" not in shown
        assert figure.metadata["chunk_id"] not in shown
    text_document = to_llama_document(chunks[0])
    assert not isinstance(text_document, ImageDocument)
    nodes = SentenceSplitter().get_nodes_from_documents([document, text_document])
    image_nodes = [n for n in nodes if isinstance(n, ImageNode)]
    assert [n.image_path for n in image_nodes] == [document.image_path]
    with Image.open(str(image_nodes[0].image_path)) as opened:
        assert opened.size == (40, 30)


def test_ray_rows_carry_the_image_fields(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    import pyarrow as pa
    from llama_index.core.schema import ImageDocument

    from somark_loaders.ray import CHUNK_SCHEMA, _chunk_row, to_documents, to_llama_documents

    chunks = to_chunks(paper(), "page", include_images=True, images=kept(tmp_path, FIGURE))
    rows = pa.Table.from_pylist([_chunk_row(c) for c in chunks], schema=CHUNK_SCHEMA)
    assert rows.column("image_width").to_pylist() == [None] * (len(chunks) - 1) + [40]
    documents = to_documents(rows)

    def same(metadata: dict[str, Any]) -> dict[str, Any]:  # "boxes" is the boxes column's
        return {k: v for k, v in metadata.items() if k != "boxes"}

    assert [(d.id, d.page_content, same(d.metadata)) for d in documents] == [
        (c.id, c.text, same(c.metadata)) for c in chunks
    ]
    last = to_llama_documents(rows)[-1]
    assert isinstance(last, ImageDocument) and last.image_path == str(tmp_path / "0.png")
    assert last.metadata["chunk_id"] == chunks[-1].metadata["chunk_id"]


def _pdf_with_figure(path: Path) -> None:
    """One page: a paragraph, a picture and its caption under it (text layer)."""
    drawing = Image.new("RGB", (300, 200), "white")
    drawing.paste((200, 30, 30), (40, 40, 260, 160))
    text = (
        b"BT /F1 12 Tf 72 740 Td (The depot keeps stock of spare parts for the fleet.) Tj ET\n"
        b"BT /F1 11 Tf 72 460 Td (Figure 1: Stock levels per quarter.) Tj ET\n"
        b"BT /F1 12 Tf 72 400 Td (Levels fell in the third quarter and recovered.) Tj ET"
    )
    pdf_with_picture(path, drawing, (72, 480), text)


def _keep(url: str, folder: Path) -> KeptImage:
    """What the image store does, in short: fetch the picture and write it."""
    answer = httpx.get(url, timeout=HTTP_TIMEOUT)
    answer.raise_for_status()
    path = folder / "figure.png"
    path.write_bytes(answer.content)
    with Image.open(path) as opened:
        return KeptImage(str(path), "image/png", opened.width, opened.height)


@pytest.mark.parametrize("mode", ["chunk", "element"])
def test_a_figure_of_a_pdf_parsed_by_the_emulator(
    mode: str, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "depot.pdf"
    _pdf_with_figure(path)
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        result = client.parse(path)
    figures = [b for p in result.pages for b in p.blocks if b.type == "figure"]
    assert len(figures) == 1 and figures[0].img_url.startswith("http://127.0.0.1")
    images = {figures[0].img_url: _keep(figures[0].img_url, tmp_path)}
    chunks = to_chunks(result, mode, include_images=True, images=images)  # type: ignore[arg-type]
    (figure,) = images_of(chunks)
    assert figure.text.startswith("Figure 1: Stock levels per quarter.")
    holder = next(c for c in chunks if c.id == figure.metadata["chunk_id"])
    assert "Figure 1: Stock levels per quarter." in holder.text
    boxes = json.loads(str(figure.metadata["boxes"]))
    assert len(boxes) == 2 and boxes[0][0] == 1  # the picture, then its caption under it
    assert boxes[0][2] < boxes[1][2]
    # the picture sits at x 72..372 pt, y 112..312 pt from the top of a 612 x 792 pt page
    assert boxes[0][1:] == pytest.approx([72 / 612, 112 / 792, 372 / 612, 312 / 792], abs=0.02)
    with Image.open(str(figure.metadata["image_path"])) as opened:
        assert opened.size == (figure.metadata["image_width"], figure.metadata["image_height"])
        assert opened.width > 100
