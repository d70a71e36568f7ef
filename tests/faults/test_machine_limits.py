"""Account limits per machine: processes sharing a cache directory share SoMark's submit
pace and tasks-in-flight limit (two processes that each applied the limits on their own
would show the account twice as much)."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest

from somark_loaders.emulator import Emulator

from ..conftest import KEY
from .helpers import child, distinct_pdfs

ROOT = Path(__file__).resolve().parents[2]
SUBMIT = "/parse/async"
# A slow pace (one submit every 2.5 s) so that a pace shared by both processes and a pace
# of their own differ by far more than the send delay a loaded machine adds to one request
RATE = 0.4


def _worker(
    emulator: Emulator, cache: Path, files: list[Path], *extra: str
) -> subprocess.Popen[str]:
    return child(
        "-m", "tests.faults.load_script", emulator.base_url,
        "--rps", str(RATE), "--concurrency", "1", *extra, *map(str, files),
        cache=cache,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("second", ["sync", "async"])
def test_two_processes_on_one_machine_hold_one_account_limit(tmp_path: Path, second: str) -> None:
    with Emulator(api_keys={KEY}, max_in_flight=1, queue_seconds=0.4) as emulator:
        cache = tmp_path / "cache"
        workers = [
            _worker(emulator, cache, distinct_pdfs(tmp_path / "a", 3, "a")),
            _worker(
                emulator,
                cache,
                distinct_pdfs(tmp_path / "b", 3, "b"),
                *(["--async"] if second == "async" else []),
            ),
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        assert all(r["statuses"] == ["loaded"] * 3 for r in results)
        submits = emulator.requests_to(SUBMIT)
        assert len(emulator.accepted_tasks) == 6
        assert len(submits) == 6, "the account said 1124: two tasks were in flight at once"
        arrivals = sorted(r.received for r in submits)
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        # one pace for both processes: their submit slots are 2.5 s apart and each arrives
        # after its own send delay; paces of their own would put a submit of each process
        # right after the other's task (well under a second apart, as the shared task slot
        # allows). 1.5 s leaves a second for one request's delay on a loaded machine.
        assert min(gaps) > 0.6 / RATE, gaps
