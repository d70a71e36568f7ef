"""LangChain: :class:`SoMarkLoader` (``BaseLoader``) and :class:`SoMarkParser` (``BaseBlobParser``).

Setup:
    ``pip install somark-loaders`` and set ``SOMARK_API_KEY`` (or ``SOMARK_BASE_URL`` for a
    self-hosted server or the emulator).

Instantiate:
    .. code-block:: python

        from somark_loaders.langchain import SoMarkLoader

        loader = SoMarkLoader("reports/", mode="chunk", chunk_size=512, show_progress=True)

Lazy load:
    .. code-block:: python

        for doc in loader.lazy_load():
            print(doc.id, doc.metadata["page_number"], doc.metadata["heading_path"])
        print(loader.last_report.table())

Async load:
    .. code-block:: python

        docs = [doc async for doc in loader.alazy_load()]
"""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import aclosing, closing
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from langchain_core.document_loaders import BaseBlobParser, BaseLoader
from langchain_core.document_loaders.blob_loaders import Blob
from langchain_core.documents import Document

from ._checks import takes
from ._errors import InvalidFileError
from ._loading import FileInputs, LoaderSettings
from .convert import Chunk
from .files._inputs import Source, resolve_sources
from .report import Estimate, LoadReport

__all__ = ["SoMarkLoader", "SoMarkParser", "split_keeping_ids", "to_document"]


def to_document(chunk: Chunk) -> Document:
    """A LangChain ``Document`` from a chunk (``id`` set, metadata flat and primitive)."""
    return Document(page_content=chunk.text, metadata=dict(chunk.metadata), id=chunk.id)


def split_keeping_ids(documents: Iterable[Document], splitter: Any) -> list[Document]:
    """Split documents again with a LangChain text splitter, keeping stable ids.

    A text splitter makes new documents without ids; here each piece gets
    ``f"{document.id}/{n}"`` and ``split_index`` = n in its metadata, so re-indexing the
    pieces is still an upsert. Each piece keeps its parent's metadata, ``boxes`` included:
    the boxes of the whole parent (a superset of where the piece's text sits).
    """
    out: list[Document] = []
    for document in documents:
        for n, piece in enumerate(splitter.split_documents([document])):
            piece.id = f"{document.id}/{n}" if document.id else None
            piece.metadata = {**piece.metadata, "split_index": n}
            out.append(piece)
    return out


@dataclass(kw_only=True)
class _LoaderArgs(LoaderSettings):
    """:class:`SoMarkLoader`'s arguments: the loader settings and its own two."""

    file_path: FileInputs = field(kw_only=False)
    recursive: bool = True


