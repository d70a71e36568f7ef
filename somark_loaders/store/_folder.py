"""The cache's directory, shared by its stores (results, ledger, claims, private folders):
private folders made on demand, atomic writes, and the cache's health.

The cache is never the reason a load fails. When it cannot be *written* (a read-only
mount or directory, a full disk), the first such error is logged once as a warning and
the cache keeps reading (:attr:`CacheFolder.unwritable` says why). When it cannot be
*read* (a directory that cannot be listed or opened), it turns itself off for the rest of
its life (:attr:`CacheFolder.disabled` says why). The stores' methods say which of the two
they are with :func:`or_off` (reads) and :func:`or_unkept` (writes).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

__all__ = ["TEMP_PREFIX", "CacheFolder", "or_off", "or_unkept"]

logger = logging.getLogger("somark_loaders")

R = TypeVar("R")

TEMP_PREFIX = ".tmp-"  # a file being written, renamed into place once complete


class CacheFolder:
    """The directory of one cache (created 0700 on first write) and how it fares."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.disabled: str | None = None  # why the cache turned itself off, if it did
        self.unwritable: str | None = None  # why the last write failed, if one did
        self._warned = False
        self._guard = threading.Lock()

    def give_up(self, doing: str, err: OSError) -> None:
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

    def cannot_write(self, doing: str, err: OSError) -> None:
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

    def write(self, path: Path, payload: dict[str, Any] | str | bytes) -> None:
        """Write ``payload`` (JSON, text or bytes as they are) to ``path`` atomically,
        readable by the user only: readers see the old file or the new one, never a part."""
        self.ensure_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(payload, bytes):
                    handle.write(payload)
                elif isinstance(payload, str):
                    handle.write(payload.encode("utf-8"))
                else:
                    handle.write(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).chmod(0o600)
            Path(tmp).replace(path)  # atomic: readers see the old file or the new one
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def ensure_dir(self, folder: Path) -> None:
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
    def read_json(path: Path) -> dict[str, Any] | None:
        """The JSON object at ``path``; ``None`` if there is none, ``{"corrupt": True}``
        for anything else."""
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

    def private_folder(self, name: str) -> Path | None:
        """``<cache>/<name>`` (the machine's limits keep their files there), created
        private if missing; ``None`` once the cache is off or when it cannot be made."""
        if self.disabled is not None:
            return None
        folder = self.directory / name
        try:
            self.ensure_dir(folder)
        except OSError as err:
            self.cannot_write("making a folder", err)
            return None
        return folder


class _Store(Protocol):
    folder: CacheFolder


S = TypeVar("S", bound=_Store)


def or_off(doing: str, default: Any) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A store's method that reads: it answers ``default`` once the cache is off, and
    turns the cache off (see :meth:`CacheFolder.give_up`) when the file system fails it."""

    def wrap(method: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(method)
        def run(self: _Store, *args: Any, **kwargs: Any) -> R:
            if self.folder.disabled is not None:
                return cast("R", default)
            try:
                return method(self, *args, **kwargs)
            except OSError as err:
                self.folder.give_up(doing, err)
                return cast("R", default)

        return run

    return wrap


def or_unkept(doing: str) -> Callable[[Callable[..., None]], Callable[..., bool]]:
    """A store's method that writes: ``True`` once done, ``False`` when the cache is off or
    the file system refused the write (see :meth:`CacheFolder.cannot_write`: the cache
    goes on reading). Every write is tried, so one that fails on a full disk succeeds
    once space is freed."""

    def wrap(method: Callable[..., None]) -> Callable[..., bool]:
        @functools.wraps(method)
        def run(self: _Store, *args: Any, **kwargs: Any) -> bool:
            if self.folder.disabled is not None:
                return False
            try:
                method(self, *args, **kwargs)
            except OSError as err:
                self.folder.cannot_write(doing, err)
                return False
            return True

        return run

    return wrap
