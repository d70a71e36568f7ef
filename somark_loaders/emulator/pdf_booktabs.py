"""Small tables inside a booktabs frame: a rule above, a rule under the column names, a
rule under the last row, all of one width.

Papers set their small tables this way (LaTeX's ``booktabs``: ``\\toprule``,
``\\midrule``, ``\\bottomrule``), with no vertical lines. The reader of aligned words
(:mod:`.aligned_tables`) asks for three rows under a header before it calls aligned
words a table, since two lines of numbers in a column of text prove little; a table of
two rows (``Gold 44.9 66.8 78.1`` and ``Dist. Sup. 43.9 65.3 77.1`` under ``Top-1
Top-5 Top-20``) came out as lines of text. The frame is the proof the rows lack: inside
one, two rows under the header make a table, and the lines above the rule under the
column names are its header.

A frame is three to six rules of one span (within 3 pt), each gap between two of them
holding text that is neither a caption nor prose (a caption or a paragraph between two
rules parts two tables that share a column's width), one gap holding two lines or more
(the body: the gaps of a form's lines to write on hold one line each), and no vertical
line inside it (booktabs draws none; a form's boxes and columns of amounts do).
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from ._blocks import Box, FoundTable
from ._words import page_words
from .aligned_tables import CAPTION, tables_of

__all__ = ["framed_tables"]

_LEAST_WIDTH = 60.0  # points: a rule under a table's columns, not a line under a word
_SAME = 3.0  # points: two rules of one span
_THICK = 1.5  # points: the two edges of one filled rule
_MOST_RULES = 6
_UPRIGHT = 6.0  # points of a vertical line inside a frame: a box or a column rule
_PROSE = re.compile(r"(?:[A-Za-z]{2,}[,;]?\s+){6}")  # six words in a row: a sentence


def framed_tables(page: Any, taken: list[Box]) -> list[FoundTable]:
    """Tables of two rows or more inside booktabs frames of ``page``, outside ``taken``."""
    words = [w for w in page_words(page) if w.get("upright", True)]
    found: list[FoundTable] = []
    for frame in _frames(_rules(page), words):
        left, right = frame[0][1], frame[0][2]
        top, bottom = frame[0][0], frame[-1][0]
        box = (left, top, right, bottom)
        if any(_overlaps(box, other) for other in taken) or _upright_lines(page, box):
            continue
        inside = [w for w in words if _centre_in(w, box)]
        head = len(_band(words, frame[0], frame[1]))  # the lines above the mid rule
        for table in tables_of(inside, least=2):
            above = table.box[1] < frame[1][0] and 0 < head < len(table.rows)
            found.append(FoundTable(table.box, table.rows, head if above else table.header_rows))
    return found


def _upright_lines(page: Any, box: Box) -> bool:
    """Whether a vertical line of some length stands inside ``box``."""
    left, top, right, bottom = box
    return any(
        e.get("orientation") == "v"
        and left + _SAME < float(e["x0"]) < right - _SAME
        and min(float(e["bottom"]), bottom) - max(float(e["top"]), top) >= _UPRIGHT
        for e in page.edges
    )


def _rules(page: Any) -> list[tuple[float, float, float]]:
    """The page's horizontal rules as (top, x0, x1), a filled rule's two edges as one."""
    edges = sorted(
        (float(e["top"]), float(e["x0"]), float(e["x1"]))
        for e in page.edges
        if e.get("orientation") == "h" and float(e["x1"]) - float(e["x0"]) >= _LEAST_WIDTH
    )
    rules: list[tuple[float, float, float]] = []
    for top, x0, x1 in edges:
        if any(top - t <= _THICK and _same(x0, x1, a, b) for t, a, b in rules[-4:]):
            continue
        rules.append((top, x0, x1))
    return rules


def _frames(
    rules: list[tuple[float, float, float]], words: list[dict[str, Any]]
) -> list[list[tuple[float, float, float]]]:
    """Runs of three to six rules of one span with a table's text between them."""
    groups: list[list[tuple[float, float, float]]] = []
    for rule in rules:
        group = next((g for g in groups if _same(rule[1], rule[2], g[0][1], g[0][2])), None)
        if group is None:
            groups.append([rule])
        else:
            group.append(rule)
    frames: list[list[tuple[float, float, float]]] = []
    for group in groups:
        chain = group[:1]
        for rule in group[1:]:
            band = _band(words, chain[-1], rule)
            if band and not any(CAPTION.match(line) or _PROSE.search(line) for line in band):
                chain.append(rule)
                continue
            frames.append(chain)
            chain = [rule]
        frames.append(chain)
    return [
        f
        for f in frames
        if 3 <= len(f) <= _MOST_RULES and any(len(_band(words, a, b)) >= 2 for a, b in pairwise(f))
    ]


def _band(
    words: list[dict[str, Any]],
    upper: tuple[float, float, float],
    lower: tuple[float, float, float],
) -> list[str]:
    """The lines of text between two rules, within their span."""
    inside = sorted(
        (w for w in words if _centre_in(w, (upper[1], upper[0], upper[2], lower[0]))),
        key=lambda w: (float(w["top"]), float(w["x0"])),
    )
    lines: list[list[dict[str, Any]]] = []
    for word in inside:
        if lines and abs(float(word["top"]) - float(lines[-1][0]["top"])) <= 0.5 * (
            float(word["bottom"]) - float(word["top"])
        ):
            lines[-1].append(word)
        else:
            lines.append([word])
    return [
        " ".join(w["text"] for w in sorted(line, key=lambda w: float(w["x0"]))) for line in lines
    ]


def _same(x0: float, x1: float, a: float, b: float) -> bool:
    return abs(x0 - a) <= _SAME and abs(x1 - b) <= _SAME


def _centre_in(word: dict[str, Any], box: Box) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
