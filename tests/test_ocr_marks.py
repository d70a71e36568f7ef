"""What the recogniser gives back is tidied before it becomes text: full-width marks in
Latin lines (double-column-A.jpg's ``include:（a)``) are ASCII."""

from __future__ import annotations

from somark_loaders.emulator.ocr import latin_marks


def test_full_width_marks_in_a_latin_line_are_ascii() -> None:
    assert latin_marks("laurier, kruidnagel， kerrie") == "laurier, kruidnagel, kerrie"
    assert latin_marks("include:（a) the service；") == "include:(a) the service;"
    assert latin_marks("d。 Tighten nut、then e。") == "d. Tighten nut,then e."
    assert latin_marks("plain text, (a)") == "plain text, (a)"


def test_a_line_with_cjk_keeps_its_full_width_marks() -> None:
    assert latin_marks("注：见表（一），第2行") == "注：见表（一），第2行"
    assert latin_marks("価格（税込）：100円") == "価格（税込）：100円"
