"""Many files through SoMark: limits, concurrency, order, progress, error policy, report.

Shared by the LangChain and LlamaIndex adapters. The sync runner uses threads and the sync
client (never an event loop, so it works inside Jupyter's); the async runner uses tasks and
the async client. Both keep at most ``max_concurrency`` files in flight at SoMark and at
most that many more converting or waiting to be yielded, so memory does not grow with the
batch; the next file is uploaded as soon as one comes back, while that one is converted
(``_window.py``).

What a load promises, whatever happens to it (see the README, "What a load guarantees"):
every file ends in the report with its fate; a file's failure, of any kind, is that file's
outcome and never takes the others' documents with it; a stop (an error under
``on_error="raise"``, Ctrl-C, a cancelled task, a consumer that stops reading) reports
the files in flight with their task ids; an account refusal (1107, 1108, 1123) stops the
uploads at once instead of paying for, or being refused, every other file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import (
    AsyncGenerator,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field, replace
from typing import Literal

from ._errors import (
    ConfigurationError,
    PageBudgetError,
    SoMarkError,
    require_whole,
)
from ._flow import Context
from ._inputs import PathInput, Source, resolve_sources
from ._limits import (
    MachineLimiter,
    MachineSlots,
    SharedLimits,
    Slots,
    account_id,
)
from ._outcomes import (
    FileTrack,
    log_the_end,
    with_file,
)
from ._planning import FilePlanner, check_budget
from ._progress import Progress
from ._retry import LoadHalted, RateLimiter
from ._tasks import run_tasks
from ._threads import run_threads
from .cache import ResultCache
from .chunking import token_counter
from .client import AsyncSoMarkClient, SoMarkClient
from .convert import Chunk, ConvertOptions, to_chunks
from .models import ParseResult
from .options import ParseOptions
from .pdfs import DEFAULT_MAX_PAGES
from .report import Estimate, FileEstimate, FileOutcome, LoadReport

__all__ = [
    "BatchRunner",
    "Estimate",
    "FileEstimate",
    "FileOutcome",
    "LoadReport",
    "Loaded",
    "OnError",
    "PathInput",
    "Source",
    "resolve_sources",
]

logger = logging.getLogger("somark_loaders")

OnError = Literal["raise", "skip", "collect"]
ON_ERROR = ("raise", "skip", "collect")


@dataclass(frozen=True)
class Loaded:
    """One file done: its source, the (merged) service result and its chunks."""

    source: Source
    result: ParseResult
    chunks: list[Chunk]


_Done = tuple[FileOutcome, Loaded | None, BaseException | None]


@dataclass
class BatchRunner:
    """Loads sources through SoMark and yields each file's chunks as soon as it is done.

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
        resubmit_ambiguous: upload again a file whose earlier upload may have been
            accepted without a task id coming back (default ``False``: report it as
            ``ambiguous``; see the README).
        strict_page_budget: with ``max_pages``, refuse files whose page count cannot be
            known locally instead of warning about them.
        log_summary: under ``on_error="collect"``, log the summary when the load ends
            (the CLI prints the report instead).
        limits: the account's limits kept beyond this machine (a Ray cluster's); default:
            shared by the processes using the same cache directory.
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
    report: LoadReport = field(default_factory=LoadReport)
    _prepared: list[Source] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ConfigurationError(f"on_error={self.on_error!r} is not one of {list(ON_ERROR)}.")
        require_whole("max_concurrency", self.max_concurrency, 1)
        if "json" not in self.parse_options.output_formats:
            raise ConfigurationError(
                "The loaders read SoMark's JSON output: keep 'json' in output_formats."
            )
        RateLimiter(self._rate)  # validates requests_per_second
        require_whole("pages_per_part", self.pages_per_part, 1)
        if self.max_pages is not None:
            require_whole("max_pages", self.max_pages, 0)

    @property
    def _rate(self) -> float:
        return 1.0 if self.requests_per_second is None else self.requests_per_second

    def planner(self, service_id: str) -> FilePlanner:
        return FilePlanner(self.parse_options, service_id, self.cache, self.pages_per_part)

    def estimate(self, sources: Sequence[Source], service_id: str) -> Estimate:
        """Pages each file would cost, found locally: nothing is uploaded."""
        return self.planner(service_id).estimate(sources)

    # --- shared steps ---------------------------------------------------------------
    def _warm_tokenizer(self) -> None:
        """Load the tokenizer while the first files are uploaded and parsed (a cold load
        takes about a second), not after the first result has come back."""
        tokenizer = self.convert_options.tokenizer
        if tokenizer is not None and not isinstance(tokenizer, str):
            return  # the user's own counter: nothing to load, and not ours to call early

        def load() -> None:
            with contextlib.suppress(Exception):  # a bad tokenizer is reported by conversion
                token_counter(tokenizer)("warm up")

        threading.Thread(target=load, name="somark-tokenizer", daemon=True).start()

    def _start(self, problems: Iterable[tuple[str, SoMarkError]]) -> None:
        # ``report`` read before a run is the one the run fills; a runner used again
        # starts a new one.
        if self.report.files:
            self.report = LoadReport()
        for given, err in problems:
            self._refuse(given, err)
        self._warm_tokenizer()

    def _refuse(self, given: str, err: SoMarkError) -> None:
        """An input that cannot be loaded: reported, and raised under "raise"."""
        self._record(
            FileOutcome(
                source=given, status="failed", error=str(err), error_type=type(err).__name__
            )
        )
        if self.on_error == "raise":
            self.report.stopped = str(err)
            raise err

    @property
    def _checks_first(self) -> bool:
        """Whether every input is checked before the first upload: under "raise" (a bad
        input stops the load before anything is paid for) and with ``max_pages`` (the
        budget needs every page count). Otherwise a bad input changes nothing for the
        other files, so each file is checked as its job starts (``FilePlanner.plan``),
        while the files before it are at the service, not all of them on the way to the
        first upload."""
        return self.on_error == "raise" or self.max_pages is not None

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

    def _prepare(self, planner: FilePlanner, sources: list[Source]) -> list[Source]:
        """:meth:`_check_inputs` where :attr:`_checks_first`, then the page budget
        (raises, nothing uploaded).

        ``_prepared`` holds the files left to load even when this raises: the runner
        reports them as not started."""
        self._prepared = list(sources)
        good, error = (
            self._check_inputs(planner, sources) if self._checks_first else (list(sources), None)
        )
        if error is None and self.max_pages is not None and good:
            try:
                check_budget(planner.estimate(good), self.max_pages, strict=self.strict_page_budget)
            except PageBudgetError as err:
                error = err
        self._prepared = good
        if error is not None:
            self.report.stopped = str(error)
            raise error
        return good

    def _context(self, client: SoMarkClient | AsyncSoMarkClient) -> tuple[Context, Slots | None]:
        """The flows' context of this load, with its pacing, and the in-flight slots
        shared beyond it: the given ``limits`` (a cluster's), else the other processes'
        using the same cache directory and account (see ``_limits.py``), else none."""
        auto = self.requests_per_second is None
        pace = RateLimiter(self._rate, auto=auto)
        slots: Slots | None = None
        folder = self.cache.private_folder("limits") if self.cache is not None else None
        if self.limits is not None:
            pace, slots = (
                self.limits.pace(self._rate, auto=auto),
                self.limits.slots(self.max_concurrency),
            )
        elif folder is not None and client._clock is time.monotonic:  # not a test's clock
            cfg = client.config
            account = account_id(cfg.service_id, cfg.api_key.reveal() if cfg.api_key else None)
            pace = MachineLimiter(self._rate, folder, account, auto=auto)
            slots = MachineSlots(folder, account, self.max_concurrency)
        ctx = replace(client._ctx, pace=pace, resubmit_ambiguous=self.resubmit_ambiguous)
        return ctx, slots

    def _record(self, outcome: FileOutcome) -> None:
        self.report.files.append(outcome)
        if outcome.status in ("failed", "ambiguous") and self.on_error == "skip":
            logger.warning("Skipped %s: %s", outcome.source, outcome.error)

    def _loaded(self, source: Source, result: ParseResult, doc_id: str, track: FileTrack) -> _Done:
        chunks = to_chunks(
            result, source=source.source, doc_id=doc_id, options=self.convert_options
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
        )
        if not chunks:
            outcome.error = (
                f"SoMark found no text in its {result.page_count} page(s): a picture without "
                "text, or a scan it could not read? Check the file, or its figures "
                "(feature_config enable_image_understanding describes them)."
            )
            logger.warning("%s: %s (task %s)", source.source, outcome.error, result.task_id)
        return outcome, Loaded(source, result, chunks), None

    def _progress(self, files: int) -> Progress:
        """The bar over this load: the files refused at the start are done already."""
        done = len(self.report.files)
        return Progress(done + files, done, self.show_progress)

    def _settle(self, bar: Progress | None, source: Source, done: _Done) -> Loaded | None:
        """Record a finished file; raise under on_error='raise'; what it gave if loaded."""
        outcome, loaded, error = done
        self._record(outcome)
        if bar is not None:
            bar.advance(self.report, source.source)
        if error is not None and self.on_error == "raise":
            reason = error.reason if isinstance(error, LoadHalted) else error
            self.report.stopped = str(reason)
            raise with_file(reason, source, outcome.task_id)
        return loaded if outcome.status in ("loaded", "empty") else None

    def _leftover(self, ctx: Context | None, source: Source) -> FileOutcome:
        """A file never started: the load stopped (why, if known) before its turn."""
        halted = ctx.pace.halted if ctx is not None and ctx.pace is not None else None
        return FileOutcome(
            source=source.source,
            status="not_started",
            error=f"not sent: {halted}" if halted else "the load stopped before this file",
            error_type=type(halted).__name__ if halted else None,
            code=halted.code if halted else None,
        )

    @staticmethod
    def _undelivered(outcome: FileOutcome) -> FileOutcome:
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

    def _next(self, ctx: Context, todo: Iterator[Source]) -> Source | None:
        """The next file to start, unless the account halted the uploads."""
        assert ctx.pace is not None
        return next(todo, None) if ctx.pace.halted is None else None

    def _finish(self, bar: Progress | None, ctx: Context | None) -> None:
        if bar is not None:
            bar.close()
        if ctx is not None and isinstance(ctx.pace, MachineLimiter):
            ctx.pace.close()
        halted = ctx.pace.halted if ctx is not None and ctx.pace is not None else None
        collect = self.on_error == "collect" and self.log_summary
        log_the_end(self.report, halted, collect=collect)

    # --- the drivers ----------------------------------------------------------------
    def run(
        self,
        client: SoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> Generator[Loaded, None, None]:
        """Yield each loaded file (threads, the sync client; ``_threads.py``); see the
        class docstring for the policy."""
        yield from run_threads(self, client, sources, problems)

    async def arun(
        self,
        client: AsyncSoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> AsyncGenerator[Loaded, None]:
        """The async twin of :meth:`run` (tasks, the async client; ``_tasks.py``)."""
        async with contextlib.aclosing(run_tasks(self, client, sources, problems)) as loads:
            async for loaded in loads:
                yield loaded
