"""Where a unit's text sits on its pages: the ``boxes`` metadata key.

A box is ``(page_number, x0, y0, x1, y1)``: the 1-based (global) page number and the
block's corners as fractions of that page's width and height (0..1, 4 decimals), from
SoMark's pixel ``bbox`` divided by ``page_size``. A unit carries one box per source block,
in reading order; metadata holds them as a compact JSON string (flat metadata keeps every
vector store happy): ``[[1,0.1204,0.0801,0.4538,0.1203],...]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from math import ceil
from typing import Any

from .._errors import ConfigurationError
from ..models import Block, Page

__all__ = ["Box", "block_box", "boxes_json", "parse_boxes", "row_weights", "vertical_share"]

Box = tuple[int, float, float, float, float]
_DECIMALS = 4
_SCALE = 10.0**_DECIMALS


def block_box(block: Block, page: Page) -> Box | None:
    """The box of ``block`` on ``page`` (``page.page_num`` is 0-based), or ``None`` when the
    block has no ``bbox`` or the page no usable ``page_size``."""
    size, bbox = page.page_size, block.bbox
    if bbox is None or size is None or size.w <= 0 or size.h <= 0:
        return None
    w, h = size.w, size.h
    x0, y0, x1, y1 = bbox
    if x1 < x0:  # ordered before scaling and clamping, which keep the order
        x0, x1 = x1, x0
    if y1 < y0:
        y0, y1 = y1, y0
    x0, y0, x1, y1 = x0 / w, y0 / h, x1 / w, y1 / h
    # inline clamps and rounding (the nearest double to n / 10**4, as round() gives, at a
    # third of its cost): this runs for every block of every result
    return (
        page.page_num + 1,
        int(x0 * _SCALE + 0.5) / _SCALE if 0.0 <= x0 <= 1.0 else 0.0 if x0 < 0.0 else 1.0,
        int(y0 * _SCALE + 0.5) / _SCALE if 0.0 <= y0 <= 1.0 else 0.0 if y0 < 0.0 else 1.0,
        int(x1 * _SCALE + 0.5) / _SCALE if 0.0 <= x1 <= 1.0 else 0.0 if x1 < 0.0 else 1.0,
        int(y1 * _SCALE + 0.5) / _SCALE if 0.0 <= y1 <= 1.0 else 0.0 if y1 < 0.0 else 1.0,
    )


def vertical_share(box: Box, start: float, end: float) -> Box:
    """The horizontal band of ``box`` from ``start`` to ``end`` (fractions of its height,
    0 at its top): the share of a table's box that some of its rows take."""
    page, x0, y0, x1, y1 = box
    height = y1 - y0
    low, high = sorted((min(max(start, 0.0), 1.0), min(max(end, 0.0), 1.0)))
    return (
        page,
        x0,
        round(y0 + height * low, _DECIMALS),
        x1,
        round(y0 + height * high, _DECIMALS),
    )


# A table's rows as printed: a line is _LINE times as high as a character is wide (1.15 em
# over 0.52 em, the mean width of a character of running text), and a row's cell padding
# and rules add _PADDING of a line to it (0.2 in LaTeX tables, up to 0.9 in office ones:
# measured with pdfplumber on the corpus's PDF tables, top level and dev)
_LINE = 2.2
_PADDING = 0.6

# a cell of a table as printed: its lines' lengths, its longest word, its columns and the
# rows it covers (positions in the rows measured)
_Cell = tuple[list[int], int, tuple[int, ...], list[int]]


def row_weights(
    rows: Sequence[Sequence[str]],
    owners: Mapping[tuple[int, int], tuple[int, int]],
    indices: Sequence[int],
    width: float,
    height: float,
) -> list[float]:
    """How high rows ``indices`` of a table are, relative to each other, in its box of
    ``width`` by ``height`` (one unit for both): each row's lines (the most any of its
    cells has: line breaks and wrapped lines) plus its padding.

    The table has no cell boxes, so its type size is found from its box: the size at which
    its rows fill the box's height, each cell wrapped to its columns' width, the width
    shared as a browser shares it (each column its longest word, the rest in proportion to
    what its longest line still needs). ``owners`` maps a position a merged cell covers to
    its first one: a cell over several columns wraps to their width, one over several rows
    shares its lines among them.
    """
    cells = _cells(rows, owners, indices)
    natural, least = _needs(cells)
    count = len(indices)
    # the type size (a character's width) at which the rows' explicit lines fill the box:
    # the answer when every cell's longest line fits its column at that size
    size = height / (_LINE * sum(_lines(cells, None, count)) or 1.0)
    if width <= 0 or height <= 0 or sum(natural.values()) * size <= width:
        return _lines(cells, None, count)
    # wrapped lines make the rows taller and the type smaller: the size at which they fill
    # the height, by bisection (the rows' height grows with the type size)
    high, low = size, size / 64
    for _ in range(12):
        middle = (high * low) ** 0.5
        lines = _lines(cells, _columns(natural, least, width / middle), count)
        if _LINE * middle * sum(lines) > height:
            high = middle
        else:
            low = middle
    return _lines(cells, _columns(natural, least, width / low), count)


