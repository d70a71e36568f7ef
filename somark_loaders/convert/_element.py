"""An element: one block of a parse result (or a run of blocks joined over page breaks)
as the converter reads it; shared by the reading (_elements) and what works on elements
(continuations, units, notes, images)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Block, ElementType
from ._boxes import Box
from .chunking import Piece
from .tables import Table

__all__ = ["Element"]


@dataclass
class Element:
    kind: ElementType
    text: str
    page_start: int
    page_end: int
    types: tuple[ElementType, ...]
    title_level: int | None = None
    heading: str = ""
    table: Table | None = None
    table_html: str | None = None
    caption: str = ""
    heading_path: tuple[str, ...] = ()
    section: int = 0
    tokens: int | None = None
    pieces: list[Piece] = field(default_factory=list)
    top: float | None = None  # where it starts on its first page (0 top .. 1 bottom)
    bottom: float | None = None  # where it ends on its last page
    # the parts that continue it on later pages, joined once all are known (linear)
    continued: list[Element] = field(default_factory=list)
    block: Block | None = None  # the block it was read from (its first, when joined)
    # where its blocks sit: one box per block (its caption's too) in reading order, the
    # parts joined from later pages after its own
    boxes: tuple[Box, ...] = ()
    # a table's own box on each page it spans, with the number of rows of that part as
    # parsed and the page's height over its width (the bands of rows split from it are
    # shares of that box): {page_number: ...}
    table_boxes: dict[int, tuple[Box, int, float]] | None = None

    @property
    def last_table(self) -> Table | None:
        """The table of its last part (where a continuation on the next page starts)."""
        return self.continued[-1].table if self.continued else self.table
