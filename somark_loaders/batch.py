"""Many files through SoMark: inputs, limits, concurrency, order, progress, error policy, report.

Shared by the LangChain and LlamaIndex adapters. The sync runner uses threads and the sync
client (never an event loop, so it works inside Jupyter's); the async runner uses tasks and
the async client. Both keep at most ``max_concurrency`` files in flight and at most that
many finished files waiting to be yielded, so memory does not grow with the batch.
"""

from __future__ import annotations

import asyncio
import glob as globlib
import hashlib
import logging
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any, Literal, TypeVar

from ._errors import (
    ConfigurationError,
    InvalidFileError,
    PageBudgetError,
    SoMarkError,
    require_whole,
)
from ._files import MAX_FILE_BYTES, SUPPORTED_EXTENSIONS, Upload
from ._flow import CacheSlot, Context, resumable_parse_flow
from ._retry import RateLimiter
from .cache import ResultCache, cache_key
from .client import AsyncSoMarkClient, SoMarkClient
from .convert import Chunk, ConvertOptions, file_sha256, to_chunks
from .models import ParseResult
from .options import ParseOptions
from .pdfs import (
    DEFAULT_MAX_PAGES,
    Part,
    count_pages,
    merge_part_data,
    part_name,
    plan_parts,
    read_part,
)

__all__ = [
    "BatchRunner",
    "Estimate",
    "FileOutcome",
    "LoadReport",
    "Loaded",
    "OnError",
    "Source",
    "resolve_sources",
]

logger = logging.getLogger("somark_loaders")

