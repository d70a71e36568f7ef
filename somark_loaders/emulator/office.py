"""Office engines of the emulator: Word, PowerPoint and Excel files -> SoMark pages.

* DOCX: see ``word.py`` (it stacks its blocks down A4 pages with :class:`Pages`).
* PPTX: a page per slide of the slide's size; the title placeholder -> ``title``, text
  frames -> ``text`` (one block per shape), tables, pictures -> ``figure`` with their image
  (then the text OCR reads in them); coordinates are the shapes' own.
* XLSX: see ``sheets.py``.
"""

from __future__ import annotations

import copy
import hashlib
import html
import io
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .office_pictures import shape_picture
from .pictures import Media, picture_url

DPI = 150
A4 = (1241, 1754)  # 8.27 x 11.69 in at 150 DPI
MARGIN = 150
LINE = 34  # px per line of body text at 150 DPI
CHARS_PER_LINE = 95
EMU_PER_INCH = 914400

__all__ = ["Cell", "Pages", "extract_pptx", "picture_text", "table_html", "text_lines"]


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def table_html(rows: list[list[Cell]], header_rows: int = 1) -> str:
    """HTML of a table whose covered cells are already left out of ``rows``. The header
    goes down as far as its tall cells do."""
    if header_rows and rows:
        header_rows = max(header_rows, *(cell.rowspan for cell in rows[0]))
    parts = ["<table>"]
    for index, row in enumerate(rows):
        tag = "th" if index < header_rows else "td"
        cells = []
        for cell in row:
            attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
            )
            cells.append(f"<{tag}{attrs}>{html.escape(cell.text).replace(chr(10), '<br>')}</{tag}>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


@dataclass
class Pages:
    """Blocks stacked down pages of a fixed size (for formats without layout)."""

    width: int = A4[0]
    height: int = A4[1]
    pages: list[list[dict[str, Any]]] = field(default_factory=lambda: [[]])
    y: int = MARGIN

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self.y = MARGIN

    def keep_together(self, lines: int) -> None:
        """Start a new page unless ``lines`` more lines fit on this one (a caption and
        its table), when they would fit on an empty page."""
        needed = lines * LINE + LINE // 2
        if self.y + needed > self.height - MARGIN and MARGIN + needed <= self.height - MARGIN:
            self.new_page()

    def add(
        self,
        kind: str,
        content: str,
        lines: int,
        *,
        size: tuple[int, int] | None = None,
        stay: bool = False,
        **extra: Any,
    ) -> int:
        """Add a block below the last one (on a new page when it does not fit, unless it
        is to ``stay``); its idx. It takes ``lines`` lines of the text area's width, or
        ``size`` pixels (a picture)."""
        height = max(1, lines) * LINE if size is None else size[1]
        right = self.width - MARGIN if size is None else MARGIN + size[0]
        if self.y + height > self.height - MARGIN and self.pages[-1] and not stay:
            self.new_page()
        blocks = self.pages[-1]
        blocks.append(
            {
                "idx": len(blocks),
                "type": kind,
                "bbox": [
                    MARGIN,
                    self.y,
                    right,
                    min(self.y + height, self.height - MARGIN // 2),
                ],
                "content": content,
                "format": "text",
                "captions": [],
                "img_url": "",
                "display": True,
                **extra,
            }
        )
        self.y += height + LINE // 2
        return len(blocks) - 1

    def last_type(self) -> str | None:
        """The type of the last block added, if any on this page."""
        return str(self.pages[-1][-1]["type"]) if self.pages[-1] else None

    def result(self) -> list[dict[str, Any]]:
        return [
            {
                "page_num": n,
                "page_size": {"w": self.width, "h": self.height},
                "merge_content_from_pre_page": False,
                "blocks": b,
            }
            for n, b in enumerate(self.pages)
        ]


def text_lines(text: str) -> int:
    return sum(max(1, -(-len(line) // CHARS_PER_LINE)) for line in text.split("\n")) if text else 1


# --- PPTX ------------------------------------------------------------------------------


def _emu(value: int | None) -> int:
    return round((value or 0) / EMU_PER_INCH * DPI)


def _pptx_table(table: Any) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for row in table.rows:
        kept = []
        for cell in row.cells:
            if cell.is_spanned:
                continue
            rowspan = cell.span_height if cell.is_merge_origin else 1
            colspan = cell.span_width if cell.is_merge_origin else 1
            kept.append(Cell(cell.text.replace("\v", "\n").strip(), rowspan, colspan))
        rows.append(kept)
    return rows


def _soft_breaks(text: str) -> str:
    """A line break inside a paragraph (``\\v`` in python-pptx) is a space between words."""
    return " ".join(text.replace("\v", " ").split())


def picture_text(blob: Any) -> tuple[list[dict[str, Any]], tuple[int, int]]:
    """The text blocks a picture shows, read by OCR when the extra is installed (boxes in
    the picture's pixels), and its size. No blocks for a picture without text, or one OCR
    cannot open (EMF, WMF, a linked picture): it is a ``figure``, as an image file is."""
    from PIL import Image, UnidentifiedImageError

    from . import ocr

    if not ocr.available():
        return [], (0, 0)
    try:
        data = blob() if callable(blob) else blob
        key = hashlib.sha256(data).hexdigest()
        with _SEEN_LOCK:
            seen = _SEEN.get(key)
        if seen is None:  # a logo on every slide is read once
            with Image.open(io.BytesIO(data)) as opened:
                image = opened.convert("RGB")
            seen = (ocr.to_blocks(ocr.read_lines(image)), image.size)
            with _SEEN_LOCK:
                _SEEN[key] = seen
                while len(_SEEN) > 256:
                    _SEEN.popitem(last=False)
        return copy.deepcopy(seen[0]), seen[1]
    except (UnidentifiedImageError, OSError, ValueError, KeyError):
        return [], (0, 0)


# What OCR read in each picture, by content (bounded; the emulator only).
_SEEN: OrderedDict[str, tuple[list[dict[str, Any]], tuple[int, int]]] = OrderedDict()
_SEEN_LOCK = threading.Lock()


def _picture_blocks(shape: Any, media: Media) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """A picture on a slide: a ``figure`` (its image served by name), then its text as
    ``text`` blocks where it shows."""
    yield "figure", "", {"picture": shape_picture(shape, media)}
    found, (width, height) = picture_text(lambda: shape.image.blob)
    if not found:
        return
    left, top = _emu(shape.left), _emu(shape.top)
    x_scale, y_scale = _emu(shape.width) / width, _emu(shape.height) / height
    for block in found:
        x0, y0, x1, y1 = block["bbox"]
        box = [left + x0 * x_scale, top + y0 * y_scale, left + x1 * x_scale, top + y1 * y_scale]
        yield "text", block["content"], {"bbox": [round(v) for v in box]}


def _shape_blocks(
    shape: Any, read_pictures: bool, media: Media
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
    from pptx.shapes.picture import Picture

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in shape.shapes:
            yield from _shape_blocks(inner, read_pictures, media)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        yield "table", table_html(_pptx_table(shape.table)), {}
        return
    if getattr(shape, "has_chart", False) and shape.has_chart:
        from .charts import chart_blocks

        for kind, content in chart_blocks(shape.chart._chartSpace):
            yield kind, content, {}
        return
    if isinstance(shape, Picture):
        yield from _picture_blocks(shape, media) if read_pictures else [("figure", "", {})]
        return
    smartart = _smartart_lines(shape)
    if smartart is not None:
        if smartart:
            yield "text", "\n".join(smartart), {}
        return
    if not getattr(shape, "has_text_frame", False) or not shape.text_frame.text.strip():
        return
    if shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.TITLE,
        PP_PLACEHOLDER.CENTER_TITLE,
    ):
        yield "title", _soft_breaks(shape.text_frame.text), {"title_level": 1}
        return
    lines = [_soft_breaks(p.text) for p in shape.text_frame.paragraphs if p.text.strip()]
    bullets = shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.BODY,
        PP_PLACEHOLDER.OBJECT,
    )
    text = (
        "\n".join(f"- {line}" for line in lines) if bullets and len(lines) > 1 else "\n".join(lines)
    )
    yield "text", text, {}


_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _smartart_lines(shape: Any) -> list[str] | None:
    """The text of a SmartArt graphic (its data part's nodes, in order), ``None`` when
    ``shape`` is none: a process, a cycle or an organisation chart drawn as SmartArt
    shows its words on the slide."""
    from lxml import etree  # python-pptx's own XML library

    for ids in shape._element.iter(f"{_DGM}relIds"):
        try:
            blob = shape.part.related_part(ids.get(f"{_REL}dm")).blob
            root = etree.fromstring(blob)
        except (KeyError, AttributeError, ValueError, etree.XMLSyntaxError):
            return []
        lines = []
        for point in root.iter(f"{_DGM}pt"):
            text = point.find(f"{_DGM}t")
            if point.get("type", "node") not in ("node", "asst") or text is None:
                continue  # the document, connections and presentation points
            for para in text.iter(f"{_DRAWING}p"):
                line = "".join(t.text or "" for t in para.iter(f"{_DRAWING}t")).strip()
                if line:
                    lines.append(line)
        return lines
    return None


def extract_pptx(path: Path, *, read_pictures: bool = True) -> list[dict[str, Any]]:
    """The pages of a deck, a slide each. ``read_pictures=False`` leaves OCR out."""
    import pptx

    with path.open("rb") as handle:
        presentation = pptx.Presentation(handle)
    width, height = _emu(presentation.slide_width), _emu(presentation.slide_height)
    media = Media(path)
    out = []
    for number, slide in enumerate(presentation.slides):
        shapes = sorted(
            slide.shapes, key=lambda s: (_emu(s.top) // 60, _emu(s.left))
        )  # rows, then left
        blocks: list[dict[str, Any]] = []
        for shape in shapes:
            box = [
                _emu(shape.left),
                _emu(shape.top),
                _emu(shape.left) + _emu(shape.width),
                _emu(shape.top) + _emu(shape.height),
            ]
            box = [max(0, min(v, width if i % 2 == 0 else height)) for i, v in enumerate(box)]
            caption: list[int] = []  # a chart's title, linked to its data by idx
            for kind, content, extra in _shape_blocks(shape, read_pictures, media):
                own = extra.pop("bbox", box)
                picture = extra.pop("picture", None)
                own = [max(0, min(v, width if i % 2 == 0 else height)) for i, v in enumerate(own)]
                blocks.append(
                    {
                        "idx": len(blocks),
                        "type": kind,
                        "bbox": own,
                        "content": content,
                        "format": "text",
                        "captions": caption if kind == "table" else [],
                        "img_url": picture_url(number, picture) if picture else "",
                        "display": True,
                        **extra,
                    }
                )
                caption = [len(blocks) - 1] if kind == "table_caption" else []
        out.append(
            {
                "page_num": number,
                "page_size": {"w": width, "h": height},
                "merge_content_from_pre_page": False,
                "blocks": blocks,
            }
        )
    return out
