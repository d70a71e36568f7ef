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
* ``ledger/<k>.lock``: the claim of the worker parsing ``k`` right now (see
  :meth:`ResultCache.claim`); others wait for its result instead of uploading the same bytes.

Writes are atomic (temporary file + ``os.replace``), so several processes can share the
directory; files are readable by the user only (0600 in a 0700 directory). Every entry
carries a checksum: a corrupt one is reported, deleted and fetched again, never returned.
What is stored: the service's JSON result (text, tables, coordinates, image URLs), the
file's name and hash, the options and the task id; never the file itself, never the key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from ._bundled import results_source
from ._claims import CLAIMS, create_lock_file, fcntl, holder, lock_file
from ._errors import ConfigurationError

__all__ = ["CacheSetting", "ResultCache", "cache_key", "default_cache_dir", "resolve_cache"]

logger = logging.getLogger("somark_loaders")

R = TypeVar("R")

FORMAT_VERSION = 1  # of the cache keys: a change would orphan every entry
ENTRY_VERSION = 2  # of a result file; version 1 entries are still read
TEMP_PREFIX = ".tmp-"  # a file being written, renamed into place once complete
_DATA_LINE = '"data": '
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
    """The key of one result: same file, same options, same service (and same page range).

    The service is its URL, port included, except for an unscripted emulator of this
    process: its version and engines (see :mod:`somark_loaders._bundled`)."""
    span = f"{pages[0]}-{pages[1]}" if pages else "all"
    source = results_source(base_url)
    blob = f"v{FORMAT_VERSION}|{file_sha256}|{options_fingerprint}|{source}|{span}"
    return hashlib.sha256(blob.encode()).hexdigest()


