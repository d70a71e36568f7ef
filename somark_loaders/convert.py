"""From a :class:`ParseResult` to framework-neutral :class:`Chunk` records.

Five modes: ``document`` (one unit per file), ``page`` (one per page), ``element`` (one
per block, captions attached to their table or figure), ``section`` (one per heading and
its content) and ``chunk`` (section-aware, token-bounded: the default). Metadata follows
the contract of design.md section 4; ids are ``f"{doc_id}:{mode}:{chunk_index}"``.

Everything here is pure: the same result and options give the same chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import PurePath
from typing import Literal, get_args

from ._checks import check_fields, refuse_unknown, setting_names
from ._elements import FURNITURE, SEP, Element, join
from ._elements import elements as read_elements
from ._errors import ConfigurationError, require_whole
from ._gc import without_gc
from ._ids import result_hash
from .chunking import (
    CountCache,
    TokenCounter,
    Tokenizer,
    check_tokenizer,
    split_text,
    token_counter,
)
from .models import ElementType, ParseResult

__all__ = ["Chunk", "ConvertOptions", "Metadata", "Mode", "file_sha256", "to_chunks"]

Mode = Literal["document", "page", "element", "section", "chunk"]
MODES: tuple[str, ...] = get_args(Mode)
Metadata = dict[str, str | int | float | bool]


@dataclass(frozen=True)
class Chunk:
    """One unit of text for an index, with flat metadata and links to its neighbours.

    Attributes:
        text: Markdown (titles as ``#``, tables as pipe tables, formulas as ``$$``).
        metadata: str/int/float/bool values only (safe for every vector store).
        id: ``f"{doc_id}:{mode}:{chunk_index}"``, stable across runs.
        prev_id, next_id: neighbours in the same document and mode.
        parent_id: the enclosing section (chunk and element modes) or document (page and
            section modes); it is the id that unit has in that mode.
    """

    text: str
    metadata: Metadata
    id: str
    prev_id: str | None = None
    next_id: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class ConvertOptions:
    """How a result becomes chunks (shared by :func:`to_chunks` and the loaders).

    Args:
        mode: document, page, element, section or chunk.
        chunk_size: most tokens per chunk (chunk mode).
        chunk_overlap: tokens repeated between the pieces of one element that had to be
            split (a long paragraph); never between whole elements.
        tokenizer: tiktoken encoding or model name, or a callable counting tokens.
        include_headers_footers: keep page headers and footers (left out by default).
        exclude_types: element types to leave out (default: header, footer, blank).
        prepend_heading_path: start each chunk's text with its heading path (chunk mode),
            counted in ``chunk_size``.
        merge_cross_page: join a paragraph or table that continues on the next page.
        min_chunk_tokens: chunk mode: a chunk smaller than this (a heading followed at once
            by another heading, a lone page number) joins the next chunk, or the previous
            one, when they fit in ``chunk_size`` together (at most a quarter of
            ``chunk_size`` counts as small); 0 keeps every chunk as packed.
    """

    mode: Mode = "chunk"
    chunk_size: int = 512
    chunk_overlap: int = 0
    tokenizer: Tokenizer = None
    include_headers_footers: bool = False
    exclude_types: Collection[str] | None = None
    prepend_heading_path: bool = False
    merge_cross_page: bool = True
    min_chunk_tokens: int = 24

    def __post_init__(self) -> None:
        check_fields(self)
        if self.mode not in MODES:
            raise ConfigurationError(f"mode={self.mode!r} is not one of {list(MODES)}.")
        require_whole("chunk_size", self.chunk_size, 1)
        if not isinstance(self.chunk_overlap, int) or not 0 <= self.chunk_overlap < self.chunk_size:
            raise ConfigurationError(
                "chunk_overlap must be >= 0 and smaller than chunk_size, "
                f"got {self.chunk_overlap!r}."
            )
        require_whole("min_chunk_tokens", self.min_chunk_tokens, 0)
        check_tokenizer(self.tokenizer)  # a misspelled name is found now, not after uploads
        self.excluded()  # validate the names

    def excluded(self) -> frozenset[ElementType]:
        """The element types left out."""
        if self.exclude_types is None:
            base = set(FURNITURE)
            if self.include_headers_footers:
                base -= {ElementType.HEADER, ElementType.FOOTER}
            return frozenset(base)
        out = set()
        for name in self.exclude_types:
            key = str(name.value if isinstance(name, ElementType) else name).strip().lower()
            try:
                out.add(ElementType(key))
            except ValueError:
                raise ConfigurationError(
                    f"exclude_types has {name!r}; use element types such as "
                    f"{[t.value for t in ElementType][:6]}..."
                ) from None
        return frozenset(out)


def file_sha256(path: str | PurePath) -> str:
    """sha256 hex of a file (the ``doc_id`` the loaders use), read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:  # noqa: PTH123 - accepts PurePath and str alike
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- units --------------------------------------------------------------------------


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
        self.sep_tokens = count(SEP)

    def tokens(self, element: Element) -> int:
        if element.tokens is None:
            element.tokens = self.count(element.text)
        return element.tokens

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
            while (
                end - start > 1
                and self.count(SEP.join(e.text for e in elements[start:end])) > budget
            ):
                end -= 1
            yield _unit(elements[start:end], path, section)
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
        if self.count(join(lead_text, element.text)) <= budget:
            yield _whole_table(element, lead, path, section, oversized=False)
            return
        # A pipe table needs a header row: without one, the first row serves (as rendered).
        table = element.table.with_header()
        head, rows = table.markdown_lines()
        pages = list(table.row_pages[table.header_rows :]) or [element.page_start]
        first_row = rows[0] if rows else ""
        if lead and self.count(join(lead_text, element.caption, *head, first_row)) > budget:
            yield from self._flush(lead, path, section, budget)
            lead, lead_text = [], ""
        if not rows:  # one row, which is its header: nothing to split by, kept whole
            yield _whole_table(element, lead, path, section, oversized=True)
            return
        start = 0
        while start < len(rows):
            prefix = join(lead_text, element.caption, "\n".join(head))
            end, used = start, self.count(prefix) + 1
            while end < len(rows):
                cost = self.count(rows[end]) + 1
                if end > start and used + cost > budget:
                    break
                used += cost
                end += 1
            # exact check of the seams, as in _flush
            while (
                end - start > 1 and self.count(prefix + "\n" + "\n".join(rows[start:end])) > budget
            ):
                end -= 1
            text = prefix + "\n" + "\n".join(rows[start:end])
            unit = _unit([*lead, element], path, section)
            unit.text = text
            row_pages = pages[start:end] or [element.page_start]
            unit.page_start = min([*row_pages, *(e.page_start for e in lead)])
            unit.page_end = max(row_pages)
            unit.table_html = table.to_html(slice(start, end))
            unit.table_caption = caption
            unit.oversized = self.count(text) > budget
            yield unit
            lead, lead_text = [], ""  # the headings lead the first part only
            start = end


def _whole_table(
    element: Element, lead: list[Element], path: tuple[str, ...], section: int, *, oversized: bool
) -> _Unit:
    """A table in one unit, after the headings that lead to it."""
    unit = _unit([*lead, element], path, section)
    unit.text = join(*(e.text for e in lead), element.text)
    unit.table_html, unit.table_caption = element.table_html, element.caption or None
    unit.oversized = oversized
    return unit


def _units(result: ParseResult, options: ConvertOptions, count: TokenCounter) -> Iterator[_Unit]:
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
        return least > 0 and len(unit.text) < least * 8 and count(unit.text) < least

    def fits(first: _Unit, second: _Unit, keep: _Unit) -> bool:
        small = second if keep is first else first
        a, b = first.heading_path, second.heading_path
        if a[: len(b)] != b[: len(a)] and any(
            e.kind is not ElementType.TITLE for e in small.elements
        ):
            return False  # content of one section never takes another section's heading path
        text = first.text + SEP + second.text
        if options.prepend_heading_path and keep.heading_path:  # as to_chunks will write it
            text = " > ".join(keep.heading_path) + SEP + text
        return count(text) <= options.chunk_size

    out: list[_Unit] = []
    carry: _Unit | None = None
    for packed in units:
        unit = packed
        if carry is not None:
            if fits(carry, unit, keep=unit):
                unit = _joined(carry, unit, keep=unit)
            elif out and fits(out[-1], carry, keep=out[-1]):
                out[-1] = _joined(out[-1], carry, keep=out[-1])
            else:
                out.append(carry)
            carry = None
        if small(unit):
            carry = unit  # a heading and another (or one more) may follow: keep gathering
        else:
            out.append(unit)
    if carry is not None:
        if out and fits(out[-1], carry, keep=out[-1]):
            out[-1] = _joined(out[-1], carry, keep=out[-1])
        else:
            out.append(carry)
    return out


def _joined(first: _Unit, second: _Unit, *, keep: _Unit) -> _Unit:
    """``first`` then ``second`` as one unit, with ``keep``'s heading path and section."""
    other = second if keep is first else first
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
    )


