"""Units: a result's elements packed into the units of one mode (a document, a page, an
element, a section, or a token-bounded chunk of a section), before they become chunks.

Everything here is pure: the same result and options give the same units.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..models import ElementType, ParseResult
from ._absorb import absorb_small
from ._element import Element
from ._elements import SEP, join
from ._elements import elements as read_elements
from ._notes import is_headnote, is_table_notes
from ._records import ConvertOptions
from ._repeat import repeated_prefix
from ._seams import count_each, joined_count, seams_counted
from ._table_boxes import TableBoxes
from ._unit import Unit as _Unit
from ._unit import make_unit as _unit
from ._unit import unit_boxes, unit_tokens
from .chunking import CountCache, Piece, TokenCounter, split_text

__all__ = ["unit_boxes", "unit_tokens", "units"]


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
        short = max(budget // 4, 1)  # a table's headnote or notes at most (see _notes)
        position = 0
        while position < len(group):
            element = group[position]
            position += 1
            if element.table is not None:
                headnote = None
                if current and is_headnote(current[-1], element, short, self.tokens(current[-1])):
                    headnote = current.pop()
                lead: list[Element] = []
                if current and all(e.kind is ElementType.TITLE for e in current):
                    lead, current = current, []  # headings go with the table they announce
                if current:
                    yield from self._flush(current, path, section, budget)
                current, used = [], 0
                parts = list(self._table(element, path, section, budget, lead, headnote=headnote))
                after = group[position] if position < len(group) else None
                notes = self.tokens(after) if after is not None else 0
                if after is not None and is_table_notes(after, element, budget, notes):
                    # short notes close the table's last part; longer ones (a statistical
                    # table's notes and sources) are a unit of their own, named by its caption
                    if notes > short or not self._add_notes(parts[-1], after, budget):
                        parts.append(self._notes_apart(element, after, path, section, budget))
                    position += 1
                yield from parts
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

    def _add_notes(self, unit: _Unit, notes: Element, budget: int) -> bool:
        """The table's notes at the end of its last part, when they fit."""
        text = unit.text + SEP + notes.text
        tokens = self.count(text)
        if tokens > budget:
            return False
        unit.text, unit.tokens = text, tokens
        unit.elements = [*unit.elements, notes]
        unit.page_end = max(unit.page_end, notes.page_end)
        if unit.boxes is not None:
            unit.boxes = [*unit.boxes, *notes.boxes]
        return True

    def _notes_apart(
        self, table: Element, notes: Element, path: tuple[str, ...], section: int, budget: int
    ) -> _Unit:
        """A table's notes that do not fit in its last part: a unit of their own that
        starts with the caption naming the table (when both fit)."""
        unit = _unit([notes], path, section)
        text = join(table.caption, notes.text)
        if table.caption and (tokens := self.count(text)) <= budget:
            unit.text, unit.tokens = text, tokens
        return unit

    def _table(
        self,
        element: Element,
        path: tuple[str, ...],
        section: int,
        budget: int,
        lead: list[Element],
        *,
        headnote: Element | None = None,
    ) -> Iterator[_Unit]:
        """A table alone (after the headings that lead to it): whole, or by rows with the
        header (and caption) repeated in every part, within a share of it (see _repeat);
        its headnote after its caption, in its first part."""
        assert element.table is not None
        note = headnote.text if headnote is not None else ""
        if headnote is not None:
            body = (
                element.text.removeprefix(element.caption + SEP)
                if element.caption
                else element.text
            )
            element = replace(
                element,
                text=join(element.caption, note, body),
                tokens=None,
                boxes=(*element.boxes, *headnote.boxes),
            )
        assert element.table is not None
        caption = element.caption or None
        lead_text = SEP.join(e.text for e in lead)
        lines: dict[str, int] = {}  # this table's lines, counted once each
        if (
            element.tokens is None
            and _length([*lead, element]) > _LIKELY_WITHIN * budget
            and seams_counted(self.raw)
        ):
            # it will most likely be split by rows: counted a line at a time, so that the
            # rows' counts serve again below (instead of the whole table, then every row
            # once more). A shorter one most likely fits: counted whole, in one encoding
            # (a count a row costs tiktoken a call each); if it does not fit after all,
            # its rows are counted too.
            texts = element.text.split("\n")
            count_each(texts, self.raw, lines)  # its lines at once (one encoding, not a call each)
            element.tokens = self._lines(texts, lines)
        whole = self.joined([*lead, element])
        if whole <= budget:
            yield _whole_table(element, lead, path, section, oversized=False, tokens=whole)
            return
        # A pipe table needs a header row: without one, the first row serves (as rendered).
        table = element.table.pruned().with_header()
        head, rows = table.markdown_lines()
        pages = list(table.row_pages[table.header_rows :]) or [element.page_start]
        where = TableBoxes(element, table)
        first_row = rows[0] if rows else ""
        if lead and self.count(join(lead_text, element.caption, note, *head, first_row)) > budget:
            yield from self._flush(lead, path, section, budget)
            lead, lead_text = [], ""
        if not rows:  # one row, which is its header: its cells cut into parts (_cut_row)
            named = join(lead_text, element.caption, note)
            cells = table.rows_text(0, table.header_rows or 1)
            for text, tokens, over in self._cut_row(named, cells, budget):
                unit = _whole_table(element, lead, path, section, oversized=over, tokens=tokens)
                unit.text = text
                yield unit
            return
        later = repeated_prefix(
            table,
            marked=element.table.header_rows > 0,
            caption=element.caption,
            head=head,
            budget=budget,
            count=lambda text: self._line(text, lines),
        )
        start, headed = 0, False  # headed: the whole header was in a part
        prefix = join(lead_text, element.caption, note, "\n".join(head))
        while start < len(rows):
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
            cut = [(prefix + "\n" + "\n".join(rows[start:end]), tokens, False)]
            over = tokens > budget  # one row, too long for a part with this prefix
            if over and not headed and prefix != later and self._line(prefix, lines) <= budget:
                # the first row does not fit under the whole header: the header (after the
                # caption and the headings) is a part of its own, the rows go under `later`
                cut, end = [(prefix, self._line(prefix, lines), False)], start
            elif over:  # the row's cells' text, cut
                first = table.header_rows or 1
                cells = table.rows_text(first + start, first + end)
                named = element.caption
                if not headed:  # the whole header is shown once
                    named = join(lead_text, element.caption, note)
                    cells = join(table.rows_text(0, first), cells)
                cut = self._cut_row(named, cells, budget)
            stop = max(end, start + 1)  # a header alone: where the header and first row sit
            for text, tokens, oversized in cut:
                unit = _unit([*lead, element], path, section)
                unit.text = text
                row_pages = pages[start:stop] or [element.page_start]
                unit.page_start = min([*row_pages, *(e.page_start for e in lead)])
                unit.page_end = max(row_pages)
                unit.table_html = table.to_html(slice(start, end))
                unit.table_caption = caption
                unit.oversized, unit.tokens = oversized, tokens
                unit.boxes = [
                    *(box for e in lead for box in e.boxes),
                    *where.rows(start, stop, range(unit.page_start, unit.page_end + 1)),
                ]
                yield unit
            lead, lead_text = [], ""  # the headings lead the first part only
            start, headed, prefix = end, True, later

    def _cut_row(self, named: str, cells: str, budget: int) -> list[tuple[str, int, bool]]:
        """(text, tokens, oversized) of the pieces of a table row too long for a chunk by
        itself (a layout table's page-long cell, a spreadsheet's note, a wide row):
        ``cells`` (a cell a line, after its column's label; a cell's own line breaks kept)
        packed a line at a time, as a section's paragraphs are, a line too long cut at
        sentences; each piece after ``named`` (the headings that lead the table, its
        caption, its headnote) when that takes at most half the budget, else ``named``
        is packed with the cells."""
        head = named if self.count(named) <= budget // 2 else ""
        text = cells if head else join(named, cells)
        room = max(budget - (self.count(head + SEP) + 1 if head else 0), 1)  # 1: the seam
        parts: list[Piece] = []
        for line in filter(str.strip, text.split("\n")):
            tokens = self.count(line)
            if tokens <= room:
                parts.append(Piece(line, tokens))
            else:
                parts += split_text(line, room, self.count, self.options.chunk_overlap)
        packed: list[Piece] = []
        for part in parts:
            if packed and not packed[-1].oversized and not part.oversized:
                both = packed[-1].text + "\n" + part.text
                if (tokens := self.count(both)) <= room:
                    packed[-1] = Piece(both, tokens)
                    continue
            packed.append(part)
        out = []
        for piece in packed:
            joined = join(head, piece.text)
            tokens = self.count(joined)
            out.append((joined, tokens, tokens > budget))
        return out

    def _line(self, text: str, known: dict[str, int]) -> int:
        tokens = known.get(text)
        if tokens is None:
            tokens = known[text] = self.raw(text)
        return tokens

    def _lines(self, texts: list[str], known: dict[str, int]) -> int:
        """The exact count of ``texts`` a line each (each distinct line counted once)."""
        counts = [self._line(text, known) for text in texts]
        return joined_count(texts, counts, "\n", self.raw)


# A table's characters per token, about: a table of up to this many characters a token
# of the budget is most likely within it (numbers and short cells: 2-3 characters a
# token; CJK text about 1.5, where a table near the bound is counted twice). Only what
# is encoded depends on it, never a count.
_LIKELY_WITHIN = 2


def _length(elements: list[Element]) -> int:
    """The characters of the elements' texts joined."""
    return sum(len(e.text) for e in elements) + len(SEP) * (len(elements) - 1)


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
    if isinstance(count, CountCache):  # every element but a table is counted: at once
        count_each((e.text for e in elements if e.table is None), count.count, count.known)
    packer = _Packer(options, count)
    packed = (
        unit for index, group in _fold_lone_titles(sections) for unit in packer.pack(group, index)
    )
    yield from absorb_small(packed, options, count)
