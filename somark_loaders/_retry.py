"""Pure retry and polling policy. Nothing here sleeps or reads a clock.

Retries use capped exponential backoff with jitter, bounded by a number of attempts (for
server and network failures) and by total time (for everything, including the rate-limit
codes 1101/1124, which only mean "wait"). ``Retry-After`` wins over the backoff when it is
given and not absurd.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._errors import APIConnectionError, APIError, APIStatusError, RateLimitError

__all__ = ["PollPolicy", "RetryPolicy"]

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
        elif isinstance(error, APIConnectionError):
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


@dataclass(frozen=True)
class PollPolicy:
    """How often to check a task and for how long.

    Args:
        interval: seconds between checks (SoMark recommends 3-5 s).
        max_wait: seconds after which ``wait`` raises :class:`TaskTimeoutError`.
    """

    interval: float = 3.0
    max_wait: float = 1800.0

    def next_sleep(self, now: float, deadline: float) -> float | None:
        """Seconds to sleep before the next check, or ``None`` when the deadline passed.

        The last sleep is shortened so that one final check happens at the deadline.
        """
        remaining = deadline - now
        if remaining <= 0:
            return None
        return min(self.interval, remaining)
