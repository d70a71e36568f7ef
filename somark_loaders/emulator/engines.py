"""Extraction engines of the emulator: files -> SoMark-shaped pages and blocks.

PDFs with a text layer give real text with real coordinates (paragraphs in text-flow
order, short bold lines as titles); PDF pages without a text layer and images are read by
OCR (``ocr.py``, extra ``ocr``: without it their task fails and says what to install); a
picture without text gives one ``figure`` block.
Coordinates are pixels of a 150-DPI raster, as the service reports them.
"""

from __future__ import annotations

import io
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
from . import ocr, office

logger = logging.getLogger("somark_loaders.emulator")

_OFFICE_ENGINES = {
    ".docx": office.extract_docx,
    ".pptx": office.extract_pptx,
    ".xlsx": office.extract_xlsx,
    ".xlsm": office.extract_xlsx,
}

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
    image_mode: str = "url"  # element_formats.image
    table_mode: str = "html"  # element_formats.table


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


def _finish_office(pages: list[dict[str, Any]], options: ExtractOptions) -> list[dict[str, Any]]:
    """Office engines know heading levels from styles; like the service, levels are only
    reported when title level recognition is on."""
    if not options.title_levels:
        for page in pages:
            for block in page["blocks"]:
                block.pop("title_level", None)
    return pages


def count_pages(path: Path, ext: str) -> int:
    """Pages of a file (raises :class:`EngineError` when it cannot be opened)."""
    if ext in PDF_EXTENSIONS:
        return _pdf_page_count(path)
    if ext in IMAGE_EXTENSIONS:
        return 1
    if ext in _OFFICE_ENGINES:
        return len(_extract(path, ext, ExtractOptions()))
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
    office = _OFFICE_ENGINES.get(ext)
    if office is not None:
        try:
            pages = office(path)
        except Exception as err:  # the Office libraries raise many types on bad files
            raise EngineError(
                f"The {ext} file cannot be read ({type(err).__name__}: {err})."
            ) from None
        return _finish_office(pages, options)
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


@dataclass
class _PageLayout:
    number: int
    width: float
    height: float
    paras: list[list[_Line]] | None  # None: no text layer
    tables: list[tuple[tuple[float, float, float, float], list[list[str | None]]]]
    images: list[tuple[float, float, float, float]]


_LINES_TABLES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_RULED_TABLES = {"vertical_strategy": "text", "horizontal_strategy": "lines"}


def _find_tables(
    page: Any,
) -> list[tuple[tuple[float, float, float, float], list[list[str | None]]]]:
    """Ruled tables first; else tables drawn with horizontal rules only (booktabs style),
    kept when they look like tables (>= 3 rows, >= 2 columns, short cells)."""
    found = []
    for settings in (_LINES_TABLES, _RULED_TABLES):
        for table in page.find_tables(settings):
            rows = table.extract()
            cells = [c for row in rows for c in row if c]
            positions = sum(len(r) for r in rows)
            if len(rows) < 2 or max((len(r) for r in rows), default=0) < 2:
                continue
            if len(cells) < 0.3 * positions:  # a drawn box or a form, not a table
                continue
            tokens = [t for c in cells for t in c.split()]
            if sum(len(t) == 1 for t in tokens) > 0.4 * max(len(tokens), 1):
                continue  # body text cut into letter columns, not a table
            if settings is _RULED_TABLES and (
                len(rows) < 3 or sum(len(c) for c in cells) / len(cells) > 40
            ):
                continue
            box, rows = _widen(page, tuple(table.bbox), rows)
            found.append((box, rows))
        if found:
            break
    return found


_BESIDE = 30.0  # points: a column gap wider than this is another column of the page


def _widen(
    page: Any, box: tuple[float, float, float, float], rows: list[list[str | None]]
) -> tuple[tuple[float, float, float, float], list[list[str | None]]]:
    """Ruled tables often leave their outer columns unruled: take in the words on the same
    rows beside the ruled part, and read the widened area again by its text columns."""
    x0, top, x1, bottom = box
    band = [w for w in page.extract_words() if w["top"] >= top - 2 and w["bottom"] <= bottom + 2]
    left, right = x0, x1
    grew = True
    while grew:  # take in words close to the table's sides, not the next column's text
        grew = False
        for w in band:
            if w["x1"] < left and left - w["x1"] < _BESIDE:
                left, grew = float(w["x0"]), True
            elif w["x0"] > right and w["x0"] - right < _BESIDE:
                right, grew = float(w["x1"]), True
    if (left, right) == (x0, x1):
        return box, rows
    wide = (left - 1, top, right + 1, bottom)
    again = page.crop(wide).extract_table(_RULED_TABLES) or []
    if max((len(r) for r in again), default=0) > max(len(r) for r in rows):
        return wide, again
    return box, rows


