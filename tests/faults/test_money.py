"""Never pay twice: cancellation during a submit, ambiguous uploads, account refusals,
files the service counts over its limits."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from pathlib import Path

import pytest
from langchain_core.documents import Document

from somark_loaders import AmbiguousSubmitError, AuthenticationError, ResultCache, SoMarkClient
from somark_loaders.emulator import BusinessError, Delay, Drop, Emulator, HTTPError
from somark_loaders.files._files import Upload
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.options import ParseOptions
from somark_loaders.service._flow import Context, Send, Sleep
from somark_loaders.service._resumable import CacheSlot, resumable_parse_flow
from somark_loaders.service._retry import PollPolicy, RateLimiter, RetryPolicy

from ..conftest import KEY
from ..test_hard_documents import long_word_file
from .helpers import FAST, distinct_pdfs, loader

SUBMIT = "/parse/async"


# --- 1. a cancelled submit still records its task ---------------------------------------


async def _when_uploaded(emulator: Emulator) -> None:
    while not emulator.requests_to(SUBMIT):
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("how", ["wait_for", "task.cancel"])
def test_async_cancel_while_the_submit_answer_is_on_its_way_does_not_pay_twice(
    emulator: Emulator, tmp_path: Path, how: str
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Delay(0.8))  # the service takes its time to accept the upload

    async def interrupted() -> None:
        load = asyncio.ensure_future(loader(pdf, emulator).aload())
        await _when_uploaded(emulator)  # the whole upload is there; its answer is not yet
        if how == "wait_for":
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(load, timeout=0.1)
        else:
            load.cancel()
            with pytest.raises(asyncio.CancelledError):
                await load

    asyncio.run(interrupted())
    assert len(emulator.accepted_tasks) == 1
    docs = loader(pdf, emulator).load()  # the re-run polls the recorded task
    assert docs
    assert len(emulator.accepted_tasks) == 1, "the re-run uploaded the file again"


def test_async_client_parse_cancelled_mid_submit_resumes_its_task(
    emulator: Emulator, tmp_path: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Delay(0.5))
    cache = tmp_path / "cache"

    async def run() -> str:
        from somark_loaders import AsyncSoMarkClient

        async with AsyncSoMarkClient(
            base_url=emulator.base_url, api_key=KEY, cache=cache, **FAST
        ) as client:
            task = asyncio.ensure_future(client.parse(pdf))
            await _when_uploaded(emulator)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return (await client.parse(pdf)).task_id

    task_id = asyncio.run(run())
    time.sleep(0.7)  # any upload still held by the emulator's delay has been accepted now
    assert emulator.accepted_tasks == [task_id]


# --- 2. an upload that may have been accepted is never re-sent silently ----------------


def test_a_dropped_submit_is_reported_ambiguous_and_not_uploaded_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Drop(process=True))  # accepted, answer lost
    first = loader(pdf, emulator, on_error="collect")
    assert first.load() == []
    (outcome,) = first.last_report.files
    assert outcome.status == "ambiguous"
    assert "resubmit_ambiguous" in (outcome.error or "")
    assert len(emulator.accepted_tasks) == 1

    again = loader(pdf, emulator, on_error="collect")
    assert again.load() == []
    assert again.last_report.files[0].status == "ambiguous"
    assert len(emulator.accepted_tasks) == 1, "an ambiguous upload was paid for again"

    willing = loader(pdf, emulator, resubmit_ambiguous=True)
    assert willing.load()
    assert len(emulator.accepted_tasks) == 2  # paid again, as asked


@pytest.mark.parametrize(("status", "process"), [(500, True), (500, False), (507, True)])
def test_a_5xx_answer_to_an_upload_is_ambiguous_in_this_run_and_the_next(
    emulator: Emulator, tmp_path: Path, status: int, process: bool
) -> None:
    """A 5xx answer to an upload keeps the ledger's entry: the next run does not upload
    the file again (two tasks for one file if the service had created the first)."""
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, HTTPError(status, process=process))
    first = loader(pdf, emulator, on_error="collect")
    assert first.load() == []
    (outcome,) = first.last_report.files
    assert outcome.status == "ambiguous", outcome
    assert len(emulator.requests_to(SUBMIT)) == 1  # not retried: the task may exist

    again = loader(pdf, emulator, on_error="collect")
    assert again.load() == []
    assert again.last_report.files[0].status == "ambiguous"
    assert len(emulator.requests_to(SUBMIT)) == 1, "a 5xx upload was sent again"
    with pytest.raises(AmbiguousSubmitError, match="resubmit_ambiguous"):
        loader(pdf, emulator).load()

    assert loader(pdf, emulator, resubmit_ambiguous=True).load()  # paid again, as asked
    assert len(emulator.requests_to(SUBMIT)) == 2


def test_an_interrupted_upload_left_in_the_ledger_raises_under_raise(
    emulator: Emulator, tmp_path: Path, _private_cache: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Drop(process=True))
    with pytest.raises(AmbiguousSubmitError):
        loader(pdf, emulator).load()
    with pytest.raises(AmbiguousSubmitError, match="not sent again"):
        loader(pdf, emulator).load()
    assert len(emulator.accepted_tasks) == 1
    pending = ResultCache(_private_cache).ledger.pending_tasks()
    assert [(p.state, p.task_id) for p in pending] == [("submitting", None)]


def test_the_ledger_says_submitting_only_while_an_upload_is_on_its_way(tmp_path: Path) -> None:
    """A run killed while it waits for its submit slot has sent nothing: the ledger must not
    call that upload ambiguous."""
    cache = ResultCache(tmp_path / "cache")
    pdf = distinct_pdfs(tmp_path, 1)[0]
    slot = CacheSlot(cache, "k" * 64, pdf.name, "f" * 64, ParseOptions().to_dict())
    pace = RateLimiter(1.0)
    pace.reserve(0.0)  # another worker took the current slot: this one must wait
    ctx = Context(None, RetryPolicy(), PollPolicy(), random.Random(1), pace=pace)
    flow = resumable_parse_flow(ctx, Upload.from_input(pdf), ParseOptions(), slot)
    step = next(flow)
    while isinstance(step, Sleep) and step.seconds == 0:
        step = flow.send(0.0)
    assert isinstance(step, Sleep) and step.seconds > 0  # waiting for the slot
    assert cache.ledger.get(slot.key) is None  # killed here: nothing was sent
    step = flow.send(1.2)
    while isinstance(step, Sleep) and step.seconds == 0:  # clock readings
        step = flow.send(1.2)
    assert isinstance(step, Send) and step.billable
    entry = cache.ledger.get(slot.key)
    assert entry is not None and entry.state == "submitting"
    flow.close()


def test_the_client_parse_refuses_an_ambiguous_earlier_upload_unless_told(
    emulator: Emulator, tmp_path: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    cache = tmp_path / "cache"
    emulator.script(SUBMIT, Drop(process=True))
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, cache=cache, **FAST) as client:
        with pytest.raises(AmbiguousSubmitError):
            client.parse(pdf)
        with pytest.raises(AmbiguousSubmitError, match="resubmit_ambiguous=True"):
            client.parse(pdf)
    assert len(emulator.accepted_tasks) == 1
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, cache=cache, resubmit_ambiguous=True, **FAST
    ) as client:
        assert client.parse(pdf).pages
    assert len(emulator.accepted_tasks) == 2


# --- 3. a refused account stops the uploads ---------------------------------------------


@pytest.mark.parametrize("on_error", ["skip", "collect"])
@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_refused_key_is_not_tried_on_every_file(
    emulator: Emulator, tmp_path: Path, on_error: str, concurrency: int
) -> None:
    pdfs = distinct_pdfs(tmp_path, 6)
    load = loader(
        pdfs,
        emulator,
        api_key="sk-wrong-key-000000",
        on_error=on_error,
        max_concurrency=concurrency,
    )
    assert load.load() == []
    submits = emulator.requests_to(SUBMIT)
    assert len(submits) <= concurrency  # only the uploads already on their way
    report = load.last_report
    assert len(report.files) == 6
    statuses = [f.status for f in report.files]
    assert statuses.count("failed") == len(submits)
    assert statuses.count("not_started") == 6 - len(submits)
    for outcome in report.files:
        assert outcome.code == 1107 and outcome.error_type == "AuthenticationError"
    assert report.stopped and "1107" in report.stopped


def test_a_refused_key_raises_under_raise_with_a_complete_report(
    emulator: Emulator, tmp_path: Path
) -> None:
    pdfs = distinct_pdfs(tmp_path, 4)
    load = loader(pdfs, emulator, api_key="sk-wrong-key-000000")
    with pytest.raises(AuthenticationError):
        load.load()
    assert len(emulator.requests_to(SUBMIT)) == 1
    report = load.last_report
    assert [f.status for f in report.files] == [
        "failed",
        "not_started",
        "not_started",
        "not_started",
    ]
    assert all(f.code == 1107 for f in report.files)  # why they were not sent
    assert report.stopped and "1107" in report.stopped


@pytest.mark.parametrize("code", [1108, 1123])
def test_an_empty_quota_stops_the_async_load_too(
    emulator: Emulator, tmp_path: Path, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    pdfs = distinct_pdfs(tmp_path, 5)
    emulator.script(SUBMIT, BusinessError(code, "Insufficient remaining pages"))
    load = loader(pdfs, emulator, on_error="collect")

    async def run() -> list[object]:
        return await load.aload()

    with caplog.at_level(logging.ERROR, logger="somark_loaders"):
        assert asyncio.run(run()) == []
    assert len(emulator.requests_to(SUBMIT)) == 1
    assert [f.status for f in load.last_report.files].count("not_started") == 4
    assert any("stopped uploading" in r.getMessage() for r in caplog.records)


def test_files_already_paid_for_still_deliver_when_the_quota_runs_out(
    emulator: Emulator, tmp_path: Path
) -> None:
    pdfs = distinct_pdfs(tmp_path, 4)
    emulator.set(quota_pages=2)  # one-page files: the third upload gets 1123
    load = loader(pdfs, emulator, on_error="collect")
    docs = load.load()
    assert {d.metadata["file_name"] for d in docs} == {pdfs[0].name, pdfs[1].name}
    assert [f.status for f in load.last_report.files] == [
        "loaded",
        "loaded",
        "failed",
        "not_started",
    ]
    assert len(emulator.requests_to(SUBMIT)) == 3


def test_the_ambiguous_setting_reaches_the_reader_and_the_cli(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from somark_loaders.cli import main
    from somark_loaders.llama_index import SoMarkReader

    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Drop(process=True))
    common = ["load", str(pdf), "--base-url", emulator.base_url, "--api-key", KEY, "-q"]
    common += ["--rps", "50", "--poll-interval", "0.05", "--out", str(tmp_path / "out.jsonl")]
    assert main(common) == 1
    assert main(common) == 1  # still ambiguous: not uploaded again
    assert "ambiguous" in capsys.readouterr().err
    assert len(emulator.accepted_tasks) == 1
    reader = SoMarkReader(
        base_url=emulator.base_url, api_key=KEY, client_options=FAST, requests_per_second=50
    )
    with pytest.raises(AmbiguousSubmitError):
        reader.load_data(pdf)
    assert main([*common, "--resubmit-ambiguous"]) == 0
    assert len(emulator.accepted_tasks) == 2
    willing = SoMarkReader(base_url=emulator.base_url, api_key=KEY, resubmit_ambiguous=True)
    assert willing.load_data(pdf)  # cached now


# --- 4. a file the service counts over its limits is split further ---------------------


def _load(load: SoMarkLoader, how: str) -> list[Document]:
    if how == "async":

        async def collect() -> list[Document]:
            return [doc async for doc in load.alazy_load()]

        return asyncio.run(collect())
    return load.load()


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_word_file_refused_with_1132_is_split_and_its_parts_sent(
    emulator: Emulator, tmp_path: Path, how: str
) -> None:
    """The loader counts the handbook well under 300 pages; the service says 1132 (it
    counts Word pages its own way). The file is cut at a heading and both halves are
    parsed: one refused (unbilled) upload, and every page paid for once."""
    source = long_word_file(tmp_path / "handbook.docx", chapters=2, sections=2)
    emulator.script(SUBMIT, BusinessError(1132, "File exceeds 200MB / 300 pages limit"))
    load = loader(source, emulator, cache=ResultCache(tmp_path / "cache"), chunk_size=800)
    docs = _load(load, how)
    report = load.last_report
    assert report is not None and report.files[0].status == "loaded"
    names = [r.files[0].filename for r in emulator.requests_to(SUBMIT)]
    assert names[0] == "handbook.docx" and len(names) == 3
    assert all(".b0" in n for n in names[1:])  # the two halves, each sent once
    tasks = emulator.accepted_tasks
    assert len(tasks) == 2 and report.files[0].task_id == "+".join(tasks)
    assert {d.metadata["task_id"] for d in docs} == {"+".join(tasks)}
    paid = emulator.service.pages_used  # only the accepted parts count
    assert max(int(d.metadata["page_end"]) for d in docs) == paid
    starts = [int(d.metadata["page_number"]) for d in docs]
    assert starts == sorted(starts) and starts[0] == 1
    text = "\n".join(d.page_content for d in docs)
    assert all(text.count(f"Rule {c}.{s}.30:") == 1 for c in (1, 2) for s in (1, 2))
    _load(loader(source, emulator, cache=ResultCache(tmp_path / "cache")), how)
    assert len(emulator.requests_to(SUBMIT)) == 3  # a re-run is served by the cache


def test_parts_the_service_still_refuses_are_halved_again(tmp_path: Path) -> None:
    """A service limit far below the loader's count: the halves are refused too and
    halved again until each is accepted; nothing accepted is sent twice."""
    source = long_word_file(tmp_path / "handbook.docx", chapters=2, sections=2)
    with Emulator(api_keys={KEY}, max_pages=6) as emulator:  # it counts about 18
        docs = loader(source, emulator, chunk_size=800).load()
        refused = len(emulator.requests_to(SUBMIT)) - len(emulator.accepted_tasks)
        names = [r.files[0].filename for r in emulator.requests_to(SUBMIT)]
        paid = emulator.service.pages_used
    assert refused == 3 and len(names) == 7 and len(set(names)) == 7
    assert max(int(d.metadata["page_end"]) for d in docs) == paid
    text = "\n".join(d.page_content for d in docs)
    assert all(
        text.count(f"Rule {c}.{s}.{n}:") == 1 for c in (1, 2) for s in (1, 2) for n in (1, 30)
    )


def test_a_single_page_refused_as_too_long_fails_with_a_clear_error(
    emulator: Emulator, tmp_path: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, BusinessError(1132, "File exceeds 200MB / 300 pages limit"))
    load = loader(pdf, emulator, on_error="collect")
    assert load.load() == []
    error = load.last_report.files[0].error
    assert "cannot be split further" in error and len(emulator.requests_to(SUBMIT)) == 1
