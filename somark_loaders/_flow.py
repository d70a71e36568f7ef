"""The request and polling logic, written once for both clients.

A flow is a generator that yields *steps* (:class:`Send` a request, :class:`Sleep`) and
receives what happened (the answer or the transport error, and the clock). The sync and
async clients drive the same flows; they differ only in how they send and sleep. This is
httpx's ``auth_flow`` idea: decisions here, I/O in ``client.py``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from ._config import Secret
from ._errors import (
    AmbiguousSubmitError,
    APIError,
    ResponseValidationError,
    TaskFailedError,
    TaskNotFoundError,
    TaskTimeoutError,
)
from ._files import Upload
from ._protocol import (
    CHECK_PATH,
    SUBMIT_PATH,
    SYNC_PATH,
    USAGE_PATH,
    Reply,
    TransportFailure,
    failed_error,
    map_transport_error,
    read_check,
    read_envelope,
    read_submit,
    read_sync,
    read_usage,
    usable_result,
)
from ._retry import (
    LoadHalted,
    PollPolicy,
    RateLimiter,
    RetryPolicy,
    is_account_refusal,
    is_rate_limit,
)
from .cache import ResultCache
from .models import ParseResult, TaskInfo, TaskStatus, Usage
from .options import ParseOptions

__all__ = ["Flow", "Send", "Sleep", "check_flow", "parse_flow", "submit_flow", "wait_flow"]

logger = logging.getLogger("somark_loaders")

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send a POST to ``path`` (relative to the base URL) with form ``fields``.

    With an ``upload`` the body is multipart; otherwise form-urlencoded. A ``billable``
    request (an upload that creates a task) is never abandoned halfway by the driver: a
    cancellation or Ctrl-C that arrives while it is on its way waits for its answer and
    for the flow to record it, then takes effect (see the clients' ``_run``).
    """

    path: str
    fields: Mapping[str, str | list[str]]
    upload: Upload | None = None
    billable: bool = False


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Send | Sleep
# After a Send the driver sends back (Reply or httpx.TransportError, now); after a Sleep, now.
Flow = Generator[Step, Any, T]


