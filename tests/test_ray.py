"""Ray Data: ``read_somark`` in local Ray (2 CPUs) against the emulator on 127.0.0.1.

The account's limits are the emulator's: it refuses a submit over its rate (1101) or
over its tasks in flight (1124), so a load that kept them makes exactly one accepted
submit per file. Every worker asks one actor per account for its slots.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from somark_loaders._errors import InvalidFileError, QuotaExceededError  # noqa: E402
from somark_loaders.batch._ray_limits import (  # noqa: E402
    REFUSAL_KEPT,
    WAITER_KEPT,
    AccountLimits,
)
from somark_loaders.emulator import Emulator, FailTask, RecordedRequest  # noqa: E402
from somark_loaders.langchain import SoMarkLoader  # noqa: E402
from somark_loaders.ray import read_somark_files, report_of  # noqa: E402

from .conftest import KEY  # noqa: E402
from .fixtures import distinct_pdfs  # noqa: E402

RATE = 10.0  # submits per second the account allows
TASKS = 4  # tasks in flight the account allows


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray.data

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    return distinct_pdfs(tmp_path / "lake", 40)


def refusals(submits: list[RecordedRequest]) -> str:
    """The submits not accepted: code, file, when (seconds after the first submit) and how
    many submits the emulator had received in the second up to it."""
    first = min((r.received for r in submits), default=0.0)
    return "refused: " + "; ".join(
        f"{r.answered} {r.files[0].filename if r.files else '?'} at {r.received - first:.3f}s "
        f"({sum(1 for o in submits if r.received - 1 < o.received <= r.received)} in 1 s)"
        for r in submits
        if r.answered != 0
    )


def options(emulator: Emulator, cache: Path) -> dict[str, Any]:
    return {
        "api_key": KEY,
        "base_url": emulator.base_url,
        "max_concurrency": TASKS,
        "requests_per_second": RATE,
        "cache": str(cache),
        "client_options": {"poll_interval": 0.05},
    }


def test_forty_files_through_four_workers_keep_the_account_limits_and_match_the_loader(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    from somark_loaders._loading import LoaderSettings
    from somark_loaders.ray import (
        chunks_of,
        cluster_limits,
        read_somark,
        read_somark_files,
        report_of,
    )

    cache = tmp_path / "shared-cache"  # a directory every node sees
    with Emulator(api_keys={KEY}, qps=RATE, max_in_flight=TASKS, seconds_per_page=0.1) as emulator:
        # a tenth of head room under the account's rate, as docs/ray.md advises on a
        # cluster: a worker's submit may reach the service tens of milliseconds late
        settings = {**options(emulator, cache), "requests_per_second": RATE * 0.9}
        actor = cluster_limits(LoaderSettings(**settings)).actor  # the account's one pace
        paced_before = ray.get(actor.stats.remote())["submits_sent"]
        per_file = read_somark_files(
            files[0].parent, workers=4, num_cpus=0.25, files_per_task=10, **settings
        ).materialize()
        submits = emulator.requests_to("/parse/async")
        # every submit that reached the service took its slot from the account's one
        # pace, and none went before its slot: the four workers shared one pace
        stats = ray.get(actor.stats.remote())
        assert stats["submits_sent"] - paced_before == len(submits)
        assert stats["sent_early"] == 0
        assert stats["closest_slots"] >= 1 / settings["requests_per_second"]  # its rate
        # a task slot is freed only once its task has ended: never over the tasks in
        # flight (1124). Arrivals depend on a busy machine's timing: a submit that
        # still came within the service's second is refused (1101), not billed, and
        # sent again, so each file has exactly one accepted task.
        assert {r.answered for r in submits} <= {0, 1101}, refusals(submits)
        assert len(emulator.accepted_tasks) == 40
        accepted = sorted(r.files[0].filename for r in submits if r.answered == 0)
        assert accepted == [f.name for f in files]
        report = report_of(per_file)
        assert sorted(f.source for f in report.files) == [str(f) for f in files]
        assert {f.status for f in report.files} == {"loaded"}
        assert all(f.task_id for f in report.files)

        # the rows are the loader's documents: ids, text and metadata
        rows = chunks_of(per_file).take_all()
        documents = SoMarkLoader(files, **settings).load()  # from the shared cache
        assert len(emulator.accepted_tasks) == 40
        by_id = {row["id"]: row for row in rows}
        assert sorted(by_id) == sorted(d.id for d in documents)
        for document in documents:
            row = by_id[document.id]
            assert row["text"] == document.page_content
            assert {k: v for k, v in row.items() if k in document.metadata} == document.metadata
            assert all(
                row[k] is None
                for k in row
                if k not in document.metadata
                and k not in ("id", "text", "prev_id", "next_id", "parent_id")
            )

        # a re-run of the same pipeline pays for nothing and asks nothing
        before = len(emulator.requests)
        again = read_somark(files[0].parent, workers=2, num_cpus=0.25, **settings).take_all()
        assert len(emulator.requests) == before
        assert sorted(r["id"] for r in again) == sorted(by_id)


def test_by_default_one_worker_keeps_every_task_slot_of_the_account_busy(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """With ``files_per_task`` left to its default, one Ray task holds more files than the
    account has task slots: a single worker reaches all 8 of them (4 files a task did
    not: the README's example used 6 of its 8)."""
    from somark_loaders._loading import LoaderSettings
    from somark_loaders.ray import cluster_limits, default_files_per_task

    assert default_files_per_task(8) >= 8
    some = files[:16]
    with Emulator(api_keys={KEY}, max_in_flight=8, seconds_per_page=1.0) as emulator:
        settings = {**options(emulator, tmp_path / "cache"), "max_concurrency": 8}
        settings["requests_per_second"] = 50
        report = report_of(read_somark_files(some, workers=1, **settings).materialize())
        limits = cluster_limits(LoaderSettings(**settings))  # the account's actor
        most = ray.get(limits.actor.stats.remote())["most_in_flight"]
    assert [f.status for f in report.files] == ["loaded"] * 16
    assert most == 8


def test_each_ray_task_loads_its_files_in_one_run_of_files_per_task(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """20 files, 8 a task: three Ray tasks (8, 8, 4), each its files in one run asking
    the account's actor for slots, in one stage that reads and loads. Ray Data's own
    blocks (5 files each here) gave a task 10 files, loaded as a run of 8 and then a run
    of the 2 left, which could not fill the slots (4 runs); regrouping them took a
    stage of its own (``repartition``, a CPU a task) between the read and the load. The
    chunk rows of ``read_somark`` come out of the same tasks: a stage of their own asking
    no CPU had Ray start and stop worker processes for it, pipeline after pipeline."""
    import re

    from somark_loaders._loading import LoaderSettings
    from somark_loaders.ray import cluster_limits, read_somark

    with Emulator(api_keys={KEY}, max_in_flight=TASKS, seconds_per_page=0.2) as emulator:
        settings = options(emulator, tmp_path / "cache")
        per_file = read_somark_files(
            files[:20], files_per_task=8, workers=2, **settings
        ).materialize()
        report = report_of(per_file)
        stats = ray.get(cluster_limits(LoaderSettings(**settings)).actor.stats.remote())
        # the chunk rows, from the cache now: they come out of the loading tasks
        chunks = read_somark(files[:20], files_per_task=8, workers=2, **settings).materialize()
    assert [f.status for f in report.files] == ["loaded"] * 20
    assert stats["runs"] == 3
    # the executed plan: what makes the rows, and in how many Ray tasks
    stages = re.findall(r"^Operator \d+ (.+?): (\d+) tasks executed", per_file.stats(), re.M)
    assert len(stages) == 2 and not any("epartition" in name for name, _ in stages), stages
    assert [tasks for name, tasks in stages if "load" in name] == ["3"], stages
    stages = re.findall(r"^Operator \d+ (.+?): (\d+) tasks executed", chunks.stats(), re.M)
    assert len(stages) == 2 and "_load" in stages[1][0] and "_explode" in stages[1][0], stages
    assert stages[1][1] == "3" and chunks.count() == sum(f.documents for f in report.files)


def test_files_are_listed_with_the_filesystem_and_extensions_given(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """The files are listed on the driver as Ray Data lists them (folders recursively,
    names starting with ``.`` or ``_`` skipped, extensions in any case) and each task
    reads its own through the ``filesystem=`` given: here one rooted at ``tmp_path``,
    which the paths are relative to."""
    from pyarrow.fs import LocalFileSystem, SubTreeFileSystem

    lake = tmp_path / "lake"
    for extra in files[4:]:
        extra.unlink()
    (lake / "sub").mkdir()
    files[1].rename(lake / "sub" / "moved.PDF")
    (lake / ".hidden.pdf").write_bytes(files[2].read_bytes())
    (lake / "_skipped.pdf").write_bytes(files[2].read_bytes())
    (lake / "notes.txt").write_text("not asked for")
    rooted = SubTreeFileSystem(str(tmp_path), LocalFileSystem())
    with Emulator(api_keys={KEY}) as emulator:
        settings = options(emulator, tmp_path / "cache")
        report = report_of(
            read_somark_files(
                "lake", filesystem=rooted, file_extensions=["pdf"], files_per_task=16, **settings
            ).materialize()
        )
        assert len(emulator.accepted_tasks) == 4
        with pytest.raises(InvalidFileError, match="file_extensions"):
            read_somark_files("lake", filesystem=rooted, file_extensions=[".docx"], **settings)
    expected = [f"lake/{f.name}" for f in (files[0], files[2], files[3])] + ["lake/sub/moved.PDF"]
    assert sorted(f.source for f in report.files) == sorted(expected)
    assert {f.status for f in report.files} == {"loaded"}


def test_a_failed_file_is_in_the_report_and_the_others_load(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    from somark_loaders.ray import chunks_of, read_somark_files, report_of

    some = files[:6]
    with Emulator(api_keys={KEY}) as emulator:
        emulator.script("/parse/async", FailTask("unreadable scan"))  # the first submit
        per_file = read_somark_files(
            some,
            workers=2,
            num_cpus=0.25,
            files_per_task=3,
            **options(emulator, tmp_path / "cache"),
        ).materialize()
        report = report_of(per_file)
    failed = [f for f in report.files if f.status == "failed"]
    assert len(failed) == 1 and failed[0].task_id and "unreadable scan" in str(failed[0].error)
    assert sorted(f.status for f in report.files) == ["failed"] + ["loaded"] * 5
    sources = {row["source"] for row in chunks_of(per_file).take_all()}
    assert sources == {str(p) for p in some} - {failed[0].source}


def test_an_account_refusal_stops_every_worker_of_its_pipeline_and_no_later_one(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """A 1123 (pages used up) to one worker's upload: no worker of that pipeline uploads
    again. The quota is topped up: the next pipeline of the cluster (the same account
    actor) uploads and loads every file."""
    some = files[:8]
    with Emulator(api_keys={KEY}, quota_pages=0) as emulator:
        settings = {**options(emulator, tmp_path / "cache"), "requests_per_second": 2}
        run = {"workers": 2, "num_cpus": 0.25, "files_per_task": 4, **settings}
        report = report_of(read_somark_files(some, **run).materialize())
        assert len(emulator.requests_to("/parse/async")) == 1
        assert sorted(f.status for f in report.files) == ["failed"] + ["not_started"] * 7
        assert all(f.code == 1123 for f in report.files)

        emulator.set(quota_pages=None)  # pages bought
        again = report_of(read_somark_files(some, **run).materialize())
        assert [f.status for f in again.files] == ["loaded"] * 8
        assert len(emulator.accepted_tasks) == 8


def test_a_worker_killed_holding_every_task_slot_frees_them_within_seconds(
    local_ray: None, files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker holding all the account's task slots is SIGKILLed (as the OOM killer
    does): its slots are free again once its short lease ends, not after ``max_wait``,
    and the next pipeline loads its files. While it lived, it kept them past its lease."""
    import os
    import signal

    from somark_loaders._loading import LoaderSettings
    from somark_loaders.batch import _ray_limits
    from somark_loaders.ray import cluster_limits

    lease = 1.0
    monkeypatch.setattr(_ray_limits, "MIN_SLOT_LEASE", lease, raising=False)

    @ray.remote(num_cpus=0)
    class Holder:
        def hold(self, limits: Any, tasks: int) -> int:
            slots = limits.slots(tasks)
            self.taken = [slots.try_acquire() for _ in range(tasks)]
            assert None not in self.taken
            return os.getpid()

    with Emulator(api_keys={KEY}, max_in_flight=TASKS) as emulator:
        settings = options(emulator, tmp_path / "cache")
        limits = cluster_limits(LoaderSettings(**settings))  # what this pipeline's workers get

        def in_flight() -> int:
            return int(ray.get(limits.actor.stats.remote())["in_flight"])

        holder = Holder.remote()  # type: ignore[attr-defined]
        pid = ray.get(holder.hold.remote(limits, TASKS))
        time.sleep(3 * lease)  # alive: it renews its leases
        assert in_flight() == TASKS
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        while in_flight() and time.monotonic() - killed < 60:  # far below max_wait (30 min)
            time.sleep(0.1)
        assert in_flight() == 0

        report = report_of(read_somark_files(files[:4], workers=1, **settings).materialize())
        assert [f.status for f in report.files] == ["loaded"] * 4
        assert len(emulator.accepted_tasks) == 4


def test_rows_become_langchain_and_llamaindex_documents(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    from somark_loaders.llama_index import SoMarkReader
    from somark_loaders.ray import read_somark, to_documents, to_llama_documents

    some = files[:2]
    with Emulator(api_keys={KEY}) as emulator:
        settings = options(emulator, tmp_path / "cache")
        dataset = read_somark(some, **settings)
        batch = dataset.take_batch(1000)  # numpy columns, as map_batches gives them
        documents = sorted(to_documents(batch), key=lambda d: str(d.id))
        expected = sorted(SoMarkLoader(some, **settings).load(), key=lambda d: str(d.id))
        nodes = sorted(to_llama_documents(batch), key=lambda n: n.id_)
        reader = sorted(SoMarkReader(**settings).load_data(some), key=lambda n: n.id_)
    assert [(d.id, d.page_content, d.metadata) for d in documents] == [
        (d.id, d.page_content, d.metadata) for d in expected
    ]
    assert [(n.id_, n.text, n.metadata, n.relationships) for n in nodes] == [
        (n.id_, n.text, n.metadata, n.relationships) for n in reader
    ]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_account_actor_paces_pauses_and_leases_slots() -> None:
    """The actor's body, as every worker sees it (plain Python: no Ray needed)."""
    clock = _Clock()
    limits = AccountLimits(per_second=2, tasks=1, auto=False, clock=clock)
    now = time.time()
    assert limits.reserve(now, "p") == (0.0, None)
    wait, _ = limits.reserve(now, "p")
    assert wait == pytest.approx(0.51)  # 1.02 / 2: every worker's next submit waits
    limits.pause(now + 5)  # one worker was told 1124: all hold
    assert limits.held(now) == pytest.approx(5)
    assert limits.reserve(now, "p")[0] >= 5
    paced = AccountLimits(per_second=2, tasks=1, auto=False, clock=clock)
    clock.now = now
    assert paced.reserve(now, "p") == (0.0, None)
    paced.sent(now, now + 0.3)  # its worker sent it 0.3 s past its slot
    assert paced.reserve(now, "p")[0] == pytest.approx(0.3 + 0.51)  # spaced from then
    clock.now = now + 5  # that one's worker has not said it went: it goes now, if at all
    assert paced.reserve(now, "p")[0] == pytest.approx(5 + 0.51)
    paced.sent(now + 5.51, float("-inf"))  # given up: it never goes
    paced.sent(now + 9, now + 8)  # a worker that did not wait for its slot
    assert (paced.stats()["submits_sent"], paced.stats()["sent_early"]) == (2, 1)
    assert limits.stats()["closest_slots"] == pytest.approx(0.51)  # 1.02 / 2 apart at least
    clock.now = 1000.0
    assert limits.acquire("a", lease=60) and not limits.acquire("b", lease=60)
    limits.release("a")
    assert limits.acquire("b", lease=1)
    clock.now += 2  # its worker died holding it: the lease ends, the slot is free again
    assert limits.acquire("c", lease=60)
    assert limits.stats()["most_in_flight"] == 1


def test_a_slot_is_held_while_its_holder_renews_it_and_free_soon_after_it_stops() -> None:
    clock = _Clock()
    limits = AccountLimits(per_second=2, tasks=2, auto=False, clock=clock)
    assert limits.acquire("alive", lease=6) and limits.acquire("killed", lease=6)
    for _ in range(100):  # far past the lease: the living holder renews every 2 s
        clock.now += 2
        limits.renew(["alive"], lease=6)
        if clock.now - 1000 < 6:  # the killed worker's lease has not ended yet
            assert not limits.acquire("next", lease=6)
    assert limits.acquire("next", lease=6)  # the killed worker's slot
    assert not limits.acquire("another", lease=6)  # the living one kept its own
    assert limits.stats()["in_flight"] == 2

    clock.now += 7  # both holders stalled past their leases: their slots went...
    assert limits.acquire("another", lease=6)
    limits.renew(["alive", "next"], lease=6)  # ...and come back: their tasks are in flight
    assert limits.stats()["in_flight"] == 3
    assert not limits.acquire("more", lease=6)


def test_a_freed_task_slot_goes_to_the_run_that_started_first() -> None:
    """Two runs (two Ray tasks' batches) wait for the account's slots: a freed one goes to
    the older run even when the younger asks first, and only while the older waits."""
    clock = _Clock()
    limits = AccountLimits(per_second=100, tasks=2, auto=False, clock=clock)
    assert limits.acquire("a1", 60, "older", since=1.0, waiting=3)
    assert limits.acquire("a2", 60, "older", since=1.0, waiting=2)
    assert not limits.acquire("a3", 60, "older", since=1.0, waiting=1)  # all taken
    limits.release("a1")
    assert not limits.acquire("b1", 60, "younger", since=2.0, waiting=2)  # asks first
    assert limits.acquire("a3", 60, "older", since=1.0, waiting=1)  # the older's turn
    limits.release("a2")
    assert limits.acquire("b1", 60, "younger", since=2.0, waiting=2)  # none older waits
    assert not limits.acquire("a4", 60, "older", since=1.0, waiting=1)  # full: it waits
    limits.release("a3")
    assert not limits.acquire("b2", 60, "younger", since=2.0, waiting=1)  # the older's
    clock.now += WAITER_KEPT  # the older stopped asking (its load stopped): no place
    assert limits.acquire("b2", 60, "younger", since=2.0, waiting=1)


def test_an_account_refusal_stops_the_pipeline_that_met_it_and_no_other() -> None:
    clock = _Clock()
    limits = AccountLimits(per_second=100, tasks=1, auto=False, clock=clock)
    refusal = QuotaExceededError("Insufficient remaining pages in plan", code=1123)
    limits.halt("first", refusal)
    for _ in range(30):  # its workers keep asking while it runs: it stays stopped
        clock.now += 60
        assert limits.reserve(clock.now, "first")[1] is refusal
        assert limits.reserve(clock.now, "second")[1] is None  # another pipeline uploads
    clock.now += REFUSAL_KEPT + 1  # the first pipeline ended long ago: forgotten
    assert limits.reserve(clock.now, "second")[1] is None
    assert limits.stats()["halted"] == []


def test_building_the_pipeline_uses_no_deprecated_ray_argument(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """Ray 2.51 deprecated ``concurrency`` in ``map_batches``, and logs a warning for every
    call that passes it: each ``read_somark`` printed one per stage. The number of loading
    tasks is now given as Ray asks it (a sized task pool), and still reaches the plan."""
    import ray.data

    from somark_loaders.ray import _task_pool, read_somark

    said: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record)

    catch = Catch(logging.WARNING)
    logger = logging.getLogger("ray.data._internal.util")
    logger.addHandler(catch)
    try:
        with Emulator(api_keys={KEY}) as emulator:
            dataset = read_somark(
                files[0].parent, workers=3, **options(emulator, tmp_path / "cache")
            )
    finally:
        logger.removeHandler(catch)
    assert not [r for r in said if "deprecated" in r.getMessage()], [r.getMessage() for r in said]
    assert dataset is not None
    pool = _task_pool(3)["compute"]  # three loading tasks at once, as Ray asks it
    assert isinstance(pool, ray.data.TaskPoolStrategy) and pool.size == 3
