"""Ctrl-C and kill -9 on the command line: the report is printed, the exit code says so,
and a re-run picks up what was paid for."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from somark_loaders import ResultCache
from somark_loaders.emulator import Emulator

from ..conftest import KEY
from .helpers import child, distinct_pdfs

ROOT = Path(__file__).resolve().parents[2]


def _cli(emulator: Emulator, cache: Path, files: list[Path], out: Path) -> subprocess.Popen[str]:
    return child(
        "-m", "somark_loaders.cli", "load", *map(str, files),
        "--base-url", emulator.base_url, "--api-key", KEY, "--rps", "50",
        "--poll-interval", "0.05", "-q", "--out", str(out),
        cache=cache,
    )  # fmt: skip


def _until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_ctrl_c_prints_the_report_and_exits_130(emulator: Emulator, tmp_path: Path) -> None:
    pdfs = distinct_pdfs(tmp_path / "docs", 3)
    emulator.set(queue_seconds=60)  # the first task stays QUEUING until we interrupt
    process = _cli(emulator, tmp_path / "cache", pdfs, tmp_path / "out.jsonl")
    _until(lambda: emulator.accepted_tasks)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "0 of 3 files loaded" in err
    task = emulator.accepted_tasks[0]
    assert "cancelled" in err and task in err
    assert err.count("not_started") == 2, err
    # both say why in the same words, whichever step the stop found them at
    assert err.count("LoadCancelledError: the load stopped before this file was uploaded") == 2
    assert "resume" in err


def test_kill_9_then_rerun_pays_nothing_twice(emulator: Emulator, tmp_path: Path) -> None:
    pdfs = distinct_pdfs(tmp_path / "docs", 3)
    cache = tmp_path / "cache"
    emulator.set(queue_seconds=1.0)
    process = _cli(emulator, cache, pdfs, tmp_path / "first.jsonl")

    def second_task_recorded() -> bool:
        # the second file's task id is in the ledger (named by file: a condition on the
        # emulator's second task could be met by another file's entry)
        return any(
            e.file_name == pdfs[1].name and e.task_id in emulator.accepted_tasks
            for e in ResultCache(cache).ledger.pending_tasks()
        )

    _until(second_task_recorded)
    process.kill()  # SIGKILL: no cleanup at all
    process.communicate(timeout=30)
    emulator.set(queue_seconds=0.0)
    rerun = _cli(emulator, cache, pdfs, tmp_path / "second.jsonl")
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert "3 of 3 files loaded" in err
    assert len(emulator.accepted_tasks) == 3  # the killed run's tasks were resumed
    lines = (tmp_path / "second.jsonl").read_text().splitlines()
    assert {line.split('"file_name": "')[1].split('"')[0] for line in lines} == {
        p.name for p in pdfs
    }
