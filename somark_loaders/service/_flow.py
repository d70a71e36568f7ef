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
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import httpx

from .._errors import (
    AmbiguousSubmitError,
    APIError,
    ResponseValidationError,
)
from ..files._files import Upload
from ..models import ParseResult, Usage
from ..options import ParseOptions
from ._config import Secret
from ._pace import PaceModel
from ._protocol import (
    CHECK_PATH,
    SUBMIT_PATH,
    SYNC_PATH,
    USAGE_PATH,
    Reply,
    TransportFailure,
    map_transport_error,
    read_envelope,
    read_submit,
    read_sync,
    read_usage,
)
from ._retry import (
    EMULATOR_REQUESTS_PER_SECOND,
    LoadHalted,
    PollPolicy,
    RateLimiter,
    RetryPolicy,
    ServiceHints,
    is_account_refusal,
    is_rate_limit,
    may_have_taken,
)

__all__ = [
    "Context",
    "Flow",
    "Journal",
    "Send",
    "Sleep",
    "submit_flow",
    "sync_flow",
    "usage_flow",
]

logger = logging.getLogger("somark_loaders")

# The first waits of a task's checks with the default interval, in seconds: checks at
# 1 s, 3 s, then every interval (3 s: 6 s, 9 s...).
POLL_RAMP = (1.0, 2.0)

# The least time an attempt is given near the end of ``max_wait`` (a last check at the
# deadline still gets its answer).
MIN_REQUEST_SECONDS = 2.0

T = TypeVar("T")


# A form field's value: the key stays a Secret until the driver builds the request.
FieldValue = str | list[str] | Secret


@dataclass(frozen=True)
class Send:
    """Send a POST to ``path`` (relative to the base URL) with form ``fields``.

    With an ``upload`` the body is multipart; otherwise form-urlencoded. A ``billable``
    request (an upload that creates a task) is never abandoned halfway by the driver: a
    cancellation or Ctrl-C that arrives while it is on its way waits for its answer and
    for the flow to record it, then takes effect (see the clients' ``_run``).
    """

    path: str
    fields: Mapping[str, FieldValue]
    upload: Upload | None = None
    billable: bool = False
    timeout: float | None = None  # seconds left for this request (max_wait), if bounded


@dataclass(frozen=True)
class Sleep:
    seconds: float


class Journal(Protocol):
    """What a submit tells the outside world as it goes (see ``_resumable.LedgerJournal``)."""

    def sending(self) -> None:
        """The upload is about to be sent: from now on it may be accepted."""

    def not_sent(self) -> None:
        """It surely was not accepted (refused, or never reached the service)."""

    def accepted(self, task_id: str) -> None:
        """The service accepted it as ``task_id``."""


Step = Send | Sleep
# After a Send the driver sends back (Reply or httpx.TransportError, now); after a Sleep, now.
Flow = Generator[Step, Any, T]


@dataclass(frozen=True)
class Context:
    """What every flow needs besides its arguments.

    ``pace``: the submit pacing shared by the workers of a batch (``None``: unpaced).

    ``resubmit_ambiguous``: upload again a file whose earlier upload may have been
    accepted without its task id being recorded (default: no, report it as ambiguous).

    ``pace_model``: the service's time per page learned from the finished tasks, shared
    by every flow of the client (:mod:`._pace`).
    """

    api_key: Secret | None
    retry: RetryPolicy
    poll: PollPolicy
    rng: random.Random
    pace: RateLimiter | None = None
    resubmit_ambiguous: bool = False
    hints: ServiceHints = field(default_factory=ServiceHints)
    pace_model: PaceModel = field(default_factory=PaceModel)

    @property
    def poll_interval(self) -> float:
        """Seconds between checks: as chosen, or fast when the service is the emulator."""
        return self.hints.poll_interval(self.poll.interval)

    def poll_sleep(self, waits: int) -> float:
        """The wait before the next check, after ``waits`` waits of this task. With the
        default interval the first waits are shorter (:data:`POLL_RAMP`): a task the
        service finishes in a second is not charged a whole interval, and over a long
        task the average stays at the interval. A chosen interval is kept as it is."""
        interval = self.poll_interval
        if self.hints.poll_chosen or self.hints.emulated or waits >= len(POLL_RAMP):
            return interval
        return min(interval, POLL_RAMP[waits])

    def heard(self, outcome: object) -> None:
        """Note what an answer says about the service (see :class:`ServiceHints`)."""
        if isinstance(outcome, Reply) and self.hints.notice(outcome.headers):
            logger.info("The service is the local emulator: fast polling and pacing.")
            if self.pace is not None:
                self.pace.quicken(EMULATOR_REQUESTS_PER_SECOND)

    def fields(self, extra: Mapping[str, str | list[str]]) -> dict[str, FieldValue]:
        # The key goes only in the form body, and not at all when there is none
        # (self-hosted servers may reject an empty field). It stays wrapped until the
        # driver builds the request.
        out: dict[str, FieldValue] = {}
        if self.api_key is not None:
            out["api_key"] = self.api_key
        out.update(extra)
        return out


