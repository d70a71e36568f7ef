"""A load's tasks in flight, granted in input order, and when the work off the critical
path may run.

A file's job starts before a task slot is free (``_window.py``): it checks, hashes and
plans the file while the files before it are at the service, so that the moment one of
them comes back the next upload goes, with nothing left to do on the way. The jobs
started early wait for a slot; a ticket per file (issued as the jobs start, in input
order) keeps the uploads in input order: a freed slot goes to the waiting upload with the
lowest ticket whose turn has come, and a file's turn comes once every file before it has
been granted a slot or needed none (cached, refused by its check, stopped). A freed slot
is *granted* by whoever frees it, so the uploads of a wave do not wait for one another's
threads to wake up in turn. The other parts of a split file are granted after its first.

Every thread of a load shares one interpreter lock, and a thread that converts a result
or opens a PDF keeps it for up to 5 ms at a time (``sys.getswitchinterval``): enough to
delay an upload by more than the conversion costs. The work off the critical path
(converting, checking the files ahead) first waits until no upload is *urgent*: granted a
slot, awake (not sleeping for the account's pace or a retry) and without its task id yet.
Files are checked one at a time and in input order (:meth:`InFlight.checking`): in a first
wave the files that get the free slots are checked first, each uploaded the moment it is
checked, and the files ahead wait for that wave's uploads. Every such wait lasts
:data:`QUIET_WAIT` at most, so that nothing waits on a slow upload or check for long.

A failed upload under ``on_error="raise"``, and a load that stops, stop the grants: the
files waiting for a slot are not uploaded (they end ``not_started``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from ._limits import MACHINE_SLOT_POLL, Slots
from ._outcomes import LoadCancelledError

__all__ = ["AsyncInFlight", "InFlight", "Sending"]

QUIET_WAIT = 1.0  # seconds that work off the critical path waits for the uploads at most


class _Turn:
    """The lowest ticket not yet done, of tickets that are done in any order."""

    def __init__(self) -> None:
        self.value = 0
        self._early: set[int] = set()  # done, waiting for the ones before

    def done(self, ticket: int) -> None:
        """Idempotent."""
        if ticket >= self.value:
            self._early.add(ticket)
        while self.value in self._early:
            self._early.discard(self.value)
            self.value += 1

    def open_before(self, ticket: int) -> int:
        """How many tickets before ``ticket`` are not done."""
        early = sum(1 for done in self._early if done < ticket)
        return max(0, ticket - self.value - early)


@dataclass(eq=False)
class _Waiter:
    ticket: int
    wake: Any  # a threading.Event, or an asyncio.Future
    granted: bool = False


class _Book:
    """Tickets, turns, free slots and urgent uploads: the bookkeeping of both drivers
    (the sync one holds its lock around every call)."""

    def __init__(self, tasks: int, *, stop_on_error: bool) -> None:
        self.stop_on_error = stop_on_error
        self.free = tasks
        self.urgent = 0
        self.stopped = False  # no more grants: the load stops (or, under "raise", will)
        self.waiters: list[_Waiter] = []
        self.checks: dict[int, Any] = {}  # ticket -> wake (an Event or a Future) of a check
        self._issued = 0
        self._turn = _Turn()  # every ticket before it was granted a slot or needed none
        self._checked = _Turn()  # every ticket before it was checked or needed no check

    def ticket(self) -> int:
        self._issued += 1
        return self._issued - 1

    def pass_on(self, ticket: int) -> list[_Waiter]:
        """The file of ``ticket`` needs no more turn: the next file's. Idempotent."""
        self._turn.done(ticket)
        self._checked.done(ticket)
        return self.grant()

    def quiet(self) -> bool:
        """No upload urgent."""
        return self.urgent == 0

    def checked(self, ticket: int) -> None:
        """The file of ``ticket`` is checked: the next file's check may start."""
        self._checked.done(ticket)

    def may_check(self, ticket: int) -> bool:
        """Whether the file of ``ticket`` may be checked now: once every file before it
        is, and then at once if a free slot waits for it (it is the critical path
        itself), else when no upload is urgent."""
        if self.stopped:
            return True  # nothing is uploaded any more: let it end
        if ticket > self._checked.value:
            return False
        return self.urgent == 0 or self._turn.open_before(ticket) < self.free

    def checks_due(self) -> list[Any]:
        """The wakes of the checks that may start now (taken out)."""
        return [self.checks.pop(t) for t in sorted(self.checks) if self.may_check(t)]

    def give_up(self, waiter: _Waiter) -> None:
        """``waiter`` no longer waits (its load stopped)."""
        if waiter in self.waiters:
            self.waiters.remove(waiter)

    def stop(self) -> list[_Waiter]:
        """Grant nothing more; the waiting uploads (to wake: not granted, they give up)."""
        self.stopped = True
        waiting, self.waiters = self.waiters, []
        return waiting

    def release(self, *, failed: bool) -> list[_Waiter]:
        """A slot given back; an upload that ``failed`` first stops the grants under
        ``stop_on_error``. The waiters to wake."""
        self.free += 1
        return self.stop() if failed and self.stop_on_error else self.grant()

    def grant(self) -> list[_Waiter]:
        """Give the free slots to the waiting uploads whose turn has come, lowest ticket
        first; the ones granted (to wake)."""
        granted: list[_Waiter] = []
        while self.free > 0 and not self.stopped:
            come = [w for w in self.waiters if w.ticket <= self._turn.value]
            if not come:
                break
            waiter = min(come, key=lambda w: w.ticket)
            self.waiters.remove(waiter)
            waiter.granted = True
            self.free -= 1
            self.urgent += 1
            self._turn.done(waiter.ticket)
            granted.append(waiter)
        return granted


