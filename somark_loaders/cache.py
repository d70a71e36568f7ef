"""Never pay twice: a content-addressed result cache and a task ledger.

Both live in one directory (default: the user's cache directory, ``somark-loaders``
inside it; ``SOMARK_CACHE_DIR`` moves it, ``SOMARK_CACHE_DIR=off`` turns it off):

* ``results/<k[:2]>/<k>.json``: the service's answer (the ``data`` object of a SUCCESS
  check) for a file, under a key ``k`` made of the file's sha256, the normalized
  ``ParseOptions``, the page range (for parts of a split PDF) and the service URL. A hit
  makes no request at all.
* ``ledger/<k>.json``: written before a submit (``submitting``) and after it (the task id).
  A re-run after a crash, a kill or a :class:`TaskTimeoutError` polls the recorded task
  instead of uploading again; only a task the service no longer knows is submitted anew.

Writes are atomic (temporary file + ``os.replace``), so several processes can share the
directory; files are readable by the user only (0600 in a 0700 directory). Every entry
carries a checksum: a corrupt one is reported, deleted and fetched again, never returned.
What is stored: the service's JSON result (text, tables, coordinates, image URLs), the
file's name and hash, the options and the task id; never the file itself, never the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import ConfigurationError

__all__ = ["CacheSetting", "ResultCache", "cache_key", "default_cache_dir", "resolve_cache"]

logger = logging.getLogger("somark_loaders")

FORMAT_VERSION = 1
_OFF = {"", "0", "off", "false", "no", "none"}


def default_cache_dir() -> Path:
    """The per-user cache directory of the platform, ``somark-loaders`` inside it."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "somark-loaders" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "somark-loaders"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "somark-loaders"


def cache_key(
    file_sha256: str, options_fingerprint: str, base_url: str, pages: tuple[int, int] | None = None
) -> str:
    """The key of one result: same file, same options, same service (and same page range)."""
    span = f"{pages[0]}-{pages[1]}" if pages else "all"
    blob = f"v{FORMAT_VERSION}|{file_sha256}|{options_fingerprint}|{base_url.rstrip('/')}|{span}"
    return hashlib.sha256(blob.encode()).hexdigest()


def _checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    state: str  # "submitting" or "submitted"
    task_id: str | None
    file_name: str
    created: float


