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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import _pool, _worker_boot

from .conftest import ONE_PAGE_PDF

SCRIPT = """\
import sys
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
