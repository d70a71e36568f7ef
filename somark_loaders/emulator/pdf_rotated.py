"""Text drawn turned a quarter on a PDF page: a landscape table set sideways on a portrait
page with its caption and notes, a label along a margin.

The page is read again turned so that this text stands upright (the page's ``/Rotate``
advanced by a quarter turn, as a reader turns the paper; once for each way sideways text
runs, up the page and down it), through the same
words, lines and tables as any page (its titles are text: sideways text is a label or a
caption, not a heading of the document); the text that was upright is sideways in
that reading and left out of it. Its blocks are turned back into the page's frame and
placed among the page's own blocks by their top.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from ._words import glyph_upright, overlaps

__all__ = ["MIN_CHARS", "merge_blocks", "sideways_quarters", "turned_pages", "unturn_box"]

MIN_CHARS = 20  # glyphs turned the same way that are worth a second reading of the page


def sideways_quarters(page: Any) -> list[int]:
    """The quarter turns (90, 270: clockwise) that stand the page's sideways text upright,
    one for each way it runs with at least :data:`MIN_CHARS` glyphs (up the page, down
    the page: a label along each margin, a table's turned caption and a stamp)."""
    up = down = 0
    for char in page.chars:
        if glyph_upright(char):
            continue
        b = float(char["matrix"][1])  # > 0: the text runs up the page
        if b > 0:
            up += 1
        elif b < 0:
            down += 1
    found = [(up, 90), (down, 270)]
    return [quarter for glyphs, quarter in sorted(found, reverse=True) if glyphs >= MIN_CHARS]


@contextmanager
def turned_pages(path: Path, number: int, page: Any) -> Iterator[list[tuple[Any, int]]]:
    """Page ``number`` of the PDF at ``path`` (``page``, opened by pdfplumber) turned so
    that its sideways text stands upright, with the quarter turn: once for each way its
    sideways text runs (none when it has little, or pypdf cannot copy the page)."""
    quarters = sideways_quarters(page)
    if not quarters:
        yield []
        return
    from .pdf_objects import fast_chars

    with ExitStack() as opened:
        views = []
        for quarter in quarters:
            turned = _turned(path, number, quarter)
            if turned is None:
                break
            opened.enter_context(turned)
            # only the text upright there: the page's own text is read already
            views.append((fast_chars(turned.pages[0]).filter(_not_sideways), quarter))
        yield views


def _turned(path: Path, number: int, quarter: int) -> Any | None:
    """Page ``number`` alone, turned a ``quarter``, opened by pdfplumber (None: pypdf
    cannot copy it)."""
    import pdfplumber
    from pypdf import PdfReader, PdfWriter

    try:
        writer = PdfWriter()
        writer.add_page(PdfReader(path).pages[number])
        writer.pages[0].rotate(quarter)
        data = io.BytesIO()
        writer.write(data)
        data.seek(0)
        return pdfplumber.open(data)
    except Exception:  # pypdf raises many unrelated types on damaged files
        return None


def _not_sideways(obj: dict[str, Any]) -> bool:
    """Not a glyph, or one that stands upright in this reading: neither sideways nor
    upside down (the text that runs the other way along the page, turned a half here)."""
    if obj.get("object_type") != "char":
        return True
    return glyph_upright(obj) and float(obj["matrix"][0]) >= 0


def unturn_box(box: list[int], quarter: int, width: int, height: int) -> list[int]:
    """A box of the turned page back in the frame of the page (``width`` x ``height``)."""
    x0, top, x1, bottom = box
    if quarter == 90:
        return [top, height - x1, bottom, height - x0]
    return [width - bottom, x0, width - top, x1]


def merge_blocks(
    blocks: list[dict[str, Any]], turned: list[dict[str, Any]], quarter: int, size: tuple[int, int]
) -> list[dict[str, Any]]:
    """The page's ``blocks`` (its size in pixels: ``size``) with the blocks of its
    reading turned a ``quarter``, turned back, put before the first block below their
    top; those inside a table of the page are left out (its cells read their sideways
    text, a column's turned header). Indexes are renumbered."""
    tables = [b["bbox"] for b in blocks if b["type"] == "table"]
    turned = [
        block
        for block in (_unturned(b, quarter, size) for b in turned)
        if not any(overlaps(tuple(block["bbox"]), tuple(table)) for table in tables)
    ]
    if not turned:
        return blocks
    kept = blocks
    top = min(b["bbox"][1] for b in turned)
    slot = next((i for i, b in enumerate(kept) if b["bbox"][1] > top), len(kept))
    merged = [*kept[:slot], *turned, *kept[slot:]]
    return [{**block, "idx": index} for index, block in enumerate(merged)]


def _unturned(block: dict[str, Any], quarter: int, size: tuple[int, int]) -> dict[str, Any]:
    """A block of the turned reading in the page's frame. Sideways text is a label or a
    caption beside the flow (an archive's stamp along the margin), never one of the
    document's headings: a title there is text."""
    out = {**block, "bbox": unturn_box(block["bbox"], quarter, *size)}
    if out["type"] == "title":
        out["type"] = "text"
        out.pop("title_level", None)
    return out
