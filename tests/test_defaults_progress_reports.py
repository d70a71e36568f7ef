"""Fast defaults against the emulator (and SoMark's own against anything else), a progress
bar, reports and ids that tell the truth."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from somark_loaders import SoMarkClient, SoMarkError
from somark_loaders.emulator import Emulator, FailTask
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.service._retry import EMULATOR_HEADER

from .conftest import KEY, ONE_PAGE_PDF, PDF
from .faults.helpers import distinct_pdfs
from .fixtures import HTTP_TIMEOUT


@contextmanager
def caplog_warning() -> Iterator[list[logging.LogRecord]]:
    """Warnings of the package, caught by a handler on the root logger (as a user's)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record)

    handler = Keep()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)


def test_the_emulator_names_itself_and_gets_fast_defaults(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, cache=False) as client:
        assert client._ctx.poll_interval == 3.0  # SoMark's advice, until the service speaks
        client.parse(ONE_PAGE_PDF)
        assert client._ctx.hints.emulated and client._ctx.poll_interval == 0.1
    checks = emulator.requests_to("/parse/async_check")
    assert len(checks) >= 1
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.7, cache=False
    ) as chosen:
        chosen.parse(ONE_PAGE_PDF)
        assert chosen._ctx.hints.emulated and chosen._ctx.poll_interval == 0.7  # the user's


def test_a_load_against_the_emulator_is_paced_fast_unless_a_rate_was_chosen(
    emulator: Emulator,
) -> None:
    """The load's own pacing hears the emulator name itself on its first answer."""
    from somark_loaders.batch import BatchSettings
    from somark_loaders.batch._session import BatchSession
    from somark_loaders.service._wait import check_flow

    for chosen, interval in ((None, 1.02 / 50), (1.0, 1.02)):
        with SoMarkClient(base_url=emulator.base_url, api_key=KEY, cache=False) as client:
            session = BatchSession(BatchSettings(requests_per_second=chosen))
            ctx, _slots = session.context(client)
            assert ctx.pace is not None and ctx.pace.interval == 1.02  # the account limit first
            with pytest.raises(SoMarkError):
                client._run(check_flow(ctx, "no-such-task"))  # any answer will do
            assert ctx.pace.interval == pytest.approx(interval)  # a chosen rate is kept


