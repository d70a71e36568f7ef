"""The progress bar of a load: shown where a person is watching, its numbers read from
the load's report (so they are the report's numbers), log records written above it."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from contextlib import ExitStack
from typing import Any

from .report import LoadReport

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
    log records go through ``tqdm.write`` so that a warning does not break it.
    """

    def __init__(self, total: int, done: int, enabled: bool | None) -> None:
        self._bar: Any = None
        self._stack = ExitStack()
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

    def advance(self, report: LoadReport) -> None:
        """One more file settled: the totals so far, then the bar moves (and redraws)."""
        if self._bar is None:
            return
        pages = sum(f.pages or 0 for f in (*report.loaded, *report.empty))
        self._bar.set_postfix(failed=len(report.failed), pages=pages, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._stack.close()
