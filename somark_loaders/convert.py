"""From a :class:`ParseResult` to framework-neutral :class:`Chunk` records.

Five modes: ``document`` (one unit per file), ``page`` (one per page), ``element`` (one
per block, captions attached to their table or figure), ``section`` (one per heading and
its content) and ``chunk`` (section-aware, token-bounded: the default). Metadata follows
the contract of design.md section 4; ids are ``f"{doc_id}:{mode}:{chunk_index}"``.

Everything here is pure: the same result and options give the same chunks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal, get_args

from ._errors import ConfigurationError, require_whole
from .chunking import Piece, TokenCounter, Tokenizer, split_text, token_counter
from .models import Block, ElementType, Page, ParseResult
from .tables import Table, parse_table

__all__ = ["Chunk", "ConvertOptions", "Metadata", "Mode", "file_sha256", "to_chunks"]

Mode = Literal["document", "page", "element", "section", "chunk"]
MODES: tuple[str, ...] = get_args(Mode)
Metadata = dict[str, str | int | float | bool]

_FURNITURE = frozenset({ElementType.HEADER, ElementType.FOOTER, ElementType.BLANK})
# Page-bottom and margin elements that sit between a paragraph and its continuation.
_OUT_OF_FLOW = _FURNITURE | {ElementType.FOOTNOTE, ElementType.SIDEBAR}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_SEP = "\n\n"


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
        if self.mode not in MODES:
            raise ConfigurationError(f"mode={self.mode!r} is not one of {list(MODES)}.")
        require_whole("chunk_size", self.chunk_size, 1)
        if not isinstance(self.chunk_overlap, int) or not 0 <= self.chunk_overlap < self.chunk_size:
            raise ConfigurationError(
                "chunk_overlap must be >= 0 and smaller than chunk_size, "
                f"got {self.chunk_overlap!r}."
            )
        require_whole("min_chunk_tokens", self.min_chunk_tokens, 0)
        self.excluded()  # validate the names

    def excluded(self) -> frozenset[ElementType]:
        """The element types left out."""
        if self.exclude_types is None:
            base = set(_FURNITURE)
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


# --- elements -----------------------------------------------------------------------


@dataclass
class _Element:
    kind: ElementType
    text: str
    page_start: int
    page_end: int
    types: tuple[ElementType, ...]
    title_level: int | None = None
    heading: str = ""
    table: Table | None = None
    table_html: str | None = None
    caption: str = ""
    heading_path: tuple[str, ...] = ()
    section: int = 0
    tokens: int | None = None
    pieces: list[Piece] = field(default_factory=list)
    top: float | None = None  # where it starts on its first page (0 top .. 1 bottom)
    bottom: float | None = None  # where it ends on its last page


def _heading_text(content: str) -> str:
    return " ".join(content.lstrip("#").split())


def _equation(content: str) -> str:
    body = content.strip()
    if body.startswith("$$") or body.startswith("<math"):
        return body
    return f"$$\n{body}\n$$"


def _image_text(caption: str, description: str) -> str:
    return "\n".join(part for part in (caption.strip(), description.strip()) if part)


def _render(
    kind: ElementType, block: Block, level: int | None, caption: str
) -> tuple[str, Table | None, str | None]:
    """(Markdown text, table grid, table HTML) of one block."""
    content = block.content.strip()
    if kind is ElementType.TITLE:
        heading = _heading_text(content)
        return ("#" * min(max(level or 1, 1), 6) + " " + heading if heading else ""), None, None
    if kind in (ElementType.EQUATION, ElementType.CHEMICAL_EQUATION):
        return (_equation(content) if content else ""), None, None
    if kind is ElementType.CODE:
        return (f"```{block.code_language or ''}\n{content}\n```" if content else ""), None, None
    if kind is ElementType.TABLE:
        table = parse_table(content)
        if table is None:  # an image table, or a format we pass through
            body = content or (f"![{caption}]({block.img_url})" if block.img_url else "")
            return _join(caption, body), None, None
        html = content if "<table" in content.lower() else table.to_html()
        return _join(caption, table.to_markdown()), table, html
    if kind.is_image_like:
        return _image_text(caption, content), None, None
    return content, None, None


def _join(*parts: str) -> str:
    return _SEP.join(p for p in parts if p)


def _caption_text(captions: list[object], by_idx: dict[int, Block]) -> tuple[str, set[int]]:
    """Caption text from a block's ``captions`` field (ids of caption blocks or strings)."""
    texts, used = [], set()
    for item in captions:
        if isinstance(item, int) and not isinstance(item, bool) and item in by_idx:
            texts.append(by_idx[item].content.strip())
            used.add(item)
        elif isinstance(item, str) and item.strip():
            texts.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("content"), str):
            texts.append(item["content"].strip())
    return " ".join(t for t in texts if t), used