@without_gc
def to_chunks(
    result: ParseResult,
    mode: Mode | None = None,
    *,
    source: str | None = None,
    doc_id: str | None = None,
    options: ConvertOptions | None = None,
    **kwargs: object,
) -> list[Chunk]:
    """Turn a parse result into chunks, for any framework.

    Args:
        result: what :meth:`SoMarkClient.parse` returned.
        mode: ``document``, ``page``, ``element``, ``section`` or ``chunk`` (default).
        source: the path or URL the user gave (metadata ``source``); default: the file name.
        doc_id: sha256 of the file bytes (see :func:`file_sha256`); default: a sha256 of
            the result's content, stable for the same result.
        options: a :class:`ConvertOptions`; or pass its fields as keyword arguments
            (``chunk_size=800, tokenizer="o200k_base", prepend_heading_path=True``...).

    Returns:
        The chunks in reading order, linked to their neighbours and parents.
    """
    if options is None:
        known = {f.name for f in fields(ConvertOptions)} | setting_names(to_chunks)
        refuse_unknown(kwargs, known, "to_chunks")
        options = ConvertOptions(mode=mode or "chunk", **kwargs)  # type: ignore[arg-type]
    elif kwargs or (mode is not None and mode != options.mode):
        raise ConfigurationError("Pass either options= or mode and keyword options, not both.")
    if not result.pages and result.markdown:
        raise ConfigurationError(
            f"The result of task {result.task_id or '?'} has no JSON output, only Markdown: "
            "parse with output_formats including 'json' (the default) to get pages, "
            "headings and tables."
        )
    count = CountCache(token_counter(options.tokenizer))  # one encoding per distinct text
    doc = doc_id or result_hash(result)
    name = PurePath(source).name if source else result.file_name
    base: Metadata = {
        "source": source or result.file_name,
        "file_name": name,
        "task_id": result.task_id,
        "doc_id": doc,
        "mode": options.mode,
    }
    chunks: list[Chunk] = []
    units = list(_units(result, options, count))
    ids = [f"{doc}:{options.mode}:{i}" for i in range(len(units))]
    for index, unit in enumerate(units):
        text = unit.text
        if options.mode == "chunk" and options.prepend_heading_path and unit.heading_path:
            text = " > ".join(unit.heading_path) + SEP + text
        meta: Metadata = dict(base)
        meta["chunk_index"] = index
        meta["page_number"] = unit.page_start + 1
        meta["page_end"] = unit.page_end + 1
        meta["heading_path"] = " > ".join(unit.heading_path)
        meta["element_types"] = ",".join(
            dict.fromkeys(t.value for e in unit.elements for t in e.types)
        )
        meta["token_count"] = tokens = count(text)
        if options.mode == "element":
            element = unit.elements[0]
            meta["element_type"] = element.kind.value
            if element.title_level is not None:
                meta["title_level"] = element.title_level
        if unit.table_html is not None:
            meta["table_html"] = unit.table_html
            if unit.table_caption:
                meta["table_caption"] = unit.table_caption
        if unit.oversized or (options.mode == "chunk" and tokens > options.chunk_size):
            # one table row, one unsplittable run, or a heading path longer than the budget
            meta["oversized"] = True
        if options.mode in ("chunk", "element"):
            parent = f"{doc}:section:{unit.section}" if unit.section is not None else None
        elif options.mode in ("page", "section"):
            parent = f"{doc}:document:0"
        else:
            parent = None
        chunks.append(
            Chunk(
                text=text,
                metadata=meta,
                id=ids[index],
                prev_id=ids[index - 1] if index else None,
                next_id=ids[index + 1] if index + 1 < len(ids) else None,
                parent_id=parent,
            )
        )
    return chunks
