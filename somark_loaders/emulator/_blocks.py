"""What every extraction engine of the emulator shares: options, errors, block shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from . import ocr
from .pictures import IMAGE_URL_PREFIX

DPI = 150
SCALE = DPI / 72.0
# A page without a text layer is read by OCR at twice the resolution of its boxes: at 150
# DPI a line of 10 pt type is some 20 pixels high, and the recogniser (which reads a line
# 48 pixels high) runs its words together and takes letters for others (``quifumesur``,
# ``TIE PRESIDENT``, ``Chabter``); at 300 DPI the same lines read whole. The detector
# works on the page shrunk to its own size anyway: the cost is the finer crops.
OCR_SHRINK = 2.0
OCR_MAX_PIXELS = 64_000_000  # a larger page (a poster, a drawing) is read at 150 DPI


class EngineError(Exception):
    """The document cannot be read (corrupted, encrypted, unsupported by the emulator)."""

    def __init__(self, message: str, *, code: int = 1106) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ExtractOptions:
    title_levels: bool = False
    keep_header_footer: bool = False
    table_mode: str = "html"  # element_formats.table
    table_cross_page: bool = False  # feature_config.enable_table_cross_page
    text_cross_page: bool = False  # feature_config.enable_text_cross_page


def px(value: float) -> int:
    return round(value * SCALE)


def make_block(
    idx: int, kind: str, bbox: tuple[float, float, float, float], content: str, **extra: Any
) -> dict[str, Any]:
    """A block whose box is in points."""
    box = [px(bbox[0]), px(bbox[1]), px(bbox[2]), px(bbox[3])]
    return pixel_block(idx, kind, box, content, **extra)


def pixel_block(idx: int, kind: str, box: list[int], content: str, **extra: Any) -> dict[str, Any]:
    """A block as the service's JSON has it, its box in pixels."""
    block: dict[str, Any] = {
        "idx": idx,
        "type": kind,
        "bbox": box,
        "content": content,
        "format": "text",
        "captions": [],
        "img_url": "",
        "display": True,
    }
    block.update(extra)
    return block


# Placeholder for the emulator's own file URL, filled in per task by the service.


def table_format(block: dict[str, Any], options: ExtractOptions, page: int) -> dict[str, Any]:
    """``element_formats.table``: html (as found), markdown, or image."""
    if options.table_mode == "markdown":
        from ..convert.tables import parse_html_table

        table = parse_html_table(block["content"])
        if table is not None:
            block["content"] = table.to_markdown()
            block["format"] = "markdown"
    elif options.table_mode == "image":
        block["img_url"] = (
            f"{IMAGE_URL_PREFIX}img/{page}/{','.join(str(v) for v in block['bbox'])}.png"
        )
        block["content"] = ""
        block["format"] = "image"
    return block


def ocr_blocks(image: Any, shrink: float = 1.0) -> list[dict[str, Any]]:
    """Text and table blocks read by OCR from a PIL image, their boxes in its pixels
    divided by ``shrink`` (a page rendered finer for OCR than the frame of its boxes)."""
    from .ocr_columns import in_reading_order
    from .ocr_tables import ocr_tables
    from .pdf_table_html import pdf_table_html

    try:
        lines = ocr.read_lines(image)
    except RuntimeError as err:
        raise EngineError(str(err), code=1137) from None
    if shrink != 1.0:
        lines = [_shrunk(line, shrink) for line in lines]
    tables = ocr_tables(lines)
    rest = [
        line
        for line in lines
        if not any(_centre_in((line.x0, line.top, line.x1, line.bottom), t.box) for t in tables)
    ]
    blocks = ocr.to_blocks(rest, titles=True)
    for table in tables:
        html = pdf_table_html(table.rows, table.header_rows)
        blocks.append(
            {
                "idx": 0,
                "type": "table",
                "bbox": [round(v) for v in table.box],
                "content": html,
                "format": "html",
                "captions": [],
                "img_url": "",
                "display": True,
            }
        )
    blocks.sort(key=lambda block: (block["bbox"][1], block["bbox"][0]))
    return in_reading_order(blocks)


Box = tuple[float, float, float, float]


def _shrunk(line: ocr.OcrLine, shrink: float) -> ocr.OcrLine:
    x0, top, x1, bottom = (v / shrink for v in (line.x0, line.top, line.x1, line.bottom))
    return ocr.OcrLine(x0, top, x1, bottom, line.text)


def _centre_in(item: Box, box: Box) -> bool:
    cx, cy = (item[0] + item[2]) / 2, (item[1] + item[3]) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


class FoundTable(NamedTuple):
    """A table found on a PDF page: where, its rows (``None`` where a merged cell
    continues) and how many of them are its header."""

    box: Box
    rows: list[list[str | None]]
    header_rows: int = 1


def letters(cells: list[str]) -> bool:
    """Body text or a formula cut into letter columns, not a table."""
    tokens = [t for c in cells for t in c.split()]
    return sum(len(t) == 1 and not t.isdigit() for t in tokens) > 0.3 * max(len(tokens), 1)