OnError = Literal["raise", "skip", "collect"]
ON_ERROR = ("raise", "skip", "collect")
PathInput = str | Path


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One file to load: a local path, or bytes with a name (a LangChain blob)."""

    source: str
    name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    def upload(self) -> Upload:
        if self.path is not None:
            return Upload.from_input(self.path, file_name=self.name)
        return Upload.from_input(self.data or b"", file_name=self.name)

    def sha256(self) -> str:
        if self.path is not None:
            return file_sha256(self.path)
        return hashlib.sha256(self.data or b"").hexdigest()


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def resolve_sources(
    file_path: PathInput | Sequence[PathInput], *, recursive: bool = True
) -> tuple[list[Source], list[tuple[str, SoMarkError]]]:
    """Expand paths, directories and glob patterns into sources, in a stable order.

    Returns the sources and the inputs that cannot be loaded (missing path, empty
    directory or pattern, unsupported type, empty or too large file) with their error.
    Nothing is uploaded here.
    """
    items = [file_path] if isinstance(file_path, (str, Path)) else list(file_path)
    if not items:
        raise ConfigurationError(
            "file_path is empty: give a file, a directory, a glob or a list of them."
        )
    sources: list[Source] = []
    problems: list[tuple[str, SoMarkError]] = []
    seen: set[Path] = set()

    def add(path: Path, given: str) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        try:
            Upload.from_input(path)  # type, emptiness and size, before any upload
        except InvalidFileError as err:
            problems.append((given, err))
            return
        sources.append(Source(source=given, name=path.name, path=path))

    for item in items:
        text = str(item)
        if isinstance(item, str) and _is_pattern(text):
            matches = sorted(globlib.glob(text, recursive=True))  # noqa: PTH207 absolute patterns too
            files = [Path(m) for m in matches if Path(m).is_file()]
            if not files:
                problems.append((text, InvalidFileError(f"No file matches {text!r}.")))
            for path in files:
                add(path, str(path))
            continue
        path = Path(item)
        if path.is_dir():
            walker = path.rglob("*") if recursive else path.glob("*")
            files = sorted(
                p
                for p in walker
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_EXTENSIONS
                and not p.name.startswith(".")
            )
            if not files:
                problems.append(
                    (
                        text,
                        InvalidFileError(
                            f"No PDF, image, Word, PowerPoint or Excel file in directory {text}."
                        ),
                    )
                )
            for child in files:
                add(child, str(child))
        elif path.exists():
            add(path, text)
        else:
            problems.append((text, InvalidFileError(f"File not found: {text}. Check the path.")))
    return sources, problems


# --- report ---------------------------------------------------------------------------


@dataclass
class FileOutcome:
    """What happened to one file."""

    source: str
    status: Literal["loaded", "failed", "cancelled", "not_started"]
    task_id: str | None = None
    pages: int | None = None
    documents: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_type: str | None = None
    code: int | None = None
    cached: bool = False  # the result came from the cache: no request, nothing billed

    @property
    def ok(self) -> bool:
        return self.status == "loaded"


@dataclass
class LoadReport:
    """Every file's fate in one load: no file disappears silently."""

    files: list[FileOutcome] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "loaded"]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status != "loaded"]

    @property
    def pages(self) -> int:
        return sum(f.pages or 0 for f in self.loaded)

    @property
    def cached(self) -> list[FileOutcome]:
        """The loaded files whose results came from the cache (nothing billed)."""
        return [f for f in self.loaded if f.cached]

    def summary(self) -> str:
        from_cache = f" ({len(self.cached)} from the cache)" if self.cached else ""
        return (
            f"{len(self.loaded)} of {len(self.files)} files loaded{from_cache}, "
            f"{self.pages} pages, {sum(f.documents for f in self.files)} documents; "
            f"{len(self.failed)} not loaded"
        )

    def table(self) -> str:
        """A plain-text table, one line per file (``cache``: taken from the cache)."""
        lines = [
            f"{'status':<11} {'from':<7} {'pages':>5} {'docs':>5} {'secs':>6}  {'task id':<32}  "
            "file / error"
        ]
        for f in self.files:
            detail = f.source + (f"  [{f.error_type}: {f.error}]" if f.error else "")
            origin = "-" if not f.ok else "cache" if f.cached else "SoMark"
            lines.append(
                f"{f.status:<11} {origin:<7} {f.pages if f.pages is not None else '-':>5} "
                f"{f.documents:>5} {f.seconds:6.1f}  {f.task_id or '-':<32}  {detail}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class _CancelledError(Exception):
    """The load stopped (error under on_error='raise', or the consumer went away)."""


# --- the runners ----------------------------------------------------------------------


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm  # the text bar: works in terminals and notebooks alike

    return tqdm(total=total, unit="file", desc="SoMark", dynamic_ncols=True)


def _failure(
    source: Source, err: BaseException, task_id: str | None, started: float
) -> FileOutcome:
    code = err.code if isinstance(err, SoMarkError) else None
    tid = task_id or (err.task_id if isinstance(err, SoMarkError) else None)
    status: Literal["failed", "cancelled"] = (
        "cancelled" if isinstance(err, (_CancelledError, asyncio.CancelledError)) else "failed"
    )
    message = (
        str(err)
        if not isinstance(err, _CancelledError)
        else "the load stopped before this file finished"
    )
    return FileOutcome(
        source=source.source,
        status=status,
        task_id=tid,
        seconds=time.monotonic() - started,
        error=message,
        error_type=type(err).__name__,
        code=code,
    )


def _with_file(err: BaseException, source: Source, task_id: str | None) -> BaseException:
    """Put the file name (and task id) into a SoMark error raised by a batch."""
    if isinstance(err, SoMarkError):
        if source.name not in err.message:
            err.message = f"{source.source}: {err.message}"
            err.args = (err.message,)
        err.task_id = err.task_id or task_id
    return err


@contextmanager
def _upload_of(source: Source, part: Part | None) -> Iterator[Upload]:
    """The upload of a whole file, or of one part written to a temporary file."""
    if part is None:
        yield source.upload()
        return
    content = source.path if source.path is not None else (source.data or b"")
    with tempfile.TemporaryDirectory(prefix="somark-part-") as folder:
        path = Path(folder) / part_name(source.name, part)
        path.write_bytes(read_part(content, source.name, part))
        yield Upload.from_input(path)


def _merge(source: Source, parts: list[Part | None], results: list[ParseResult]) -> ParseResult:
    """One result for the file (the parts' answers merged with global page numbers)."""
    if len(results) == 1 and parts[0] is None:
        return results[0]
    pairs = [
        (part, result.raw) for part, result in zip(parts, results, strict=True) if part is not None
    ]
    return ParseResult.from_data(merge_part_data(pairs, source.name))


@dataclass(frozen=True)
class FileEstimate:
    source: str
    pages: int | None
    parts: int
    cached: bool


@dataclass
class Estimate:
    """What a load would cost, found locally (``dry_run``): nothing is uploaded."""

    files: list[FileEstimate] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(f.pages or 0 for f in self.files)

    @property
    def cached_pages(self) -> int:
        return sum(f.pages or 0 for f in self.files if f.cached)

    @property
    def pages_to_parse(self) -> int:
        return self.pages - self.cached_pages

    @property
    def unknown(self) -> list[str]:
        return [f.source for f in self.files if f.pages is None and not f.cached]

    def table(self) -> str:
        lines = [f"{'pages':>6} {'parts':>5} {'cached':>6}  file"]
        for f in self.files:
            pages = "?" if f.pages is None else str(f.pages)
            lines.append(f"{pages:>6} {f.parts:>5} {'yes' if f.cached else 'no':>6}  {f.source}")
        lines.append(
            f"{self.pages:>6} pages in {len(self.files)} files; {self.cached_pages} cached, "
            f"{self.pages_to_parse} to parse"
            + (f"; {len(self.unknown)} files of unknown length" if self.unknown else "")
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class Loaded:
    """One file done: its source, the (merged) service result and its chunks."""

    source: Source
    result: ParseResult
    chunks: list[Chunk]


_Done = tuple[FileOutcome, Loaded | None, BaseException | None]
_Pending = TypeVar("_Pending", bound="Future[_Done] | asyncio.Task[_Done]")


def _pop_done(pending: deque[tuple[Source, _Pending]]) -> tuple[Source, _Pending]:
    """Remove and return the first finished entry (completion order)."""
    index = next(i for i, (_, job) in enumerate(pending) if job.done())
    item = pending[index]
    del pending[index]
    return item


@dataclass
class BatchRunner:
    """Loads sources through SoMark and yields each file's chunks as soon as it is done.

    Args:
        parse_options: what to ask SoMark for (must include json).
        convert_options: how results become chunks.
        max_concurrency: files (tasks) in flight at once; the default account allows 1.
        requests_per_second: submits per second across the load (default 1, the
            documented account limit).
        on_error: ``"raise"`` (stop at the first failure, with the file name and task id),
            ``"skip"`` (log a warning per failure and go on) or ``"collect"`` (go on
            quietly; one summary warning at the end). The report lists every file.
        ordered: yield files in input order (default) or as they complete.
        show_progress: a tqdm bar over files (pages in its postfix).
    """

    parse_options: ParseOptions = field(default_factory=ParseOptions)
    convert_options: ConvertOptions = field(default_factory=ConvertOptions)
    max_concurrency: int = 1
    requests_per_second: float = 1.0
    on_error: OnError = "raise"
    ordered: bool = True
    show_progress: bool = False
    cache: ResultCache | None = None
    pages_per_part: int = DEFAULT_MAX_PAGES
    max_pages: int | None = None
    report: LoadReport = field(default_factory=LoadReport)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ConfigurationError(f"on_error={self.on_error!r} is not one of {list(ON_ERROR)}.")
        require_whole("max_concurrency", self.max_concurrency, 1)
        if "json" not in self.parse_options.output_formats:
            raise ConfigurationError(
                "The loaders read SoMark's JSON output: keep 'json' in output_formats."
            )
        RateLimiter(self.requests_per_second)  # validates requests_per_second
        require_whole("pages_per_part", self.pages_per_part, 1)
        if self.max_pages is not None:
            require_whole("max_pages", self.max_pages, 0)

    # --- shared steps ---------------------------------------------------------------
    def _start(self, problems: Iterable[tuple[str, SoMarkError]]) -> None:
        # ``report`` read before a run is the one the run fills; a runner used again
        # starts a new one.
        if self.report.files:
            self.report = LoadReport()
        for given, err in problems:
            if self.on_error == "raise":
                raise err
            self._record(
                FileOutcome(
                    source=given, status="failed", error=str(err), error_type=type(err).__name__
                )
            )

    def _record(self, outcome: FileOutcome) -> None:
        self.report.files.append(outcome)
        if not outcome.ok and self.on_error == "skip":
            logger.warning("Skipped %s: %s", outcome.source, outcome.error)

    def _done(
        self,
        source: Source,
        task_id: str,
        result: Any,
        doc_id: str,
        started: float,
        *,
        cached: bool,
    ) -> tuple[FileOutcome, Loaded]:
        chunks = to_chunks(
            result, source=source.source, doc_id=doc_id, options=self.convert_options
        )
        outcome = FileOutcome(
            source=source.source,
            status="loaded",
            task_id=task_id,
            pages=result.page_count,
            documents=len(chunks),
            seconds=time.monotonic() - started,
            cached=cached,
        )
        if not chunks:
            logger.warning(
                "%s gave no text (an image or scan without caption or description?); "
                "task %s, %s pages.",
                source.source,
                task_id,
                result.page_count,
            )
        return outcome, Loaded(source, result, chunks)

    def _finish(self, bar: Any) -> None:
        if bar is not None:
            bar.close()
        failed = self.report.failed
        if failed and self.on_error == "collect":
            logger.warning("%s (see the load report).", self.report.summary())
        running = [f for f in failed if f.status == "cancelled" and f.task_id]
        if running:
            logger.warning(
                "Stopped while SoMark tasks were still running; resume them with "
                "client.wait(task_id): %s",
                ", ".join(f"{f.source}={f.task_id}" for f in running),
            )

    def _plan(self, source: Source) -> list[Part | None]:
        """The file's uploads: the whole file, or the parts of a PDF over ``pages_per_part``
        pages or 200 MB (an encrypted or unreadable PDF fails here)."""
        if PurePath(source.name).suffix.lower() != ".pdf":
            return [None]
        content = source.path if source.path is not None else (source.data or b"")
        pages = count_pages(content, source.name) or 0
        size = source.path.stat().st_size if source.path is not None else len(source.data or b"")
        if pages <= self.pages_per_part and size <= MAX_FILE_BYTES:
            return [None]
        parts = plan_parts(pages, size, max_pages=self.pages_per_part)
        logger.info("%s: %d pages, split into %d parts.", source.source, pages, len(parts))
        return list(parts)

    def _merged(
        self,
        source: Source,
        parts: list[Part | None],
        results: list[ParseResult],
        whole: CacheSlot | None,
    ) -> ParseResult:
        """The file's result; a merged one is cached whole too, so a re-run needs no split."""
        result = _merge(source, parts, results)
        if whole is not None and parts[0] is not None:
            whole.cache.put(
                whole.key,
                result.raw,
                file_name=source.name,
                file_sha256=whole.file_sha256,
                options=whole.options,
                task_id=result.task_id,
            )
        return result

    def _cache_slot(
        self,
        client: SoMarkClient | AsyncSoMarkClient,
        source: Source,
        digest: str,
        part: Part | None,
    ) -> CacheSlot | None:
        if self.cache is None:
            return None
        options = self.parse_options
        key = cache_key(
            digest, options.fingerprint(), client.config.service_id, part.span if part else None
        )
        name = part_name(source.name, part) if part else source.name
        return CacheSlot(self.cache, key, name, digest, options.to_dict())

    def estimate(self, sources: Sequence[Source], service_id: str) -> Estimate:
        """Pages each file would cost, found locally: nothing is uploaded."""
        estimate = Estimate()
        options = self.parse_options.fingerprint()
        for source in sources:
            digest, parts = source.sha256(), self._plan(source)
            content = source.path if source.path is not None else (source.data or b"")
            pages = count_pages(content, source.name)
            keys = [cache_key(digest, options, service_id, p.span if p else None) for p in parts]
            whole = cache_key(digest, options, service_id, None)
            cached = self.cache is not None and (
                self.cache.contains(whole) or all(self.cache.contains(k) for k in keys)
            )
            estimate.files.append(FileEstimate(source.source, pages, len(parts), cached))
        return estimate

    def _check_budget(self, sources: Sequence[Source], service_id: str) -> None:
        if self.max_pages is None:
            return
        estimate = self.estimate(sources, service_id)
        if estimate.unknown:
            logger.warning(
                "Page counts unknown locally for %s; they are not counted against max_pages.",
                ", ".join(estimate.unknown),
            )
        if estimate.pages_to_parse > self.max_pages:
            raise PageBudgetError(
                f"This load would parse {estimate.pages_to_parse} pages "
                f"({estimate.cached_pages} more are cached), over max_pages={self.max_pages}. "
                "Raise max_pages, or load fewer files."
            )

    def _settle(self, bar: Any, source: Source, done: _Done) -> Loaded | None:
        """Record a finished file; raise under on_error='raise'; what it gave if loaded."""
        outcome, loaded, error = done
        self._record(outcome)
        self._tick(bar, outcome)
        if error is not None and self.on_error == "raise":
            raise _with_file(error, source, outcome.task_id)
        return loaded if outcome.ok else None

    @staticmethod
    def _tick(bar: Any, outcome: FileOutcome) -> None:
        if bar is not None:
            bar.update(1)
            pages = getattr(bar, "_somark_pages", 0) + (outcome.pages or 0)
            bar._somark_pages = pages
            bar.set_postfix(pages=pages, failed=0 if outcome.ok else 1, refresh=False)

    # --- sync -----------------------------------------------------------------------
    def run(
        self,
        client: SoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> Generator[Loaded, None, None]:
        """Yield (source, chunks) per loaded file; see the class docstring for the policy."""
        self._start(problems)
        if not sources:
            self._finish(None)
            return
        self._check_budget(sources, client.config.service_id)
        ctx = replace(client._ctx, pace=RateLimiter(self.requests_per_second))
        cancel = threading.Event()
        in_flight = threading.BoundedSemaphore(self.max_concurrency)
        bar = _progress(len(sources), self.show_progress)
        todo = iter(sources)
        pending: deque[tuple[Source, Future[_Done]]] = deque()
        pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="somark")

        def start_next() -> None:
            source = next(todo, None)
            if source is not None:
                pending.append(
                    (source, pool.submit(self._one, client, ctx, source, cancel, in_flight))
                )

        try:
            for _ in range(self.max_concurrency):
                start_next()
            while pending:
                if self.ordered:
                    source, future = pending.popleft()
                else:
                    wait([f for _, f in pending], return_when=FIRST_COMPLETED)
                    source, future = _pop_done(pending)
                loaded = self._settle(bar, source, future.result())
                if loaded is not None:
                    yield loaded
                start_next()
        finally:
            cancel.set()
            for source, future in pending:
                if future.cancel():
                    self._record(FileOutcome(source=source.source, status="not_started"))
                else:
                    outcome, _loaded, _error = future.result()
                    self._record(outcome)
            for source in todo:
                self._record(FileOutcome(source=source.source, status="not_started"))
            pool.shutdown(wait=True)
            self._finish(bar)

    def _one(
        self,
        client: SoMarkClient,
        ctx: Context,
        source: Source,
        cancel: threading.Event,
        in_flight: threading.BoundedSemaphore,
    ) -> _Done:
        started = time.monotonic()
        task_id: str | None = None
        requested: list[Part | None] = []  # the uploads not answered by the cache

        def sleep(seconds: float) -> None:
            if cancel.wait(seconds):
                raise _CancelledError

        def fetch(part: Part | None) -> ParseResult:
            slot = self._cache_slot(client, source, doc_id, part)
            if slot is not None and (hit := slot.cache.get(slot.key)) is not None:
                return ParseResult.from_data(hit)
            requested.append(part)
            while not in_flight.acquire(timeout=0.1):
                if cancel.is_set():
                    raise _CancelledError
            try:
                with _upload_of(source, part) as upload:
                    flow = resumable_parse_flow(ctx, upload, self.parse_options, slot)
                    return client._run(flow, sleep)
            finally:
                in_flight.release()

        try:
            doc_id = source.sha256()
            whole = self._cache_slot(client, source, doc_id, None)
            if whole is not None and (hit := whole.cache.get(whole.key)) is not None:
                result = ParseResult.from_data(hit)  # no planning, no request
            else:
                parts = self._plan(source)
                if len(parts) == 1:
                    results = [fetch(parts[0])]
                else:
                    with ThreadPoolExecutor(len(parts), thread_name_prefix="somark-part") as pool:
                        results = list(pool.map(fetch, parts))
                result = self._merged(source, parts, results, whole)
            task_id = result.task_id
            outcome, loaded = self._done(
                source, task_id, result, doc_id, started, cached=not requested
            )
            return outcome, loaded, None
        except (SoMarkError, _CancelledError) as err:
            return _failure(source, err, task_id, started), None, err

    # --- async ----------------------------------------------------------------------
    async def arun(
        self,
        client: AsyncSoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> AsyncGenerator[Loaded, None]:
        """The async twin of :meth:`run` (tasks instead of threads)."""
        self._start(problems)
        if not sources:
            self._finish(None)
            return
        await asyncio.to_thread(self._check_budget, sources, client.config.service_id)
        ctx = replace(client._ctx, pace=RateLimiter(self.requests_per_second))
        in_flight = asyncio.Semaphore(self.max_concurrency)
        bar = _progress(len(sources), self.show_progress)
        todo = iter(sources)
        pending: deque[tuple[Source, asyncio.Task[_Done]]] = deque()

        def start_next() -> None:
            source = next(todo, None)
            if source is not None:
                pending.append(
                    (source, asyncio.ensure_future(self._aone(client, ctx, source, in_flight)))
                )

        try:
            for _ in range(self.max_concurrency):
                start_next()
            while pending:
                if self.ordered:
                    source, task = pending.popleft()
                    await asyncio.wait([task])
                else:
                    await asyncio.wait([t for _, t in pending], return_when=asyncio.FIRST_COMPLETED)
                    source, task = _pop_done(pending)
                loaded = self._settle(bar, source, task.result())
                if loaded is not None:
                    yield loaded
                start_next()
        finally:
            for _source, task in pending:
                task.cancel()
            for source, task in pending:
                try:
                    outcome, _loaded, _error = await task
                except asyncio.CancelledError:
                    outcome = FileOutcome(source=source.source, status="not_started")
                self._record(outcome)
            for source in todo:
                self._record(FileOutcome(source=source.source, status="not_started"))
            self._finish(bar)

    async def _aone(
        self,
        client: AsyncSoMarkClient,
        ctx: Context,
        source: Source,
        in_flight: asyncio.Semaphore,
    ) -> _Done:
        started = time.monotonic()
        task_id: str | None = None
        requested: list[Part | None] = []  # the uploads not answered by the cache

        async def fetch(part: Part | None) -> ParseResult:
            slot = self._cache_slot(client, source, doc_id, part)
            if slot is not None and (hit := slot.cache.get(slot.key)) is not None:
                return ParseResult.from_data(hit)
            requested.append(part)
            async with in_flight:
                with _upload_of(source, part) as upload:
                    flow = resumable_parse_flow(ctx, upload, self.parse_options, slot)
                    return await client._run(flow)

        try:
            # hashing and counting pages read the file: not on the event loop
            doc_id = await asyncio.to_thread(source.sha256)
            whole = self._cache_slot(client, source, doc_id, None)
            if whole is not None and (hit := whole.cache.get(whole.key)) is not None:
                result = ParseResult.from_data(hit)
            else:
                parts = await asyncio.to_thread(self._plan, source)
                outcomes = await asyncio.gather(
                    *(fetch(part) for part in parts), return_exceptions=True
                )
                for item in outcomes:
                    if isinstance(item, BaseException):
                        raise item
                results = [r for r in outcomes if isinstance(r, ParseResult)]
                result = self._merged(source, parts, results, whole)
            task_id = result.task_id
            outcome, loaded = self._done(
                source, task_id, result, doc_id, started, cached=not requested
            )
            return outcome, loaded, None
        except SoMarkError as err:
            return _failure(source, err, task_id, started), None, err
        except asyncio.CancelledError as err:
            return _failure(source, err, task_id, started), None, err
