"""How one file's fate is decided: what is known of it while in flight, and the report
entry (status, reason, task ids) of a file that did not load, whatever stopped it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._errors import AmbiguousSubmitError, APIError, SoMarkError, redact
from ..files._inputs import Source
from ..report import FileOutcome, LoadReport, Status
from ..service._retry import LoadHalted

__all__ = [
    "FileTrack",
    "LoadCancelledError",
    "failure",
    "log_the_end",
    "stop_reason",
    "with_file",
]

logger = logging.getLogger("somark_loaders")


class LoadCancelledError(Exception):
    """The load stopped (error under on_error='raise', or the consumer went away)."""


# what a file the stop kept from its upload says, however the stop reached it
NOT_UPLOADED = "the load stopped before this file was uploaded"


@dataclass
class FileTrack:
    """What is known of one file while it is in flight: its tasks, the moment SoMark
    accepts them (none at all: the result came from the cache, or from another worker
    that parsed the same bytes and paid for them), and when its first request left."""

    started: float = field(default_factory=time.monotonic)
    task_ids: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)  # why results could not be cached
    first_request: float | None = None
    on_first_request: Callable[[], None] | None = None  # the progress bar names the file

    def on_send(self) -> None:
        """An upload of the file is being sent."""
        if self.first_request is None:
            self.first_request = time.monotonic()
            if self.on_first_request is not None:
                self.on_first_request()

    def on_task(self, task_id: str) -> None:
        self.task_ids.append(task_id)
        self.on_send()  # a task resumed from the ledger: its first check follows at once

    def seconds(self) -> float:
        """The file's own time: from its first request to now (its end). Waiting for a
        task slot or for its turn is not counted; 0 when it made no request (cached)."""
        return 0.0 if self.first_request is None else time.monotonic() - self.first_request

    def could_not_keep(self, reason: str) -> None:
        self.not_kept.append(reason)

    @property
    def task_id(self) -> str | None:
        return "+".join(self.task_ids) or None


def failure(
    source: Source, err: BaseException, track: FileTrack, halted: APIError | None = None
) -> FileOutcome:
    """The outcome of a file that did not load, from what stopped it. ``halted``: the
    account refusal that stopped the load's uploads, if any (a file stopped before its
    upload was not sent because of it)."""
    if isinstance(err, LoadCancelledError) and halted is not None and not track.task_ids:
        err = LoadHalted(halted)
    reason: BaseException = err.reason if isinstance(err, LoadHalted) else err
    status: Status = "failed"
    message = redact(
        f"{type(err).__name__}: {err}" if not isinstance(err, SoMarkError) else str(err)
    )
    if isinstance(err, LoadHalted):
        status, message = "not_started", f"not sent: {err.reason}"
    elif isinstance(err, (LoadCancelledError, asyncio.CancelledError)):
        status = "cancelled" if track.task_ids else "not_started"
        message = (
            "the load stopped before this file finished; its task may still be running"
            if track.task_ids
            else NOT_UPLOADED
        )
    elif isinstance(err, AmbiguousSubmitError):
        status = "ambiguous"
    tid = track.task_id or (reason.task_id if isinstance(reason, SoMarkError) else None)
    return FileOutcome(
        source=source.source,
        status=status,
        task_id=tid,
        seconds=track.seconds(),
        error=message,
        error_type=type(reason).__name__,
        code=reason.code if isinstance(reason, SoMarkError) else None,
    )


def with_file(err: BaseException, source: Source, task_id: str | None) -> BaseException:
    """Put the file name (and task id) into an error raised by a batch."""
    if isinstance(err, SoMarkError):
        if source.name not in err.message:
            err.message = f"{source.source}: {err.message}"
            err.args = (err.message,)
        err.task_id = err.task_id or task_id
    elif hasattr(err, "add_note"):
        err.add_note(f"while loading {source.source}")
    return err


def stop_reason(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, (GeneratorExit, asyncio.CancelledError)):
        return "the caller stopped the load"
    return f"{type(exc).__name__}: {exc}"


def log_the_end(report: LoadReport, halted: APIError | None, *, collect: bool) -> None:
    """What a person should read when a load ends: why it stopped uploading, the summary
    (under ``on_error="collect"``), the tasks still running, the ambiguous uploads."""
    if halted is not None:
        report.stopped = report.stopped or f"uploads stopped: {halted}"
        logger.error(
            "The load stopped uploading (%s); %d files were not sent (see the load report).",
            halted,
            len(report.with_status("not_started")),
        )
    if report.failed and collect:
        logger.warning("%s (see the load report).", report.summary())
    if report.running_tasks:
        logger.warning(
            "Stopped while SoMark tasks were still running: %s. A re-run with the same "
            "cache polls them instead of paying again (or call client.wait(task_id)).",
            ", ".join(f"{f.source}={f.task_id}" for f in report.running_tasks),
        )
    if report.not_kept:
        logger.warning(
            "%d result(s) were delivered but could not be stored in the cache (%s): %s. "
            "A re-run pays for them again unless their task ids were kept.",
            len(report.not_kept),
            report.not_kept[0].not_kept,
            ", ".join(f.source for f in report.not_kept),
        )
    if report.ambiguous:
        logger.warning(
            "%d upload(s) may have been accepted without a task id coming back: %s. "
            "They are not uploaded again (no double billing) unless you load with "
            "resubmit_ambiguous=True (CLI: --resubmit-ambiguous).",
            len(report.ambiguous),
            ", ".join(f.source for f in report.ambiguous),
        )
