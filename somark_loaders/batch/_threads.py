"""The thread driver of a load (:meth:`BatchRunner.run`): the sync client, a pool of
threads, never an event loop (so it works inside Jupyter's). What it keeps and promises is
in ``batch.py``; the steps it shares with the asyncio driver are :class:`BatchSession`'s
(``_session.py``); when files start and what it waits on, in ``_window.py``."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial

from .._errors import FileTooLargeError, SoMarkError
from ..files._inputs import Source
from ..files.pdfs import Part
from ..models import ParseResult
from ..service._flow import Context
from ..service._resumable import resumable_parse_flow
from ..service.client import SoMarkClient
from ._batch_settings import Done, Loaded
from ._in_flight import InFlight
from ._outcomes import FileTrack, LoadCancelledError, failure
from ._planning import FilePlanner, upload_of
from ._progress import Progress
from ._session import BatchSession
from ._window import Window

__all__ = ["run_threads"]


def run_threads(
    session: BatchSession,
    client: SoMarkClient,
    sources: list[Source],
    problems: Iterable[tuple[str, SoMarkError]] = (),
) -> Generator[Loaded, None, None]:
    """Yield each loaded file of ``session``'s run; the policy is its settings'."""
    settings = session.settings
    ctx: Context | None = None
    bar = None
    todo: Iterator[Source] = iter(sources)
    window: Window[Source, Future[Done]] = Window(
        settings.max_concurrency, ordered=settings.ordered
    )
    cancel = threading.Event()
    pool = ThreadPoolExecutor(window.most, thread_name_prefix="somark")  # see _window.py
    # task slots: this load's, then the machine's (known once the context is)
    in_flight = InFlight(settings.max_concurrency, None, stop_on_error=settings.on_error == "raise")
    try:
        session.start(problems)
        planner = settings.planner(client.config.service_id)
        try:
            session.prepare(planner, sources)
        finally:
            todo = iter(session.to_load)
        ctx, slots = session.context(client)
        in_flight.machine = slots
        bar = session.progress(len(sources))
        while True:
            while window.has_room() and (source := session.next_source(ctx, todo)) is not None:
                job = pool.submit(
                    _one,
                    *(session, client, ctx, planner, source),
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
            loaded = session.settle(bar, entry.item, entry.job.result())
            if loaded is not None:
                yield loaded
    except BaseException as exc:
        session.stopped_by(exc)
        raise
    finally:
        in_flight.stop()  # nothing more is uploaded
        cancel.set()
        for entry in window:
            if entry.job.cancel():
                session.record(session.leftover(ctx, entry.item))
            else:
                session.record(session.undelivered(entry.job.result()[0]))
        for source in todo:
            session.record(session.leftover(ctx, source))
        pool.shutdown(wait=True)
        session.finish(bar, ctx)


def _one(
    session: BatchSession,
    client: SoMarkClient,
    ctx: Context,
    planner: FilePlanner,
    source: Source,
    *,
    cancel: threading.Event,
    in_flight: InFlight,
    ticket: int,
    bar: Progress,
) -> Done:
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
                ctx,
                planner.counted(upload, source, part),
                session.settings.parse_options,
                slot,
                on_task,
                on_send=track.on_send,
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
        return session.loaded(source, result, doc_id, track)
    except (Exception, LoadCancelledError) as err:  # any failure is this file's outcome
        return failure(source, err, track, ctx.pace.halted if ctx.pace else None), None, err
    finally:
        in_flight.pass_on(ticket)  # no (more) upload: the next file's turn
