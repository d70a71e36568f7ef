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


def _pdf_with_picture(path: Path, boxes: bytes = b"/MediaBox [0 0 612 792]", dy: int = 0) -> None:
    """One page: a line of text in the text layer, and a picture of other words (its page
    boxes ``boxes``, its content moved down by ``dy``)."""
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("RGB", (450, 300), "white")  # a quarter of the page
    ImageDraw.Draw(picture).text(
        (30, 120), "INVOICE 4711 PAID", fill="black", font=ImageFont.load_default(size=40)
    )
    text = b"BT /F1 14 Tf 72 %d Td (Quarterly report of the depot) Tj ET" % (740 - dy)
    pdf_with_picture(path, picture, (72, 380 - dy), text, boxes)


# page boxes written oddly (tests/test_pdf_page_frames.py), the content moved with them, and
# where the picture is on the page as rendered (points from its top left corner)
BOXES = {
    "plain": (b"/MediaBox [0 0 612 792]", 0, (72, 112, 522, 412)),
    "upside down": (b"/MediaBox [0 0 612 -792]", 792, (72, 112, 522, 412)),
    "a CropBox inside an offset MediaBox": (
        b"/MediaBox [0 100 612 892] /CropBox [20 870 600 120]",
        -100,
        (52, 90, 502, 390),
    ),
}


@pytest.mark.parametrize("boxes", list(BOXES))
def test_text_in_a_picture_on_a_page_with_text_is_read(
    emulator: Emulator, tmp_path: Path, boxes: str
) -> None:
    path = tmp_path / "report.pdf"
    _pdf_with_picture(path, *BOXES[boxes][:2])
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
    drawn = [round(v * 150 / 72) for v in BOXES[boxes][2]]  # where the page shows it
    assert all(abs(a - b) <= 2 for a, b in zip(blocks[figure].bbox, drawn, strict=True))
