"""Upload folders of emulators whose process was killed are removed by the next emulator
on the same host; nothing else is ever touched.

Before, a killed emulator's folder (its uploads) stayed in the temporary directory for
good: one machine had 141 of them, some of 273 MB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from somark_loaders.emulator import Emulator
from somark_loaders.emulator._workdir import OWNER, PREFIX, sweep_abandoned

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no sweep on Windows")


def _dead_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _folder(root: Path, name: str, owner: str | None) -> Path:
    folder = root / f"{PREFIX}{name}"
    folder.mkdir()
    (folder / "upload.pdf").write_bytes(b"%PDF-1.4")
    if owner is not None:
        (folder / OWNER).write_text(owner, encoding="utf-8")
    return folder


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_new_emulator_removes_the_folders_of_killed_emulators_only(temp_root: Path) -> None:
    host = socket.gethostname()
    dead = _folder(temp_root, "dead", f"{_dead_pid()} {host}\n")
    alive = _folder(temp_root, "alive", f"{os.getppid()} {host}\n")
    elsewhere = _folder(temp_root, "elsewhere", f"{_dead_pid()} another-host\n")
    unowned = _folder(temp_root, "unowned", None)  # an older version's, or being made
    garbled = _folder(temp_root, "garbled", "not a pid\n")
    other = temp_root / "unrelated"
    other.mkdir()

    with Emulator() as emu:
        own = emu._owned_workdir
        assert own.parent == temp_root
        pid, owner_host = (own / OWNER).read_text(encoding="utf-8").split()
        assert (int(pid), owner_host) == (os.getpid(), host)
        assert not dead.exists()
        for kept in (alive, elsewhere, unowned, garbled, other):
            assert kept.exists(), kept
        assert sweep_abandoned() == []  # its own folder is not abandoned
    assert not own.exists()  # stopping removes it, as before


def test_the_folder_of_a_script_killed_with_its_emulator_goes_at_the_next_start(
    temp_root: Path,
) -> None:
    script = (
        "import os, sys\n"
        "from somark_loaders.emulator import Emulator\n"
        "emu = Emulator(workers=0).start()\n"
        "print(emu._owned_workdir, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    env = {**os.environ, "TMPDIR": str(temp_root)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    left = Path(done.stdout.strip())
    assert done.returncode == -9 and left.parent == temp_root and left.exists(), done.stderr
    assert sweep_abandoned() == [left]
    assert not left.exists()
