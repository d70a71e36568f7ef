"""The emulator serves the pictures of figures for Word, PowerPoint and image files, as it
does for PDFs: ``img_url`` is a URL it serves (``element_formats.image`` = url), a data
URI of the same bytes (base64), or empty (none), and each picture is the one in the file."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from somark_loaders import ParseResult, SoMarkClient
from somark_loaders.emulator import Emulator

from .conftest import KEY
from .fixtures import HTTP_TIMEOUT


def parse(emulator: Emulator, path: Path, image: str = "url") -> ParseResult:
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        return client.parse(path, {"element_formats": {"image": image}})


def figures(result: ParseResult) -> list[tuple[int, Any]]:
    """The figure blocks with their page's index."""
    return [(n, b) for n, p in enumerate(result.pages) for b in p.blocks if b.type == "figure"]


def fetch(url: str) -> tuple[str, bytes]:
    assert url.startswith("http://127.0.0.1:"), url
    answer = httpx.get(url, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.headers["content-type"], answer.content


def data_uri(url: str) -> tuple[str, bytes]:
    head, _, data = url.partition(",")
    assert head.startswith("data:") and head.endswith(";base64"), url[:60]
    return head[len("data:") : -len(";base64")], base64.b64decode(data)


def flag(path: Path, left: str, right: str, size: tuple[int, int] = (200, 100)) -> bytes:
    """A picture of two colours side by side, saved in the format of ``path``'s suffix."""
    image = Image.new("RGB", size, left)
    image.paste(Image.new("RGB", (size[0] // 2, size[1]), right), (size[0] // 2, 0))
    image.save(path)
    return path.read_bytes()


def colours(blob: bytes) -> tuple[tuple[int, int], Any, Any]:
    """Size and the colours at the middle of the left and of the right half."""
    with Image.open(io.BytesIO(blob)) as opened:
        image = opened.convert("RGB")
        w, h = image.size
        return image.size, image.getpixel((w // 4, h // 2)), image.getpixel((3 * w // 4, h // 2))


def assert_modes(emulator: Emulator, path: Path, served: list[tuple[str, bytes]]) -> None:
    """base64 gives data URIs of the bytes the URLs serve; none gives no image."""
    inline = parse(emulator, path, "base64")
    assert [data_uri(b.img_url) for _, b in figures(inline)] == served
    none = parse(emulator, path, "none")
    assert len(figures(none)) == len(served)
    assert all(b.img_url == "" for _, b in figures(none)) and not none.images


def test_word_pictures_are_served_as_stored_with_their_size_and_caption(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A PNG and a JPEG as stored, a GIF as PNG; each at its laid-out size on the page,
    in reading order; a "Figure 1: ..." paragraph after a picture is its caption."""
    import docx
    from docx.shared import Inches

    png = flag(tmp_path / "flag.png", "red", "blue")
    jpeg = flag(tmp_path / "flag.jpg", "white", "black", (120, 80))
    flag(tmp_path / "flag.gif", "green", "yellow")
    document = docx.Document()
    document.add_paragraph("The flags of the regatta, as flown on the day.")
    document.add_picture(str(tmp_path / "flag.png"), width=Inches(2))
    document.add_paragraph("Figure 1: The red and blue flag")
    document.add_paragraph("The committee boat flew two more.")
    document.add_picture(str(tmp_path / "flag.jpg"), width=Inches(1))
    document.add_picture(str(tmp_path / "flag.gif"), width=Inches(3))
    path = tmp_path / "regatta.docx"
    document.save(path)

    result = parse(emulator, path)
    found = figures(result)
    assert len(found) == 3
    served = [fetch(b.img_url) for _, b in found]
    assert served[0] == ("image/png", png)
    assert served[1] == ("image/jpeg", jpeg)
    assert served[2][0] == "image/png"
    assert colours(served[2][1]) == ((200, 100), (0, 128, 0), (255, 255, 0))
    assert list(result.images) == [b.img_url for _, b in found]
    for (number, block), inches, ratio in zip(found, (2, 1, 3), (2, 1.5, 2), strict=True):
        size = result.pages[number].page_size
        assert size is not None and block.bbox is not None
        x0, y0, x1, y1 = block.bbox
        assert 0 <= x0 < x1 <= size.w and 0 <= y0 < y1 <= size.h
        assert x1 - x0 == inches * 150 and abs((x1 - x0) / (y1 - y0) - ratio) < 0.02
    blocks = [b for p in result.pages for b in p.blocks]
    after = blocks[blocks.index(found[0][1]) + 1]
    assert (after.type, after.content) == ("figure_caption", "Figure 1: The red and blue flag")
    assert result.markdown is not None and found[0][1].img_url in result.markdown
    folder = found[0][1].img_url.rsplit("/", 1)[0]  # names that are no picture: not found
    for name in ("media9999.png", "media0.png", "media0.jpg", "1,2,3,4.png", "media1"):
        assert httpx.get(f"{folder}/{name}", timeout=HTTP_TIMEOUT).status_code == 404, name
    assert_modes(emulator, path, served)


def test_slide_pictures_are_served_where_the_shapes_are(emulator: Emulator, tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    png = flag(tmp_path / "flag.png", "red", "blue")
    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[6])  # a first slide without pictures
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(str(tmp_path / "flag.png"), Inches(1), Inches(2), width=Inches(4))
    path = tmp_path / "deck.pptx"
    deck.save(path)

    result = parse(emulator, path)
    ((number, block),) = figures(result)
    assert number == 1 and block.bbox == (150, 300, 750, 600)
    size = result.pages[1].page_size
    assert size is not None and (size.w, size.h) == (1500, 1125)
    served = [fetch(block.img_url)]
    assert served == [("image/png", png)]
    assert_modes(emulator, path, served)


def _photo(size: tuple[int, int]) -> Image.Image:
    """A photo-like picture: colour gradients under noise."""
    import numpy as np

    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    noise = np.random.default_rng(7).integers(0, 256, (height, width), dtype=np.uint8)
    red, green = (x * 255 // width).astype(np.uint8), (y * 255 // height).astype(np.uint8)
    return Image.fromarray(np.dstack([red, green, noise]))


@pytest.mark.slow
def test_a_photo_in_an_image_is_a_figure_whose_crop_is_the_photo(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The photo is a figure of its own box, between the text above and below it, and its
    crop has the photo's pixels; an image without text is one figure of the whole image."""
    pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra reads images")
    from PIL import ImageDraw, ImageFont

    photo = _photo((320, 240))
    page = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "Harbour survey 2024", fill="black", font=ImageFont.load_default(size=32))
    page.paste(photo, (160, 120))
    draw.text((40, 400), "Seen from the east", fill="black", font=ImageFont.load_default(size=28))
    path = tmp_path / "survey.png"
    page.save(path)

    result = parse(emulator, path)
    blocks = result.pages[0].blocks
    ((_, figure),) = figures(result)
    assert figure.bbox == (160, 120, 480, 360)
    assert "Harbour" in blocks[0].content and blocks[1] is figure
    assert any("east" in b.content for b in blocks[2:])
    kind, blob = fetch(figure.img_url)
    with Image.open(io.BytesIO(blob)) as served:
        assert kind == "image/png" and served.size == (320, 240)
        assert served.convert("RGB").tobytes() == photo.tobytes()
    assert_modes(emulator, path, [(kind, blob)])

    blank = tmp_path / "blank.jpg"
    stored = flag(blank, "red", "blue", (90, 60))
    ((_, whole),) = figures(parse(emulator, blank))
    assert whole.bbox == (0, 0, 90, 60)
    kind, blob = fetch(whole.img_url)
    assert kind == "image/png" and colours(blob) == colours(stored)
