"""LlamaIndex: :class:`SoMarkReader` (``BasePydanticReader``).

.. code-block:: python

    from llama_index.core import SimpleDirectoryReader
    from somark_loaders.llama_index import SoMarkReader, file_extractor

    reader = SoMarkReader(mode="chunk", chunk_size=512)
    docs = SimpleDirectoryReader("reports/", file_extractor=file_extractor(reader)).load_data()

Documents carry ``id_`` (stable), ``page_label``, the metadata of design.md section 4,
PREVIOUS/NEXT/PARENT relationships, and keep bulky keys (table HTML, ids, hashes) out of
the embedding and LLM text. The reader holds settings only (no live client), so it
pickles, and ``SimpleDirectoryReader(...).load_data(num_workers=N)`` can ship it to worker
processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing, closing
from pathlib import Path
from typing import Any, Literal

from llama_index.core.readers.base import BasePydanticReader
from llama_index.core.schema import (
    Document,
    ImageDocument,
    MediaResource,
    NodeRelationship,
    RelatedNodeInfo,
)
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_serializer

from ._checks import refuse_unknown, setting_names
from ._errors import ConfigurationError, SoMarkError
from ._loading import FileInputs, LoaderSettings
from ._report_spool import ReportSpool
from .convert import Chunk
from .files._files import SUPPORTED_EXTENSIONS
from .files._inputs import Source, resolve_sources
from .report import LoadReport
from .service._config import Secret

__all__ = [
    "EXCLUDED_EMBED_KEYS",
    "EXCLUDED_LLM_KEYS",
    "IMAGE_KEYS",
    "SUPPORTED_EXTENSIONS",
    "SoMarkReader",
    "file_extractor",
    "to_llama_document",
]

# Keys that would only add noise (or bulk) to what is embedded or shown to the LLM.
EXCLUDED_LLM_KEYS = [
    "table_html",
    "doc_id",
    "task_id",
    "source",
    "mode",
    "chunk_index",
    "token_count",
    "element_types",
    "oversized",
    "boxes",
]
EXCLUDED_EMBED_KEYS = [*EXCLUDED_LLM_KEYS, "page_number", "page_end", "page_label", "title_level"]
# An image document's file and its link to the text chunk (issue 23): for the reader of
# the image, not for its text.
IMAGE_KEYS = ["image_path", "image_mime_type", "image_width", "image_height", "chunk_id"]


# What SimpleDirectoryReader puts in ``extra_info`` about the file itself (file_name is
# kept: it names the source in citations).
FILE_KEYS = frozenset(
    {
        "file_path",
        "file_type",
        "file_size",
        "creation_date",
        "last_modified_date",
        "last_accessed_date",
    }
)


def to_llama_document(
    chunk: Chunk, extra_info: dict[str, Any] | None = None, *, show_extra_info: bool = False
) -> Document:
    """A LlamaIndex ``Document`` from a chunk, with ``page_label`` and relationships.

    ``extra_info`` goes into the metadata; its keys are kept out of the embedding and
    the LLM text unless ``show_extra_info`` (SimpleDirectoryReader's file keys, paths,
    sizes and dates, always are).

    An image chunk (``include_images``) becomes an ``ImageDocument``: a ``Document``
    (what readers return) with ``image_path`` and ``image_mimetype``, its caption or
    description as text and a PARENT relationship; node parsers make it an
    ``ImageNode``. Its file is not opened here."""
    metadata: dict[str, Any] = {**(extra_info or {}), **chunk.metadata}
    metadata["page_label"] = str(chunk.metadata["page_number"])
    relationships: dict[NodeRelationship, RelatedNodeInfo] = {}
    if chunk.prev_id:
        relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(node_id=chunk.prev_id)
    if chunk.next_id:
        relationships[NodeRelationship.NEXT] = RelatedNodeInfo(node_id=chunk.next_id)
    if chunk.parent_id:
        relationships[NodeRelationship.PARENT] = RelatedNodeInfo(node_id=chunk.parent_id)
    excluded_llm = [k for k in (*EXCLUDED_LLM_KEYS, *IMAGE_KEYS) if k in metadata]
    excluded_embed = [k for k in (*EXCLUDED_EMBED_KEYS, *IMAGE_KEYS) if k in metadata]
    for key in extra_info or {}:
        if key in chunk.metadata or key == "file_name":
            continue
        if key in FILE_KEYS or not show_extra_info:
            excluded_embed.append(key)
            excluded_llm.append(key)
    fields: dict[str, Any] = {
        "id_": chunk.id,
        "text": chunk.text,
        "metadata": metadata,
        "relationships": relationships,
        "excluded_embed_metadata_keys": excluded_embed,
        "excluded_llm_metadata_keys": excluded_llm,
    }
    path = chunk.metadata.get("image_path")
    if isinstance(path, str) and path:
        # image_resource directly: ImageDocument(image_path=...) would open the file
        mimetype = chunk.metadata.get("image_mime_type")
        resource = MediaResource(path=Path(path), mimetype=str(mimetype) if mimetype else None)
        return ImageDocument(image_resource=resource, **fields)
    return Document(**fields)


def _problems(err: ValidationError) -> str:
    """What pydantic found wrong, by field name only: its message, ``.errors()`` and
    pickle carry the input values, the key among them."""
    problems = []
    for e in err.errors(include_input=False, include_url=False):
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, SoMarkError):  # the check of the settings as a whole
            problems.append(cause.message.rstrip("."))
        else:
            problems.append(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}")
    return "; ".join(problems)


class SoMarkReader(BasePydanticReader):
    """Read PDFs, images, Word, PowerPoint and Excel files through SoMark.

    The fields mirror :class:`somark_loaders.langchain.SoMarkLoader`'s arguments. ``api_key``
    and ``base_url`` fall back to ``SOMARK_API_KEY`` / ``SOMARK_BASE_URL``.
    """

    is_remote: bool = True
    # The loader settings (LoaderSettings) as pydantic fields, of types that serialise:
    # a copy for IDEs and type checkers, with the declaration's defaults;
    # tests/test_setting_parity.py keeps the names and defaults equal.
    mode: Literal["document", "page", "element", "section", "chunk"] = LoaderSettings.mode
    chunk_size: int = LoaderSettings.chunk_size
    chunk_overlap: int = LoaderSettings.chunk_overlap
    tokenizer: str | None = Field(default=None, description="tiktoken encoding or model name")
    include_headers_footers: bool = LoaderSettings.include_headers_footers
    prepend_heading_path: bool = LoaderSettings.prepend_heading_path
    min_chunk_tokens: int = LoaderSettings.min_chunk_tokens
    output_formats: list[str] | None = None
    element_formats: dict[str, str] | None = None
    feature_config: dict[str, bool] | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    client_options: dict[str, Any] | None = None
    max_concurrency: int = LoaderSettings.max_concurrency
    requests_per_second: float | None = None
    on_error: Literal["raise", "skip", "collect"] = LoaderSettings.on_error
    ordered: bool = LoaderSettings.ordered
    show_progress: bool | None = None
    cache: bool | str | None = Field(default=True, description="True, False or a directory")
    pages_per_part: int = LoaderSettings.pages_per_part
    max_pages: int | None = None
    strict_page_budget: bool = LoaderSettings.strict_page_budget
    show_extra_info: bool = Field(
        default=False,
        description="let the embedding and the LLM see the keys of extra_info "
        "(SimpleDirectoryReader's file paths, sizes and dates stay hidden)",
    )
    resubmit_ambiguous: bool = Field(
        default=LoaderSettings.resubmit_ambiguous,
        description="upload again a file whose earlier upload may have been accepted "
        "without a task id (it may be billed twice)",
    )
    include_images: bool = LoaderSettings.include_images
    image_dir: str | None = Field(
        default=None, description="where pictures are kept (default: images/ in the cache)"
    )
    max_image_bytes: int = LoaderSettings.max_image_bytes
    _reports: list[LoadReport] = PrivateAttr(default_factory=list)
    _spool: ReportSpool = PrivateAttr(default_factory=ReportSpool)

    def __init__(self, **data: Any) -> None:
        key = data.get("api_key")
        if isinstance(key, (str, Secret)):  # wrapped first: no frame holds it in plain text
            data["api_key"] = SecretStr(key.reveal() if isinstance(key, Secret) else key)
        del key
        refuse_unknown(data, type(self).model_fields, "SoMarkReader")  # pydantic ignores them
        problems = None
        try:
            super().__init__(**data)
        except ValidationError as err:
            problems = _problems(err)
        if problems is not None:
            raise ConfigurationError(f"SoMarkReader settings are invalid: {problems}.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        # LlamaIndex rebuilds a component from its fields; the report spool (private)
        # must survive, so that a worker process's loads reach this reader's report.
        super().__setstate__(state)
        spool = (state.get("__pydantic_private__") or {}).get("_spool")
        if isinstance(spool, ReportSpool):
            self._spool = spool

    def model_post_init(self, context: Any, /) -> None:
        self._loader_settings()  # fail now on bad settings, before any request

    @field_serializer("api_key")
    def _no_key(self, value: SecretStr | None) -> None:
        """``to_dict``/``to_json`` never write the key (a reader made from them reads
        ``SOMARK_API_KEY``); pickles keep it, so that worker processes can load."""
        return None

    @classmethod
    def class_name(cls) -> str:
        return "SoMarkReader"

    @property
    def last_report(self) -> LoadReport:
        """Every file's fate in every load since the reader was made or
        :meth:`reset_report` was called: ``SimpleDirectoryReader`` calls the reader once
        per file, in worker processes too (``num_workers``); this is the whole run."""
        files = [f for report in self._reports for f in report.files]
        files += self._spool.read()
        stopped = next((r.stopped for r in reversed(self._reports) if r.stopped), None)
        return LoadReport(files=files, stopped=stopped)

    def reset_report(self) -> None:
        """Start a new run: :attr:`last_report` forgets the loads before now."""
        self._reports = []
        self._spool.clear()

    def _begin(self, runner: Any) -> None:
        self._reports.append(runner.report)

    def _end(self, runner: Any) -> None:
        """A load in a worker process tells the parent's reader what it did."""
        if self._spool.foreign():
            self._spool.write(runner.report.files)

    def _loader_settings(self) -> LoaderSettings:
        # The reader's fields carry LoaderSettings' names; only the key is wrapped.
        shared = setting_names(LoaderSettings) - {"api_key", "client", "parse_options"}
        return LoaderSettings(
            **{name: getattr(self, name) for name in shared},
            api_key=Secret(self.api_key.get_secret_value()) if self.api_key else None,
        )

    @staticmethod
    def _sources(file_path: FileInputs, fs: Any) -> tuple[list[Source], list[Any]]:
        if fs is not None and type(fs).__name__ != "LocalFileSystem":
            # A remote fsspec filesystem (SimpleDirectoryReader(fs=...)): read the bytes.
            paths = [file_path] if isinstance(file_path, (str, Path)) else list(file_path)
            sources = []
            for path in paths:
                with fs.open(str(path), "rb") as handle:
                    sources.append(
                        Source(source=str(path), name=Path(str(path)).name, data=handle.read())
                    )
            return sources, []
        sources, problems = resolve_sources(file_path)
        return sources, problems

    def lazy_load_data(
        self, file_path: FileInputs, extra_info: dict[str, Any] | None = None, fs: Any = None
    ) -> Iterator[Document]:
        """Yield documents file by file (one path or a list; directories and globs too)."""
        settings = self._loader_settings()
        runner = settings.runner()
        sources, problems = self._sources(file_path, fs)
        self._begin(runner)
        try:
            with closing(settings.load(runner, sources, problems)) as loads:
                for loaded in loads:
                    for chunk in loaded.chunks:
                        yield to_llama_document(
                            chunk, extra_info, show_extra_info=self.show_extra_info
                        )
        finally:
            self._end(runner)

    def load_data(
        self, file_path: FileInputs, extra_info: dict[str, Any] | None = None, fs: Any = None
    ) -> list[Document]:
        """All documents of ``file_path`` (what ``SimpleDirectoryReader`` calls); with
        ``include_images``, the image documents are ``ImageDocument`` (see
        :func:`to_llama_document`)."""
        return list(self.lazy_load_data(file_path, extra_info, fs))

    async def aload_data(
        self, file_path: FileInputs, extra_info: dict[str, Any] | None = None, fs: Any = None
    ) -> list[Document]:
        """Native async load (async client; no thread around the sync path)."""
        settings = self._loader_settings()
        runner = settings.runner()
        sources, problems = self._sources(file_path, fs)
        self._begin(runner)
        documents: list[Document] = []
        try:
            async with aclosing(settings.aload(runner, sources, problems)) as loads:
                async for loaded in loads:
                    documents.extend(
                        to_llama_document(chunk, extra_info, show_extra_info=self.show_extra_info)
                        for chunk in loaded.chunks
                    )
        finally:
            self._end(runner)
        return documents

    async def alazy_load_data(
        self, file_path: FileInputs, extra_info: dict[str, Any] | None = None, fs: Any = None
    ) -> list[Document]:
        """Same as :meth:`aload_data` (LlamaIndex's async lazy API returns a list)."""
        return await self.aload_data(file_path, extra_info, fs)


def file_extractor(reader: SoMarkReader | None = None, **settings: Any) -> dict[str, SoMarkReader]:
    """``SimpleDirectoryReader``'s ``file_extractor`` sending every file SoMark reads (PDF,
    images, Word, PowerPoint, Excel: :data:`SUPPORTED_EXTENSIONS`) to ``reader``, so that
    none of them silently goes through LlamaIndex's own readers instead.

    Without ``reader``, one ``SoMarkReader(**settings)`` is made::

        SimpleDirectoryReader("reports/", file_extractor=file_extractor(mode="page"))
    """
    if reader is None:
        reader = SoMarkReader(**settings)
    elif settings:
        raise ConfigurationError(
            "Pass either a SoMarkReader or its settings to file_extractor(), not both."
        )
    return dict.fromkeys(sorted(SUPPORTED_EXTENSIONS), reader)
