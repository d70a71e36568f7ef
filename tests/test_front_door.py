"""What a newcomer meets first: every supported file type goes to SoMark from
LlamaIndex's directory reader, and the package metadata the ecosystems read (issue 25)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from somark_loaders import SUPPORTED_EXTENSIONS, ConfigurationError
from somark_loaders.emulator import Emulator
from somark_loaders.report import FileOutcome, LoadReport

from .conftest import DATA, KEY, ONE_PAGE_PDF


def test_file_extractor_sends_every_supported_type_to_somark(
    emulator: Emulator, tmp_path: Path
) -> None:
    import openpyxl
    from llama_index.core import SimpleDirectoryReader

    from somark_loaders.llama_index import SoMarkReader, file_extractor

    shutil.copy(ONE_PAGE_PDF, tmp_path / "paper.PDF")  # any case
    shutil.copy(DATA / "word_sample.docx", tmp_path / "word_sample.docx")
    book = openpyxl.Workbook()
    book.active.append(["Food", "Calories"])
    book.active.append(["Berries", 120])
    book.save(tmp_path / "diet.xlsx")
    reader = SoMarkReader(base_url=emulator.base_url, api_key=KEY, requests_per_second=50)
    extractor = file_extractor(reader)
    assert set(extractor) == set(SUPPORTED_EXTENSIONS) >= {".pdf", ".docx", ".xlsx", ".png"}
    assert all(value is reader for value in extractor.values())
    docs = SimpleDirectoryReader(str(tmp_path), file_extractor=extractor).load_data()
    by_somark = {d.metadata["file_name"] for d in docs if d.metadata.get("task_id")}
    assert by_somark == {p.name for p in tmp_path.iterdir()}  # none read by LlamaIndex itself
    assert len(reader.last_report.loaded) == 3


def test_file_extractor_builds_its_reader_from_settings(emulator: Emulator) -> None:
    from somark_loaders.llama_index import SoMarkReader, file_extractor

    extractor = file_extractor(base_url=emulator.base_url, api_key=KEY, mode="page")
    reader = extractor[".pdf"]
    assert isinstance(reader, SoMarkReader) and reader.mode == "page"
    with pytest.raises(ConfigurationError, match="either"):
        file_extractor(reader, mode="page")


def _outcomes() -> list[FileOutcome]:
    return [
        FileOutcome("reports/annual.pdf", "loaded", "a" * 32, pages=3, documents=9, seconds=1.2),
        FileOutcome("reports/scan.png", "empty", "b" * 32, pages=1, seconds=0.8, error=EMPTY),
        FileOutcome("reports/old.pdf", "loaded", "c" * 32, pages=2, documents=4, cached=True),
        FileOutcome("reports/x.pdf", "failed", error="the file is empty", error_type="X"),
    ]


EMPTY = (
    "SoMark found no text in its 1 page(s): a picture without text, or a scan it could not "
    "read? Check the file, or its figures (feature_config enable_image_understanding "
    "describes them)."
)


def test_report_table_fits_80_columns_and_never_says_none() -> None:
    table = LoadReport(files=_outcomes()).table()
    assert "None" not in table
    assert all(len(line) <= 80 for line in table.splitlines()), table
    assert "X: the file is empty" in table and EMPTY.split(maxsplit=1)[0] in table
    assert "task " + "b" * 32 in table  # the task to look up, for a file that did not load
    assert "secs: a file's own time" in table  # the column says what it counts
    row = next(line for line in table.splitlines() if line.endswith("reports/old.pdf"))
    assert row.split()[:5] == ["loaded", "cache", "2", "4", "-"]  # no request, no time


def test_secs_leave_out_the_wait_for_a_task_slot(tmp_path: Path) -> None:
    """One task at a time, the first 1.5 s in the service: the second file gets its slot
    only once the first task has ended, so its own time (first request to end) cannot
    hold those 1.5 s. Counted from its start, as before, it did (its job starts while the
    first file is parsed)."""
    from somark_loaders.langchain import SoMarkLoader

    files = []
    for index in range(2):
        target = tmp_path / f"doc{index}.pdf"
        target.write_bytes(ONE_PAGE_PDF.read_bytes() + b"\n%" + bytes([65 + index]))
        files.append(str(target))
    queued = 1.5
    with Emulator(queue_seconds=queued) as emu:
        loader = SoMarkLoader(
            files, base_url=emu.base_url, max_concurrency=1, requests_per_second=50, cache=False
        )
        loader.load()
        end = time.monotonic()
        first_received = emu.requests_to("/parse/async")[0].received
    second = loader.last_report.files[1]
    assert second.status == "loaded"
    assert 0 < second.seconds <= end - first_received - queued
