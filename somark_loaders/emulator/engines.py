"""Extraction engines of the emulator: files -> SoMark-shaped pages and blocks.

PDFs with a text layer give real text with real coordinates (paragraphs in text-flow
order, short bold lines as titles); PDF pages without a text layer and images are read by
OCR (``ocr.py``, extra ``ocr``: without it their task fails and says what to install); a
picture without text gives one ``figure`` block.
Coordinates are pixels of a 150-DPI raster, as the service reports them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..files._files import IMAGE_EXTENSIONS as _IMAGES
from ..files._files import PDF_EXTENSIONS
from . import office, pdf, sheets, word
from ._blocks import EngineError, ExtractOptions, ocr_blocks
from .pdf_pdfium import page_count
from .pictures import IMAGE_URL_PREFIX, box_name, picture_url
from .word_running import with_running_lines

__all__ = [
    "IMAGE_EXTENSIONS",
    "IMAGE_URL_PREFIX",
    "EngineError",
    "ExtractOptions",
    "catalog",
    "count_pages",
    "extract",
    "pdf",
    "to_markdown",
]

logger = logging.getLogger("somark_loaders.emulator")

_OFFICE_ENGINES = {
    ".docx": word.extract_docx,
    ".pptx": office.extract_pptx,
    ".xlsx": sheets.extract_xlsx,
    ".xlsm": sheets.extract_xlsx,
}

# Pillow cannot open HEIC/HEIF without a plugin: those fail honestly at extraction.
IMAGE_EXTENSIONS = _IMAGES - {".heic", ".heif"}


def _levels_if_asked(pages: list[dict[str, Any]], options: ExtractOptions) -> list[dict[str, Any]]:
    """Office engines know heading levels from styles, OCR from numbering and type size
    (images, scanned PDF pages); like the service, levels are only reported when title
    level recognition is on."""
    if not options.title_levels:
        for page in pages:
            for block in page["blocks"]:
                block.pop("title_level", None)
    return pages


def count_pages(path: str | Path, ext: str) -> int:
    """Pages of a file (raises :class:`EngineError` when it cannot be opened)."""
    path = Path(path)
    if ext in PDF_EXTENSIONS:
        return page_count(path)
    if ext in IMAGE_EXTENSIONS:
        return 1
    if ext in _OFFICE_ENGINES:  # pictures take their room unread: no OCR at upload
        return len(_extract(path, ext, ExtractOptions(), read_pictures=False))
    raise EngineError(f"The emulator has no engine for {ext} files yet.", code=1137)


def extract(
    path: str | Path, ext: str, options: ExtractOptions, *, sha256: str | None = None
) -> list[dict[str, Any]]:
    """SoMark ``outputs.json.pages`` for a file.

    With the file's ``sha256``, results are memoised per content and options, so a test
    suite parsing the same document many times pays the extraction once per process.
    """
    path = Path(path)
    if not sha256:
        return _extract(path, ext, options)
    # Image URLs are placeholders that name no task (the service fills them in): the same
    # picture uploaded twice is read (OCR) once
    key = (sha256, ext, options)
    with _MEMO_LOCK:
        cached = _MEMO.get(key)
    if cached is None:
        cached = json.dumps(_extract(path, ext, options))
        with _MEMO_LOCK:
            _MEMO[key] = cached
            while len(_MEMO) > 32:
                _MEMO.popitem(last=False)
    return json.loads(cached)  # type: ignore[no-any-return]


# Extraction results by (content sha256, extension, options): the same document parsed
# many times in one process (a test suite) is extracted once. Bounded; emulator only.
_MEMO: OrderedDict[tuple[str, str, ExtractOptions], str] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _extract(
    path: Path, ext: str, options: ExtractOptions, *, read_pictures: bool = True
) -> list[dict[str, Any]]:
    office = _OFFICE_ENGINES.get(ext)
    if office is not None:
        try:
            pages = office(path, read_pictures=read_pictures)
            if ext == ".docx" and options.keep_header_footer:
                pages = with_running_lines(path, pages)
        except Exception as err:  # the Office libraries raise many types on bad files
            raise EngineError(
                f"The {ext} file cannot be read ({type(err).__name__}: {err})."
            ) from None
        return _levels_if_asked(pages, options)
    if ext in PDF_EXTENSIONS:
        return _levels_if_asked(pdf.extract_pdf(path, options), options)
    if ext in IMAGE_EXTENSIONS:
        return _levels_if_asked([_extract_image(path, options)], options)
    raise EngineError(f"The emulator has no engine for {ext} files yet.", code=1137)


def _extract_image(path: Path, options: ExtractOptions) -> dict[str, Any]:
    """One page of the image's pixel size: its text read by OCR, and its pictures as
    ``figure`` blocks, each with a crop of its own (the whole image when it has no text)."""
    from PIL import Image, UnidentifiedImageError

    from .image_figures import picture_boxes
    from .ocr_columns import in_reading_order

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as err:
        raise EngineError(f"The image cannot be read ({err}).", code=1106) from None
    width, height = image.size
    blocks = ocr_blocks(image)
    boxes = picture_boxes(image, blocks) if blocks else [[0, 0, width, height]]
    figures = [
        {
            "idx": 0,
            "type": "figure",
            "bbox": box,
            "content": "",
            "format": "text",
            "captions": [],
            "img_url": picture_url(0, box_name(box)),  # filled in by the parse job
            "display": True,
        }
        for box in boxes
    ]
    if figures:  # in reading order (by column); a figure before the words read inside it
        blocks = in_reading_order(
            sorted(
                figures + blocks,
                key=lambda b: (b["bbox"][1], b["bbox"][0], b["type"] != "figure"),
            )
        )
    return {
        "page_num": 0,
        "page_size": {"w": width, "h": height},
        "merge_content_from_pre_page": False,
        "blocks": blocks,
    }


def catalog(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table of contents SoMark returns with title levels: nested title nodes."""
    roots: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for page in pages:
        for block in page["blocks"]:
            level = block.get("title_level")
            if block["type"] != "title" or not level:
                continue
            node = {
                "content": block["content"],
                "title_level": level,
                "page_num": page["page_num"],
                "block_idx": block["idx"],
                "children": [],
            }
            while stack and stack[-1]["title_level"] >= level:
                stack.pop()
            (stack[-1]["children"] if stack else roots).append(node)
            stack.append(node)
    return roots


def to_markdown(pages: list[dict[str, Any]]) -> str:
    """Whole-document Markdown from the blocks, as ``outputs.markdown``."""
    parts: list[str] = []
    for page in pages:
        for block in page["blocks"]:
            kind, content = block["type"], block["content"]
            if kind in {"header", "footer", "blank"}:
                continue
            if kind == "title":
                parts.append("#" * int(block.get("title_level") or 1) + " " + content)
            elif kind == "equation":
                parts.append(f"$$\n{content}\n$$")
            elif kind == "figure":
                if block.get("img_url"):
                    parts.append(f"![{content}]({block['img_url']})")
                elif content:
                    parts.append(content)
            elif content:
                parts.append(content)
    return "\n\n".join(parts)
