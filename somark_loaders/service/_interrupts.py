"""Interrupts held while a billable request (an upload) is on its way: its answer, the
task id of an accepted upload, is always read and recorded before Ctrl-C or a task
cancellation takes effect (sync: SIGINT held in the main thread; async: the request
shielded from the caller's cancellation)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["interrupts_held", "uncancellable"]

T = TypeVar("T")


class _HeldInterrupt:
    def __init__(self) -> None:
        self.interrupted = False

    def raise_if_interrupted(self) -> None:
        if self.interrupted:
            raise KeyboardInterrupt


@contextmanager
def interrupts_held() -> Iterator[_HeldInterrupt]:
    """Hold SIGINT (Ctrl-C) in the main thread for the duration; other threads are never
    interrupted by it anyway. The caller raises it afterwards with ``raise_if_interrupted``."""
    held = _HeldInterrupt()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield held  # not ours to change: someone else handles SIGINT
        return

    def hold(_signum: int, _frame: Any) -> None:
        held.interrupted = True

    signal.signal(signal.SIGINT, hold)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


async def uncancellable(
    coro: Coroutine[Any, Any, T],
) -> tuple[T, asyncio.CancelledError | None]:
    """Run ``coro`` to its end even if the caller is cancelled meanwhile; return its value
    and the cancellation to raise once the caller has recorded what it needed."""
    task = asyncio.ensure_future(coro)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            return await asyncio.shield(task), cancelled
        except asyncio.CancelledError as err:
            if task.cancelled():
                raise  # the request itself was cancelled (the loop is closing)
            cancelled = err
