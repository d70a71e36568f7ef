"""Text inside pictures on PDF pages that have a text layer is read by OCR: the words drawn in a pasted screenshot or scan reach the result as text blocks
right after the picture's figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator

from .conftest import KEY
from .fixtures import pdf_with_picture

pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra reads pictures")


def _pdf_with_picture(path: Path) -> None:
    """One page: a line of text in the text layer, and a picture of other words."""
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("RGB", (450, 300), "white")  # a quarter of the page
    ImageDraw.Draw(picture).text(
        (30, 120), "INVOICE 4711 PAID", fill="black", font=ImageFont.load_default(size=40)
    )
    pdf_with_picture(
        path, picture, (72, 380), b"BT /F1 14 Tf 72 740 Td (Quarterly report of the depot) Tj ET"
    )


def test_text_in_a_picture_on_a_page_with_text_is_read(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _pdf_with_picture(path)
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        result = client.parse(path)
    blocks = [b for page in result.pages for b in page.blocks]
    kinds = [b.type for b in blocks]
    assert "Quarterly report of the depot" in blocks[0].content  # the text layer
    figure = kinds.index("figure")
    after = blocks[figure + 1]
    assert after.type == "text" and "4711" in after.content and "PAID" in after.content
    assert after.bbox is not None and blocks[figure].bbox is not None
    fx0, fy0, fx1, fy1 = blocks[figure].bbox
    x0, y0, x1, y1 = after.bbox
    assert fx0 <= x0 <= x1 <= fx1 + 1 and fy0 <= y0 <= y1 <= fy1 + 1  # on the picture
