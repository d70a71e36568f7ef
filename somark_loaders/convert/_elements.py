"""Blocks of a parse result -> elements in reading order: each block rendered as
Markdown (tables also as a grid and HTML), captions folded into their table or figure,
heading paths from title levels (or the catalog), and what continues across a page
break (a paragraph, or a table by flag, position, width and row shape) joined."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..models import Block, ElementType, Page, ParseResult
from ._boxes import Box, block_box
from ._captions import caption_sides, captions_by_position
from ._continuation import (
    CAPTIONED,
    CAPTIONS,
    OUT_OF_FLOW,
    column_before,
    goes_on,
    in_ranges,
    is_float,
    paragraph_before,
    stops_mid_sentence,
    with_float,
)
from ._element import Element
from .tables import Table, parse_table

# Kana, CJK ideographs, Hangul and full-width forms (no space joins them), compared as
# code points: a regular expression of these ranges took milliseconds to compile.
_CJK = ((0x3040, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))
SEP = "\n\n"
# Presentations (``metadata.file_type``): a slide is a unit of its own, so nothing on it
# continues the slide before unless the service says so (``merge_content_from_pre_page``).
SLIDE_TYPES = frozenset({".ppt", ".pptx"})


def heading_text(content: str) -> str:
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
        heading = heading_text(content)
        return ("#" * min(max(level or 1, 1), 6) + " " + heading if heading else ""), None, None
    if kind in (ElementType.EQUATION, ElementType.CHEMICAL_EQUATION):
        return (_equation(content) if content else ""), None, None
    if kind is ElementType.CODE:
        return (f"```{block.code_language or ''}\n{content}\n```" if content else ""), None, None
    if kind is ElementType.TABLE:
        table = parse_table(content)
        if table is not None and not any(cell.strip() for row in table.rows for cell in row):
            table, content = None, ""  # a grid without a word in it: nothing to read
        if table is None:  # an image table, or a format we pass through
            body = content or (f"![{caption}]({block.img_url})" if block.img_url else "")
            return join(caption, body), None, None
        html = content if "<table" in content.lower() else table.to_html()
        return join(caption, table.pruned().to_markdown()), table, html
    if kind.is_image_like:
        return _image_text(caption, content), None, None
    return content, None, None


def join(*parts: str) -> str:
    return SEP.join(p for p in parts if p)


def _caption_text(captions: list[object], by_idx: dict[int, Block]) -> tuple[str, list[int]]:
    """Caption text from a block's ``captions`` field (ids of caption blocks or strings)."""
    texts, used = [], []
    for item in captions:
        if isinstance(item, int) and not isinstance(item, bool) and item in by_idx:
            texts.append(by_idx[item].content.strip())
            used.append(item)
        elif isinstance(item, str) and item.strip():
            texts.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("content"), str):
            texts.append(item["content"].strip())
    return " ".join(t for t in texts if t), used


