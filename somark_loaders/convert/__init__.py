"""From a :class:`ParseResult` to framework-neutral :class:`Chunk` records.

Five modes: ``document`` (one unit per file), ``page`` (one per page), ``element`` (one
per block, captions attached to their table or figure), ``section`` (one per heading and
its content) and ``chunk`` (section-aware, token-bounded: the default). Metadata follows
the contract of design.md section 4; ids are ``f"{doc_id}:{mode}:{chunk_index}"``.

Everything here is pure: the same result and options give the same chunks. The
subpackage, by job: ``_records`` (:class:`Chunk`, :class:`ConvertOptions`), ``_elements``
(blocks -> elements, cross-page joins) with ``_captions``, ``tables`` and ``_html_rows``
(table grids), ``chunking`` (tokenizers, splitting, counting), ``_units`` (elements packed
into the units of a mode), ``_ids`` (the doc id of a result without one); this module
turns units into chunks. Depends on the vocabulary and ``files``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import PurePath
from typing import TYPE_CHECKING

from .._checks import refuse_unknown, setting_names
from .._errors import ConfigurationError
from .._gc import without_gc
from ..files._files import file_sha256
from ._records import MODES, Chunk, ConvertOptions, KeptImage, Metadata, Mode

if TYPE_CHECKING:
    from ..models import ParseResult

__all__ = [
    "MODES",
    "Chunk",
    "ConvertOptions",
    "KeptImage",
    "Metadata",
    "Mode",
    "file_sha256",
    "to_chunks",
]


@without_gc
def to_chunks(
    result: ParseResult,
    mode: Mode | None = None,
    *,
    source: str | None = None,
    doc_id: str | None = None,
    options: ConvertOptions | None = None,
    images: Mapping[str, KeptImage] | None = None,
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
        images: with ``include_images``, the kept picture of each image block, by the
            block's ``img_url``.

    Returns:
        The chunks in reading order, linked to their neighbours and parents; with
        ``include_images``, then one image chunk per kept picture (id
        ``f"{doc_id}:image:{n}"``, no neighbours, see :mod:`._images`).
    """
    # imported here, not with the package: the loaders import the options at start-up
    from ._boxes import boxes_json
    from ._elements import SEP
    from ._ids import result_hash
    from ._seams import joined_count
    from ._units import unit_boxes, unit_tokens
    from ._units import units as _units
    from .chunking import CountCache, token_counter

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
    if options.include_images and images is None:
        raise ConfigurationError(
            "include_images=True needs images=: the kept picture of each image block, by "
            "its img_url (the loaders keep them when they are given include_images=True)."
        )
    chunks: list[Chunk] = []
    units = list(_units(result, options, count))
    ids = [f"{doc}:{options.mode}:{i}" for i in range(len(units))]
    kept = [unit.elements for unit in units] if options.include_images and images else []
    # Each unit is let go once its chunk is made (taken from the end of the reversed
    # list): its elements, their table grids and boxes are freed while the chunks grow,
    # so the peak holds one of the two, not both.
    units.reverse()
    for index in range(len(ids)):
        unit = units.pop()
        text, tokens = unit.text, unit_tokens(unit, count)
        if options.mode == "chunk" and options.prepend_heading_path and unit.heading_path:
            path = " > ".join(unit.heading_path)
            text = path + SEP + text
            tokens = joined_count([path, unit.text], [count(path), tokens], SEP, count)
        meta: Metadata = dict(base)
        meta["chunk_index"] = index
        meta["page_number"] = unit.page_start + 1
        meta["page_end"] = unit.page_end + 1
        meta["heading_path"] = " > ".join(unit.heading_path)
        meta["element_types"] = ",".join(
            dict.fromkeys(t.value for e in unit.elements for t in e.types)
        )
        meta["token_count"] = tokens
        meta["boxes"] = boxes_json(unit_boxes(unit))
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
    if options.include_images and images:
        from ._images import image_chunks  # only then: a cold conversion's millisecond

        chunks += image_chunks(
            result,
            kept,
            chunks,
            base=base,
            excluded=options.excluded(),
            images=images,
            count=count,
        )
    return chunks
