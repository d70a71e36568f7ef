"""Parsing through the cache and the task ledger: never pay twice for the same pages.

The flows of ``_flow.py`` wrapped with the result cache (a hit sends nothing), the claim
that keeps two workers from parsing the same bytes, and the ledger that records an upload
before it is sent and its task id the moment it is accepted, so that a run that stops, for
whatever reason, is resumed by the next instead of paid for again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._errors import (
    AmbiguousSubmitError,
    ResponseValidationError,
    TaskFailedError,
    TaskNotFoundError,
    TaskTimeoutError,
)
from ..files._files import Upload
from ..models import ParseResult
from ..options import ParseOptions
from ..store.cache import ResultCache, cache_key
from ._flow import Context, Flow, Sleep
from ._protocol import usable_result
from ._wait import parse_flow, wait_flow

__all__ = ["CacheSlot", "LedgerJournal", "resumable_parse_flow"]

logger = logging.getLogger("somark_loaders")


@dataclass(frozen=True)
class CacheSlot:
    """Where one result lives in the cache, and what to store beside it."""

    cache: ResultCache
    key: str
    file_name: str
    file_sha256: str
    options: dict[str, Any]
    on_unkept: Callable[[str], None] | None = None  # hears why a result was not kept

    @classmethod
    def of(
        cls,
        cache: ResultCache | None,
        digest: str | None,
        options: ParseOptions,
        service_id: str,
        file_name: str,
        *,
        pages: tuple[int, int] | None = None,
        on_unkept: Callable[[str], None] | None = None,
    ) -> CacheSlot | None:
        """Where the result of the file hashed ``digest`` (``pages``: one part of it), parsed
        with ``options`` by the service ``service_id``, is cached; ``None`` without a cache
        or a digest. The one place a slot is made: the clients and the batch planner agree."""
        if cache is None or digest is None:
            return None
        key = cache_key(digest, options.fingerprint(), service_id, pages)
        return cls(cache, key, file_name, digest, options.to_dict(), on_unkept)

    def cached(self) -> bool:
        """Whether a result is stored here (not checked yet: :meth:`lookup` does that)."""
        return self.cache.results.contains(self.key)

    @property
    def wants_json(self) -> bool:
        return "json" in self.options.get("output_formats", ("json",))

    def lookup(self) -> ParseResult | None:
        """The cached result, if there is one a loader can use (else it is dropped)."""
        data = self.cache.results.get(self.key)
        if data is None:
            return None
        try:
            return usable_result(ParseResult.from_data(data), wants_json=self.wants_json)
        except ResponseValidationError as err:
            logger.warning(
                "The cached result of %s cannot be used (%s); it is dropped and fetched again.",
                self.file_name,
                err.message,
            )
            self.cache.results.discard(self.key)
            return None

    def store(self, result: ParseResult) -> bool:
        """Cache ``result``; ``False`` if it could not be."""
        return self.cache.results.put(
            self.key,
            result.raw,
            file_name=self.file_name,
            file_sha256=self.file_sha256,
            options=self.options,
            task_id=result.task_id,
        )

    def settle(self, result: ParseResult) -> None:
        """``result`` is delivered: cache it and close its ledger entry, so that nothing on
        disk contradicts what this run learned. When the result cannot be kept, its task id
        is (a re-run polls the task instead of paying); when neither can be written, the
        entry goes, so that a "submitting" left by a failed task-id write never makes a
        delivered file look ambiguous. :attr:`on_unkept` hears what was not kept."""
        if self.store(result):
            self.cache.ledger.clear(self.key)  # kept: the ledger has done its work
            return
        task_id = result.task_id
        polled = bool(task_id) and self.cache.ledger.submitted(self.key, self.file_name, task_id)
        if not polled:
            self.cache.ledger.clear(self.key)
        if self.on_unkept is not None:
            why = self.cache.unwritable or self.cache.disabled or "the cache is off"
            then = "its task id is: a re-run polls it" if polled else "a re-run pays again"
            self.on_unkept(f"{why} ({then})")


@dataclass
class LedgerJournal:
    """A submit's :class:`Journal`: the task ledger (money: the task id is on disk before
    anything else happens) and ``on_task`` (the batch's report). ``unrecorded``: the task
    id whose write failed (a full disk), written again by :meth:`record_again`."""

    slot: CacheSlot | None = None
    on_task: Callable[[str], None] | None = None
    on_send: Callable[[], None] | None = None  # each time the upload is sent
    unrecorded: str | None = None

    def sending(self) -> None:
        if self.on_send is not None:
            self.on_send()
        if self.slot is not None:
            self.slot.cache.ledger.submitting(self.slot.key, self.slot.file_name)

    def not_sent(self) -> None:
        if self.slot is not None:
            self.slot.cache.ledger.clear(self.slot.key)

    def accepted(self, task_id: str) -> None:
        if self.slot is not None and not self.slot.cache.ledger.submitted(
            self.slot.key, self.slot.file_name, task_id
        ):
            self.unrecorded = task_id
        if self.on_task is not None:
            self.on_task(task_id)

    def record_again(self) -> None:
        """Try the failed task-id write once more (space may have been freed): a run that
        stops now leaves a task the next run polls, not an ambiguous upload."""
        slot, task_id = self.slot, self.unrecorded
        if (
            slot is not None
            and task_id is not None
            and slot.cache.ledger.submitted(slot.key, slot.file_name, task_id)
        ):
            self.unrecorded = None


def resumable_parse_flow(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    slot: CacheSlot | None,
    on_task: Callable[[str], None] | None = None,
    *,
    on_send: Callable[[], None] | None = None,
) -> Flow[ParseResult]:
    """Parse through the cache and the task ledger: never pay twice for the same pages.

        A cached result is returned with no request. A task recorded in the ledger (by a run
        that crashed, was killed or timed out) is polled instead of uploading again, unless
        the service no longer knows it. A new upload is recorded right before it is sent and
        with its task id the moment it is accepted, and its result is cached once checked to
        be usable. ``on_task`` hears the task id as soon as it is known (a resumed task's before
    its first check), ``on_send`` each upload as it is sent.
    """
    wants_json = "json" in options.output_formats
    if slot is None:
        journal = LedgerJournal(on_task=on_task, on_send=on_send)
        result = yield from parse_flow(ctx, upload, options, journal)
        return usable_result(result, wants_json=wants_json)
    cache, key = slot.cache, slot.key
    cached = slot.lookup()
    if cached is not None:
        logger.info("Cache hit for %s: no request.", slot.file_name)
        return cached
    waited = 0.0
    while not cache.claims.claim(key):
        # Another thread or process is parsing these very bytes: wait for its result
        # instead of paying for the pages again.
        if waited == 0:
            logger.info(
                "%s is being parsed by another worker; waiting for its result.", slot.file_name
            )
        if waited >= ctx.poll.max_wait:
            raise TaskTimeoutError(
                f"{slot.file_name} is still being parsed by another worker after "
                f"{ctx.poll.max_wait:.0f}s (max_wait); try again later."
            )
        yield Sleep(ctx.poll.interval)
        waited += ctx.poll.interval
        cached = slot.lookup()
        if cached is not None:
            return cached
    try:
        return (yield from _claimed_parse(ctx, upload, options, slot, on_task, on_send=on_send))
    finally:
        cache.claims.release(key)


def _claimed_parse(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    slot: CacheSlot,
    on_task: Callable[[str], None] | None,
    *,
    on_send: Callable[[], None] | None,
) -> Flow[ParseResult]:
    """The body of :func:`resumable_parse_flow`, run while holding the file's claim."""
    cache, key = slot.cache, slot.key
    cached = slot.lookup()  # finished by the worker we waited for
    if cached is not None:
        return cached
    entry = cache.ledger.get(key)
    result: ParseResult | None = None
    if entry is not None and entry.task_id:
        logger.info("Resuming task %s of %s from the ledger.", entry.task_id, slot.file_name)
        if on_task is not None:
            on_task(entry.task_id)
        try:
            result = yield from wait_flow(ctx, entry.task_id)
        except TaskNotFoundError:
            logger.warning(
                "Task %s is unknown to the service; %s is submitted again.",
                entry.task_id,
                slot.file_name,
            )
        except TaskFailedError as err:
            if not isinstance(err, TaskTimeoutError):
                cache.ledger.clear(key)  # a failed task is not resumed; the next run submits anew
            raise
    elif entry is not None:
        _ambiguous_earlier_upload(ctx, slot, entry.created)
    if result is None:
        result = yield from _submit_and_wait(ctx, upload, options, slot, on_task, on_send=on_send)
    result = usable_result(result, wants_json=slot.wants_json)  # never cache a poisoned one
    slot.settle(result)
    return result


def _submit_and_wait(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    slot: CacheSlot,
    on_task: Callable[[str], None] | None,
    *,
    on_send: Callable[[], None] | None,
) -> Flow[ParseResult]:
    """A new upload, recorded in the ledger, and its result within ``max_wait``."""
    journal = LedgerJournal(slot, on_task, on_send)
    try:
        return (yield from parse_flow(ctx, upload, options, journal))
    except TaskFailedError as err:
        if not isinstance(err, TaskTimeoutError):
            slot.cache.ledger.clear(slot.key)  # a failed task is not resumed
            raise
        journal.record_again()
        raise
    except BaseException:  # stopped (cancelled, interrupted): leave the task to resume
        journal.record_again()
        raise


def _ambiguous_earlier_upload(ctx: Context, slot: CacheSlot, since: float) -> None:
    """An upload of this file was sent and never answered clearly (the process was killed
    after sending it, or the answer was lost): the service may have created its task.
    Raise unless the caller accepts to pay again."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since)) if since else "earlier"
    if ctx.hints.bundled:
        return  # the local emulator bills no one: send it again
    if not ctx.resubmit_ambiguous:
        error = AmbiguousSubmitError(
            f"An upload of {slot.file_name} sent at {when} may have been accepted, but no task "
            "id came back (the run was interrupted or the answer was lost). It is not sent "
            "again, so its pages are not billed twice: look for its task in the SoMark "
            "workbench, or load again with resubmit_ambiguous=True (CLI: --resubmit-ambiguous) "
            "to upload it once more and accept that it may be billed twice."
        )
        error.hint = ""  # the message says it all; the class's hint would say it twice
        raise error
    logger.warning(
        "An upload of %s sent at %s may have been accepted without its task id being recorded; "
        "uploading it again as resubmit_ambiguous=True asks (its pages may be billed twice).",
        slot.file_name,
        when,
    )
