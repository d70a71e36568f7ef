"""Benchmark: ``read_somark`` on local Ray against the same work without Ray, side by side.

Ray's start-up (``ray.init``, then a first small pipeline: worker processes importing the
package, loading the tokenizer) is timed apart; then plain and Ray rounds alternate and
the medians are compared, so that a machine shared with other work weighs on both alike.

(a) *Conversion-bound*: 200 files whose results are in the cache already (each a 25-page
result: the emulator's reading of ``tests/data/redp5110_sampled.pdf`` then
``tests/data/us-017.pdf``, stored under each file's own key), so loading them is reading
the cache, converting and counting tokens: ``SoMarkLoader`` in one fresh process and in
two (half the files each: what this machine gives two CPUs), against ``read_somark`` with
2 CPUs. The service URL answers nothing, so any miss would fail. Target: Ray with 2 CPUs
faster than one process. The CPU time of each is shown too (Ray's: all its processes,
the driver's included): on a machine other work keeps busy, two processes get no more of
it than one, and the wall times say little.

(b) *Service-bound*, the settings of ``docs/ray.md``'s example: 60 one-page PDFs against
the emulator in its own process (2 s of service each, 8 tasks in flight),
``max_concurrency=8, requests_per_second=5`` and the default ``files_per_task`` and
workers; the plain submit-and-poll loop of ``bench/batch.py`` (8 threads, paced at 5
submits a second) on the same emulator. The ideal is files x service time / 8 (15 s).
Target: ``read_somark`` within 1.3x of it, start-up apart. Each round has files of its
own (nothing cached).

Ray starts its worker processes at nice 15 (``RAY_worker_niceness``): on a machine shared
with other work they yield to every other process, and a Ray run is then measured against
a plain process with far more of the CPU. This benchmark sets it to 0 unless told
(``RAY_worker_niceness=15 python bench/ray_scale.py`` for Ray's default).

Run: ``.venv/bin/python bench/ray_scale.py [--rounds N] [--skip-a|--skip-b]``
"""

from __future__ import annotations

import argparse
import copy
import logging
import multiprocessing
import os
import resource
import statistics
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import ray
import ray.data
from _common import emulator_process
from batch import plain_loop

from somark_loaders import ParseResult
from somark_loaders._loading import LoaderSettings
from somark_loaders.emulator import engines
from somark_loaders.files._inputs import Source
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.ray import cluster_limits, read_somark, read_somark_files

ROOT = Path(__file__).resolve().parent.parent
ONE_PAGE = ROOT / "examples" / "data" / "2305.03393v1-pg9.pdf"
NOWHERE = "http://127.0.0.1:9/api/v1"  # the discard port: a cache miss fails at once
KEY = "sk-bench-0000"
NICENESS = "RAY_worker_niceness"  # Ray's spelling: the nice value of its worker processes


def make_files(folder: Path, count: int, tag: str = "") -> list[Path]:
    """``count`` one-page PDFs, each with its own bytes (``tag``: others than another
    call's, so that nothing is parsed from an earlier round's result)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        path = folder / f"doc{i:04d}.pdf"
        path.write_bytes(ONE_PAGE.read_bytes() + f"\n% copy {tag} {i}\n".encode())
        files.append(path)
    return files


def long_result() -> dict[str, Any]:
    pages: list[dict[str, Any]] = []
    for name in ("tests/data/redp5110_sampled.pdf", "tests/data/us-017.pdf"):
        path = ROOT / name
        pages += engines.extract(path, ".pdf", engines.ExtractOptions(title_levels=True))
    for number, page in enumerate(pages):
        page["page_num"] = number
    return {
        "task_id": "bench",
        "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        "result": {"file_name": "long.pdf", "outputs": {"json": {"pages": pages}}},
    }


def fill_cache(files: list[Path], cache: Path) -> int:
    """Each file's result in the cache, as a finished parse leaves it."""
    settings = LoaderSettings(api_key=KEY, base_url=NOWHERE, cache=str(cache))
    client, _ = settings.sync_client()
    planner = settings.runner().planner(client.config.service_id)
    data = long_result()
    for i, path in enumerate(files):
        source = Source(source=str(path), name=path.name, path=path)
        one = copy.deepcopy(data)
        one["task_id"] = f"bench-{i}"
        slot = planner.slot(source, planner.digest(source), None)
        assert slot is not None
        slot.store(ParseResult.from_data(one))
    client.close()
    return int(data["metadata"]["page_num"])


