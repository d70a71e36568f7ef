"""Units: a result's elements packed into the units of one mode (a document, a page, an
element, a section, or a token-bounded chunk of a section), before they become chunks.

Everything here is pure: the same result and options give the same units.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..models import ElementType, ParseResult
from ._boxes import Box, vertical_share
from ._elements import SEP, Element, join
from ._elements import elements as read_elements
from ._records import ConvertOptions
from ._row_heights import row_weights
from ._seams import joined_count, seams_counted
from .chunking import CountCache, TokenCounter, split_text
from .tables import Table

__all__ = ["unit_boxes", "unit_tokens", "units"]


@dataclass
class _Unit:
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


def unit_boxes(unit: _Unit) -> list[Box]:
    """Where a unit's text sits: its own boxes (a part of a table), else its elements'."""
    if unit.boxes is not None:
        return unit.boxes
    return [box for element in unit.elements for box in element.boxes]


def _unit(
    elements: list[Element], heading_path: tuple[str, ...], section: int | None = None
) -> _Unit:
    return _Unit(
        text=SEP.join(e.text for e in elements),
        elements=elements,
        page_start=min(e.page_start for e in elements),
        page_end=max(e.page_end for e in elements),
        heading_path=heading_path,
        section=section,
    )


def _sections(elements: list[Element]) -> list[list[Element]]:
    groups: list[list[Element]] = []
    for element in elements:
        if (
            not groups
            or element.kind is ElementType.TITLE
            or groups[-1][0].section != element.section
        ):
            groups.append([element])
        else:
            groups[-1].append(element)
    return groups


def _fold_lone_titles(groups: list[list[Element]]) -> list[tuple[int, list[Element]]]:
    """Chunk mode: a heading with no content of its own ("2 Background" directly followed
    by "2.1 ...") opens the next section's first chunk instead of being a chunk alone.

    Returns (index of the section in section mode, elements) pairs.
    """
    out: list[tuple[int, list[Element]]] = []
    pending: list[Element] = []
    for index, group in enumerate(groups):
        nxt = groups[index + 1] if index + 1 < len(groups) else None
        head = group[0]
        lone = len(group) == 1 and head.kind is ElementType.TITLE
        if lone and nxt is not None:
            depth = len(head.heading_path)
            if nxt[0].heading_path[:depth] == head.heading_path:
                pending.append(head)
                continue
        out.append((index, pending + group))
        pending = []
    return out


class _Packer:
    """Packs a section's elements into token-bounded units (chunk mode)."""

    def __init__(self, options: ConvertOptions, count: TokenCounter) -> None:
        self.options = options
        self.count = count
        self.raw = count.count if isinstance(count, CountCache) else count  # no cache
        self.sep_tokens = count(SEP)

    def tokens(self, element: Element) -> int:
        if element.tokens is None:
            element.tokens = self.count(element.text)
        return element.tokens

    def joined(self, elements: list[Element]) -> int:
        """The exact count of the elements' texts joined (not encoded again: see _seams)."""
        texts = [e.text for e in elements]
        return joined_count(texts, [self.tokens(e) for e in elements], SEP, self.count)

    def pack(self, group: list[Element], section: int) -> Iterator[_Unit]:
        # A folded group starts with lone headings: its path is that of its content.
        path = next(
            (e.heading_path for e in group if e.kind is not ElementType.TITLE),
            group[-1].heading_path,
        )
        budget = self.options.chunk_size
        if self.options.prepend_heading_path and path:
            budget -= self.count(" > ".join(path) + SEP)
        budget = max(budget, 1)
        current: list[Element] = []
        used = 0
        for element in group:
            if element.table is not None:
                lead: list[Element] = []
                if current and all(e.kind is ElementType.TITLE for e in current):
                    lead, current = current, []  # headings go with the table they announce
                if current:
                    yield from self._flush(current, path, section, budget)
                current, used = [], 0
                yield from self._table(element, path, section, budget, lead)
                continue
            size = self.tokens(element)
            if size > budget:
                if current:
                    yield from self._flush(current, path, section, budget)
                    current, used = [], 0
                for piece in split_text(
                    element.text, budget, self.count, self.options.chunk_overlap
                ):
                    unit = _unit([element], path, section)
                    unit.text, unit.oversized = piece.text, piece.oversized
                    unit.tokens = piece.tokens
                    yield unit
                continue
            extra = size + (self.sep_tokens if current else 0)
            if current and used + extra > budget:
                yield from self._flush(current, path, section, budget)
                current, used = [], 0
                extra = size
            current.append(element)
            used += extra
        if current:
            yield from self._flush(current, path, section, budget)

    def _flush(
        self, elements: list[Element], path: tuple[str, ...], section: int, budget: int
    ) -> Iterator[_Unit]:
        # Token counts of joined text can differ from the sum at the seams: check exactly,
        # and move trailing elements out until the unit fits.
        start = 0
        while start < len(elements):
            end = len(elements)
            while (tokens := self.joined(elements[start:end])) > budget and end - start > 1:
                end -= 1
            unit = _unit(elements[start:end], path, section)
            unit.tokens = tokens
            yield unit
            start = end

    def _table(
        self,
        element: Element,
        path: tuple[str, ...],
        section: int,
        budget: int,
        lead: list[Element],
    ) -> Iterator[_Unit]:
        """A table alone (after the headings that lead to it): whole, or by rows with the
        header (and caption) repeated in every part."""
        assert element.table is not None
        caption = element.caption or None
        lead_text = SEP.join(e.text for e in lead)
        lines: dict[str, int] = {}  # this table's lines, counted once each
        if element.tokens is None and len(element.text) > 4 * budget and seams_counted(self.raw):
            # most likely split by rows: counted a line at a time, so that the rows'
            # counts serve again below (instead of the whole table, then every row)
            element.tokens = self._lines(element.text.split("\n"), lines)
        whole = self.joined([*lead, element])
        if whole <= budget:
            yield _whole_table(element, lead, path, section, oversized=False, tokens=whole)
            return
        # A pipe table needs a header row: without one, the first row serves (as rendered).
        table = element.table.with_header()
        head, rows = table.markdown_lines()
        pages = list(table.row_pages[table.header_rows :]) or [element.page_start]
        where = _TableBoxes(element, table)
        first_row = rows[0] if rows else ""
        if lead and self.count(join(lead_text, element.caption, *head, first_row)) > budget:
            yield from self._flush(lead, path, section, budget)
            lead, lead_text = [], ""
        if not rows:  # one row, which is its header: nothing to split by, kept whole
            tokens = self.joined([*lead, element])
            yield _whole_table(element, lead, path, section, oversized=True, tokens=tokens)
            return
        start = 0
        while start < len(rows):
            prefix = join(lead_text, element.caption, "\n".join(head))
            end, used = start, self._line(prefix, lines) + 1  # counted once with the rows
            while end < len(rows):
                cost = self._line(rows[end], lines) + 1
                if end > start and used + cost > budget:
                    break
                used += cost
                end += 1
            # exact check of the seams, as in _flush
            while (
                tokens := self._lines([prefix, *rows[start:end]], lines)
            ) > budget and end - start > 1:
                end -= 1
            text = prefix + "\n" + "\n".join(rows[start:end])
            unit = _unit([*lead, element], path, section)
            unit.text = text
            row_pages = pages[start:end] or [element.page_start]
            unit.page_start = min([*row_pages, *(e.page_start for e in lead)])
            unit.page_end = max(row_pages)
            unit.table_html = table.to_html(slice(start, end))
            unit.table_caption = caption
            unit.oversized, unit.tokens = tokens > budget, tokens
            unit.boxes = [
                *(box for e in lead for box in e.boxes),
                *where.rows(start, end, range(unit.page_start, unit.page_end + 1)),
            ]
            yield unit
            lead, lead_text = [], ""  # the headings lead the first part only
            start = end

    def _line(self, text: str, known: dict[str, int]) -> int:
        tokens = known.get(text)
        if tokens is None:
            tokens = known[text] = self.raw(text)
        return tokens

    def _lines(self, texts: list[str], known: dict[str, int]) -> int:
        """The exact count of ``texts`` a line each (each distinct line counted once)."""
        counts = [self._line(text, known) for text in texts]
        return joined_count(texts, counts, "\n", self.raw)


