"""The asyncio driver of a load (:meth:`BatchRunner.arun`): the async client and tasks;
reading files, the cache, the tokenizer and conversion in worker threads, never on the
event loop. The twin of ``_threads.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable, Iterator
from functools import partial

from .._errors import FileTooLargeError, SoMarkError
from ..files._inputs import Source
from ..files.pdfs import Part
from ..models import ParseResult
from ..service._flow import Context
from ..service._resumable import resumable_parse_flow
from ..service.client import AsyncSoMarkClient
from ._batch_settings import Done, Loaded
from ._in_flight import AsyncInFlight
from ._outcomes import FileTrack, failure
from ._planning import FilePlanner, upload_of
from ._progress import Progress
from ._session import BatchSession
from ._window import Window

__all__ = ["run_tasks"]


async def run_tasks(
    session: BatchSession,
    client: AsyncSoMarkClient,
    sources: list[Source],
    problems: Iterable[tuple[str, SoMarkError]] = (),
) -> AsyncGenerator[Loaded, None]:
    """The async twin of :func:`run_threads` (tasks instead of threads)."""
    settings = session.settings
    ctx: Context | None = None
    bar = None
    todo: Iterator[Source] = iter(sources)
    window: Window[Source, asyncio.Task[Done]] = Window(
        settings.max_concurrency, ordered=settings.ordered
    )
    # task slots: this load's, then the machine's (known once the context is)
    in_flight = AsyncInFlight(
        settings.max_concurrency, None, stop_on_error=settings.on_error == "raise"
    )
    try:
        session.start(problems)
        planner = settings.planner(client.config.service_id)
        # opening PDFs and counting pages read files: not on the event loop
        try:
            await asyncio.to_thread(session.prepare, planner, sources)
        finally:
            todo = iter(session.to_load)
        ctx, slots = session.context(client)
        in_flight.machine = slots
        bar = session.progress(len(sources))
        while True:
            while window.has_room() and (source := session.next_source(ctx, todo)) is not None:
                job = _aone(
                    *(session, client, ctx, planner, source),
                    in_flight=in_flight,
                    ticket=in_flight.ticket(),
                    bar=bar,
                )
                window.add(source, asyncio.ensure_future(job))
            if not window:
                break
            entry = window.take()
            if entry is None:  # a cancel here leaves every file in the window
                await asyncio.wait(window.watched(), return_when=asyncio.FIRST_COMPLETED)
                continue
            loaded = session.settle(bar, entry.item, entry.job.result())
            if loaded is not None:
                yield loaded
    except BaseException as exc:
        session.stopped_by(exc)
        raise
    finally:
        in_flight.stop()  # nothing more is uploaded
        for entry in window:
            entry.job.cancel()
        for entry in window:
            try:
                outcome = session.undelivered((await entry.job)[0])
            except asyncio.CancelledError:
                outcome = session.leftover(ctx, entry.item)
            session.record(outcome)
        for source in todo:
            session.record(session.leftover(ctx, source))
        session.finish(bar, ctx)


async def _aone(
    session: BatchSession,
    client: AsyncSoMarkClient,
    ctx: Context,
    planner: FilePlanner,
    source: Source,
    *,
    in_flight: AsyncInFlight,
    ticket: int,
    bar: Progress,
) -> Done:
    track = FileTrack(on_first_request=bar.working(source.source))

    async def fetch(part: Part | None) -> ParseResult | list[Part]:
        """``part``'s result, or its halves when the service refused it as too long."""
        slot = planner.slot(source, doc_id, part, track.could_not_keep)
        if slot is not None and (hit := slot.lookup()) is not None:
            return hit
        async with in_flight.held(ticket) as sending:
            with upload_of(source, part) as upload:

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
                    return await client._run(flow, partial(sending.asleep, asyncio.sleep))
                except FileTooLargeError as err:  # refused, not billed: smaller parts instead
                    return await asyncio.to_thread(planner.split_refused, source, part, err)

    async def fetch_all(part: Part | None) -> list[tuple[Part | None, ParseResult]]:
        got = await fetch(part)
        if isinstance(got, ParseResult):
            return [(part, got)]
        return [pair for half in got for pair in await fetch_all(half)]

    try:
        # reading, hashing and counting pages, the cache, loading the tokenizer and
        # converting: worker threads, never on the event loop
        async with in_flight.checking(ticket):
            doc_id = await asyncio.to_thread(planner.checked, source)
            whole = planner.slot(source, doc_id, None)
            result = await asyncio.to_thread(whole.lookup) if whole is not None else None
            parts = await asyncio.to_thread(planner.plan, source) if result is None else []
        if result is None:
            outcomes = await asyncio.gather(
                *(fetch_all(part) for part in parts), return_exceptions=True
            )
            for item in outcomes:
                if isinstance(item, BaseException):
                    raise item
            pairs = [pair for done in outcomes if isinstance(done, list) for pair in done]
            done_parts, results = zip(*pairs, strict=True)
            result = await asyncio.to_thread(planner.merged, source, done_parts, results, whole)
        await in_flight.wait_quiet()  # once the next upload is on its way
        return await asyncio.to_thread(session.loaded, source, result, doc_id, track)
    except (Exception, asyncio.CancelledError) as err:  # any failure is this file's outcome
        return failure(source, err, track, ctx.pace.halted if ctx.pace else None), None, err
    finally:
        in_flight.pass_on(ticket)  # no (more) upload: the next file's turn
