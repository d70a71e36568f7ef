"""A load in a child process, for faults that need a process of their own (a user who may
not write, a disk that fills up, signals). Prints one JSON line: documents, statuses,
task ids and the warnings logged.

    python -m tests.faults.load_script BASE_URL [--async] [--concurrency N] FILE...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from somark_loaders.langchain import SoMarkLoader

KEY = "sk-test-0123456789abcdef"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rps", type=float, default=50.0)
    args = parser.parse_args()
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logging.getLogger("somark_loaders").addHandler(Collect(logging.WARNING))
    loader = SoMarkLoader(
        args.files,
        base_url=args.base_url,
        api_key=KEY,
        requests_per_second=args.rps,
        max_concurrency=args.concurrency,
        client_options={"poll_interval": 0.05},
        on_error="collect",
    )
    docs = asyncio.run(loader.aload()) if args.use_async else loader.load()
    report = loader.last_report
    print(
        json.dumps(
            {
                "documents": len(docs),
                "statuses": [f.status for f in report.files],
                "task_ids": [f.task_id for f in report.files],
                "errors": [f.error for f in report.files],
                "cached": [f.cached for f in report.files],
                "not_kept": [f.not_kept for f in report.files],
                "warnings": messages,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
