"""Characters whose font gives pdfminer no Unicode take PDFium's reading: TeX's math
symbols, a font's own encoding, and never ``(cid:N)`` in the text; on public documents
and on the rule itself (a page of stand-in characters and PDFium's stand-in reading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import engines
from somark_loaders.emulator.pdf_glyphs import GlyphReader, restore_glyphs
from somark_loaders.emulator.pdf_pages import read_page
from tests.test_pdf_text import EXAMPLES, corpus_file


def _blocks(path: Path) -> list[dict[str, Any]]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions())
    return [b for p in pages for b in p["blocks"]]


# --- public documents -------------------------------------------------------------------


def test_a_papers_math_symbols_are_read_and_no_cid_is_left() -> None:
    """An arXiv paper (TeX's CMSY without a map): its table's cross mark is read, and no
    ``(cid:N)`` reaches any block."""
    blocks = _blocks(EXAMPLES / "multi-column.pdf")
    assert not any("(cid:" in b["content"] for b in blocks)
    assert any(b["type"] == "table" and "✗" in b["content"] for b in blocks)


def test_math_fonts_read_by_their_own_encoding() -> None:
    """Lecture notes set in TeX's fonts, compressed: CMSY's quantifiers and subset sign
    and CMMI's comma (pdfminer read ``(8; 9)``, ``(X; T)`` and ``(cid:18)``). Three of its
    117 pages, read as the engine reads each page."""
    import pdfplumber

    path = corpus_file("GeoTopo-komprimiert.pdf")
    with pdfplumber.open(path) as pdf, GlyphReader(path) as glyphs:
        words = [
            w["text"]
            for number in (1, 5, 59)
            for w in read_page(pdf.pages[number], number, path.name, glyphs.chars).words
        ]
    text = " ".join(words)
    assert "(cid:" not in text
    assert "a, b ∈ X, γ0, γ1 : I → X homotope Wege" in text  # a formula dense with them
    assert "Quantoren (∀, ∃)" in text
    assert "Paar (X, T)" in text
    assert "⊆ P(X)" in text


# --- the rule ---------------------------------------------------------------------------


class _Page:
    """What :func:`restore_glyphs` reads of a pdfplumber page: its characters and fonts."""

    def __init__(self, texts: list[str], fonts: dict[str, Any] | None = None) -> None:
        self.objects = {"char": [{"text": t, "fontname": "F"} for t in texts]}
        self.page_obj = type("PageObj", (), {"resources": {"Font": fonts or {}}})()

    @property
    def texts(self) -> list[str]:
        return [c["text"] for c in self.objects["char"]]


def _pdfium(*texts: str) -> Any:
    return lambda number: list(texts)


def test_an_unmapped_glyph_takes_pdfiums_reading() -> None:
    page = _Page(["a", "(cid:0)", "b"])
    restore_glyphs(page, 0, _pdfium("a", "−", "b"))
    assert page.texts == ["a", "−", "b"]


def test_a_ligature_pdfium_splits_stays_one_glyph() -> None:
    page = _Page(["x", "(cid:12)", "y"])
    restore_glyphs(page, 0, _pdfium("x", "f", "i", "y"))
    assert page.texts == ["x", "fi", "y"]


def test_a_code_pdfium_only_echoes_is_left_out() -> None:
    """PDFium gives the code itself for a glyph it cannot name either: ``(cid:114)``, a
    bullet, is no ``r``; a control character is no text either."""
    page = _Page(["(cid:114)", "A", "(cid:2)", "B"])
    restore_glyphs(page, 0, _pdfium("r", "A", "\x02", "B"))
    assert page.texts == ["A", "B"]


def test_a_font_mostly_unreadable_loses_its_ascii_too() -> None:
    """A font without a map whose few codes fell on ASCII (``!`` among ``(cid:N)``):
    those are no text either."""
    page = _Page(["A", "(cid:3)", "!", "(cid:4)", "B"])
    for char in page.objects["char"][1:4]:
        char["fontname"] = "Subset"
    restore_glyphs(page, 0, _pdfium("A", "\x03", "!", "\x04", "B"))
    assert page.texts == ["A", "B"]


def test_a_page_mostly_unreadable_is_left_to_ocr() -> None:
    page = _Page([f"(cid:{i})" for i in range(1, 41)] + list("Title"))
    restore_glyphs(page, 0, _pdfium(*("\x01" for _ in range(40)), *"Title"))
    assert page.texts == []  # no text layer: the page is read as a picture


def test_a_font_read_by_its_program_takes_pdfiums_reading() -> None:
    """An embedded font without ``/ToUnicode`` or ``/Encoding``: pdfminer reads its codes
    as the standard encoding (``;`` for CMMI's comma), PDFium by the font program."""
    fonts = {
        "F1": {"BaseFont": "F", "FontDescriptor": {"FontFile3": object()}},
    }
    page = _Page(["(", "X", ";", "T", ")"], fonts)
    restore_glyphs(page, 0, _pdfium("(", "X", ",", "T", ")"))
    assert page.texts == ["(", "X", ",", "T", ")"]


@pytest.mark.parametrize("font", [{"ToUnicode": object()}, {"Encoding": "WinAnsiEncoding"}])
def test_a_font_with_its_own_map_keeps_pdfminers_reading(font: dict[str, Any]) -> None:
    fonts = {"F1": {"BaseFont": "F", "FontDescriptor": {"FontFile3": object()}, **font}}
    page = _Page(["a", ";", "b"], fonts)
    restore_glyphs(page, 0, _pdfium("a", ",", "b"))
    assert page.texts == ["a", ";", "b"]


def test_a_page_pdfium_cannot_read_keeps_pdfminers_text() -> None:
    def broken(number: int) -> list[str]:
        raise RuntimeError("damaged page")

    page = _Page(["a", "(cid:3)", "b"])
    restore_glyphs(page, 0, broken)
    assert page.texts == ["a", "b"]


def test_a_formula_dense_with_such_glyphs_pairs_one_for_one() -> None:
    """``a, b ∈ X, γ0, γ1 : I → X`` in TeX's fonts: CMMI's commas read ``;``, CMSY's ``∈``
    and ``→`` read ``2`` and ``!``, the γ unmapped, one or two alike characters between
    them. The readings never agreed for three characters running, so the rest of the
    page kept pdfminer's ``a;b2X,0;1:I!X`` (γ left out)."""
    fonts = {"F1": {"BaseFont": "F", "FontDescriptor": {"FontFile3": object()}}}
    ours = ["a", ";", "b", "2", "X", ",", "(cid:13)", "0", ";", "(cid:13)", "1", ":", "I", "!"]
    page = _Page([*ours, *"X homotop"], fonts)
    for char in page.objects["char"]:
        if char["text"] in ("0", "1", ":", "I") or char["text"] in " homotp":
            char["fontname"] = "Text"  # TeX's text font has a map of its own
    restore_glyphs(page, 0, _pdfium(*"a,b∈X,γ0,γ1:I→X homotop"))
    assert "".join(page.texts) == "a,b∈X,γ0,γ1:I→X homotop"


def test_past_a_difference_the_readings_never_agree_on_they_meet_again() -> None:
    """CMSY's ``\\`` (pdfminer: ``n``) right before a ligature that PDFium splits
    (``oﬀen``, ``offen``): the two readings never agreed for three characters, and the
    rest of the page kept pdfminer's ``2`` for ``∈`` and ``;`` for ``∅`` (GeoTopo's page 6,
    from ``X \\ A offen`` on). They meet again where eight plain characters agree."""
    fonts = {"F1": {"BaseFont": "CMSY", "FontDescriptor": {"FontFile3": object()}}}
    ours = [*"wennX", "n", *"A", "o", "ﬀ", *"en ist, so gilt: X ", "2", *" T und ", ";"]
    page = _Page(ours, fonts)
    for n, char in enumerate(page.objects["char"]):  # only CMSY's are read by its program
        char["fontname"] = "CMSY" if n in (5, len(ours) - 9, len(ours) - 1) else "Text"
    restore_glyphs(page, 0, _pdfium(*"wennX\\Aoffen ist, so gilt: X ∈ T und ∅"))
    assert "".join(page.texts).endswith("gilt: X ∈ T und ∅")


def test_a_pages_text_after_such_a_difference_is_read_whole() -> None:
    """GeoTopo's page 6 (index 5): past ``X \\ A offen`` every symbol is read."""
    import pdfplumber

    path = corpus_file("GeoTopo-komprimiert.pdf")
    with pdfplumber.open(path) as pdf, GlyphReader(path) as glyphs:
        words = read_page(pdf.pages[5], 5, path.name, glyphs.chars).words
    text = " ".join(w["text"] for w in words)
    assert "Es gilt: X ∈ T und ∅ ∈ T" in text, text


def test_a_symbol_fonts_glyphs_stay_on_their_line(tmp_path: Path) -> None:
    """A font whose descent is its whole size (TeX's CMSY: ``∈``, ``⊆``) gives its glyphs
    boxes a line below the letters beside them: ``U ∈ T`` was read as three lines, three
    blocks between the sentence's parts. The glyph's box is set about its baseline as
    the page's other glyphs are."""
    from tests.fixtures import pages_objects, pdf_file

    sentence = (
        b"BT /F1 10 Tf 72 700 Td (For every open set U) Tj /F2 10 Tf ( e ) Tj "
        b"/F1 10 Tf (T the union of the sets is again in T, as the axioms say.) Tj ET\n"
        b"BT /F1 10 Tf 72 686 Td (A second line of the same paragraph follows it here.) Tj ET"
    )
    objects = pages_objects([sentence])
    objects[3] = objects[3].replace(b"/F1 3 0 R", b"/F1 3 0 R /F2 %d 0 R" % (len(objects) + 1))
    widths = b" ".join(b"600" for _ in range(32, 127))
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /MathSymbols /FirstChar 32 "
        b"/LastChar 126 /Widths [%s] /FontDescriptor %d 0 R >>" % (widths, len(objects) + 2)
    )
    objects.append(
        b"<< /Type /FontDescriptor /FontName /MathSymbols /Flags 4 /FontBBox [0 -960 1000 40] "
        b"/ItalicAngle 0 /Ascent 40 /Descent -960 /CapHeight 40 /StemV 80 >>"
    )
    path = tmp_path / "symbol.pdf"
    path.write_bytes(pdf_file(objects, root=1))
    texts = [b["content"] for b in _blocks(path)]
    assert len(texts) == 1, texts
    assert "open set U e T the union" in texts[0], texts


def test_a_run_of_hanging_glyphs_is_set_on_its_line_glyph_by_glyph() -> None:
    """``a∗∗∗b``: the middle glyph stands next to no letter, only to glyphs that hang
    like it; each is set on the line once the one beside it is."""
    from somark_loaders.emulator.pdf_glyphs import rebox_hanging

    def glyph(text: str, x: float, lift: float) -> dict[str, Any]:
        y1 = 700 + lift * 10
        return {
            "text": text, "x0": x, "x1": x + 5, "y0": y1 - 10, "y1": y1, "top": 792 - y1,
            "bottom": 802 - y1, "doctop": 792 - y1, "size": 10.0, "upright": True,
            "matrix": (1, 0, 0, 1, x, 700.0),
        }  # fmt: skip

    chars = [
        glyph("a", 0, 0.75),
        *(glyph("∗", 5.5 * k, 0.04) for k in (1, 2, 3)),
        glyph("b", 22, 0.75),
    ]
    far = glyph("∗", 200, 0.04)  # alone on the line: no letter beside it
    rebox_hanging([*chars, far])
    assert [round(c["y1"], 2) for c in chars] == [707.5] * 5
    assert far["y1"] == 700.4