def _inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def _extract_pdf(path: Path, options: ExtractOptions) -> list[dict[str, Any]]:
    pdf = _open_pdf(path)
    layout: list[_PageLayout] = []
    with pdf:
        for number, page in enumerate(pdf.pages):
            tables = _find_tables(page)
            words = [
                w
                for w in page.extract_words(
                    use_text_flow=True, x_tolerance=1.5, extra_attrs=["size", "fontname"]
                )
                if w.get("upright", True) and not any(_inside(w, box) for box, _ in tables)
            ]
            images = [
                (float(i["x0"]), float(i["top"]), float(i["x1"]), float(i["bottom"]))
                for i in page.images
                if (i["x1"] - i["x0"]) > 20 and (i["bottom"] - i["top"]) > 20
            ]
            has_text = bool(words) or bool(tables)
            layout.append(
                _PageLayout(
                    number,
                    float(page.width),
                    float(page.height),
                    _paragraphs(_lines(words)) if has_text else None,
                    tables,
                    images,
                )
            )
    # Body size and title sizes are decided over the whole document, as a reader would.
    sizes = Counter(
        line.size
        for page in layout
        for para in page.paras or ()
        for line in para
        for _ in line.words
    )
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    title_sizes = sorted(
        {p[0].size for page in layout for p in page.paras or () if _is_title(p, body)}, reverse=True
    )
    furniture = _running_text(layout)
    pages: list[dict[str, Any]] = []
    for page in layout:
        if page.paras is None:
            blocks = _scanned_page(path, page, options)
        else:
            blocks = _page_blocks(page, body, title_sizes, furniture, options)
        pages.append(
            {
                "page_num": page.number,
                "page_size": {"w": _px(page.width), "h": _px(page.height)},
                "merge_content_from_pre_page": False,
                "blocks": blocks,
            }
        )
    return pages


_DIGITS = re.compile(r"\d+")


def _band(para: list[_Line], page: _PageLayout) -> str | None:
    top, bottom = min(x.top for x in para), max(x.bottom for x in para)
    if bottom < page.height * 0.08:
        return "header"
    if top > page.height * 0.92:
        return "footer"
    return None


def _running_text(layout: list[_PageLayout]) -> set[tuple[str, str]]:
    """(band, text with digits masked) of lines repeated at the top or bottom of pages."""
    seen: Counter[tuple[str, str]] = Counter()
    for page in layout:
        for para in page.paras or ():
            band = _band(para, page)
            if band:
                seen[(band, _DIGITS.sub("#", " ".join(x.text for x in para)))] += 1
    pages = max(len(layout), 1)
    return {key for key, n in seen.items() if n >= 2 and n >= 0.3 * pages}


def _page_blocks(
    page: _PageLayout,
    body: float,
    title_sizes: list[float],
    furniture: set[tuple[str, str]],
    options: ExtractOptions,
) -> list[dict[str, Any]]:
    items: list[tuple[str, tuple[float, float, float, float], str, dict[str, Any]]] = []
    for para in page.paras or ():
        bbox = (
            min(x.x0 for x in para),
            min(x.top for x in para),
            max(x.x1 for x in para),
            max(x.bottom for x in para),
        )
        text = " ".join(line.text for line in para).strip()
        band = _band(para, page)
        if band and ((band, _DIGITS.sub("#", text)) in furniture or text.isdigit()):
            if options.keep_header_footer:
                items.append((band, bbox, text, {}))
            continue
        if _CAPTION.match(text):
            kind = "table_caption" if text.lower().startswith("table") else "figure_caption"
            items.append((kind, bbox, text, {}))
        elif _is_title(para, body):
            extra: dict[str, Any] = {}
            if options.title_levels:
                extra["title_level"] = min(title_sizes.index(para[0].size) + 1, 6)
            items.append(("title", bbox, text, extra))
        else:
            items.append(("text", bbox, text, {}))
    # Tables and figures go before the first in-flow block below them in their column.
    for box, rows in page.tables:
        items.insert(_slot(items, box), ("table", box, _pdf_table_html(rows), {}))
    for box in page.images:
        items.insert(_slot(items, box), ("figure", box, "", {}))
    blocks = []
    for idx, (kind, bbox, content, extra) in enumerate(items):
        block = _block(idx, kind, bbox, content, **extra)
        if kind == "table":
            block = _table_format(block, options, page.number)
        elif kind == "figure" and options.image_mode in ("url", "base64"):
            block["img_url"] = (
                f"{IMAGE_URL_PREFIX}img/{page.number}/{','.join(str(v) for v in block['bbox'])}.png"
            )
        blocks.append(block)
    return blocks


