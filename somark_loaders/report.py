"""What a load tells its user: every file's fate (:class:`LoadReport`) and, before it, what
it would cost (:class:`Estimate`). Plain data, no I/O."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "STATUSES",
    "Estimate",
    "FileEstimate",
    "FileOutcome",
    "LoadReport",
    "Status",
]


TABLE_WIDTH = 80
_INDENT = " " * 12  # under the file's status


def plural(count: int, word: str) -> str:
    """``1 page``, ``2 pages``, ``0 pages``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


Status = Literal["loaded", "empty", "failed", "ambiguous", "cancelled", "not_started"]
STATUSES: tuple[Status, ...] = (
    "loaded",
    "empty",
    "failed",
    "ambiguous",
    "cancelled",
    "not_started",
)


@dataclass
class FileOutcome:
    """What happened to one file.

    ``status``:

    * ``loaded``: its documents were delivered (``cached``: from the cache, nothing billed).
    * ``empty``: parsed (and billed, unless cached), but SoMark found no text in it: no
      documents; ``error`` says what to look at (a picture, a scan the service could not
      read, an empty form).
    * ``failed``: it was refused or its task failed; ``error`` says why and what to do.
    * ``ambiguous``: an upload may have been accepted (and billed) but no task id came
      back; it is not uploaded again unless ``resubmit_ambiguous=True``.
    * ``cancelled``: the load stopped while this file was in flight; ``task_id`` names
      the task(s) still running, which a re-run with the same cache picks up for free.
    * ``not_started``: never uploaded (the load stopped first; ``error`` says why).

    ``not_kept``: why a result delivered here could not be stored in the cache (a full
    disk, a read-only directory) and what a re-run does: it pays for it again, unless the
    task id could be kept (it then polls the task).

    ``images_not_kept`` (with ``include_images``): one line per figure whose picture
    could not be kept, naming it (page, block) and why (an expired URL, over
    ``max_image_bytes``...); the file is loaded without those pictures.
    """

    source: str
    status: Status
    task_id: str | None = None
    pages: int | None = None
    documents: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_type: str | None = None
    code: int | None = None
    cached: bool = False  # the result came from the cache: no request, nothing billed
    not_kept: str | None = None  # why its result could not be cached, if it could not
    images_not_kept: list[str] = field(default_factory=list)  # pictures missing, and why

    @property
    def ok(self) -> bool:
        return self.status == "loaded"