class _TableBoxes:
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


def _whole_table(
    element: Element,
    lead: list[Element],
    path: tuple[str, ...],
    section: int,
    *,
    oversized: bool,
    tokens: int,
) -> _Unit:
    """A table in one unit, after the headings that lead to it."""
    unit = _unit([*lead, element], path, section)
    unit.text = join(*(e.text for e in lead), element.text)
    unit.table_html, unit.table_caption = element.table_html, element.caption or None
    unit.oversized, unit.tokens = oversized, tokens
    return unit


def units(result: ParseResult, options: ConvertOptions, count: TokenCounter) -> Iterator[_Unit]:
    mode = options.mode
    if mode == "page":
        elements = read_elements(result, options.excluded(), merge=False)
        by_page: dict[int, list[Element]] = {}
        for element in elements:
            by_page.setdefault(element.page_start, []).append(element)
        for page in sorted(by_page):
            group = by_page[page]
            yield _unit(group, group[0].heading_path)
        return
    elements = read_elements(result, options.excluded(), merge=options.merge_cross_page)
    if not elements:
        return
    if mode == "document":
        yield _unit(elements, ())
        return
    sections = _sections(elements)
    if mode == "element":
        for index, group in enumerate(sections):
            for element in group:
                unit = _unit([element], element.heading_path, index)
                unit.table_html = element.table_html
                unit.table_caption = (
                    element.caption or None if element.kind is ElementType.TABLE else None
                )
                yield unit
        return
    if mode == "section":
        for group in sections:
            yield _unit(group, group[0].heading_path)
        return
    packer = _Packer(options, count)
    packed = (
        unit for index, group in _fold_lone_titles(sections) for unit in packer.pack(group, index)
    )
    yield from _absorb_small(packed, options, count)


