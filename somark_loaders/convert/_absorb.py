"""Chunk mode: units too small to stand alone join a neighbour."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ElementType
from ._elements import SEP
from ._records import ConvertOptions
from ._seams import joined_count
from ._unit import Unit, joined_units, unit_tokens
from .chunking import TokenCounter

__all__ = ["absorb_small"]


def absorb_small(units: Iterable[Unit], options: ConvertOptions, count: TokenCounter) -> list[Unit]:
    """Chunk mode: units under ``min_chunk_tokens`` join the next unit (its heading path and
    section: the small one is usually the heading that opens it), or else the previous one,
    when the two fit in ``chunk_size``; otherwise they stay as they are. A small unit with
    content (the last rows of a table) joins only a unit of its own heading path: joined
    to a section it holds, it would take that section's path (the last rows of a table
    named by the heading after it), and to one that holds it, lose its own."""
    least = min(options.min_chunk_tokens, options.chunk_size // 4)

    def small(unit: Unit) -> bool:
        # characters first: most units are far too long to be small, and counting costs
        return least > 0 and len(unit.text) < least * 8 and unit_tokens(unit, count) < least

    def fits(first: Unit, second: Unit, keep: Unit) -> bool:
        small = second if keep is first else first
        if first.heading_path != second.heading_path and any(
            e.kind is not ElementType.TITLE for e in small.elements
        ):
            return False  # content of one section never takes another section's heading path
        texts, counts = (
            [first.text, second.text],
            [unit_tokens(first, count), unit_tokens(second, count)],
        )
        if options.prepend_heading_path and keep.heading_path:  # as to_chunks will write it
            path = " > ".join(keep.heading_path)
            texts, counts = [path, *texts], [count(path), *counts]
        return joined_count(texts, counts, SEP, count) <= options.chunk_size

    out: list[Unit] = []
    carry: Unit | None = None
    for packed in units:
        unit = packed
        if carry is not None:
            if fits(carry, unit, keep=unit):
                unit = joined_units(carry, unit, keep=unit, count=count)
            elif out and fits(out[-1], carry, keep=out[-1]):
                out[-1] = joined_units(out[-1], carry, keep=out[-1], count=count)
            else:
                out.append(carry)
            carry = None
        if small(unit):
            carry = unit  # a heading and another (or one more) may follow: keep gathering
        else:
            out.append(unit)
    if carry is not None:
        if out and fits(out[-1], carry, keep=out[-1]):
            out[-1] = joined_units(out[-1], carry, keep=out[-1], count=count)
        else:
            out.append(carry)
    return out
