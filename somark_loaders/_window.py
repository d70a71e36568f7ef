"""The files of a load under way, in input order, and when the next one may start.

A file is *fetching* from its upload until its results are back (SoMark parses it), then
*converting* (chunks, token counts), then *done*, waiting to be yielded. The next file
starts as soon as one stops fetching, not when it is converted and yielded: with one task
in flight, the next upload is on its way while the previous result is converted. At
most ``tasks`` files are fetching (the account's tasks in flight) and at most ``tasks``
more are converting or waiting their turn, so memory does not grow with the batch.
Starting only when a fetch slot is free also keeps the uploads in input order.

The same bookkeeping serves the thread driver (``concurrent.futures.Future``) and the
asyncio one (``asyncio.Future``): both have ``done()``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class _Awaitable(Protocol):
    def done(self) -> bool: ...


Job = TypeVar("Job", bound=_Awaitable)
Signal = TypeVar("Signal", bound=_Awaitable)
Item = TypeVar("Item")


@dataclass
class Entry(Generic[Item, Job, Signal]):
    """One file under way: its source, its job, and the signal that its fetch ended."""

    item: Item
    job: Job
    fetched: Signal


class Window(Generic[Item, Job, Signal]):
    def __init__(self, tasks: int, *, ordered: bool) -> None:
        self.tasks = tasks
        self.ordered = ordered
        self.entries: deque[Entry[Item, Job, Signal]] = deque()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __iter__(self) -> Iterator[Entry[Item, Job, Signal]]:
        return iter(self.entries)

    def add(self, item: Item, job: Job, fetched: Signal) -> None:
        self.entries.append(Entry(item, job, fetched))

    def has_room(self) -> bool:
        """Whether another file may start: a fetch slot free, and not too many waiting."""
        fetching = sum(1 for e in self.entries if not e.fetched.done() and not e.job.done())
        return fetching < self.tasks and len(self.entries) < 2 * self.tasks

    def take(self) -> Entry[Item, Job, Signal] | None:
        """The next file to hand over, removed: the first in input order once it is done
        (``ordered``), else the first done; ``None`` while there is none."""
        for index, entry in enumerate(self.entries):
            if entry.job.done():
                del self.entries[index]
                return entry
            if self.ordered:
                return None
        return None

    def watched(self) -> list[Job | Signal]:
        """What to wait on for something to change: the jobs and fetches not ended. Never
        one that has (a wait on it would return at once: a busy loop while the first file
        in order is still running and later ones are done)."""
        running = [e for e in self.entries if not e.job.done()]
        jobs: list[Job | Signal] = [e.job for e in running]
        return jobs + [e.fetched for e in running if not e.fetched.done()]
