"""Work a PDF page's reading does not repeat or need (issue 27: pages per second): the
table finder is not run where the page has no rules for it, a page's words are found
once however many readings of its tables ask for them, and the shortcuts read exactly
what the long way reads."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from somark_loaders.emulator import _words, aligned_tables, pdf_tables
from somark_loaders.emulator.pdf_pages import read_page

from .fixtures import text_pdf
from .test_pdf_text import corpus_file

_PROSE = b"".join(
    b"BT /F1 10 Tf 72 %d Td (Line %d of a page of plain prose without any rules.) Tj ET\n"
    % (720 - 14 * i, i)
    for i in range(12)
)
_ACROSS = b"".join(b"72 %d m 540 %d l S\n" % (y, y) for y in (540, 520, 500, 480))


def _finder_calls(page: Any) -> list[dict[str, str]]:
    """The settings of each run of pdfplumber's table finder on ``page`` (recorded)."""
    calls: list[dict[str, str]] = []
    finder = page.find_tables

    def counted(settings: dict[str, str]) -> Any:
        calls.append(settings)
        return finder(settings)

    page.find_tables = counted
    return calls


def test_a_page_without_rules_never_runs_the_table_finder(tmp_path: Path) -> None:
    with pdfplumber.open(text_pdf(tmp_path / "prose.pdf", _PROSE)) as pdf:
        page = pdf.pages[0]
        calls = _finder_calls(page)
        assert pdf_tables.find_tables(page) == []
    assert calls == []


def test_rules_across_only_run_the_finder_that_reads_columns_from_text(tmp_path: Path) -> None:
    """Horizontal rules without vertical ones: no ruled grid can be found (its cells need
    both), the booktabs reading (columns from the words, rows from the rules) still runs."""
    with pdfplumber.open(text_pdf(tmp_path / "rules.pdf", _PROSE + _ACROSS)) as pdf:
        page = pdf.pages[0]
        calls = _finder_calls(page)
        pdf_tables.find_tables(page)
    assert [c["vertical_strategy"] for c in calls] == ["text"]


def test_a_page_s_words_are_found_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's text and the reading of its aligned tables share one finding of its
    words; each gets copies it may change (the page's reading moves its own)."""
    found: list[int] = []
    original = _words.words_from_chars

    def counted(chars: Any) -> list[dict[str, Any]]:
        found.append(1)
        return original(chars)

    monkeypatch.setattr(_words, "words_from_chars", counted)
    with pdfplumber.open(text_pdf(tmp_path / "prose.pdf", _PROSE)) as pdf:
        page = pdf.pages[0]
        content = read_page(page, 0, "prose.pdf")
        assert len(content.words) == 12 * 11 and content.tables == []
        again = _words.page_words(page)
        again[0]["x0"] = -1.0
        assert _words.page_words(page)[0]["x0"] == content.words[0]["x0"] == 72.0
    assert len(found) == 1


@pytest.mark.parametrize("name", ["dev/chinese-tables.pdf", "dev/12s0324.pdf", "mednine.pdf"])
def test_cells_read_among_their_rows_characters_as_among_the_page_s(name: str) -> None:
    """The text of every cell of every table either finder finds, read among the
    characters of its own row, is the text read among all the page's characters."""
    cells = 0
    with pdfplumber.open(corpus_file(name)) as pdf:
        for page in pdf.pages[:2]:
            for settings in (pdf_tables._LINES_TABLES, pdf_tables._RULED_TABLES):
                for table in page.find_tables(settings):
                    chars = page.chars
                    whole = [
                        [None if c is None else _words.text_in(chars, c) for c in row.cells]
                        for row in table.rows
                    ]
                    assert pdf_tables.cell_rows(page, table) == whole
                    cells += sum(1 for row in whole for c in row if c)
    assert cells > 20


def _crossed_the_long_way(rows: list[Any], width: float) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    x = 0.3 * width
    while x <= 0.7 * width:
        crossing = sum(
            1 for r in rows if any(float(w["x0"]) < x < float(w["x1"]) + 3 for w in r.words)
        )
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += 2.0
    return best


def test_the_gutter_search_finds_the_place_a_scan_of_every_place_finds() -> None:
    chance = random.Random(27)
    for _ in range(300):
        width = chance.choice([0.0, 5.0, 300.0, 612.0, 841.9])
        rows = []
        for _row in range(chance.randint(0, 25)):
            words = []
            for _word in range(chance.randint(1, 8)):
                x0 = chance.choice(
                    [chance.uniform(0, width), 0.3 * width + 2.0 * chance.randint(0, 5)]
                )
                words.append(
                    {"x0": x0, "x1": x0 + chance.choice([0.0, 1.0, chance.uniform(0, 90)])}
                )
            rows.append(aligned_tables._Row(words))
        assert aligned_tables._fewest_crossed(rows, width) == _crossed_the_long_way(rows, width)