@dataclass
class LoadReport:
    """Every file's fate in one load: no file disappears silently.

    ``stopped`` says why the load ended early (an account refusal, an interrupt, the
    first error under ``on_error="raise"``), ``None`` when it went through every file.
    """

    files: list[FileOutcome] = field(default_factory=list)
    stopped: str | None = None

    def with_status(self, status: Status) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]

    @property
    def loaded(self) -> list[FileOutcome]:
        return self.with_status("loaded")

    @property
    def failed(self) -> list[FileOutcome]:
        """Every file that did not parse, whatever the reason (``empty`` files parsed)."""
        return [f for f in self.files if f.status not in ("loaded", "empty")]

    @property
    def empty(self) -> list[FileOutcome]:
        return self.with_status("empty")

    @property
    def ambiguous(self) -> list[FileOutcome]:
        return self.with_status("ambiguous")

    @property
    def pages(self) -> int:
        return sum(f.pages or 0 for f in self.loaded)

    @property
    def cached(self) -> list[FileOutcome]:
        """The loaded files whose results came from the cache (nothing billed)."""
        return [f for f in self.loaded if f.cached]

    @property
    def not_kept(self) -> list[FileOutcome]:
        """The files whose results were delivered but could not be stored in the cache."""
        return [f for f in self.files if f.not_kept]

    @property
    def images_not_kept(self) -> list[FileOutcome]:
        """The files loaded without some of their pictures (``include_images``)."""
        return [f for f in self.files if f.images_not_kept]

    @property
    def running_tasks(self) -> list[FileOutcome]:
        """Files stopped in flight whose SoMark task(s) may still be running."""
        return [f for f in self.files if f.status == "cancelled" and f.task_id]

    def summary(self) -> str:
        from_cache = f" ({len(self.cached)} from the cache)" if self.cached else ""
        counts = [
            f"{len(self.with_status(s))} {s.replace('_', ' ')}"
            for s in STATUSES[1:]
            if self.with_status(s)
        ]
        detail = f" ({', '.join(counts)})" if counts else ""
        stopped = f"; stopped: {self.stopped}" if self.stopped else ""
        if self.not_kept:
            stopped = f"; {len(self.not_kept)} not kept by the cache{stopped}"
        pictures = sum(len(f.images_not_kept) for f in self.files)
        if pictures:
            stopped = f"; {plural(pictures, 'picture')} not kept{stopped}"
        not_loaded = len(self.files) - len(self.loaded)
        documents = sum(f.documents for f in self.files)
        return (
            f"{len(self.loaded)} of {plural(len(self.files), 'file')} loaded{from_cache}, "
            f"{plural(self.pages, 'page')}, {plural(documents, 'document')}; "
            f"{not_loaded} not loaded{detail}{stopped}"
        )

    def table(self) -> str:
        """A plain-text table within 80 columns: one line per file, then what went wrong
        (and the task to look up) indented under it. ``from``: ``SoMark`` or ``cache``;
        ``secs``: the file's own time, from its first request to its end (waiting for a
        task slot or its turn is not counted; ``-``: no request)."""
        lines = [f"{'status':<11} {'from':<7} {'pages':>5} {'docs':>5} {'secs':>5}  file"]
        for f in self.files:
            origin = (
                "-" if f.status not in ("loaded", "empty") else "cache" if f.cached else "SoMark"
            )
            pages = f.pages if f.pages is not None else "-"
            secs = f"{f.seconds:5.1f}" if f.seconds > 0 and not f.cached else "-"
            lines.append(
                f"{f.status:<11} {origin:<7} {pages:>5} {f.documents:>5} {secs:>5}  {f.source}"
            )
            details = []
            if f.error:
                details.append(f"{f.error_type}: {f.error}" if f.error_type else f.error)
            if f.task_id and not f.ok:
                details.append(f"task {f.task_id}")
            if f.not_kept:
                details.append(f"not kept: {f.not_kept}")
            details.extend(f"picture not kept: {line}" for line in f.images_not_kept)
            lines.extend(
                textwrap.fill(
                    detail, TABLE_WIDTH, initial_indent=_INDENT, subsequent_indent=_INDENT
                )
                for detail in details
            )
        if any(f.seconds > 0 and not f.cached for f in self.files):
            lines.append(
                "secs: a file's own time, first request to end (waiting for a slot: not counted)"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class FileEstimate:
    """One file of an :class:`Estimate`: its pages (``None``: unknown locally), the
    uploads it takes, whether it is cached, and why it cannot be loaded (``error``)."""

    source: str
    pages: int | None
    parts: int
    cached: bool
    error: str | None = None


@dataclass
class Estimate:
    """What a load would cost, found locally (``dry_run``): nothing is uploaded."""

    files: list[FileEstimate] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(f.pages or 0 for f in self.files if f.error is None)

    @property
    def cached_pages(self) -> int:
        return sum(f.pages or 0 for f in self.files if f.cached and f.error is None)

    @property
    def pages_to_parse(self) -> int:
        return self.pages - self.cached_pages

    @property
    def unknown(self) -> list[str]:
        """Files whose page count cannot be known before parsing (.doc, .ppt, .xls...)."""
        return [f.source for f in self.files if f.pages is None and not f.cached and not f.error]

    @property
    def not_loadable(self) -> list[FileEstimate]:
        return [f for f in self.files if f.error is not None]

    def table(self) -> str:
        lines = [f"{'pages':>6} {'parts':>5} {'cached':>6}  file"]
        for f in self.files:
            if f.error is not None:
                lines.append(f"{'-':>6} {'-':>5} {'-':>6}  {f.source}  [not loadable: {f.error}]")
                continue
            pages = "?" if f.pages is None else str(f.pages)
            lines.append(f"{pages:>6} {f.parts:>5} {'yes' if f.cached else 'no':>6}  {f.source}")
        lines.append(
            f"{plural(self.pages, 'page'):>6} in "
            f"{plural(len(self.files) - len(self.not_loadable), 'file')}; "
            f"{self.cached_pages} cached, {self.pages_to_parse} to parse"
            + (f"; {plural(len(self.unknown), 'file')} of unknown length" if self.unknown else "")
            + (f"; {len(self.not_loadable)} not loadable" if self.not_loadable else "")
        )
        return "\n".join(lines)
