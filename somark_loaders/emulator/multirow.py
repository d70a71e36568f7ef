"""Labels set left of a booktabs table's columns, each over a group of its rows (LaTeX's
``\\multirow``): DPR's Table 6 names the similarity (``DP``, ``L2``) once per pair of
rows, each label centred between its two rows, left of the ``Loss`` column.

Read as aligned words, such a label is a line of its own, between two rows, and no
column of the table has it: it came out as a row of one cell, in the column of the loss
names. Inside a booktabs frame (:mod:`.pdf_booktabs`, where every line is the table's),
the words wholly left of the first column make a column of labels
(:func:`label_column`), and a label on a line of its own, centred between rows set at
the table's usual pitch, labels the two rows around it (:func:`spread_labels`): the
first holds it, the second continues it (a cell spanning rows, as the service writes a
merged cell). A label on a line of its own with more room around it (a group's name
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
_PITCH = 1.5  # of the usual distance of two rows: the two rows around a label, at most


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
    with each label that stands alone between two rows (only its first cell filled)
    moved into them: the row above holds it, the row below continues it (``None``). The
    two rows sit at the usual pitch of the body's rows (a group's name on a line of its
    own has a line more around it), neither has a label of its own, is a label or is
    empty. A label without such rows stays a row.

    Only the two rows nearest a label are its own: a label over four rows stands where
    one over two rows with a row of no group above and below it does, so the rows
    farther out keep an empty label rather than a wrong one; a label over three rows
    stands on its middle row's line and labels that row only."""
    body = range(first, len(grid))
    alone = [i for i in body if grid[i][0] and not any(grid[i][1:])]
    data = [i for i in body if i not in alone]
    if not alone or len(data) < 2:
        return [list(row) for row in grid]
    pitch = median(centres[b] - centres[a] for a, b in pairwise(data))
    owner: dict[int, int] = {}
    for label in alone:
        pair = (label - 1, label + 1)
        if (
            pair[0] >= first
            and pair[1] < len(grid)
            and not any(
                i in alone or i in owner or grid[i][0] or not any(grid[i][1:]) for i in pair
            )
            and centres[pair[1]] - centres[pair[0]] <= _PITCH * pitch
        ):
            owner.update(dict.fromkeys(pair, label))
    out: list[list[str | None]] = []
    for i, row in enumerate(grid):
        if i in owner:
            out.append([grid[owner[i]][0] if i < owner[i] else None, *row[1:]])
        elif not (i in alone and i in owner.values()):  # a label spread over its rows
            out.append(list(row))
    return out
