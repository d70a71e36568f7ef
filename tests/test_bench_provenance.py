"""bench/provenance.py's rule: where an answer's words are on the page, and when a chunk's
boxes cover them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def provenance() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("provenance")
    finally:
        sys.path.remove(str(BENCH))


def _chars(
    provenance: ModuleType, page: int, top: float, text: str, x: float = 0.1
) -> list[tuple[str, Any]]:
    """One line of ``text`` at ``top``, a character every 0.01 of the page from ``x``."""
    word = provenance.Word
    return [
        (c.lower(), word(page, x + 0.01 * i, top, x + 0.01 * (i + 1), top + 0.02))
        for i, c in enumerate(text)
        if not c.isspace()
    ]


def test_an_answer_is_found_over_two_lines_and_two_pages(provenance: ModuleType) -> None:
    # a left column written before the right one: the answer's second line follows its
    # first in the PDF's order, not line by line across the page
    left = _chars(provenance, 1, 0.50, "the catchment is") + _chars(provenance, 1, 0.52, "large")
    right = _chars(provenance, 1, 0.50, "other column", x=0.6)
    words = provenance._answer_words("Catchment is large")
    (place,) = provenance.places(words, left + right)
    assert [round(w.x0, 2) for w in place] == [0.14, 0.24, 0.1]
    assert [w.top for w in place] == [0.5, 0.5, 0.52]
    # in reading order, line by line across both columns, it is not contiguous
    assert not list(provenance.places(words, provenance._reading_order(left + right)))
    # over a page break: each word keeps its own page
    broken = _chars(provenance, 1, 0.95, "ends with a") + _chars(provenance, 2, 0.05, "sentence")
    (place,) = provenance.places(provenance._answer_words("a sentence"), broken)
    assert [w.page for w in place] == [1, 2]


def test_covered_means_ninety_percent_of_word_centres_inside_a_box_of_that_page(
    provenance: ModuleType,
) -> None:
    words = [provenance.Word(1, 0.1 * i, 0.5, 0.1 * i + 0.05, 0.52) for i in range(10)]
    whole = (1, 0.0, 0.45, 1.0, 0.55)
    assert provenance.covered_share(words, [whole]) == 1.0
    assert provenance.covered_share(words, [(2, 0.0, 0.45, 1.0, 0.55)]) == 0.0  # wrong page
    # the tolerance: a centre 0.009 outside the box counts, 0.02 outside does not
    assert provenance.covered_share(words, [(1, 0.0, 0.45, 0.916, 0.55)]) == 1.0
    assert provenance.covered_share(words, [(1, 0.0, 0.45, 0.905, 0.55)]) == 0.9
    assert provenance.covered_share(words, [(1, 0.0, 0.45, 0.805, 0.55)]) == 0.8
    assert provenance.covered_share(words, [(1, 0.0, 0.53, 1.0, 0.6)]) == 0.0  # below them


def test_words_are_placed_on_a_page_whose_media_box_is_upside_down(
    provenance: ModuleType, tmp_path: Path
) -> None:
    import pdfplumber

    from .test_pdf_boxes import _pdf

    for media, y in (((0, 0, 612, 792), 692), ((0, 0, 612, -792), -100)):
        path = _pdf(tmp_path / "page.pdf", [(media, f"BT /F1 10 Tf 306 {y} Td (Answer) Tj ET\n")])
        with pdfplumber.open(path) as pdf:
            (place,) = provenance.places(["answer"], provenance._page_chars(pdf, 1))
        (word,) = place
        assert 0.5 <= word.x0 < 0.51 and 0.11 < word.top < 0.13, (media, word)
