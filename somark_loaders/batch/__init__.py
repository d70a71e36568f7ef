"""Many files through SoMark: limits, concurrency, order, progress, error policy, report.

Shared by the LangChain and LlamaIndex adapters. The sync runner uses threads and the sync
client (never an event loop, so it works inside Jupyter's); the async runner uses tasks and
the async client. Both keep at most ``max_concurrency`` files in flight at SoMark and at
most that many more converting or waiting to be yielded, so memory does not grow with the
batch; the next file is uploaded as soon as one comes back, while that one is converted
(``_window.py``).

What a load promises, whatever happens to it (see the README, "What a load guarantees"):
every file ends in the report with its fate; a file's failure, of any kind, is that file's
outcome and never takes the others' documents with it; a stop (an error under
``on_error="raise"``, Ctrl-C, a cancelled task, a consumer that stops reading) reports
the files in flight with their task ids; an account refusal (1107, 1108, 1123) stops the
uploads at once instead of paying for, or being refused, every other file.

The layers, each importing only those below it: ``_batch_settings.py`` (the checked,
frozen settings and the small shared types), ``_session.py`` (one run: its report and the
steps both drivers take), ``_threads.py`` and ``_tasks.py`` (the drivers), this module
(the entry the adapters use).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Generator, Iterable, Sequence

from .._errors import SoMarkError
from ..files._inputs import PathInput, Source, resolve_sources
from ..report import Estimate, FileEstimate, FileOutcome, LoadReport
from ..service.client import AsyncSoMarkClient, SoMarkClient
from ._batch_settings import BatchSettings, Loaded, OnError
from ._planning import FilePlanner
from ._session import BatchSession
from ._tasks import run_tasks
from ._threads import run_threads

__all__ = [
    "BatchRunner",
    "BatchSettings",
    "Estimate",
    "FileEstimate",
    "FileOutcome",
    "LoadReport",
    "Loaded",
    "OnError",
    "PathInput",
    "Source",
    "resolve_sources",
]


class BatchRunner:
    """Loads sources through SoMark and yields each file's chunks as soon as it is done.

    Holds its checked, frozen :class:`BatchSettings` (see there for each setting) and
    makes a :class:`~._session.BatchSession` per run: :meth:`run` with threads and the
    sync client (``_threads.py``), :meth:`arun` with tasks and the async client
    (``_tasks.py``). :attr:`report` is the report of the latest run, and before the
    first run the one that run fills (read it before iterating; it is complete once the
    run ends, however it ends). Other settings make another runner (with
    ``dataclasses.replace`` of these): nothing can be written to a runner.
    """

    __slots__ = ("_session", "_settings")

    def __init__(self, settings: BatchSettings | None = None) -> None:
        self._settings = settings if settings is not None else BatchSettings()
        self._session = BatchSession(self._settings)

    def __repr__(self) -> str:
        return f"BatchRunner({getattr(self, '_settings', None)!r})"

    @property
    def settings(self) -> BatchSettings:
        """What every run of this runner does (checked and frozen)."""
        return self._settings

    @property
    def report(self) -> LoadReport:
        """Every file's fate in the latest run (or the next, if none has begun)."""
        return self._session.report

    def session(self) -> BatchSession:
        """The session of a new run: the one :attr:`report` names if no run used it yet,
        else a new one (a runner used again starts a new report)."""
        if self._session.started:
            self._session = BatchSession(self._settings)
        return self._session

    def planner(self, service_id: str) -> FilePlanner:
        """What each file costs and which of its parts are cached, for ``service_id``."""
        return self.settings.planner(service_id)

    def estimate(self, sources: Sequence[Source], service_id: str) -> Estimate:
        """Pages each file would cost, found locally: nothing is uploaded."""
        return self.settings.estimate(sources, service_id)

    def run(
        self,
        client: SoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> Generator[Loaded, None, None]:
        """Yield each loaded file (threads, the sync client; ``_threads.py``); see the
        module docstring for what a load promises."""
        yield from run_threads(self.session(), client, sources, problems)

    async def arun(
        self,
        client: AsyncSoMarkClient,
        sources: list[Source],
        problems: Iterable[tuple[str, SoMarkError]] = (),
    ) -> AsyncGenerator[Loaded, None]:
        """The async twin of :meth:`run` (tasks, the async client; ``_tasks.py``)."""
        loads = run_tasks(self.session(), client, sources, problems)
        async with contextlib.aclosing(loads):
            async for loaded in loads:
                yield loaded
