"""Extraction engines of the emulator: files -> SoMark-shaped pages and blocks.

Honest and simple for now: PDFs with a text layer give real text with real coordinates
(paragraphs in text-flow order, short bold lines as titles); pages without text give one
``figure`` block; images give one page of their pixel size with one ``figure`` block.
Coordinates are pixels of a 150-DPI raster, as the service reports them.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import IMAGE_EXTENSIONS as _IMAGES
from .._files import PDF_EXTENSIONS

logger = logging.getLogger("somark_loaders.emulator")

DPI = 150
SCALE = DPI / 72.0
# Pillow cannot open HEIC/HEIF without a plugin: those fail honestly at extraction.
IMAGE_EXTENSIONS = _IMAGES - {".heic", ".heif"}
_BOLD_MARKERS = ("bold", "medi", "semibold", "black", "heavy", "cmbx", "sfbx", "-bd")


class EngineError(Exception):
    """The document cannot be read (corrupted, encrypted, unsupported by the emulator)."""

    def __init__(self, message: str, *, code: int = 1106) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ExtractOptions:
    title_levels: bool = False
    keep_header_footer: bool = False
    image_url: str = ""  # URL of the original image for figure blocks ("" = none)


@dataclass
class _Line:
    words: list[dict[str, Any]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return float(min(w["x0"] for w in self.words))

    @property
    def x1(self) -> float:
        return float(max(w["x1"] for w in self.words))

    @property
    def top(self) -> float:
        return float(min(w["top"] for w in self.words))

    @property
    def bottom(self) -> float:
        return float(max(w["bottom"] for w in self.words))

    @property
    def size(self) -> float:
        return float(Counter(round(w["size"], 1) for w in self.words).most_common(1)[0][0])

    @property
    def bold(self) -> bool:
        names = [str(w.get("fontname", "")).lower() for w in self.words]
        return sum(any(m in n for m in _BOLD_MARKERS) for n in names) > len(names) / 2

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)


def _px(value: float) -> int:
    return round(value * SCALE)


def count_pages(path: Path, ext: str) -> int:
    """Pages of a file (raises :class:`EngineError` when it cannot be opened)."""
    if ext in PDF_EXTENSIONS:
        return _pdf_page_count(path)
    if ext in IMAGE_EXTENSIONS:
        return 1
    raise EngineError(f"The emulator has no engine for {ext} files yet.", code=1137)


def _pdf_page_count(path: Path) -> int:
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


def _open_pdf(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pdf = None
    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # forces the page tree to load
    except PDFPasswordIncorrect:
        if pdf is not None:
            pdf.close()
        raise EngineError("The PDF is encrypted; encrypted files are not supported.") from None
    except Exception as err:  # pdfminer raises many unrelated types on damaged files
        if pdf is not None:
            pdf.close()
        raise EngineError(f"Invalid or corrupted PDF file ({type(err).__name__}).") from None
    return pdf


def extract(
    path: Path, ext: str, options: ExtractOptions, *, sha256: str | None = None
) -> list[dict[str, Any]]:
    """SoMark ``outputs.json.pages`` for a file.

    With the file's ``sha256``, results are memoised per content and options, so a test
    suite parsing the same document many times pays the extraction once per process.
    """
    if not sha256:
        return _extract(path, ext, options)
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


def _extract(path: Path, ext: str, options: ExtractOptions) -> list[dict[str, Any]]:
    if ext in PDF_EXTENSIONS:
        return _extract_pdf(path, options)
    if ext in IMAGE_EXTENSIONS:
        return [_extract_image(path, options)]
    raise EngineError(f"The emulator has no engine for {ext} files yet.", code=1137)


def _block(
    idx: int, kind: str, bbox: tuple[float, float, float, float], content: str, **extra: Any
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "idx": idx,
        "type": kind,
        "bbox": [_px(bbox[0]), _px(bbox[1]), _px(bbox[2]), _px(bbox[3])],
        "content": content,
        "format": "text",
        "captions": [],
        "img_url": "",
        "display": True,
    }
    block.update(extra)
    return block


def _lines(words: list[dict[str, Any]]) -> list[_Line]:
    lines: list[_Line] = []
    for word in words:
        if lines:
            cur = lines[-1]
            last = cur.words[-1]
            tolerance = 0.6 * max(last["bottom"] - last["top"], word["bottom"] - word["top"])
            same_row = (
                abs(word["top"] - last["top"]) <= tolerance
                or abs(word["bottom"] - last["bottom"]) <= tolerance
            )
            if same_row and word["x0"] >= last["x1"] - 1.0:
                cur.words.append(word)
                continue
        lines.append(_Line([word]))
    return lines


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    paras: list[list[_Line]] = []
    for line in lines:
        if paras:
            prev = paras[-1][-1]
            height = max(prev.bottom - prev.top, 1.0)
            gap = line.top - prev.bottom
            overlaps = line.x0 < prev.x1 and line.x1 > prev.x0
            same_style = abs(line.size - prev.size) < 0.8 and line.bold == prev.bold
            if -0.5 * height <= gap < 0.9 * height and overlaps and same_style:
                paras[-1].append(line)
                continue
        paras.append([line])
    return paras


def _extract_pdf(path: Path, options: ExtractOptions) -> list[dict[str, Any]]:
    pdf = _open_pdf(path)
    # (page number, page size in points, paragraphs or None for a page without text)
    layout: list[tuple[int, tuple[float, float], list[list[_Line]] | None]] = []
    with pdf:
        for number, page in enumerate(pdf.pages):
            words = [
                w
                for w in page.extract_words(
                    use_text_flow=True, x_tolerance=1.5, extra_attrs=["size", "fontname"]
                )
                if w.get("upright", True)
            ]
            dims = (float(page.width), float(page.height))
            layout.append((number, dims, _paragraphs(_lines(words)) if words else None))
    # Body size and title sizes are decided over the whole document, as a reader would.
    sizes = Counter(
        line.size
        for _, _, paras in layout
        for para in paras or ()
        for line in para
        for _ in line.words
    )
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    title_sizes = sorted(
        {p[0].size for _, _, paras in layout for p in paras or () if _is_title(p, body)},
        reverse=True,
    )
    pages: list[dict[str, Any]] = []
    for number, (width, height), paras in layout:
        if paras is None:
            logger.warning(
                "Page %d of %s has no text layer; emitted as one figure (no OCR).",
                number + 1,
                path.name,
            )
            blocks = [_block(0, "figure", (0, 0, width, height), "")]
        else:
            blocks = _text_blocks(paras, body, title_sizes, options)
        pages.append(
            {
                "page_num": number,
                "page_size": {"w": _px(width), "h": _px(height)},
                "merge_content_from_pre_page": False,
                "blocks": blocks,
            }
        )
    return pages


def _text_blocks(
    paras: list[list[_Line]], body: float, title_sizes: list[float], options: ExtractOptions
) -> list[dict[str, Any]]:
    blocks = []
    for idx, para in enumerate(paras):
        bbox = (
            min(x.x0 for x in para),
            min(x.top for x in para),
            max(x.x1 for x in para),
            max(x.bottom for x in para),
        )
        text = " ".join(line.text for line in para).strip()
        if _is_title(para, body):
            extra: dict[str, Any] = {}
            if options.title_levels:
                extra["title_level"] = min(title_sizes.index(para[0].size) + 1, 6)
            blocks.append(_block(idx, "title", bbox, text, **extra))
        else:
            blocks.append(_block(idx, "text", bbox, text))
    return blocks


_NOT_A_TITLE = re.compile(r"[∗†‡@§¶]|^[,;.)\]]")


def _is_title(para: list[_Line], body: float) -> bool:
    text = " ".join(line.text for line in para)
    return (
        len(para) <= 2
        and len(text) <= 120
        and (para[0].size >= body + 1.5 or (para[0].bold and para[0].size >= body - 0.5))
        and not text.rstrip().endswith((".", ","))
        and not _NOT_A_TITLE.search(text)  # author lines with affiliation marks, e-mail
        and any(c.isalpha() for c in text)
    )


def _extract_image(path: Path, options: ExtractOptions) -> dict[str, Any]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as err:
        raise EngineError(f"The image cannot be read ({err}).", code=1106) from None
    block = {
        "idx": 0,
        "type": "figure",
        "bbox": [0, 0, width, height],
        "content": "",
        "format": "text",
        "captions": [],
        "img_url": options.image_url,
        "display": True,
    }
    return {
        "page_num": 0,
        "page_size": {"w": width, "h": height},
        "merge_content_from_pre_page": False,
        "blocks": [block],
    }


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
