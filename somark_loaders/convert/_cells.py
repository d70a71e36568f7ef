"""A table row as the grid is built from it (:class:`RowCells`), and what every reader of
table HTML shares: a cell's text from its parts, a span's value."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Cell", "RowCells", "cell_text", "span"]

_SPACES = re.compile(r"[ \t\r\f\v]+")


class RowCells(NamedTuple):
    """One ``<tr>``: its cells' texts, their (rowspan, colspan) when any is not (1, 1)
    (``None``: every cell takes one position, as in most rows), and whether it is a header
    row (in ``<thead>``, or ``<th>`` cells only)."""

    texts: list[str]
    spans: list[tuple[int, int]] | None
    header: bool


def cell_text(whole: str) -> str:
    """A cell's text from its content's text (``<br>`` and the like already line breaks):
    each line with runs of spaces as one, stripped; empty lines left out."""
    if "\n" not in whole:  # most cells: one line
        return _squeezed(whole)
    lines = [_squeezed(line) for line in whole.split("\n")]
    return "\n".join(line for line in lines if line)


def _squeezed(line: str) -> str:
    """``line`` with each run of spaces and tabs as one space, stripped."""
    if "  " in line or "\t" in line or "\r" in line or "\f" in line or "\v" in line:
        return _SPACES.sub(" ", line).strip()
    return line.strip()  # most lines: no run to squeeze (the look-ups cost less than sub)


def span(value: str | None) -> int:
    if value is None:  # most cells: no span (an exception per cell costs more than all else)
        return 1
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


class Cell:
    __slots__ = ("colspan", "header", "parts", "rowspan")

    def __init__(self, header: bool, rowspan: int, colspan: int) -> None:
        self.header = header
        self.rowspan = rowspan
        self.colspan = colspan
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return cell_text("".join(self.parts))
