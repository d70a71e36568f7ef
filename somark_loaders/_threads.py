"""The thread driver of a load (:meth:`BatchRunner.run`): the sync client, a pool of
threads, never an event loop (so it works inside Jupyter's). What it keeps and promises is
in ``batch.py``; when files start and what it waits on, in ``_window.py``."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import TYPE_CHECKING

from ._errors import FileTooLargeError, SoMarkError
from ._flow import Context
from ._in_flight import InFlight
from ._inputs import Source
from ._outcomes import FileTrack, LoadCancelledError, failure, stop_reason
from ._planning import FilePlanner, upload_of
from ._progress import Progress
from ._resumable import resumable_parse_flow
from ._window import Window
from .client import SoMarkClient
from .models import ParseResult
from .pdfs import Part

if TYPE_CHECKING:
    from .batch import BatchRunner, Loaded, _Done

__all__ = ["run_threads"]


def run_threads(
    runner: BatchRunner,
    client: SoMarkClient,
    sources: list[Source],
    problems: Iterable[tuple[str, SoMarkError]] = (),
) -> Generator[Loaded, None, None]:
    """Yield each loaded file; the policy is :class:`BatchRunner`'s."""
    ctx: Context | None = None
    bar = None
    todo: Iterator[Source] = iter(sources)
    window: Window[Source, Future[_Done]] = Window(runner.max_concurrency, ordered=runner.ordered)
    cancel = threading.Event()
    pool = ThreadPoolExecutor(window.most, thread_name_prefix="somark")  # see _window.py
    # task slots: this load's, then the machine's (known once the context is)
    in_flight = InFlight(runner.max_concurrency, None, stop_on_error=runner.on_error == "raise")
    try:
        runner._start(problems)
        planner = runner.planner(client.config.service_id)
        try:
            runner._prepare(planner, sources)
        finally:
            todo = iter(runner._prepared)
        ctx, slots = runner._context(client)
        in_flight.machine = slots
        bar = runner._progress(len(sources))
        while True:
            while window.has_room() and (source := runner._next(ctx, todo)) is not None:
                job = pool.submit(
                    _one,
                    *(runner, client, ctx, planner, source),
                    cancel=cancel,
                    in_flight=in_flight,
                    ticket=in_flight.ticket(),
                    bar=bar,
                )
                window.add(source, job)
            if not window:
                break
            entry = window.take()
            if entry is None:  # an interrupt here leaves every file in the window
                wait(window.watched(), return_when=FIRST_COMPLETED)
                continue
            loaded = runner._settle(bar, entry.item, entry.job.result())
            if loaded is not None:
                yield loaded
    except BaseException as exc:
        runner.report.stopped = runner.report.stopped or stop_reason(exc)
        raise
    finally:
        in_flight.stop()  # nothing more is uploaded
        cancel.set()
        for entry in window:
            if entry.job.cancel():
                runner._record(runner._leftover(ctx, entry.item))
            else:
                runner._record(runner._undelivered(entry.job.result()[0]))
        for source in todo:
            runner._record(runner._leftover(ctx, source))
        pool.shutdown(wait=True)
        runner._finish(bar, ctx)


def _one(
    runner: BatchRunner,
    client: SoMarkClient,
    ctx: Context,
    planner: FilePlanner,
    source: Source,
    *,
    cancel: threading.Event,
    in_flight: InFlight,
    ticket: int,
    bar: Progress,
) -> _Done:
    track = FileTrack(on_first_request=bar.working(source.source))

    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise LoadCancelledError

    def fetch(part: Part | None) -> ParseResult | list[Part]:
        """``part``'s result, or its halves when the service refused it as too long."""
        slot = planner.slot(source, doc_id, part, track.could_not_keep)
        if slot is not None and (hit := slot.lookup()) is not None:
            return hit
        with in_flight.held(cancel, ticket) as sending, upload_of(source, part) as upload:

            def on_task(task_id: str) -> None:
                sending.accepted()
                track.on_task(task_id)

            flow = resumable_parse_flow(
                ctx, upload, runner.parse_options, slot, on_task, on_send=track.on_send
            )
            try:
                return client._run(flow, partial(sending.sleep, sleep), cancel)
            except FileTooLargeError as err:  # refused, not billed: smaller parts instead
                return planner.split_refused(source, part, err)  # (or raises)

    def fetch_all(part: Part | None) -> list[tuple[Part | None, ParseResult]]:
        got = fetch(part)
        if isinstance(got, ParseResult):
            return [(part, got)]
        return [pair for half in got for pair in fetch_all(half)]

    try:
        with in_flight.checking(ticket):
            doc_id = planner.checked(source)
            whole = planner.slot(source, doc_id, None)
            result = whole.lookup() if whole is not None else None
            parts = planner.plan(source) if result is None else []
        if result is None:
            if len(parts) == 1:
                pairs = fetch_all(parts[0])
            else:
                with ThreadPoolExecutor(len(parts), thread_name_prefix="somark-part") as pool:
                    pairs = [pair for done in pool.map(fetch_all, parts) for pair in done]
            done_parts, results = zip(*pairs, strict=True)
            result = planner.merged(source, done_parts, results, whole)
        in_flight.wait_quiet()  # once the next upload is on its way
        return runner._loaded(source, result, doc_id, track)
    except (Exception, LoadCancelledError) as err:  # any failure is this file's outcome
        return failure(source, err, track, ctx.pace.halted if ctx.pace else None), None, err
    finally:
        in_flight.pass_on(ticket)  # no (more) upload: the next file's turn
