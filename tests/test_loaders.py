"""LangChain and LlamaIndex loaders against the emulator: conventions, ids, errors, batches."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import ConfigurationError, InvalidFileError, SoMarkClient, TaskFailedError
from somark_loaders.emulator import BusinessError, Emulator, FailTask
from somark_loaders.langchain import SoMarkLoader, SoMarkParser
from somark_loaders.llama_index import SoMarkReader

from .conftest import KEY, ONE_PAGE_PDF, PDF, PNG
from .fixtures import FAST, loader


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with a 13-page PDF, a 1-page PDF, a PNG, and a file SoMark does not take."""
    shutil.copy(PDF, tmp_path / "a_paper.pdf")
    shutil.copy(ONE_PAGE_PDF, tmp_path / "b_page.pdf")
    (tmp_path / "sub").mkdir()
    shutil.copy(PNG, tmp_path / "sub" / "c_table.png")
    (tmp_path / "notes.txt").write_text("not for SoMark")
    return tmp_path


# --- LangChain --------------------------------------------------------------------------


def test_load_is_list_of_lazy_load_and_ids_are_stable(emulator: Emulator, folder: Path) -> None:
    first = loader(folder, emulator)
    docs = first.load()
    again = list(loader(folder, emulator).lazy_load())
    assert [d.id for d in docs] == [d.id for d in again]
    assert [d.page_content for d in docs] == [d.page_content for d in again]
    assert len({d.id for d in docs}) == len(docs)
    sources = [d.metadata["source"] for d in docs]
    assert sources == sorted(sources)  # input order: files in name order
    # the PNG is a photographed table: the emulator reads it by OCR, as the service does
    assert {Path(s).name for s in sources} == {"a_paper.pdf", "b_page.pdf", "c_table.png"}
    report = first.last_report
    assert [Path(f.source).name for f in report.files] == [
        "a_paper.pdf",
        "b_page.pdf",
        "c_table.png",
    ]
    assert all(f.ok and f.task_id for f in report.files)
    assert report.pages == 15
    for doc in docs:
        assert doc.id == f"{doc.metadata['doc_id']}:chunk:{doc.metadata['chunk_index']}"
        assert all(isinstance(v, (str, int, float, bool)) for v in doc.metadata.values())


def test_native_async_load_matches_sync(emulator: Emulator, folder: Path) -> None:
    sync_docs = loader(folder, emulator, mode="section").load()

    async def run() -> list[Any]:
        return await loader(folder, emulator, mode="section").aload()

    async_docs = asyncio.run(run())
    assert [(d.id, d.page_content) for d in sync_docs] == [
        (d.id, d.page_content) for d in async_docs
    ]


def test_sync_load_works_inside_a_running_event_loop(emulator: Emulator) -> None:
    async def notebook_cell() -> int:
        return len(loader(ONE_PAGE_PDF, emulator).load())  # as in Jupyter: a loop is running

    assert asyncio.run(notebook_cell()) > 0


def test_modes_and_options_reach_the_documents(emulator: Emulator) -> None:
    docs = loader(
        ONE_PAGE_PDF,
        emulator,
        mode="element",
        feature_config={"enable_title_level_recognition": True},
    ).load()
    titles = [d for d in docs if d.metadata["element_type"] == "title"]
    assert titles and all(int(d.metadata["title_level"]) >= 1 for d in titles)
    request = emulator.requests_to("/parse/async")[0]
    assert '"enable_title_level_recognition":true' in (request.field("feature_config") or "")


def test_in_memory_vector_store_keeps_page_and_heading_metadata(emulator: Emulator) -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding
    from langchain_core.vectorstores import InMemoryVectorStore

    docs = loader(PDF, emulator, feature_config={"enable_title_level_recognition": True}).load()
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=32))
    ids = store.add_documents(docs)
    assert ids == [d.id for d in docs]
    store.add_documents(docs)  # same ids: an upsert, not duplicates
    assert len(store.store) == len(docs)
    hit = store.similarity_search(docs[5].page_content, k=1)[0]
    assert hit.metadata["page_number"] >= 1 and "heading_path" in hit.metadata


