"""The rows of an HTML table: plain markup (as SoMark writes it) read by
:mod:`._plain_html`, anything else with lxml when it is installed (extra ``fast``, about
1.7x faster than the standard library) and with :mod:`html.parser` otherwise, alike: the
rows of the first ``<table>``, each cell's text with ``<br>``/``<p>``/``<div>``/``<li>`` as
line breaks, images as Markdown, nested tables as text in their cell, ``rowspan``/``colspan``
read."""

from __future__ import annotations

from typing import Any

from ._cells import Cell, RowCells, span
from ._plain_html import plain_rows

__all__ = ["MAX_TABLE_CELLS", "Cell", "RowCells", "read_rows", "row_cells", "span"]

Rows = list[tuple[list["Cell"], str]]  # (cells, section: thead, tbody or tfoot)


def read_rows(markup: str) -> list[RowCells]:
    """The first table's rows ([] when there is no table)."""
    plain = plain_rows(markup)
    if plain is not None:
        return plain
    found = _rows_with_lxml(markup)
    if found is None:
        from ._html_parser import TableParser  # html.parser: imported for such a table only

        parser = TableParser()
        parser.feed(markup)
        parser.close()
        parser._close_row()
        found = parser.rows
    return row_cells(found)


def row_cells(found: Rows) -> list[RowCells]:
    """The rows a parser collected, as the grid reads them."""
    out: list[RowCells] = []
    for cells, section in found:
        spans = [(cell.rowspan, cell.colspan) for cell in cells]
        out.append(
            RowCells(
                [cell.text for cell in cells],
                spans if any(pair != (1, 1) for pair in spans) else None,
                section == "thead" or (bool(cells) and all(x.header for x in cells)),
            )
        )
    return out


# The most cells a table is expanded into (rowspan/colspan copies included): far more
# than a real page holds, far less than a few hundred bytes of hostile spans ask for.
MAX_TABLE_CELLS = 250_000


_BREAKS = {"br", "p", "div", "li"}


def _text(node: Any, out: list[str], nested: bool) -> None:
    """Append the text of ``node``'s content (not its tail) to ``out``."""
    if node.text:
        out.append(node.text)
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if nested or tag == "table":
            if tag in {"table", "td", "th", "br", "tr"}:
                out.append(" ")
            _text(child, out, True)
        elif tag == "img":
            alt, src = child.get("alt") or "", child.get("src") or ""
            out.append(f"![{alt}]({src})" if src else alt)
        else:
            if tag in _BREAKS:
                out.append("\n")
            _text(child, out, False)
        if child.tail:
            out.append(child.tail)


def _rows_with_lxml(markup: str) -> list[tuple[list[Cell], str]] | None:
    """The first table's rows as (cells, section), or ``None`` when lxml is not installed
    or cannot read the markup (the caller then uses :mod:`html.parser`)."""
    try:
        from lxml import etree
    except ImportError:
        return None
    try:
        # libxml2's HTML parser, as lxml.html uses it, without lxml.html's element classes
        # (looking up a Python class for every node was a tenth of a table's time)
        root = etree.HTML(markup)
    except (etree.ParserError, ValueError):
        return None
    if root is None:
        return []
    table = next(root.iter("table"), None)
    if table is None:
        return []
    rows: list[tuple[list[Cell], str]] = []
    nested = table.find(".//table") is not None
    for tr in table.iter("tr"):
        if nested and next(tr.iterancestors("table"), None) is not table:
            continue  # a row of a nested table: its text is in its cell
        parent = tr.getparent()
        section = parent.tag if parent is not None and parent.tag in ("thead", "tfoot") else "tbody"
        cells: list[Cell] = []
        for node in tr:
            tag = node.tag
            if tag not in ("td", "th"):
                continue
            down, across = node.get("rowspan"), node.get("colspan")
            item = Cell(
                tag == "th",
                1 if down is None else span(down),
                1 if across is None else span(across),
            )
            if len(node):
                _text(node, item.parts, False)
            elif node.text:  # most cells: text alone
                item.parts.append(node.text)
            cells.append(item)
        rows.append((cells, section))
    return rows
