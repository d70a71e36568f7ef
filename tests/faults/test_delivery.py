"""Every paid result is delivered, every file is reported: foreign failures, bad inputs
found late or early, budgets, large PDFs."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import InvalidFileError, PageBudgetError
from somark_loaders.batch import _planning as planning
from somark_loaders.cli import main
from somark_loaders.emulator import BusinessError, Emulator, Reply
from somark_loaders.files.pdfs import Part, count_pages, read_part

from ..conftest import TESTS
from .helpers import copy_restricted_pdf, distinct_pdfs, encrypted_pdf, loader
from .pdfs import big_pdf, zlib_bomb_pdf

SUBMIT, CHECK = "/parse/async", "/parse/async_check"


def _statuses(load: Any) -> list[str]:
    return [f.status for f in load.last_report.files]


# --- 4. any failure of one file is that file's outcome ----------------------------------


def _deleted_after_its_check(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """``path`` is deleted right after it is checked (listed, opened), before it is read
    for its upload: what a file removed by another program mid-load meets."""
    real = planning.inspect_source

    def inspect(source: Any) -> int | None:
        pages = real(source)
        if source.name == path.name:
            path.unlink()
        return pages

    monkeypatch.setattr(planning, "inspect_source", inspect)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_file_deleted_after_listing_fails_alone(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    pdfs = distinct_pdfs(tmp_path, 3)
    _deleted_after_its_check(monkeypatch, pdfs[2])
    load = loader(tmp_path, emulator, on_error="collect")
    if kind == "sync":
        names = [doc.metadata["file_name"] for doc in load.lazy_load()]
    else:
        names = [doc.metadata["file_name"] for doc in asyncio.run(load.aload())]
    assert set(names) == {pdfs[0].name, pdfs[1].name}
    assert _statuses(load) == ["loaded", "loaded", "failed"]
    assert load.last_report.files[2].error_type == "FileNotFoundError"
    assert len(emulator.accepted_tasks) == 2


@pytest.mark.parametrize(
    ("route", "reply", "status"),
    [
        # a proxy that corrupts a compressed answer: a check is simply asked again
        (CHECK, Reply(b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"}), "loaded"),
        # the same on the upload: it may have been accepted
        (SUBMIT, Reply(b"\x1f\x8bbroken", headers={"Content-Encoding": "gzip"}), "ambiguous"),
        # JSON nested beyond Python's recursion limit
        (CHECK, Reply("[" * 100_000 + "]" * 100_000), "failed"),
    ],
    ids=["broken-gzip-check", "broken-gzip-submit", "json-too-deep"],
)
def test_hostile_answers_fail_one_file_not_the_load(
    emulator: Emulator, tmp_path: Path, route: str, reply: Reply, status: str
) -> None:
    pdfs = distinct_pdfs(tmp_path, 2)
    emulator.script(route, reply)
    load = loader(pdfs, emulator, on_error="collect")
    docs = load.load()
    assert _statuses(load) == [status, "loaded"]
    assert {d.metadata["file_name"] for d in docs} >= {pdfs[1].name}


def test_a_foreign_error_under_raise_names_the_file(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdfs = distinct_pdfs(tmp_path, 2)
    _deleted_after_its_check(monkeypatch, pdfs[1])  # under "raise": every input checked first
    load = loader(pdfs, emulator)
    docs = []
    with pytest.raises(FileNotFoundError) as caught:
        for doc in load.lazy_load():
            docs.append(doc)
    assert docs  # the first file's documents were delivered before the stop
    assert any(pdfs[1].name in note for note in getattr(caught.value, "__notes__", []))
    assert _statuses(load) == ["loaded", "failed"]


# --- 6. a stopped load reports the files in flight with their task ids ------------------


def test_a_cancelled_async_load_reports_every_file_and_the_running_task(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pdfs = distinct_pdfs(tmp_path, 3)
    emulator.set(queue_seconds=30)  # the first task stays QUEUING
    load = loader(pdfs, emulator, on_error="collect")

    async def run() -> None:
        job = asyncio.ensure_future(load.aload())
        while not emulator.accepted_tasks:
            await asyncio.sleep(0.02)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    with caplog.at_level(logging.WARNING, logger="somark_loaders"):
        asyncio.run(run())
    report = load.last_report
    assert _statuses(load) == ["cancelled", "not_started", "not_started"]
    assert {f.error for f in report.files[1:]} == {"the load stopped before this file was uploaded"}
    assert report.files[0].task_id == emulator.accepted_tasks[0]
    assert report.running_tasks == [report.files[0]]
    assert report.stopped
    assert any(emulator.accepted_tasks[0] in r.getMessage() for r in caplog.records)


def test_a_consumer_that_stops_early_leaves_a_complete_report(
    emulator: Emulator, tmp_path: Path
) -> None:
    pdfs = distinct_pdfs(tmp_path, 3)
    load = loader(pdfs, emulator)
    first = next(iter(load.lazy_load()))  # the generator is closed right after
    assert first.metadata["file_name"] == pdfs[0].name
    assert len(load.last_report.files) == 3
    assert load.last_report.files[0].status == "loaded"
    assert load.last_report.stopped == "the caller stopped the load"


# --- 7. encrypted and damaged PDFs: found before any upload, never stop an estimate -----


def test_every_input_is_checked_before_the_first_upload(emulator: Emulator, tmp_path: Path) -> None:
    good = distinct_pdfs(tmp_path, 1)[0]
    locked = encrypted_pdf(tmp_path / "z_locked.pdf")
    with pytest.raises(InvalidFileError, match="encrypted"):
        loader([good, locked], emulator).load()
    assert emulator.requests_to(SUBMIT) == []  # nothing was paid for before the refusal


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_collect_checks_each_input_as_it_starts(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Without "raise" (nor a page budget) a bad input changes nothing for the others: the
    first upload does not wait for every input to be opened, and the bad one is still
    refused with nothing sent for it."""
    distinct_pdfs(tmp_path, 3)
    encrypted_pdf(tmp_path / "z_locked.pdf")  # last in input order
    uploaded_before_its_check: list[bool] = []
    real = planning.inspect_source

    def inspect(source: Any) -> int | None:
        if source.name == "z_locked.pdf":
            deadline = time.monotonic() + 5  # a check before any upload would wait here in vain
            while not emulator.accepted_tasks and time.monotonic() < deadline:
                time.sleep(0.01)
            uploaded_before_its_check.append(bool(emulator.accepted_tasks))
        return real(source)

    monkeypatch.setattr(planning, "inspect_source", inspect)
    load = loader(tmp_path, emulator, on_error="collect")
    docs = load.load() if kind == "sync" else asyncio.run(load.aload())
    assert uploaded_before_its_check == [True]
    assert {d.metadata["file_name"] for d in docs} == {f"doc00{i}.pdf" for i in range(3)}
    assert _statuses(load) == ["loaded", "loaded", "loaded", "failed"]
    refused = load.last_report.files[3]
    assert refused.error_type == "InvalidFileError" and "encrypted" in (refused.error or "")
    assert len(emulator.accepted_tasks) == 3  # nothing sent for the encrypted one


