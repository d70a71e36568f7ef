"""Benchmark: a 900-page PDF split into parts and parsed in parallel, and a cached re-run.

The emulator runs in its own process with a service time proportional to pages (and its
page limit raised to 900, so the sequential baseline can be one task). In the same run:

* one sequential pass: the whole PDF as one task (``pages_per_part=900``);
* split into parts of ``--pages-per-part`` pages at concurrency 1 and at concurrency 4;
* a re-run of the last load: every part comes from the cache.

Targets: concurrency 4 at least 3x faster than concurrency 1; the cached re-run at least
100x faster than the first run.

Run: ``.venv/bin/python bench/split.py [--pages 900] [--seconds-per-page 0.02]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import emulator_process

from somark_loaders.emulator.samples import write_pdf
from somark_loaders.langchain import SoMarkLoader


def run(
    base_url: str, pdf: Path, cache: Path, *, concurrency: int, pages_per_part: int
) -> tuple[float, int, int]:
    loader = SoMarkLoader(
        pdf,
        base_url=base_url,
        cache=cache,
        max_concurrency=concurrency,
        requests_per_second=100,
        pages_per_part=pages_per_part,
        client_options={"poll_interval": 0.05},
    )
    started = time.perf_counter()
    docs = loader.load()
    seconds = time.perf_counter() - started
    outcome = loader.last_report.files[0]
    assert outcome.ok, loader.last_report.table()
    assert docs[-1].metadata["page_end"] == outcome.pages
    parts = (outcome.task_id or "").count("+") + 1
    return seconds, len(docs), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=900)
    parser.add_argument("--seconds-per-page", type=float, default=0.02)
    parser.add_argument("--pages-per-part", type=int, default=75)
    args = parser.parse_args()

    flags = ("--seconds-per-page", str(args.seconds_per_page), "--max-pages", str(args.pages))
    with emulator_process(*flags) as base_url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = write_pdf(folder / "book.pdf", args.pages)
        service = args.pages * args.seconds_per_page
        print(
            f"{args.pages}-page PDF, {args.seconds_per_page}s service time per page ({service:.0f}s in all)"
        )
        print(f"{'run':<40} {'parts':>5} {'seconds':>8} {'docs':>6}")
        rows = [
            ("one sequential pass (one task)", 1, args.pages, folder / "c0"),
            (
                f"split by {args.pages_per_part}, concurrency 1",
                1,
                args.pages_per_part,
                folder / "c1",
            ),
            (
                f"split by {args.pages_per_part}, concurrency 4",
                4,
                args.pages_per_part,
                folder / "c4",
            ),
        ]
        times = {}
        for label, concurrency, per_part, cache in rows:
            seconds, docs, parts = run(
                base_url, pdf, cache, concurrency=concurrency, pages_per_part=per_part
            )
            times[concurrency, per_part] = seconds
            print(f"{label:<40} {parts:>5} {seconds:8.2f} {docs:>6}")
        reruns = [
            run(base_url, pdf, folder / "c4", concurrency=4, pages_per_part=args.pages_per_part)
            for _ in range(5)
        ]
        cached, docs, parts = min(reruns)  # best of 5: a 50 ms run is at the mercy of noise
        print(f"{'re-run, all parts cached (best of 5)':<40} {parts:>5} {cached:8.3f} {docs:>6}")
        c1 = times[1, args.pages_per_part]
        c4 = times[4, args.pages_per_part]
        speedup, cache_ratio = c1 / c4, c4 / cached
        print(
            f"concurrency 4 vs 1: {speedup:.2f}x faster -> {'meets' if speedup >= 3 else 'MISSES'} the target (>= 3x)"
        )
        print(
            f"cached re-run vs the first run of the same load (concurrency 4): {cache_ratio:.0f}x faster -> {'meets' if cache_ratio >= 100 else 'MISSES'} the target (>= 100x)"
        )


if __name__ == "__main__":
    main()
