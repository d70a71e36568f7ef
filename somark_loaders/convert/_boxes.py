"""Where a unit's text sits on its pages: the ``boxes`` metadata key.

A box is ``(page_number, x0, y0, x1, y1)``: the 1-based (global) page number and the
block's corners as fractions of that page's width and height (0..1, 4 decimals), from
SoMark's pixel ``bbox`` divided by ``page_size``. A unit carries one box per source block,
in reading order; metadata holds them as a compact JSON string (flat metadata keeps every
vector store happy): ``[[1,0.1204,0.0801,0.4538,0.1203],...]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._errors import ConfigurationError
from ..models import Block, Page

__all__ = ["Box", "block_box", "boxes_json", "parse_boxes", "vertical_share"]

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
