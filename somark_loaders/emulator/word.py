"""The Word engine of the emulator: a DOCX file -> SoMark pages.

``Title``/``Heading n`` -> ``title`` with its level; paragraphs; list items with the
number Word draws ("1.", "1.2", "a)", ``word_numbering.py``; bullets as ``- ``), headings
numbered by Word with theirs ("1.2 Scope");
``Caption`` paragraphs (and "Figure 1: ..." right after a picture) ->
``figure_caption``/``table_caption``, where they stand; pictures -> ``figure`` at their
size, with their image (``office_pictures.py``); tables (merged cells as rowspan/colspan,
rows that start past the grid's first column in their place, a table inside a cell as
lines of that cell); the text of text boxes after the paragraph they are anchored in;
page breaks (explicit ones and the ones Word last rendered) -> pages. Word files carry no
layout, so coordinates are estimated on an A4 page at 150 DPI (text stacked down the page).

The text is read from the XML as Word shows it: runs inside content controls, smart tags,
simple fields, hyperlinks and tracked insertions count (deleted text does not); a tab is
a space in a cell, a line break a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._text import caption_kind
from .office import MARGIN, Cell, Pages, table_html, text_lines
from .office_pictures import add_figure, docx_pictures
from .pictures import Media
from .word_notes import Notes
from .word_numbering import ListNumbers

__all__ = ["extract_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Elements that only wrap blocks, rows or cells: a content control, custom XML.
_BLOCK_WRAPPERS = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"})
# Subtrees whose text is not the paragraph's own: text boxes (read apart), the fallback
# copy of alternate content, deleted and moved-away text, properties, field codes.
_NOT_TEXT = frozenset(
    {
        f"{_W}txbxContent",
        f"{_MC}Fallback",
        f"{_W}del",
        f"{_W}moveFrom",
        f"{_W}pPr",
        f"{_W}rPr",
        f"{_W}instrText",
    }
)
_CHARACTERS = {f"{_W}tab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def _children(parent: Any, tag: str) -> Iterator[Any]:
    """The ``tag`` children of ``parent`` (a body, a cell, a table, a row) in order,
    those wrapped in content controls or custom XML included."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _children(child, tag)


def _blocks(parent: Any) -> Iterator[Any]:
    """The paragraphs and tables of ``parent`` in order."""
    for child in parent:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _blocks(child)


def paragraph_text(p: Any) -> str:
    """A paragraph's text as Word shows it (tabs as ``\\t``, line breaks as ``\\n``)."""
    out: list[str] = []

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag in _NOT_TEXT:
                continue
            if tag == f"{_W}t":
                out.append(child.text or "")
            elif tag == f"{_W}br":
                if child.get(f"{_W}type") not in ("page", "column"):
                    out.append("\n")
            elif tag in _CHARACTERS:
                out.append(_CHARACTERS[tag])
            else:
                walk(child)

    walk(p)
    return "".join(out)


def text_boxes(p: Any) -> list[Any]:
    """The text boxes anchored in a paragraph (each once: the copy in a fallback of
    alternate content is left out, as is a box inside another)."""
    found = []
    for box in p.iter(f"{_W}txbxContent"):
        ancestors = []
        for up in box.iterancestors():
            if up is p:
                break
            ancestors.append(up.tag)
        if f"{_MC}Fallback" not in ancestors and f"{_W}txbxContent" not in ancestors:
            found.append(box)
    return found


def numbered_text(p: Any, numbers: ListNumbers | None) -> str:
    """A paragraph's text with its list number in front ("1.2 Scope"), when it has one."""
    text = paragraph_text(p).strip()
    prefix = numbers.prefix(p) if numbers is not None else None  # counted even if empty
    return f"{prefix}{text}" if prefix and text else text


def _cell_text(tc: Any, numbers: ListNumbers | None = None) -> str:
    """A cell's paragraphs as lines; a table inside it as a line per row."""
    lines = []
    for block in _blocks(tc):
        if block.tag == f"{_W}p":
            lines.append(numbered_text(block, numbers).replace("\t", " "))
            lines += [_cell_text(box, numbers) for box in text_boxes(block)]  # boxes in it
        else:
            for tr in _children(block, f"{_W}tr"):
                cells = [_cell_text(inner, numbers) for inner in _children(tr, f"{_W}tc")]
                lines.append(" | ".join(c.replace("\n", " ") for c in cells if c))
    return "\n".join(line.strip() for line in lines).strip()


def _grid_value(element: Any, path: str) -> int:
    found = element.find(path)
    try:
        return int(found.get(f"{_W}val")) if found is not None else 0
    except (TypeError, ValueError):
        return 0


