"""The emulator's upload folders: one per emulator, in the temporary directory.

An emulator deletes its folder when it stops. One whose process was killed (``kill -9``,
a notebook kernel restarted, a test run's timeout) cannot, and its uploads stayed in the
temporary directory for good: on a machine that ran many, hundreds of folders and
gigabytes. Each folder now names its owner (process id and host, in :data:`OWNER`), and a
new emulator first removes the folders of owners that are gone from this host. A folder
without an owner file (made by an older version, or being made right now), one of
another host (a temporary directory shared between containers) or of a live process is
never touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

__all__ = ["OWNER", "PREFIX", "new_workdir", "sweep_abandoned"]

PREFIX = "somark-emulator-"
OWNER = ".owner"


def new_workdir() -> Path:
    """A fresh upload folder that names this process as its owner (abandoned folders of
    earlier emulators are removed first)."""
    sweep_abandoned()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / OWNER).write_text(f"{os.getpid()} {socket.gethostname()}\n", encoding="utf-8")
    return folder


def sweep_abandoned(root: str | Path | None = None) -> list[Path]:
    """Remove the upload folders in ``root`` (default: the temporary directory) whose
    owner process is gone from this host; returns them."""
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        return []
    host = socket.gethostname()
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid_text, owner_host = (folder / OWNER).read_text(encoding="utf-8").split()
            pid = int(pid_text)
        except (OSError, ValueError):
            continue
        if owner_host != host or pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True