class TreeCPU:
    """CPU seconds used by this process and every process under it (Ray's services and
    workers, started by ``ray.init``) while the ``with`` block runs: read from
    ``/proc`` every 0.5 s, so that a worker that exits meanwhile keeps its last figure."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, int], float] = {}  # (pid, start time): CPU seconds
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, int, float]] = {}  # pid: parent, start time, CPU
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended meanwhile
            cpu = (int(fields[11]) + int(fields[12])) / tick
            stats[int(entry.name)] = (int(fields[1]), int(fields[19]), cpu)
        tree, todo = set(), [os.getpid()]
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo += [child for child, (parent, _, _) in stats.items() if parent == pid]
        for pid in tree & stats.keys():
            self.seen[(pid, stats[pid][1])] = stats[pid][2]

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> TreeCPU:
        self._sample()
        self._before = dict(self.seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.seconds = sum(cpu - self._before.get(key, 0.0) for key, cpu in self.seen.items())


def children_cpu() -> float:
    """CPU seconds of the child processes this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_ray(cpus: int) -> None:
    # read by the raylet ray.init starts: Ray's workers compete with the plain processes on
    # equal terms (its default, nice 15, gives them only what other processes leave)
    os.environ.setdefault(NICENESS, "0")
    ray.init(
        num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR
    )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def _load(files: list[str], settings: dict[str, Any]) -> int:
    return len(SoMarkLoader(files, **settings).load())


def plain_processes(files: list[Path], settings: dict[str, Any], processes: int) -> float:
    """Seconds for ``processes`` fresh processes to load a share of ``files`` each."""
    shares = [[str(f) for f in files[i::processes]] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        sum(pool.map(_load, shares, [settings] * processes))
    return time.perf_counter() - started


def conversion_bound(folder: Path, count: int, rounds: int) -> None:
    files = make_files(folder / "files", count)
    cache = folder / "cache"
    pages = fill_cache(files, cache)
    settings: dict[str, Any] = {"api_key": KEY, "base_url": NOWHERE, "cache": str(cache)}
    started = time.perf_counter()
    start_ray(2)
    init = time.perf_counter() - started
    times: dict[str, list[float]] = {"one": [], "two": [], "ray": []}
    cpu: dict[str, list[float]] = {"one": [], "two": [], "ray": []}
    try:
        started = time.perf_counter()
        read_somark(files[:2], **settings).materialize()
        first = time.perf_counter() - started
        for _ in range(rounds):
            for name, processes in (("one", 1), ("two", 2)):
                before = children_cpu()
                times[name].append(plain_processes(files, settings, processes))
                cpu[name].append(children_cpu() - before)
            started = time.perf_counter()
            with TreeCPU() as used:
                rows = read_somark(files, **settings).materialize().count()
            times["ray"].append(time.perf_counter() - started)
            cpu["ray"].append(used.seconds)
    finally:
        ray.shutdown()
    documents = len(SoMarkLoader(files, **settings).load())
    assert rows == documents, (rows, documents)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"(a) conversion-bound: {count} cached files of {pages} pages, {documents} chunks; "
        f"medians of {rounds} alternating rounds"
    )
    print(f"{'':46} {'seconds':>8} {'pages/s':>8} {'rounds':>20} {'CPU s':>6}")
    for label, name in (
        ("SoMarkLoader, 1 fresh process", "one"),
        ("SoMarkLoader, 2 fresh processes (half each)", "two"),
        ("read_somark, Ray with 2 CPUs", "ray"),
    ):
        shown = " ".join(f"{v:.1f}" for v in times[name])
        rate = count * pages / median[name]
        used = statistics.median(cpu[name])
        print(f"{label:46} {median[name]:8.1f} {rate:8.0f} {shown:>20} {used:6.1f}")
    print(f"Ray's start-up, apart: ray.init {init:.1f}s, a first 2-file pipeline {first:.1f}s")
    ratio = median["one"] / median["ray"]
    verdict = "meets" if ratio > 1 else "MISSES"
    print(
        f"Ray 2 CPUs vs 1 process: {ratio:.2f}x faster -> {verdict} the target (> 1x); "
        f"this machine's ceiling, 2 plain processes vs 1: {median['one'] / median['two']:.2f}x; "
        f"Ray's CPU time / one process's: "
        f"{statistics.median(cpu['ray']) / statistics.median(cpu['one']):.2f}x\n"
    )


