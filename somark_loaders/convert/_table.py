"""A table as a grid of cell texts, merged cells expanded (:class:`Table`), and its
renderings: a Markdown pipe table, plain text, or HTML again for a slice of rows. Read
from SoMark's markup by :mod:`.tables`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from ._html_rows import MAX_TABLE_CELLS
from ._table_rows import flat as _flat
from ._table_rows import html_row, md_row
from ._table_rows import pad as _pad
from ._table_rows import short_row as _short_row

__all__ = ["MAX_TABLE_CELLS", "Table", "md_row"]


Origins = Mapping[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class Table:
    """A rectangular grid of cell texts.

    Attributes:
        rows: every row has ``width`` cells; a merged cell's text is in every position it
            covers, so code can read any cell on its own.
        header_rows: how many leading rows are header rows (0 when the table has none).
        row_pages: 0-based page of each row (tables merged across pages span several).
        origins: for a position a merged cell covers beyond its first one, that first
            position. Renderings show a merged cell once (Markdown and text leave the
            covered positions empty, HTML gives spans); a part of the table that starts
            inside a tall cell states it again in its first row.
    """

    rows: tuple[tuple[str, ...], ...]
    header_rows: int = 0
    row_pages: tuple[int, ...] = field(default=(), compare=False)
    origins: Origins = field(default_factory=dict, compare=False)

    @cached_property
    def width(self) -> int:  # asked for each title row, each part: the rows never change
        return max(map(len, self.rows), default=0)

    @property
    def header(self) -> tuple[tuple[str, ...], ...]:
        return self.rows[: self.header_rows]

    @property
    def body(self) -> tuple[tuple[str, ...], ...]:
        return self.rows[self.header_rows :]

    def _replace(self, **changes: object) -> Table:
        return replace(self, **changes)  # type: ignore[arg-type]

    def is_title_row(self, index: int) -> bool:
        """A row that is one cell across the table (a sheet's title, a group label)."""
        row = self.rows[index]
        owners = {self.origins.get((index, c), (index, c)) for c, text in enumerate(row) if text}
        return self.width > 1 and len(owners) == 1

    def with_header(self) -> Table:
        """The table as its pipe rendering sees it: at least one header row that names
        columns. Leading title rows (one cell across) come with the row after them. A
        table of more than one row keeps at least one body row (a part split by rows has
        something besides its header)."""
        if not self.rows:
            return self
        count = self.header_rows
        if all(self.is_title_row(i) for i in range(count)):
            while count < len(self.rows) - 1 and self.is_title_row(count):
                count += 1
            count += 1
        count = min(count, max(len(self.rows) - 1, 1))  # a lone row is all the header
        return self if count == self.header_rows else self._replace(header_rows=count)

    def pruned(self) -> Table:
        """The table without the columns that hold no text of their own, only merged
        cells crossing them (a Word form's fine grid: each was an empty cell on every row
        of the pipe table and a ``---`` in every part's header). For reading: a table
        continued on the next page is merged whole first (its parts' columns agree only
        before; a part may have text in a column that the other part's cells cross)."""
        made = self.__dict__.get("_pruned")
        if made is not None:
            return made  # type: ignore[no-any-return]
        live = [
            c
            for c in range(self.width)
            if any(row[c] and (r, c) not in self.origins for r, row in enumerate(self.rows))
        ]
        table = self
        if live and len(live) < self.width:
            new = {old: n for n, old in enumerate(live)}
            origins = {
                (r, new[c]): (o[0], new[o[1]])
                for (r, c), o in self.origins.items()
                if c in new and o[1] in new
            }
            rows = tuple(tuple(row[c] for c in live) for row in self.rows)
            table = Table(rows, self.header_rows, self.row_pages, origins)
        self.__dict__["_pruned"] = table
        return table

    def with_pages(self, page: int) -> Table:
        """The same table with every row on ``page`` (what is made of its rows alone,
        made once: its width, its Markdown)."""
        table = self._replace(row_pages=(page,) * len(self.rows))
        for made in ("width", "_markdown"):
            if made in self.__dict__:
                table.__dict__[made] = self.__dict__[made]
        return table

    def extend(self, other: Table) -> Table:
        """This table followed by the body of ``other`` (the rest of it on a later page).

        Header rows that ``other`` repeats are dropped; rows ``other`` marks as header but
        that are not this table's header are its first data rows. Rows are padded to the
        wider of the two.
        """
        return self.extend_all([other])

    def extend_all(self, others: Sequence[Table]) -> Table:
        """:meth:`extend` with each of ``others`` in turn, in one pass (a table continued
        over hundreds of pages is merged in linear time)."""
        rows = list(self.rows)
        pages = list(self.row_pages or (0,) * len(self.rows))
        origins = dict(self.origins)
        header = list(self.header)
        for other in others:
            skip = 0
            if other.header_rows and list(other.header) == header:
                skip = other.header_rows
            elif self.header_rows and list(other.rows[: self.header_rows]) == header:
                skip = self.header_rows
            shift = len(rows) - skip
            for (r, c), (orow, ocol) in other.origins.items():
                if r >= skip and orow >= skip:
                    origins[(r + shift, c)] = (orow + shift, ocol)
            rows.extend(other.rows[skip:])
            pages.extend(list(other.row_pages or (0,) * len(other.rows))[skip:])
        width = max((len(r) for r in rows), default=0)
        merged = tuple(_pad(r, width) for r in rows)
        return Table(merged, self.header_rows, tuple(pages), origins)

    # --- rendering ------------------------------------------------------------------
    def label_row(self) -> tuple[str, ...]:
        """The header row nearest the body (it names the columns), each merged cell once;
        empty when the table has no header row."""
        return self._shown([self.header_rows - 1])[0] if self.header_rows else ()

    def _shown(self, rendered: list[int]) -> list[tuple[str, ...]]:
        """The rendered rows with each merged cell shown once: at its first position, or
        (when that row is not rendered) at its first rendered position."""
        owner = self._owners(rendered)
        covered = {r for r, _ in owner}  # rows with a position a merged cell covers
        return [
            tuple(
                text if owner.get((r, c), (r, c)) == (r, c) else ""
                for c, text in enumerate(self.rows[r])
            )
            if r in covered
            else self.rows[r]
            for r in rendered
        ]

    def _owners(self, rendered: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
        shown = set(rendered)
        first: dict[tuple[int, int], tuple[int, int]] = {}
        owner: dict[tuple[int, int], tuple[int, int]] = {}
        order = {r: i for i, r in enumerate(rendered)}
        # the covered positions of the rendered rows, in reading order (most tables have
        # a few merged cells: not every cell looked up)
        for r, c in sorted(
            (key for key in self.origins if key[0] in order and key[1] < len(self.rows[key[0]])),
            key=lambda key: (order[key[0]], key[1]),
        ):
            origin = self.origins[(r, c)]
            if origin[0] in shown:
                owner[(r, c)] = origin
            else:  # the cell's own row is not rendered: its first position here
                owner[(r, c)] = first.setdefault(origin, (r, c))
        return owner

    def _title_lines(self, head: list[int]) -> tuple[list[str], list[int]]:
        """Leading header rows that are one cell across render as plain lines."""
        titles: list[str] = []
        while len(head) > 1 and self.is_title_row(head[0]):
            titles.append(next(_flat(c) for c in self.rows[head[0]] if c))
            head = head[1:]
        return titles, head

    def markdown_lines(self) -> tuple[list[str], list[str]]:
        """(header lines, one line per body row) of the pipe table.

        A pipe table needs a header: without header rows, the first row serves as one.
        Title rows of the header (one cell across) come first, as plain lines. The first
        header row has every column; a later row ends at its last cell with text (GFM
        fills a short row with empty cells): a form's wide grid, mostly merged or empty,
        otherwise costs two tokens a column on every row.
        """
        head, body = self._markdown
        return list(head), list(body)

    @cached_property
    def _markdown(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """:meth:`markdown_lines`, made once: a table split by rows was rendered whole
        (its element's text), then again for its rows."""
        width = self.width
        if width == 0:
            return (), ()
        count = self.header_rows or 1
        titles, head = self._title_lines(list(range(count)))
        shown = self._shown(head + list(range(count, len(self.rows))))
        lines = [md_row(shown[0], width), "|" + "|".join(["---"] * width) + "|"]
        lines += [_short_row(r) for r in shown[1 : len(head)]]
        return (*titles, *lines), tuple(_short_row(r) for r in shown[len(head) :])

    def to_markdown(self, body_slice: slice | None = None) -> str:
        """The pipe table; ``body_slice`` keeps only those body rows (header always kept)."""
        if body_slice is None:
            head, body = self.markdown_lines()
            return "\n".join(head + body)
        head, body = self._part(self.header_rows or 1, body_slice).markdown_lines()
        return "\n".join(head + body)

    def _part(self, count: int, body_slice: slice) -> Table:
        """The header rows and a slice of the body as a table of its own (a merged cell
        cut by the slice shows in the part's first row)."""
        keep = list(range(count)) + list(range(count, len(self.rows)))[body_slice]
        index = {old: new for new, old in enumerate(keep)}
        owner = self._owners(keep)
        origins = {(index[r], c): (index[o[0]], o[1]) for (r, c), o in owner.items() if o != (r, c)}
        rows = tuple(self.rows[r] for r in keep)
        pages = tuple(self.row_pages[r] for r in keep) if self.row_pages else ()
        return Table(rows, min(self.header_rows, count), pages, origins)

    def to_text(self) -> str:
        """One line per row, cells separated by `` | `` (no Markdown syntax); a merged
        cell is written once."""
        shown = self._shown(list(range(len(self.rows))))
        return "\n".join(" | ".join(_flat(c) for c in row) for row in shown)

    def rows_text(self, first: int, stop: int) -> str:
        """Rows ``first:stop`` as plain text: a cell a line (its own line breaks kept),
        after its column's label when a body cell has one (``Total: 4,310``); each merged
        cell once, empty cells left out."""
        labels = self.label_row() if first >= self.header_rows else ()
        lines = []
        for row in self._shown(list(range(first, stop))):
            for column, cell in enumerate(row):
                text = cell.strip()
                label = _flat(labels[column]) if column < len(labels) else ""
                if text:
                    lines.append(f"{label}: {text}" if label and label != text else text)
        return "\n".join(lines)

    def to_html(self, body_slice: slice | None = None) -> str:
        """HTML of the grid (header rows in ``<thead>``), merged cells as spans."""
        keep = list(range(len(self.rows)))
        if body_slice is not None:
            keep = keep[: self.header_rows] + keep[self.header_rows :][body_slice]
        owner = self._owners(keep)
        position = {r: i for i, r in enumerate(keep)}
        spans: dict[tuple[int, int], list[int]] = {}  # owner -> [rows, cols]
        covered: set[tuple[int, int]] = set()  # shown by the cell that owns them
        for (r, c), o in owner.items():
            if o == (r, c):
                continue
            covered.add((r, c))
            span = spans.setdefault(o, [1, 1])
            span[0] = max(span[0], position[r] - position[o[0]] + 1)
            span[1] = max(span[1], c - o[1] + 1)

        # rows where no merged cell starts or goes on: every cell plain, escaped at once
        marked = {r for r, _ in covered} | {r for r, _ in spans}

        def row_html(r: int, tag: str) -> str:
            return html_row(r, self.rows[r], tag, covered, spans, plain=r not in marked)

        head = [r for r in keep if r < self.header_rows]
        body = [r for r in keep if r >= self.header_rows]
        parts = ["<table>"]
        if head:
            # the parts of a table split by rows repeat its header: rendered once, when no
            # merged cell of the header reaches into the body (its span would depend on
            # the rows of the part)
            thead = self.__dict__.get("_thead") if body_slice is not None else None
            if thead is None:
                thead = "".join(["<thead>", *(row_html(r, "th") for r in head), "</thead>"])
                if body_slice is not None and len(head) == self.header_rows and self._head_alone:
                    self.__dict__["_thead"] = thead
            parts.append(thead)
        parts += ["<tbody>", *(row_html(r, "td") for r in body), "</tbody></table>"]
        return "".join(parts)

    @cached_property
    def _head_alone(self) -> bool:
        """Whether no merged cell of the header rows reaches into the body."""
        header = self.header_rows
        return not any(o[0] < header <= r for (r, _), o in self.origins.items())
