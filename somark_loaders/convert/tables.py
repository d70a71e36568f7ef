"""Tables: SoMark's HTML (or Markdown) table -> a grid with merged cells expanded ->
Markdown pipe table, plain text, or HTML again for a slice of rows.

HTML is read with a real parser (lxml or :mod:`html.parser`), never with regular
expressions that guess at markup: only the plain tables SoMark writes, checked whole
against a strict grammar first, are read without one (:mod:`._plain_html`).
``rowspan``/``colspan`` are expanded by copying the cell into every position it covers
(as SoMark's own ``table=markdown`` mode does), so each row reads on its own.

This module reads the markup (spans capped at :data:`MAX_TABLE_CELLS` cells, empty rows
and columns left out, header rows counted); the grid and its renderings are in
:mod:`._table`.
"""

from __future__ import annotations

import logging
import re

from ._html_rows import MAX_TABLE_CELLS, RowCells, read_rows
from ._table import Table, md_row
from ._table_rows import pad as _pad

__all__ = [
    "MAX_TABLE_CELLS",
    "Table",
    "md_row",
    "parse_html_table",
    "parse_markdown_table",
    "parse_table",
]

_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")

logger = logging.getLogger("somark_loaders")


def parse_html_table(markup: str) -> Table | None:
    """The first ``<table>`` of ``markup`` as a :class:`Table` (``None`` when there is none)."""
    if "<table" not in markup.lower():
        return None
    found = read_rows(markup)
    return _grid(found) if found else None


def _grid(found: list[RowCells]) -> Table:
    """The grid of a table's rows: spans expanded (and capped), empty rows and columns
    left out, header rows counted."""

    # each row's positions, left to right (None: not taken yet); a row holds as many as
    # its last taken position needs
    taken: list[list[str | None]] = [[] for _ in found]
    origins: dict[tuple[int, int], tuple[int, int]] = {}
    filled = 0  # positions taken
    capped = False
    for r, (texts, spans, _) in enumerate(found):
        row = taken[r]
        if spans is None and not row:  # most rows: one position a cell, nothing above reaches in
            # a cell is expanded even past the cap: the cap is noted (as below, cell by cell)
            capped = capped or (bool(texts) and filled + len(texts) > MAX_TABLE_CELLS)
            taken[r] = list(texts)
            filled += len(texts)
            continue
        c = 0
        for i, text in enumerate(texts):
            while c < len(row) and row[c] is not None:
                c += 1
            # a span never reaches past the table's last row, and spans stop being
            # expanded once the table holds MAX_TABLE_CELLS cells (a span bomb, not a table)
            down, across = (1, 1) if spans is None else spans[i]
            down = min(down, len(found) - r)
            if down == across == 1:  # one position, known to be free
                capped = capped or filled >= MAX_TABLE_CELLS
                if c == len(row):
                    row.append(text)
                else:
                    row[c] = text
                filled += 1
                c += 1
                continue
            if filled + down * across > MAX_TABLE_CELLS:
                down = across = 1
                capped = True
            for dr in range(down):
                target = taken[r + dr]
                for dc in range(across):
                    col = c + dc
                    if col >= len(target):
                        target.extend([None] * (col + 1 - len(target)))
                    if target[col] is None:
                        target[col] = text
                        filled += 1
                        if dr or dc:
                            origins[(r + dr, col)] = (r, c)
            c += across
    header_flags = [row.header for row in found]
    height = next((r + 1 for r in range(len(taken) - 1, -1, -1) if taken[r]), 0)
    width = max(map(len, taken), default=0)
    if height * width > MAX_TABLE_CELLS:
        width, capped = max(1, MAX_TABLE_CELLS // max(height, 1)), True
    if capped:
        logger.warning(
            "A table's spans would make over %d cells; they are not expanded beyond that "
            "(its HTML is kept as it came).",
            MAX_TABLE_CELLS,
        )
    matrix: list[list[str]] = []
    for row in taken[:height]:
        full = ["" if t is None else t for t in row] if None in row else row
        if len(full) != width:
            full = full[:width] + [""] * (width - len(full))
        matrix.append(full)  # type: ignore[arg-type]  # no None left
    # Rows and columns without any text are left out (spreadsheets' unused columns).
    keep_rows = [r for r in range(height) if any(matrix[r])]
    keep_cols = [c for c, column in enumerate(zip(*matrix, strict=True)) if any(column)]
    keep_rows, keep_cols = keep_rows or list(range(height)), keep_cols or list(range(width))
    new_row = {old: new for new, old in enumerate(keep_rows)}
    new_col = {old: new for new, old in enumerate(keep_cols)}
    if len(keep_cols) == width:
        rows = tuple(tuple(matrix[r]) for r in keep_rows)
    else:
        rows = tuple(tuple(matrix[r][c] for c in keep_cols) for r in keep_rows)
    kept_origins = {
        (new_row[r], new_col[c]): (new_row[o[0]], new_col[o[1]])
        for (r, c), o in origins.items()
        if r in new_row and c in new_col and o[0] in new_row and o[1] in new_col
    }
    table = Table(rows, 0, (0,) * len(rows), kept_origins)
    flags = [header_flags[r] if r < len(header_flags) else False for r in keep_rows]
    # Title rows (one cell across, often <td>) above rows of <th> cells are header rows too
    # (in a table one column wide, the <td> rows above its first <th> row).
    titles = 0
    while titles < len(flags) and (
        table.is_title_row(titles) or (table.width == 1 and not flags[titles])
    ):
        titles += 1
    header_rows = _leading(flags[titles:])
    header_rows = titles + header_rows if header_rows else _leading(flags)
    # Rows a rowspan pushed below the last <tr> are body rows.
    header_rows = min(header_rows, max(len(rows) - 1, 0)) if len(rows) > 1 else header_rows
    return table._replace(header_rows=header_rows)


def _leading(flags: list[bool]) -> int:
    """How many of ``flags`` are true before the first false one."""
    count = 0
    while count < len(flags) and flags[count]:
        count += 1
    return count


def parse_markdown_table(text: str) -> Table | None:
    """A GFM pipe table (as SoMark returns with ``table=markdown``), or ``None``."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or not _MD_SEPARATOR.match(lines[1]) or "|" not in lines[0]:
        return None

    def cells(line: str) -> tuple[str, ...]:
        inner = line.strip()
        if inner.startswith("|"):
            inner = inner[1:]
        if inner.endswith("|") and not inner.endswith("\\|"):
            inner = inner[:-1]
        parts = re.split(r"(?<!\\)\|", inner)
        return tuple(p.strip().replace("\\|", "|").replace("<br>", "\n") for p in parts)

    rows = [cells(lines[0])] + [cells(line) for line in lines[2:]]
    width = max(len(r) for r in rows)
    padded = tuple(_pad(r, width) for r in rows)
    return Table(padded, 1, (0,) * len(padded))


def parse_table(content: str) -> Table | None:
    """An HTML or Markdown table from a block's ``content``; ``None`` for anything else."""
    return parse_html_table(content) or parse_markdown_table(content)