# "Table 2: ...", "Figure 1. ...", "Table 3-1 Special registers" (not "Table 2 compares").
_CAPTION = re.compile(r"^(Table|TABLE|Figure|FIGURE|Fig\.)\s*\d+([.-]\d+)*(\s*[.:]|\s+[A-Z])")
# Placeholder for the emulator's own file URL, filled in per task by the service.
IMAGE_URL_PREFIX = "somark-emulator://"


def _slot(
    items: list[tuple[str, tuple[float, float, float, float], str, dict[str, Any]]],
    box: tuple[float, float, float, float],
) -> int:
    for index, (_kind, other, _text, _extra) in enumerate(items):
        overlaps = other[0] < box[2] and other[2] > box[0]
        if overlaps and other[1] >= box[1]:
            return index
    return len(items)


def _pdf_table_html(rows: list[list[str | None]]) -> str:
    """pdfplumber rows (``None`` where a merged cell continues) -> HTML with spans.

    A ``None`` continues the cell on its left when that cell starts in the same row
    (colspan), else the cell above (rowspan, counted once per row at its first column).
    """
    from .office import _Cell, table_html

    width = max(len(r) for r in rows)
    owner: dict[tuple[int, int], tuple[_Cell, int, int]] = {}  # position -> (cell, row, col)
    out: list[list[_Cell]] = []
    for r, raw in enumerate(rows):
        row = list(raw) + [None] * (width - len(raw))
        kept: list[_Cell] = []
        for c, value in enumerate(row):
            left = owner.get((r, c - 1)) if c else None
            above = owner.get((r - 1, c)) if r else None
            if value is None and left is not None and left[1] == r:
                left[0].colspan += 1
                owner[(r, c)] = left
            elif value is None and above is not None:
                if c == above[2]:
                    above[0].rowspan += 1
                owner[(r, c)] = above
            else:
                cell = _Cell(" ".join((value or "").split()))
                owner[(r, c)] = (cell, r, c)
                kept.append(cell)
        out.append(kept)
    return table_html([row for row in out if row])


def _table_format(block: dict[str, Any], options: ExtractOptions, page: int) -> dict[str, Any]:
    """``element_formats.table``: html (as found), markdown, or image."""
    if options.table_mode == "markdown":
        from ..tables import parse_html_table

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
    """One page of the image's pixel size: its text read by OCR, or (a picture without
    text) one ``figure`` block."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as err:
        raise EngineError(f"The image cannot be read ({err}).", code=1106) from None
    width, height = image.size
    blocks = _ocr_blocks(image)
    if not blocks:
        blocks = [
            {
                "idx": 0,
                "type": "figure",
                "bbox": [0, 0, width, height],
                "content": "",
                "format": "text",
                "captions": [],
                "img_url": options.image_url,
                "display": True,
            }
        ]
    return {
        "page_num": 0,
        "page_size": {"w": width, "h": height},
        "merge_content_from_pre_page": False,
        "blocks": blocks,
    }


def _ocr_blocks(image: Any) -> list[dict[str, Any]]:
    """Text blocks read by OCR from a PIL image (pixels as they are)."""
    try:
        return ocr.to_blocks(ocr.read_lines(image))
    except RuntimeError as err:
        raise EngineError(str(err), code=1137) from None


def _scanned_page(path: Path, page: _PageLayout, options: ExtractOptions) -> list[dict[str, Any]]:
    """A PDF page without a text layer, read by OCR at 150 DPI; a picture without text
    stays one figure."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        image = document[page.number].render(scale=SCALE).to_pil()
    finally:
        document.close()
    blocks = _ocr_blocks(image)
    if blocks:
        logger.info("Page %d of %s has no text layer; read by OCR.", page.number + 1, path.name)
        return blocks
    blocks = [_block(0, "figure", (0, 0, page.width, page.height), "")]
    if options.image_mode in ("url", "base64"):
        box = ",".join(str(v) for v in blocks[0]["bbox"])
        blocks[0]["img_url"] = f"{IMAGE_URL_PREFIX}img/{page.number}/{box}.png"
    return blocks


def render_crop(path: Path, page: int, bbox: tuple[int, int, int, int]) -> bytes:
    """PNG of ``bbox`` (pixels at 150 DPI) on ``page`` of a PDF."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        bitmap = document[page].render(scale=SCALE)
        image = bitmap.to_pil().crop(bbox)
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


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
