"""What a user running ``examples/ray_pipeline.py`` sees: the load report and the chunks
written, not Ray's start-up lines, execution plans, logged progress or reminders.

One run of the example as a user runs it (its own process, local Ray, the emulator),
output piped as ``| tee`` would (not a terminal: Ray Data then logs its progress).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[1]

# Ray's lines the example leaves out (Ray 2.60's wording), each with where it comes from
RAY_NOISE = {
    "Started a local Ray instance": "ray.init, the driver's 'ray' logger (INFO)",
    "Token authentication is enabled": "ray.init, the driver's 'ray' logger (WARNING)",
    "Starting execution of Dataset": "Ray Data's executor (INFO), once per dataset",
    "Execution plan of Dataset": "Ray Data's executor (INFO), once per dataset",
    "execution finished in": "Ray Data's executor (INFO), once per dataset",
    "Progress will be logged": "Ray Data, stdout not a terminal (INFO)",
    "Running Dataset:": "Ray Data's logged progress (INFO), every few seconds",
    "Total Progress:": "Ray Data's logged progress (INFO), every few seconds",
    "Data sink Parquet finished": "Ray Data's parquet writer (INFO)",
    "Progress bars disabled": "Ray Data's reminder of enable_progress_bars=False (WARNING)",
    # ray#57733: printed once per driver by a pipeline with a callable class; read_somark
    # loads in Ray tasks (a function), so no actor holds constructor arguments
    "has constructor arguments in the object store": "core_worker.cc, an actor's arguments",
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_ray_example_prints_the_report_and_not_rays_own_lines() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's package, in the workers too
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "ray_pipeline.py")],
        check=False,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=280,
    )
    output = run.stdout
    assert run.returncode == 0, output
    lines = output.splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.split()[:3] == ["status", "from", "pages"]
    )
    rows = lines[header + 1 : header + 6]
    assert [row.split()[0] for row in rows] == ["loaded"] * 5, output
    assert lines[header + 6].startswith("secs: "), output
    written = [line for line in lines if " chunks written, columns: " in line]
    assert len(written) == 1 and written[0].endswith(", vector"), output
    shown = {line: where for line, where in RAY_NOISE.items() if line in output}
    assert not shown, f"Ray's own lines in the example's output: {shown}\n{output}"
