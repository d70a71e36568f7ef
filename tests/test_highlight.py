"""highlight: the pages a retrieved document came from, with its ``boxes`` drawn on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from somark_loaders import ConfigurationError
from somark_loaders.convert import Chunk
from somark_loaders.convert._boxes import Box, boxes_json
from somark_loaders.emulator.samples import write_pdf
from somark_loaders.visualize import HIGHLIGHT, highlight

WHITE = (255, 255, 255)
ORANGE = tuple(int(HIGHLIGHT[i : i + 2], 16) for i in (1, 3, 5))
# an empty region of write_pdf's pages (its text is near the top, from 72 pt at the left)
BOX: Box = (2, 0.3, 0.5, 0.7, 0.6)


def _chunk(*boxes: Box) -> Chunk:
    return Chunk(text="an answer", metadata={"boxes": boxes_json(boxes)}, id="d:chunk:0")


def _at(picture: Any, x: float, y: float) -> tuple[int, int, int]:
    """The pixel at fractions ``x``, ``y`` of the picture."""
    return picture.getpixel((int(x * picture.width), int(y * picture.height)))  # type: ignore[no-any-return]


def _tinted(pixel: tuple[int, int, int]) -> bool:
    """Between the page's white and the highlight colour, clearly neither."""
    return pixel != WHITE and all(
        min(o, 255) <= p <= 255 and (o == 255 or p < 250)
        for p, o in zip(pixel, ORANGE, strict=True)
    )


def test_the_box_is_tinted_on_its_pdf_page_and_the_rest_is_not(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "three.pdf", 3)
    pictures = highlight(_chunk(BOX), pdf)
    assert len(pictures) == 1  # only the page the chunk is on
    page = pictures[0]
    assert page.mode == "RGB"
    assert abs(page.width - 595 * 110 / 72) <= 1  # the default 110 dpi
    assert _tinted(_at(page, 0.5, 0.55)) and _tinted(_at(page, 0.31, 0.51))  # inside
    for x, y in ((0.5, 0.45), (0.5, 0.65), (0.2, 0.55), (0.8, 0.55), (0.5, 0.9)):
        assert _at(page, x, y) == WHITE  # outside the box, the page as it is
    # the outline sits just outside the box's edge, opaque, and covers nothing inside it
    left = int(0.3 * page.width)
    assert page.getpixel((left - 1, int(0.55 * page.height))) == ORANGE
    assert page.getpixel((left + 1, int(0.55 * page.height))) != ORANGE
    # the same page at another resolution, and from bytes
    bigger = highlight(_chunk(BOX), pdf.read_bytes(), dpi=144)[0]
    assert abs(bigger.width - 595 * 2) <= 1 and _tinted(_at(bigger, 0.5, 0.55))


def test_pages_come_in_page_order_and_can_be_chosen(tmp_path: Path) -> None:
    colours = {n: (40 * n, 200, 255 - 40 * n) for n in range(1, 5)}
    pictures = {n: Image.new("RGB", (200, 300), colour) for n, colour in colours.items()}
    chunk = _chunk((3, 0.1, 0.1, 0.5, 0.5), (1, 0.5, 0.5, 0.9, 0.9), (3, 0.6, 0.6, 0.9, 0.9))
    first, third = highlight(chunk, page_images=pictures)  # boxes on pages 3 and 1
    assert _at(first, 0.05, 0.05) == colours[1] and _at(third, 0.05, 0.95) == colours[3]
    assert _at(first, 0.7, 0.7) != colours[1] and _at(first, 0.3, 0.3) == colours[1]
    assert _at(third, 0.3, 0.3) != colours[3] and _at(third, 0.75, 0.75) != colours[3]
    # a chosen page the document is not on comes back as it is; a page of it, drawn
    plain, drawn = highlight(chunk, page_images=lambda n: pictures[n], pages=[3, 2])
    assert _at(plain, 0.3, 0.3) == colours[2] and _at(drawn, 0.3, 0.3) != colours[3]
    with pytest.raises(ConfigurationError, match="no picture of page 4"):
        highlight(chunk, page_images={1: pictures[1]}, pages=[1, 4])
    pdf = write_pdf(tmp_path / "five.pdf", 5)
    assert len(highlight(_chunk(BOX, (5, 0.1, 0.1, 0.2, 0.2)), pdf, pages=[5])) == 1


