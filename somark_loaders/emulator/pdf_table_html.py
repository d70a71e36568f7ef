"""A PDF table's rows as HTML: pdfplumber's ``None`` where a merged cell continues
becomes a span, and a table mostly in a right-to-left script lists its cells from the
right."""

from __future__ import annotations

from ._bidi import reads_from_right
from ._text import join_lines

__all__ = ["pdf_table_html"]


def pdf_table_html(rows: list[list[str | None]], header_rows: int = 1) -> str:
    """pdfplumber rows (``None`` where a merged cell continues) -> HTML with spans.

    A ``None`` continues the cell on its left when that cell starts in the same row
    (colspan), else the cell above (rowspan, counted once per row at its first column).
    A table mostly in a right-to-left script lists each row's cells from the right.
    """
    from .office import Cell, table_html

    width = max(len(r) for r in rows)
    owner: dict[tuple[int, int], tuple[Cell, int, int]] = {}  # position -> (cell, row, col)
    out: list[list[Cell]] = []
    for r, raw in enumerate(rows):
        row = list(raw) + [None] * (width - len(raw))
        kept: list[Cell] = []
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
                cell = Cell(join_lines((value or "").splitlines()))
                owner[(r, c)] = (cell, r, c)
                kept.append(cell)
        out.append(kept)
    if reads_from_right(" ".join(cell.text for row in out for cell in row)):
        for kept in out:  # an Arabic table's first column is its rightmost
            kept.reverse()
    return table_html([row for row in out if row], header_rows)
