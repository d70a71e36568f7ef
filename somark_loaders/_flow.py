"""The request and polling logic, written once for both clients.

A flow is a generator that yields *steps* (:class:`Send` a request, :class:`Sleep`) and
receives what happened (the answer or the transport error, and the clock). The sync and
async clients drive the same flows; they differ only in how they send and sleep. This is
httpx's ``auth_flow`` idea: decisions here, I/O in ``client.py``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from ._config import Secret
from ._errors import (
    AmbiguousSubmitError,
    APIError,
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
    failed_error,
    is_safe_to_resend,
    map_transport_error,
    read_check,
    read_envelope,
    read_submit,
    read_sync,
    read_usage,
)
from ._retry import PollPolicy, RateLimiter, RetryPolicy, is_rate_limit
from .cache import ResultCache
from .models import ParseResult, TaskInfo, TaskStatus, Usage
from .options import ParseOptions

__all__ = ["Flow", "Send", "Sleep", "check_flow", "parse_flow", "submit_flow", "wait_flow"]

logger = logging.getLogger("somark_loaders")

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send a POST to ``path`` (relative to the base URL) with form ``fields``.

    With an ``upload`` the body is multipart; otherwise form-urlencoded.
    """

    path: str
    fields: Mapping[str, str | list[str]]
    upload: Upload | None = None


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
    """

    api_key: Secret | None
    retry: RetryPolicy
    poll: PollPolicy
    rng: random.Random
    pace: RateLimiter | None = None

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
) -> Flow[tuple[dict[str, Any], str, float]]:
    """Send one request with retries; return ``(data, message, now)``."""
    attempt = failures = 0
    started: float | None = None
    while True:
        outcome, now = yield send
        if started is None:
            started = now
        error: APIError
        if isinstance(outcome, httpx.TransportError):
            error = map_transport_error(
                outcome,
                submitting=submitting,
                file_name=send.upload.file_name if send.upload else None,
            )
            error.__cause__ = outcome
            if isinstance(error, AmbiguousSubmitError):
                raise error
            if (
                send.upload is not None
                and not send.upload.can_resend
                and not is_safe_to_resend(outcome)
            ):
                raise error
        else:
            try:
                data, message = read_envelope(
                    outcome,
                    task_id=task_id,
                    checking_task=send.path == CHECK_PATH,
                    api_key=ctx.api_key.reveal() if ctx.api_key else None,
                )
            except APIError as err:
                error = err
                if submitting and err.status_code in (502, 504):
                    raise AmbiguousSubmitError(
                        f"HTTP {err.status_code} from a gateway after the upload of "
                        f"{send.upload.file_name if send.upload else 'the file'!r}.",
                        status_code=err.status_code,
                    ) from err
            else:
                return data, message, now
        wait = ctx.retry.delay(
            error,
            attempt=attempt,
            failures=failures,
            elapsed=now - started,
            rng=ctx.rng,
            submitting=submitting,
        )
        if wait is None:
            raise error
        if send.upload is not None and not send.upload.can_resend:
            raise error
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


def submit_flow(ctx: Context, upload: Upload, options: ParseOptions) -> Flow[str]:
    """``POST /parse/async``: upload and return the task id."""
    send = Send(SUBMIT_PATH, ctx.fields(options.form_fields()), upload)
    if ctx.pace is not None:
        now = yield Sleep(0)  # read the clock
        yield from _submit_slot(ctx, now, ctx.pace.reserve(now))
    data, _message, _now = yield from _call(ctx, send, submitting=True)
    task_id = read_submit(data)
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


def parse_flow(ctx: Context, upload: Upload, options: ParseOptions) -> Flow[ParseResult]:
    """Submit then wait."""
    task_id = yield from submit_flow(ctx, upload, options)
    return (yield from wait_flow(ctx, task_id, first_sleep=True))


@dataclass(frozen=True)
class CacheSlot:
    """Where one result lives in the cache, and what to store beside it."""

    cache: ResultCache
    key: str
    file_name: str
    file_sha256: str
    options: dict[str, Any]


def resumable_parse_flow(
    ctx: Context, upload: Upload, options: ParseOptions, slot: CacheSlot | None
) -> Flow[ParseResult]:
    """Parse through the cache and the task ledger: never pay twice for the same pages.

    A cached result is returned with no request. A task recorded in the ledger (by a run
    that crashed, was killed or timed out) is polled instead of uploading again, unless
    the service no longer knows it. A new upload is recorded before it starts and with its
    task id after, and its result is cached.
    """
    if slot is None:
        return (yield from parse_flow(ctx, upload, options))
    cache, key = slot.cache, slot.key
    cached = cache.get(key)
    if cached is not None:
        logger.info("Cache hit for %s: no request.", slot.file_name)
        return ParseResult.from_data(cached)
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
        cached = cache.get(key)
        if cached is not None:
            return ParseResult.from_data(cached)
    try:
        return (yield from _claimed_parse(ctx, upload, options, slot))
    finally:
        cache.release(key)


def _claimed_parse(
    ctx: Context, upload: Upload, options: ParseOptions, slot: CacheSlot
) -> Flow[ParseResult]:
    """The body of :func:`resumable_parse_flow`, run while holding the file's claim."""
    cache, key = slot.cache, slot.key
    cached = cache.get(key)  # finished by the worker we waited for
    if cached is not None:
        return ParseResult.from_data(cached)
    entry = cache.ledger_get(key)
    result: ParseResult | None = None
    if entry is not None and entry.task_id:
        logger.info("Resuming task %s of %s from the ledger.", entry.task_id, slot.file_name)
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
        logger.warning(
            "An earlier upload of %s may have been accepted without its task id being recorded "
            "(it was interrupted); submitting again.",
            slot.file_name,
        )
    if result is None:
        cache.ledger_submitting(key, slot.file_name)
        task_id = yield from submit_flow(ctx, upload, options)
        cache.ledger_submitted(key, slot.file_name, task_id)
        try:
            result = yield from wait_flow(ctx, task_id, first_sleep=True)
        except TaskFailedError as err:
            if not isinstance(err, TaskTimeoutError):
                cache.ledger_clear(key)
            raise
    cache.put(
        key,
        result.raw,
        file_name=slot.file_name,
        file_sha256=slot.file_sha256,
        options=slot.options,
        task_id=result.task_id,
    )
    cache.ledger_clear(key)
    return result


def sync_flow(ctx: Context, upload: Upload, options: ParseOptions) -> Flow[ParseResult]:
    """``POST /parse/sync``: upload and get the result in the same answer."""
    send = Send(SYNC_PATH, ctx.fields(options.form_fields()), upload)
    data, _message, _now = yield from _call(ctx, send, submitting=True)
    return read_sync(data)


def usage_flow(ctx: Context) -> Flow[Usage]:
    """``POST /usage``: the remaining quota."""
    data, _message, _now = yield from _call(ctx, Send(USAGE_PATH, ctx.fields({})))
    return read_usage(data)
