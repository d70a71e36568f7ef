"""PDF pages as PDFium reads them, for a file pdfminer cannot read whole.

pdfminer gives up on files a viewer opens: a trailer without ``/Root`` (a cross-reference
stream it does not find), a cross-reference table numbered from 1 instead of 0, whose
every offset then points at the wrong object (it sees no page, no error). PDFium repairs
such files as viewers do, and the service reads what a viewer shows. When pdfminer
cannot open a PDF that PDFium opens, or sees fewer pages than PDFium, every page is read
here (the pages pdfminer does see cannot be trusted to be PDFium's pages of the same
number, by which pictures are cropped and pages counted):

- the characters of PDFium's text page make words as pdfminer's do (:mod:`._words`),
  on the page as PDFium renders it (from its top left corner, in points); characters it
  cannot give Unicode for are left out, and a page much of whose text is such, or that
  has none, is read by OCR as any page without a text layer;
- pictures drawn on the page itself (not inside a form XObject) are its figures.

Tables and text turned sideways are not looked for on such pages.
"""

from __future__ import annotations

import ctypes
import logging
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from ._blocks import Box, EngineError
from ._words import clamp, words_from_chars
from .pdf_glyphs import PASSAGE, readable

__all__ = ["PdfiumPage", "open_pdf", "page_count", "pdfium_page_count", "pdfium_pages"]

logger = logging.getLogger("somark_loaders.emulator")

_MIN_PICTURE = 20.0  # points a side: smaller pictures are no figures (as pdf_pages)


class PdfiumPage(NamedTuple):
    number: int
    width: float
    height: float
    words: list[dict[str, Any]]  # upright, on the rendered page; none: read it by OCR
    images: list[Box]


def page_count(path: Path) -> int:
    """Pages per PDFium, which (like the service) refuses damaged and encrypted files."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as err:
        if "password" in str(err).lower():
            raise EngineError("The PDF is encrypted; encrypted files are not supported.") from None
        raise EngineError(f"Invalid or corrupted PDF file ({err}).") from None
    try:
        return len(document)
    finally:
        document.close()


def open_pdf(path: Path) -> Any | None:
    """pdfplumber's reading of the PDF; ``None`` when pdfminer cannot open it, or sees
    fewer pages than PDFium, and PDFium opens it (then read by :func:`pdfium_pages`)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pdf = None
    try:
        pdf = pdfplumber.open(path)
        seen = len(pdf.pages)  # forces the page tree to load
    except PDFPasswordIncorrect:
        if pdf is not None:
            pdf.close()
        raise EngineError("The PDF is encrypted; encrypted files are not supported.") from None
    except Exception as err:  # pdfminer raises many unrelated types on damaged files
        if pdf is not None:
            pdf.close()
        if pdfium_page_count(path) is None:
            raise EngineError(f"Invalid or corrupted PDF file ({type(err).__name__}).") from None
        logger.warning("%s: pdfminer cannot read it (%s); read by PDFium.", path.name, err)
        return None
    count = pdfium_page_count(path)
    if count is not None and seen < count:
        pdf.close()
        logger.warning("%s: pdfminer sees %d of %d pages; read by PDFium.", path.name, seen, count)
        return None
    return pdf


def pdfium_page_count(path: Path) -> int | None:
    """Pages PDFium sees in the file, or ``None`` when it cannot open it."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        return None
    try:
        return len(document)
    finally:
        document.close()


def pdfium_pages(path: Path) -> list[PdfiumPage]:
    """Every page of the PDF as PDFium reads it."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        pages = []
        for number in range(len(document)):
            page = document[number]
            try:
                pages.append(_read(page, number, path.name))
            finally:
                page.close()
        return pages
    finally:
        document.close()