class Sending:
    """One upload granted its slot, until its task id is known: urgent while awake."""

    def __init__(self, urgent: Callable[[int], None]) -> None:
        self._count = urgent
        self.urgent = True  # counted when granted
        self.sent = False

    def set_urgent(self, urgent: bool) -> None:
        urgent = urgent and not self.sent
        if urgent != self.urgent:
            self.urgent = urgent
            self._count(1 if urgent else -1)

    def accepted(self) -> None:
        """Its task id is known: polls from now on, nothing urgent."""
        self.set_urgent(False)
        self.sent = True

    def sleep(self, pause: Callable[[float], None], seconds: float) -> None:
        """``pause(seconds)``, not urgent meanwhile."""
        was = self.urgent
        self.set_urgent(False)
        try:
            pause(seconds)
        finally:
            self.set_urgent(was)

    async def asleep(self, pause: Callable[[float], Awaitable[None]], seconds: float) -> None:
        """The async twin of :meth:`sleep`."""
        was = self.urgent
        self.set_urgent(False)
        try:
            await pause(seconds)
        finally:
            self.set_urgent(was)


class InFlight:
    """Tasks in flight: this load's own limit, then the machine's (``machine``), granted
    in input order (see the module's docstring). With ``stop_on_error`` (a load under
    ``on_error="raise"``) an upload that fails stops the grants before its slot is free:
    the load is about to raise, and no file after it is paid for meanwhile."""

    def __init__(self, tasks: int, machine: Slots | None, *, stop_on_error: bool) -> None:
        self.machine = machine
        self._book = _Book(tasks, stop_on_error=stop_on_error)
        self._lock = threading.Lock()
        self._calm = threading.Condition(self._lock)  # no upload urgent: wait_quiet
        self._checking = threading.Lock()

    def ticket(self) -> int:
        with self._lock:
            return self._book.ticket()

    def pass_on(self, ticket: int) -> None:
        """The file of ``ticket`` holds its slot or needs none: the next file's turn.
        Idempotent: every job calls it when it ends."""
        with self._lock:
            self._wake(self._book.pass_on(ticket))

    def stop(self) -> None:
        """No more uploads: the load is stopping (the waiting ones give up)."""
        with self._lock:
            self._wake(self._book.stop())

    def wait_quiet(self, most: float = QUIET_WAIT) -> None:
        """Wait until no upload is urgent, ``most`` seconds at most (never stuck)."""
        with self._calm:
            self._calm.wait_for(self._book.quiet, most)

    @contextmanager
    def checking(self, ticket: int, most: float = QUIET_WAIT) -> Iterator[None]:
        """Check and plan the file of ``ticket``: one file at a time, in input order, and
        off the critical path when it is ahead (see :meth:`_Book.may_check`); its turn
        is waited for ``most`` seconds at most. Opening a PDF keeps the interpreter lock:
        files checked together finish together, all late, and the first upload waits for
        all of them (as in a batch's first wave); one at a time and in order, the first
        upload leaves after the first check, and the files ahead wait for the wave."""
        wake = threading.Event()
        with self._lock:
            self._book.checks[ticket] = wake
            self._wake([])
        wake.wait(most)
        with self._lock:
            self._book.checks.pop(ticket, None)
        try:
            with self._checking:
                yield
        finally:
            with self._lock:
                self._book.checked(ticket)
                self._wake([])

    def _urgent(self, change: int) -> None:
        with self._lock:
            self._book.urgent += change
            self._wake([])

    def _wake(self, granted: list[_Waiter]) -> None:  # under the lock
        for waiter in granted:
            waiter.wake.set()
        for check in self._book.checks_due():
            check.set()
        if self._book.quiet():
            self._calm.notify_all()

    @contextmanager
    def held(self, cancel: threading.Event, ticket: int) -> Iterator[Sending]:
        """A task slot for one upload of the file of ``ticket``, once granted."""
        waiter = _Waiter(ticket, threading.Event())
        with self._lock:
            if self._book.stopped:
                raise LoadCancelledError
            self._book.waiters.append(waiter)
            self._wake(self._book.grant())
        while not waiter.wake.wait(0.1):
            if cancel.is_set():
                with self._lock:
                    if not waiter.granted:
                        self._book.give_up(waiter)
                        raise LoadCancelledError
        if not waiter.granted:  # the grants stopped
            raise LoadCancelledError
        sending = Sending(self._urgent)
        failed = True
        try:
            if cancel.is_set():  # granted as the load stopped: the slot goes back
                raise LoadCancelledError
            slot = -1
            if self.machine is not None:
                sending.set_urgent(False)  # another process's slots: waiting, not sending
                while (taken := self.machine.try_acquire()) is None:
                    if cancel.wait(MACHINE_SLOT_POLL):
                        raise LoadCancelledError
                slot = taken
                sending.set_urgent(True)
            try:
                yield sending
            finally:
                if self.machine is not None:
                    self.machine.release(slot)
            failed = False
        finally:
            sending.set_urgent(False)
            with self._lock:
                self._wake(self._book.release(failed=failed))


