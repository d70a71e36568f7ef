"""The records of a conversion: :class:`Chunk` (what comes out) and :class:`ConvertOptions`
(how a result becomes chunks: the mode, the token budget, what is left out)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, get_args

from .._checks import check_fields
from .._errors import ConfigurationError, require_whole
from ..models import ElementType
from ._continuation import FURNITURE
from .chunking import Tokenizer, check_tokenizer

__all__ = ["MODES", "Chunk", "ConvertOptions", "KeptImage", "Metadata", "Mode"]

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
class KeptImage:
    """A block's picture, written to disk before its URL could expire (issue 23).

    Attributes:
        path: absolute path of the file (content-addressed: the same bytes, one file).
        mime_type: e.g. ``"image/png"``, from the bytes.
        width, height: pixels.
    """

    path: str
    mime_type: str
    width: int
    height: int


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
        include_images: also one chunk per ``figure``, ``stamp``, ``cs`` and ``qrcode``
            block whose picture was kept (``to_chunks(images=...)``), after the text
            chunks (see :mod:`._images`).
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
    include_images: bool = False

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
