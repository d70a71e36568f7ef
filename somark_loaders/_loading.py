"""What both framework adapters share: validated settings, clients and the batch runner."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Generator, Iterable, Mapping, Sequence
from contextlib import aclosing, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ._checks import build, check_fields, refuse_unknown, setting_names
from ._errors import ConfigurationError, SoMarkError
from .convert import ConvertOptions, Mode
from .convert.chunking import Tokenizer
from .files.pdfs import DEFAULT_MAX_PAGES
from .options import FeatureConfig, ParseOptions
from .service._config import (
    DEFAULT_MAX_IMAGE_BYTES,
    ClientConfig,
    ClientSettings,
    Secret,
    as_secret,
)
from .store.cache import CacheSetting, resolve_cache

# The runner and the clients (httpx, the result models, the conversion) load with the
# first load, not with the loaders: their module's import stays cheap (tests/test_lazy_imports.py).
if TYPE_CHECKING:
    from .batch import BatchRunner, BatchSettings, Estimate, Loaded, OnError, Source
    from .service.client import AsyncSoMarkClient, SoMarkClient

__all__ = ["LoaderSettings"]

AnyClient = TypeVar("AnyClient", "SoMarkClient", "AsyncSoMarkClient")

PathInput = str | Path
FileInputs = PathInput | Sequence[PathInput]
# What the loaders ask SoMark for unless told otherwise (SoMark's own defaults are off):
# title levels make heading paths, and content that crosses a page break comes whole.
# Turn any of them off with feature_config={"enable_title_level_recognition": False}...
RAG_FEATURES = {
    "enable_title_level_recognition": True,
    "enable_table_cross_page": True,
    "enable_text_cross_page": True,
}

# Keyword arguments a loader passes on to the client it creates: the client settings
# (as ClientSettings declares them) but the ones the loader takes itself (and the
# jitter's seed, for tests).
CLIENT_OPTIONS = setting_names(ClientSettings) - {
    "api_key",
    "base_url",
    "cache",
    "resubmit_ambiguous",
    "seed",
}


@dataclass(kw_only=True)
class LoaderSettings:
    """The loader settings: the one declaration SoMarkLoader, SoMarkParser and
    read_somark take their arguments from (SoMarkReader's fields are a copy that
    tests/test_setting_parity.py keeps equal), checked when the loader is built (before
    any request). See :class:`somark_loaders.langchain.SoMarkLoader` for what each does."""

    mode: Mode = ConvertOptions.mode
    chunk_size: int = ConvertOptions.chunk_size
    chunk_overlap: int = ConvertOptions.chunk_overlap
    tokenizer: Tokenizer = ConvertOptions.tokenizer
    include_headers_footers: bool = ConvertOptions.include_headers_footers
    prepend_heading_path: bool = ConvertOptions.prepend_heading_path
    min_chunk_tokens: int = ConvertOptions.min_chunk_tokens
    parse_options: ParseOptions | Mapping[str, Any] | None = None
    output_formats: Sequence[str] | None = None
    element_formats: Mapping[str, str] | None = None
    feature_config: Mapping[str, bool] | None = None
    api_key: str | Secret | None = field(default=None, repr=False)
    base_url: str | None = None
    client: SoMarkClient | AsyncSoMarkClient | None = None
    max_concurrency: int = 1
    requests_per_second: float | None = None
    on_error: OnError = "raise"
    ordered: bool = True
    show_progress: bool | None = None
    client_options: Mapping[str, Any] | None = None
    cache: CacheSetting = True
    pages_per_part: int = DEFAULT_MAX_PAGES
    max_pages: int | None = None
    strict_page_budget: bool = False
    resubmit_ambiguous: bool = False
    include_images: bool = ConvertOptions.include_images
    image_dir: str | Path | None = None
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    # not an argument: the CLI prints the report itself, Ray has no single log
    log_summary: bool = field(default=True, init=False)

    @classmethod
    def _lazy_hints(cls) -> dict[str, Any]:
        """The types the fields name that this module imports only when needed (for the
        settings' type checks, see ``_checks``)."""
        from .batch import OnError
        from .service.client import AsyncSoMarkClient, SoMarkClient

        return {
            "OnError": OnError,
            "SoMarkClient": SoMarkClient,
            "AsyncSoMarkClient": AsyncSoMarkClient,
        }

    @classmethod
    def of(
        cls, owner: str, options: Mapping[str, Any], *, also: Iterable[str] = ()
    ) -> LoaderSettings:
        """Settings from keyword arguments given to ``owner``: a name that is not a setting
        (nor one of ``also``, the owner's own) is refused with the closest known one."""
        refuse_unknown(options, setting_names(cls) | set(also), owner)
        return build(cls, owner, dict(options))

    def __post_init__(self) -> None:
        self.api_key = as_secret(self.api_key)
        check_fields(self, skip={"api_key"})
        has_parts = any(
            v is not None for v in (self.output_formats, self.element_formats, self.feature_config)
        )
        if self.parse_options is not None and has_parts:
            raise ConfigurationError(
                "Pass parse_options or its parts (output_formats, element_formats, "
                "feature_config), not both."
            )
        if self.parse_options is not None:
            parsed = ParseOptions.coerce(self.parse_options)  # as given: the user chose
        else:
            features: FeatureConfig | dict[str, bool]
            if isinstance(self.feature_config, FeatureConfig):
                features = self.feature_config
            else:  # what RAG needs, unless the user says otherwise
                features = {**RAG_FEATURES, **dict(self.feature_config or {})}
            parsed = ParseOptions(self.output_formats, self.element_formats, features)
        if self.include_headers_footers and not parsed.feature_config.keep_header_footer:
            # keeping them in the text needs SoMark to return them at all
            parsed = dataclasses.replace(
                parsed,
                feature_config=dataclasses.replace(parsed.feature_config, keep_header_footer=True),
            )
        self.parsed = parsed
        # the conversion settings a loader takes (ConvertOptions' others keep their defaults)
        shared = setting_names(ConvertOptions) & setting_names(LoaderSettings)
        self.convert = ConvertOptions(**{name: getattr(self, name) for name in shared})
        options = dict(self.client_options or {})
        refuse_unknown(options, CLIENT_OPTIONS, "client_options")
        if self.client is not None:
            if self.api_key is not None or self.base_url is not None or options:
                raise ConfigurationError(
                    "Pass a ready client, or api_key/base_url/client_options to build one, "
                    "not both."
                )
        else:
            # Fail now (no key for the public service, bad URL...), not at the first file.
            ClientConfig.resolve(api_key=self.api_key, base_url=self.base_url, **options)
        self.client_kwargs = {"api_key": self.api_key, "base_url": self.base_url, **options}
        self.batch_settings()  # checks them now, before any request

    def batch_settings(self) -> BatchSettings:
        """The settings of a load (checked; frozen: a variant is ``dataclasses.replace``)."""
        from .batch import BatchSettings

        cache = resolve_cache(self.cache)
        return BatchSettings(
            parse_options=self.parsed,
            convert_options=self.convert,
            max_concurrency=self.max_concurrency,
            requests_per_second=self.requests_per_second,
            on_error=self.on_error,
            ordered=self.ordered,
            show_progress=self.show_progress,
            cache=cache,
            pages_per_part=self.pages_per_part,
            max_pages=self.max_pages,
            strict_page_budget=self.strict_page_budget,
            resubmit_ambiguous=self.resubmit_ambiguous,
            log_summary=self.log_summary,
            # the pictures' directory: the given one, else images/ in the cache's
            image_dir=(
                Path(self.image_dir)
                if self.image_dir is not None
                else (cache.directory / "images" if cache is not None else None)
            ),
            max_image_bytes=self.max_image_bytes,
        )

    def runner(self) -> BatchRunner:
        """A runner with :meth:`batch_settings`; each load makes its own."""
        from .batch import BatchRunner

        return BatchRunner(self.batch_settings())

    def estimate(self, sources: list[Source]) -> Estimate:
        """Local page counts and cache state of ``sources``: nothing is uploaded."""
        client, owned = self.sync_client()
        try:
            return self.runner().estimate(sources, client.config.service_id)
        finally:
            if owned:
                client.close()

    def load(
        self,
        runner: BatchRunner,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> Generator[Loaded, None, None]:
        """``runner.run`` with this loader's sync client.

        Closing this generator early stops the run first (its pending files are reported),
        then closes the client if it was made here.
        """
        client, owned = self.sync_client()
        try:
            with closing(runner.run(client, sources, problems)) as loads:
                yield from loads
        finally:
            if owned:
                client.close()

    async def aload(
        self,
        runner: BatchRunner,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> AsyncGenerator[Loaded, None]:
        """The async twin of :meth:`load` (``runner.arun`` with an async client)."""
        client, owned = self.async_client()
        try:
            async with aclosing(runner.arun(client, sources, problems)) as loads:
                async for loaded in loads:
                    yield loaded
        finally:
            if owned:
                await client.aclose()

    def sync_client(self) -> tuple[SoMarkClient, bool]:
        """(client, whether the caller must close it)."""
        from .service.client import SoMarkClient

        return self._client(SoMarkClient)

    def async_client(self) -> tuple[AsyncSoMarkClient, bool]:
        """(client, whether the caller must close it)."""
        from .service.client import AsyncSoMarkClient

        return self._client(AsyncSoMarkClient)

    def _client(self, kind: type[AnyClient]) -> tuple[AnyClient, bool]:
        """The given client if it is of ``kind``, else a new one with the same settings."""
        if isinstance(self.client, kind):
            return self.client, False
        settings = self.client._settings() if self.client is not None else self.client_kwargs
        return kind(**settings), True
