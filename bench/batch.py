"""Benchmark: a batch through SoMarkLoader against a plain httpx submit-and-poll loop.

The emulator runs in its own process (``somark-loaders emulator``) with a fixed service
time per page and no rate limits; N one-page PDFs go through ``SoMarkLoader.lazy_load`` at
concurrency 1, 4 and 16 and, in the same run, through a minimal hand-written loop (threads,
httpx, submit, poll every interval, no conversion). The ideal time is what the service
times alone allow: ceil(N / concurrency) x service time per file. A last round runs against
an emulator that allows 1 submit per second (the documented account limit), the plain
loop spacing its submits by hand and the loader at ``requests_per_second=1``. Target: the
loader within 2% of the plain loop in every round (it converts a finished file while the
next one is already uploaded), and its peak memory flat as N grows. The official ``somark``
SDK is not compared here: installing it needs the network, which this benchmark must not.

Run: ``.venv/bin/python bench/batch.py [--files N] [--seconds-per-page S]``
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _common import emulator_process

from somark_loaders.langchain import SoMarkLoader

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
POLL = 0.1


def make_files(folder: Path, count: int) -> list[Path]:
    source = DATA / "2305.03393v1-pg9.pdf"
    files = []
    for i in range(count):
        path = folder / f"doc{i:04d}.pdf"
        shutil.copy(source, path)
        files.append(path)
    return files


def plain_loop(
    base_url: str, files: list[Path], concurrency: int, *, per_second: float | None = None
) -> float:
    """What one writes by hand: submit, poll until SUCCESS, keep the JSON (submits spaced
    ``1.1 / per_second`` apart when the account has a rate limit)."""
    pace = threading.Lock()
    next_slot = [0.0]

    def wait_turn() -> None:
        if per_second is None:
            return
        with pace:
            now = time.monotonic()
            start = max(now, next_slot[0])
            next_slot[0] = start + 1.1 / per_second
        time.sleep(start - now)

    def one(http: httpx.Client, path: Path) -> dict[str, object]:
        wait_turn()
        with path.open("rb") as handle:
            answer = http.post(
                f"{base_url}/parse/async",
                data={"output_formats": ["markdown", "json"]},
                files={"file": (path.name, handle, "application/pdf")},
            ).json()
        task_id = answer["data"]["task_id"]
        while True:
            time.sleep(POLL)
            data = http.post(f"{base_url}/parse/async_check", data={"task_id": task_id}).json()[
                "data"
            ]
            if data["status"] in ("SUCCESS", "FAILED"):
                return data

    started = time.perf_counter()
    with httpx.Client(timeout=60) as http, ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda p: one(http, p), files))
    assert all(r["status"] == "SUCCESS" for r in results)
    return time.perf_counter() - started


def loader_run(
    base_url: str,
    files: list[Path],
    concurrency: int,
    *,
    trace: bool = False,
    per_second: float = 1000,  # the emulator's limits are off: do not pace
) -> tuple[float, int, float]:
    loader = SoMarkLoader(
        files,
        base_url=base_url,
        max_concurrency=concurrency,
        requests_per_second=per_second,
        cache=False,  # measure parsing, not the result cache
        client_options={"poll_interval": POLL},
    )
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    documents = sum(1 for _ in loader.lazy_load())  # streamed, as an ingestion job would
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    if trace:
        tracemalloc.stop()
    assert all(f.ok for f in loader.last_report.files), loader.last_report.table()
    return seconds, documents, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=48)
    parser.add_argument("--seconds-per-page", type=float, default=0.3)
    args = parser.parse_args()

    flags = ("--seconds-per-page", str(args.seconds_per_page))
    with emulator_process(*flags) as base_url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make_files(folder, args.files)
        loader_run(base_url, files[:2], 2)  # warm up: imports, tokenizer, extraction memo
        print(
            f"{args.files} one-page PDFs, service time {args.seconds_per_page}s per page, poll every {POLL}s"
        )
        print(
            f"{'concurrency':>11} {'ideal s':>8} {'plain loop s':>13} {'loader s':>9} {'loader/plain':>13}"
        )
        worst = 0.0
        for concurrency in (1, 4, 16):
            ideal = math.ceil(args.files / concurrency) * args.seconds_per_page
            plain = plain_loop(base_url, files, concurrency)
            ours, _docs, _ = loader_run(base_url, files, concurrency)
            ratio = ours / plain
            worst = max(worst, ratio)
            print(f"{concurrency:>11} {ideal:8.2f} {plain:13.2f} {ours:9.2f} {ratio:12.2f}x")
        limited = files[: max(args.files // 4, 4)]
        with emulator_process(*flags, "--qps", "1") as paced:
            plain = plain_loop(paced, limited, 4, per_second=1)
            time.sleep(1.5)  # the account's one-second window starts afresh for the loader
            ours, _docs, _ = loader_run(paced, limited, 4, per_second=1)
        ratio = ours / plain
        worst = max(worst, ratio)
        ideal = len(limited) * 1.1
        print(f"{'4 @ 1 rps':>11} {ideal:8.2f} {plain:13.2f} {ours:9.2f} {ratio:12.2f}x")
        verdict = "meets" if worst <= 1.02 else "MISSES"
        print(f"worst loader/plain ratio {worst:.2f}x -> {verdict} the target (<= 1.02x)")

        print("\npeak memory of the loader (tracemalloc), concurrency 4, documents streamed:")
        small = files[: args.files // 4]
        for label, batch in (("N/4", small), ("N", files)):
            seconds, docs, peak = loader_run(base_url, batch, 4, trace=True)
            print(
                f"  {label:>3} = {len(batch):4d} files: {peak:6.1f} MiB peak, {docs} documents, {seconds:.1f}s"
            )


if __name__ == "__main__":
    main()
