"""Pure retry and polling policy. Nothing here sleeps or reads a clock.

Retries use capped exponential backoff with jitter, bounded by a number of attempts (for
server and network failures) and by total time (for everything, including the rate-limit
codes 1101/1124, which only mean "wait"). ``Retry-After`` wins over the backoff when it is
given and not absurd.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from .. import _bundled
from .._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    QuotaExceededError,
    RateLimitError,
    ResponseValidationError,
)

__all__ = [
    "LoadHalted",
    "PollPolicy",
    "RateLimiter",
    "RetryPolicy",
    "SendLog",
    "is_account_refusal",
    "is_rate_limit",
    "may_have_taken",
]

# HTTP statuses after which a request is sent again. For a submit, only those that say
# the request was not processed (see `RetryPolicy.delay`).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SUBMIT_RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    Args:
        max_retries: retries after server errors (5xx, 429) and connection failures.
        max_time: seconds all retries of one request may add up to (rate limits included).
        initial: first backoff in seconds; it doubles each retry up to ``cap``.
        cap: largest backoff in seconds.
        jitter: up to this many seconds are added at random to each wait.
    """

    max_retries: int = 5
    max_time: float = 600.0
    initial: float = 1.0
    cap: float = 10.0
    jitter: float = 0.5

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number ``attempt`` (0-based), jitter included."""
        base = min(self.cap, self.initial * (2.0**attempt))
        return base + (rng.uniform(0, self.jitter) if self.jitter > 0 else 0.0)

    def delay(
        self,
        error: APIError,
        *,
        attempt: int,
        failures: int,
        elapsed: float,
        rng: random.Random,
        submitting: bool = False,
    ) -> float | None:
        """Seconds to wait before trying again, or ``None`` to give up and raise ``error``.

        Args:
            error: what the last attempt raised.
            attempt: retries done so far for this request (any kind).
            failures: retries done so far after server/connection failures.
            elapsed: seconds since the first attempt.
            submitting: the request is an upload (only "surely not processed" is retried).
        """
        if isinstance(error, RateLimitError):
            pass  # bounded by time only
        elif isinstance(error, APIStatusError):
            statuses = SUBMIT_RETRY_STATUSES if submitting else RETRY_STATUSES
            if error.status_code not in statuses or failures >= self.max_retries:
                return None
        elif isinstance(error, APIConnectionError) or (
            # a page that is not SoMark's (a captive portal, a proxy's 200 error page)
            # answering a request safe to repeat; an upload's stays as it is
            isinstance(error, ResponseValidationError) and error.not_json and not submitting
        ):
            # Ambiguous submits never get here as retryable: the flow raises them first.
            if failures >= self.max_retries:
                return None
        else:
            return None
        wait = self.backoff(attempt, rng)
        hint = error.retry_after
        if hint is not None and 0 <= hint <= MAX_RETRY_AFTER:
            wait = max(hint, 0.0)
        if elapsed + wait > self.max_time:
            return None
        return wait

    @staticmethod
    def counts_as_failure(error: APIError) -> bool:
        """Whether a retry after ``error`` uses up one of ``max_retries``."""
        return not isinstance(error, RateLimitError)


def is_rate_limit(error: APIError) -> bool:
    """1101/1124 or HTTP 429: the account, not this request, is over its limit."""
    return isinstance(error, RateLimitError) or (
        isinstance(error, APIStatusError) and error.status_code == 429
    )


def may_have_taken(error: APIError) -> bool:
    """An HTTP 5xx answer to an upload, other than 503 (unavailable: the request was not
    taken in): the service may have created the task before it failed, so the upload is
    ambiguous, never sent again silently."""
    status = error.status_code
    return (
        isinstance(error, APIStatusError)
        and status is not None
        and status >= 500
        and status not in SUBMIT_RETRY_STATUSES
    )


def is_account_refusal(error: APIError) -> bool:
    """1107 (key refused), 1108/1123 (no plan, no pages): every other upload of the same
    account would be refused the same way."""
    return isinstance(error, (AuthenticationError, QuotaExceededError))


class LoadHalted(Exception):  # noqa: N818 - a signal between the flow and the batch
    """A submit not even tried: an earlier upload of the load was refused for the account
    (``reason``), so this one would be too."""

    def __init__(self, reason: APIError) -> None:
        super().__init__(f"Not sent: {reason.message}")
        self.reason = reason


# What submits are spaced by beyond the account's rate, as a part of its interval: 20 ms
# at 1 submit a second. The pace is the account's; the margin absorbs the jitter between
# the client's clock and the service's window (10% cost a 1 request/s load 8% of its time).
PACE_MARGIN = 0.02


SEND_LOG_MOST = 64  # booked slots a SendLog keeps, at most


class SendLog:
    """The submits a pace booked last, each with the time it was sent once its worker said.

    A submit sent late (its worker woke late on a busy machine, or waited for an answer
    of the account's actor) comes that much closer to the ones booked after it, and the
    service counts it when it arrives: spaced from when they were due, eleven submits of
    a 10-a-second pace reached its one-second window (1101). The next slot is therefore
    at least ``k`` intervals after the submit booked ``k`` slots before it was sent: the
    pace is measured at send time. Given the time it is now, a submit past its slot
    whose worker has not said yet (late, or its word on the way to the account's actor)
    is taken to go now at the earliest. The log keeps one second's worth of slots and a
    few, at most :data:`SEND_LOG_MOST` (a submit later than that many slots is rare, and
    the log is walked at every booking); its owner's lock guards it. Without a pace
    (``interval`` 0: an endless rate) nothing is kept.
    """

    def __init__(self) -> None:
        self._slots: list[list[float]] = []  # [booked, sent (booked until told)], oldest first
        self._told: list[bool] = []

    def earliest(self, interval: float, now: float = float("-inf")) -> float:
        """The earliest slot after the submits booked so far (``now``: the time it is, if
        known; the times booked may be ahead of it)."""
        n = len(self._slots)
        return max(
            (
                (sent if told else max(sent, now)) + (n - i) * interval
                for i, ((_, sent), told) in enumerate(zip(self._slots, self._told, strict=True))
            ),
            default=float("-inf"),
        )

    def book(self, slot: float, interval: float) -> None:
        if interval <= 0:
            return
        self._slots.append([slot, slot])
        self._told.append(False)
        keep = min(math.ceil((1 + PACE_MARGIN) / interval) + 2, SEND_LOG_MOST)
        del self._slots[:-keep], self._told[:-keep]

    def sent(self, slot: float, at: float, interval: float) -> None:
        """The submit booked for ``slot`` was sent at ``at`` (``-inf``: it never will
        be; a slot forgotten: nothing)."""
        for i, entry in enumerate(self._slots):
            if abs(entry[0] - slot) < interval / 4:  # the clocks' conversions may differ
                entry[1] = max(entry[1], at)
                self._told[i] = True
                return


class RateLimiter:
    """Paces the submits of every worker of a load (threads or tasks alike).

    Submits are spaced ``1 / per_second`` apart, plus :data:`PACE_MARGIN` so that the
    jitter of a local network does not put two in the service's one-second window (a
    submit that still lands there is refused with 1101, not billed, and retried). When one
    worker is told the account is over its limit, :meth:`pause` holds every worker's next
    submit until its backoff ends: the others stop hammering a service that has just said
    "too many", instead of each collecting its own 1124. A submit sent late (:meth:`sent`)
    puts the slots booked after it later (:class:`SendLog`). Times are the caller's clock;
    nothing here sleeps.
    """

    def __init__(self, per_second: float, *, auto: bool = False) -> None:
        if not (isinstance(per_second, (int, float)) and per_second > 0):
            raise ConfigurationError(f"requests_per_second must be > 0, got {per_second!r}.")
        self.interval = (1 + PACE_MARGIN) / per_second
        self.auto = auto  # the rate was not chosen: the emulator may raise it
        self._next = float("-inf")
        self._paused_until = float("-inf")
        self._sends = SendLog()
        self._lock = threading.Lock()
        self.halted: APIError | None = None  # the account refusal that stopped the load

    def quicken(self, per_second: float) -> None:
        """The service is the local emulator: a rate nobody chose becomes ``per_second``."""
        if self.auto:
            with self._lock:
                self.interval = min(self.interval, (1 + PACE_MARGIN) / per_second)

    def halt(self, reason: APIError) -> None:
        """No submit at all any more: the account was refused (see :func:`is_account_refusal`)."""
        with self._lock:
            if self.halted is None:
                self.halted = reason

    def reserve(self, now: float) -> float:
        """Book the next submit slot; the seconds to wait for it (0 if it is free now)."""
        with self._lock:
            sends = self._sends.earliest(self.interval)  # ``now`` may be a time ahead
            start = max(now, self._next, self._paused_until, sends)
            self._next = start + self.interval
            self._sends.book(start, self.interval)
            return start - now

    def sent(self, slot: float, at: float) -> None:
        """The submit booked for ``slot`` was sent at ``at`` (``-inf``: it will not be):
        the next slots are spaced from then, if it was late (see :class:`SendLog`)."""
        with self._lock:
            self._sends.sent(slot, at, self.interval)

    def pause(self, until: float) -> None:
        """No submit before ``until``, slots already booked included (see :meth:`held`)."""
        with self._lock:
            self._paused_until = max(self._paused_until, until)

    def held(self, now: float) -> float:
        """Seconds a submit due ``now`` must still wait for a pause."""
        with self._lock:
            return max(0.0, self._paused_until - now)


# The embedded emulator names itself in this response header. A client that sees it uses
# fast defaults for what the user did not choose (a local server answers in milliseconds);
# the hosted service never sends it, and a loopback URL alone proves nothing (it may be a
# tunnel to the hosted service).
EMULATOR_HEADER = "X-SoMark-Emulator"
EMULATOR_POLL_SECONDS = 0.1
EMULATOR_REQUESTS_PER_SECOND = 50.0
# Retries of a connection refused by a loopback address stop after this many seconds.
LOCAL_REFUSED_SECONDS = 2.0


@dataclass
class ServiceHints:
    """What the service has said about itself, shared by a client and its loads."""

    poll_chosen: bool = False  # poll_interval given by the user (argument or environment)
    emulated: bool = False
    base_url: str = ""

    def refused_locally(self, error: APIError, waited: float) -> bool:
        """A loopback service refused the connection and retrying would take past
        :data:`LOCAL_REFUSED_SECONDS`: a local server answers at once or is not running
        (a wrong port, an emulator not started), so the retries of a remote link are
        not waited out."""
        return (
            waited > LOCAL_REFUSED_SECONDS
            and isinstance(error.__cause__, httpx.ConnectError)
            and _bundled.is_loopback(self.base_url)
        )

    @property
    def bundled(self) -> bool:
        """The service is an unscripted emulator of this process (asked each time: a test
        may script it after the client was built). Its lost answers bill no one."""
        return bool(self.base_url) and _bundled.identity(self.base_url) is not None

    def notice(self, headers: Mapping[str, str]) -> bool:
        """Read an answer's headers; True the first time the emulator names itself."""
        if self.emulated or EMULATOR_HEADER not in headers:
            return False
        self.emulated = True
        return True

    def poll_interval(self, chosen: float) -> float:
        return EMULATOR_POLL_SECONDS if self.emulated and not self.poll_chosen else chosen


# The least pause between a check's answer and the next check, as a part of the interval.
MIN_PAUSE = 0.5


@dataclass(frozen=True)
class PollPolicy:
    """How often to check a task and for how long.

    Args:
        interval: seconds between checks (SoMark recommends 3-5 s).
        max_wait: seconds after which ``wait`` raises :class:`TaskTimeoutError`.
    """

    interval: float = 3.0
    max_wait: float = 1800.0

    def next_check(
        self, due: float, now: float, deadline: float, interval: float | None = None
    ) -> float | None:
        """When the next check is due, after the one due at ``due`` was answered at
        ``now``; ``None`` when the deadline passed.

        Checks keep their cadence: an interval after the last one was due, not after its
        answer, so that slow answers (or a busy machine) do not push every later check
        back; never sooner than :data:`MIN_PAUSE` of an interval after an answer, and one
        final check at the deadline.
        """
        if now >= deadline:
            return None
        interval = self.interval if interval is None else interval
        return min(max(due + interval, now + interval * MIN_PAUSE), deadline)