def test_an_image_file_is_its_own_page_one(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("RGB", (400, 200), WHITE).save(path)
    (picture,) = highlight(_chunk((1, 0.25, 0.25, 0.75, 0.75)), path)
    assert picture.size == (400, 200)  # the picture itself, not resized
    assert _tinted(_at(picture, 0.5, 0.5)) and _at(picture, 0.1, 0.5) == WHITE
    with pytest.raises(ConfigurationError, match=r"Page 2 is not in scan.png, which has 1 page"):
        highlight(_chunk((2, 0.1, 0.1, 0.2, 0.2)), path)
    # a multi-page TIFF: its frames are its pages
    tiff = tmp_path / "fax.tiff"
    frames = [Image.new("RGB", (100, 100), WHITE), Image.new("RGB", (100, 100), (0, 0, 255))]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    (second,) = highlight(_chunk((2, 0.5, 0.5, 1.0, 1.0)), tiff, opacity=0.5)
    assert _at(second, 0.2, 0.2) == (0, 0, 255) and _at(second, 0.8, 0.8) != (0, 0, 255)


def test_langchain_and_llama_index_documents(tmp_path: Path) -> None:
    from langchain_core.documents import Document
    from llama_index.core.schema import Document as LlamaDocument
    from llama_index.core.schema import ImageNode, TextNode

    pdf = write_pdf(tmp_path / "three.pdf", 3)
    metadata = {"boxes": boxes_json([BOX]), "page_number": 2}
    for document in (
        Document(page_content="an answer", metadata=metadata),
        LlamaDocument(text="an answer", metadata=metadata),
        TextNode(text="an answer", metadata=metadata),
        ImageNode(image_path=str(tmp_path / "figure.png"), metadata=metadata),
        metadata,
    ):
        (page,) = highlight(document, pdf)
        assert _tinted(_at(page, 0.5, 0.55)) and _at(page, 0.2, 0.55) == WHITE


def test_clear_errors(tmp_path: Path) -> None:
    from langchain_core.documents import Document

    pdf = write_pdf(tmp_path / "three.pdf", 3)
    with pytest.raises(ConfigurationError, match="No 'boxes' in the metadata"):
        highlight(Document(page_content="typed by hand"), pdf)
    with pytest.raises(ConfigurationError, match="draws one document"):
        highlight([_chunk(BOX), _chunk(BOX)], pdf)  # a retriever's hits, as they come
    with pytest.raises(ConfigurationError, match="has no boxes"):
        highlight(Document(page_content="x", metadata={"boxes": "[]"}), pdf)
    with pytest.raises(ConfigurationError, match=r"Page 5 is not in three.pdf, which has 3 page"):
        highlight(_chunk(BOX, (5, 0.1, 0.1, 0.2, 0.2)), pdf)
    with pytest.raises(ConfigurationError, match="Page 0 is not in"):
        highlight(_chunk(BOX), pdf, pages=[0])
    word = tmp_path / "report.docx"
    word.write_bytes(b"PK\x03\x04 not really a Word file")
    with pytest.raises(ConfigurationError, match="Export it to PDF"):
        highlight(_chunk(BOX), word)
    with pytest.raises(ConfigurationError, match="neither a PDF nor an image"):
        highlight(_chunk(BOX), b"plain text")
    with pytest.raises(ConfigurationError, match="not both"):
        highlight(_chunk(BOX))
    with pytest.raises(ConfigurationError, match="not both"):
        highlight(_chunk(BOX), pdf, page_images={})
    # what to do for a Word file: supply the pictures
    (page,) = highlight(_chunk(BOX), page_images={2: Image.new("RGB", (50, 80), WHITE)})
    assert page.size == (50, 80) and _tinted(_at(page, 0.5, 0.55))