def docx_table(tbl: Any, numbers: ListNumbers | None = None) -> list[list[Cell]]:
    """A table's rows of cells (its own rows only: a table inside a cell is that cell's
    text), cells merged down as rowspans; a row that starts past the grid's first
    columns (``gridBefore``) keeps them as one empty cell. Numbered paragraphs in cells
    keep their numbers (with ``numbers``, counted in reading order)."""
    grid: list[list[tuple[Cell, str | None]]] = []
    for tr in _children(tbl, f"{_W}tr"):
        row: list[tuple[Cell, str | None]] = []
        before = _grid_value(tr, f"{_W}trPr/{_W}gridBefore")
        if before > 0:
            row.append((Cell("", colspan=before), None))
        for tc in _children(tr, f"{_W}tc"):
            span = max(1, _grid_value(tc, f"{_W}tcPr/{_W}gridSpan"))
            vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
            merge = None if vmerge is None else (vmerge.get(f"{_W}val") or "continue")
            row.append((Cell(_cell_text(tc, numbers), colspan=span), merge))
        grid.append(row)
    # Resolve vertical merges: a "continue" cell extends the cell above in its column.
    columns: dict[int, Cell] = {}
    out: list[list[Cell]] = []
    for row in grid:
        kept: list[Cell] = []
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


def extract_docx(path: Path, *, read_pictures: bool = True) -> list[dict[str, Any]]:
    """The pages of a Word file. Its pictures are ``figure`` blocks whether or not
    ``read_pictures`` (the Office engines' common signature)."""
    import docx
    from docx.text.paragraph import Paragraph

    with path.open("rb") as handle:  # a file object: the stored upload has no extension
        document = docx.Document(handle)
    pages = Pages()
    media = Media(path)
    numbers = ListNumbers.of(document)
    notes = Notes.of(document, paragraph_text)

    def add_table(tbl: Any) -> None:
        rows = docx_table(tbl, numbers)
        pages.add("table", table_html(rows), max(2, len(rows)))
        add_notes(notes.footnotes(tbl))

    def add_notes(texts: list[str]) -> None:
        for text in texts:
            pages.add("footnote", text, text_lines(text))

    def add_boxes(p: Any) -> None:
        for box in text_boxes(p):
            for block in _blocks(box):
                if block.tag == f"{_W}tbl":
                    add_table(block)
                    continue
                if text := numbered_text(block, numbers):
                    pages.add("text", text, text_lines(text))
                add_notes(notes.footnotes(block))
                add_boxes(block)  # a box inside the box

    for child in _blocks(document.element.body):
        if child.tag == f"{_W}tbl":
            add_table(child)
            continue
        paragraph = Paragraph(child, document)
        breaks = [
            e
            for e in child.iter(f"{_W}lastRenderedPageBreak", f"{_W}br")
            if e.tag == f"{_W}lastRenderedPageBreak" or e.get(f"{_W}type") == "page"
        ]
        trailing = _break_after_text(child)  # the next paragraph starts the next page
        if breaks and pages.pages[-1] and not (trailing and len(breaks) == 1):
            pages.new_page()
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = paragraph_text(child).strip()
        prefix = numbers.prefix(child)  # counted even when the paragraph is empty
        for picture in docx_pictures(child, document.part, media):
            room = (pages.width - 2 * MARGIN, pages.height - 2 * MARGIN - MARGIN // 2)
            add_figure(pages, picture, room)
        if text:
            _add_paragraph(pages, style, text, prefix)
        add_boxes(child)
        add_notes(notes.footnotes(child))
        if trailing:
            pages.new_page()
    add_notes(notes.endnotes())
    return pages.result()


def _break_after_text(p: Any) -> bool:
    """Whether the paragraph's page break comes after all of its text (``Chapter 1.``
    then a page break: the page ends after it, not before it)."""
    seen_text = trailing = False
    for element in p.iter(f"{_W}t", f"{_W}br"):
        if element.tag == f"{_W}t" and (element.text or "").strip():
            seen_text, trailing = True, False
        elif element.get(f"{_W}type") == "page":
            trailing = seen_text
    return trailing


def _add_paragraph(pages: Pages, style: str, text: str, prefix: str | None) -> None:
    """A paragraph by its style; a numbered one (``prefix``: its list number, "- " for a
    bullet) with its number in front, a heading's too ("1.2 Scope")."""
    shown = f"{prefix}{text}" if prefix else text
    if style == "Title":
        pages.add("title", shown, 2, title_level=1)
    elif style.startswith("Heading"):
        level = int("".join(ch for ch in style if ch.isdigit()) or 1)
        pages.add("title", shown, 1, title_level=min(level, 6))
    elif style == "Caption" or (
        caption_kind(text) == "figure_caption" and pages.last_type() == "figure"
    ):
        table = text.lower().startswith("table") or caption_kind(text) == "table_caption"
        kind = "table_caption" if table else "figure_caption"
        pages.add(kind, shown, text_lines(shown))  # where it stands: above or below its table
    else:
        pages.add("text", shown, text_lines(shown))