class SoMarkLoader(BaseLoader):
    """Load PDFs, images, Word, PowerPoint and Excel files through SoMark.

    Args:
        file_path: a file, a directory (searched recursively for supported files), a glob
            pattern, or a list of them.
        mode: ``"chunk"`` (default), ``"section"``, ``"element"``, ``"page"`` or ``"document"``.
        chunk_size, chunk_overlap, tokenizer, prepend_heading_path, min_chunk_tokens:
            chunking (see :func:`somark_loaders.to_chunks`).
        include_headers_footers: keep page headers and footers in the text.
        parse_options: a :class:`ParseOptions` or dict; or its three parts as
            ``output_formats``, ``element_formats``, ``feature_config``.
        api_key, base_url: for the client the loader builds (environment otherwise);
            ``client_options`` passes ``timeout``, ``poll_interval``, ``max_wait``...
        client: a ready :class:`SoMarkClient` or :class:`AsyncSoMarkClient` (not with the
            above). It is not closed by the loader.
        max_concurrency: files in flight at once (default 1, the default account quota).
        requests_per_second: submit rate across the load (default: 1 per second, the
            account limit; 50 once the service says it is the local emulator).
        on_error: ``"raise"`` (default), ``"skip"`` or ``"collect"``; ``last_report``
            tells every file's fate either way.
        ordered: yield files in input order (default) or as they finish.
        show_progress: a tqdm progress bar over files; default ``None``: shown where a
            person is watching (a notebook, a terminal that is not CI), never in logs.
        cache: result cache and task ledger: ``True`` (default: ``SOMARK_CACHE_DIR`` or the
            user's cache directory), ``False``, a directory or a ``ResultCache``.
        pages_per_part: PDFs over this many pages (or 200 MB), and Word files estimated
            over it, are split into parts (Word files at headings),
            parsed under the same limits and merged back (default 300, SoMark's limit).
        max_pages: refuse a load that would parse more pages than this (cached pages are
            free), before any upload.
        strict_page_budget: with ``max_pages``, refuse files whose length cannot be known
            locally (.doc, .ppt, .xls) instead of warning about them.
        resubmit_ambiguous: upload again a file whose earlier upload may have been
            accepted without a task id coming back (it may be billed twice). Default
            ``False``: such a file is reported ``ambiguous`` and not uploaded.
        include_images: keep the picture of every figure, stamp, chemical structure and
            QR code (``image_path`` of its image document) before its URL expires.
        image_dir: where the pictures are kept, one file per picture named by its
            sha256 (default: ``images/`` in the cache directory; required with
            ``include_images`` when the cache is off).
        max_image_bytes: the largest picture downloaded (default 20 MB); a larger one is
            not kept and the load report says so.

    Raises:
        ConfigurationError: bad settings, at construction, before any request: a name
            that is not a setting (with the closest known one), a value of the wrong
            type, an unknown tokenizer or mode, a bad size or client option.
    """

    @takes(_LoaderArgs)
    def __init__(self, settings: _LoaderArgs) -> None:
        self.file_path = settings.file_path
        self.recursive = settings.recursive
        self._settings: LoaderSettings = settings
        self.last_report = LoadReport()

    def estimate(self) -> Estimate:
        """Dry run: pages per file, found locally, and which are cached. Nothing is uploaded."""
        sources, _problems = resolve_sources(self.file_path, recursive=self.recursive)
        return self._settings.estimate(sources)

    def lazy_load(self) -> Iterator[Document]:
        """Yield documents file by file, as soon as each file is parsed."""
        runner = self._settings.runner()
        sources, problems = resolve_sources(self.file_path, recursive=self.recursive)
        self.last_report = runner.report
        with closing(self._settings.load(runner, sources, problems)) as loads:
            for loaded in loads:
                for chunk in loaded.chunks:
                    yield to_document(chunk)

    def load_and_split(self, text_splitter: Any = None) -> list[Document]:
        """:meth:`load`, then ``text_splitter`` (default: LangChain's
        ``RecursiveCharacterTextSplitter``) on each document, the pieces keeping stable ids
        (see :func:`split_keeping_ids`). The loader's own ``chunk_size`` usually makes this
        unnecessary."""
        if text_splitter is None:
            try:
                from langchain_text_splitters import RecursiveCharacterTextSplitter
            except ImportError:
                raise ImportError(
                    "load_and_split() without a splitter needs langchain-text-splitters: "
                    "pip install langchain-text-splitters, or pass text_splitter=..."
                ) from None
            text_splitter = RecursiveCharacterTextSplitter()
        return split_keeping_ids(self.load(), text_splitter)

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Native async twin of :meth:`lazy_load` (the async client; see the README for
        what runs in worker threads)."""
        runner = self._settings.runner()
        sources, problems = resolve_sources(self.file_path, recursive=self.recursive)
        self.last_report = runner.report
        async with aclosing(self._settings.aload(runner, sources, problems)) as loads:
            async for loaded in loads:
                for chunk in loaded.chunks:
                    yield to_document(chunk)


def blob_source(blob: Blob) -> Source:
    """A :class:`Source` from a blob: its path when it has one on disk, else its bytes."""
    path = Path(str(blob.path)) if blob.path else None
    name = PurePath(str(blob.path)).name if blob.path else str(blob.metadata.get("file_name") or "")
    if not PurePath(name).suffix and blob.mimetype:
        name = (name or "document") + (mimetypes.guess_extension(blob.mimetype) or "")
    if not name:
        raise InvalidFileError(
            "The blob has no path, file name or mimetype: SoMark needs a file name with an "
            "extension (set blob.metadata['file_name'])."
        )
    source = str(blob.source or name)
    if path is not None and path.is_file() and blob.data is None:
        return Source(source=source, name=name, path=path)
    return Source(source=source, name=name, data=blob.as_bytes())


class SoMarkParser(BaseBlobParser):
    """Parse blobs through SoMark; the same options as :class:`SoMarkLoader` (no file_path).

    Works with any blob loader, e.g.
    ``GenericLoader.from_filesystem("docs/", suffixes=[".pdf"], parser=SoMarkParser())``.
    A failure raises (with the file name and task id), whatever ``on_error`` says: one
    blob, one answer.
    """

    @takes(LoaderSettings)
    def __init__(self, settings: LoaderSettings) -> None:
        self._settings = dataclasses.replace(settings, on_error="raise")

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Yield the documents of one blob."""
        runner = self._settings.runner()
        with closing(self._settings.load(runner, [blob_source(blob)])) as loads:
            for loaded in loads:
                for chunk in loaded.chunks:
                    yield to_document(chunk)
