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
    width: int | None = 900,
) -> Any:
    """A ``PIL.Image`` of ``page`` with a box per block, coloured by element type.

    Args:
        page: one page of a :class:`ParseResult`.
        source: the parsed file (PDF or image, path or bytes) to draw on; ``None`` draws
            on white (Office files, or when the file is not at hand).
        labels: write each block's type and ``idx`` above its box.
        width: resize the picture to this width (``None``: the raster's own size).
    """
    image_module, draw_module = _pil()
    if page.page_size is None:
        raise ConfigurationError("The page has no page_size: its boxes cannot be placed.")
    size = (int(page.page_size.w), int(page.page_size.h))
    picture = _background(page, source, size)
    overlay = image_module.new("RGBA", size, (0, 0, 0, 0))
    draw = draw_module.Draw(overlay)
    for block in page.blocks:
        if block.bbox is None:
            continue
        color = COLORS.get(block.element_type, _OTHER)
        rgb = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
        box = tuple(int(v) for v in block.bbox)
        draw.rectangle(box, outline=(*rgb, 255), width=3, fill=(*rgb, 40))
        if labels:
            draw.text(
                (box[0] + 2, max(box[1] - 12, 0)),
                f"{block.element_type.value} {block.idx}",
                fill=(*rgb, 255),
            )
    picture = image_module.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
    if width and picture.width != width:
        picture = picture.resize((width, round(picture.height * width / picture.width)))
    return picture