def _cells(
    rows: Sequence[Sequence[str]],
    owners: Mapping[tuple[int, int], tuple[int, int]],
    indices: Sequence[int],
) -> list[_Cell]:
    """The cells of rows ``indices``, a merged cell once."""
    groups: dict[tuple[int, int], tuple[str, set[int], set[int]]] = {}
    for at, r in enumerate(indices):
        for c, text in enumerate(rows[r]):
            if text:
                _, covered, columns = groups.setdefault(
                    owners.get((r, c), (r, c)), (text, set(), set())
                )
                covered.add(at)
                columns.add(c)
    return [
        (
            [len(line) for line in text.split("\n")],
            max(map(len, text.split()), default=0),
            tuple(columns),
            sorted(covered),
        )
        for text, covered, columns in groups.values()
    ]


def _needs(cells: list[_Cell]) -> tuple[dict[int, float], dict[int, float]]:
    """Each column's width (in characters) for its longest line, and for its longest word;
    a merged cell's need beyond its columns' is spread over them."""
    natural: dict[int, float] = {}
    least: dict[int, float] = {}
    for lengths, word, columns, _ in sorted(cells, key=lambda cell: len(cell[2])):
        for need, wanted in ((natural, max(lengths)), (least, word)):
            missing = wanted - sum(need.setdefault(c, 0.0) for c in columns)
            for c in columns if missing > 0 else ():
                need[c] += missing / len(columns)
    return natural, least


def _columns(natural: dict[int, float], least: dict[int, float], across: float) -> dict[int, float]:
    """Each column's width in characters when the table is ``across`` characters wide."""
    total, words = sum(natural.values()), sum(least.values())
    if words >= across:  # even the longest words overflow: each its share of the width
        return {c: least[c] * across / (words or 1.0) for c in natural}
    spare = (across - words) / max(total - words, 1.0)
    return {c: least[c] + (natural[c] - least[c]) * spare for c in natural}


def _lines(cells: list[_Cell], columns: dict[int, float] | None, count: int) -> list[float]:
    """Each row's height in lines, its padding included: its explicit lines only (no
    ``columns``), or with its cells wrapped to ``columns``."""
    out = [1.0] * count
    for lengths, _, spanned, covered in cells:
        if columns is None:
            lines = len(lengths) / len(covered)
        else:
            room = max(sum(columns[c] for c in spanned), 1.0)
            lines = sum(max(ceil(length / room), 1) for length in lengths) / len(covered)
        for at in covered:
            out[at] = max(out[at], lines)
    return [lines + _PADDING for lines in out]


_COMPACT = json.JSONEncoder(separators=(",", ":"))
_KEPT = 20_000  # coordinates whose JSON text is kept


class _Numbers(dict[float, str]):
    """The JSON text of each coordinate, made once: a float's text costs more than the
    rest of a box, and coordinates repeat (the edges of a column; at 4 decimals in 0..1
    there are 10,001 of them; other values are kept up to a bound)."""

    def __missing__(self, value: float) -> str:
        text = _COMPACT.encode(value)
        if 0.0 <= value <= 1.0 and text != "-0.0" and len(self) < _KEPT:
            self[value] = text
        return text


_NUMBER = _Numbers()


def boxes_json(boxes: Iterable[Box]) -> str:
    """The metadata value: a compact JSON list of ``[page_number, x0, y0, x1, y1]``."""
    n = _NUMBER
    return "[" + ",".join([f"[{p:d},{n[a]},{n[b]},{n[c]},{n[d]}]" for p, a, b, c, d in boxes]) + "]"


def parse_boxes(value: str | Iterable[Any] | Mapping[str, Any] | Any) -> list[Box]:
    """The boxes of a chunk, a LangChain or LlamaIndex document, their metadata, or the
    ``boxes`` value itself (the JSON string or a list).

    Raises:
        ConfigurationError: there are no boxes, or they are not ``[page, x0, y0, x1, y1]``
            lists (the document was not made by this package, or its metadata was edited).
    """
    metadata = getattr(value, "metadata", value)
    raw = metadata.get("boxes") if isinstance(metadata, Mapping) else metadata
    if raw is None:
        raise ConfigurationError(
            "No 'boxes' in the metadata: pass a document or chunk made by somark_loaders "
            "(the key is set on every unit whose blocks have a bbox)."
        )
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ConfigurationError(f"The 'boxes' metadata is not JSON ({err}).") from None
    out: list[Box] = []
    for item in raw if isinstance(raw, list | tuple) else [None]:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 5
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)
        ):
            raise ConfigurationError(
                f"'boxes' holds {item!r}; each box is [page_number, x0, y0, x1, y1] "
                "with corners as fractions of the page."
            )
        out.append((int(item[0]), float(item[1]), float(item[2]), float(item[3]), float(item[4])))
    return out
