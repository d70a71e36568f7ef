"""bench/chaos.py at a small scale: random kills, interrupts and cancellations of a faulty
load, re-run until done, must lose and double-pay nothing (the README's table is the
300-file run)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .helpers import ROOT


@pytest.mark.slow
def test_chaos_at_small_scale_keeps_every_promise() -> None:
    done = subprocess.run(
        [sys.executable, "bench/chaos.py", "--files", "24", "--modes", "async", "--seed", "5"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this tree's package, installed or not
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "meets the target" in done.stdout
