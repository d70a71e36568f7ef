"""The progress bar of a load: shown where a person is watching, its numbers read from
the load's report (so they are the report's numbers), log records written above it."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import PurePath
from typing import Any

from ..report import LoadReport

__all__ = ["Progress", "watching"]

# Set by CI services (GitHub, GitLab, Buildkite, ...): nobody watches a bar there.
_CI_VARIABLES = ("CI", "BUILD_NUMBER", "RUN_ID", "TF_BUILD")


def watching() -> bool:
    """A person sees this process's output: a notebook, or a terminal that is not CI."""
    if any(os.environ.get(name) for name in _CI_VARIABLES):
        return False
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


class Progress:
    """A tqdm bar over the files of a load (``None``: shown by :func:`watching`, for loads
    of more than one file).

    Files refused before the load started count as done at once. While the bar is shown,
    log records go through ``tqdm.write`` so that a warning does not break it, and the
    file SoMark has worked on longest is named with its time so far, redrawn every
    :data:`TICK` seconds: a long file does not look like a stuck bar.
    """

    TICK = 1.0

    def __init__(self, total: int, done: int, enabled: bool | None) -> None:
        self._bar: Any = None
        self._stack = ExitStack()
        self._lock = threading.Lock()
        self._working: dict[str, float] = {}  # file -> its first request (monotonic)
        self._totals: dict[str, int] = {}
        self._stop = threading.Event()
        # by default, a bar for a load of one file says nothing the report does not
        if not (watching() and total > 1 if enabled is None else enabled):
            return
        from tqdm import tqdm  # the text bar: works in terminals and notebooks alike

        with warnings.catch_warnings():  # tqdm.auto's "IProgress not found" in notebooks
            warnings.simplefilter("ignore")
            from tqdm.contrib.logging import logging_redirect_tqdm

        self._bar = tqdm(total=total, initial=done, unit="file", desc="SoMark", dynamic_ncols=True)
        loggers = [logging.getLogger(), logging.getLogger("somark_loaders")]
        self._stack.enter_context(logging_redirect_tqdm(loggers=loggers))
        ticker = threading.Thread(target=self._tick, name="somark-progress", daemon=True)
        ticker.start()

    def working(self, name: str) -> Callable[[], None]:
        """What a file calls when its first request leaves: from then on it is being
        parsed, and the bar may name it."""

        def started() -> None:
            if self._bar is not None:
                with self._lock:
                    self._working.setdefault(name, time.monotonic())

        return started

    def status(self) -> dict[str, Any]:
        """The postfix: failures and pages so far, and the file parsed longest with its
        seconds (``now``)."""
        with self._lock:
            postfix: dict[str, Any] = dict(self._totals)
            if self._working:
                name, since = min(self._working.items(), key=lambda item: item[1])
                postfix["now"] = f"{PurePath(name).name} {time.monotonic() - since:.0f}s"
        return postfix

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK):
            bar = self._bar
            if bar is not None and self._working:
                bar.set_postfix(self.status(), refresh=True)

    def advance(self, report: LoadReport, source: str | None = None) -> None:
        """One more file settled: the totals so far, then the bar moves (and redraws)."""
        if self._bar is None:
            return
        pages = sum(f.pages or 0 for f in (*report.loaded, *report.empty))
        with self._lock:
            self._totals = {"failed": len(report.failed), "pages": pages}
            if source is not None:
                self._working.pop(source, None)
        self._bar.set_postfix(self.status(), refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._stop.set()
        if self._bar is not None:
            self._bar.close()
        self._stack.close()