def _call(
    ctx: Context,
    send: Send,
    *,
    task_id: str | None = None,
    submitting: bool = False,
    journal: Journal | None = None,
    deadline: float | None = None,
    slot: float | None = None,
) -> Flow[tuple[dict[str, Any], str, float]]:
    """Send one request with retries; return ``(data, message, now)``.

    ``journal`` (submits only) hears when the upload starts and when it surely was not
    taken, so that only an upload that may have been accepted stays recorded as such.
    ``deadline`` (on the flow's clock) bounds the whole: each attempt gets the time left
    (at least :data:`MIN_REQUEST_SECONDS`), and no retry starts past it. ``slot``: the
    pacing's slot of the first attempt (see :func:`_submit_slot`), said sent as it goes.
    """
    attempt = failures = 0
    started: float | None = None
    now = (yield Sleep(0)) if deadline is not None else None
    while True:
        this = send
        if deadline is not None and now is not None:
            this = replace(send, timeout=max(deadline - now, MIN_REQUEST_SECONDS))
        if journal is not None:
            journal.sending()  # writes the ledger: the pace hears of the send after that
        if slot is not None and ctx.pace is not None:
            now = yield Sleep(0)  # when it goes
            ctx.pace.sent(slot, now)
            slot = None
        outcome, now = yield this
        ctx.heard(outcome)
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
            if wait is not None and deadline is not None and now + wait >= deadline:
                wait = None  # max_wait: no time left to try again
            if wait is None:
                if submitting and ctx.pace is not None and is_rate_limit(error):
                    # the account stayed over its limit for the whole retry window: every
                    # other file would wait as long, one after another. Stop the uploads.
                    ctx.pace.halt(error)
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
                now, slot = yield from _submit_slot(ctx, now, wait)
            else:
                now = yield Sleep(wait)
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
            submitting=submitting and not ctx.hints.bundled,
            file_name=send.upload.file_name if send.upload else None,
        )
        raise error from outcome
    if not outcome.complete:
        what = (
            f"The answer to the upload of {send.upload.file_name!r}"
            if submitting and send.upload
            else "SoMark's answer"
        )
        message = (
            f"{what} is over max_response_bytes (SOMARK_MAX_RESPONSE_BYTES) once "
            "decompressed and was not read; raise the limit if the result is legitimately "
            "that large."
        )
        if submitting:
            raise AmbiguousSubmitError(message)
        raise ResponseValidationError(message)
    try:
        return read_envelope(
            outcome,
            task_id=task_id,
            checking_task=send.path == CHECK_PATH,
        )
    except APIError as err:
        if submitting and may_have_taken(err):
            raise AmbiguousSubmitError(
                f"HTTP {err.status_code} after the upload of "
                f"{send.upload.file_name if send.upload else 'the file'!r}: the service may "
                "have created its task before failing.",
                status_code=err.status_code,
            ) from err
        raise