def service_bound(folder: Path, count: int, service: float, rounds: int) -> None:
    flags = ("--seconds-per-page", str(service), "--max-in-flight", "8")
    ideal = count * service / 8
    times: dict[str, list[float]] = {"plain": [], "ray": []}
    started = time.perf_counter()
    start_ray(2)
    init = time.perf_counter() - started
    try:
        with emulator_process(*flags) as base_url:
            settings: dict[str, Any] = {
                "api_key": KEY,
                "base_url": base_url,
                "max_concurrency": 8,
                "requests_per_second": 5,
            }
            warm = make_files(folder / "warm", 1)
            started = time.perf_counter()
            read_somark_files(warm, cache=str(folder / "warm-cache"), **settings).materialize()
            first = time.perf_counter() - started - service
            for turn in range(rounds):
                plain_files = make_files(folder / f"plain{turn}", count, tag=f"plain{turn}")
                times["plain"].append(plain_loop(base_url, plain_files, 8, per_second=5))
                ray_files = make_files(folder / f"ray{turn}", count, tag=f"ray{turn}")
                cache = str(folder / f"cache{turn}")
                started = time.perf_counter()
                per_file = read_somark_files(ray_files, cache=cache, **settings).materialize()
                times["ray"].append(time.perf_counter() - started)
                statuses = {r["status"] for r in per_file.select_columns(["status"]).iter_rows()}
                assert statuses == {"loaded"}, statuses
            stats = ray.get(cluster_limits(LoaderSettings(**settings)).actor.stats.remote())
    finally:
        ray.shutdown()
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"(b) service-bound: {count} one-page files, {service:g}s of service each, 8 in flight, "
        f"5 submits/s; medians of {rounds} alternating rounds"
    )
    print(f"{'':46} {'seconds':>8} {'/ ideal':>8} {'rounds':>20}")
    print(f"{'ideal (files x service / 8)':46} {ideal:8.1f} {1:7.2f}x")
    for label, name in (
        ("plain loop, 8 threads (bench/batch.py)", "plain"),
        ("read_somark, defaults (start-up apart)", "ray"),
    ):
        shown = " ".join(f"{v:.1f}" for v in times[name])
        print(f"{label:46} {median[name]:8.1f} {median[name] / ideal:7.2f}x {shown:>20}")
    print(
        f"Ray's start-up, apart: ray.init {init:.1f}s, a first 1-file pipeline "
        f"{first:.1f}s beyond its service time; most tasks in flight: "
        f"{stats['most_in_flight']} of 8"
    )
    ratio = median["ray"] / ideal
    verdict = "meets" if ratio <= 1.3 else "MISSES"
    print(
        f"read_somark / ideal: {ratio:.2f}x -> {verdict} the target (<= 1.3x); "
        f"read_somark / plain loop: {median['ray'] / median['plain']:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--service-files", type=int, default=60)
    parser.add_argument("--service", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args()
    print(f"{NICENESS}={os.environ.get(NICENESS, '0')} (Ray's default: 15)")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_a:
            conversion_bound(Path(tmp), args.files, args.rounds)
        if not args.skip_b:
            service_bound(Path(tmp), args.service_files, args.service, args.rounds)


if __name__ == "__main__":
    main()
