"""Office engines of the emulator: Word, PowerPoint and Excel files -> SoMark pages.

* DOCX: ``Title``/``Heading n`` -> ``title`` with its level, paragraphs, list items (``- ``),
  ``Caption`` paragraphs -> ``figure_caption``/``table_caption``, inline pictures ->
  ``figure``, tables (merged cells as rowspan/colspan), page breaks (explicit ones and the
  ones Word last rendered) -> pages. Word files carry no layout, so coordinates are
  estimated on an A4 page at 150 DPI (text stacked down the page).
* PPTX: a page per slide of the slide's size; the title placeholder -> ``title``, text
  frames -> ``text`` (one block per shape), tables, pictures -> ``figure``; coordinates are
  the shapes' own.
* XLSX: a page per sheet: its name as ``title`` and its used range as one ``table``
  (merged cells as spans).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DPI = 150
A4 = (1241, 1754)  # 8.27 x 11.69 in at 150 DPI
MARGIN = 150
LINE = 34  # px per line of body text at 150 DPI
CHARS_PER_LINE = 95
EMU_PER_INCH = 914400

__all__ = ["extract_docx", "extract_pptx", "extract_xlsx"]


@dataclass
class _Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def table_html(rows: list[list[_Cell]], header_rows: int = 1) -> str:
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
class _Pages:
    """Blocks stacked down pages of a fixed size (for formats without layout)."""

    width: int = A4[0]
    height: int = A4[1]
    pages: list[list[dict[str, Any]]] = field(default_factory=lambda: [[]])
    y: int = MARGIN

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self.y = MARGIN

    def add(self, kind: str, content: str, lines: int, **extra: Any) -> None:
        height = max(1, lines) * LINE
        if self.y + height > self.height - MARGIN and self.pages[-1]:
            self.new_page()
        blocks = self.pages[-1]
        blocks.append(
            {
                "idx": len(blocks),
                "type": kind,
                "bbox": [
                    MARGIN,
                    self.y,
                    self.width - MARGIN,
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


def _lines(text: str) -> int:
    return sum(max(1, -(-len(line) // CHARS_PER_LINE)) for line in text.split("\n")) if text else 1


# --- DOCX ------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_table(tbl: Any) -> list[list[_Cell]]:
    grid: list[list[tuple[_Cell, str | None]]] = []
    for tr in tbl.iter(f"{_W}tr"):
        row: list[tuple[_Cell, str | None]] = []
        for tc in tr.iter(f"{_W}tc"):
            text = "\n".join(
                "".join(t.text or "" for t in p.iter(f"{_W}t")) for p in tc.iter(f"{_W}p")
            ).strip()
            span = tc.find(f"{_W}tcPr/{_W}gridSpan")
            vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
            merge = None if vmerge is None else (vmerge.get(f"{_W}val") or "continue")
            row.append(
                (_Cell(text, colspan=int(span.get(f"{_W}val")) if span is not None else 1), merge)
            )
        grid.append(row)
    # Resolve vertical merges: a "continue" cell extends the cell above in its column.
    columns: dict[int, _Cell] = {}
    out: list[list[_Cell]] = []
    for row in grid:
        kept: list[_Cell] = []
        col = 0
        for cell, merge in row:
            if merge == "continue" and col in columns:
                columns[col].rowspan += 1
            else:
                kept.append(cell)
                columns[col] = cell
            col += cell.colspan
        out.append(kept)
    return [r for r in out if r] or out


def extract_docx(path: Path) -> list[dict[str, Any]]:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    with path.open("rb") as handle:  # a file object: the stored upload has no extension
        document = docx.Document(handle)
    pages = _Pages()
    body = document.element.body
    pending_caption: str | None = None
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            rows = _docx_table(child)
            content = table_html(rows)
            if pending_caption:
                pages.add("table_caption", pending_caption, 1)
                pending_caption = None
            pages.add("table", content, max(2, len(rows)))
            continue
        if child.tag != qn("w:p"):
            continue
        paragraph = Paragraph(child, document)
        breaks = [
            e
            for e in child.iter()
            if e.tag in (qn("w:lastRenderedPageBreak"),)
            or (e.tag == qn("w:br") and e.get(qn("w:type")) == "page")
        ]
        if breaks and pages.pages[-1]:
            pages.new_page()
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = paragraph.text.strip()
        if any(e.tag == qn("w:drawing") for e in child.iter()):
            pages.add("figure", "", 8)
        if not text:
            continue
        if style == "Title":
            pages.add("title", text, 2, title_level=1)
        elif style.startswith("Heading"):
            level = int("".join(ch for ch in style if ch.isdigit()) or 1)
            pages.add("title", text, 1, title_level=min(level, 6))
        elif style == "Caption":
            if text.lower().startswith("table"):
                pending_caption = text
            else:
                pages.add("figure_caption", text, _lines(text))
        elif style.startswith("List") or (
            paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        ):
            pages.add("text", f"- {text}", _lines(text))
        else:
            pages.add("text", text, _lines(text))
    return pages.result()


# --- PPTX ------------------------------------------------------------------------------


def _emu(value: int | None) -> int:
    return round((value or 0) / EMU_PER_INCH * DPI)


def _pptx_table(table: Any) -> list[list[_Cell]]:
    rows: list[list[_Cell]] = []
    for row in table.rows:
        kept = []
        for cell in row.cells:
            if cell.is_spanned:
                continue
            rowspan = cell.span_height if cell.is_merge_origin else 1
            colspan = cell.span_width if cell.is_merge_origin else 1
            kept.append(_Cell(cell.text.strip(), rowspan, colspan))
        rows.append(kept)
    return rows


def _shape_blocks(shape: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in shape.shapes:
            yield from _shape_blocks(inner)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        yield "table", table_html(_pptx_table(shape.table)), {}
        return
    if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
        yield "figure", "", {}
        return
    if not getattr(shape, "has_text_frame", False) or not shape.text_frame.text.strip():
        return
    if shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.TITLE,
        PP_PLACEHOLDER.CENTER_TITLE,
    ):
        yield "title", shape.text_frame.text.strip(), {"title_level": 1}
        return
    lines = [p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip()]
    bullets = shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.BODY,
        PP_PLACEHOLDER.OBJECT,
    )
    text = (
        "\n".join(f"- {line}" for line in lines) if bullets and len(lines) > 1 else "\n".join(lines)
    )
    yield "text", text, {}


def extract_pptx(path: Path) -> list[dict[str, Any]]:
    import pptx

    with path.open("rb") as handle:
        presentation = pptx.Presentation(handle)
    width, height = _emu(presentation.slide_width), _emu(presentation.slide_height)
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
            for kind, content, extra in _shape_blocks(shape):
                blocks.append(
                    {
                        "idx": len(blocks),
                        "type": kind,
                        "bbox": box,
                        "content": content,
                        "format": "text",
                        "captions": [],
                        "img_url": "",
                        "display": True,
                        **extra,
                    }
                )
        out.append(
            {
                "page_num": number,
                "page_size": {"w": width, "h": height},
                "merge_content_from_pre_page": False,
                "blocks": blocks,
            }
        )
    return out


# --- XLSX ------------------------------------------------------------------------------


def extract_xlsx(path: Path) -> list[dict[str, Any]]:
    import openpyxl

    with path.open("rb") as handle:
        workbook = openpyxl.load_workbook(handle, data_only=True, read_only=False)
    out = []
    for number, sheet in enumerate(workbook.worksheets):
        pages = _Pages()
        pages.add("title", sheet.title, 1, title_level=1)
        merged: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for span in sheet.merged_cells.ranges:
            merged[(span.min_row, span.min_col)] = (
                span.max_row - span.min_row + 1,
                span.max_col - span.min_col + 1,
            )
            covered |= {
                (r, c)
                for r in range(span.min_row, span.max_row + 1)
                for c in range(span.min_col, span.max_col + 1)
            }
            covered.discard((span.min_row, span.min_col))
        filled = {
            (cell.row, cell.column)
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None and str(cell.value).strip()
        }
        for (r, c), (down, across) in merged.items():
            if (r, c) in filled:
                filled |= {(r + i, c + j) for i in range(down) for j in range(across)}
        for top, left, bottom, right in _regions(filled):
            rows: list[list[_Cell]] = []
            for r in range(top, bottom + 1):
                row = []
                for c in range(left, right + 1):
                    if (r, c) in covered:
                        continue
                    value = sheet.cell(r, c).value
                    rowspan, colspan = merged.get((r, c), (1, 1))
                    row.append(_Cell("" if value is None else str(value), rowspan, colspan))
                rows.append(row)
            texts = [cell.text for row in rows for cell in row if cell.text]
            if len(texts) == 1:  # a lone cell: a label or a note, not a table
                pages.add("text", texts[0], 1)
            else:
                pages.add("table", table_html(rows), max(2, len(rows)))
        page = pages.result()[0]
        page["page_num"] = number
        out.append(page)
    workbook.close()
    return out


def _regions(filled: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """The tables of a sheet: blocks of filled cells that an empty row or column keeps
    apart, as (top, left, bottom, right), in reading order. Blocks whose rectangles
    overlap are one."""
    boxes: list[list[int]] = []
    seen: set[tuple[int, int]] = set()
    for start in sorted(filled):
        if start in seen:
            continue
        seen.add(start)
        stack, box = [start], [start[0], start[1], start[0], start[1]]
        while stack:
            r, c = stack.pop()
            box = [min(box[0], r), min(box[1], c), max(box[2], r), max(box[3], c)]
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    near = (r + dr, c + dc)
                    if near in filled and near not in seen:
                        seen.add(near)
                        stack.append(near)
        boxes.append(box)
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    a[:] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    boxes.remove(b)
                    merged = True
                    break
            if merged:
                break
    return sorted((b[0], b[1], b[2], b[3]) for b in boxes)
