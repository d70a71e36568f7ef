"""Claims: one worker at a time parses a given file, across threads and processes.

A claim is an exclusive ``flock`` on a lock file: the kernel drops it when its process
ends, however it ends. Threads of one process are told apart by a table of the claims
this process holds (``flock`` is per open file, and over NFS per process). Without
``flock`` (Windows) the lock file is created atomically with its holder's pid in it, and
one whose process is gone is taken over. :class:`Claims` takes them in a cache directory
(``ledger/<key>.lock``); nothing here knows about results.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from ._folder import CacheFolder

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["CLAIMS", "Claims", "create_lock_file", "fcntl", "holder", "lock_file"]


class _Claims:
    """The claims held (or being taken) by this process: lock file path -> the descriptor
    holding its flock (``None`` without flock)."""

    def __init__(self) -> None:
        self.held: dict[str, int | None] = {}
        self.guard = threading.Lock()

    def forget_after_fork(self) -> None:
        """A forked child holds none of its parent's claims and keeps none of their locks."""
        for fd in self.held.values():
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.held = {}
        self.guard = threading.Lock()  # another thread may have held it at the fork


CLAIMS = _Claims()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=CLAIMS.forget_after_fork)


class Claims:
    """The claims of one cache directory: one parse of a file at a time, across threads
    and processes."""

    def __init__(self, folder: CacheFolder) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder.directory / "ledger" / f"{key}.lock"

    def claim(self, key: str) -> bool:
        """Take the right to parse ``key``; ``False`` while another worker holds it.

        A claim is an exclusive ``flock`` on ``ledger/<key>.lock``: the kernel drops it
        when its process ends, however it ends, so a crashed or killed worker never leaves
        a claim behind. Threads of one process are told apart by a table of held claims
        (``flock`` over NFS is per process). Where ``flock`` is missing (Windows), the
        lock file is created atomically with the holder's pid in it and one whose
        process is gone is taken over. Once the cache is off (see
        :attr:`CacheFolder.disabled`) or when the lock file cannot be made, claims still
        keep the threads of this process apart, through the table alone.
        """
        path = self.path(key)
        name = str(path)
        with CLAIMS.guard:
            if name in CLAIMS.held:
                return False
            CLAIMS.held[name] = None  # reserved while this thread tries
        fd, taken = None, False
        try:
            if self.folder.disabled is not None:
                taken = True
            else:
                try:
                    self.folder.ensure_dir(path.parent)
                    if fcntl is not None:
                        fd = lock_file(path)
                        taken = fd is not None
                    else:
                        taken = create_lock_file(path)
                except OSError as err:  # unwritable: the table alone keeps threads apart
                    self.folder.cannot_write("taking a claim", err)
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
        path = self.path(key)
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


def lock_file(path: Path) -> int | None:
    """An open descriptor holding an exclusive ``flock`` on ``path``; ``None`` if taken."""
    assert fcntl is not None
    for _ in range(5):
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # EWOULDBLOCK: another worker holds it
            os.close(fd)
            return None
        try:
            current = path.stat().st_ino
        except FileNotFoundError:
            current = -1
        if current == os.fstat(fd).st_ino:
            os.ftruncate(fd, 0)
            os.write(fd, holder().encode())  # for a human who wonders who holds it
            return fd
        os.close(fd)  # the holder released (and unlinked) it between our open and flock
    return None


def create_lock_file(path: Path) -> bool:
    """Without ``flock``: create ``path`` atomically with our pid in it; ``False`` if taken.

    The file is written aside and hard-linked into place, so nobody reads it half-written.
    One left by a dead process is renamed aside and checked to be the one judged dead
    before it is removed, so two workers taking over the same stale claim cannot both win.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".claim-")
    aside = f"{tmp}.stale"
    try:
        os.write(fd, holder().encode())
        os.close(fd)
        for _ in range(3):
            try:
                os.link(tmp, path)
            except FileExistsError:
                stale = _stale_holder(path)
                if stale is None:
                    return False
                try:
                    path.rename(aside)
                except FileNotFoundError:
                    continue  # released meanwhile
                if Path(aside).read_text() != stale:  # a fresh claim slipped in: give it back
                    with contextlib.suppress(OSError):
                        os.link(aside, path)
                    return False
                continue
            return True
        return False
    finally:
        for leftover in (tmp, aside):
            with contextlib.suppress(OSError):
                Path(leftover).unlink()


def holder() -> str:
    return f"{os.getpid()} {socket.gethostname()} {time.time():.0f}"


def _stale_holder(path: Path) -> str | None:
    """The text of the claim at ``path`` if its holder is gone, else ``None``."""
    try:
        text = path.read_text()
    except OSError:
        return None  # released meanwhile
    try:
        pid_text, host, created = text.split()
        pid, age = int(pid_text), time.time() - float(created)
    except ValueError:  # not a claim we wrote (an older version's, or damaged)
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 60:
                return text
        return None
    if host != socket.gethostname() or sys.platform == "win32":
        return text if age > 86400 else None  # no safe liveness probe: a day is stale
    try:
        os.kill(pid, 0)  # signal 0: does the process exist?
    except ProcessLookupError:
        return text
    except OSError:
        return None
    return None
