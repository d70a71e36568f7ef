"""One round of bench/chaos.py: a load that may be killed, interrupted or cancelled.

Writes one JSON line per document as it arrives (``source``, ``task_id``) to OUT, flushed,
so that what was delivered before a SIGKILL is known, and the load report to OUT.report
when the load ends (finished, interrupted or cancelled).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from somark_loaders.langchain import SoMarkLoader


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("files", type=Path, help="a file listing the inputs, one per line")
    parser.add_argument("out", type=Path)
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--cancel-after", type=float, default=None)
    parser.add_argument("--resubmit-ambiguous", action="store_true")
    args = parser.parse_args()
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
        sink.write(json.dumps({"source": doc.metadata["source"], "task": doc.metadata["task_id"]}))
        sink.write("\n")
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
    Path(f"{args.out}.report").write_text(
        json.dumps(
            {
                "code": code,
                "files": {f.source: [f.status, f.task_id, f.error_type] for f in report.files},
            }
        )
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