def _absorb_small(
    units: Iterable[_Unit], options: ConvertOptions, count: TokenCounter
) -> list[_Unit]:
    """Chunk mode: units under ``min_chunk_tokens`` join the next unit (its heading path and
    section: the small one is usually the heading that opens it), or else the previous one,
    when the two fit in ``chunk_size``; otherwise they stay as they are. A small unit with
    content (the last rows of a table) joins only a unit of its own section, or of one
    that holds it or that it holds."""
    least = min(options.min_chunk_tokens, options.chunk_size // 4)

    def small(unit: _Unit) -> bool:
        # characters first: most units are far too long to be small, and counting costs
        return least > 0 and len(unit.text) < least * 8 and unit_tokens(unit, count) < least

    def fits(first: _Unit, second: _Unit, keep: _Unit) -> bool:
        small = second if keep is first else first
        a, b = first.heading_path, second.heading_path
        if a[: len(b)] != b[: len(a)] and any(
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

    out: list[_Unit] = []
    carry: _Unit | None = None
    for packed in units:
        unit = packed
        if carry is not None:
            if fits(carry, unit, keep=unit):
                unit = _joined(carry, unit, keep=unit, count=count)
            elif out and fits(out[-1], carry, keep=out[-1]):
                out[-1] = _joined(out[-1], carry, keep=out[-1], count=count)
            else:
                out.append(carry)
            carry = None
        if small(unit):
            carry = unit  # a heading and another (or one more) may follow: keep gathering
        else:
            out.append(unit)
    if carry is not None:
        if out and fits(out[-1], carry, keep=out[-1]):
            out[-1] = _joined(out[-1], carry, keep=out[-1], count=count)
        else:
            out.append(carry)
    return out


def unit_tokens(unit: _Unit, count: TokenCounter) -> int:
    """The count of a unit's text: known from packing, or counted now (and kept)."""
    if unit.tokens is None:
        unit.tokens = count(unit.text)
    return unit.tokens


def _joined(first: _Unit, second: _Unit, *, keep: _Unit, count: TokenCounter) -> _Unit:
    """``first`` then ``second`` as one unit, with ``keep``'s heading path and section."""
    other = second if keep is first else first
    texts = [first.text, second.text]
    counts = [unit_tokens(first, count), unit_tokens(second, count)]
    return _Unit(
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
