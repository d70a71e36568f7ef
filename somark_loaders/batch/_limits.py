"""The account's limits held by every process of one machine, not by each on its own.

SoMark limits an account (1 submit per second and 1 task in flight by default). Several
processes on one machine loading with the same key (``SimpleDirectoryReader(num_workers=N)``,
a job run twice, a notebook beside a cron job) would each apply those limits alone, and
the account would see N times as much. Processes that share a cache directory share the
limits instead, through two kinds of file in ``<cache>/limits/``:

* ``<account>.pace``: the next free submit slot and the end of any pause, as wall-clock
  times, read and written under an exclusive ``flock``;
* ``<account>.slot<i>``: one file per task allowed in flight; a worker holds a ``flock``
  on one of them while its task runs. The kernel drops the locks of a process however it
  ends, so a killed worker frees its slot at once.

``<account>`` is a hash of the service URL and the key: the key is never written. Where
``flock`` is missing (Windows) or the directory cannot be used, the limits are the
process's own (the behaviour of earlier versions), after one warning. The folder is made
by :meth:`ResultCache.private_folder`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..service._retry import RateLimiter

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MachineLimiter",
    "MachineSlots",
    "SharedLimits",
    "Slots",
    "account_id",
]

MACHINE_SLOT_POLL = 0.1  # seconds between tries for a task slot another process holds

logger = logging.getLogger("somark_loaders")


class Slots(Protocol):
    """Tasks in flight shared beyond one load: :class:`MachineSlots`, or a cluster's."""

    def try_acquire(self) -> int | None:
        """A held slot (pass it to :meth:`release`), ``-1`` when slots are not shared,
        ``None`` when every slot is taken."""
        ...

    def release(self, slot: int) -> None: ...


class SharedLimits(Protocol):
    """Limits kept where every worker of a larger job sees them (a Ray cluster's actor,
    ``somark_loaders.ray``), used by a load instead of the machine's files."""

    def pace(self, per_second: float, *, auto: bool) -> RateLimiter: ...

    def slots(self, tasks: int) -> Slots: ...


def account_id(service_id: str, api_key: str | None) -> str:
    """A file-name-safe identity of (service, key) that does not reveal the key."""
    return hashlib.sha256(f"{service_id}|{api_key or ''}".encode()).hexdigest()[:24]


def _open(path: Path) -> int:
    return os.open(path, os.O_CREAT | os.O_RDWR, 0o600)


def _not_shared(what: str, err: OSError) -> None:
    logger.warning(
        "SoMark's account limits (%s) cannot be shared with the other processes of this "
        "machine (%s: %s); this process keeps them on its own.",
        what,
        type(err).__name__,
        err,
    )


def _read_state(raw: bytes) -> dict[str, float]:
    """The shared pace state; a damaged one starts afresh (it only holds two times)."""
    state = {"next": 0.0, "paused_until": 0.0}
    try:
        stored = json.loads(raw) if raw else {}
        for name in state:
            value = stored.get(name, 0.0)
            if isinstance(value, (int, float)) and math.isfinite(value):
                state[name] = float(value)
    except (ValueError, AttributeError):
        pass
    return state


class MachineLimiter(RateLimiter):
    """A :class:`RateLimiter` whose slots and pauses are shared by the processes that use
    the same ``folder`` and account. Times given to it are on ``clock`` (the driver's
    monotonic clock); it converts them to wall-clock time for the other processes."""

    def __init__(
        self,
        per_second: float,
        folder: Path,
        account: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        auto: bool = False,
    ) -> None:
        super().__init__(per_second, auto=auto)
        self._path = folder / f"{account}.pace"
        self._clock = clock
        self._fd: int | None = None
        self._guard = threading.Lock()
        self._local = fcntl is None

    def _wall(self, at: float) -> float:
        return time.time() + (at - self._clock())

    def _shared(self, change: Callable[[dict[str, float]], float]) -> float | None:
        """Apply ``change`` to the shared state under the lock; ``None`` when the state
        cannot be shared (the caller then uses the process's own limiter)."""
        if self._local:
            return None
        assert fcntl is not None
        with self._guard:
            try:
                if self._fd is None:
                    self._fd = _open(self._path)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
                try:
                    state = _read_state(os.pread(self._fd, 4096, 0))
                    result = change(state)
                    text = json.dumps(state).encode()
                    os.ftruncate(self._fd, 0)
                    os.pwrite(self._fd, text, 0)
                    return result
                finally:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError as err:
                self._local = True
                _not_shared("the submit pace", err)
                return None

    def reserve(self, now: float) -> float:
        at = self._wall(now)

        def book(state: dict[str, float]) -> float:
            start = max(at, state["next"], state["paused_until"])
            state["next"] = start + self.interval
            return start - at

        shared = self._shared(book)
        return super().reserve(now) if shared is None else shared

    def pause(self, until: float) -> None:
        end = self._wall(until)

        def hold(state: dict[str, float]) -> float:
            state["paused_until"] = max(state["paused_until"], end)
            return 0.0

        if self._shared(hold) is None:
            super().pause(until)

    def held(self, now: float) -> float:
        at = self._wall(now)
        shared = self._shared(lambda state: max(0.0, state["paused_until"] - at))
        return super().held(now) if shared is None else shared

    def close(self) -> None:
        with self._guard:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None


class MachineSlots:
    """``count`` tasks in flight for one account across the processes of this machine."""

    def __init__(self, folder: Path, account: str, count: int) -> None:
        self._paths = [folder / f"{account}.slot{i}" for i in range(count)]
        self._local = fcntl is None

    def try_acquire(self) -> int | None:
        """See :class:`Slots`."""
        if self._local:
            return -1
        assert fcntl is not None
        try:
            for path in self._paths:
                fd = _open(path)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held by another worker
                    os.close(fd)
                    continue
                return fd
        except OSError as err:
            self._local = True
            _not_shared("the tasks in flight", err)
            return -1
        return None

    @staticmethod
    def release(slot: int) -> None:
        if slot >= 0:
            with contextlib.suppress(OSError):
                os.close(slot)  # closing drops the flock
