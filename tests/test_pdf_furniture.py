"""Running heads and feet set deeper than the header and footer bands are furniture
(``emulator/pdf_furniture.py``).

Found on PDFs of public PyPI sdists (``bench/fetch_dev3_pdf.py``): pdfminer's ``dmca.pdf``
sets its footer ``Copyright Office Summary December 1998 Page 3`` at 89% of the page, and
it was glued into the sentence running over each page break; pypdf's ``issue-604.pdf``
sets a running title in large type under a printed-by line, and it was a title that
reset the heading path on 95 of 137 pages. A table's headnote repeated in place under
each page's table title stays text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from somark_loaders import to_chunks
from somark_loaders.convert import ConvertOptions
from somark_loaders.emulator import engines
from somark_loaders.models import ParseResult

from .fixtures import pages_pdf


def _text(x: float, y: float, size: float, text: str) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, y, text.encode("latin-1"))


def _body(top: float, lines: int, words: str) -> bytes:
    return b"".join(
        _text(72, top - 13 * i, 10, f"{words} of the summary, line {i} of the page body")
        for i in range(lines)
    )


def _pages(path: Path, options: engines.ExtractOptions) -> list[dict[str, Any]]:
    return engines.extract(path, ".pdf", options)


def _report(path: Path, pages: int = 4) -> Path:
    """Pages of body text whose last sentence runs over the page break, a running head in
    the top band and a footer at 89% of the page (above the band of the bottom 8%)."""
    contents = []
    for n in range(1, pages + 1):
        contents.append(
            _text(72, 730, 10, "The Digital Millennium Copyright Act")
            + (_text(72, 690, 16, "Title I: Treaty Implementation") if n == 1 else b"")
            + _body(660, 30, f"Body {n}")
            + _text(72, 270, 10, "Technological measures that prevent")
            + _text(72, 84, 9, f"Copyright Office Summary December 1998 Page {n}")
        )
    return pages_pdf(path, contents)


def test_a_footer_above_the_bottom_band_is_a_footer(tmp_path: Path) -> None:
    path = _report(tmp_path / "report.pdf")
    pages = _pages(path, engines.ExtractOptions(keep_header_footer=True))
    footers = [b["content"] for p in pages for b in p["blocks"] if b["type"] == "footer"]
    assert footers == [f"Copyright Office Summary December 1998 Page {n}" for n in range(1, 5)]
    pages = _pages(path, engines.ExtractOptions(text_cross_page=True, title_levels=True))
    result = ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": path.name, "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        }
    )
    text = "\n".join(str(c.text) for c in to_chunks(result, "chunk", options=ConvertOptions()))
    assert "Copyright Office Summary" not in text
    assert "Title I: Treaty Implementation" in text


def test_a_running_title_in_large_type_is_a_header_not_a_heading(tmp_path: Path) -> None:
    contents = [
        _text(72, 780, 6, "Printed by a reader for personal use only")
        + _text(72, 712, 14, "Guidelines Version 2.2020 Thyroid Carcinoma")
        + (_text(72, 680, 12, f"Section {n}: {topic}") if n % 2 else b"")
        + _body(660, 30, f"Guideline {n}")
        for n, topic in enumerate(("Surgery", "Imaging", "Radiation", "Follow-up", "Staging"), 1)
    ]
    pages = _pages(
        pages_pdf(tmp_path / "guide.pdf", contents),
        engines.ExtractOptions(keep_header_footer=True, title_levels=True),
    )
    kinds = {b["content"]: b["type"] for p in pages for b in p["blocks"]}
    assert kinds["Guidelines Version 2.2020 Thyroid Carcinoma"] == "header"
    assert kinds["Section 1: Surgery"] == kinds["Section 3: Radiation"] == "title"


def test_a_tables_headnote_repeated_under_each_title_stays_text(tmp_path: Path) -> None:
    topics = ("enrollment", "teachers", "graduates", "expenditures")
    contents = [
        _text(72, 740, 11, f"Table {n}. Projected {topic} by state and year")
        + _text(250, 726, 9, "[In thousands]")
        + _body(690, 30, f"Table {n}")
        for n, topic in enumerate(topics, 1)
    ]
    pages = _pages(
        pages_pdf(tmp_path / "tables.pdf", contents),
        engines.ExtractOptions(keep_header_footer=True),
    )
    notes = [b["type"] for p in pages for b in p["blocks"] if b["content"] == "[In thousands]"]
    assert notes == ["text"] * 4
