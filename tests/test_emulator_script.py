"""A user's script that starts the emulator at its top level, as the README's examples
do, runs once: the emulator's parse workers never import the script again.

Before, each worker process (made by the fork server) imported ``__main__`` first, as
multiprocessing does: the script ran again inside the worker, started a second emulator
and a second load there, and the README's LangChain example hung without a word when
saved as ``demo.py`` and run with ``python demo.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import _pool, _worker_boot

from .conftest import ONE_PAGE_PDF

SCRIPT = """\
import sys
import time
from pathlib import Path

with Path(sys.argv[1]).open("a", encoding="utf-8") as runs:  # one line per run
    runs.write("ran\\n")

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator

with Emulator(workers=1) as emu:
    client = SoMarkClient(base_url=emu.base_url, api_key="any", cache=False, poll_interval=0.05)
    result = client.parse(sys.argv[2])
print("pages", len(result.pages))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no fork server on Windows")
def test_a_script_without_a_main_guard_runs_once_and_gets_its_result(tmp_path: Path) -> None:
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT, encoding="utf-8")
    runs = tmp_path / "runs.txt"
    env = {**os.environ, "SOMARK_EMULATOR_WORKERS": "1"}
    process = subprocess.Popen(
        [sys.executable, str(script), str(runs), str(ONE_PAGE_PDF)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        # A generous bound that only a hang reaches (the script takes seconds).
        out, err = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"the script hung; it ran {runs.read_text().count('ran')} times: {err[-800:]}")
    assert process.returncode == 0, err[-2000:]
    assert out.split() == ["pages", "1"]
    assert runs.read_text(encoding="utf-8") == "ran\n"  # never again inside a worker


def test_only_parse_workers_skip_the_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own processes from the same fork server import ``__main__`` as usual."""
    seen: list[dict[str, Any]] = []

    def record(data: Mapping[str, Any]) -> None:
        seen.append(dict(data))

    monkeypatch.setattr(_worker_boot, "_original", record)
    common = {"sys_path": ["/x"], "dir": "/tmp", "init_main_from_path": "/tmp/demo.py"}
    _worker_boot.prepare({**common, "name": "SoMarkParseWorker-3"})
    _worker_boot.prepare({**common, "name": "ForkServerProcess-1"})
    _worker_boot.prepare({**common, "name": "SoMarkParseWorker-4", "init_main_from_name": "m"})
    assert "init_main_from_path" not in seen[0] and seen[0]["sys_path"] == ["/x"]
    assert seen[1]["init_main_from_path"] == "/tmp/demo.py"
    assert "init_main_from_name" not in seen[2]


@pytest.mark.skipif(sys.platform == "win32", reason="no fork server on Windows")
def test_the_pool_names_its_processes_as_the_boot_module_expects() -> None:
    assert f"{_pool.SoMarkParseWorker.__name__}-" == _worker_boot.WORKER_PREFIX
    assert _pool._context().Process is _pool.SoMarkParseWorker


KILLED_SCRIPT = """\
import functools, sys, time
from pathlib import Path

root, gate, log, pdf = sys.argv[1:5]
sys.path.insert(0, root)  # the workers import the hook from tests/
from tests._worker_hooks import hold
from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator

with Emulator(workers=1, worker_hook=functools.partial(hold, Path(gate), Path(log))) as emu:
    SoMarkClient(base_url=emu.base_url, api_key="any", cache=False).submit(pdf)
    time.sleep(600)  # the test kills this process while the worker holds the parse
"""


def _alive_in_session(session: int) -> list[int]:
    """The processes of a session that still run (zombies do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
            if os.getsid(int(entry.name)) == session and state != "Z":
                alive.append(int(entry.name))
        except (OSError, IndexError):
            continue  # it ended while we looked
    return alive


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_workers_end_when_the_emulators_process_is_killed(tmp_path: Path) -> None:
    """``kill -9`` of a script (or a notebook kernel restarted) gives its workers no
    chance to be stopped: before, the parse worker and the fork server lived on for good,
    each holding its memory."""
    script, gate, log = tmp_path / "killed.py", tmp_path / "gate", tmp_path / "log.txt"
    script.write_text(KILLED_SCRIPT, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    argv = [sys.executable, str(script), str(root), str(gate), str(log), str(ONE_PAGE_PDF)]
    process = subprocess.Popen(argv, cwd=root, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # fmt: skip
    try:
        while not log.exists() or not log.read_text(encoding="utf-8").strip():
            assert process.poll() is None, process.communicate()[1][-2000:]
            time.sleep(0.05)  # until the worker holds the parse (a hang ends in the timeout)
        worker = int(log.read_text(encoding="utf-8").split()[0])
        assert worker in _alive_in_session(process.pid)
        process.kill()  # SIGKILL to the script alone, not to its workers
        process.wait()
        deadline = time.monotonic() + 60  # they end at once; before the fix, never
        while _alive_in_session(process.pid):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"left running after the script was killed: {_alive_in_session(process.pid)}"
                )
            time.sleep(0.05)
    finally:
        gate.touch()
        if _alive_in_session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
