"""A Word file's running headers and footers: kept as ``header``/``footer`` blocks on
each page when the service is asked to keep them, with each page's own number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import Emulator, engines
from somark_loaders.langchain import SoMarkLoader

from .conftest import KEY

docx = pytest.importorskip("docx")
from docx.enum.text import WD_BREAK  # noqa: E402
from docx.oxml import parse_xml  # noqa: E402

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# "Page N of M": a complex PAGE field (begin, instruction, separate, stored result, end)
# and a simple NUMPAGES field, both storing the number Word last drew
PAGE_OF = (
    f'<w:p {W}><w:r><w:t xml:space="preserve">Page </w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> PAGE   \\* MERGEFORMAT </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    '<w:r><w:t xml:space="preserve"> of </w:t></w:r>'
    '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'
)


def report(path: Path, *, first_page: bool = False, even: bool = False) -> Path:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Acme Corp. Annual Report 2025"
    section.footer._element.append(parse_xml(PAGE_OF))
    if first_page:
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = "CONFIDENTIAL DRAFT"
    if even:
        document.settings.odd_and_even_pages_header_footer = True
        section.even_page_header.paragraphs[0].text = "Acme Corp. (even page)"
    for n in range(3):
        paragraph = document.add_paragraph(f"Chapter {n + 1} tells the story of the year.")
        if n < 2:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    document.save(path)
    return path


def running(path: Path, keep: bool) -> list[list[tuple[str, str]]]:
    options = engines.ExtractOptions(keep_header_footer=keep)
    pages = engines.extract(path, ".docx", options)
    return [
        [(b["type"], b["content"]) for b in p["blocks"] if b["type"] in ("header", "footer")]
        for p in pages
    ]


def test_headers_and_footers_are_kept_on_each_page_with_its_number(tmp_path: Path) -> None:
    path = report(tmp_path / "report.docx")
    assert running(path, keep=True) == [
        [("header", "Acme Corp. Annual Report 2025"), ("footer", f"Page {n} of 3")]
        for n in (1, 2, 3)
    ]
    pages = engines.extract(path, ".docx", engines.ExtractOptions(keep_header_footer=True))
    for page in pages:
        blocks: list[dict[str, Any]] = page["blocks"]
        assert [b["idx"] for b in blocks] == list(range(len(blocks)))
        assert blocks[0]["type"] == "header" and blocks[-1]["type"] == "footer"
        assert blocks[0]["bbox"][3] <= blocks[1]["bbox"][1]  # above the body, below: under it
        assert blocks[-2]["bbox"][3] <= blocks[-1]["bbox"][1] <= page["page_size"]["h"]


def test_without_the_feature_they_are_left_out(tmp_path: Path) -> None:
    assert running(report(tmp_path / "report.docx"), keep=False) == [[], [], []]


def test_a_first_page_and_even_pages_take_their_own(tmp_path: Path) -> None:
    path = report(tmp_path / "report.docx", first_page=True, even=True)
    headers = [[text for kind, text in page if kind == "header"] for page in running(path, True)]
    assert headers == [
        ["CONFIDENTIAL DRAFT"],
        ["Acme Corp. (even page)"],
        ["Acme Corp. Annual Report 2025"],
    ]


def test_the_loader_that_asks_for_them_gets_them(emulator: Emulator, tmp_path: Path) -> None:
    path = report(tmp_path / "report.docx")
    kept = SoMarkLoader(
        path, base_url=emulator.base_url, api_key=KEY, include_headers_footers=True, cache=False
    ).load()
    plain = SoMarkLoader(path, base_url=emulator.base_url, api_key=KEY, cache=False).load()
    assert "Page 2 of 3" in "\n".join(d.page_content for d in kept)
    assert "Acme Corp." not in "\n".join(d.page_content for d in plain)


def test_running_lines_that_cannot_be_read_never_fail_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from somark_loaders.emulator import word_running

    def damaged(part: Any) -> str:
        raise ValueError("a header part python-docx cannot parse")

    monkeypatch.setattr(word_running, "_lines", damaged)
    assert running(report(tmp_path / "report.docx"), keep=True) == [[], [], []]
    assert "headers and footers not read" in caplog.text