@dataclass(frozen=True)
class Context:
    """What every flow needs besides its arguments.

    ``pace``: the submit pacing shared by the workers of a batch (``None``: unpaced).

    ``resubmit_ambiguous``: upload again a file whose earlier upload may have been
    accepted without its task id being recorded (default: no, report it as ambiguous).
    """

    api_key: Secret | None
    retry: RetryPolicy
    poll: PollPolicy
    rng: random.Random
    pace: RateLimiter | None = None
    resubmit_ambiguous: bool = False

    def fields(self, extra: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
        # The key goes only in the form body, and not at all when there is none
        # (self-hosted servers may reject an empty field).
        out: dict[str, str | list[str]] = {}
        if self.api_key is not None:
            out["api_key"] = self.api_key.reveal()
        out.update(extra)
        return out


def _call(
    ctx: Context,
    send: Send,
    *,
    task_id: str | None = None,
    submitting: bool = False,
    journal: SubmitJournal | None = None,
) -> Flow[tuple[dict[str, Any], str, float]]:
    """Send one request with retries; return ``(data, message, now)``.

    ``journal`` (submits only) hears when the upload starts and when it surely was not
    taken, so that only an upload that may have been accepted stays recorded as such.
    """
    attempt = failures = 0
    started: float | None = None
    while True:
        if journal is not None:
            journal.sending()
        outcome, now = yield send
        if started is None:
            started = now
        try:
            data, message = _answer(ctx, send, outcome, task_id=task_id, submitting=submitting)
        except AmbiguousSubmitError:
            raise  # may have been accepted: the journal keeps saying so
        except APIError as error:
            if journal is not None:
                journal.not_sent()
            if submitting and ctx.pace is not None and is_account_refusal(error):
                ctx.pace.halt(error)  # the load's other files are not sent to be refused too
            wait = _retry_wait(
                ctx, send, error, attempt=attempt, failures=failures, elapsed=now - started
            )
            if wait is None:
                raise
            if submitting and ctx.pace is not None:
                if is_rate_limit(error):
                    ctx.pace.pause(now + wait)  # the other workers hold their submits too
                wait += ctx.pace.reserve(now + wait)
            logger.info(
                "Retrying %s in %.1fs after %s (retry %d).",
                send.path,
                wait,
                type(error).__name__,
                attempt + 1,
            )
            attempt += 1
            if RetryPolicy.counts_as_failure(error):
                failures += 1
            if submitting:
                yield from _submit_slot(ctx, now, wait)
            else:
                yield Sleep(wait)
        else:
            return data, message, now


def _answer(
    ctx: Context,
    send: Send,
    outcome: Reply | TransportFailure,
    *,
    task_id: str | None,
    submitting: bool,
) -> tuple[dict[str, Any], str]:
    """``(data, message)`` of one answer, or the :class:`APIError` it means."""
    if isinstance(outcome, (httpx.TransportError, httpx.DecodingError)):
        error = map_transport_error(
            outcome,
            submitting=submitting,
            file_name=send.upload.file_name if send.upload else None,
        )
        raise error from outcome
    try:
        return read_envelope(
            outcome,
            task_id=task_id,
            checking_task=send.path == CHECK_PATH,
            api_key=ctx.api_key.reveal() if ctx.api_key else None,
        )
    except APIError as err:
        if submitting and err.status_code in (502, 504):
            raise AmbiguousSubmitError(
                f"HTTP {err.status_code} from a gateway after the upload of "
                f"{send.upload.file_name if send.upload else 'the file'!r}.",
                status_code=err.status_code,
            ) from err
        raise


def _retry_wait(
    ctx: Context, send: Send, error: APIError, *, attempt: int, failures: int, elapsed: float
) -> float | None:
    """Seconds before sending ``send`` again after ``error``; ``None``: give up."""
    if send.upload is not None and not send.upload.can_resend:
        return None  # a one-shot stream was (partly) read: it cannot be sent again
    return ctx.retry.delay(
        error,
        attempt=attempt,
        failures=failures,
        elapsed=elapsed,
        rng=ctx.rng,
        submitting=send.billable,
    )


def _submit_slot(ctx: Context, now: float, wait: float) -> Flow[None]:
    """Sleep ``wait``, then past any pause of the batch's pacing.

    A pause (another worker was told "too many") may start while this one sleeps for a
    slot it booked earlier; the submit then takes a new slot after the pause, so the
    workers do not all come back at the same instant.
    """
    if wait > 0:
        now = yield Sleep(wait)
    while ctx.pace is not None and (held := ctx.pace.held(now)) > 0:
        now = yield Sleep(held + ctx.pace.reserve(now + held))


def submit_flow(
    ctx: Context, upload: Upload, options: ParseOptions, journal: SubmitJournal | None = None
) -> Flow[str]:
    """``POST /parse/async``: upload and return the task id.

    With a ``journal``, the upload is recorded as "may have been accepted" right before it
    is sent and its task id the moment the answer is read, before anything else.
    """
    send = Send(SUBMIT_PATH, ctx.fields(options.form_fields()), upload, billable=True)
    if ctx.pace is not None:
        if ctx.pace.halted is not None:
            raise LoadHalted(ctx.pace.halted)
        now = yield Sleep(0)  # read the clock
        yield from _submit_slot(ctx, now, ctx.pace.reserve(now))
        if ctx.pace.halted is not None:  # refused while this one waited for its slot
            raise LoadHalted(ctx.pace.halted)
    data, _message, _now = yield from _call(ctx, send, submitting=True, journal=journal)
    try:
        task_id = read_submit(data)
    except ResponseValidationError as err:
        # code 0 without a task id: the service may well have created the task.
        raise AmbiguousSubmitError(
            f"The answer to the upload of {upload.file_name!r} has no task id ({err.message})."
        ) from err
    if journal is not None:
        journal.accepted(task_id)
    logger.info("Submitted %s as task %s.", upload.file_name, task_id)
    return task_id


def check_flow(ctx: Context, task_id: str) -> Flow[TaskInfo]:
    """``POST /parse/async_check`` once (with retries): the task's status."""
    info, _now = yield from _check(ctx, task_id)
    return info


def _check(ctx: Context, task_id: str) -> Flow[tuple[TaskInfo, float]]:
    send = Send(CHECK_PATH, ctx.fields({"task_id": task_id}))
    data, message, now = yield from _call(ctx, send, task_id=task_id)
    return read_check(data, task_id, message), now


def wait_flow(ctx: Context, task_id: str, *, first_sleep: bool = False) -> Flow[ParseResult]:
    """Check until SUCCESS (return the result), FAILED or the deadline (raise)."""
    deadline: float | None = None
    if first_sleep:
        # parse(): the task was just submitted, so the first check waits one interval;
        # max_wait counts from before that wait.
        now = yield Sleep(ctx.poll.interval)
        deadline = now - ctx.poll.interval + ctx.poll.max_wait
    last: TaskInfo | None = None
    while True:
        info, now = yield from _check(ctx, task_id)
        if deadline is None:
            deadline = now + ctx.poll.max_wait
        if info.status is TaskStatus.SUCCESS:
            assert info.result is not None
            return info.result
        if info.status is TaskStatus.FAILED:
            raise failed_error(info)
        if last is None or last.raw_status != info.raw_status:
            logger.info("Task %s is %s.", task_id, info.raw_status or "(no status)")
        last = info
        pause = ctx.poll.next_sleep(now, deadline)
        if pause is None:
            raise TaskTimeoutError(
                f"Task still {info.raw_status or 'unfinished'} after {ctx.poll.max_wait:.0f}s "
                f"(max_wait).",
                task_id=task_id,
            )
        yield Sleep(pause)


def parse_flow(
    ctx: Context, upload: Upload, options: ParseOptions, journal: SubmitJournal | None = None
) -> Flow[ParseResult]:
    """Submit then wait."""
    task_id = yield from submit_flow(ctx, upload, options, journal)
    return (yield from wait_flow(ctx, task_id, first_sleep=True))


@dataclass(frozen=True)
class CacheSlot:
    """Where one result lives in the cache, and what to store beside it."""

    cache: ResultCache
    key: str
    file_name: str
    file_sha256: str
    options: dict[str, Any]

    @property
    def wants_json(self) -> bool:
        return "json" in self.options.get("output_formats", ("json",))

    def lookup(self) -> ParseResult | None:
        """The cached result, if there is one a loader can use (else it is dropped)."""
        data = self.cache.get(self.key)
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
            self.cache.discard(self.key)
            return None

    def store(self, result: ParseResult) -> None:
        self.cache.put(
            self.key,
            result.raw,
            file_name=self.file_name,
            file_sha256=self.file_sha256,
            options=self.options,
            task_id=result.task_id,
        )


@dataclass(frozen=True)
class SubmitJournal:
    """What a submit tells the outside world: the task ledger (money: the task id is on
    disk before anything else happens) and ``on_task`` (the batch's report)."""

    slot: CacheSlot | None = None
    on_task: Callable[[str], None] | None = None

    def sending(self) -> None:
        if self.slot is not None:
            self.slot.cache.ledger_submitting(self.slot.key, self.slot.file_name)

    def not_sent(self) -> None:
        if self.slot is not None:
            self.slot.cache.ledger_clear(self.slot.key)

    def accepted(self, task_id: str) -> None:
        if self.slot is not None:
            self.slot.cache.ledger_submitted(self.slot.key, self.slot.file_name, task_id)
        if self.on_task is not None:
            self.on_task(task_id)


def resumable_parse_flow(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    slot: CacheSlot | None,
    on_task: Callable[[str], None] | None = None,
) -> Flow[ParseResult]:
    """Parse through the cache and the task ledger: never pay twice for the same pages.

    A cached result is returned with no request. A task recorded in the ledger (by a run
    that crashed, was killed or timed out) is polled instead of uploading again, unless
    the service no longer knows it. A new upload is recorded right before it is sent and
    with its task id the moment it is accepted, and its result is cached once checked to
    be usable. ``on_task`` hears the task id as soon as it is known.
    """
    wants_json = "json" in options.output_formats
    if slot is None:
        result = yield from parse_flow(ctx, upload, options, SubmitJournal(on_task=on_task))
        return usable_result(result, wants_json=wants_json)
    cache, key = slot.cache, slot.key
    cached = slot.lookup()
    if cached is not None:
        logger.info("Cache hit for %s: no request.", slot.file_name)
        return cached
    waited = 0.0
    while not cache.claim(key):
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
        return (yield from _claimed_parse(ctx, upload, options, slot, on_task))
    finally:
        cache.release(key)


def _claimed_parse(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    slot: CacheSlot,
    on_task: Callable[[str], None] | None,
) -> Flow[ParseResult]:
    """The body of :func:`resumable_parse_flow`, run while holding the file's claim."""
    cache, key = slot.cache, slot.key
    cached = slot.lookup()  # finished by the worker we waited for
    if cached is not None:
        return cached
    entry = cache.ledger_get(key)
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
                cache.ledger_clear(key)  # a failed task is not resumed; the next run submits anew
            raise
    elif entry is not None:
        _ambiguous_earlier_upload(ctx, slot, entry.created)
    if result is None:
        journal = SubmitJournal(slot, on_task)
        task_id = yield from submit_flow(ctx, upload, options, journal)
        try:
            result = yield from wait_flow(ctx, task_id, first_sleep=True)
        except TaskFailedError as err:
            if not isinstance(err, TaskTimeoutError):
                cache.ledger_clear(key)
            raise
    result = usable_result(result, wants_json=slot.wants_json)  # never cache a poisoned one
    slot.store(result)
    cache.ledger_clear(key)
    return result


def _ambiguous_earlier_upload(ctx: Context, slot: CacheSlot, since: float) -> None:
    """An upload of this file was sent and never answered clearly (the process was killed
    after sending it, or the answer was lost): the service may have created its task.
    Raise unless the caller accepts to pay again."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since)) if since else "earlier"
    if not ctx.resubmit_ambiguous:
        raise AmbiguousSubmitError(
            f"An upload of {slot.file_name} sent at {when} may have been accepted, but no task "
            "id came back (the run was interrupted or the answer was lost). It is not sent "
            "again, so its pages are not billed twice: look for its task in the SoMark "
            "workbench, or load again with resubmit_ambiguous=True (CLI: --resubmit-ambiguous) "
            "to upload it once more and accept that it may be billed twice."
        )
    logger.warning(
        "An upload of %s sent at %s may have been accepted without its task id being recorded; "
        "uploading it again as resubmit_ambiguous=True asks (its pages may be billed twice).",
        slot.file_name,
        when,
    )


def sync_flow(ctx: Context, upload: Upload, options: ParseOptions) -> Flow[ParseResult]:
    """``POST /parse/sync``: upload and get the result in the same answer."""
    send = Send(SYNC_PATH, ctx.fields(options.form_fields()), upload, billable=True)
    data, _message, _now = yield from _call(ctx, send, submitting=True)
    return read_sync(data)


def usage_flow(ctx: Context) -> Flow[Usage]:
    """``POST /usage``: the remaining quota."""
    data, _message, _now = yield from _call(ctx, Send(USAGE_PATH, ctx.fields({})))
    return read_usage(data)
