"""One run of a load: :class:`BatchSession` owns its report and what it still has to load,
and offers the two drivers (``_threads.py``, ``_tasks.py``) the steps they share, so that
both keep the promises of ``batch.py`` the same way. The drivers call the session; the
session knows nothing of them."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace

from .._errors import PageBudgetError, SoMarkError
from ..convert import to_chunks
from ..convert.chunking import token_counter
from ..files._inputs import Source
from ..models import ParseResult
from ..report import FileOutcome, LoadReport
from ..service._flow import Context
from ..service._images import ImageFetcher
from ..service._keeper import ImageKeeper, KeptImages
from ..service._retry import LoadHalted, RateLimiter
from ..service.client import AsyncSoMarkClient, SoMarkClient
from ..store._images import ImageStore
from ._batch_settings import BatchSettings, Done, Loaded
from ._limits import MachineLimiter, MachineSlots, Slots, account_id
from ._outcomes import (
    NOT_UPLOADED,
    FileTrack,
    LoadCancelledError,
    log_the_end,
    stop_reason,
    with_file,
)
from ._planning import FilePlanner, check_budget
from ._progress import Progress

__all__ = ["BatchSession"]

logger = logging.getLogger("somark_loaders")


class BatchSession:
    """The state of one run under fixed :class:`BatchSettings`: the report it fills and
    the files it has still to load. A driver calls :meth:`start`, :meth:`prepare`,
    :meth:`context` and :meth:`progress`, then per file :meth:`next_source`,
    :meth:`loaded` (in the file's job) and :meth:`settle`, and in the end, whatever
    happened, :meth:`leftover`/:meth:`undelivered` for the files it did not deliver and
    :meth:`finish`."""

    def __init__(self, settings: BatchSettings, report: LoadReport | None = None) -> None:
        self.settings = settings
        self.report = report if report is not None else LoadReport()
        self.to_load: list[Source] = []  # the files this run has left to load
        self.started = False
        self.images: ImageKeeper | None = None  # with include_images, from context()

    # --- before the first upload ----------------------------------------------------
    def start(self, problems: Iterable[tuple[str, SoMarkError]]) -> None:
        """Report the inputs that cannot be loaded (raises the first under "raise") and
        load the tokenizer while the first files are at the service."""
        self.started = True
        for given, err in problems:
            self._refuse(given, err)
        self._warm_tokenizer()

    def _warm_tokenizer(self) -> None:
        """Load the tokenizer while the first files are uploaded and parsed (a cold load
        takes about a second), not after the first result has come back."""
        tokenizer = self.settings.convert_options.tokenizer
        if tokenizer is not None and not isinstance(tokenizer, str):
            return  # the user's own counter: nothing to load, and not ours to call early

        def load() -> None:
            with contextlib.suppress(Exception):  # a bad tokenizer is reported by conversion
                token_counter(tokenizer)("warm up")

        threading.Thread(target=load, name="somark-tokenizer", daemon=True).start()

    def _refuse(self, given: str, err: SoMarkError) -> None:
        """An input that cannot be loaded: reported, and raised under "raise"."""
        self.record(
            FileOutcome(
                source=given, status="failed", error=str(err), error_type=type(err).__name__
            )
        )
        if self.settings.on_error == "raise":
            self.report.stopped = str(err)
            raise err

    def _check_inputs(
        self, planner: FilePlanner, sources: list[Source]
    ) -> tuple[list[Source], SoMarkError | None]:
        """Check every input before the first upload (a PDF is opened: encrypted or damaged
        ones are refused here). Returns the files to load and, under "raise", the first
        refusal (recorded; the files from there on are left to load, i.e. not started)."""
        good: list[Source] = []
        for index, source in enumerate(sources):
            try:
                planner.precheck(source)
            except SoMarkError as err:
                try:
                    self._refuse(source.source, err)
                except SoMarkError:
                    return good + sources[index + 1 :], err
            else:
                good.append(source)
        return good, None

    def prepare(self, planner: FilePlanner, sources: list[Source]) -> list[Source]:
        """Every input checked where :attr:`BatchSettings.checks_first`, then the page
        budget (raises, nothing uploaded).

        :attr:`to_load` holds the files left to load even when this raises: the driver
        reports them as not started."""
        self.to_load = list(sources)
        settings = self.settings
        good, error = (
            self._check_inputs(planner, sources) if settings.checks_first else (sources, None)
        )
        if error is None and settings.max_pages is not None and good:
            try:
                estimate = planner.estimate(good)
                check_budget(estimate, settings.max_pages, strict=settings.strict_page_budget)
            except PageBudgetError as err:
                error = err
        self.to_load = list(good)
        if error is not None:
            self.report.stopped = str(error)
            raise error
        return self.to_load

    def context(self, client: SoMarkClient | AsyncSoMarkClient) -> tuple[Context, Slots | None]:
        """The flows' context of this load, with its pacing, and the in-flight slots
        shared beyond it: the given ``limits`` (a cluster's), else the other processes'
        using the same cache directory and account (see ``_limits.py``), else none."""
        settings = self.settings
        auto = settings.requests_per_second is None
        pace = RateLimiter(settings.rate, auto=auto)
        slots: Slots | None = None
        folder = (
            settings.cache.folder.private_folder("limits") if settings.cache is not None else None
        )
        if settings.limits is not None:
            pace, slots = (
                settings.limits.pace(settings.rate, auto=auto),
                settings.limits.slots(settings.max_concurrency),
            )
        elif folder is not None and client._clock is time.monotonic:  # not a test's clock
            cfg = client.config
            account = account_id(cfg.service_id, cfg.api_key.reveal() if cfg.api_key else None)
            pace = MachineLimiter(settings.rate, folder, account, auto=auto)
            slots = MachineSlots(folder, account, settings.max_concurrency)
        ctx = replace(client._ctx, pace=pace, resubmit_ambiguous=settings.resubmit_ambiguous)
        if settings.convert_options.include_images and settings.image_dir is not None:
            fetcher = ImageFetcher.like(client, settings.max_image_bytes)
            self.images = ImageKeeper(ImageStore(settings.image_dir), fetcher)
        return ctx, slots

    def progress(self, files: int) -> Progress:
        """The bar over this load: the files refused at the start are done already."""
        done = len(self.report.files)
        return Progress(done + files, done, self.settings.show_progress)

    # --- file by file ---------------------------------------------------------------
    @staticmethod
    def next_source(ctx: Context, todo: Iterator[Source]) -> Source | None:
        """The next file to start, unless the account halted the uploads."""
        assert ctx.pace is not None
        return next(todo, None) if ctx.pace.halted is None else None

    def loaded(self, source: Source, result: ParseResult, doc_id: str, track: FileTrack) -> Done:
        """A file's result, converted to chunks, and its report entry (in its job)."""
        kept = self.images.keep(result) if self.images is not None else KeptImages()
        kept.warn(source.source)
        chunks = to_chunks(
            result,
            source=source.source,
            doc_id=doc_id,
            options=self.settings.convert_options,
            images=kept.images if self.settings.convert_options.include_images else None,
        )
        outcome = FileOutcome(
            source=source.source,
            status="loaded" if chunks else "empty",
            task_id=result.task_id,
            pages=result.page_count,
            documents=len(chunks),
            seconds=track.seconds(),
            cached=not track.task_ids,  # no task of this load: the cache or another worker paid
            not_kept="; ".join(dict.fromkeys(track.not_kept)) or None,
            images_not_kept=kept.problems,
        )
        if not chunks:
            outcome.error = (
                f"SoMark found no text in its {result.page_count} page(s): a picture without "
                "text, or a scan it could not read? Check the file, or its figures "
                "(feature_config enable_image_understanding describes them)."
            )
            logger.warning("%s: %s (task %s)", source.source, outcome.error, result.task_id)
        return outcome, Loaded(source, result, chunks), None

    def record(self, outcome: FileOutcome) -> None:
        """Add a file's report entry (and warn of a failure under "skip")."""
        self.report.files.append(outcome)
        if outcome.status in ("failed", "ambiguous") and self.settings.on_error == "skip":
            logger.warning("Skipped %s: %s", outcome.source, outcome.error)

    def settle(self, bar: Progress | None, source: Source, done: Done) -> Loaded | None:
        """Record a finished file; raise under on_error='raise'; what it gave if loaded."""
        outcome, loaded, error = done
        self.record(outcome)
        if bar is not None:
            bar.advance(self.report, source.source)
        if error is not None and self.settings.on_error == "raise":
            reason = error.reason if isinstance(error, LoadHalted) else error
            self.report.stopped = str(reason)
            raise with_file(reason, source, outcome.task_id)
        return loaded if outcome.status in ("loaded", "empty") else None

    # --- the end, however it came -----------------------------------------------------
    def stopped_by(self, exc: BaseException) -> None:
        """The run stopped on ``exc``: the report says why (unless it already does)."""
        self.report.stopped = self.report.stopped or stop_reason(exc)

    @staticmethod
    def leftover(ctx: Context | None, source: Source) -> FileOutcome:
        """A file never started: the load stopped (why, if known) before its turn."""
        halted = ctx.pace.halted if ctx is not None and ctx.pace is not None else None
        return FileOutcome(
            source=source.source,
            status="not_started",
            error=f"not sent: {halted}" if halted else NOT_UPLOADED,
            error_type=type(halted).__name__ if halted else LoadCancelledError.__name__,
            code=halted.code if halted else None,
        )

    @staticmethod
    def undelivered(outcome: FileOutcome) -> FileOutcome:
        """A file parsed when the load stopped, its documents never handed over: not
        ``loaded``; ``cancelled``, which a re-run with the same cache reads for free."""
        if outcome.status not in ("loaded", "empty"):
            return outcome
        return replace(
            outcome,
            status="cancelled",
            documents=0,
            error="the load stopped before its documents were handed over; a re-run with "
            "the same cache reads them without paying again",
        )

    def finish(self, bar: Progress | None, ctx: Context | None) -> None:
        """Close the bar and the machine's pacing; log how the load ended."""
        if bar is not None:
            bar.close()
        if self.images is not None:
            self.images.close()
        if ctx is not None and isinstance(ctx.pace, MachineLimiter):
            ctx.pace.close()
        halted = ctx.pace.halted if ctx is not None and ctx.pace is not None else None
        collect = self.settings.on_error == "collect" and self.settings.log_summary
        log_the_end(self.report, halted, collect=collect)
