"""Right-to-left text (Arabic, Hebrew) is read in reading order, however the PDF draws it:
an Arabic election table (drawn left to right, as seen), lines drawn from the right (as
read), and the rule itself."""

from __future__ import annotations

from typing import Any

import pytest

from somark_loaders.emulator import engines
from somark_loaders.emulator._bidi import read_line, reorder
from somark_loaders.emulator._words import text_in, words_from_chars
from somark_loaders.emulator.pdf_lines import lines_of
from tests.test_hard_documents import DATA

# --- a public document ------------------------------------------------------------------


def test_an_arabic_table_reads_from_the_right() -> None:
    """mednine.pdf (Tunisian election results, drawn left to right as seen): every word
    used to come out backwards (``ةمئاق`` for ``قائمة``) and a line's words in reverse
    order. The party lists, the title with its year and the numbers with a space for the
    thousands now read as a reader reads them, and the ligatures (``لم``, ``لأ``) keep their
    letters in order, which PDFium does not."""
    pages = engines.extract(DATA / "mednine.pdf", ".pdf", engines.ExtractOptions())
    text = "\n".join(b["content"] for p in pages for b in p["blocks"])
    assert "قائمة حزب التحالف الديمقراطي" in text
    assert "قائمة من أجل تحقيق سلطة الشعب" in text
    assert "الانتخابات التشريعية 2014" in text  # ligatures in order (PDFium: الانتخاابت الترشيعية)
    assert "الأصوات المصرح" in text
    assert "ةمئاق" not in text  # no word backwards
    # each row from the right, as the page is read: rank, list, districts, total
    assert "<td>2</td><td>قائمة حزب التحالف الديمقراطي</td><td>280</td>" in text
    assert "<td>197</td><td>806</td><td>419</td><td>3 001</td></tr>" in text


# --- lines drawn from the right ---------------------------------------------------------


def _char(text: str, x0: float, x1: float, top: float = 100.0) -> dict[str, Any]:
    size = 12.0
    return {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": top + size,
        "size": size,
        "matrix": (size, 0.0, 0.0, size, x0, -(top + size)),
        "upright": True,
        "fontname": "Hebrew",
    }


def _drawn(word: str, right: float, leftwards: bool) -> list[dict[str, Any]]:
    """``word`` (in reading order) set from ``right`` leftwards, 6 points a letter; its
    glyphs given as read (from the right) or as seen (from the left)."""
    chars = [_char(c, right - 6 * (i + 1), right - 6 * i) for i, c in enumerate(word)]
    return chars if leftwards else chars[::-1]


@pytest.mark.parametrize("leftwards", [True, False], ids=["drawn-as-read", "drawn-as-seen"])
def test_a_hebrew_line_reads_the_same_however_it_is_drawn(leftwards: bool) -> None:
    """Two Hebrew words and a year: drawn from the right (glyph after glyph leftwards,
    which once cut every glyph into a word of its own and every word into a line of its
    own) or from the left, the words and the line read the same."""
    first = _drawn("שלום", 300.0, leftwards)
    second = _drawn("עולם", 270.0, leftwards)
    year = [_char(d, 220.0 + 6 * i, 226.0 + 6 * i) for i, d in enumerate("2024")]
    chars = [*first, _char(" ", 270.0, 273.0), *second, *year]
    words = words_from_chars(chars)
    assert sorted(w["text"] for w in words) == sorted(["שלום", "עולם", "2024"])
    lines = lines_of(words)
    assert len(lines) == 1
    assert lines[0].text == "שלום עולם 2024"
    assert text_in(chars, (0, 0, 400, 200)) == "שלום עולם 2024"


# --- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "read"),
    [
        ("ةمئاق", "قائمة"),  # a word seen left to right is read from the right
        ("ةيعيشرتلا تبااختنالا 2014", "2014 الانتخاابت الترشيعية"),
        ("3 001 بزح", "حزب 3 001"),  # a number keeps its digits and its space
        ("(ةمئاق)", "(قائمة)"),  # brackets turned around are mirrored
        ("see the بزح ةمئاق here", "see the قائمة حزب here"),  # an Arabic phrase in a Latin line
        ("PDF ملاع", "عالم PDF"),
        ("plain text", "plain text"),
    ],
)
def test_reading_order_of_a_line_seen_left_to_right(seen: str, read: str) -> None:
    assert reorder(seen) == read
    assert reorder(read) == seen  # its own inverse


def test_a_vowel_sign_stays_after_its_letter_and_ligatures_become_letters() -> None:
    assert reorder("بَك") == "كبَ"  # the fatha stays on its beh
    assert read_line(["ﻻ"]) == "لا"  # lam-alef presentation form
    assert read_line(["شيء", "لا"]) == "لا شيء"  # words of a line, seen left to right


def test_a_ligature_keeps_its_letters_in_reading_order() -> None:
    """A ligature glyph's text (``لم`` of ``المصرح``) is in reading order already: the word
    turned around keeps it (pdfminer and PDFium both read ``املصرح``)."""
    glyphs = ["ح", "ر", "ص", "لم", "ا"]  # left to right, as seen
    chars = [_char(g, 100.0 + 6 * i, 106.0 + 6 * i) for i, g in enumerate(glyphs)]
    assert [w["text"] for w in words_from_chars(chars)] == ["المصرح"]
