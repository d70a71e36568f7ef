"""See what was parsed: a page picture with its blocks' boxes, coloured by element type,
and where a retrieved document came from: its pages with its ``boxes`` highlighted.

Needs Pillow (and pypdfium2 to draw on the PDF page itself): ``pip install
"somark-loaders[visualize]"``. In a notebook the returned image shows itself.

.. code-block:: python

    from somark_loaders.visualize import draw_page, highlight
    draw_page(result.pages[0], "paper.pdf")
    highlight(docs[3], "paper.pdf")  # [PIL.Image of each page docs[3] is on]
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any

from ._errors import ConfigurationError
from .convert._boxes import Box, parse_boxes
from .models import ElementType, Page

__all__ = ["COLORS", "draw_page", "highlight"]

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
            'Drawing pages needs Pillow: pip install "somark-loaders[visualize]"'
        ) from None
    return Image, ImageDraw


def _pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            'Drawing on PDF pages needs pypdfium2: pip install "somark-loaders[visualize]"'
        ) from None
    return pypdfium2


def _background(page: Page, source: str | Path | bytes | None, size: tuple[int, int]) -> Any:
    image_module, _ = _pil()
    if source is None:
        return image_module.new("RGB", size, "white")
    name = "" if isinstance(source, bytes) else PurePath(str(source)).name.lower()
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if name.endswith(".pdf") or data[:5] == b"%PDF-":
        document = _pdfium().PdfDocument(data)
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


HIGHLIGHT = "#ff9f00"
# Files SoMark reads whose pages this module cannot draw (no renderer for them here).
_OFFICE = (".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".xlsm", ".odt", ".odp", ".ods")
PageImages = Callable[[int], Any] | Mapping[int, Any]


def highlight(
    document: Any,
    file: str | Path | bytes | None = None,
    *,
    pages: Iterable[int] | None = None,
    dpi: float = 110,
    page_images: PageImages | None = None,
    color: str = HIGHLIGHT,
    opacity: float = 0.3,
) -> list[Any]:
    """Where ``document`` came from: a ``PIL.Image`` of each page it is on, in page order,
    with its boxes drawn (a translucent fill and an outline just outside each box).

    Args:
        document: a LangChain ``Document``, a LlamaIndex ``Document``, ``TextNode`` or
            ``ImageNode``, or a :class:`Chunk` made by this package (or its metadata):
            its ``boxes`` metadata says where it is.
        file: the file it was loaded from, path or bytes: a PDF (pages rendered at
            ``dpi``) or an image (the picture itself is page 1; a multi-page TIFF's frames
            are its pages). Always the whole file: boxes carry its page numbers, also for
            the parts of a split file. Word, PowerPoint and Excel files cannot be drawn
            here: export them to PDF and pass that, or pass ``page_images``.
        pages: 1-based pages to return (any page of the file, with whatever boxes of the
            document are on it); default: every page the document is on.
        dpi: resolution of rendered PDF pages (110: a Letter page about 935 pixels wide).
        page_images: instead of ``file``, the picture of each page: a mapping or a callable
            from the 1-based page number to a ``PIL.Image``.
        color: the highlight colour, ``"#rrggbb"``.
        opacity: of the fill, from 0 (outline only) to 1.

    Raises:
        ConfigurationError: the document has no boxes; a page is not in the file (or
            ``page_images`` has no picture of it); the file is an Office document or neither
            a PDF nor an image; ``file`` and ``page_images`` are both given or both missing.
    """
    _pil()  # without Pillow, say so before reading anything
    if isinstance(document, list | tuple) and any(hasattr(d, "metadata") for d in document):
        raise ConfigurationError(
            "highlight draws one document: pass one of the list (e.g. hits[0]), or call it "
            "for each."
        )
    boxes = parse_boxes(document)
    if not boxes:
        raise ConfigurationError(
            "The document has no boxes ('boxes' is []): SoMark gave its blocks no bbox, so "
            "there is no region to highlight; its page_number metadata still says where it is."
        )
    if not 0 <= opacity <= 1:
        raise ConfigurationError(f"opacity must be between 0 and 1, got {opacity!r}.")
    if dpi <= 0:
        raise ConfigurationError(f"dpi must be positive, got {dpi!r}.")
    wanted = sorted({box[0] for box in boxes} if pages is None else set(pages))
    rgb = _rgb(color)
    with _Pages(file, page_images, dpi) as source:
        source.check(wanted)
        return [
            _tinted(source.picture(number), [b for b in boxes if b[0] == number], rgb, opacity)
            for number in wanted
        ]


class _Pages:
    """The pictures of a file's pages (1-based), from a PDF, an image or ``page_images``."""

    def __init__(
        self, file: str | Path | bytes | None, page_images: PageImages | None, dpi: float
    ) -> None:
        if (file is None) == (page_images is None):
            raise ConfigurationError(
                "Pass the file the document was loaded from, or page_images (a mapping or "
                "callable from page number to picture), and not both."
            )
        self.given, self.dpi, self.pdf, self.image = page_images, dpi, None, None
        self.count: int | None = None
        if file is None:
            return
        self.name = "the file" if isinstance(file, bytes) else PurePath(str(file)).name
        data = file if isinstance(file, bytes) else Path(file).read_bytes()
        if data[:5] == b"%PDF-":
            self.pdf = _pdfium().PdfDocument(data)
            self.count = len(self.pdf)
            return
        is_zip_or_ole = data[:4] == b"PK\x03\x04" or data[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
        if is_zip_or_ole or self.name.lower().endswith(_OFFICE):
            raise ConfigurationError(
                f"{self.name} is not a PDF or an image: Word, PowerPoint and Excel pages cannot "
                "be drawn here. Export it to PDF (e.g. soffice --headless --convert-to pdf) "
                "and pass the PDF (SoMark's page numbers follow its own rendering, so check "
                "the pages match), or pass page_images={page_number: PIL.Image}."
            )
        image_module, _ = _pil()
        try:
            self.image = image_module.open(io.BytesIO(data))
        except OSError:
            raise ConfigurationError(
                f"{self.name} is neither a PDF nor an image Pillow can open: pass the file "
                "the document was loaded from, or page_images."
            ) from None
        self.count = getattr(self.image, "n_frames", 1)

    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pdf is not None:
            self.pdf.close()
        if self.image is not None:
            self.image.close()

    def check(self, numbers: list[int]) -> None:
        """Refuse a page the file does not have, before anything is drawn."""
        if self.count is None:
            return
        outside = [n for n in numbers if not 1 <= n <= self.count]
        if outside:
            raise ConfigurationError(
                f"Page {outside[0]} is not in {self.name}, which has {self.count} page(s): "
                "pass the whole file the document was loaded from (boxes carry its page "
                "numbers, also for the parts of a split file)."
            )

    def picture(self, number: int) -> Any:
        if self.pdf is not None:
            page = self.pdf[number - 1]
            try:
                return page.render(scale=self.dpi / 72).to_pil()
            finally:
                page.close()
        if self.image is not None:
            self.image.seek(number - 1)
            return self.image.copy()
        given = self.given
        if isinstance(given, Mapping):
            found = given.get(number)
        else:
            assert given is not None  # __init__: a file or page_images
            found = given(number)
        if found is None:
            raise ConfigurationError(f"page_images has no picture of page {number}.")
        return found


def _tinted(picture: Any, boxes: list[Box], rgb: tuple[int, int, int], opacity: float) -> Any:
    """``picture`` with each box filled with ``rgb`` at ``opacity`` and outlined just
    outside its edge (so that the outline covers none of the text inside)."""
    image_module, draw_module = _pil()
    base = picture.convert("RGBA")
    overlay = image_module.new("RGBA", base.size, (0, 0, 0, 0))
    draw = draw_module.Draw(overlay)
    width, height = base.size
    line = max(2, round(min(width, height) / 400))
    for _, x0, y0, x1, y1 in boxes:
        left, top = round(x0 * width), round(y0 * height)
        right, bottom = round(x1 * width), round(y1 * height)
        draw.rectangle((left, top, right, bottom), fill=(*rgb, round(255 * opacity)))
        draw.rectangle(
            (left - line, top - line, right + line, bottom + line),
            outline=(*rgb, 255),
            width=line,
        )
    return image_module.alpha_composite(base, overlay).convert("RGB")
