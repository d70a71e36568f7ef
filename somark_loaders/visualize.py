"""See what was parsed: a page picture with its blocks' boxes, coloured by element type.

Needs Pillow (and pypdfium2 to draw on the PDF page itself): ``pip install
"somark-loaders[visualize]"``. In a notebook the returned image shows itself.

.. code-block:: python

    from somark_loaders.visualize import draw_page
    draw_page(result.pages[0], "paper.pdf")
"""

from __future__ import annotations

import io
from pathlib import Path, PurePath
from typing import Any

from ._errors import ConfigurationError
from .models import ElementType, Page

__all__ = ["COLORS", "draw_page"]

COLORS: dict[ElementType, str] = {
    ElementType.TITLE: "#d62728",
    ElementType.TEXT: "#1f77b4",
    ElementType.TABLE: "#2ca02c",
    ElementType.TABLE_CAPTION: "#98df8a",
    ElementType.FIGURE: "#ff7f0e",
    ElementType.FIGURE_CAPTION: "#ffbb78",
    ElementType.EQUATION: "#9467bd",
    ElementType.CODE: "#8c564b",
    ElementType.FOOTNOTE: "#e377c2",
    ElementType.HEADER: "#7f7f7f",
    ElementType.FOOTER: "#7f7f7f",
}
_OTHER = "#17becf"


def _pil() -> Any:
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            'draw_page needs Pillow: pip install "somark-loaders[visualize]"'
        ) from None
    return Image, ImageDraw


def _background(page: Page, source: str | Path | bytes | None, size: tuple[int, int]) -> Any:
    image_module, _ = _pil()
    if source is None:
        return image_module.new("RGB", size, "white")
    name = "" if isinstance(source, bytes) else PurePath(str(source)).name.lower()
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if name.endswith(".pdf") or data[:5] == b"%PDF-":
        try:
            import pypdfium2
        except ImportError:
            raise ConfigurationError(
                'Drawing on PDF pages needs pypdfium2: pip install "somark-loaders[visualize]"'
            ) from None
        document = pypdfium2.PdfDocument(data)
        try:
            pdf_page = document[page.page_num]
            scale = size[0] / pdf_page.get_width()
            picture = pdf_page.render(scale=scale).to_pil().convert("RGB")
        finally:
            document.close()
        return picture.resize(size)
    try:
        return image_module.open(io.BytesIO(data)).convert("RGB").resize(size)
    except OSError:  # an Office file or anything else: no picture of it, draw on white
        return image_module.new("RGB", size, "white")


def draw_page(
    page: Page,
    source: str | Path | bytes | None = None,
    *,
    labels: bool = True,
    legend: bool = True,
    width: int | None = 900,
) -> Any:
    """A ``PIL.Image`` of ``page`` with a box per block, coloured by element type.

    Args:
        page: one page of a :class:`ParseResult`.
        source: the parsed file (PDF or image, path or bytes) to draw on; ``None`` draws
            on white (Office files, or when the file is not at hand).
        labels: write each block's type and ``idx`` on its box (white on its colour).
        legend: a strip under the page naming the colour of each type on it.
        width: resize the picture to this width (``None``: the raster's own size).
    """
    image_module, draw_module = _pil()
    if page.page_size is None:
        raise ConfigurationError("The page has no page_size: its boxes cannot be placed.")
    size = (int(page.page_size.w), int(page.page_size.h))
    picture = _background(page, source, size)
    overlay = image_module.new("RGBA", size, (0, 0, 0, 0))
    draw = draw_module.Draw(overlay)
    # type sizes in raster pixels, so that they read the same once resized to ``width``
    scale = size[0] / width if width else 1.0
    font = _font(round(13 * scale))
    shown: dict[str, tuple[int, int, int]] = {}
    for block in page.blocks:
        if block.bbox is None:
            continue
        rgb = _rgb(COLORS.get(block.element_type, _OTHER))
        shown.setdefault(block.element_type.value, rgb)
        box = tuple(int(v) for v in block.bbox)
        draw.rectangle(box, outline=(*rgb, 255), width=max(2, round(2 * scale)), fill=(*rgb, 40))
        if labels:
            text = f"{block.element_type.value} {block.idx}"
            left, top, right, bottom = draw.textbbox((box[0], box[1]), text, font=font)
            pad = max(1, round(2 * scale))
            draw.rectangle((left, top, right + 2 * pad, bottom + 2 * pad), fill=(*rgb, 230))
            draw.text((box[0] + pad, box[1] + pad), text, fill=(255, 255, 255, 255), font=font)
    picture = image_module.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
    if legend and shown:
        picture = _with_legend(picture, shown, font, scale)
    if width and picture.width != width:
        picture = picture.resize((width, round(picture.height * width / picture.width)))
    return picture


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(size, 8))
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def _with_legend(
    picture: Any, shown: dict[str, tuple[int, int, int]], font: Any, scale: float
) -> Any:
    """The picture with a white strip under it: a swatch and the name of each type."""
    image_module, draw_module = _pil()
    line = round(22 * scale)
    pad = round(8 * scale)
    rows: list[list[tuple[str, tuple[int, int, int]]]] = [[]]
    x = pad
    for name, rgb in shown.items():
        span = line + round(len(name) * 8 * scale) + 2 * pad
        if x + span > picture.width and rows[-1]:
            rows.append([])
            x = pad
        rows[-1].append((name, rgb))
        x += span
    strip = image_module.new("RGB", (picture.width, pad + len(rows) * line + pad), "white")
    draw = draw_module.Draw(strip)
    for r, row in enumerate(rows):
        x, y = pad, pad + r * line
        for name, rgb in row:
            draw.rectangle((x, y + 2, x + line - 6, y + line - 4), fill=rgb)
            draw.text((x + line, y + 2), name, fill=(0, 0, 0), font=font)
            x += line + round(draw.textlength(name, font=font)) + 2 * pad
    out = image_module.new("RGB", (picture.width, picture.height + strip.height), "white")
    out.paste(picture, (0, 0))
    out.paste(strip, (0, picture.height))
    return out
