"""Image units (issue 23, ``include_images``): every ``figure``, ``stamp``, ``cs`` and
``qrcode`` block whose picture was kept becomes a chunk of its own, after the file's text
chunks and outside their prev/next chain.

Its text is the figure's caption and SoMark's description of it (as in the text chunks),
or, with neither, ``"Figure on page 3 (Methods > Setup)"``. Its id is
``f"{doc_id}:image:{n}"``, ``n`` the block's index among all the result's image blocks in
reading order (whether or not their pictures were kept, whatever the mode: a picture that
could not be kept on one run shifts no other id). ``chunk_id`` names the text chunk the
figure sits in: the one holding its caption or description, else the last one before it
in reading order, else the first after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models import Block, ElementType, Page, ParseResult
from ._boxes import block_box, boxes_json
from ._element import Element
from ._records import Chunk, KeptImage, Metadata
from .chunking import TokenCounter

__all__ = ["image_chunks"]

# The word the fallback text uses for each image type.
_NOUNS = {
    ElementType.FIGURE: "Figure",
    ElementType.STAMP: "Stamp",
    ElementType.CHEMICAL_STRUCTURE: "Chemical structure",
    ElementType.QRCODE: "QR code",
}


def _holders(units: Sequence[Sequence[Element]]) -> dict[int, tuple[Element, int]]:
    """By block (its ``id``): the element read from it and the first text unit holding it."""
    held: dict[int, tuple[Element, int]] = {}
    for index, elements in enumerate(units):
        for element in elements:
            if element.block is not None:
                held.setdefault(id(element.block), (element, index))
    return held


@dataclass
class _Found:
    """An image block with a kept picture, where it sits among the text units."""

    n: int
    block: Block
    kind: ElementType
    page: Page
    picture: KeptImage
    element: Element | None
    unit: int | None  # the text unit holding it, else the last one before it
    path: tuple[str, ...]  # the heading path where it sits


def _find(
    result: ParseResult,
    holders: Mapping[int, tuple[Element, int]],
    images: Mapping[str, KeptImage],
    excluded: frozenset[ElementType],
) -> list[_Found]:
    """The image blocks with kept pictures in reading order; one without a text unit
    before it takes the first one after it."""
    found: list[_Found] = []
    waiting: list[_Found] = []  # before any text unit
    last: int | None = None
    path: tuple[str, ...] = ()
    n = 0
    for page in result.pages:
        for block in page.blocks:
            kind = block.element_type
            held = holders.get(id(block))
            if held is not None:
                last, path = held[1], held[0].heading_path
                for early in waiting:
                    early.unit = last
                waiting = []
            if not kind.is_image_like:
                continue
            n += 1
            picture = images.get(block.img_url) if block.img_url else None
            if picture is None or kind in excluded:
                continue
            item = _Found(
                n=n - 1,
                block=block,
                kind=kind,
                page=page,
                picture=picture,
                element=held[0] if held else None,
                unit=last,
                path=path,  # its own heading path when it has an element (set above)
            )
            found.append(item)
            if last is None:
                waiting.append(item)
    return found


def _boxes(item: _Found) -> str:
    """The figure's box and its caption's, in reading order (its element's boxes)."""
    if item.element is not None and item.element.boxes:
        return boxes_json(item.element.boxes)
    box = block_box(item.block, item.page)
    return boxes_json([box] if box is not None else [])


def _text(item: _Found) -> str:
    if item.element is not None:  # caption and description, as the text chunks have them
        return item.element.text
    where = f"{_NOUNS.get(item.kind, 'Figure')} on page {item.page.page_num + 1}"
    return f"{where} ({' > '.join(item.path)})" if item.path else where


def image_chunks(
    result: ParseResult,
    units: Sequence[Sequence[Element]],
    chunks: Sequence[Chunk],
    *,
    base: Metadata,
    excluded: frozenset[ElementType],
    images: Mapping[str, KeptImage],
    count: TokenCounter,
) -> list[Chunk]:
    """The image chunks of ``result``, to follow its text ``chunks`` (made from ``units``,
    given as their elements, in the same order)."""
    doc = str(base["doc_id"])
    out: list[Chunk] = []
    for item in _find(result, _holders(units), images, excluded):
        text = _text(item)
        meta: Metadata = dict(base)
        meta["chunk_index"] = len(chunks) + len(out)
        meta["page_number"] = meta["page_end"] = item.page.page_num + 1
        meta["heading_path"] = " > ".join(item.path)
        types = item.element.types if item.element else (item.kind,)
        meta["element_types"] = ",".join(t.value for t in types)
        meta["token_count"] = count(text)
        meta["element_type"] = item.kind.value
        meta["image_path"] = item.picture.path
        meta["image_mime_type"] = item.picture.mime_type
        meta["image_width"] = item.picture.width
        meta["image_height"] = item.picture.height
        meta["boxes"] = _boxes(item)
        holder = chunks[item.unit] if item.unit is not None else None
        if holder is not None:
            meta["chunk_id"] = holder.id
        parent = holder.parent_id if holder is not None else None
        out.append(
            Chunk(
                text=text,
                metadata=meta,
                id=f"{doc}:image:{item.n}",
                parent_id=parent or f"{doc}:document:0",
            )
        )
    return out