class _Frame:
    """PDF user space -> the rendered page (points from its top left corner): the
    affine map PDFium renders with, found from where it puts three corners."""

    _SCALE = 64  # device pixels a point: PDFium gives whole pixels

    def __init__(self, page: Any) -> None:
        import pypdfium2.raw as pdfium_c

        self.width, self.height = page.get_size()
        left, bottom, right, top = page.get_bbox()
        size = (round(self.width * self._SCALE), round(self.height * self._SCALE))

        def device(x: float, y: float) -> tuple[float, float]:
            dx, dy = ctypes.c_int(), ctypes.c_int()
            pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, *size, 0, x, y, dx, dy)
            return dx.value / self._SCALE, dy.value / self._SCALE

        self._origin = device(left, bottom)
        ex, ey = device(right, bottom)
        fx, fy = device(left, top)
        w, h = max(right - left, 1e-6), max(top - bottom, 1e-6)
        self._x = ((ex - self._origin[0]) / w, (ey - self._origin[1]) / w)  # one point right
        self._y = ((fx - self._origin[0]) / h, (fy - self._origin[1]) / h)  # one point up
        self._corner = (left, bottom)

    def point(self, x: float, y: float) -> tuple[float, float]:
        x, y = x - self._corner[0], y - self._corner[1]
        return (
            self._origin[0] + x * self._x[0] + y * self._y[0],
            self._origin[1] + x * self._x[1] + y * self._y[1],
        )

    def vector(self, x: float, y: float) -> tuple[float, float]:
        return x * self._x[0] + y * self._y[0], x * self._x[1] + y * self._y[1]

    def box(self, left: float, bottom: float, right: float, top: float) -> Box:
        corners = [self.point(x, y) for x in (left, right) for y in (bottom, top)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def bounds(self) -> Box:
        return 0.0, 0.0, self.width, self.height


def _read(page: Any, number: int, name: str) -> PdfiumPage:
    frame = _Frame(page)
    try:
        chars = _chars(page, frame)
    except Exception as err:  # a damaged content stream: the page is read by OCR
        logger.warning("Page %d of %s: text not read by PDFium (%s).", number + 1, name, err)
        chars = []
    words = []  # a word wholly outside the rendered page is not seen on it
    for word in words_from_chars(chars):
        box = (word["x0"], word["top"], word["x1"], word["bottom"])
        seen = box[0] < frame.width and box[2] > 0 and box[1] < frame.height and box[3] > 0
        if word["upright"] and seen:
            word["x0"], word["top"], word["x1"], word["bottom"] = clamp(box, frame.bounds)
            words.append(word)
    return PdfiumPage(number, frame.width, frame.height, words, _images(page, frame))


def _chars(page: Any, frame: _Frame) -> list[dict[str, Any]]:
    """The page's characters as pdfplumber gives them (``text``, ``x0``, ``x1``,
    ``top``, ``bottom``, ``size``, ``fontname``, ``upright``, ``matrix`` whose ``f`` is
    the baseline, negated), without those PDFium cannot read (or none, when much of
    the page is such: :data:`.pdf_glyphs.PASSAGE`)."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    handle = textpage.raw
    chars: list[dict[str, Any]] = []
    unread: Counter[str] = Counter()
    fonts: Counter[str] = Counter()
    name = ctypes.create_string_buffer(256)
    try:
        for index in range(textpage.count_chars()):
            if pdfium_c.FPDFText_IsGenerated(handle, index) == 1:  # its own spaces, line ends
                continue
            code = pdfium_c.FPDFText_GetUnicode(handle, index)
            text = chr(code) if 0 < code < 0x110000 else ""
            pdfium_c.FPDFText_GetFontInfo(handle, index, name, len(name), None)
            font = name.value.decode("utf-8", "replace")
            fonts[font] += 1
            if text.isspace():
                text = " "
            elif not readable(text) or pdfium_c.FPDFText_HasUnicodeMapError(handle, index):
                unread[font] += 1
                continue
            chars.append(_char(handle, index, text, font, frame))
    finally:
        textpage.close()
    dropped = sum(unread.values())
    if dropped >= PASSAGE[0] and dropped >= PASSAGE[1] * sum(fonts.values()):
        return []  # a picture of text, as pdfminer's pages with unmapped passages
    # a font mostly unreadable is unreadable: its few codes that fell on ASCII are no text
    lost = {font for font, count in unread.items() if count > 0.5 * fonts[font]}
    return [c for c in chars if c["fontname"] not in lost or c["text"] == " "]


def _char(handle: Any, index: int, text: str, font: str, frame: _Frame) -> dict[str, Any]:
    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()  # the glyph's advance by the font's ascent and descent
    pdfium_c.FPDFText_GetLooseCharBox(handle, index, rect)
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(handle, index, matrix)
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(handle, index, x, y)
    x0, top, x1, bottom = frame.box(rect.left, rect.bottom, rect.right, rect.top)
    across, down = frame.vector(matrix.a, matrix.b)  # the text's direction, rendered
    scale = (matrix.c**2 + matrix.d**2) ** 0.5
    size = pdfium_c.FPDFText_GetFontSize(handle, index) * scale
    origin = frame.point(x.value, y.value)
    return {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "size": size if size > 0 else bottom - top,
        "fontname": font,
        "upright": across > 0 and abs(down) < across,
        "matrix": (across, -down, 0.0, 0.0, origin[0], -origin[1]),
    }


def _images(page: Any, frame: _Frame) -> list[Box]:
    """Pictures drawn on the page itself, over :data:`_MIN_PICTURE` a side."""
    import pypdfium2.raw as pdfium_c

    found = []
    try:
        for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1):
            box = clamp(frame.box(*item.get_bounds()), frame.bounds)
            if box[2] - box[0] > _MIN_PICTURE and box[3] - box[1] > _MIN_PICTURE:
                found.append(box)
    except Exception as err:  # a damaged object: the page's text stands
        logger.warning("Pictures of a page not read by PDFium (%s).", err)
        return []
    return found
