"""What the benchmarks share: the emulator in its own process (so it does not share the
GIL or the memory measurements with the code under test), and the JSON of made-up parse
results (a block, a result around pages)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def emulator_process(*flags: str) -> Iterator[str]:
    """Run ``somark-loaders emulator --port 0 FLAGS`` and yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "somark_loaders.cli", "emulator", "--port", "0", *flags],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        for _ in range(50):
            found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", process.stderr.readline())
            if found:
                break
        else:
            raise RuntimeError("the emulator did not start")
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def made_block(
    index: int, kind: str, content: str, box: list[float], **extra: Any
) -> dict[str, Any]:
    """One block of a page as the service's JSON has it."""
    return {
        "idx": index,
        "type": kind,
        "bbox": box,
        "content": content,
        "format": "text",
        "captions": [],
        "img_url": "",
        **extra,
    }


def result_data(pages: list[dict[str, Any]], file_name: str) -> dict[str, Any]:
    """The ``data`` of a finished task around ``pages``."""
    return {
        "task_id": "bench",
        "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        "result": {"file_name": file_name, "outputs": {"json": {"pages": pages}}},
    }
