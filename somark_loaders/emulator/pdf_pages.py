"""What the emulator reads from one PDF page with pdfplumber: tables, pictures and words,
in points of the page as PDFium renders it (from its top left corner, inside the page).

Pages whose boxes disagree are common: a MediaBox with a negative origin or written upside
down, text or drawings outside the page, a CropBox smaller than the MediaBox, a page turned
by ``/Rotate``. Every box is moved onto the rendered page (:mod:`.pdf_frame`) and cut to
it, a word wholly off it is left out, and one page that cannot be read whole is read as
plain text (or, without a text layer, by OCR), never failing the document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from ._blocks import Box, FoundTable
from ._words import clamp, inside, page_words
from .pdf_frame import PageFrame
from .pdf_glyphs import rebox_hanging, restore_glyphs
from .pdf_tables import find_tables

logger = logging.getLogger("somark_loaders.emulator")


class PageContent(NamedTuple):
    tables: list[FoundTable]
    images: list[Box]
    words: list[dict[str, Any]]


def read_page(
    page: Any, number: int, name: str, glyphs: Callable[[int], list[str]] | None = None
) -> PageContent:
    """Tables, pictures (over 20 points a side) and words of ``page`` (``number`` and the
    file's ``name`` are for the warnings); ``glyphs`` gives PDFium's characters of a page
    by its number, for those pdfminer cannot map (:mod:`.pdf_glyphs`)."""
    if glyphs is not None:
        try:
            restore_glyphs(page, number, glyphs)
        except Exception as err:  # pdfminer raises many unrelated types on damaged content
            logger.warning(
                "Page %d of %s: unmapped characters not read (%s: %s).",
                *(number + 1, name, type(err).__name__, err),
            )
    try:
        rebox_hanging(page.objects.get("char", []))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as err:  # a glyph without a size
        logger.debug("Page %d of %s: glyph boxes kept (%s).", number + 1, name, err)
    try:
        tables = find_tables(page)
        images = [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in page.images]
    except Exception as err:  # pdfplumber and pdfminer raise many unrelated types
        logger.warning(
            "Page %d of %s: tables and figures not read (%s: %s); read as plain text.",
            *(number + 1, name, type(err).__name__, err),
        )
        tables, images = [], []
    try:
        words = page_words(page)
    except Exception as err:  # pdfminer raises many unrelated types on damaged content
        logger.warning(
            "Page %d of %s: text layer not read (%s: %s); read by OCR.",
            *(number + 1, name, type(err).__name__, err),
        )
        words = []
    frame = PageFrame(page)

    def moved(box: Any) -> Box:
        return clamp(frame.box(box), frame.bounds)

    shown = []  # a word wholly outside the rendered page is not seen on it
    for word in words:
        box = frame.box((word["x0"], word["top"], word["x1"], word["bottom"]))
        if box[0] < frame.width and box[2] > 0 and box[1] < frame.height and box[3] > 0:
            word["x0"], word["top"], word["x1"], word["bottom"] = clamp(box, frame.bounds)
            shown.append(word)
    boxes = [moved(box) for box in images]
    return PageContent(
        [table._replace(box=moved(table.box)) for table in tables],
        [b for b in boxes if b[2] - b[0] > 20 and b[3] - b[1] > 20],
        shown,
    )


def flow_words(words: list[dict[str, Any]], tables: list[FoundTable]) -> list[dict[str, Any]]:
    """The upright ``words`` outside the ``tables``: the page's running text."""
    return [w for w in words if w["upright"] and not any(inside(w, t.box) for t in tables)]
