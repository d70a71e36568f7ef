"""Never pay twice, never lose a file: cache, ledger, resume, split, budget."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import somark_loaders.store._claims as claims_module
from somark_loaders import (
    InvalidFileError,
    PageBudgetError,
    ParseOptions,
    SoMarkClient,
    TaskFailedError,
    TaskTimeoutError,
)
from somark_loaders.batch import _planning as planning
from somark_loaders.convert._boxes import parse_boxes
from somark_loaders.emulator import BusinessError, Emulator, FailTask, Status
from somark_loaders.emulator.samples import write_pdf
from somark_loaders.llama_index import SoMarkReader
from somark_loaders.store import _entries
from somark_loaders.store.cache import ResultCache

from .conftest import KEY, ONE_PAGE_PDF, PDF, PNG
from .fixtures import FAST, distinct_pdfs, loader

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# --- the cache ---------------------------------------------------------------------------


def test_a_second_load_makes_no_request(emulator: Emulator, tmp_path: Path) -> None:
    files = distinct_pdfs(tmp_path, 3)
    first = loader(files, emulator).load()
    seen = len(emulator.requests)
    again = loader(files, emulator)
    second = again.load()
    assert len(emulator.requests) == seen  # not one request
    assert len(again.last_report.cached) == 3 and "(3 from the cache)" in str(again.last_report)
    assert again.last_report.table().count(" cache ") == 3
    asyncio.run(again.aload())  # the async runner tells cached files apart too
    assert len(again.last_report.cached) == 3 and len(emulator.requests) == seen
    assert [(d.id, d.page_content, d.metadata) for d in first] == [
        (d.id, d.page_content, d.metadata) for d in second
    ]
    reader_docs = SoMarkReader(
        base_url=emulator.base_url, api_key=KEY, client_options=FAST
    ).load_data(files[0])
    assert len(emulator.requests) == seen and reader_docs


def test_a_cached_file_is_not_opened_again(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-run reads a cached file's result without checking the file again (it was
    checked when it was parsed; the key holds its bytes' hash): a 900-page PDF costs
    pypdf a few tenths of a second, and a re-run of a large batch as many minutes."""
    files = distinct_pdfs(tmp_path, 3)
    opened: list[str] = []
    real = planning.inspect_source

    def inspect(source: Any) -> int | None:
        opened.append(source.name)
        return real(source)

    monkeypatch.setattr(planning, "inspect_source", inspect)
    loader(files[:1], emulator).load()
    assert opened == [files[0].name]
    # checks first ("raise"), then checks as each file starts ("collect", async)
    for policy, new_file in (("raise", files[1]), ("collect", files[2])):
        opened.clear()
        load = loader([files[0], new_file], emulator, on_error=policy)
        if policy == "collect":
            asyncio.run(load.aload())
        else:
            load.load()
        assert opened == [new_file.name], policy  # the new file only
        assert [f.cached for f in load.last_report.files] == [True, False]