class ResultCache:
    """The result cache and task ledger in ``directory`` (created 0700 on first write)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ResultCache({str(self.directory)!r})"

    # --- files --------------------------------------------------------------------------
    def _path(self, kind: str, key: str) -> Path:
        if kind == "results":
            return self.directory / "results" / key[:2] / f"{key}.json"
        return self.directory / "ledger" / f"{key}.json"

    def _write(self, path: Path, payload: dict[str, Any]) -> None:
        self._ensure_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).chmod(0o600)
            Path(tmp).replace(path)  # atomic: readers see the old file or the new one
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def _ensure_dir(self, folder: Path) -> None:
        """Create ``folder``; every level of it we own is private (0700)."""
        if folder.is_dir():
            return
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            with contextlib.suppress(OSError):
                folder.chmod(0o700)
            if folder == self.directory or self.directory not in folder.parents:
                break
            folder = folder.parent

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            return {"corrupt": True}
        return payload if isinstance(payload, dict) else {"corrupt": True}

    # --- results ------------------------------------------------------------------------
    def get(self, key: str) -> dict[str, Any] | None:
        """The cached ``data`` for ``key``, or ``None`` (a corrupt entry is deleted)."""
        path = self._path("results", key)
        payload = self._read(path)
        if payload is None:
            self.misses += 1
            return None
        data = payload.get("data")
        if (
            payload.get("corrupt")
            or payload.get("version") != FORMAT_VERSION
            or payload.get("checksum") != _checksum(data)
        ):
            logger.warning(
                "Cache entry %s is corrupt or outdated; it is deleted and fetched again.", path
            )
            with contextlib.suppress(OSError):
                path.unlink()
            self.misses += 1
            return None
        self.hits += 1
        return data

    def contains(self, key: str) -> bool:
        """Whether an entry exists (not checked for corruption: :meth:`get` does that)."""
        return self._path("results", key).is_file()

    def put(
        self,
        key: str,
        data: dict[str, Any],
        *,
        file_name: str,
        file_sha256: str,
        options: dict[str, Any],
        task_id: str,
    ) -> None:
        """Store a SUCCESS ``data`` object under ``key``."""
        payload = {
            "version": FORMAT_VERSION,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "options": options,
            "task_id": task_id,
            "created": time.time(),
            "checksum": _checksum(data),
            "data": data,
        }
        self._write(self._path("results", key), payload)

    # --- ledger -------------------------------------------------------------------------
    def ledger_get(self, key: str) -> LedgerEntry | None:
        payload = self._read(self._path("ledger", key))
        if not payload or payload.get("corrupt"):
            return None
        return LedgerEntry(
            key=key,
            state=str(payload.get("state") or ""),
            task_id=payload.get("task_id") or None,
            file_name=str(payload.get("file_name") or ""),
            created=float(payload.get("created") or 0),
        )

    def ledger_submitting(self, key: str, file_name: str) -> None:
        """Record that an upload of this file is about to start."""
        self._write(
            self._path("ledger", key),
            {
                "state": "submitting",
                "task_id": None,
                "file_name": file_name,
                "created": time.time(),
            },
        )

    def ledger_submitted(self, key: str, file_name: str, task_id: str) -> None:
        """Record the task id the service gave the upload."""
        self._write(
            self._path("ledger", key),
            {
                "state": "submitted",
                "task_id": task_id,
                "file_name": file_name,
                "created": time.time(),
            },
        )

    # --- claims: one parse of a file at a time, across threads and processes -------------
    def claim(self, key: str) -> bool:
        """Take the right to parse ``key``; ``False`` while another live holder has it.

        A claim is a lock file made with ``O_EXCL``; one left by a process that died (or,
        on another host, older than a day) is taken over.
        """
        path = self._path("ledger", key).with_suffix(".lock")
        self._ensure_dir(path.parent)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                if not self._stale(path):
                    return False
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()} {socket.gethostname()} {time.time():.0f}")
            return True
        return False

    def release(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path("ledger", key).with_suffix(".lock").unlink()

    @staticmethod
    def _stale(path: Path) -> bool:
        try:
            pid_text, host, created = path.read_text().split()
            pid, age = int(pid_text), time.time() - float(created)
        except (OSError, ValueError):
            return True  # unreadable: half-written by a process that died
        if host != socket.gethostname() or sys.platform == "win32":
            return age > 86400
        try:
            os.kill(pid, 0)  # signal 0: does the process exist?
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def ledger_clear(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path("ledger", key).unlink()

    def pending_tasks(self) -> list[LedgerEntry]:
        """Every task recorded but not finished (to resume or to look up)."""
        folder = self.directory / "ledger"
        entries = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            entry = self.ledger_get(path.stem)
            if entry is not None:
                entries.append(entry)
        return entries


CacheSetting = bool | str | os.PathLike[str] | ResultCache | None


def resolve_cache(setting: CacheSetting = True) -> ResultCache | None:
    """The cache a caller asked for.

    ``True`` (default): ``SOMARK_CACHE_DIR`` or the user's cache directory
    (``SOMARK_CACHE_DIR=off`` turns it off); ``False``/``None``: no cache; a path: that
    directory; a :class:`ResultCache`: itself.
    """
    if isinstance(setting, ResultCache):
        return setting
    if setting is None or setting is False:
        return None
    if setting is True:
        env = os.environ.get("SOMARK_CACHE_DIR")
        if env is not None:
            return None if env.strip().lower() in _OFF else ResultCache(env.strip())
        return ResultCache(default_cache_dir())
    if isinstance(setting, (str, os.PathLike)):
        return None if str(setting).strip().lower() in _OFF else ResultCache(setting)
    raise ConfigurationError(
        f"cache must be True, False, a directory or a ResultCache, got {setting!r}."
    )
