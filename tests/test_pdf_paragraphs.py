"""Paragraphs set with no space between them, parted by their short last lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from somark_loaders.emulator import engines
from somark_loaders.emulator.pdf_lines import Line, parted_at_ends

from .fixtures import text_pdf

CHAR = 5.0  # points per character of the lines made here


def line(text: str, x: float = 72.0, top: float = 0.0) -> Line:
    """A line of ``text`` from ``x``, a word per run between spaces (a CJK character two
    characters wide)."""
    words: list[dict[str, Any]] = []
    for token in text.split(" "):
        width = CHAR * sum(2 if ord(c) > 0x2E80 else 1 for c in token)
        if token:
            words.append(
                {
                    "text": token,
                    "x0": x,
                    "x1": x + width,
                    "top": top,
                    "bottom": top + 10,
                    "size": 10.0,
                    "fontname": "Times-Roman",
                    "upright": True,
                }
            )
        x += width + CHAR
    return Line(words)


def texts(paras: list[list[Line]]) -> list[list[str]]:
    return [[x.text for x in para] for para in paras]


FULL = "a line of running text that fills the width of its column ."  # 59 characters


def test_a_short_last_line_ends_its_paragraph() -> None:
    para = [line(FULL), line(FULL), line("ends here."), line("Next one" + FULL[9:])]
    assert texts(parted_at_ends([para])) == [[FULL, FULL, "ends here."], ["Next one" + FULL[9:]]]


def test_an_indented_first_line_after_a_short_line_starts_a_paragraph() -> None:
    para = [line(FULL), line("the end."), line("Then " + FULL[9:], x=72 + 4 * CHAR), line(FULL)]
    assert len(parted_at_ends([para])) == 2


def test_lines_that_end_short_for_a_long_next_word_stay_together() -> None:
    long_word = "internationalisation-compatible"  # 31 characters: would not have fit
    para = [line(FULL), line(FULL[:40]), line(long_word + " and so on")]
    assert len(parted_at_ends([para])) == 1


def test_a_sentence_going_on_in_lower_case_or_after_a_hyphen_stays_together() -> None:
    assert len(parted_at_ends([[line(FULL), line("see the web page."), line("Example")]])) == 2
    para = [line(FULL), line("see the web page at"), line("pmc/articles/thy.2015.pdf")]
    assert len(parted_at_ends([para])) == 1
    assert len(parted_at_ends([[line(FULL), line("hyphen-"), line("Ated")]])) == 1


def test_narrow_blocks_and_centred_lines_are_left_whole() -> None:
    address = [line("New York University"), line("715 Broadway"), line("New York, NY")]
    assert len(parted_at_ends([address])) == 1
    centred = [
        line(FULL),
        line("a centred line", x=72 + 20 * CHAR),
        line("Another", x=72 + 26 * CHAR),
    ]
    assert len(parted_at_ends([centred])) == 1


def test_a_cjk_line_that_stops_short_ends_its_paragraph() -> None:
    first = "这是第一段的文字内容，它一直写到这一行的末尾为止，然后换行继续。"  # 31 glyphs
    para = [line(first), line("第一段到这里结束。"), line("第二段从这里开始" + first[8:])]
    assert texts(parted_at_ends([para]))[1] == ["第二段从这里开始" + first[8:]]


PROSE = (
    "Paragraphs in books and papers are often set with no space between them: only the short "
    "last line of one and the indented first line of the next tell them apart, and a reader "
    "sees them as separate paragraphs at a glance, whether the lines are justified or ragged."
)


def test_a_cjk_line_ends_its_paragraph_before_an_indent_and_a_poem_stays_whole() -> None:
    body = "内閣は、道路交通法の一部を改正する法律の一部の施行に伴い、この政令を制定する。"
    title = line("道路交通法施行令の一部を改正する政令", x=72 + 3 * 2 * CHAR)
    para = [title, line(body, x=72 + 2 * CHAR), line(body[1:] + "。")]
    assert texts(parted_at_ends([para])) == [[title.text], [body, body[1:] + "。"]]
    poem = [
        line("わたくしといふ現象は"),
        line("假定された有機交流電燈の"),
        line("ひとつの青い照明です"),
    ]
    poem.append(line("風景やみんなといっしょにせはしくせはしく明滅しながら"))
    assert len(parted_at_ends([poem])) == 1


def test_a_line_running_on_into_a_cell_beside_does_not_set_the_edge() -> None:
    para = [line(FULL + " Title: a cell"), line(FULL), line(FULL), line("Dormer and Paul Kaye")]
    para[2:2] = [line("saw the reintroduction of Richard " + FULL[34:])]
    assert len(parted_at_ends([para])) == 1


def test_a_page_of_paragraphs_set_without_space_gives_a_block_each(tmp_path: Path) -> None:
    words = PROSE.split()
    rows: list[tuple[float, str]] = []
    for first in ("The first paragraph.", "The second paragraph.", "The third paragraph."):
        line_words, indent = [first], 18.0
        for word in words:
            if len(" ".join([*line_words, word])) > 80:
                rows.append((indent, " ".join(line_words)))
                line_words, indent = [], 0.0
            line_words.append(word)
        rows.append((indent, " ".join(line_words[:3])))  # a short last line
    content = "\n".join(
        f"BT /F1 10 Tf {72 + indent} {720 - 12 * n} Td ({text}) Tj ET"
        for n, (indent, text) in enumerate(rows)
    ).encode()
    path = text_pdf(tmp_path / "paragraphs.pdf", content)
    (page,) = engines.extract(path, ".pdf", engines.ExtractOptions())
    starts = [b["content"].split(".")[0] for b in page["blocks"]]
    assert starts == ["The first paragraph", "The second paragraph", "The third paragraph"]


def test_a_wide_first_word_that_would_not_have_fit_keeps_the_paragraph(tmp_path: Path) -> None:
    """Ragged-right capitals: the next line's first word is measured as drawn, not by
    the line's average letter (``...who agree that the`` / ``COOPERATOR shall ...``)."""
    capitals = line("This MEMORANDUM is made by the PARTIES, who agree")  # 14 letters short
    para = [line(FULL + " and"), capitals, line("COOPERATOR shall provide")]
    for n, word in enumerate(para[2].words):  # capitals: 80 points, not 10 average letters
        word["x1"] += 6 * CHAR
        if n:
            word["x0"] += 6 * CHAR
    assert len(parted_at_ends([para])) == 1


def test_addresses_stanzas_and_right_to_left_text_stay_whole() -> None:
    address = [
        line("Department of Computer Science and Engineering"),
        line("University of California, San Diego"),
        line("9500 Gilman Drive, La Jolla, CA 92093"),
    ]
    stanza = [
        line("Because I could not stop for Death, He kindly stopped for me;"),
        line("The carriage held but just ourselves"),
        line("And Immortality."),
    ]
    hebrew = [line("שלום עולם זה טקסט ארוך מאוד " * 2), line("סוף הפסקה."), line("שלום עולם זה")]
    for para in (address, stanza, hebrew):
        assert len(parted_at_ends([para])) == 1, para[0].text