def _page_blocks(
    page: Page, excluded: frozenset[ElementType]
) -> list[tuple[Block, ElementType, str]]:
    """The page's blocks with captions folded into their table or figure: (block, type, caption)."""
    blocks = [(b, b.element_type) for b in page.blocks]
    blocks = [(b, k) for b, k in blocks if k not in excluded]
    by_idx = {b.idx: b for b, k in blocks if k.is_caption}
    used: set[int] = set()
    captions: dict[int, str] = {}
    for position, (block, kind) in enumerate(blocks):
        if kind is not ElementType.TABLE and not kind.is_image_like:
            continue
        text, taken = _caption_text(block.captions, by_idx)
        used |= taken
        wanted = (
            ElementType.TABLE_CAPTION if kind is ElementType.TABLE else ElementType.FIGURE_CAPTION
        )
        if not text:
            # The nearest free caption of the right kind, at most three blocks away (other
            # blocks can sit between, e.g. in two-column layouts); tables usually have
            # theirs above, figures below.
            first, second = (-1, 1) if kind is ElementType.TABLE else (1, -1)
            order = [position + step * d for d in (1, 2, 3) for step in (first, second)]
            for near in order:
                if 0 <= near < len(blocks):
                    other, other_kind = blocks[near]
                    if other_kind is wanted and other.idx not in used:
                        text = other.content.strip()
                        used.add(other.idx)
                        break
        captions[block.idx] = text
    return [
        (b, k, captions.get(b.idx, "")) for b, k in blocks if not (k.is_caption and b.idx in used)
    ]


def _catalog_levels(result: ParseResult) -> dict[tuple[int, int], int]:
    levels: dict[tuple[int, int], int] = {}

    def walk(nodes: Iterable[object]) -> None:
        for node in nodes:
            if not isinstance(node, dict):
                continue
            page, idx, level = node.get("page_num"), node.get("block_idx"), node.get("title_level")
            if isinstance(page, int) and isinstance(idx, int) and isinstance(level, int):
                levels[(page, idx)] = level
            children = node.get("children")
            if isinstance(children, list):
                walk(children)

    walk(result.catalog)
    return levels


# "Table 2 ... -- Continued", "(continued)", "续表", "表 3（续）": a caption that says so.
_CONTINUED = re.compile(r"continued|cont['’]d|续", re.IGNORECASE)
_NUMBER = re.compile(r"^[\s(（\-−+$€£¥%.,:/0-9]*\d[\s)）%.,:/0-9]*$")


