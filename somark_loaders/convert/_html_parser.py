"""Table rows read by the standard library's :mod:`html.parser` (when the markup is not
plain and lxml is not installed): imported only for such a table, so that a conversion
of plain tables does not load the parser and its entity tables."""

from __future__ import annotations

from html.parser import HTMLParser

from ._cells import Cell, span

__all__ = ["TableParser"]


class TableParser(HTMLParser):
    """Collects the rows of the first ``<table>`` (nested tables become cell text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[Cell], str]] = []  # (cells, section)
        self.depth = 0
        self.done = False
        self.section = "tbody"
        self.cell: Cell | None = None
        self.row: list[Cell] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "table":
            self.depth += 1
            if self.depth > 1 and self.cell is not None:
                self.cell.parts.append(" ")
            return
        if self.depth != 1:
            if self.depth > 1 and self.cell is not None and tag in {"td", "th", "br", "tr"}:
                self.cell.parts.append(" ")
            return
        attr = dict(attrs)
        if tag in {"thead", "tbody", "tfoot"}:
            self.section = tag
        elif tag == "tr":
            self._close_row()
            self.row = []
        elif tag in {"td", "th"}:
            self._close_cell()
            if self.row is None:
                self.row = []
            self.cell = Cell(tag == "th", span(attr.get("rowspan")), span(attr.get("colspan")))
        elif self.cell is not None:
            if tag == "br":
                self.cell.parts.append("\n")
            elif tag == "img":
                alt, src = attr.get("alt") or "", attr.get("src") or ""
                self.cell.parts.append(f"![{alt}]({src})" if src else alt)
            elif tag in {"p", "div", "li"}:
                self.cell.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.done:
            return
        if tag == "table":
            self.depth -= 1
            if self.depth == 0:
                self._close_row()
                self.done = True
            return
        if self.depth != 1:
            return
        if tag in {"td", "th"}:
            self._close_cell()
        elif tag == "tr":
            self._close_row()
        elif tag in {"thead", "tbody", "tfoot"}:
            self._close_row()
            self.section = "tbody"

    def handle_data(self, data: str) -> None:
        if self.cell is not None and self.depth >= 1:
            self.cell.parts.append(data)

    def _close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(self.cell)
        self.cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self.row is not None:
            self.rows.append((self.row, self.section))
        self.row = None