def test_parser_with_generic_loader(emulator: Emulator, folder: Path) -> None:
    from langchain_community.document_loaders.generic import GenericLoader

    parser = SoMarkParser(
        base_url=emulator.base_url, api_key=KEY, client_options=FAST, requests_per_second=50
    )
    generic = GenericLoader.from_filesystem(str(folder), glob="*.pdf", parser=parser)
    docs = generic.load()
    assert {Path(str(d.metadata["source"])).name for d in docs} == {"a_paper.pdf", "b_page.pdf"}
    direct = loader(folder / "b_page.pdf", emulator).load()
    parsed = [d for d in docs if str(d.metadata["source"]).endswith("b_page.pdf")]
    assert [d.id for d in parsed] == [d.id for d in direct]


def test_parser_takes_blobs_from_memory(emulator: Emulator) -> None:
    from langchain_core.document_loaders.blob_loaders import Blob

    parser = SoMarkParser(base_url=emulator.base_url, api_key=KEY, client_options=FAST)
    blob = Blob.from_data(
        ONE_PAGE_PDF.read_bytes(), mime_type="application/pdf", metadata={"source": "mem://x"}
    )
    docs = parser.parse(blob)
    assert docs and docs[0].metadata["source"] == "mem://x"
    assert emulator.requests_to("/parse/async")[0].files[0].filename.endswith(".pdf")
    with pytest.raises(InvalidFileError, match="file name"):
        parser.parse(Blob.from_data(b"%PDF-1.4"))


# --- error policies and bad input -----------------------------------------------------


def test_raise_stops_at_the_first_failure_with_file_and_task(
    emulator: Emulator, folder: Path
) -> None:
    emulator.script("/parse/async", FailTask("cannot read page 3"))
    load = loader(folder, emulator)
    with pytest.raises(TaskFailedError) as caught:
        load.load()
    assert "a_paper.pdf" in str(caught.value)
    assert caught.value.task_id == emulator.accepted_tasks[0]
    statuses = [f.status for f in load.last_report.files]
    assert statuses[0] == "failed" and set(statuses[1:]) <= {"not_started", "loaded"}
    assert len(load.last_report.files) == 3  # every file accounted for


