"""Where the rows of a table split by rows sit on its pages (chunk mode: the boxes of
each part of a table, see :mod:`._units`)."""

from __future__ import annotations

from ._boxes import Box, vertical_share
from ._element import Element
from ._row_heights import row_weights
from .tables import Table

__all__ = ["TableBoxes"]


class TableBoxes:
    """Where the rows of a table split by rows sit: on each page, the rows' band of the
    table's box there (a page's box shared among the rows that part had as parsed, each
    row by its lines: see :func:`row_weights`; the header rows, or the header a part
    repeats and the merge left out, are its top band and go with the first rows under
    them), and the captions on those pages."""

    def __init__(self, element: Element, table: Table) -> None:
        self.table = table
        self.parts = element.table_boxes or {}
        self.spans: dict[int, tuple[int, int]] = {}  # 0-based page: its rows' range
        for index, page in enumerate(table.row_pages):
            self.spans[page] = (self.spans.get(page, (index, index))[0], index + 1)
        self.by_page: dict[int, list[Box]] = {}  # 1-based, as in the boxes
        for box in element.boxes:
            self.by_page.setdefault(box[0], []).append(box)
        self.edges: dict[int, list[float]] = {}  # 0-based page: its rows' tops, then 1

    def rows(self, start: int, end: int, pages: range) -> list[Box]:
        """The boxes of body rows ``start:end``, which sit on ``pages`` (0-based)."""
        header_rows = self.table.header_rows
        low, high = header_rows + start, header_rows + end
        out: list[Box] = []
        for page in pages:
            for box in self.by_page.get(page + 1, ()):
                part = self.parts.get(box[0])
                if part is None or part[0] != box:  # a caption
                    out.append(box)
                    continue
                first, stop = self.spans.get(page, (0, 0))
                top, bottom = max(low, first), min(high, stop)
                if top >= bottom:
                    continue  # none of these rows on this page
                edges = self._edges(page, part)
                skipped = len(edges) - 1 - (stop - first)  # a repeated header, not merged
                above = 0.0 if top <= max(first, header_rows) else edges[skipped + top - first]
                out.append(vertical_share(box, above, edges[skipped + bottom - first]))
        return out

    def _edges(self, page: int, part: tuple[Box, int, float]) -> list[float]:
        """Where each row of ``page`` starts in its box (fractions of its height), the
        header the merge left out first, then 1.0."""
        edges = self.edges.get(page)
        if edges is None:
            (_, x0, y0, x1, y1), parsed, aspect = part
            first, stop = self.spans.get(page, (0, 0))
            skipped = min(max(parsed - (stop - first), 0), first)
            rows = [*range(skipped), *range(first, stop)]
            weights = row_weights(
                self.table.rows, self.table.origins, rows, x1 - x0, (y1 - y0) * aspect
            )
            total, edges = sum(weights), [0.0]
            for weight in weights:
                edges.append(edges[-1] + weight / total)
            edges[-1] = 1.0
            self.edges[page] = edges
        return edges
