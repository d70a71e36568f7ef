"""Text inside the pictures of PDF pages that have a text layer.

A page's text layer says nothing of the words drawn in its pictures: a screenshot, a
scanned form pasted into a report, a diagram exported as a bitmap. SoMark reads a page
as an image, so it reads those words too. The emulator renders each picture that is
large enough (a fifth of the page or more) and has no text of the layer over it, reads
it by OCR and gives its text as ``text`` blocks right after the picture's ``figure``
block, in page points.

Without the OCR extra the pictures stay figures only: the page has a text layer, so it
is not failed for want of OCR (a scanned page without one is).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from . import ocr
from ._blocks import DPI, SCALE, Box
from .pdf_frame import PageFrame

logger = logging.getLogger("somark_loaders.emulator")

MIN_WIDTH = 100.0  # points: a smaller picture is an icon or a logo, not worth a read
MIN_HEIGHT = 40.0
MIN_AREA = 0.2  # of the page: a smaller picture is a chart or an illustration, whose few
# words (axis ticks, labels) OCR reads poorly, at seconds a picture
MAX_WORDS_OVER = 2  # words of the text layer over a picture: more, and it is labelled
MAX_PICTURES = 8  # per page: OCR costs seconds each
_KEEP = 256  # pictures whose text is remembered (oldest forgotten first)
_READ: dict[str, list[tuple[list[int], str]]] = {}
_LOCK = threading.Lock()


def picture_texts(
    page: Any, pictures: list[Box], words: list[dict[str, Any]]
) -> list[tuple[Box, list[tuple[Box, str]]]]:
    """For each picture of ``page`` worth reading, its box and its text blocks (box in
    points, text) read by OCR; pictures without text are left out."""
    if not ocr.available():
        return []
    found: list[tuple[Box, list[tuple[Box, str]]]] = []
    rendered: Any = None  # the page as PDFium renders it, where the boxes are (pdf_frame)
    size = PageFrame(page).size
    for picture, box in _worth_reading(size, pictures, words)[:MAX_PICTURES]:
        try:
            if rendered is None:
                rendered = _rendered(page)
            image = rendered.crop(_pixels(box, rendered.size[0] / size[0]))
        except (ValueError, OSError) as err:  # a bad stream
            logger.debug("Picture %s on page %s not rendered: %s", box, page.page_number, err)
            continue
        texts = [(_points(box, where), text) for where, text in _read(image)]
        if texts:
            found.append((picture, texts))
    return found


def _rendered(page: Any) -> Any:
    """The whole page as PDFium renders it at 150 DPI (pdfplumber's ``to_image`` crops it
    to pdfplumber's idea of the page, which is not that one on odd page boxes)."""
    from pdfplumber.display import get_page_image

    pdf = page.pdf
    return get_page_image(pdf.stream, pdf.path, page.page_number - 1, DPI, pdf.password)


def _pixels(box: Box, scale: float) -> tuple[int, int, int, int]:
    """A box in points as pixels of the rendered page, rounded as pdfplumber's ``crop``
    and ``to_image`` round them (the same pixels, so the same words read)."""
    x0, top = int(box[0] * scale), int(box[1] * scale)
    return x0, top, x0 + int((box[2] - box[0]) * scale), top + int((box[3] - box[1]) * scale)


def _read(image: Any) -> list[tuple[list[int], str]]:
    """The text blocks of a picture (boxes in its pixels), read once per content: the
    same logo on every page, or the same file parsed again, costs one read."""
    key = hashlib.sha1(image.tobytes(), usedforsecurity=False).hexdigest() + str(image.size)
    with _LOCK:
        known = _READ.get(key)
    if known is None:
        known = [(b["bbox"], str(b["content"])) for b in ocr.to_blocks(ocr.read_lines(image))]
        with _LOCK:
            _READ[key] = known
            while len(_READ) > _KEEP:
                _READ.pop(next(iter(_READ)))
    return known


def _worth_reading(
    size: tuple[float, float], pictures: list[Box], words: list[dict[str, Any]]
) -> list[tuple[Box, Box]]:
    """The pictures worth reading, each with its part on the page (of ``size``)."""
    width, height = size
    kept = []
    for box in pictures:
        x0, top, x1, bottom = (
            max(box[0], 0.0),
            max(box[1], 0.0),
            min(box[2], width),
            min(box[3], height),
        )
        small = (x1 - x0) * (bottom - top) < MIN_AREA * width * height
        if small or x1 - x0 < MIN_WIDTH or bottom - top < MIN_HEIGHT:
            continue
        over = sum(
            1
            for w in words
            if x0 <= (float(w["x0"]) + float(w["x1"])) / 2 <= x1
            and top <= (float(w["top"]) + float(w["bottom"])) / 2 <= bottom
        )
        if over <= MAX_WORDS_OVER:
            kept.append((box, (x0, top, x1, bottom)))
    return kept


def _points(box: Box, pixels: list[int]) -> Box:
    """A block's box in the picture's pixels, in page points."""
    return (
        box[0] + pixels[0] / SCALE,
        box[1] + pixels[1] / SCALE,
        box[0] + pixels[2] / SCALE,
        box[1] + pixels[3] / SCALE,
    )
