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
  :meth:`Claims.claim`); others wait for its result instead of uploading the same bytes.

Writes are atomic (temporary file + ``os.replace``), so several processes can share the
directory; files are readable by the user only (0600 in a 0700 directory). Every entry
carries a checksum: a corrupt one is reported, deleted and fetched again, never returned.
What is stored: the service's JSON result (text, tables, coordinates, image URLs), the
file's name and hash, the options and the task id; never the file itself, never the key.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from .._bundled import results_source
from .._errors import ConfigurationError
from ._claims import Claims
from ._folder import CacheFolder
from ._ledger import TaskLedger
from ._results import ResultStore

__all__ = ["CacheSetting", "ResultCache", "cache_key", "default_cache_dir", "resolve_cache"]

FORMAT_VERSION = 1  # of the cache keys: a change would orphan every entry
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


class ResultCache:
    """The result cache, task ledger and claims in ``directory`` (created 0700 on first
    write): one store each, over one :class:`CacheFolder`.

    * :attr:`results` (:class:`ResultStore`): the service's answers, by cache key;
    * :attr:`ledger` (:class:`TaskLedger`): the tasks submitted and not yet finished
      (``cache.ledger.pending_tasks()`` lists them);
    * :attr:`claims` (:class:`Claims`): one worker at a time parses a file;
    * :attr:`folder` (:class:`CacheFolder`): the directory itself, its private folders
      (the machine's limits keep theirs there) and its health.

    The cache is never the reason a load fails. When it cannot be *written* (a read-only
    mount or directory, a full disk), the first such error is logged once as a warning and
    the cache keeps reading: cached results are still served (no request), new results are
    delivered without being kept (``results.put`` says ``False``; the load report lists
    them), and :attr:`unwritable` says why. When it cannot be *read* (a directory that
    cannot be listed or opened), it turns itself off for the rest of its life: results
    are delivered but not stored, and interrupted uploads cannot be resumed, exactly as
    with ``cache=False``; :attr:`disabled` says why.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.folder = CacheFolder(directory)
        self.results = ResultStore(self.folder)
        self.ledger = TaskLedger(self.folder)
        self.claims = Claims(self.folder)

    @property
    def directory(self) -> Path:
        return self.folder.directory

    @property
    def disabled(self) -> str | None:
        """Why the cache turned itself off, if it did."""
        return self.folder.disabled

    @property
    def unwritable(self) -> str | None:
        """Why the last write failed, if one did."""
        return self.folder.unwritable

    def __repr__(self) -> str:
        folder = getattr(self, "folder", None)  # None while __init__ runs
        return f"ResultCache({str(folder.directory) if folder is not None else None!r})"


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