def test_client_parse_uses_the_cache_and_other_options_miss(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        first = client.parse(ONE_PAGE_PDF)
        again = client.parse(ONE_PAGE_PDF.read_bytes(), file_name="renamed.pdf")  # same bytes
        other = client.parse(ONE_PAGE_PDF, {"feature_config": {"keep_header_footer": True}})
    assert len(emulator.requests_to("/parse/async")) == 2
    assert again.pages == first.pages and other.task_id != first.task_id


def test_the_cache_can_be_moved_or_turned_off(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOMARK_CACHE_DIR", "off")
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        client.parse(PNG)
        client.parse(PNG)
    assert len(emulator.requests_to("/parse/async")) == 2
    moved = tmp_path / "elsewhere"
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=moved
    ) as client:
        client.parse(PNG)
        client.parse(PNG)
    assert len(emulator.requests_to("/parse/async")) == 3
    assert list((moved / "results").rglob("*.json"))


def test_entries_are_private_atomic_and_hold_no_key(
    emulator: Emulator, _private_cache: Path
) -> None:
    loader(ONE_PAGE_PDF, emulator).load()
    entries = list((_private_cache / "results").rglob("*"))
    files = [p for p in entries if p.is_file()]
    assert len(files) == 1 and not list(_private_cache.rglob(".tmp-*"))
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert (_private_cache / "results").stat().st_mode & 0o777 == 0o700
    payload = json.loads(files[0].read_text())
    assert payload["file_name"] == ONE_PAGE_PDF.name and payload["task_id"]
    assert KEY not in files[0].read_text()
    assert not list((_private_cache / "ledger").glob("*.json"))  # cleared once cached


@pytest.mark.parametrize("damage", ["truncate", "tamper"])
def test_a_corrupt_entry_is_reported_and_fetched_again(
    emulator: Emulator, _private_cache: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    first = loader(ONE_PAGE_PDF, emulator).load()
    (entry,) = [p for p in (_private_cache / "results").rglob("*.json")]
    text = entry.read_text()
    entry.write_text(
        text[: len(text) // 2] if damage == "truncate" else text.replace("Hyper", "Hypo")
    )
    caplog.set_level(logging.WARNING, logger="somark_loaders")
    again = loader(ONE_PAGE_PDF, emulator).load()
    assert "corrupt" in caplog.text
    assert len(emulator.requests_to("/parse/async")) == 2
    assert [d.page_content for d in again] == [d.page_content for d in first]
    assert ResultCache(_private_cache).results.get(entry.stem) is not None  # rewritten whole


def test_entries_of_the_first_format_are_still_read(
    emulator: Emulator, _private_cache: Path
) -> None:
    """Upgrading the package must not make anyone pay again for what they cached."""
    loader(ONE_PAGE_PDF, emulator).load()
    (entry,) = [p for p in (_private_cache / "results").rglob("*.json")]
    payload = json.loads(entry.read_text())  # the current format is plain JSON too
    assert payload["version"] == _entries.ENTRY_VERSION
    data = payload.pop("data")
    payload.pop("checksum")
    old = {**payload, "version": 1, "checksum": _entries._checksum_v1(data), "data": data}
    entry.write_text(json.dumps(old))
    assert ResultCache(_private_cache).results.get(entry.stem) == data
    loader(ONE_PAGE_PDF, emulator).load()
    assert len(emulator.requests_to("/parse/async")) == 1


@pytest.mark.parametrize(
    "damage", [b"\xff\xfe not text", b"", b'{"version": 2,\n"data": {}}', b"[1, 2]"]
)
def test_damaged_entries_of_any_shape_are_misses(tmp_path: Path, damage: bytes) -> None:
    cache = ResultCache(tmp_path)
    cache.results.put("k", {"a": 1}, file_name="f.pdf", file_sha256="0", options={}, task_id="t")
    assert cache.results.get("k") == {"a": 1}
    path = next((tmp_path / "results").rglob("k.json"))
    path.write_bytes(damage)
    assert cache.results.get("k") is None and not path.exists()


# --- the ledger --------------------------------------------------------------------------


def test_a_timed_out_task_is_resumed_not_resubmitted(emulator: Emulator) -> None:
    emulator.script("/parse/async_check", *[Status("PROCESSING")] * 3)
    with (
        SoMarkClient(
            base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, max_wait=0.1
        ) as client,
        pytest.raises(TaskTimeoutError) as caught,
    ):
        client.parse(ONE_PAGE_PDF)
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        result = client.parse(ONE_PAGE_PDF)
    assert result.task_id == caught.value.task_id
    assert len(emulator.requests_to("/parse/async")) == 1


def test_a_task_the_service_forgot_is_submitted_again(_private_cache: Path) -> None:
    with Emulator(api_keys={KEY}) as emulator:
        emulator.script("/parse/async_check", *[Status("QUEUING")] * 10)
        with (
            SoMarkClient(
                base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, max_wait=0.1
            ) as client,
            pytest.raises(TaskTimeoutError),
        ):
            client.parse(PNG)
        assert ResultCache(_private_cache).ledger.pending_tasks()
        emulator.script("/parse/async_check", BusinessError(1111, "task not found"))
        with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
            client.parse(PNG)
        assert len(emulator.requests_to("/parse/async")) == 2
    assert not ResultCache(_private_cache).ledger.pending_tasks()


def test_a_failed_task_is_not_resumed(emulator: Emulator) -> None:
    emulator.script("/parse/async", FailTask("bad scan"))
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        with pytest.raises(TaskFailedError):
            client.parse(PNG)
        client.parse(PNG)  # submitted anew
    assert len(emulator.accepted_tasks) == 2


def test_a_write_killed_before_its_rename_lists_no_task(tmp_path: Path) -> None:
    """A ``kill -9`` while the task id was being written leaves the temporary file of that
    write: the ledger still says what the renamed file says (an upload on its way), and the
    temporary file is not listed as a task of its own."""
    cache = ResultCache(tmp_path)
    cache.ledger.submitting("k" * 64, "a.pdf")
    half_written = tmp_path / "ledger" / ".tmp-x1y2z3.json"
    half_written.write_text(
        json.dumps({"state": "submitted", "task_id": "t1", "file_name": "a.pdf", "created": 1.0})
    )
    (entry,) = cache.ledger.pending_tasks()
    assert (entry.key, entry.state, entry.task_id) == ("k" * 64, "submitting", None)


KILLED_RUN = textwrap.dedent(
    f"""
    import sys
    from somark_loaders.langchain import SoMarkLoader

    base_url, folder = sys.argv[1], sys.argv[2]
    loader = SoMarkLoader(folder, base_url=base_url, api_key="{KEY}", client_options={{"poll_interval": 0.05}},
                          requests_per_second=50)
    for doc in loader.lazy_load():
        pass
    """
)


@pytest.mark.slow
def test_a_killed_batch_resumes_without_resubmitting(tmp_path: Path, _private_cache: Path) -> None:
    files = distinct_pdfs(tmp_path, 6)
    with Emulator(api_keys={KEY}, seconds_per_page=1.0) as emu:
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_RUN, emu.base_url, str(tmp_path)], env=os.environ.copy()
        )
        deadline = time.monotonic() + 60
        while len(emu.accepted_tasks) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        ledger = ResultCache(_private_cache)
        while not any(e.task_id for e in ledger.ledger.pending_tasks()):
            assert time.monotonic() < deadline, "the third task's id never reached the ledger"
            time.sleep(0.02)  # the third task is running once its id is in the ledger
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        killed_with = len(emu.accepted_tasks)
        assert killed_with == 3
        assert len(ResultCache(_private_cache).ledger.pending_tasks()) == 1
        again = loader(tmp_path, emu)
        docs = again.load()
        accepted = [emu.service.tasks[t].sha256 for t in emu.accepted_tasks]
    assert all(f.ok for f in again.last_report.files) and len(again.last_report.files) == len(files)
    assert len(accepted) == len(set(accepted)) == len(files)  # no file accepted twice
    assert {d.metadata["file_name"] for d in docs} == {f.name for f in files}


SHARED_RUN = textwrap.dedent(
    f"""
    import sys
    from somark_loaders.langchain import SoMarkLoader

    loader = SoMarkLoader(sys.argv[2], base_url=sys.argv[1], api_key="{KEY}", client_options={{"poll_interval": 0.02}},
                          requests_per_second=100, max_concurrency=3)
    print(len(loader.load()))
    """
)


@pytest.mark.slow
def test_two_processes_share_one_cache_without_corrupting_it(
    tmp_path: Path, _private_cache: Path
) -> None:
    distinct_pdfs(tmp_path, 8)
    with Emulator(api_keys={KEY}) as emu:
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", SHARED_RUN, emu.base_url, str(tmp_path)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in runs]
        assert [p.returncode for p in runs] == [0, 0]
        assert outputs[0] == outputs[1]
        cache = ResultCache(_private_cache)
        entries = list((_private_cache / "results").rglob("*.json"))
        assert len(entries) == 8 and all(cache.results.get(p.stem) is not None for p in entries)
        assert len(emu.accepted_tasks) == 8  # claims: no file parsed by both processes
        seen = len(emu.requests)
        loader(tmp_path, emu).load()
        assert len(emu.requests) == seen


def test_two_workers_on_the_same_file_pay_once(_private_cache: Path) -> None:
    import threading

    with Emulator(api_keys={KEY}, seconds_per_page=0.5) as emu:
        results = []

        def work() -> None:
            with SoMarkClient(base_url=emu.base_url, api_key=KEY, poll_interval=0.05) as client:
                results.append(client.parse(ONE_PAGE_PDF))

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(emu.accepted_tasks) == 1
    assert len(results) == 3 and len({r.task_id for r in results}) == 1
    assert not list((_private_cache / "ledger").glob("*.lock"))  # claims released


@pytest.fixture(params=["flock", "lock-file"])
def claim_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Claims by ``flock`` (POSIX) and by the atomic lock file used where it is missing."""
    if request.param == "lock-file":
        monkeypatch.setattr(claims_module, "fcntl", None)
    return str(request.param)


CLAIMING = textwrap.dedent(
    """
    import os, sys, time
    import somark_loaders.store._claims as claims_module
    from somark_loaders.store.cache import ResultCache
    if sys.argv[4] == "lock-file":
        claims_module.fcntl = None
    cache = ResultCache(sys.argv[1])
    log = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    end = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < end:
        if cache.claims.claim("k"):
            os.write(log, f"+{os.getpid()}\\n".encode())
            time.sleep(0.0005)
            os.write(log, f"-{os.getpid()}\\n".encode())
            cache.claims.release("k")
    """
)


@pytest.mark.slow
def test_claims_exclude_each_other_across_processes(tmp_path: Path, claim_mode: str) -> None:
    """Three processes fight for one claim for a second: never two holders at a time."""
    log = tmp_path / "log"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMING, str(tmp_path / "c"), str(log), "1.5", claim_mode]
        )
        for _ in range(3)
    ]
    assert [p.wait(timeout=60) for p in runs] == [0, 0, 0]
    holder, taken = None, 0
    for line in log.read_text().splitlines():
        sign, pid = line[0], line[1:]
        if sign == "+":
            assert holder is None, f"{pid} took the claim while {holder} held it"
            holder, taken = pid, taken + 1
        else:
            assert holder == pid
            holder = None
    assert taken > 30 and len({line[1:] for line in log.read_text().splitlines()}) >= 2
    assert not list((tmp_path / "c" / "ledger").iterdir())  # every claim released, no debris


def test_claims_exclude_threads_and_are_released(tmp_path: Path, claim_mode: str) -> None:
    first, second = ResultCache(tmp_path), ResultCache(tmp_path)  # same folder, two objects
    assert first.claims.claim("k")
    assert not first.claims.claim("k") and not second.claims.claim("k")
    assert second.claims.claim("other")
    first.claims.release("k")
    assert second.claims.claim("k")
    second.claims.release("k")
    second.claims.release("other")
    second.claims.release("never-claimed")  # a no-op
    assert not list((tmp_path / "ledger").glob("*.lock"))


def test_a_damaged_claim_file_is_taken_over_once_it_is_old(tmp_path: Path, claim_mode: str) -> None:
    cache = ResultCache(tmp_path)
    lock = tmp_path / "ledger" / "k.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")  # e.g. left empty by an older version that crashed
    if claim_mode == "lock-file":
        assert not cache.claims.claim("k")  # it could be being written right now
    old = time.time() - 120
    os.utime(lock, (old, old))
    assert cache.claims.claim("k")
    cache.claims.release("k")
    assert not lock.exists()


FORKED = textwrap.dedent(
    """
    import os, sys, time
    from somark_loaders.store.cache import ResultCache
    cache = ResultCache(sys.argv[1])
    assert cache.claims.claim("k")
    to_child, to_parent = os.pipe(), os.pipe()
    child = os.fork()
    if child == 0:  # the child does not hold its parent's claim, and cannot take it yet
        ok = not cache.claims.claim("k")
        os.write(to_parent[1], b"x")
        os.read(to_child[0], 1)  # the parent released it
        ok = ok and cache.claims.claim("k")
        cache.claims.release("k")
        os._exit(0 if ok else 1)
    os.read(to_parent[0], 1)
    cache.claims.release("k")
    os.write(to_child[1], b"x")
    _, status = os.waitpid(child, 0)
    print(os.waitstatus_to_exitcode(status))
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_neither_holds_nor_blocks_its_parents_claims(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FORKED, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_a_claim_left_by_a_dead_process_is_taken_over(
    emulator: Emulator, _private_cache: Path, claim_mode: str
) -> None:
    import socket
    import subprocess as sp

    dead = sp.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        slot = client._slot(client._upload(PNG, None), ParseOptions())
        assert slot is not None
        lock = _private_cache / "ledger" / f"{slot.key}.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(f"{dead.stdout.strip()} {socket.gethostname()} {time.time():.0f}")
        client.parse(PNG)
    assert len(emulator.accepted_tasks) == 1 and not lock.exists()


def test_a_claim_of_a_live_process_is_respected_then_freed_by_its_kill(
    tmp_path: Path, claim_mode: str
) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "import somark_loaders.store._claims as c\n"
            "from somark_loaders.store.cache import ResultCache\n"
            "if sys.argv[2] == 'lock-file': c.fcntl = None\n"
            "print(ResultCache(sys.argv[1]).claims.claim('k'), flush=True)\n"
            "time.sleep(60)",
            str(tmp_path),
            claim_mode,
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
            assert not ResultCache(tmp_path).claims.claim("k")
        finally:
            holder.kill()
            holder.wait(timeout=10)
    cache = ResultCache(tmp_path)
    assert cache.claims.claim("k")  # no waiting for a timeout: the holder is gone
    cache.claims.release("k")


# --- large PDFs ----------------------------------------------------------------------------


def test_a_700_page_pdf_is_split_in_three_and_merged(emulator: Emulator, tmp_path: Path) -> None:
    big = write_pdf(tmp_path / "book.pdf", 700)
    load = loader(
        big,
        emulator,
        max_concurrency=3,
        feature_config={"enable_title_level_recognition": True},
        chunk_size=256,
    )
    docs = load.load()
    uploads = [r.files[0].filename for r in emulator.requests_to("/parse/async")]
    assert sorted(uploads) == ["book.p0001-0234.pdf", "book.p0235-0467.pdf", "book.p0468-0700.pdf"]
    report = load.last_report.files[0]
    assert report.ok and report.pages == 700 and report.task_id and report.task_id.count("+") == 2
    assert not report.cached
    assert docs[0].metadata["page_number"] == 1 and docs[-1].metadata["page_end"] == 700
    for doc in docs:  # boxes on the merged file's global pages, those of the chunk
        pages = {box[0] for box in parse_boxes(doc)}
        assert min(pages) == doc.metadata["page_number"] and max(pages) == doc.metadata["page_end"]
    assert docs[-1].metadata["heading_path"] == "Chapter 14"
    assert "Page 700 of chapter 14." in docs[-1].page_content
    ids = [d.id for d in docs]
    assert len(set(ids)) == len(ids) and all(i.startswith(docs[0].metadata["doc_id"]) for i in ids)
    by_page = {}
    for doc in load.__class__(big, base_url=emulator.base_url, api_key=KEY, mode="page").load():
        by_page[doc.metadata["page_number"]] = doc.page_content
        assert {box[0] for box in parse_boxes(doc)} == {doc.metadata["page_number"]}
    assert sorted(by_page) == list(range(1, 701))
    assert all(f"Page {n} of chapter" in by_page[n] for n in (1, 234, 235, 468, 700))
    seen = len(emulator.requests)
    again = loader(big, emulator)
    again.load()
    assert len(emulator.requests) == seen  # the parts are cached
    assert again.last_report.files[0].cached


def test_a_failed_part_fails_the_file_and_the_others_stay_cached(
    emulator: Emulator, tmp_path: Path
) -> None:
    big = write_pdf(tmp_path / "book.pdf", 700)
    emulator.script("/parse/async", FailTask("part broke"))  # the first submit
    load = loader(big, emulator, on_error="collect")
    assert load.load() == []
    assert load.last_report.files[0].error_type == "TaskFailedError"
    retry = loader(big, emulator)
    assert retry.load()
    assert len(emulator.requests_to("/parse/async")) == 4  # three parts, then only the failed one


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("empty.pdf", lambda: b"", "empty"),
        ("locked.pdf", (DATA / "2206.01062_pg3.pdf").read_bytes, "encrypted"),
        (
            "broken.pdf",
            (DATA / "unreadablemetadata.pdf").read_bytes,
            "not a readable PDF",
        ),
    ],
)
def test_empty_encrypted_and_corrupted_pdfs_fail_before_upload(
    emulator: Emulator, tmp_path: Path, name: str, make: Any, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(InvalidFileError, match=message):
        loader(path, emulator).load()
    assert emulator.requests_to("/parse/async") == []


# --- cost guard ----------------------------------------------------------------------------


def test_dry_run_and_page_budget(emulator: Emulator, tmp_path: Path) -> None:
    shutil.copy(PDF, tmp_path / "paper.pdf")
    shutil.copy(PNG, tmp_path / "table.png")
    estimate = loader(tmp_path, emulator).estimate()
    assert (estimate.pages, estimate.cached_pages, estimate.pages_to_parse) == (14, 0, 14)
    assert "14 pages in 2 files" in estimate.table()
    assert emulator.requests == []
    with pytest.raises(PageBudgetError, match="max_pages=10"):
        loader(tmp_path, emulator, max_pages=10).load()
    assert emulator.requests == []
    loader(tmp_path / "paper.pdf", emulator).load()
    assert loader(tmp_path, emulator).estimate().pages_to_parse == 1
    assert loader(tmp_path, emulator, max_pages=1).load() is not None  # cached pages are free
