"""The bounds of the request in progress on this thread: its deadline, the cancel flag of
its batch, and whether it is billable (an upload, which a cancellation never cuts short).

The sync client opens a :func:`request_scope` around each request; the network backend
of :mod:`._backend` bounds every connect, read and write by it, and the body reader asks
:meth:`Scope.check` between chunks (the only bound a user's own ``httpx.Client`` gets on
an answer, see :mod:`._transport`). Thread-local: each batch thread has its own request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

__all__ = ["Scope", "bounded", "current", "request_scope"]

DEADLINE_PASSED = "The request's deadline (timeout) passed."
CANCELLED = "The load was cancelled."

_local = threading.local()


@dataclass(frozen=True)
class Scope:
    """One request's bounds (see the module doc)."""

    deadline: float  # time.monotonic() by which the request ends
    cancel: threading.Event | None
    billable: bool

    def left(self) -> float:
        """Seconds until the deadline (0 or less once it passed)."""
        return self.deadline - time.monotonic()

    @property
    def cancellable(self) -> bool:
        """Whether a cancellation cuts this request short (not an upload's)."""
        return self.cancel is not None and not self.billable

    def cancelled(self) -> bool:
        return self.cancellable and self.cancel is not None and self.cancel.is_set()

    def check(self) -> None:
        """Raise the httpx error of a passed deadline or of a cancelled (non-billable) request."""
        if self.cancelled():
            raise httpx.ReadError(CANCELLED)
        if self.left() <= 0:
            raise httpx.ReadTimeout(DEADLINE_PASSED)

    def timeouts(self, timeout: httpx.Timeout) -> dict[str, float | None]:
        """``timeout`` with each operation's bound cut to the time left, as httpx's
        per-request ``timeout`` extension (public: ``Request.extensions["timeout"]``)."""
        left = max(self.left(), 0.0)
        return {
            name: left if value is None else min(value, left)
            for name, value in timeout.as_dict().items()
        }


@contextmanager
def request_scope(
    seconds: float, cancel: threading.Event | None = None, *, billable: bool = False
) -> Iterator[Scope]:
    """Bound the request made on this thread inside the block to ``seconds`` in all."""
    outer = current()
    scope = Scope(time.monotonic() + seconds, cancel, billable)
    _local.scope = scope
    try:
        yield scope
    finally:
        _local.scope = outer


def current() -> Scope | None:
    """The scope of the request in progress on this thread, if any."""
    scope: Scope | None = getattr(_local, "scope", None)
    return scope


def bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what the current request has left; ``error`` once nothing is."""
    scope = current()
    if scope is None:
        return timeout
    left = scope.left()
    if left <= 0:
        raise error(DEADLINE_PASSED)
    return left if timeout is None else min(timeout, left)