def _checksum_v1(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _entry_text(header: dict[str, Any], data: dict[str, Any]) -> str:
    """A result file: one JSON object whose first line holds everything but ``data``.

    ``data`` comes last, on its own line, and the header's ``checksum`` is the sha256 of
    exactly its text: checking an entry hashes bytes instead of re-serializing the result.
    """
    body = json.dumps(data, ensure_ascii=False)
    head = json.dumps(
        {**header, "checksum": hashlib.sha256(body.encode()).hexdigest()}, ensure_ascii=False
    )
    return f"{head[:-1]},\n{_DATA_LINE}{body}}}\n"


def _entry_data(text: str) -> dict[str, Any] | None:
    """The ``data`` of a result file if it is whole and unchanged, else ``None``."""
    head, _, rest = text.partition("\n")
    if head.endswith(","):  # ENTRY_VERSION 2
        rest = rest.rstrip()
        if not (rest.startswith(_DATA_LINE) and rest.endswith("}")):
            return None
        body = rest[len(_DATA_LINE) : -1]
        try:
            header = json.loads(head[:-1] + "}")
            if header.get("version") != ENTRY_VERSION or header.get("checksum") != (
                hashlib.sha256(body.encode()).hexdigest()
            ):
                return None
            data = json.loads(body)
        except (json.JSONDecodeError, AttributeError, RecursionError):
            return None
    else:  # version 1: one line, the checksum over the re-serialized data
        try:
            payload = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(payload, dict) or payload.get("version") != 1:
            return None
        data = payload.get("data")
        if payload.get("checksum") != _checksum_v1(data):
            return None
    return data if isinstance(data, dict) else None


def _or_off(doing: str, default: Any) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A :class:`ResultCache` method that answers ``default`` once the cache is off, and
    turns the cache off (see :meth:`ResultCache._give_up`) when the file system fails it."""

    def wrap(method: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(method)
        def run(self: ResultCache, *args: Any, **kwargs: Any) -> R:
            if self.disabled is not None:
                return cast("R", default)
            try:
                return method(self, *args, **kwargs)
            except OSError as err:
                self._give_up(doing, err)
                return cast("R", default)

        return run

    return wrap


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    state: str  # "submitting" or "submitted"
    task_id: str | None
    file_name: str
    created: float


class ResultCache:
    """The result cache and task ledger in ``directory`` (created 0700 on first write).

    The cache is never the reason a load fails: when the directory cannot be created,
    read or written (a read-only home, a full disk, a broken mount), the first such error
    is logged once as a warning and the cache turns itself off for the rest of its life.
    Results are then delivered but not stored, and interrupted uploads cannot be resumed,
    exactly as with ``cache=False``. :attr:`disabled` says why.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.disabled: str | None = None  # why the cache turned itself off, if it did
        self._guard = threading.Lock()

    def _give_up(self, doing: str, err: OSError) -> None:
        """Turn the cache off after ``err``; warn the first time only."""
        with self._guard:
            if self.disabled is not None:
                return
            self.disabled = f"{doing}: {type(err).__name__}: {err}"
        logger.warning(
            "The SoMark result cache in %s cannot be used (%s). This load goes on without "
            "it: results are delivered but not stored, and an interrupted upload cannot be "
            "resumed. Point SOMARK_CACHE_DIR (or cache=) at a writable directory, or pass "
            "cache=False to silence this.",
            self.directory,
            self.disabled,
        )

    def __repr__(self) -> str:
        return f"ResultCache({str(self.directory)!r})"

    # --- files --------------------------------------------------------------------------
    def _path(self, kind: str, key: str) -> Path:
        if kind == "results":
            return self.directory / "results" / key[:2] / f"{key}.json"
        return self.directory / "ledger" / f"{key}.json"

    def _write(self, path: Path, payload: dict[str, Any] | str) -> None:
        self._ensure_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                if isinstance(payload, str):
                    handle.write(payload)
                else:
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
        """Create ``folder``; the levels created here, inside the cache directory, are
        private (0700). A directory that already exists is never touched."""
        if folder.is_dir():
            return
        missing = []
        level = folder
        while not level.exists():
            missing.append(level)
            if level.parent == level:
                break
            level = level.parent
        for level in reversed(missing):
            try:
                level.mkdir()
            except FileExistsError:
                continue  # another worker made it: not ours to change
            if level == self.directory or self.directory in level.parents:
                level.chmod(0o700)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            return {"corrupt": True}
        try:
            payload = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return {"corrupt": True}
        return payload if isinstance(payload, dict) else {"corrupt": True}

    # --- results ------------------------------------------------------------------------
    @_or_off("reading a result", None)
    def get(self, key: str) -> dict[str, Any] | None:
        """The cached ``data`` for ``key``, or ``None`` (a corrupt entry is deleted)."""
        path = self._path("results", key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            text = ""  # damaged: reported below
        data = _entry_data(text)
        if data is None:
            logger.warning(
                "Cache entry %s is corrupt or outdated; it is deleted and fetched again.", path
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data

    @_or_off("making a folder", None)
    def private_folder(self, name: str) -> Path | None:
        """``<cache>/<name>``, created private if missing; ``None`` once the cache is off."""
        folder = self.directory / name
        self._ensure_dir(folder)
        return folder

    @_or_off("dropping a result", None)
    def discard(self, key: str) -> None:
        """Remove the entry of ``key`` (one that cannot be used: it is fetched again)."""
        with contextlib.suppress(FileNotFoundError):
            self._path("results", key).unlink()

    @_or_off("looking up a result", False)
    def contains(self, key: str) -> bool:
        """Whether an entry exists (not checked for corruption: :meth:`get` does that)."""
        return self._path("results", key).is_file()

    @_or_off("storing a result", None)
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
        header = {
            "version": ENTRY_VERSION,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "options": options,
            "task_id": task_id,
            "created": time.time(),
        }
        self._write(self._path("results", key), _entry_text(header, data))

    # --- ledger -------------------------------------------------------------------------
    @_or_off("reading the task ledger", None)
    def ledger_get(self, key: str) -> LedgerEntry | None:
        payload = self._read(self._path("ledger", key))
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

    @_or_off("writing the task ledger", None)
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

    @_or_off("writing the task ledger", None)
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
        """Take the right to parse ``key``; ``False`` while another worker holds it.

        A claim is an exclusive ``flock`` on ``ledger/<key>.lock``: the kernel drops it
        when its process ends, however it ends, so a crashed or killed worker never leaves
        a claim behind. Threads of one process are told apart by a table of held claims
        (``flock`` over NFS is per process). Where ``flock`` is missing (Windows), the
        lock file is created atomically with the holder's pid in it and one whose
        process is gone is taken over. Once the cache is off (see :attr:`disabled`), claims
        still keep the threads of this process apart, through the table alone.
        """
        path = self._path("ledger", key).with_suffix(".lock")
        name = str(path)
        with CLAIMS.guard:
            if name in CLAIMS.held:
                return False
            CLAIMS.held[name] = None  # reserved while this thread tries
        fd, taken = None, False
        try:
            if self.disabled is not None:
                taken = True
            else:
                try:
                    self._ensure_dir(path.parent)
                    if fcntl is not None:
                        fd = lock_file(path)
                        taken = fd is not None
                    else:
                        taken = create_lock_file(path)
                except OSError as err:
                    self._give_up("taking a claim", err)
                    taken = True
        finally:
            with CLAIMS.guard:
                if taken:
                    CLAIMS.held[name] = fd
                else:
                    del CLAIMS.held[name]
        return taken

    def release(self, key: str) -> None:
        """Give up a claim taken by :meth:`claim` (no-op if this process holds none)."""
        path = self._path("ledger", key).with_suffix(".lock")
        with CLAIMS.guard:
            if str(path) not in CLAIMS.held:
                return
            fd = CLAIMS.held.pop(str(path))
        if fd is None:  # a plain lock file: remove it if it is still ours
            with contextlib.suppress(OSError, ValueError):
                if path.read_text().split()[:2] == holder().split()[:2]:
                    path.unlink()
            return
        # Unlink while still holding the flock, then close: a worker that opened the old
        # file sees it is no longer the one at ``path`` and tries again.
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)

    @_or_off("clearing the task ledger", None)
    def ledger_clear(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path("ledger", key).unlink()

    def pending_tasks(self) -> list[LedgerEntry]:
        """Every task recorded but not finished (to resume or to look up)."""
        folder = self.directory / "ledger"
        entries: list[LedgerEntry] = []
        try:
            paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
        except OSError as err:
            self._give_up("listing the task ledger", err)
            return entries
        for path in paths:
            if path.name.startswith(TEMP_PREFIX):
                # a write under way, or one killed before its rename: the entry is what
                # the renamed file says (the task id is recorded once it is renamed)
                continue
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