class AsyncInFlight:
    """The async twin of :class:`InFlight` (one event loop: no lock)."""

    def __init__(self, tasks: int, machine: Slots | None, *, stop_on_error: bool) -> None:
        self.machine = machine
        self._book = _Book(tasks, stop_on_error=stop_on_error)
        self._calm = asyncio.Event()  # quiet
        self._checking = asyncio.Lock()
        self._wake([])

    def ticket(self) -> int:
        return self._book.ticket()

    def pass_on(self, ticket: int) -> None:
        """See :meth:`InFlight.pass_on`."""
        self._wake(self._book.pass_on(ticket))

    def stop(self) -> None:
        """See :meth:`InFlight.stop`."""
        self._wake(self._book.stop())

    async def wait_quiet(self, most: float = QUIET_WAIT) -> None:
        """See :meth:`InFlight.wait_quiet`."""
        if not self._calm.is_set():
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._calm.wait(), most)

    @asynccontextmanager
    async def checking(self, ticket: int, most: float = QUIET_WAIT) -> AsyncIterator[None]:
        """See :meth:`InFlight.checking`."""
        wake = asyncio.get_running_loop().create_future()
        self._book.checks[ticket] = wake
        self._wake([])
        try:
            await asyncio.wait({wake}, timeout=most)
        finally:
            self._book.checks.pop(ticket, None)
        try:
            async with self._checking:
                yield
        finally:
            self._book.checked(ticket)
            self._wake([])

    def _urgent(self, change: int) -> None:
        self._book.urgent += change
        self._wake([])

    def _wake(self, granted: list[_Waiter]) -> None:
        for wake in [w.wake for w in granted] + self._book.checks_due():
            if not wake.done():
                wake.set_result(None)
        if self._book.quiet():
            self._calm.set()
        else:
            self._calm.clear()

    @asynccontextmanager
    async def held(self, ticket: int) -> AsyncIterator[Sending]:
        """See :meth:`InFlight.held`."""
        if self._book.stopped:
            raise LoadCancelledError
        waiter = _Waiter(ticket, asyncio.get_running_loop().create_future())
        self._book.waiters.append(waiter)
        self._wake(self._book.grant())
        try:
            await waiter.wake
        except BaseException:
            if not waiter.granted:
                self._book.give_up(waiter)
            else:  # granted as it was cancelled: the slot goes to the next one
                self._book.urgent -= 1
                self._wake(self._book.release(failed=False))
            raise
        if not waiter.granted:  # the grants stopped
            raise LoadCancelledError
        sending = Sending(self._urgent)
        failed = True
        try:
            slot = -1
            if self.machine is not None:
                sending.set_urgent(False)
                # another process holds the slots: only polling its flock tells when it lets go
                while (taken := self.machine.try_acquire()) is None:  # noqa: ASYNC110
                    await asyncio.sleep(MACHINE_SLOT_POLL)
                slot = taken
                sending.set_urgent(True)
            try:
                yield sending
            finally:
                if self.machine is not None:
                    self.machine.release(slot)
            failed = False
        finally:
            sending.set_urgent(False)
            self._wake(self._book.release(failed=failed))
