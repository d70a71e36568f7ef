"""Glyphs the OCR detector missed beside a line it found.

The text detector (a segmentation model) misses a lone narrow glyph at the start or end
of a line: the capital ``I`` of ``I will maintain``, a ``1`` or an ``a`` set apart from
the next word. The recogniser reads it well once it sits in a crop with its neighbour.
So beside each detected line we look for ink in the line's band that no detected box
covers, no wider than a short word and no further than a wide word space; when there is
some, the line is read again over the wider crop, and the new reading replaces the old
one when it keeps the old text and adds letters or digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["widen_lines"]

INK = 64  # grey levels from the band's background that count as ink
MAX_GAP = 1.0  # line heights of blank between the line and the missed glyph
MAX_WIDTH = 2.5  # line heights: a missed short word, not a neighbouring column
MIN_HEIGHT = 0.4  # line heights the ink must span (not a rule, a dot or a dash)

Recognise = Callable[[Any], tuple[str, float] | None]


def _ink_columns(band: Any) -> Any:
    """Per column of a grey band: whether it holds ink, and its ink's rows."""
    import numpy as np

    background = float(np.median(band))
    return np.abs(band.astype(np.int16) - background) > INK


def _run(ink: Any, covered: Any, start: int, step: int, height: float) -> tuple[int, int] | None:
    """The columns of the first run of ink from ``start`` going ``step`` (-1 left, +1
    right), within ``MAX_GAP`` line heights, or None. Ends at a blank as wide as a word
    space or at ``MAX_WIDTH`` line heights; None when it reaches another line's box (the
    ink is the edge of that line's first or last glyph)."""
    columns = ink.any(axis=0)
    limit = len(columns)
    position, blank = start, 0
    while 0 <= position < limit and not columns[position]:
        if covered[position]:
            return None
        blank += 1
        if blank > MAX_GAP * height:
            return None
        position += step
    if not 0 <= position < limit:
        return None
    first = last = position
    blank = 0
    while 0 <= position < limit and abs(position - first) <= MAX_WIDTH * height:
        if covered[position]:
            return None
        if columns[position]:
            last, blank = position, 0
        else:
            blank += 1
            if blank > 0.3 * height:
                break
        position += step
    if abs(position - first) > MAX_WIDTH * height:
        return None  # runs on: part of something wider than a word
    return (min(first, last), max(first, last))


def _glyph_like(gray: Any, band: tuple[int, int], x0: int, x1: int) -> bool:
    """Whether the ink in columns ``x0..x1`` of the line's band (rows ``top..bottom``)
    looks like a glyph: it spans enough of the line's height and does not run on above
    and below the line (a table's rule, a picture's edge)."""
    top, bottom = band
    height = bottom - top
    ink = _ink_columns(gray[top:bottom, x0 : x1 + 1])
    rows = ink.any(axis=1).nonzero()[0]
    if len(rows) == 0 or rows[-1] - rows[0] + 1 < MIN_HEIGHT * height:
        return False
    above = gray[max(0, top - height // 2) : top, x0 : x1 + 1]
    below = gray[bottom : bottom + height // 2, x0 : x1 + 1]
    return not all(
        part.size and _ink_columns(part).any(axis=1).mean() > 0.8 for part in (above, below)
    )


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def widen_lines(
    gray: Any,
    boxes: list[tuple[float, float, float, float]],
    texts: list[str],
    recognise: Recognise,
    *,
    min_score: float,
) -> list[str]:
    """``texts`` (one per detected ``box`` of the grey image ``gray``) with the glyphs
    the detector missed just beside each line read back in."""
    import numpy as np

    height_px, width_px = gray.shape
    out = list(texts)
    for index, (x0f, topf, x1f, bottomf) in enumerate(boxes):
        left, top = max(0, int(x0f)), max(0, int(topf))
        right, bottom = min(width_px - 1, int(x1f)), min(height_px, int(bottomf) + 1)
        height = bottom - top
        if height < 8:
            continue
        band = gray[top:bottom]
        covered = np.zeros(width_px, dtype=bool)  # columns of the other lines in the band
        for other, (x0, other_top, x1, other_bottom) in enumerate(boxes):
            if other != index and min(bottom, other_bottom) - max(top, other_top) > 0.3 * height:
                covered[max(0, int(x0)) : int(x1) + 1] = True
        ink = _ink_columns(band)
        crop = [left, right]
        for start, step in ((left - 1, -1), (right + 1, 1)):
            found = _run(ink, covered, start, step, height)
            if found and _glyph_like(gray, (top, bottom), *found):
                crop = [min(crop[0], found[0]), max(crop[1], found[1])]
        if crop == [left, right]:
            continue
        pad = height // 4  # the margin the recogniser expects, on the widened sides only
        piece = gray[
            max(0, top - pad) : min(height_px, bottom + pad),
            max(0, crop[0] - (pad if crop[0] < left else 0)) : min(
                width_px, crop[1] + 1 + (pad if crop[1] > right else 0)
            ),
        ]
        reading = recognise(piece)
        if reading is None or reading[1] < min_score:
            continue
        new, old = reading[0].strip(), texts[index]
        if _alnum(old) in _alnum(new) and len(_alnum(new)) > len(_alnum(old)):
            out[index] = new
    return out
