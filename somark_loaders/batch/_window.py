"""The files of a load under way, in input order, and when the next one may start.

A file's job checks and plans it, waits for a task slot (``_in_flight.py``: granted in
input order), has SoMark parse it, converts the result (chunks, token counts) and is then
*done*, waiting to be handed over (yielded). At most ``2 x tasks`` files are under way:
``tasks`` at the service (the account's tasks in flight) and as many more checked and
planned, ready to upload the moment a slot frees, or converting, or done and waiting for
their turn to be handed over. So with one task in flight the next file is checked while
the current one is at the service and uploaded as soon as its result is back, and that
result is converted while the next file is at the service; memory does not grow with the
batch, and a consumer that stops reading has paid for at most ``tasks`` files it did not
take.

The same bookkeeping serves the thread driver (``concurrent.futures.Future``) and the
asyncio one (``asyncio.Task``): both have ``done()``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class _Awaitable(Protocol):
    def done(self) -> bool: ...


Job = TypeVar("Job", bound=_Awaitable)
Item = TypeVar("Item")


@dataclass
class Entry(Generic[Item, Job]):
    """One file under way: its source and its job."""

    item: Item
    job: Job


class Window(Generic[Item, Job]):
    def __init__(self, tasks: int, *, ordered: bool) -> None:
        self.tasks = tasks
        self.ordered = ordered
        self.entries: deque[Entry[Item, Job]] = deque()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __iter__(self) -> Iterator[Entry[Item, Job]]:
        return iter(self.entries)

    @property
    def most(self) -> int:
        """Files under way at most (each needs a worker thread in the thread driver)."""
        return 2 * self.tasks

    def add(self, item: Item, job: Job) -> None:
        self.entries.append(Entry(item, job))

    def has_room(self) -> bool:
        """Whether another file may start."""
        return len(self.entries) < self.most

    def take(self) -> Entry[Item, Job] | None:
        """The next file to hand over, removed: the first in input order once it is done
        (``ordered``), else the first done; ``None`` while there is none."""
        for index, entry in enumerate(self.entries):
            if entry.job.done():
                del self.entries[index]
                return entry
            if self.ordered:
                return None
        return None

    def watched(self) -> list[Job]:
        """What to wait on for something to change: the jobs not ended. Never one that has
        (a wait on it would return at once: a busy loop while the first file in order is
        still running and later ones are done)."""
        return [e.job for e in self.entries if not e.job.done()]
