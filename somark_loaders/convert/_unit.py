"""A unit: elements packed into the text of one chunk-to-be, with what it knows about
itself (pages, heading path, table metadata, its boxes and token count)."""

from __future__ import annotations

from dataclasses import dataclass

from ._boxes import Box
from ._element import Element
from ._elements import SEP
from ._seams import joined_count
from .chunking import TokenCounter

__all__ = ["Unit", "joined_units", "make_unit", "unit_boxes", "unit_tokens"]


@dataclass
class Unit:
    text: str
    elements: list[Element]
    page_start: int
    page_end: int
    heading_path: tuple[str, ...]
    section: int | None = None
    table_html: str | None = None
    table_caption: str | None = None
    oversized: bool = False
    tokens: int | None = None  # the count of ``text`` when packing knows it (chunk mode)
    boxes: list[Box] | None = None  # None: its elements' boxes, in order


def unit_boxes(unit: Unit) -> list[Box]:
    """Where a unit's text sits: its own boxes (a part of a table), else its elements'."""
    if unit.boxes is not None:
        return unit.boxes
    return [box for element in unit.elements for box in element.boxes]


def make_unit(
    elements: list[Element], heading_path: tuple[str, ...], section: int | None = None
) -> Unit:
    return Unit(
        text=SEP.join(e.text for e in elements),
        elements=elements,
        page_start=min(e.page_start for e in elements),
        page_end=max(e.page_end for e in elements),
        heading_path=heading_path,
        section=section,
    )


def unit_tokens(unit: Unit, count: TokenCounter) -> int:
    """The count of a unit's text: known from packing, or counted now (and kept)."""
    if unit.tokens is None:
        unit.tokens = count(unit.text)
    return unit.tokens


def joined_units(first: Unit, second: Unit, *, keep: Unit, count: TokenCounter) -> Unit:
    """``first`` then ``second`` as one unit, with ``keep``'s heading path and section."""
    other = second if keep is first else first
    texts = [first.text, second.text]
    counts = [unit_tokens(first, count), unit_tokens(second, count)]
    return Unit(
        text=first.text + SEP + second.text,
        elements=first.elements + second.elements,
        page_start=min(first.page_start, second.page_start),
        page_end=max(first.page_end, second.page_end),
        heading_path=keep.heading_path,
        section=keep.section,
        # a part of a table keeps saying which table it is, whichever unit it joins
        table_html=keep.table_html if keep.table_html is not None else other.table_html,
        table_caption=keep.table_caption if keep.table_html is not None else other.table_caption,
        oversized=first.oversized or second.oversized,
        boxes=None
        if first.boxes is None and second.boxes is None
        else unit_boxes(first) + unit_boxes(second),
        tokens=joined_count(texts, counts, SEP, count),
    )