def _retry_wait(
    ctx: Context, send: Send, error: APIError, *, attempt: int, failures: int, elapsed: float
) -> float | None:
    """Seconds before sending ``send`` again after ``error``; ``None``: give up."""
    if send.upload is not None and not send.upload.can_resend:
        return None  # a one-shot stream was (partly) read: it cannot be sent again
    wait = ctx.retry.delay(
        error,
        attempt=attempt,
        failures=failures,
        elapsed=elapsed,
        rng=ctx.rng,
        submitting=send.billable,
    )
    if wait is not None and ctx.hints.refused_locally(error, elapsed + wait):
        return None  # nothing listens on that local port: say so now, not in 27 s
    return wait


def _submit_slot(ctx: Context, now: float, wait: float) -> Flow[tuple[float, float | None]]:
    """Sleep until the slot booked ``wait`` seconds after ``now``, then past any pause of
    the batch's pacing; ``(now, slot)``: the clock and the slot the submit goes in (to be
    said sent, with the time, as it goes: ``None`` without pacing).

    The slot is a time, not a wait: booking it took time of its own (a round trip to the
    account's Ray actor, a lock another process held), and a sleep of ``wait`` from the
    answer sent the submit that much past its slot, while the next worker's went on time:
    two submits closer than the pace, in the service's window. A submit late all the
    same (a busy machine) says so, and the slots booked after it keep their distance.

    A pause (another worker was told "too many") may start while this one sleeps for a
    slot it booked earlier; the submit then takes a new slot after the pause, so the
    workers do not all come back at the same instant. A slot free at once needs no such
    look: its booking saw any pause (and asking again would only send it later).
    """
    if ctx.pace is None:
        if wait > 0:
            now = yield Sleep(wait)
        return now, None
    slot = now + wait
    try:
        while wait > 0:
            now = yield Sleep(0)  # read the clock: the booking's own time is past
            if slot > now:
                now = yield Sleep(slot - now)
            if (held := ctx.pace.held(now)) <= 0:
                break
            ctx.pace.sent(slot, float("-inf"))  # given up for one after the pause
            wait = held + ctx.pace.reserve(now + held)
            slot = now + wait
    except GeneratorExit:  # the load stopped: the slot will not be used
        ctx.pace.sent(slot, float("-inf"))
        raise
    return now, slot


def submit_flow(
    ctx: Context,
    upload: Upload,
    options: ParseOptions,
    journal: Journal | None = None,
    deadline: float | None = None,
) -> Flow[str]:
    """``POST /parse/async``: upload and return the task id.

    With a ``journal``, the upload is recorded as "may have been accepted" right before it
    is sent and its task id the moment the answer is read, before anything else.
    """
    send = Send(SUBMIT_PATH, ctx.fields(options.form_fields()), upload, billable=True)
    slot: float | None = None
    if ctx.pace is not None:
        if ctx.pace.halted is not None:
            raise LoadHalted(ctx.pace.halted)
        now = yield Sleep(0)  # read the clock
        _now, slot = yield from _submit_slot(ctx, now, ctx.pace.reserve(now))
        if ctx.pace.halted is not None:  # refused while this one waited for its slot
            if slot is not None:
                ctx.pace.sent(slot, float("-inf"))
            raise LoadHalted(ctx.pace.halted)
    data, _message, _now = yield from _call(
        ctx, send, submitting=True, journal=journal, deadline=deadline, slot=slot
    )
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


def sync_flow(ctx: Context, upload: Upload, options: ParseOptions) -> Flow[ParseResult]:
    """``POST /parse/sync``: upload and get the result in the same answer."""
    send = Send(SYNC_PATH, ctx.fields(options.form_fields()), upload, billable=True)
    data, _message, _now = yield from _call(ctx, send, submitting=True)
    return read_sync(data)


def usage_flow(ctx: Context) -> Flow[Usage]:
    """``POST /usage``: the remaining quota."""
    data, _message, _now = yield from _call(ctx, Send(USAGE_PATH, ctx.fields({})))
    return read_usage(data)
