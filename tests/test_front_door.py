"""What a newcomer meets first: every supported file type goes to SoMark from
LlamaIndex's directory reader, and the package metadata the ecosystems read (issue 25)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from somark_loaders import SUPPORTED_EXTENSIONS, ConfigurationError
from somark_loaders.emulator import Emulator

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