def test_estimate_and_budget_list_an_encrypted_pdf_as_not_loadable(
    emulator: Emulator, tmp_path: Path
) -> None:
    pdfs = distinct_pdfs(tmp_path, 2)
    encrypted_pdf(tmp_path / "locked.pdf")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    estimate = loader(tmp_path, emulator).estimate()
    assert {Path(f.source).name for f in estimate.not_loadable} == {"locked.pdf", "broken.pdf"}
    assert estimate.pages == 2
    load = loader(tmp_path, emulator, on_error="collect", max_pages=10)
    docs = load.load()
    assert {d.metadata["file_name"] for d in docs} == {p.name for p in pdfs}
    assert sorted(_statuses(load)) == ["failed", "failed", "loaded", "loaded"]


def test_cli_dry_run_lists_an_encrypted_pdf(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    distinct_pdfs(tmp_path, 1)
    encrypted_pdf(tmp_path / "locked.pdf")
    code = main(["load", str(tmp_path), "--base-url", emulator.base_url, "--dry-run", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert "not loadable" in err and "locked.pdf" in err and "encrypted" in err


def test_a_pdf_encrypted_only_against_copying_is_loaded(emulator: Emulator, tmp_path: Path) -> None:
    """Publishers, banks and government forms encrypt PDFs only to forbid copying or
    printing: an owner password, no password to read. Every viewer opens them, and so
    does the service; the loader sends them (it refused them as "encrypted" before)."""
    locked = copy_restricted_pdf(tmp_path / "restricted.pdf")
    assert count_pages(locked, locked.name) == 1
    load = loader(locked, emulator)
    docs = load.load()
    assert _statuses(load) == ["loaded"]
    assert "compute the TED score" in "\n".join(d.page_content for d in docs)  # read
    assert len(emulator.accepted_tasks) == 1


def test_a_real_copy_protected_paper_is_loaded(emulator: Emulator) -> None:
    """``copy-protected.pdf`` (AES-128, empty user password, copying forbidden), as
    published; the PDF that needs a password (``2206.01062_pg3.pdf``) is still refused."""
    paths = [TESTS / "data" / "copy-protected.pdf", TESTS / "data" / "2206.01062_pg3.pdf"]
    load = loader(paths, emulator, on_error="collect")
    docs = load.load()
    assert _statuses(load) == ["loaded", "failed"]
    assert "password" in (load.last_report.files[1].error or "")
    assert "LayoutParser" in "\n".join(d.page_content for d in docs)
    assert len(emulator.accepted_tasks) == 1  # nothing sent for the locked one


def test_a_long_copy_restricted_pdf_is_split_into_readable_parts(
    emulator: Emulator, tmp_path: Path
) -> None:
    import pypdf

    locked = copy_restricted_pdf(tmp_path / "restricted.pdf", pages=3)
    load = loader(locked, emulator, pages_per_part=2)
    docs = load.load()
    assert _statuses(load) == ["loaded"]
    uploads = emulator.requests_to(SUBMIT)
    assert len(uploads) == 2  # pages 1-2, then 3
    assert sorted({int(d.metadata["page_number"]) for d in docs}) == [1, 2, 3]
    part = pypdf.PdfReader(io.BytesIO(read_part(locked, locked.name, Part(0, 2))))
    assert not part.is_encrypted and len(part.pages) == 2  # a part is sent unlocked


def test_a_restricted_pdf_pypdf_cannot_decrypt_here_is_sent_with_its_pages_unknown(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AES needs the ``cryptography`` package, which a base install may lack: the file
    is not refused for that (the service decides), its pages are just not known here."""
    import pypdf
    from pypdf.errors import DependencyError

    def without_aes(self: Any, password: str) -> Any:
        raise DependencyError("cryptography is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", without_aes)
    locked = copy_restricted_pdf(tmp_path / "restricted.pdf")
    assert count_pages(locked, locked.name) is None
    load = loader(locked, emulator)
    assert load.load()
    assert _statuses(load) == ["loaded"]
    with pytest.raises(InvalidFileError, match="cryptography"):
        read_part(locked, locked.name, Part(0, 1))  # splitting it would need the package


def test_an_aes_restricted_pdf_split_without_its_package_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AES-128: pypdf checks the empty password without ``cryptography``, so the pages
    are counted, but copying a page needs AES: the split raised pypdf's own
    DependencyError instead of a typed error."""
    from pypdf import _encryption
    from pypdf._crypt_providers import _fallback

    locked = copy_restricted_pdf(tmp_path / "restricted.pdf", pages=2)
    for name in ("CryptAES", "aes_cbc_decrypt"):  # as pypdf is without the package
        monkeypatch.setattr(_encryption, name, getattr(_fallback, name))
    with pytest.raises(InvalidFileError, match="cryptography"):
        read_part(locked, locked.name, Part(0, 1))


def test_a_restricted_pdf_with_its_pages_unknown_refused_as_too_long_says_why(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its pages could not be read here (AES without ``cryptography``), so it went whole;
    the service says 1132: it cannot be split, and the error says why (it said "a single
    page", splitting pages 0 to 0)."""
    import pypdf
    from pypdf.errors import DependencyError

    def without_aes(self: Any, password: str) -> Any:
        raise DependencyError("cryptography is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", without_aes)
    locked = copy_restricted_pdf(tmp_path / "restricted.pdf")
    emulator.script(SUBMIT, BusinessError(1132, "File exceeds 200MB / 300 pages limit"))
    load = loader(locked, emulator, on_error="collect")
    load.load()
    assert _statuses(load) == ["failed"]
    error = load.last_report.files[0].error or ""
    assert "cryptography" in error and "single page" not in error, error


def test_pypdf_limits_become_a_typed_error(tmp_path: Path) -> None:
    bomb = zlib_bomb_pdf(tmp_path / "bomb.pdf")
    with pytest.raises(InvalidFileError, match="LimitReachedError"):
        count_pages(bomb, bomb.name)


def test_a_clean_pdf_is_read_once_strictly_and_a_flawed_one_forgivingly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking a clean PDF reads it strictly (1.3-2x faster: the forgiving read first
    checks every object the cross-reference table points to); a PDF with a small flaw
    strict mode refuses (here a wrong ``startxref``) is read again forgivingly, not refused."""
    import re

    import pypdf

    modes: list[bool] = []
    real = pypdf.PdfReader

    def reader(*args: Any, strict: bool = False, **kwargs: Any) -> Any:
        modes.append(strict)
        return real(*args, strict=strict, **kwargs)

    monkeypatch.setattr(pypdf, "PdfReader", reader)
    clean = Path(__file__).resolve().parents[1] / "data" / "schools.pdf"
    assert count_pages(clean, clean.name) == 5
    assert modes == [True]
    data = clean.read_bytes()
    pointer = list(re.finditer(rb"startxref\s+(\d+)", data))[-1]
    flawed = tmp_path / "flawed.pdf"
    flawed.write_bytes(
        data[: pointer.start(1)] + str(int(pointer.group(1)) + 3).encode() + data[pointer.end(1) :]
    )
    modes.clear()
    assert count_pages(flawed, flawed.name) == 5
    assert modes == [True, False]


# --- 8. a page budget that does not fail open -------------------------------------------


def test_a_long_generated_docx_is_not_counted_as_one_page(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for index in range(120):
        document.add_paragraph(f"Paragraph {index}: " + "lorem ipsum dolor sit amet " * 12)
    path = tmp_path / "long.docx"
    document.save(str(path))
    assert count_pages(path, path.name) >= 10  # python-docx writes <Pages>1</Pages>


def test_strict_page_budget_refuses_files_of_unknown_length(
    emulator: Emulator, tmp_path: Path
) -> None:
    distinct_pdfs(tmp_path, 1)
    (tmp_path / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 2000)  # OLE: no count
    with pytest.raises(PageBudgetError, match=r"legacy\.doc"):
        loader(tmp_path, emulator, max_pages=50, strict_page_budget=True).load()
    assert emulator.requests_to(SUBMIT) == []


# --- 14. PDFs over 200 MB are split everywhere ------------------------------------------


@pytest.mark.slow
def test_a_pdf_over_200_mb_is_split_by_the_loader(emulator: Emulator, tmp_path: Path) -> None:
    huge = big_pdf(tmp_path / "huge.pdf", pages=21, bytes_per_page=10_100_000)
    assert huge.stat().st_size > 200 * 1024 * 1024
    load = loader(huge, emulator, mode="page")
    docs = load.load()
    assert [d.metadata["page_number"] for d in docs] == list(range(1, 22))
    assert "Large report page 21" in docs[-1].page_content
    uploads = emulator.requests_to(SUBMIT)
    assert len(uploads) == 2 and all(u.files[0].size < 200 * 1024 * 1024 for u in uploads)
    assert "+" in load.last_report.files[0].task_id


def test_a_file_gone_before_its_job_gets_a_typed_error(tmp_path: Path) -> None:
    """A file deleted between the listing and its job (no check before the first upload
    under "collect") is not a bare FileNotFoundError from hashing: it says what to do."""
    from somark_loaders import ParseOptions
    from somark_loaders.batch._planning import FilePlanner
    from somark_loaders.files._inputs import Source

    (pdf,) = distinct_pdfs(tmp_path, 1)
    source = Source(source=str(pdf), name=pdf.name, path=pdf)
    pdf.unlink()
    planner = FilePlanner(ParseOptions(), "service", None, 300)
    with pytest.raises(InvalidFileError, match="Check"):
        planner.checked(source)
