"""The task ledger: ``ledger/<k>.json``, written before a submit (``submitting``) and after
it (the task id). A re-run after a crash, a kill or a :class:`TaskTimeoutError` polls the
recorded task instead of uploading again; only a task the service no longer knows is
submitted anew."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from ._entries import LedgerEntry
from ._folder import TEMP_PREFIX, CacheFolder, or_off, or_unkept

__all__ = ["TaskLedger"]


class TaskLedger:
    """The tasks of one cache directory, recorded by cache key."""

    def __init__(self, folder: CacheFolder) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder.directory / "ledger" / f"{key}.json"

    @or_off("reading the task ledger", None)
    def get(self, key: str) -> LedgerEntry | None:
        payload = self.folder.read_json(self.path(key))
        if not payload or payload.get("corrupt"):
            return None
        created = payload.get("created")
        task_id = payload.get("task_id")
        return LedgerEntry(
            key=key,
            state=str(payload.get("state") or ""),
            task_id=str(task_id) if isinstance(task_id, (str, int)) and task_id != "" else None,
            file_name=str(payload.get("file_name") or ""),
            created=float(created) if isinstance(created, (int, float)) else 0.0,
        )

    @or_unkept("writing the task ledger")
    def submitting(self, key: str, file_name: str) -> None:
        """Record that an upload of this file is about to start."""
        self._record(key, "submitting", file_name, None)

    @or_unkept("writing the task ledger")
    def submitted(self, key: str, file_name: str, task_id: str) -> None:
        """Record the task id the service gave the upload."""
        self._record(key, "submitted", file_name, task_id)

    def _record(self, key: str, state: str, file_name: str, task_id: str | None) -> None:
        self.folder.write(
            self.path(key),
            {"state": state, "task_id": task_id, "file_name": file_name, "created": time.time()},
        )

    @or_unkept("clearing the task ledger")
    def clear(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def pending_tasks(self) -> list[LedgerEntry]:
        """Every task recorded but not finished (to resume or to look up)."""
        folder = self.folder.directory / "ledger"
        entries: list[LedgerEntry] = []
        try:
            paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
        except OSError as err:
            self.folder.give_up("listing the task ledger", err)
            return entries
        for path in paths:
            if path.name.startswith(TEMP_PREFIX):
                # a write under way, or one killed before its rename: the entry is what
                # the renamed file says (the task id is recorded once it is renamed)
                continue
            entry = self.get(path.stem)
            if entry is not None:
                entries.append(entry)
        return entries