def _shape(row: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("" if not c.strip() else "9" if _NUMBER.match(c) else "a" for c in row)


def _table_continues(previous: _Element, current: _Element, flagged: bool) -> bool:
    """Whether ``current`` (first on its page) is the rest of the table ``previous``.

    With the service's flag it is. Without it: same number of columns, no caption of its
    own (unless the caption says it continues), the previous part ending low on its page
    and this one starting high on its own (when the blocks say where they are), and a
    first row that is the previous part's header again, or a data row (a row the service
    marked as header but shaped like the previous part's rows, numbers where they have
    numbers), never a header of its own.
    """
    before, table = previous.table, current.table
    if before is None or table is None:
        return False
    if flagged:
        return True
    if table.width != before.width:
        return False
    if current.caption and not _CONTINUED.search(current.caption):
        return False
    if (previous.bottom is not None and previous.bottom < 0.55) or (
        current.top is not None and current.top > 0.45
    ):
        return False
    if not table.header_rows or table.header == before.header:
        return True
    first = table.rows[0]
    return any(_shape(first) == _shape(row) for row in before.body[-3:]) and _shape(first) not in {
        _shape(row) for row in before.header
    }


def _continues(previous: _Element, current: _Element, flagged: bool) -> bool:
    if previous.page_end != current.page_start - 1:
        return False
    if previous.kind is ElementType.TABLE and current.kind is ElementType.TABLE:
        return _table_continues(previous, current, flagged)
    return flagged and previous.kind is ElementType.TEXT and current.kind is ElementType.TEXT


def _merge_into(previous: _Element, current: _Element) -> None:
    if previous.table is not None and current.table is not None:
        previous.table = previous.table.extend(current.table)
        previous.table_html = previous.table.to_html()
        previous.text = _join(previous.caption, previous.table.to_markdown())
    else:
        left, right = previous.text.rstrip(), current.text.lstrip()
        if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
            previous.text = left[:-1] + right  # a word hyphenated across the page break
        elif _CJK.match(left[-1:] or " ") or _CJK.match(right[:1] or " "):
            previous.text = left + right
        else:
            previous.text = f"{left} {right}"
    previous.page_end = current.page_end
    previous.bottom = current.bottom
    previous.tokens = None


def _where(block: Block, page: Page, side: int) -> float | None:
    """A block's top (``side`` 1) or bottom (3) as a fraction of its page's height."""
    if block.bbox is None or page.page_size is None or page.page_size.h <= 0:
        return None
    return block.bbox[side] / page.page_size.h


def _elements(result: ParseResult, options: ConvertOptions, *, merge: bool) -> list[_Element]:
    excluded = options.excluded()
    levels = _catalog_levels(result)
    out: list[_Element] = []
    stack: list[tuple[int, str]] = []
    section = 0
    for page in result.pages:
        first_on_page = True
        for block, kind, caption in _page_blocks(page, excluded):
            level = None
            if kind is ElementType.TITLE:
                level = block.title_level or levels.get((page.page_num, block.idx)) or 1
            text, table, html = _render(kind, block, level, caption)
            if not text:
                continue
            types: tuple[ElementType, ...] = (kind,)
            if caption:
                cap = (
                    ElementType.TABLE_CAPTION
                    if kind is ElementType.TABLE
                    else ElementType.FIGURE_CAPTION
                )
                types = (cap, kind) if kind is ElementType.TABLE else (kind, cap)
            element = _Element(
                kind=kind,
                text=text,
                page_start=page.page_num,
                page_end=page.page_num,
                types=types,
                title_level=level,
                table=table.with_pages(page.page_num) if table else None,
                table_html=html,
                caption=caption,
                top=_where(block, page, 1),
                bottom=_where(block, page, 3),
            )
            if merge and first_on_page and out and kind not in _OUT_OF_FLOW:
                previous = next((e for e in reversed(out) if e.kind not in _OUT_OF_FLOW), None)
                if previous is not None and _continues(
                    previous, element, page.merge_content_from_pre_page
                ):
                    _merge_into(previous, element)
                    first_on_page = False
                    continue
            if kind not in _OUT_OF_FLOW:
                first_on_page = False
            if kind is ElementType.TITLE:
                assert level is not None
                while stack and stack[-1][0] >= level:
                    stack.pop()
                element.heading = _heading_text(block.content)
                stack.append((level, element.heading))
                section += 1
            element.heading_path = tuple(text for _, text in stack)
            element.section = section
            out.append(element)
    return out


# --- units --------------------------------------------------------------------------


@dataclass
class _Unit:
    text: str
    elements: list[_Element]
    page_start: int
    page_end: int
    heading_path: tuple[str, ...]
    section: int | None = None
    table_html: str | None = None
    table_caption: str | None = None
    oversized: bool = False


def _unit(
    elements: list[_Element], heading_path: tuple[str, ...], section: int | None = None
) -> _Unit:
    return _Unit(
        text=_SEP.join(e.text for e in elements),
        elements=elements,
        page_start=min(e.page_start for e in elements),
        page_end=max(e.page_end for e in elements),
        heading_path=heading_path,
        section=section,
    )


def _sections(elements: list[_Element]) -> list[list[_Element]]:
    groups: list[list[_Element]] = []
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


def _fold_lone_titles(groups: list[list[_Element]]) -> list[tuple[int, list[_Element]]]:
    """Chunk mode: a heading with no content of its own ("2 Background" directly followed
    by "2.1 ...") opens the next section's first chunk instead of being a chunk alone.

    Returns (index of the section in section mode, elements) pairs.
    """
    out: list[tuple[int, list[_Element]]] = []
    pending: list[_Element] = []
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
        self.sep_tokens = count(_SEP)

    def tokens(self, element: _Element) -> int:
        if element.tokens is None:
            element.tokens = self.count(element.text)
        return element.tokens

    def pack(self, group: list[_Element], section: int) -> Iterator[_Unit]:
        # A folded group starts with lone headings: its path is that of its content.
        path = next(
            (e.heading_path for e in group if e.kind is not ElementType.TITLE),
            group[-1].heading_path,
        )
        budget = self.options.chunk_size
        if self.options.prepend_heading_path and path:
            budget -= self.count(" > ".join(path) + _SEP)
        budget = max(budget, 1)
        current: list[_Element] = []
        used = 0
        for element in group:
            if element.table is not None:
                lead: list[_Element] = []
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
        self, elements: list[_Element], path: tuple[str, ...], section: int, budget: int
    ) -> Iterator[_Unit]:
        # Token counts of joined text can differ from the sum at the seams: check exactly,
        # and move trailing elements out until the unit fits.
        start = 0
        while start < len(elements):
            end = len(elements)
            while (
                end - start > 1
                and self.count(_SEP.join(e.text for e in elements[start:end])) > budget
            ):
                end -= 1
            yield _unit(elements[start:end], path, section)
            start = end

    def _table(
        self,
        element: _Element,
        path: tuple[str, ...],
        section: int,
        budget: int,
        lead: list[_Element],
    ) -> Iterator[_Unit]:
        """A table alone (after the headings that lead to it): whole, or by rows with the
        header (and caption) repeated in every part."""
        assert element.table is not None
        caption = element.caption or None
        lead_text = _SEP.join(e.text for e in lead)
        if self.count(_join(lead_text, element.text)) <= budget:
            unit = _unit([*lead, element], path, section)
            unit.text = _join(lead_text, element.text)
            unit.table_html, unit.table_caption = element.table_html, caption
            yield unit
            return
        # A pipe table needs a header row: without one, the first row serves (as rendered).
        table = element.table.with_header()
        head, rows = table.markdown_lines()
        pages = list(table.row_pages[table.header_rows :]) or [element.page_start]
        first_row = rows[0] if rows else ""
        if lead and self.count(_join(lead_text, element.caption, *head, first_row)) > budget:
            yield from self._flush(lead, path, section, budget)
            lead, lead_text = [], ""
        start = 0
        while start < len(rows):
            prefix = _join(lead_text, element.caption, "\n".join(head))
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


