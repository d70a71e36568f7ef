"""PDFs pdfminer cannot read whole that PDFium (a viewer, the service) opens: read from
PDFium's pages (:mod:`somark_loaders.emulator.pdf_pdfium`), never refused nor lost.

The two damages are those of pdfminer.six's own samples: ``175.pdf`` (a cross-reference
table numbered from 1: pdfminer sees no page and says nothing) and ``stamp-no.pdf``
(``startxref`` past the end of a file whose cross-reference is a stream: "No /Root
object")."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from somark_loaders.emulator import Emulator, engines, pdf
from somark_loaders.emulator._blocks import make_block
from somark_loaders.emulator.samples import pdf_file
from somark_loaders.files.pdfs import count_pages

from .fixtures import loader, pages_objects

_BULLETIN = [
    b"BT /F1 20 Tf 72 700 Td (Service Bulletin) Tj ET\n"
    b"BT /F1 10 Tf 72 660 Td (The first page tells what the kit holds.) Tj ET\n"
    b"BT /F1 10 Tf 72 646 Td (It goes on for a second line of text.) Tj ET",
    b"BT /F1 10 Tf 72 700 Td (The second page tells how to fit it.) Tj ET",
]


def _numbered_from_one(path: Path, objects: list[bytes]) -> Path:
    """The PDF of ``objects`` whose cross-reference table starts at object 1, not 0:
    each offset is taken for the object before its own."""
    data = pdf_file(objects, root=1)
    path.write_bytes(data.replace(b"xref\n0 ", b"xref\n1 ", 1))
    return path


def _lost_xref_stream(path: Path, objects: list[bytes]) -> Path:
    """The PDF of ``objects`` with a cross-reference stream (which holds the trailer's
    ``/Root``) that ``startxref`` misses: it points past the end of the file."""
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(objects) + 1
    offsets.append(len(out))
    rows = b"\x00\x00\x00\x00\x00\xff" + b"".join(
        b"\x01" + struct.pack(">I", offset) + b"\x00" for offset in offsets
    )
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref, xref + 1, len(rows))
        + rows
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % (offsets[-1] + 100_000)
    path.write_bytes(bytes(out))
    return path


def _turned(objects: list[bytes], page: int) -> list[bytes]:
    """``objects`` with page ``page`` (0-based) shown turned a quarter by ``/Rotate``."""
    at = 3 + page
    turned = objects[at].replace(b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 612 792] /Rotate 90")
    return [*objects[:at], turned, *objects[at + 1 :]]


def _read(path: Path) -> list[dict[str, Any]]:
    return engines.extract(path, ".pdf", engines.ExtractOptions())


def _same_reading(broken: list[dict[str, Any]], whole: list[dict[str, Any]]) -> None:
    """The damaged file reads as the whole one: same pages, blocks and text, boxes
    within a few pixels (PDFium's glyph boxes are the font's ascent, pdfminer's its size)."""
    assert [p["page_num"] for p in broken] == [p["page_num"] for p in whole]
    assert [p["page_size"] for p in broken] == [p["page_size"] for p in whole]
    for ours, theirs in zip(broken, whole, strict=True):
        assert [(b["type"], b["content"]) for b in ours["blocks"]] == [
            (b["type"], b["content"]) for b in theirs["blocks"]
        ]
        for a, b in zip(ours["blocks"], theirs["blocks"], strict=True):
            assert all(abs(x - y) <= 8 for x, y in zip(a["bbox"], b["bbox"], strict=True))


def test_a_cross_reference_table_numbered_from_one_loses_no_page(tmp_path: Path) -> None:
    objects = pages_objects(_BULLETIN)
    path = _numbered_from_one(tmp_path / "bulletin.pdf", objects)
    with pdfplumber.open(path) as seen:
        assert len(seen.pages) == 0  # pdfminer: no page, and no error
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf_file(objects, root=1))
    pages = _read(path)
    _same_reading(pages, _read(whole))
    assert pages[0]["blocks"][0]["type"] == "title"
    assert "second page" in pages[1]["blocks"][0]["content"]
    # counted alike by the service (PDFium) and by the loader before upload (pypdf)
    assert engines.count_pages(path, ".pdf") == count_pages(path, path.name) == 2


