"""One round of bench/chaos.py: a load that may be killed, interrupted or cancelled.

Writes one JSON line per document as it arrives (``source``, ``task_id``) to OUT, flushed,
so that what was delivered before a SIGKILL is known, and the load report to OUT.report
when the load ends (finished, interrupted or cancelled).

``--disk-full-after S``: S seconds in, the disk fills up for the cache: no file may grow
past the size of a ledger entry that says "submitting", so that entry is written but the
task id that follows it is not, nor any result (RLIMIT_FSIZE; this worker's own output is
written with the limit lifted, as if it went to another disk).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from somark_loaders.langchain import SoMarkLoader

_DISK = threading.Lock()
_FULL: list[int] = []  # the file size limit once the disk is full
_HARD = resource.getrlimit(resource.RLIMIT_FSIZE)[1]


def fill_disk_after(seconds: float) -> None:
    """From ``seconds`` on, files may not grow past a "submitting" ledger entry."""
    entry = {"state": "submitting", "task_id": None, "file_name": "doc0000.pdf"}
    limit = len(json.dumps({**entry, "created": time.time()})) + 8  # a task id adds 30
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write raises, not kills

    def fill() -> None:
        with _DISK:
            _FULL.append(limit)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, _HARD))

    timer = threading.Timer(seconds, fill)
    timer.daemon = True
    timer.start()


@contextlib.contextmanager
def other_disk() -> Iterator[None]:
    """This worker's own output is not on the disk that filled up."""
    with _DISK:
        if _FULL:
            resource.setrlimit(resource.RLIMIT_FSIZE, (_HARD, _HARD))
        try:
            yield
        finally:
            if _FULL:
                resource.setrlimit(resource.RLIMIT_FSIZE, (_FULL[0], _HARD))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("files", type=Path, help="a file listing the inputs, one per line")
    parser.add_argument("out", type=Path)
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--cancel-after", type=float, default=None)
    parser.add_argument("--resubmit-ambiguous", action="store_true")
    parser.add_argument("--disk-full-after", type=float, default=None)
    args = parser.parse_args()
    if args.disk_full_after is not None:
        fill_disk_after(args.disk_full_after)
    files = args.files.read_text().split("\n")
    loader = SoMarkLoader(
        [f for f in files if f],
        base_url=args.base_url,
        api_key="sk-chaos",
        max_concurrency=4,
        requests_per_second=20,
        on_error="collect",
        resubmit_ambiguous=args.resubmit_ambiguous,
        client_options={"poll_interval": 0.1, "max_retries": 8},
    )
    sink = args.out.open("a", encoding="utf-8")

    def emit(doc: Any) -> None:
        line = json.dumps({"source": doc.metadata["source"], "task": doc.metadata["task_id"]})
        with other_disk():
            sink.write(line + "\n")
            sink.flush()

    code = 0
    try:
        if args.use_async:

            async def run() -> None:
                async for doc in loader.alazy_load():
                    emit(doc)

            try:
                asyncio.run(asyncio.wait_for(run(), args.cancel_after))
            except TimeoutError:
                code = 3  # cancelled, as asked
        else:
            started = time.monotonic()
            for doc in loader.lazy_load():
                emit(doc)
                if args.cancel_after is not None and time.monotonic() - started > args.cancel_after:
                    code = 3  # the consumer stops reading: the sync twin of a cancel
                    break
    except KeyboardInterrupt:
        code = 130
    report = loader.last_report
    files = {f.source: [f.status, f.task_id, f.error_type, f.not_kept] for f in report.files}
    with other_disk():
        Path(f"{args.out}.report").write_text(json.dumps({"code": code, "files": files}))
    return code


if __name__ == "__main__":
    sys.exit(main())
