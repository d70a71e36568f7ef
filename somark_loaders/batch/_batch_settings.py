"""What a load is asked to do, checked once and never changed: :class:`BatchSettings`; and
the small types the batch session and its drivers share (a file's result, an error policy).

A run's own state (its report, the files in flight) is a :class:`~._session.BatchSession`'s;
the policy these settings name is described in ``batch.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .._errors import ConfigurationError, require_whole
from ..convert import Chunk, ConvertOptions
from ..files._inputs import Source
from ..files.pdfs import DEFAULT_MAX_PAGES
from ..models import ParseResult
from ..options import ParseOptions
from ..report import Estimate, FileOutcome
from ..service._images import DEFAULT_MAX_IMAGE_BYTES
from ..service._retry import RateLimiter
from ..store.cache import ResultCache
from ._limits import SharedLimits
from ._planning import FilePlanner

__all__ = ["ON_ERROR", "BatchSettings", "Done", "Loaded", "OnError"]

OnError = Literal["raise", "skip", "collect"]
ON_ERROR = ("raise", "skip", "collect")


@dataclass(frozen=True)
class Loaded:
    """One file done: its source, the (merged) service result and its chunks."""

    source: Source
    result: ParseResult
    chunks: list[Chunk]


Done = tuple[FileOutcome, Loaded | None, BaseException | None]
"""What a driver's job for one file gives back: its report entry, what it loaded (if it
did) and the error that ended it (if one did)."""


@dataclass(frozen=True)
class BatchSettings:
    """How a load runs, checked when made (a bad value raises
    :class:`~somark_loaders.ConfigurationError` here, before any request) and frozen after:
    a variant is a new object (``dataclasses.replace(settings, on_error="raise")``), which
    is checked again.

    Args:
        parse_options: what to ask SoMark for (must include json).
        convert_options: how results become chunks.
        max_concurrency: files (tasks) in flight at once; the default account allows 1.
        requests_per_second: submits per second across the load (default ``None``: 1,
            the documented account limit, and 50 once the service turns out to be the
            local emulator).
        on_error: ``"raise"`` (stop at the first failure, with the file name and task id;
            every input is checked before the first upload), ``"skip"`` (log a warning
            per failure and go on) or ``"collect"`` (go on quietly; one summary warning at
            the end); under these two (without ``max_pages``) each input is checked as its
            file starts. The report lists every file.
        ordered: yield files in input order (default) or as they complete.
        show_progress: a tqdm bar over files (pages and failures so far in its postfix);
            ``None`` (default): shown where a person is watching (a notebook, a terminal
            that is not CI), never in logs.
        cache: where results are kept (``None``: nowhere).
        pages_per_part: the most pages sent in one task; longer PDFs go in parts.
        max_pages: refuse the load before any upload when it would cost more pages.
        resubmit_ambiguous: upload again a file whose earlier upload may have been
            accepted without a task id coming back (default ``False``: report it as
            ``ambiguous``; see the README).
        strict_page_budget: with ``max_pages``, refuse files whose page count cannot be
            known locally instead of warning about them.
        log_summary: under ``on_error="collect"``, log the summary when the load ends
            (the CLI prints the report instead).
        limits: the account's limits kept beyond this machine (a Ray cluster's); default:
            shared by the processes using the same cache directory.
        image_dir: where the pictures of the results are kept when
            ``convert_options.include_images`` (required then).
        max_image_bytes: the largest picture downloaded.
    """

    parse_options: ParseOptions = field(default_factory=ParseOptions)
    convert_options: ConvertOptions = field(default_factory=ConvertOptions)
    max_concurrency: int = 1
    requests_per_second: float | None = None
    on_error: OnError = "raise"
    ordered: bool = True
    show_progress: bool | None = None
    cache: ResultCache | None = None
    pages_per_part: int = DEFAULT_MAX_PAGES
    max_pages: int | None = None
    resubmit_ambiguous: bool = False
    strict_page_budget: bool = False
    log_summary: bool = True
    limits: SharedLimits | None = None
    image_dir: Path | None = None
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ConfigurationError(f"on_error={self.on_error!r} is not one of {list(ON_ERROR)}.")
        require_whole("max_concurrency", self.max_concurrency, 1)
        if "json" not in self.parse_options.output_formats:
            raise ConfigurationError(
                "The loaders read SoMark's JSON output: keep 'json' in output_formats."
            )
        RateLimiter(self.rate)  # validates requests_per_second
        require_whole("pages_per_part", self.pages_per_part, 1)
        if self.max_pages is not None:
            require_whole("max_pages", self.max_pages, 0)
        require_whole("max_image_bytes", self.max_image_bytes, 1)
        if self.convert_options.include_images and self.image_dir is None:
            raise ConfigurationError(
                "include_images=True keeps the pictures in image_dir, by default images/ in "
                "the cache directory, but the cache is off: pass image_dir='...' (a "
                "directory for the pictures), or turn the cache on."
            )

    @property
    def rate(self) -> float:
        """Submits per second: the chosen rate, else the documented account limit (1)."""
        return 1.0 if self.requests_per_second is None else self.requests_per_second

    @property
    def checks_first(self) -> bool:
        """Whether every input is checked before the first upload: under "raise" (a bad
        input stops the load before anything is paid for) and with ``max_pages`` (the
        budget needs every page count). Otherwise a bad input changes nothing for the
        other files, so each file is checked as its job starts (``FilePlanner.plan``),
        while the files before it are at the service, not all of them on the way to the
        first upload."""
        return self.on_error == "raise" or self.max_pages is not None

    def planner(self, service_id: str) -> FilePlanner:
        """What each file costs and which of its parts are cached, for ``service_id``."""
        return FilePlanner(self.parse_options, service_id, self.cache, self.pages_per_part)

    def estimate(self, sources: Sequence[Source], service_id: str) -> Estimate:
        """Pages each file would cost, found locally: nothing is uploaded."""
        return self.planner(service_id).estimate(sources)
