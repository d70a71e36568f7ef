"""Labels set left of a booktabs table's columns, each over a group of its rows (LaTeX's
``\\multirow``): DPR's Table 6 names the similarity (``DP``, ``L2``) once per pair of
rows, each label centred between its two rows, left of the ``Loss`` column.

Read as aligned words, such a label is a line of its own, between two rows, and no
column of the table has it: it came out as a row of one cell, in the column of the loss
names. Inside a booktabs frame (:mod:`.pdf_booktabs`, where every line is the table's),
the words wholly left of the first column make a column of labels
(:func:`label_column`), and a label on a line of its own, centred between rows set at
the table's usual pitch, labels the rows around it (:func:`spread_labels`): the first
of them holds it, the others continue it (a cell spanning rows, as the service writes
a merged cell). A label on a line of its own with more room around it (a group's name
above its rows) stays a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from statistics import median
from typing import Any

__all__ = ["label_column", "spread_labels"]

Columns = list[tuple[float, float]]
_APART = 2.0  # points: a label's right edge this far left of the first column at least
_PITCH = 1.5  # of the usual distance of two rows: the rows around a label sit no farther


def label_column(words: Sequence[dict[str, Any]], columns: Columns) -> Columns:
    """``columns`` with a column of labels in front when some of ``words`` (the lines of
    a frame's body) stand wholly left of the first column; else ``columns``."""
    left = columns[0][0]
    spans = [(float(w["x0"]), float(w["x1"])) for w in words if float(w["x1"]) <= left - _APART]
    if not spans:
        return columns
    return [(min(a for a, _ in spans), max(b for _, b in spans)), *columns]


def spread_labels(
    grid: list[list[str]], centres: list[float], first: int
) -> list[list[str | None]]:
    """The rows of ``grid`` (their vertical ``centres``; the body from row ``first``)
    with each label that stands alone between rows (only its first cell filled) moved
    into the rows it labels: the same number above it and below it, at the usual pitch
    around it, none of them with a label of its own. The first of them holds the label,
    the others ``None`` (the cell continues). A label without such rows stays a row."""
    body = range(first, len(grid))
    alone = [i for i in body if grid[i][0] and not any(grid[i][1:])]
    data = [i for i in body if i not in alone]
    if not alone or len(data) < 2:
        return [list(row) for row in grid]
    pitch = median(centres[b] - centres[a] for a, b in pairwise(data))
    owner: dict[int, int] = {}
    for label in alone:
        owner.update(_group(grid, centres, label, (first, alone, pitch), owner))
    out: list[list[str | None]] = []
    last: int | None = None
    for i, row in enumerate(grid):
        if i in alone and i in owner.values():
            continue  # spread over its rows
        if i in owner:
            out.append([grid[owner[i]][0] if last != owner[i] else None, *row[1:]])
            last = owner[i]
        else:
            out.append(list(row))
            last = None
    return out


def _group(
    grid: list[list[str]],
    centres: list[float],
    label: int,
    body: tuple[int, list[int], float],
    owner: dict[int, int],
) -> dict[int, int]:
    """The rows the label at row ``label`` labels: pairs of rows, one above and one below,
    growing outwards, each without a label of its own, not a label, not yet owned; the
    first pair at the usual pitch (a group's name on a line of its own has a line more).
    ``body``: the body's first row, its labels alone and its usual pitch."""
    first, alone, pitch = body
    rows: dict[int, int] = {}
    up, down = label - 1, label + 1
    while up >= first and down < len(grid):
        if any(i in alone or i in owner or grid[i][0] or not any(grid[i][1:]) for i in (up, down)):
            break
        if not rows and centres[down] - centres[up] > _PITCH * pitch:
            break
        rows[up] = rows[down] = label
        up, down = up - 1, down + 1
    return rows
