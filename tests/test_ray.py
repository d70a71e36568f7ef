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

from somark_loaders._ray_limits import AccountLimits  # noqa: E402
from somark_loaders.emulator import BusinessError, Emulator, FailTask  # noqa: E402
from somark_loaders.langchain import SoMarkLoader  # noqa: E402
from somark_loaders.ray import read_somark_files, report_of  # noqa: E402

from .conftest import KEY, ONE_PAGE_PDF  # noqa: E402

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
    folder = tmp_path / "lake"
    folder.mkdir()
    made = []
    for i in range(40):  # distinct bytes: 40 documents, not one cached 40 times
        path = folder / f"doc{i:02d}.pdf"
        path.write_bytes(ONE_PAGE_PDF.read_bytes() + f"\n% copy {i}\n".encode())
        made.append(path)
    return made


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
    from somark_loaders.ray import chunks_of, read_somark, read_somark_files, report_of

    cache = tmp_path / "shared-cache"  # a directory every node sees
    with Emulator(api_keys={KEY}, qps=RATE, max_in_flight=TASKS, seconds_per_page=0.1) as emulator:
        settings = options(emulator, cache)
        per_file = read_somark_files(
            files[0].parent, workers=4, num_cpus=0.25, files_per_task=10, **settings
        ).materialize()
        submits = emulator.requests_to("/parse/async")
        # the account's limits held: no submit refused (a 1101 or 1124 would be sent again)
        assert len(submits) == len(emulator.accepted_tasks) == 40
        assert sorted(r.files[0].filename for r in submits) == [f.name for f in files]
        arrived = sorted(r.received for r in submits)
        busiest = max(sum(1 for t in arrived if start <= t < start + 1) for start in arrived)
        assert busiest <= RATE  # in any second, whatever the workers
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


def test_an_account_refusal_seen_by_one_worker_stops_every_worker(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """A 1108 (balance used up) to one worker's upload: no worker uploads again."""
    some = files[:8]
    with Emulator(api_keys={KEY}) as emulator:
        emulator.script("/parse/async", BusinessError(1108, "balance used up"))
        settings = {**options(emulator, tmp_path / "cache"), "requests_per_second": 2}
        per_file = read_somark_files(
            some, workers=2, num_cpus=0.25, files_per_task=4, **settings
        ).materialize()
        report = report_of(per_file)
        uploads = len(emulator.requests_to("/parse/async"))
    assert uploads == 1
    assert sorted(f.status for f in report.files) == ["failed"] + ["not_started"] * 7
    assert all(f.code == 1108 for f in report.files)


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


def test_the_account_actor_paces_pauses_and_leases_slots() -> None:
    """The actor's body, as every worker sees it (plain Python: no Ray needed)."""
    limits = AccountLimits(per_second=2, tasks=1, auto=False)
    now = time.time()
    assert limits.reserve(now) == (0.0, None)
    wait, _ = limits.reserve(now)
    assert wait == pytest.approx(0.55)  # 1.1 / 2: every worker's next submit waits
    limits.pause(now + 5)  # one worker was told 1124: all hold
    assert limits.held(now) == pytest.approx(5)
    assert limits.reserve(now)[0] >= 5
    assert limits.acquire("a", lease=60) and not limits.acquire("b", lease=60)
    limits.release("a")
    assert limits.acquire("b", lease=0.01)
    time.sleep(0.02)  # its worker died holding it: the lease ends, the slot is free again
    assert limits.acquire("c", lease=60)
    assert limits.stats()["most_in_flight"] == 1


def test_the_example_pipeline_embeds_chunks_and_writes_parquet(
    local_ray: None, files: list[Path], tmp_path: Path
) -> None:
    """``examples/ray_pipeline.py``: parse once, embed in ``map_batches``, parquet out."""
    import importlib.util

    import pyarrow.parquet as pq

    path = Path(__file__).resolve().parent.parent / "examples" / "ray_pipeline.py"
    spec = importlib.util.spec_from_file_location("ray_pipeline", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    folder = tmp_path / "three"
    folder.mkdir()
    for file in files[:3]:
        (folder / file.name).write_bytes(file.read_bytes())
    (folder / "notes.txt").write_text("not a document SoMark takes")  # not listed
    with Emulator(api_keys={KEY}) as emulator:
        report = example.run(folder, tmp_path / "out", **options(emulator, tmp_path / "cache"))
    assert [f.status for f in report.files] == ["loaded"] * 3
    table = pq.read_table(tmp_path / "out")
    assert table.num_rows == sum(f.documents for f in report.files)
    assert {"id", "text", "page_number", "heading_path", "vector"} <= set(table.column_names)
    assert all(len(v) == example.DIMENSIONS for v in table.column("vector").to_pylist())
    assert len(set(table.column("id").to_pylist())) == table.num_rows
