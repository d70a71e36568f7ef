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
from pathlib import Path
from typing import Any, TypeVar, cast

from .._bundled import results_source
from .._errors import ConfigurationError
from ._claims import CLAIMS, create_lock_file, fcntl, holder, lock_file
from ._entries import ENTRY_VERSION, LedgerEntry, _entry_data, _entry_text

__all__ = ["CacheSetting", "ResultCache", "cache_key", "default_cache_dir", "resolve_cache"]

logger = logging.getLogger("somark_loaders")

R = TypeVar("R")

FORMAT_VERSION = 1  # of the cache keys: a change would orphan every entry
TEMP_PREFIX = ".tmp-"  # a file being written, renamed into place once complete
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


def _or_off(doing: str, default: Any) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A :class:`ResultCache` method that reads: it answers ``default`` once the cache is
    off, and turns the cache off (see :meth:`ResultCache._give_up`) when the file system
    fails it."""

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


def _or_unkept(doing: str) -> Callable[[Callable[..., None]], Callable[..., bool]]:
    """A :class:`ResultCache` method that writes: ``True`` once done, ``False`` when the
    cache is off or the file system refused the write (see :meth:`ResultCache._cannot_write`:
    the cache goes on reading). Every write is tried, so one that fails on a full disk
    succeeds once space is freed."""

    def wrap(method: Callable[..., None]) -> Callable[..., bool]:
        @functools.wraps(method)
        def run(self: ResultCache, *args: Any, **kwargs: Any) -> bool:
            if self.disabled is not None:
                return False
            try:
                method(self, *args, **kwargs)
            except OSError as err:
                self._cannot_write(doing, err)
                return False
            return True

        return run

    return wrap


class ResultCache:
    """The result cache and task ledger in ``directory`` (created 0700 on first write).

    The cache is never the reason a load fails. When it cannot be *written* (a read-only
    mount or directory, a full disk), the first such error is logged once as a warning and
    the cache keeps reading: cached results are still served (no request), new results are
    delivered without being kept (:meth:`put` says ``False``; the load report lists them),
    and :attr:`unwritable` says why. When it cannot be *read* (a directory that cannot be
    listed or opened), it turns itself off for the rest of its life: results are delivered
    but not stored, and interrupted uploads cannot be resumed, exactly as with
    ``cache=False``; :attr:`disabled` says why.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.disabled: str | None = None  # why the cache turned itself off, if it did
        self.unwritable: str | None = None  # why the last write failed, if one did
        self._warned = False
        self._guard = threading.Lock()

    def _give_up(self, doing: str, err: OSError) -> None:
        """Turn the cache off after ``err``; warn the first time only."""
        with self._guard:
            if self.disabled is not None:
                return
            self.disabled = f"{doing}: {type(err).__name__}: {err}"
        self._warn_once(
            "The SoMark result cache in %s cannot be used (%s). This load goes on without "
            "it: results are delivered but not stored, and an interrupted upload cannot be "
            "resumed. Point SOMARK_CACHE_DIR (or cache=) at a writable directory, or pass "
            "cache=False to silence this.",
            self.disabled,
        )

    def _cannot_write(self, doing: str, err: OSError) -> None:
        """Note that a write failed (the cache goes on reading); warn the first time only."""
        self.unwritable = f"{doing}: {type(err).__name__}: {err}"
        self._warn_once(
            "The SoMark result cache in %s cannot be written (%s). This load goes on: "
            "cached results are still read, new results are delivered but not kept (the "
            "load report lists them, and whether a re-run pays for them again), and an "
            "upload interrupted meanwhile may not be resumable. Free space or point "
            "SOMARK_CACHE_DIR (or cache=) at a writable directory.",
            self.unwritable,
        )

    def _warn_once(self, message: str, reason: str) -> None:
        with self._guard:
            if self._warned:
                return
            self._warned = True
        logger.warning(message, self.directory, reason)

    def __repr__(self) -> str:
        directory = getattr(self, "directory", None)  # None while __init__ runs
        return f"ResultCache({str(directory) if directory is not None else None!r})"

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

    def private_folder(self, name: str) -> Path | None:
        """``<cache>/<name>``, created private if missing; ``None`` once the cache is off
        or when it cannot be made."""
        if self.disabled is not None:
            return None
        folder = self.directory / name
        try:
            self._ensure_dir(folder)
        except OSError as err:
            self._cannot_write("making a folder", err)
            return None
        return folder

    @_or_unkept("dropping a result")
    def discard(self, key: str) -> None:
        """Remove the entry of ``key`` (one that cannot be used: it is fetched again)."""
        with contextlib.suppress(FileNotFoundError):
            self._path("results", key).unlink()

    @_or_off("looking up a result", False)
    def contains(self, key: str) -> bool:
        """Whether an entry exists (not checked for corruption: :meth:`get` does that)."""
        return self._path("results", key).is_file()

    @_or_unkept("storing a result")
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
        """Store a SUCCESS ``data`` object under ``key`` (``False``: it could not be)."""
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

    @_or_unkept("writing the task ledger")
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

    @_or_unkept("writing the task ledger")
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
        process is gone is taken over. Once the cache is off (see :attr:`disabled`) or
        when the lock file cannot be made, claims still keep the threads of this process
        apart, through the table alone.
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
                except OSError as err:  # unwritable: the table alone keeps threads apart
                    self._cannot_write("taking a claim", err)
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

    @_or_unkept("clearing the task ledger")
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