def test_a_startxref_past_an_xref_stream_is_read_not_refused(tmp_path: Path) -> None:
    objects = pages_objects(_BULLETIN)
    path = _lost_xref_stream(tmp_path / "stamp.pdf", objects)
    with pytest.raises(Exception, match="Root"), pdfplumber.open(path) as seen:
        _ = seen.pages
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf_file(objects, root=1))
    _same_reading(_read(path), _read(whole))
    assert engines.count_pages(path, ".pdf") == count_pages(path, path.name) == 2


def test_a_page_turned_by_rotate_reads_as_it_is_shown(tmp_path: Path) -> None:
    """Text drawn a quarter turned on a page shown a quarter turned back reads upright,
    where PDFium renders it."""
    turned = b"BT /F1 10 Tf 0 1 -1 0 300 100 Tm (This page is shown turned.) Tj ET"
    objects = _turned(pages_objects([_BULLETIN[0], turned]), 1)
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf_file(objects, root=1))
    pages = _read(_numbered_from_one(tmp_path / "turned.pdf", objects))
    _same_reading(pages, _read(whole))
    assert pages[1]["page_size"] == {"w": 1650, "h": 1275}
    assert pages[1]["blocks"][0]["content"] == "This page is shown turned."


def test_a_page_without_readable_text_is_read_by_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page with no text, or whose text PDFium cannot map to Unicode (codes 1 to 30
    of a font without them, as stamp-no.pdf's drawing), is read as a picture of text."""
    read: list[tuple[int, int]] = []

    def by_ocr(image: Any, shrink: float = 1.0) -> list[dict[str, Any]]:
        read.append(image.size)
        return [make_block(0, "text", (10, 10, 100, 20), "Read by OCR.")]

    monkeypatch.setattr(pdf, "ocr_blocks", by_ocr)
    codes = bytes(range(1, 31)).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    unmapped = b"BT /F1 10 Tf 72 700 Td (" + codes + b") Tj ET"
    objects = pages_objects([_BULLETIN[0], b"", unmapped])
    pages = _read(_numbered_from_one(tmp_path / "scan.pdf", objects))
    assert [p["page_num"] for p in pages] == [0, 1, 2]
    assert pages[0]["blocks"][0]["content"] == "Service Bulletin"
    assert [[b["content"] for b in p["blocks"]] for p in pages[1:]] == [["Read by OCR."]] * 2
    assert len(read) == 2


def test_a_file_neither_opens_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    with pytest.raises(engines.EngineError, match="Invalid or corrupted PDF"):
        _read(path)


def test_the_loader_loads_every_page(emulator: Emulator, tmp_path: Path) -> None:
    path = _numbered_from_one(tmp_path / "bulletin.pdf", pages_objects(_BULLETIN))
    documents = loader(path, emulator).load()
    text = "\n".join(d.page_content for d in documents)
    assert "Service Bulletin" in text
    assert "The second page tells how to fit it." in text


def test_a_picture_on_such_a_page_is_a_figure_where_pdfminer_puts_it(tmp_path: Path) -> None:
    drawn = _BULLETIN[0] + b"\nq 200 0 0 100 72 420 cm /Im1 Do Q"
    objects = pages_objects([drawn])
    picture = b"\x00\xff\xff\x00"  # 2 by 2 grey pixels
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 4 >>\nstream\n" + picture + b"\nendstream"
    )
    resources = b"/Resources << /Font << /F1 3 0 R >> >>"
    with_picture = b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 %d 0 R >> >>"
    objects[3] = objects[3].replace(resources, with_picture % len(objects))
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf_file(objects, root=1))
    (page,) = _read(_numbered_from_one(tmp_path / "pictured.pdf", objects))
    _same_reading([page], _read(whole))
    assert [b["type"] for b in page["blocks"]] == ["title", "text", "figure"]
    assert page["blocks"][2]["img_url"].endswith(
        f"img/0/{','.join(map(str, page['blocks'][2]['bbox']))}.png"
    )
