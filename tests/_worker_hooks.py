"""Functions the emulator's parse workers call before a parse, for
``tests/test_emulator_service.py``: small imports, picklable with ``functools.partial``."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from somark_loaders.emulator._parse_job import Job


def hold(gate: Path, log: Path, job: Job) -> None:
    """Write the worker's pid and the job's file name to ``log``, then wait until the test
    creates ``gate``."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {job.file_name}\n")
    while not gate.exists():
        time.sleep(0.005)


def crash_on(marker: str, log: Path, job: Job) -> None:
    """Kill the worker (as a segfault in an engine would) when the file name has ``marker``."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {job.file_name}\n")
    if marker in job.file_name:
        os._exit(3)


def ocr_threads(log: Path, job: Job) -> None:
    """Write the threads the worker's OCR is set to use (``None``: one per core) to ``log``."""
    from somark_loaders.emulator import ocr

    with log.open("a", encoding="utf-8") as out:
        out.write(f"{ocr._THREADS}\n")