def _units(result: ParseResult, options: ConvertOptions, count: TokenCounter) -> Iterator[_Unit]:
    mode = options.mode
    if mode == "page":
        elements = _elements(result, options, merge=False)
        by_page: dict[int, list[_Element]] = {}
        for element in elements:
            by_page.setdefault(element.page_start, []).append(element)
        for page in sorted(by_page):
            group = by_page[page]
            yield _unit(group, group[0].heading_path)
        return
    elements = _elements(result, options, merge=options.merge_cross_page)
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
    section: the small one is usually the heading that opens it), or the previous one at
    the end, when the two fit in ``chunk_size``; otherwise they stay as they are."""
    least = min(options.min_chunk_tokens, options.chunk_size // 4)

    def small(unit: _Unit) -> bool:
        # characters first: most units are far too long to be small, and counting costs
        return least > 0 and len(unit.text) < least * 8 and count(unit.text) < least

    def fits(first: _Unit, second: _Unit, keep: _Unit) -> bool:
        text = first.text + _SEP + second.text
        if options.prepend_heading_path and keep.heading_path:  # as to_chunks will write it
            text = " > ".join(keep.heading_path) + _SEP + text
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
    return _Unit(
        text=first.text + _SEP + second.text,
        elements=first.elements + second.elements,
        page_start=min(first.page_start, second.page_start),
        page_end=max(first.page_end, second.page_end),
        heading_path=keep.heading_path,
        section=keep.section,
        table_html=keep.table_html,
        table_caption=keep.table_caption,
        oversized=first.oversized or second.oversized,
    )


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
        options = ConvertOptions(mode=mode or "chunk", **kwargs)  # type: ignore[arg-type]
    elif kwargs or (mode is not None and mode != options.mode):
        raise ConfigurationError("Pass either options= or mode and keyword options, not both.")
    if not result.pages and result.markdown:
        raise ConfigurationError(
            f"The result of task {result.task_id or '?'} has no JSON output, only Markdown: "
            "parse with output_formats including 'json' (the default) to get pages, "
            "headings and tables."
        )
    count = token_counter(options.tokenizer)
    doc = doc_id or _result_hash(result)
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
            text = " > ".join(unit.heading_path) + _SEP + text
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


def _result_hash(result: ParseResult) -> str:
    pages = [p.model_dump(mode="json") for p in result.pages]
    blob = json.dumps(
        [result.file_name, result.markdown, pages], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(blob.encode()).hexdigest()
