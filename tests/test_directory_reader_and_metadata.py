"""LlamaIndex's directory reader sends every supported file type to SoMark, the package
metadata is what the ecosystems read, and the report and progress bar say what happened."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.readers.base import BasePydanticReader

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


def _pyproject() -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text))


def test_package_metadata_is_what_the_ecosystems_read() -> None:
    data = _pyproject()
    project = data["project"]
    for word in ("SoMark", "LangChain", "LlamaIndex"):
        assert word in project["description"]
    assert {"somark", "langchain", "llamaindex", "llama-index"} <= set(project["keywords"])
    assert project["urls"]
    classifiers = set(project["classifiers"])
    assert "Typing :: Typed" in classifiers
    lowest = project["requires-python"].removeprefix(">=")
    claimed = sorted(c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c))
    assert claimed[0] == lowest and claimed[-1] == "3.13"
    # the interpreters the wheel is tried on (make wheel-check) are the ends of that range
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert f"/{lowest}*/bin/python{lowest}" in makefile and "/3.13*/bin/python3.13" in makefile
    hub = data["tool"]["llamahub"]
    module = importlib.import_module(hub["import_path"])
    for name in hub["class_authors"]:
        assert issubclass(getattr(module, name), BasePydanticReader)


PYPDF_RUN = """
import logging, sys
from pathlib import Path
from somark_loaders.files.pdfs import count_pages, plan_parts, read_part
if sys.argv[2] == "info":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
path = Path(sys.argv[1])
print(count_pages(path, path.name))
read_part(path, path.name, plan_parts(1, 1)[0])
"""


@pytest.mark.parametrize("logging_set_up", [False, True])
def test_pypdf_repairs_are_quiet_and_name_the_file(tmp_path: Path, logging_set_up: bool) -> None:
    """A PDF pypdf reads only after repairing it (a wrong startxref): its messages go
    through our logger, at INFO, with the file's name, never bare on stderr."""
    data = ONE_PAGE_PDF.read_bytes()
    damaged = tmp_path / "damaged-report.pdf"
    damaged.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n12", data))
    level = "info" if logging_set_up else "none"
    done = subprocess.run(
        [sys.executable, "-c", PYPDF_RUN, str(damaged), level],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.stdout.strip() == "1"
    if not logging_set_up:
        assert done.stderr == ""  # quiet by default
    else:
        ours = [line for line in done.stderr.splitlines() if "startxref" in line]
        assert ours and any(
            line.startswith("INFO somark_loaders damaged-report.pdf: pypdf:") for line in ours
        ), done.stderr


def test_the_bar_names_the_file_being_parsed_and_its_time() -> None:
    from somark_loaders.batch._progress import Progress

    bar = Progress(total=2, done=0, enabled=True)
    try:
        bar.working("reports/big-report.pdf")()
        assert bar.status()["now"].startswith("big-report.pdf ")  # with its seconds
        assert bar.status()["now"].endswith("s")
        bar.advance(LoadReport(), "reports/big-report.pdf")
        assert "now" not in bar.status()  # settled: no longer named
    finally:
        bar.close()


def test_every_file_tells_the_bar_when_its_first_request_leaves(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from somark_loaders.batch._progress import Progress
    from somark_loaders.langchain import SoMarkLoader

    started: list[str] = []
    real = Progress.working

    def working(self: Progress, name: str) -> Any:
        tell = real(self, name)

        def told() -> None:
            started.append(name)
            tell()

        return told

    monkeypatch.setattr(Progress, "working", working)
    files = []
    for index in range(2):
        target = tmp_path / f"doc{index}.pdf"
        target.write_bytes(ONE_PAGE_PDF.read_bytes() + b"\n%" + bytes([65 + index]))
        files.append(str(target))
    loader = SoMarkLoader(
        files, base_url=emulator.base_url, api_key=KEY, show_progress=True, cache=False
    )
    loader.load()
    assert sorted(started) == files
