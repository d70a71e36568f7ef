"""PDFs whose page boxes disagree (a MediaBox with a negative origin, text at or beyond the
page's edge) are read whole by the emulator, and one page it cannot read whole is read as
plain text instead of failing the document."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject

from somark_loaders.emulator import Emulator

from .test_engines import assert_boxes_inside, parse


def _text(x: float, y: float, text: str) -> str:
    return f"BT /F1 10 Tf {x} {y} Td ({text}) Tj ET\n"


def _ruled_table(x0: float, y0: float) -> str:
    """A ruled table of 3 columns and 4 rows, its top left corner at (x0, y0), and a word
    just left of each row (unruled, so the emulator widens the table to take it in)."""
    out = "".join(f"{x0} {y0 - r * 16} m {x0 + 180} {y0 - r * 16} l S\n" for r in range(5))
    out += "".join(f"{x0 + c * 60} {y0} m {x0 + c * 60} {y0 - 64} l S\n" for c in range(4))
    for r in range(4):
        out += _text(x0 - 19.8, y0 - (r + 1) * 16 + 4, f"L{r}")
        out += "".join(_text(x0 + c * 60 + 4, y0 - (r + 1) * 16 + 4, f"r{r}c{c}") for c in range(3))
    return out


def _pdf(path: Path, pages: list[tuple[tuple[float, ...], str]]) -> Path:
    """A PDF of pages given as (MediaBox, content stream), in Helvetica."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for media, content in pages:
        page = writer.add_blank_page(width=612, height=792)
        page[NameObject("/MediaBox")] = ArrayObject([FloatObject(v) for v in media])
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = StreamObject()
        stream.set_data(content.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(path)
    return path


def _prose(x: float, y: float) -> str:
    return "".join(
        _text(x, y - 14 * i, f"Body line {i} of a page whose boxes disagree.") for i in range(4)
    )


WORDS = [f"L{r}" for r in range(4)] + [f"r{r}c{c}" for r in range(4) for c in range(3)]
CASES: dict[str, tuple[tuple[float, ...], str]] = {
    # a word 0.2 pt from the left edge: the widened table's crop reaches x = -0.8
    "text at the page's edge": ((0, 0, 612, 792), _prose(72, 700) + _ruled_table(20, 500)),
    # words left of the page: the table's crop starts outside it
    "text outside the page": ((0, 0, 612, 792), _prose(72, 700) + _ruled_table(10, 500)),
    # the page's origin is not (0, 0): boxes are relative to it
    "a MediaBox with a negative origin": (
        (-200, -200, 412, 592),
        _prose(-128, 500) + _ruled_table(-180, 300),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_pdfs_whose_boxes_disagree_are_read_whole(
    emulator: Emulator, tmp_path: Path, case: str
) -> None:
    result = parse(emulator, _pdf(tmp_path / "odd.pdf", [CASES[case]]))
    contents = [b.content for p in result.pages for b in p.blocks]
    text = "\n".join(contents)
    for word in ["Body line 0 of a page", "Body line 3", *WORDS]:
        assert word in text, (word, contents)
    assert any(b.type == "table" for b in result.pages[0].blocks)
    assert_boxes_inside(result)


@pytest.mark.usefixtures("fresh_extraction")  # the patched engine, not a memoised result
def test_one_page_that_cannot_be_read_whole_is_read_as_plain_text(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from somark_loaders.emulator import pdf_tables

    real = pdf_tables._pdfplumber_tables

    def odd(page: Any, settings: dict[str, str]) -> Any:
        if page.page_number == 2:
            raise ValueError("Bounding box is not fully within parent page bounding box")
        return real(page, settings)

    monkeypatch.setattr(pdf_tables, "_pdfplumber_tables", odd)
    normal = ((0, 0, 612, 792), _prose(72, 700) + _ruled_table(100, 500))
    path = _pdf(tmp_path / "two.pdf", [normal, normal])
    with caplog.at_level(logging.WARNING, logger="somark_loaders.emulator"):
        result = parse(emulator, path)
    first, second = ("\n".join(b.content for b in p.blocks) for p in result.pages)
    assert any(b.type == "table" for b in result.pages[0].blocks)
    for word in ["Body line 0 of a page", *WORDS]:
        assert word in first and word in second, word
    assert not any(b.type == "table" for b in result.pages[1].blocks)  # its plain text
    assert any(
        "Page 2 of" in r.getMessage() and "read as plain text" in r.getMessage()
        for r in caplog.records
    )
