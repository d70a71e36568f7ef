"""The results store: ``results/<k[:2]>/<k>.json``, the service's answer for one file (or
one part of it) under its cache key. A hit makes no request at all; an entry that fails
its checksum is reported, deleted and fetched again, never returned."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from ._entries import ENTRY_VERSION, _entry_data, _entry_text
from ._folder import CacheFolder, or_off, or_unkept

__all__ = ["ResultStore"]

logger = logging.getLogger("somark_loaders")


class ResultStore:
    """The results of one cache directory, by key (see :func:`~.cache.cache_key`)."""

    def __init__(self, folder: CacheFolder) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder.directory / "results" / key[:2] / f"{key}.json"

    @or_off("reading a result", None)
    def get(self, key: str) -> dict[str, Any] | None:
        """The cached ``data`` for ``key``, or ``None`` (a corrupt entry is deleted)."""
        path = self.path(key)
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

    @or_unkept("dropping a result")
    def discard(self, key: str) -> None:
        """Remove the entry of ``key`` (one that cannot be used: it is fetched again)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    @or_off("looking up a result", False)
    def contains(self, key: str) -> bool:
        """Whether an entry exists (not checked for corruption: :meth:`get` does that)."""
        return self.path(key).is_file()

    @or_unkept("storing a result")
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
        self.folder.write(self.path(key), _entry_text(header, data))