@pytest.mark.parametrize("policy", ["skip", "collect"])
def test_skip_and_collect_go_on_and_report(
    emulator: Emulator, folder: Path, policy: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="somark_loaders")
    emulator.script("/parse/async", FailTask("cannot read"))
    load = loader([folder, folder / "missing.pdf"], emulator, on_error=policy)
    docs = load.load()
    assert {Path(str(d.metadata["source"])).name for d in docs} == {"b_page.pdf", "c_table.png"}
    report = load.last_report
    by_name = {Path(f.source).name: f for f in report.files}
    assert by_name["a_paper.pdf"].status == "failed" and by_name["a_paper.pdf"].task_id
    assert by_name["a_paper.pdf"].error_type == "TaskFailedError"
    assert by_name["missing.pdf"].error_type == "InvalidFileError"
    assert by_name["b_page.pdf"].ok and by_name["c_table.png"].ok
    assert "a_paper.pdf" in report.table()
    if policy == "skip":
        assert "Skipped" in caplog.text and "a_paper.pdf" in caplog.text
    else:
        assert "Skipped" not in caplog.text and "not loaded" in caplog.text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.pdf", "not found"),
        (lambda d: _mkdir(d / "empty"), "No PDF"),
        (lambda d: _touch(d / "notes.txt", b"x"), "not supported"),
        (lambda d: _touch(d / "blank.pdf", b""), "empty"),
        (lambda d: _sparse(d / "huge.png"), "200 MB"),  # a PDF is split instead
        (lambda d: str(d / "*.docx"), "No file matches"),
    ],
    ids=["missing", "empty-dir", "unsupported", "empty-file", "too-large", "no-match"],
)
def test_bad_input_fails_before_any_upload(
    emulator: Emulator, tmp_path: Path, make: Any, message: str
) -> None:
    bad = make(tmp_path)
    with pytest.raises(InvalidFileError, match=message):
        loader([PNG, bad], emulator).load()
    assert emulator.requests == []  # nothing uploaded, not even the good file
    collecting = loader([ONE_PAGE_PDF, bad], emulator, on_error="collect")
    assert collecting.load()
    assert [f.status for f in collecting.last_report.files] == ["failed", "loaded"]


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _touch(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _sparse(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024 + 1)
    return path


def test_settings_are_checked_at_construction(emulator: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="on_error"):
        loader(PDF, emulator, on_error="ignore")
    with pytest.raises(ConfigurationError, match="json"):
        loader(PDF, emulator, output_formats=["markdown"])
    with pytest.raises(ConfigurationError, match="not both"):
        SoMarkLoader(PDF, client=SoMarkClient(base_url=emulator.base_url), api_key=KEY)
    with pytest.raises(ConfigurationError, match="SOMARK_API_KEY"):
        SoMarkLoader(PDF)  # the public service needs a key: said before any request
    with pytest.raises(ConfigurationError, match="mode"):
        loader(PDF, emulator, mode="pages")


def test_a_ready_client_is_used_and_not_closed(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        docs = SoMarkLoader(ONE_PAGE_PDF, client=client).load()
        assert docs
        assert client.usage().remaining_paid_pages > 0  # still open

        async def run() -> int:
            return len(await SoMarkLoader(ONE_PAGE_PDF, client=client).aload())

        assert asyncio.run(run()) == len(docs)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_the_next_file_is_uploaded_while_the_previous_one_is_converted(
    emulator: Emulator, folder: Path, face: str
) -> None:
    """One task in flight: converting a result must not hold back the next upload."""
    import threading
    import time

    seen: list[bool] = []
    lock = threading.Lock()

    def tokenizer(text: str) -> int:  # the first file's conversion waits for the 2nd upload
        with lock:
            if not seen:
                deadline = time.monotonic() + 10
                while len(emulator.requests_to("/parse/async")) < 2:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
                seen.append(len(emulator.requests_to("/parse/async")) >= 2)
        return len(text.split())

    files = [folder / "b_page.pdf", folder / "a_paper.pdf", folder / "sub" / "c_table.png"]
    load = loader(files, emulator, tokenizer=tokenizer)
    docs = load.load() if face == "sync" else asyncio.run(load.aload())
    assert seen == [True]
    # uploaded once each, in input order; documents in input order
    uploaded = [r.files[0].filename for r in emulator.requests_to("/parse/async")]
    assert uploaded == [f.name for f in files]
    assert [f.status for f in load.last_report.files] == ["loaded"] * 3
    names = list(dict.fromkeys(Path(str(d.metadata["source"])).name for d in docs))
    assert names == [f.name for f in files]


@pytest.mark.parametrize("face", ["sync", "async"])
def test_the_next_file_is_checked_while_the_current_one_is_at_the_service(
    folder: Path, face: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One task in flight, inputs checked as their jobs start ("collect"): the second
    file is opened and planned while the first is parsed, so that its upload goes the
    moment the first result is back, with nothing left to do on the way."""
    import time

    from somark_loaders.batch import _planning

    checked: dict[str, float] = {}
    inspect = _planning.inspect_source

    def timed(source: Any) -> int | None:
        checked[source.name] = time.monotonic()
        return inspect(source)

    monkeypatch.setattr(_planning, "inspect_source", timed)
    files = [folder / "a_paper.pdf", folder / "b_page.pdf"]
    with Emulator(seconds_per_page=0.05, api_keys={KEY}) as emu:  # 13 pages: 0.65 s
        load = loader(files, emu, on_error="collect")
        docs = load.load() if face == "sync" else asyncio.run(load.aload())
        first_task = emu.accepted_tasks[0]
        polls = [
            r.received
            for r in emu.requests_to("/parse/async_check")
            if r.field("task_id") == first_task
        ]
        uploaded = [r.files[0].filename for r in emu.requests_to("/parse/async")]
    assert docs and [f.status for f in load.last_report.files] == ["loaded", "loaded"]
    assert uploaded == ["a_paper.pdf", "b_page.pdf"]
    assert checked["b_page.pdf"] < polls[-1]  # before the first file's result was back


@pytest.mark.parametrize("face", ["sync", "async"])
def test_files_checked_ahead_get_their_task_slots_in_input_order(
    tmp_path: Path, face: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files wait, checked, for a task slot; a freed slot goes to the first of them in
    input order, whichever asked first. (Uploads granted together may reach the service
    in any order: a small file overtakes a large one.)"""
    from somark_loaders.batch import _in_flight

    granted: list[int] = []
    grant = _in_flight._Book.grant

    def recorded(book: Any) -> list[Any]:
        waiters = grant(book)
        granted.extend(w.ticket for w in waiters)
        return waiters

    monkeypatch.setattr(_in_flight._Book, "grant", recorded)
    names = []
    for i in range(8):
        (tmp_path / f"f{i}.pdf").write_bytes(ONE_PAGE_PDF.read_bytes() + f"\n% {i}\n".encode())
        names.append(f"f{i}.pdf")
    with Emulator(seconds_per_page=0.01, api_keys={KEY}) as emu:
        load = loader([tmp_path / n for n in names], emu, max_concurrency=2, on_error="collect")
        docs = load.load() if face == "sync" else asyncio.run(load.aload())
        uploaded = [r.files[0].filename for r in emu.requests_to("/parse/async")]
    assert granted == list(range(8))
    assert sorted(uploaded) == names  # each once
    assert list(dict.fromkeys(str(d.metadata["file_name"]) for d in docs)) == names


def _end_in_turn(emu: Emulator, first: str, made: threading.Event) -> None:
    """End the task of the file named ``first``, then, once its documents are ``made``,
    every other task (after 60 s at the latest: no load hangs)."""
    deadline = time.monotonic() + 60

    def task(name: str) -> Any:
        while time.monotonic() < deadline:
            found = [t for t in list(emu.service.tasks.values()) if t.file_name == name]
            if found:
                return found[0]
            time.sleep(0.01)
        raise TimeoutError(f"{name} was never submitted")

    try:
        done = task(first)
        done.queued_until = done.done_at = time.monotonic()
        made.wait(max(0.0, deadline - time.monotonic()))
    finally:
        for running in list(emu.service.tasks.values()):
            running.queued_until = running.done_at = min(running.done_at, time.monotonic())


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_file_done_but_never_handed_over_is_not_reported_loaded(
    folder: Path, face: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer stops after the first document; the second file was parsed already:
    its documents were never delivered, so it is ``cancelled`` (a re-run reads it from
    the cache), never ``loaded``. No task ends on its own: the one-page file's ends
    first, and the paper's only once the page's documents are made, whatever the
    machine's speed (0.3 s a page against 13 pages still lost the race on a loaded one)."""
    from somark_loaders.batch._session import BatchSession

    made = BatchSession.loaded
    page_made = threading.Event()

    def loaded(session: BatchSession, source: Any, *args: Any) -> Any:
        done = made(session, source, *args)
        if Path(source.source).name == "b_page.pdf":
            page_made.set()
        return done

    monkeypatch.setattr(BatchSession, "loaded", loaded)
    files = [folder / "a_paper.pdf", folder / "b_page.pdf"]  # 13 pages, then 1
    with Emulator(seconds_per_page=3600, api_keys={KEY}) as emu:
        ends = threading.Thread(
            target=_end_in_turn, args=(emu, "b_page.pdf", page_made), daemon=True
        )
        ends.start()
        load = loader(files, emu, max_concurrency=2)
        if face == "sync":
            documents = load.lazy_load()
            next(documents)
            documents.close()
        else:

            async def first_then_close() -> None:
                agen = load.alazy_load()
                await agen.__anext__()
                await agen.aclose()

            asyncio.run(first_then_close())
        ends.join()
        assert page_made.is_set()  # before the paper ended
        first, second = load.last_report.files
        assert first.status == "loaded"
        assert second.status == "cancelled" and second.task_id and second.documents == 0
        assert "re-run" in str(second.error)
        again = loader(files, emu, max_concurrency=2)
        again.load()
        assert len(emu.accepted_tasks) == 2  # the re-run paid for nothing
        assert [f.cached for f in again.last_report.files] == [True, True]


def test_completion_order_yields_the_fast_file_first(folder: Path) -> None:
    with Emulator(seconds_per_page=0.15) as emu:
        files = [folder / "a_paper.pdf", folder / "b_page.pdf"]
        ordered = loader(files, emu, max_concurrency=2).load()
        fastest = loader(files, emu, max_concurrency=2, ordered=False).load()
    assert Path(str(ordered[0].metadata["source"])).name == "a_paper.pdf"
    assert Path(str(fastest[0].metadata["source"])).name == "b_page.pdf"


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_1124_pauses_every_worker_then_they_come_back_spaced(
    emulator: Emulator, tmp_path: Path, face: str
) -> None:
    """One worker told "QPS limit exceeded" holds the others' submits for its backoff."""
    for i in range(4):
        (tmp_path / f"doc{i}.pdf").write_bytes(ONE_PAGE_PDF.read_bytes() + f"\n% {i}\n".encode())
    emulator.script("/parse/async", BusinessError(1124, "QPS limit exceeded"))
    # slots 0.55 s apart: far longer than the emulator takes to refuse the first upload
    load = loader(tmp_path, emulator, requests_per_second=2, max_concurrency=4)
    docs = load.load() if face == "sync" else asyncio.run(load.aload())
    assert {d.metadata["file_name"] for d in docs} == {f"doc{i}.pdf" for i in range(4)}
    assert all(f.ok for f in load.last_report.files)
    limited, *others = [r.received for r in emulator.requests_to("/parse/async")]
    assert len(others) == 4  # the refused upload was sent again, once
    # the backoff after a 1124 is at least 1 s (RetryPolicy.initial); nobody submitted then
    assert min(others) >= limited + 0.95
    # after the pause they come back spaced by the limiter (3 gaps of 0.55 s), not at once;
    # the span is measured where the emulator records, so allow for its own work
    assert max(others) - min(others) >= 1.2


def test_a_lazy_load_closed_early_stops_and_reports_the_rest(
    emulator: Emulator, folder: Path
) -> None:
    """A consumer that stops after one document: the run ends now, nothing is lost."""
    import threading

    load = loader(folder, emulator)  # one file at a time, input order
    documents = load.lazy_load()
    first = next(documents)
    documents.close()
    assert first.metadata["file_name"] == "a_paper.pdf"
    # the second file may be on its way already (uploaded while the first was converted):
    # then it is cancelled, with its task id to resume
    first_outcome, second, third = load.last_report.files
    assert (first_outcome.status, third.status) == ("loaded", "not_started")
    assert second.status == "not_started" or (second.status == "cancelled" and second.task_id)
    assert not [t for t in threading.enumerate() if t.name.startswith("somark_")]  # pool gone

    async def first_then_close() -> None:
        agen = load.alazy_load()
        await agen.__anext__()
        await agen.aclose()

    asyncio.run(first_then_close())
    first_outcome, second, third = load.last_report.files
    assert (first_outcome.status, third.status) == ("loaded", "not_started")
    # parsed or not, the second file's documents were never handed over: not "loaded"
    assert second.status == "not_started" or (second.status == "cancelled" and second.task_id)


def test_progress_bar_shows_files(
    emulator: Emulator, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loader(folder, emulator, show_progress=True).load()
    err = capsys.readouterr().err
    assert "SoMark" in err and "3/3" in err


# --- LlamaIndex -------------------------------------------------------------------------


def reader(emulator: Emulator, **kwargs: Any) -> SoMarkReader:
    kwargs.setdefault("requests_per_second", 50)
    return SoMarkReader(base_url=emulator.base_url, api_key=KEY, client_options=FAST, **kwargs)


def test_reader_documents_ids_labels_relationships_and_exclusions(emulator: Emulator) -> None:
    from llama_index.core.schema import MetadataMode, NodeRelationship

    docs = reader(emulator).load_data(PDF, extra_info={"project": "dpr"})
    assert len(docs) > 3
    middle = docs[2]
    assert middle.id_.endswith(":chunk:2")
    assert middle.metadata["page_label"] == str(middle.metadata["page_number"])
    assert middle.metadata["project"] == "dpr"
    rel = middle.relationships
    assert rel[NodeRelationship.PREVIOUS].node_id == docs[1].id_
    assert rel[NodeRelationship.NEXT].node_id == docs[3].id_
    assert rel[NodeRelationship.PARENT].node_id.split(":")[1] == "section"
    embed_text = middle.get_content(MetadataMode.EMBED)
    assert middle.metadata["doc_id"] not in embed_text and "token_count" not in embed_text
    assert "heading_path" in embed_text
    again = reader(emulator).load_data(PDF)
    assert [d.id_ for d in docs] == [d.id_ for d in again]


def test_reader_is_picklable_and_keeps_the_key_secret(emulator: Emulator) -> None:
    original = reader(emulator, mode="section")
    clone = pickle.loads(pickle.dumps(original))
    assert clone.mode == "section" and clone.api_key is not None
    assert clone.api_key.get_secret_value() == KEY
    assert KEY not in repr(clone) and KEY not in str(clone.model_dump())
    assert clone.load_data(ONE_PAGE_PDF)


def test_simple_directory_reader_with_file_extractor(emulator: Emulator, folder: Path) -> None:
    from llama_index.core import SimpleDirectoryReader

    somark = reader(emulator)
    docs = SimpleDirectoryReader(
        str(folder),
        recursive=True,
        required_exts=[".pdf", ".png"],
        file_extractor={".pdf": somark, ".png": somark},
    ).load_data()
    names = {d.metadata["file_name"] for d in docs}
    assert names == {"a_paper.pdf", "b_page.pdf", "c_table.png"}
    assert all("file_path" in d.metadata and d.metadata["page_label"] for d in docs)


def test_vector_store_index_nodes_keep_page_and_heading(emulator: Emulator) -> None:
    from llama_index.core import Settings, VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding

    docs = reader(emulator, feature_config={"enable_title_level_recognition": True}).load_data(PDF)
    index = VectorStoreIndex.from_documents(docs, embed_model=MockEmbedding(embed_dim=16))
    nodes = index.as_retriever(
        similarity_top_k=3, embed_model=MockEmbedding(embed_dim=16)
    ).retrieve("dense retrieval")
    assert nodes
    for hit in nodes:
        assert hit.node.metadata["page_label"] and "heading_path" in hit.node.metadata
    assert Settings is not None


def test_reader_native_async(emulator: Emulator) -> None:
    sync_docs = reader(emulator).load_data(ONE_PAGE_PDF)
    async_docs = asyncio.run(reader(emulator).aload_data(ONE_PAGE_PDF))
    assert [d.id_ for d in sync_docs] == [d.id_ for d in async_docs]


# --- a batch under the account limits -------------------------------------------------------


@pytest.mark.slow
def test_ten_files_under_one_request_per_second_and_one_task_in_flight(tmp_path: Path) -> None:
    from PIL import Image

    for i in range(10):  # 10 s at the account's pace, the storm of 1124s included
        Image.new("RGB", (40 + i, 30), (i * 5 % 256, 0, 0)).save(tmp_path / f"img{i:02d}.png")
        # a plain-colour image gives no text: use pages with text instead for half of them
        if i % 2:
            shutil.copy(ONE_PAGE_PDF, tmp_path / f"doc{i:02d}.pdf")
            (tmp_path / f"img{i:02d}.png").unlink()
            with (tmp_path / f"doc{i:02d}.pdf").open("ab") as handle:
                handle.write(f"\n% copy {i}\n".encode())  # distinct bytes, same content
    with Emulator(api_keys={KEY}, qps=1, max_in_flight=1) as emu:
        emu.script("/parse/async", *[BusinessError(1124, "QPS limit exceeded")] * 3)
        load = SoMarkLoader(
            tmp_path, base_url=emu.base_url, api_key=KEY, client_options=FAST, on_error="collect"
        )
        docs = load.load()
        accepted = [emu.service.tasks[t].sha256 for t in emu.accepted_tasks]
        uploads = len(emu.requests_to("/parse/async"))
    report = load.last_report
    assert len(report.files) == 10, report.table()
    for outcome in report.files:  # plain-colour pictures hold no text: parsed, "empty"
        assert outcome.status == ("loaded" if outcome.source.endswith(".pdf") else "empty")
    assert len(accepted) == 10 and len(set(accepted)) == 10  # every file accepted once
    assert uploads >= 13  # the three 1124 answers were retried, not failed
    assert {d.metadata["file_name"] for d in docs} == {f"doc{i:02d}.pdf" for i in range(1, 10, 2)}


def test_a_file_with_no_text_is_reported_empty_not_loaded(
    emulator: Emulator, tmp_path: Path
) -> None:
    from PIL import Image

    picture = tmp_path / "photo.png"
    Image.linear_gradient("L").resize((300, 200)).save(picture)
    load = loader([picture, ONE_PAGE_PDF], emulator, on_error="collect")
    docs = load.load()
    assert {d.metadata["file_name"] for d in docs} == {ONE_PAGE_PDF.name}
    empty, loaded = load.last_report.files
    assert (empty.status, empty.documents, empty.task_id is not None) == ("empty", 0, True)
    assert empty.error and "no text" in empty.error
    assert loaded.ok and load.last_report.failed == []
    assert "1 empty" in load.last_report.summary()


def test_the_loaders_ask_for_what_rag_needs_by_default(emulator: Emulator) -> None:
    """Title levels (heading paths) and content across page breaks, unless turned off;
    include_headers_footers asks SoMark to keep them."""
    first = loader(ONE_PAGE_PDF, emulator)
    first.load()
    fields = json.loads(emulator.requests_to("/parse/async")[-1].field("feature_config") or "{}")
    for name in (
        "enable_title_level_recognition",
        "enable_table_cross_page",
        "enable_text_cross_page",
    ):
        assert fields[name] is True
    off = loader(
        PDF, emulator, feature_config={"enable_title_level_recognition": False},
        include_headers_footers=True,
    )  # fmt: skip
    off.load()
    fields = json.loads(emulator.requests_to("/parse/async")[-1].field("feature_config") or "{}")
    assert fields["enable_title_level_recognition"] is False
    assert fields["enable_table_cross_page"] is True and fields["keep_header_footer"] is True
