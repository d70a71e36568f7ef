"""The LlamaIndex reader's spool: where loads in worker processes leave their outcomes
for the process that made the reader (``SimpleDirectoryReader(num_workers=...)`` pickles
the reader into workers), so that its ``last_report`` lists every file."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import tempfile
import weakref
from pathlib import Path

from .report import FileOutcome

__all__ = ["ReportSpool"]

logger = logging.getLogger("somark_loaders")


class ReportSpool:
    """Where loads in other processes leave their outcomes for the process that made a
    reader (``SimpleDirectoryReader(num_workers=...)`` pickles the reader into workers).

    A private temporary folder is made when first needed, in the owner process; each
    worker appends its outcomes as JSON lines to its own file there; the owner reads them
    all. The folder goes when the owner's reader is garbage collected (never by a
    worker's copy of it).
    """

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.folder: str | None = None

    def foreign(self) -> bool:
        """This process is not the one that made the reader."""
        return os.getpid() != self.owner

    def _ensure(self) -> str:
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="somark-report-")
            weakref.finalize(self, _remove_folder, self.folder, self.owner)
        return self.folder

    def __getstate__(self) -> dict[str, object]:
        self._ensure()  # made before the copy leaves, so that the copies share it
        return {"owner": self.owner, "folder": self.folder}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.owner = int(str(state["owner"]))
        folder = state["folder"]
        self.folder = folder if isinstance(folder, str) else None

    def write(self, files: list[FileOutcome]) -> None:
        if self.folder is None or not files:
            return
        lines = "".join(json.dumps(dataclasses.asdict(f)) + "\n" for f in files)
        try:
            with (Path(self.folder) / f"{os.getpid()}.jsonl").open("a") as out:
                out.write(lines)
        except OSError as err:  # the owner is gone, or the disk is full: not worth a failure
            logger.warning("The load's outcomes could not be passed to the reader: %s", err)

    def read(self) -> list[FileOutcome]:
        folder = Path(self.folder) if self.folder is not None else None
        if folder is None or not folder.is_dir():
            return []
        names = {f.name for f in dataclasses.fields(FileOutcome)}
        outcomes: list[FileOutcome] = []
        for path in sorted(folder.iterdir()):
            try:
                for line in path.read_text().splitlines():
                    data = json.loads(line)
                    outcomes.append(FileOutcome(**{k: v for k, v in data.items() if k in names}))
            except (OSError, ValueError, TypeError):
                continue  # a line being written, or a file gone: the next read has it
        return outcomes

    def clear(self) -> None:
        if self.folder is not None:
            for path in Path(self.folder).glob("*.jsonl"):
                with contextlib.suppress(OSError):
                    path.unlink()


def _remove_folder(folder: str, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)
