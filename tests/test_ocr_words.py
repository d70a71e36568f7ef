"""English words the OCR recogniser ran together are parted by a word list; other
languages, common words, numbers and abbreviations are left alone."""

from __future__ import annotations

import pytest

from somark_loaders.emulator import ocr
from somark_loaders.emulator.ocr_words import part_glued
from tests.test_pdf_text import corpus_file

pytest.importorskip("wordsegment", reason="the ocr extra's word list")


def test_runs_of_english_words_are_parted() -> None:
    lines = [
        "whoisinthecompetitive serviceat the",
        "pointment.Tenureshallbegranted and",
        "1.2 Extentofthe competitiveservice.",
        "executive order,or the Civil Service",
        "SUBCHAPTER A- CIVILSERVICERULES",
    ]
    assert part_glued(lines) == [
        "who is in the competitive service at the",
        "pointment. Tenure shall be granted and",  # the end of a hyphenated word stays
        "1.2 Extent of the competitive service.",
        "executive order, or the Civil Service",
        "SUBCHAPTER A- CIVIL SERVICE RULES",
    ]


def test_words_numbers_and_abbreviations_stay_whole() -> None:
    lines = [
        "eligibility to be noncompetitively se-",  # a prefix is no word of its own
        "AUTHORITY: 5 U.S.C. 3301, 3302 of the statute",
        "the mainstreaming of photosynthesis is in the data",
        "the words unclassi- and the service",
        "SAPORSLANE. BOOLE-DORSET TELEPH0NE is the address of the firm",  # a name, an OCR 0
    ]
    assert part_glued(lines) == lines


def test_a_page_in_another_language_is_left_alone() -> None:
    lines = [
        "Nun werden wir eine Verbindung zwischen der Decktransformationsgruppe",
        "und der Fundamentalgruppe herstellen, die Abbildung ist stetig.",
    ]
    assert part_glued(lines) == lines


@pytest.mark.skipif(not ocr.available(), reason="the ocr extra")
def test_a_scanned_page_of_rules_reads_as_words() -> None:
    """A scanned page of the US Code of Federal Regulations (two columns, dev half): the
    recogniser ran many words of a line together where its characters sit evenly, and
    their positions could not part them."""
    from PIL import Image

    with Image.open(corpus_file("dev/double-column-A.jpg")) as image:
        text = "\n".join(line.text for line in ocr.read_lines(image))
    assert "who is in the competitive service at the" in text
    assert "Tenure shall be granted" in text
    assert "Government and in the Government of" in text
    assert "whoisin" not in text