def test_anything_that_does_not_name_itself_keeps_somarks_defaults() -> None:
    """A loopback URL is no proof (a tunnel to the hosted service looks the same): SoMark's
    3 s interval, with two short first waits so that a task done in a second is not
    charged a whole interval (checks at 1 s, 3 s, 6 s, 9 s...)."""
    done = {"task_id": "t1", "status": "SUCCESS", "result": {"outputs": {"json": {"pages": []}}}}
    busy = {"task_id": "t1", "status": "PROCESSING", "result": None}
    answers = iter(
        [{"code": 0, "message": "ok", "data": {"task_id": "t1"}}]
        + [{"code": 0, "message": "ok", "data": busy}] * 4
        + [{"code": 0, "message": "ok", "data": done}]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.dumps(next(answers)).encode()
        return httpx.Response(200, stream=httpx.ByteStream(body))

    slept: list[float] = []
    client = SoMarkClient(
        base_url="http://127.0.0.1:9/api/v1",
        api_key=KEY,
        cache=False,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=slept.append,
    )
    client.parse(ONE_PAGE_PDF)
    assert not client._ctx.hints.emulated
    # each wait is shortened by the time its check took (the checks keep their cadence;
    # this clock is real, the sleeps are not)
    assert [s for s in slept if s > 0] == pytest.approx([1.0, 2.0, 3.0, 3.0, 3.0], abs=0.25)


def test_the_emulator_header_is_on_every_answer(emulator: Emulator) -> None:
    answer = httpx.post(
        f"{emulator.base_url}/parse/async_check", data={"task_id": "x"}, timeout=HTTP_TIMEOUT
    )
    assert answer.headers[EMULATOR_HEADER].startswith("somark-loaders ")


# --- progress ---------------------------------------------------------------------------


def test_the_bar_counts_every_failure_and_the_pages_of_the_last_file(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """3 good files and 3 that fail (one refused at once, two failed by the service):
    the bar ends at failed=3 with the pages of every parsed file, the last one included."""
    distinct_pdfs(tmp_path, 3, stem="a")
    shutil.copy(PDF, tmp_path / "d_paper.pdf")
    (tmp_path / "e_empty.pdf").write_bytes(b"")
    emulator.script("/parse/async", FailTask("jammed"), FailTask("jammed"))
    loader = SoMarkLoader(
        tmp_path, base_url=emulator.base_url, api_key=KEY, on_error="collect", show_progress=True
    )
    with caplog_warning() as warned:
        loader.load()
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()
    last = [line for line in final if "SoMark" in line and "5/5" in line][-1]
    report = loader.last_report
    assert report is not None
    pages = sum(f.pages or 0 for f in report.loaded)
    assert f"failed={len(report.failed)}" in last and len(report.failed) == 3
    assert f"pages={pages}" in last
    assert warned  # the end-of-load warning was written, above the bar


def test_the_bar_is_shown_only_where_someone_watches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from somark_loaders.batch import _progress

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert _progress.watching()
    monkeypatch.setenv("CI", "true")
    assert not _progress.watching()
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a log file, a pipe
    assert not _progress.watching()
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # a notebook
    assert _progress.watching()


def test_aload_never_converts_or_reads_the_cache_on_the_event_loop(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the tokenizer takes about a second the first time; conversion of a long
    document longer: neither may stall the caller's event loop."""
    from somark_loaders.batch import _session

    where: list[str] = []
    real = _session.to_chunks

    def spy(*args: Any, **kwargs: Any) -> Any:
        where.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_session, "to_chunks", spy)
    loop_thread: list[str] = []

    async def main() -> list[Any]:
        loop_thread.append(threading.current_thread().name)
        loader = SoMarkLoader(ONE_PAGE_PDF, base_url=emulator.base_url, api_key=KEY)
        first = await loader.aload()
        again = await loader.aload()  # from the cache
        return first + again

    assert asyncio.run(main())
    assert len(where) == 2 and loop_thread[0] not in where


# --- reports ----------------------------------------------------------------------------


def test_a_file_another_worker_paid_for_is_reported_cached(tmp_path: Path) -> None:
    """Two loads of the same bytes at once (two threads, one cache): one upload, and
    only the load that made it reports the pages as billed."""
    with Emulator(seconds_per_page=1.0) as emulator:
        loaders = [
            SoMarkLoader(ONE_PAGE_PDF, base_url=emulator.base_url, api_key=KEY) for _ in range(2)
        ]
        threads = [threading.Thread(target=one.load) for one in loaders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        uploads = emulator.requests_to("/parse/async")
    assert len(uploads) == 1
    outcomes = [one.last_report.files[0] for one in loaders if one.last_report is not None]
    assert sorted(f.cached for f in outcomes) == [False, True]
    assert all(f.status == "loaded" for f in outcomes)


@pytest.mark.parametrize("workers", [None, 2])
def test_the_reader_reports_the_whole_run_of_simple_directory_reader(
    emulator: Emulator, tmp_path: Path, workers: int | None
) -> None:
    """SimpleDirectoryReader calls the reader once per file, in worker processes with
    num_workers: the reader's report still covers every file of the run."""
    from llama_index.core import SimpleDirectoryReader

    from somark_loaders.llama_index import SoMarkReader

    distinct_pdfs(tmp_path / "in", 3)
    reader = SoMarkReader(base_url=emulator.base_url, api_key=KEY)
    directory = SimpleDirectoryReader(str(tmp_path / "in"), file_extractor={".pdf": reader})
    documents = directory.load_data(num_workers=workers)
    assert documents
    report = reader.last_report
    assert sorted(Path(f.source).name for f in report.files) == [
        "doc000.pdf",
        "doc001.pdf",
        "doc002.pdf",
    ]
    assert all(f.status == "loaded" for f in report.files)
    reader.reset_report()
    assert reader.last_report.files == []


def test_extra_info_is_shown_to_the_model_only_when_asked(emulator: Emulator) -> None:
    from llama_index.core.schema import MetadataMode

    from somark_loaders.llama_index import SoMarkReader

    info = {"department": "Legal", "file_path": "/srv/x.pdf", "file_size": 12}
    for shown in (False, True):
        reader = SoMarkReader(base_url=emulator.base_url, api_key=KEY, show_extra_info=shown)
        doc = reader.load_data(ONE_PAGE_PDF, extra_info=info)[0]
        assert doc.metadata["department"] == "Legal"  # always in the metadata
        for mode in (MetadataMode.EMBED, MetadataMode.LLM):
            text = doc.get_content(metadata_mode=mode)
            assert ("department: Legal" in text) is shown
            assert "/srv/x.pdf" not in text  # the file's own path never


def test_splitting_the_documents_again_keeps_stable_ids(emulator: Emulator) -> None:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    loader = SoMarkLoader(PDF, base_url=emulator.base_url, api_key=KEY)
    splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=0)
    pieces = loader.load_and_split(splitter)
    again = loader.load_and_split(splitter)
    assert len(pieces) > len(loader.load())
    assert all(p.id for p in pieces) and len({p.id for p in pieces}) == len(pieces)
    assert [p.id for p in pieces] == [p.id for p in again]
    ids = {d.id for d in loader.load()}
    for piece in pieces:
        parent, index = str(piece.id).rsplit("/", 1)
        assert parent in ids and int(index) == piece.metadata["split_index"]
    assert len(loader.load_and_split()) >= len(loader.load())  # the default splitter too


def test_make_demo_with_a_key_says_what_it_costs_and_pays_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    """`make demo` with SOMARK_API_KEY set parses with the service: the first run says
    how many pages it costs; the second is answered by the user's cache."""
    demo = Path(__file__).resolve().parents[1] / "examples" / "demo.py"
    env = {
        "PATH": "/usr/bin:/bin",
        "SOMARK_API_KEY": KEY,
        "SOMARK_BASE_URL": emulator.base_url,
        "SOMARK_CACHE_DIR": str(tmp_path),
    }
    runs = [
        subprocess.run(
            [sys.executable, str(demo)], capture_output=True, text=True, env=env, check=True
        )
        for _ in range(2)
    ]
    assert "This parses 13 page(s) of multi-column.pdf" in runs[0].stdout
    assert "was parsed before: this run costs nothing" in runs[1].stdout
    assert len(emulator.requests_to("/parse/async")) == 1