def _page_blocks(
    page: Page,
    excluded: frozenset[ElementType],
    sides: dict[ElementType, bool],
    folded: dict[int, list[Block]] | None = None,
) -> list[tuple[Block, ElementType, str]]:
    """The page's blocks with captions folded into their table or figure: (block, type, caption).

    A table's or figure's caption is the one its ``captions`` field names, else the one it
    sits against on the document's side (:mod:`._captions`, when the blocks have boxes),
    else the nearest free one in reading order, else one against its other side.
    ``folded`` (when given) receives the caption blocks folded into each table or figure,
    by its ``idx`` (a caption the ``captions`` field gives as text has no block)."""
    blocks = [(b, b.element_type) for b in page.blocks]
    blocks = [(b, k) for b, k in blocks if k not in excluded]
    by_idx = {b.idx: b for b, k in blocks if k in CAPTIONS}
    used: set[int] = set()
    captions: dict[int, str] = {}
    folded = {} if folded is None else folded

    def found(by_position: dict[int, Block]) -> None:
        for idx, caption in by_position.items():
            captions[idx] = caption.content.strip()
            folded[idx] = [caption]

    for block, kind in blocks:
        if kind in CAPTIONED:
            text, taken = _caption_text(block.captions, by_idx)
            used.update(taken)
            if text:
                captions[block.idx] = text
                folded[block.idx] = [by_idx[i] for i in taken]
    found(captions_by_position(page, blocks, set(captions), used, sides, either_side=False))
    for position, (block, kind) in enumerate(blocks):
        if kind not in CAPTIONED or block.idx in captions:
            continue
        wanted = (
            ElementType.TABLE_CAPTION if kind is ElementType.TABLE else ElementType.FIGURE_CAPTION
        )
        # The nearest free caption of the right kind, at most three blocks away (other
        # blocks can sit between, e.g. in two-column layouts); tables usually have
        # theirs above, figures below.
        first, second = (-1, 1) if kind is ElementType.TABLE else (1, -1)
        order = [position + step * d for d in (1, 2, 3) for step in (first, second)]
        for near in order:
            if 0 <= near < len(blocks):
                other, other_kind = blocks[near]
                if other_kind is wanted and other.idx not in used:
                    captions[block.idx] = other.content.strip()
                    folded[block.idx] = [other]
                    used.add(other.idx)
                    break
    found(captions_by_position(page, blocks, set(captions), used, sides, either_side=True))
    return [
        (b, k, captions.get(b.idx, "")) for b, k in blocks if not (k in CAPTIONS and b.idx in used)
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


def _table_continues(
    previous: Element, current: Element, flagged: bool, *, guess: bool = True
) -> bool:
    """Whether ``current`` (first on its page) is the rest of the table ``previous``.

    With the service's flag it is. Without it (and only when ``guess``, i.e. not on
    slides, where two charts with the same default series often follow each other): same
    number of columns, no caption of its own (unless the caption says it continues), the
    previous part ending low on its page and this one starting high on its own (when the
    blocks say where they are), and a first row that is the previous part's header again,
    or a data row (a row the service marked as header but shaped like the previous part's
    rows, numbers where they have numbers), never a header of its own.
    """
    before, last, table = previous.table, previous.last_table, current.table
    if before is None or last is None or table is None:
        return False
    if flagged:
        return True
    if not guess or table.width != last.width:
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
    return any(_shape(first) == _shape(row) for row in last.rows[-3:]) and _shape(first) not in {
        _shape(row) for row in before.header
    }


def _continues(previous: Element, current: Element, flagged: bool, guess: bool) -> bool:
    if previous.page_end != current.page_start - 1:
        return False
    return previous.kind is current.kind is ElementType.TABLE and _table_continues(
        previous, current, flagged, guess=guess
    )


def _previous_part(
    out: list[Element],
    current: Element,
    *,
    flagged: bool,
    first: bool,
    guess: bool,
    marks: Sequence[Element] = (),
) -> Element | None:
    """The element of the page before that ``current`` goes on from, if any.

    A table continues a table only as the first block of its page (:func:`_table_continues`).
    Text (with only furniture and floats before it on its page) continues the paragraph
    that ends the page before, past its floats and notes, when the page says so
    (``flagged``, and ``current`` is its first block) or that paragraph stops mid-sentence
    and ``current`` goes on (:mod:`._continuation`). Without ``guess`` (slides) only the
    page's flag joins. ``marks``: where the floats without text of the page before stand."""
    if current.kind is ElementType.TABLE:
        previous = next((e for e in reversed(out) if e.kind not in OUT_OF_FLOW), None)
        if first and previous is not None and _continues(previous, current, flagged, guess):
            return previous
        return None
    if current.kind is not ElementType.TEXT:
        return None
    previous = paragraph_before(out, current.page_start - 1, marks)
    if previous is None:
        return None
    if (flagged and first) or (
        guess and stops_mid_sentence(previous.text) and goes_on(current.text)
    ):
        return previous
    return None


def _inherit_caption(out: list[Element], element: Element, flagged: bool, guess: bool) -> None:
    """A table without a caption that continues the last table, on the page before, and
    was not merged into it (merging is off, or a note or a page number stands between)
    says which table it is: that one's caption, marked as continued."""
    before = next((e for e in reversed(out) if e.kind is ElementType.TABLE), None)
    if before is None or not before.caption or before.page_end != element.page_start - 1:
        return
    if not _table_continues(before, element, flagged, guess=guess):
        return
    caption = before.caption
    if not _CONTINUED.search(caption):
        caption += " (continued)"
    element.caption = caption
    element.types = (ElementType.TABLE_CAPTION, ElementType.TABLE)
    element.text = join(caption, element.text)


def _mark(kind: ElementType, page: int, box: Box) -> Element:
    """Where a float without text stands on its page (for :func:`with_float`)."""
    return Element(kind=kind, text="", page_start=page, page_end=page, types=(kind,), boxes=(box,))


def _merge_into(previous: Element, current: Element) -> None:
    """``current`` continues ``previous``: noted now, joined by :func:`_join_parts`."""
    previous.continued.append(current)
    previous.page_end = current.page_end
    previous.bottom = current.bottom
    previous.tokens = None


def _join_parts(element: Element) -> None:
    """One element from its parts: a table merged once and rendered once, or paragraphs
    joined as a sentence runs on (no space inside CJK text, a hyphenated word made whole)."""
    parts, element.continued = element.continued, []
    if not parts:
        return
    element.boxes += tuple(box for part in parts for box in part.boxes)
    if element.table_boxes is not None:
        for part in parts:
            element.table_boxes.update(part.table_boxes or {})
    if element.table is not None:
        element.table = element.table.extend_all([p.table for p in parts if p.table is not None])
        element.table_html = element.table.to_html()
        element.text = join(element.caption, element.table.pruned().to_markdown())
        return
    pieces = [element.text.rstrip()]
    for part in parts:
        left, right = pieces[-1], part.text.strip()
        if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
            pieces[-1] = left[:-1]  # a word hyphenated across the page break
        elif not (in_ranges(left[-1:], _CJK) or in_ranges(right[:1], _CJK)):
            pieces.append(" ")
        pieces.append(right)
    element.text = "".join(pieces)


def _where(block: Block, page: Page, side: int) -> float | None:
    """A block's top (``side`` 1) or bottom (3) as a fraction of its page's height."""
    if block.bbox is None or page.page_size is None or page.page_size.h <= 0:
        return None
    return block.bbox[side] / page.page_size.h


def _boxes(block: Block, page: Page, captions: list[Block] | None) -> tuple[Box, ...]:
    """The boxes of a block and of the caption blocks folded into it, in reading order."""
    if not captions:
        box = block_box(block, page)
        return () if box is None else (box,)
    ordered = sorted([block, *captions], key=lambda b: b.idx)
    return tuple(box for b in ordered if (box := block_box(b, page)) is not None)


def elements(
    result: ParseResult, excluded: frozenset[ElementType], *, merge: bool
) -> list[Element]:
    levels = _catalog_levels(result)
    sides = caption_sides(result.pages)
    out: list[Element] = []
    stack: list[tuple[int, str]] = []
    marks: list[Element] = []  # floats without text, where they stand (for the joins)
    section = 0
    guess = result.file_type.lower() not in SLIDE_TYPES
    for page in result.pages:
        first_on_page, tables_on_page = True, False
        opening = True  # only furniture and floats (and their text) so far on this page
        floats: list[Element] = []
        folded: dict[int, list[Block]] = {}
        for block, kind, caption in _page_blocks(page, excluded, sides, folded):
            level = None
            if kind is ElementType.TITLE:
                level = block.title_level or levels.get((page.page_num, block.idx)) or 1
            text, table, html = _render(kind, block, level, caption)
            if not text:
                if kind in CAPTIONED and (own := block_box(block, page)) is not None:
                    # a picture without caption or description gives no text, but the
                    # labels read inside it are still its own, not the page's flow
                    floats.append(_mark(kind, page.page_num, own))
                    marks.append(floats[-1])
                continue
            types: tuple[ElementType, ...] = (kind,)
            if caption:
                cap = (
                    ElementType.TABLE_CAPTION
                    if kind is ElementType.TABLE
                    else ElementType.FIGURE_CAPTION
                )
                types = (cap, kind) if kind is ElementType.TABLE else (kind, cap)
            element = Element(
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
                block=block,
                boxes=_boxes(block, page, folded.get(block.idx)),
            )
            if table is not None:
                own = block_box(block, page)
                element.table_boxes = {}
                if own is not None and page.page_size is not None:  # a box: a page size
                    aspect = page.page_size.h / page.page_size.w
                    element.table_boxes[own[0]] = (own, len(table.rows), aspect)
            first_table = kind is ElementType.TABLE and not tables_on_page
            tables_on_page = tables_on_page or kind is ElementType.TABLE
            aside = kind in OUT_OF_FLOW or with_float(element, floats)
            if merge and opening and out and not aside:
                previous = _previous_part(
                    out,
                    element,
                    flagged=page.merge_content_from_pre_page,
                    first=first_on_page,
                    guess=guess,
                    marks=marks,
                )
                if previous is not None:
                    _merge_into(previous, element)
                    first_on_page = opening = False
                    continue
            if merge and guess and not aside:
                previous = column_before(out, element, floats)
                if previous is not None:  # a sentence over a column break
                    _merge_into(previous, element)
                    continue
            if first_table and not caption:
                flagged = page.merge_content_from_pre_page and first_on_page
                _inherit_caption(out, element, flagged, guess)
            if kind not in OUT_OF_FLOW:
                first_on_page = False
            if is_float(element):
                floats.append(element)
            elif not aside:
                opening = False
            if kind is ElementType.TITLE:
                assert level is not None
                while stack and stack[-1][0] >= level:
                    stack.pop()
                element.heading = heading_text(block.content)
                stack.append((level, element.heading))
                section += 1
            element.heading_path = tuple(text for _, text in stack)
            element.section = section
            out.append(element)
    for element in out:
        _join_parts(element)
    return out
