"""Benchmark: polling that learns the service's pace, against the sync endpoint.

The emulator runs in its own process with a fixed service time per page and does not name
itself to the client (the header it sends for that is renamed here), so the loader polls
as against SoMark: its defaults, a 3 s interval with a first check at 1 s and a second at
3 s. PDFs of 2 to 5 pages go through ``SoMarkLoader.lazy_load`` at 1, 4 and 16 in flight:

* *sync*: a plain loop of the same concurrency posting each file to ``/parse/sync``
  with the loader's parse options, which answers when the task ends: the service-time
  limit, with no polling at all;
* *before*: the loader with today's polling (the forecast switched off);
* *learned*: the loader whose checks go when the run's earlier tasks say a task ends.

Rounds alternate sync, before, learned, and each figure is the median of the rounds.
Targets: learned within 1.05x of sync; polls per task <= service time / 3 s + 2. The
first tasks of a run have nothing to learn from: they wait on today's ramp until one of
them ends, then go by what it taught (with 16 in flight the first wave is all of them).

Run: ``.venv/bin/python bench/polling.py [--rounds 3] [--seconds-per-page 0.5]``
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import pypdf
from _common import emulator_process

import somark_loaders.service._pace as pace_module
import somark_loaders.service._retry as retry_module
import somark_loaders.service._wait as wait_module
from somark_loaders._loading import LoaderSettings
from somark_loaders.langchain import SoMarkLoader

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
PAGES = (2, 3, 4, 5)
FILES = {1: 4, 4: 8, 16: 32}  # files per round at each concurrency (two waves or more)
CADENCE = 3.0


def make_files(folder: Path, count: int) -> list[Path]:
    """``count`` PDFs of 2 to 5 pages (a page of a paper repeated). Those of one length
    are the same bytes, so that the emulator reads each length once (its memo keeps 32
    readings; every run asks for the same options): the benchmark measures waiting, not
    the emulator's reading."""
    page = pypdf.PdfReader(DATA / "2305.03393v1-pg9.pdf").pages[0]
    files = []
    for index in range(count):
        writer = pypdf.PdfWriter()
        for _ in range(PAGES[index % len(PAGES)]):
            writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        path = folder / f"doc{index:03d}.pdf"
        path.write_bytes(buffer.getvalue())
        files.append(path)
    return files


def sync_loop(base_url: str, files: list[Path], concurrency: int) -> float:
    """The sync endpoint: each file's answer comes when its task ends. The options are
    the loader's (RAG features on), so that both ask for the same parse, and the warm-up
    (this loop) leaves the emulator's memo ready for the loader's runs too."""
    options = LoaderSettings(base_url=base_url).parsed.form_fields()
    fields = {k: v for k, v in options.items() if isinstance(v, (str, list))}

    def one(http: httpx.Client, path: Path) -> None:
        with path.open("rb") as handle:
            answer = http.post(
                f"{base_url}/parse/sync",
                data=fields,
                files={"file": (path.name, handle, "application/pdf")},
            ).json()
        assert answer["code"] == 0, answer

    with httpx.Client(timeout=120) as http:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda p: one(http, p), files))
        return time.perf_counter() - started


class Counted:
    """Counts the status checks the loader sends (``_wait._check`` wrapped)."""

    def __init__(self) -> None:
        self.checks = 0
        self._check = wait_module._check

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.checks += 1
            return (yield from self._check(*args, **kwargs))

        wait_module._check = counting  # type: ignore[assignment]


@contextmanager
def forecast_off() -> Iterator[None]:
    """Today's polling: no task is ever forecast."""
    kept = pace_module.PaceModel.forecast
    pace_module.PaceModel.forecast = lambda self, pages, **_: None  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        pace_module.PaceModel.forecast = kept  # type: ignore[method-assign]


def loader_run(
    base_url: str, files: list[Path], concurrency: int, counter: Counted
) -> tuple[float, float]:
    """Seconds and checks per file of one load with the loader's defaults."""
    loader = SoMarkLoader(
        files,
        base_url=base_url,
        max_concurrency=concurrency,
        requests_per_second=1000,  # the emulator's limits are off: do not pace
        on_error="collect",
        cache=False,
    )
    counter.checks = 0
    started = time.perf_counter()
    documents = sum(1 for _ in loader.lazy_load())
    seconds = time.perf_counter() - started
    assert documents and all(f.ok for f in loader.last_report.files), loader.last_report.table()
    return seconds, counter.checks / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds-per-page", type=float, default=0.5)
    args = parser.parse_args()
    # The loader does not see that the service is the emulator: SoMark's polling defaults.
    retry_module.EMULATOR_HEADER = "X-Not-Read-By-This-Benchmark"
    counter = Counted()
    flags = ("--seconds-per-page", str(args.seconds_per_page))
    with emulator_process(*flags) as base_url, TemporaryDirectory() as tmp:
        files = make_files(Path(tmp), max(FILES.values()))
        sync_loop(base_url, files, 8)  # warm up: the emulator reads each file once
        service = statistics.mean(PAGES) * args.seconds_per_page
        print(
            f"PDFs of {PAGES[0]}-{PAGES[-1]} pages, {args.seconds_per_page}s per page "
            f"(mean service time {service:.2f}s), median of {args.rounds} alternating rounds; "
            "seconds of wall time"
        )
        print(
            f"{'in flight':>9} {'files':>5} {'sync':>6} {'before':>7} {'learned':>8} "
            f"{'before/sync':>11} {'learned/sync':>12} {'polls/task before':>17} "
            f"{'learned':>7} {'budget':>6}"
        )
        for concurrency, count in FILES.items():
            batch = files[:count]
            runs: dict[str, list[float]] = {"sync": [], "before": [], "learned": []}
            polls: dict[str, list[float]] = {"before": [], "learned": []}
            for _ in range(args.rounds):
                runs["sync"].append(sync_loop(base_url, batch, concurrency))
                with forecast_off():
                    seconds, per_task = loader_run(base_url, batch, concurrency, counter)
                runs["before"].append(seconds)
                polls["before"].append(per_task)
                seconds, per_task = loader_run(base_url, batch, concurrency, counter)
                runs["learned"].append(seconds)
                polls["learned"].append(per_task)
            sync, before, learned = (statistics.median(runs[k]) for k in runs)
            budget = service / CADENCE + 2
            median: Callable[[list[float]], float] = statistics.median
            print(
                f"{concurrency:>9} {count:>5} {sync:6.2f} {before:7.2f} {learned:8.2f} "
                f"{before / sync:10.2f}x {learned / sync:11.2f}x "
                f"{median(polls['before']):17.2f} {median(polls['learned']):7.2f} "
                f"{budget:6.2f}"
            )


if __name__ == "__main__":
    main()
