"""The cyclic garbage collector held off while a result is built (``ParseResult.from_data``)
and converted (``to_chunks``).

A conversion allocates many small objects that live until it ends (elements, units, the
chunks' metadata) and makes almost no reference cycles: on a long result, the collector's
full passes over every live object (the whole parsed result included) were a fifth of the
time and freed nothing. Held off for the conversion only, and put back as it was: the
first of overlapping conversions (threads) notes whether it was on, the last one out
restores that, whatever happens inside.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["collector_paused", "without_gc"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _State:
    lock = threading.Lock()
    active = 0  # conversions running
    was_enabled = False  # the collector's state when the first of them started


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection inside (reference counting still frees memory)."""
    with _State.lock:
        if _State.active == 0:
            _State.was_enabled = gc.isenabled()
            gc.disable()
        _State.active += 1
    try:
        yield
    finally:
        with _State.lock:
            _State.active -= 1
            if _State.active == 0 and _State.was_enabled:
                gc.enable()


def without_gc(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` run with the cyclic collector off (reference counting still frees)."""

    @functools.wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with collector_paused():
            return function(*args, **kwargs)

    return run
