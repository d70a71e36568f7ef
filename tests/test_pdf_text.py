"""Text as a reader sees it: PDF words joined and split by their real gaps and the
spaces OCR drops put back, on public documents of
``../shared/corpus`` and on the rules themselves."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import engines, ocr
from somark_loaders.emulator._words import words_from_chars

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
EXAMPLES = ROOT / "examples" / "data"


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(
            f"{path} is missing: the public corpus lies in ../shared/corpus beside the repo"
        )
    return path


@cache
def text_of(path: Path) -> str:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions())
    return "\n".join(b["content"] for p in pages for b in p["blocks"] if b["type"] != "table")


# --- the rule ---------------------------------------------------------------------------


def glyphs(
    text: str, x: float, size: float = 10.0, base: float = 700.0, font: str = "Times"
) -> list[dict[str, Any]]:
    """Characters as pdfplumber gives them: a glyph half the type size wide, no gap."""
    out = []
    for char in text:
        width = 0.5 * size
        out.append(
            {
                "text": char,
                "x0": x,
                "x1": x + width,
                "top": 792 - base - 0.8 * size,
                "bottom": 792 - base + 0.2 * size,
                "size": size,
                "fontname": font,
                "upright": True,
                "matrix": (1, 0, 0, 1, x, base),
            }
        )
        x += width
    return out


def words(*runs: list[dict[str, Any]]) -> list[str]:
    return [w["text"] for w in words_from_chars([c for run in runs for c in run])]


def test_a_change_of_font_or_size_alone_never_splits_a_word() -> None:
    # 750,000 with the comma from another font; k-means with an italic k
    assert words(glyphs("750", 0), glyphs(",", 15, font="Symbol"), glyphs("000", 20)) == ["750,000"]
    assert words(glyphs("k", 0, font="Times-Italic"), glyphs("-means", 5)) == ["k-means"]
    # small capitals: I. INTRODUCTION, the capitals after the first in smaller type
    first = glyphs("I.", 0) + glyphs(" ", 10) + glyphs("I", 13)
    assert words(first, glyphs("NTRODUCTION", 18, size=8.0)) == ["I.", "INTRODUCTION"]


def spaced(text: str, x: float, letter_gap: float, word_gap: float) -> list[dict[str, Any]]:
    """A line whose words the text layer parts with space characters, its letters set
    ``letter_gap`` points apart (as an OCR layer places them by the picture)."""
    out: list[dict[str, Any]] = []
    for word in text.split(" "):
        for char in word:
            out += glyphs(char, x)
            x += 5.0 + letter_gap
        out += glyphs(" ", x - letter_gap)
        x += word_gap - letter_gap
    return out[:-1]


def test_letters_set_apart_stay_one_word_where_the_layer_marks_words_with_spaces() -> None:
    """A gap of 0.15 of the type between letters splits a word on a line without space
    characters (``PAYMENT ADVICE`` drawn with none), but where the layer marks its words
    with spaces, a gap splits only when it is half as wide as the line's own word gaps:
    pdf-with-ocr-text.pdf read ``A l e t t er from``."""
    line = spaced("A letter from the Company", 0.0, letter_gap=1.5, word_gap=8.0)
    assert words(line) == ["A", "letter", "from", "the", "Company"]
    unspaced = [c for c in line if not c["text"].isspace()]
    assert len(words(unspaced)) == len("AletterfromtheCompany")  # the type-size rule alone
    # a gap as wide as half the line's word gaps is a word break, space or not
    wide = spaced("one two three four", 0.0, letter_gap=0.0, word_gap=8.0)
    cut = [c for c in wide if not (c["text"].isspace() and c["x0"] > 40)]  # last space gone
    assert words(cut) == ["one", "two", "three", "four"]


def test_an_ocr_text_layer_over_a_scan_keeps_its_words_whole() -> None:
    text = text_of(corpus_file("pdf-with-ocr-text.pdf"))
    assert text.count(" letter fro") == 6
    assert "l e t t" not in text


def test_exponents_and_indices_stay_with_their_symbol_note_marks_do_not() -> None:
    raised = {"size": 7.0, "base": 704.0}
    assert words(glyphs("N/mm", 0), glyphs("2", 20, **raised)) == ["N/mm2"]
    assert words(glyphs("cm", 0), glyphs("2", 10, **raised)) == ["cm2"]
    assert words(glyphs("H", 0), glyphs("2", 5, size=7.0, base=698.0), glyphs("O", 8.5)) == ["H2O"]
    # a note mark after a word or a full stop, and one that starts the note itself
    assert words(glyphs("practice", 0), glyphs("2", 40, **raised), glyphs(",", 43.5)) == [
        "practice",
        "2,",
    ]
    assert words(glyphs("1", 0, **raised), glyphs("The", 3.5)) == ["1", "The"]


def test_an_index_set_under_an_exponent_stays_with_its_symbol() -> None:
    """TeX sets ``w^{(i)}_1`` as w, the raised ``(i)``, then steps back under it for the
    lowered ``1``: the step back ended the word, and ``1 ,`` read as a line of its own
    that cut its paragraph in three blocks (the DPR paper's ``w(i)1, w(i)2, ...``)."""
    raised = {"size": 7.0, "base": 704.0}
    lowered = {"size": 7.0, "base": 697.0}
    stacked = glyphs("w", 0) + glyphs("(i)", 5, **raised) + glyphs("1", 5.2, **lowered)
    assert words(stacked, glyphs(",", 16)) == ["w(i)1,"]
    over = glyphs("x", 0) + glyphs("j", 5, **lowered) + glyphs("2", 5.1, **raised)
    assert words(over) == ["xj2"]  # an exponent over an index
    # a glyph drawn back on the same side is no index under an exponent
    assert words(glyphs("w", 0) + glyphs("(i)", 5, **raised) + glyphs("1", 5.2, **raised)) == [
        "w(i)",
        "1",
    ]


def test_a_paragraph_with_indices_under_exponents_is_one_block() -> None:
    """The DPR paper's page 2: ``... of tokens w(i)1, w(i)2, · · · , w(i)|pi|. Given a
    question q, the task is to find a span w(i)s, w(i)s+1, ...`` stays in its paragraph."""
    pages = engines.extract(EXAMPLES / "multi-column.pdf", ".pdf", engines.ExtractOptions())
    texts = [b["content"] for b in pages[1]["blocks"]]
    (paragraph,) = [t for t in texts if "Given a question q" in t]
    assert "w(i)1, w(i)2, · · · , w(i)|pi|. Given a question q" in paragraph, paragraph
    assert "one of the passages pi that can answer" in paragraph


def test_an_accent_drawn_as_a_glyph_of_its_own_goes_on_its_letter() -> None:
    """TeX draws Oğuz as O, a breve over the g's box, then g (the text layer steps back
    from the breve to the g): one word with its letter. An accent after its letter, or
    over a dotless i, composes too; one over no letter (R^3) stays as it is."""
    before = glyphs("O", 100.0)
    breve = glyphs("˘", 106.0)
    letters = glyphs("guz", 105.0)
    assert words(before, breve, letters) == ["Oğuz"]
    assert words(glyphs("e", 100.0), glyphs("´", 101.0)) == ["é"]
    assert words(glyphs("naı", 100.0), glyphs("¨", 111.0), glyphs("ve", 115.0)) == ["naïve"]
    assert words(glyphs("Rˆ3", 100.0)) == ["Rˆ3"]


def test_a_paper_keeps_its_authors_accented_names_whole() -> None:
    text = text_of(EXAMPLES / "multi-column.pdf")
    assert "Barlas Oğuz" in text
    assert "Jégou" in text and "Rocktäschel" in text


def test_words_are_split_by_the_gap_relative_to_the_type_size() -> None:
    # no space character in the text layer: a gap of a fifth of the type size is a space,
    # at 6 pt (1.2 pt) as at 24 pt (4.8 pt); tight kerning is not
    assert words(glyphs("Orange", 0, size=6.0), glyphs("Demo", 19.2, size=6.0)) == [
        "Orange",
        "Demo",
    ]
    assert words(glyphs("PAYMENT", 0, size=24.0), glyphs("ADVICE", 88.8, size=24.0)) == [
        "PAYMENT",
        "ADVICE",
    ]
    assert words(glyphs("AV", 0, size=24.0)[:1], glyphs("V", 10.0, size=24.0)) == ["AV"]


# --- real documents ---------------------------------------------------------------------


def test_a_paper_keeps_its_exponents_indices_and_brackets_whole() -> None:
    """dev/demo1.pdf (Elsevier): r2 and N with the index 'zero' in other fonts and sizes;
    'FDCs over' set with a gap narrower than 1.5 pt; affiliation letters stay marks."""
    text = text_of(corpus_file("dev/demo1.pdf"))
    assert "coefficient of determination (r2)" in text
    assert "zero flow days per year (Nzero)" in text
    assert "annual FDCs over 12 years" in text
    assert "Patrick N.J. Lane a,c,*," in text
    assert "a School of Forest" in text


def test_a_drop_cap_and_bracketed_words_are_whole() -> None:
    """dev/labor.pdf: a drop cap 'T' of 'This'; '(BLS)' whose brackets are another font."""
    text = text_of(corpus_file("dev/labor.pdf"))
    assert "(BLS)" in text and "( BLS )" not in text
    assert "This" in text.split()


def test_superscript_note_marks_and_indices_in_a_two_column_paper() -> None:
    """examples/data/multi-column.pdf (DPR paper): d1, d2 and p1 are indices; the note
    mark after 'practice' is no part of the word."""
    text = text_of(EXAMPLES / "multi-column.pdf")
    assert "d1, d2," in text
    assert "in practice 2," in text


# --- OCR: the spaces the recogniser drops ------------------------------------------------


def char_boxes(text: str, steps: dict[int, float]) -> list[list[list[float]]]:
    """One box per character, 10 px apart, wider where ``steps`` says (after index)."""
    boxes, x = [], 100.0
    for index, _char in enumerate(text):
        boxes.append([[x - 4, 10.0], [x + 4, 10.0], [x + 4, 30.0], [x - 4, 30.0]])
        x += steps.get(index, 10.0)
    return boxes


def test_ocr_spaces_come_back_where_characters_step_wide() -> None:
    glued = "within30days"
    assert ocr.with_spaces(glued, char_boxes(glued, {5: 22.0, 7: 22.0})) == "within 30 days"
    amount = "CHF282.40"
    assert ocr.with_spaces(amount, char_boxes(amount, {2: 21.0})) == "CHF 282.40"
    iban = "CH9300762011623852957"
    groups = char_boxes(iban, {3: 21.0, 7: 21.0, 11: 21.0, 15: 21.0, 19: 21.0})
    assert ocr.with_spaces(iban, groups) == "CH93 0076 2011 6238 5295 7"


def test_ocr_spacing_leaves_words_punctuation_and_cjk_alone() -> None:
    assert ocr.with_spaces("competitive", char_boxes("competitive", {})) == "competitive"
    # a wide step before a comma or after a bracket is no space
    assert ocr.with_spaces("(a)b,c", char_boxes("(a)b,c", {0: 25.0, 3: 25.0})) == "(a)b,c"
    assert ocr.with_spaces("第七条规定", char_boxes("第七条规定", {1: 30.0})) == "第七条规定"
    # boxes that do not match the text (one per character) change nothing
    assert ocr.with_spaces("abc def", char_boxes("abc", {})) == "abc def"


def test_a_scanned_page_gets_its_dropped_spaces_back(tmp_path: Path) -> None:
    """dev/double-column-A.jpg (5 CFR, a page image): the recogniser reads
    'Therulesinthissubchaptershall'; a strip of the left column is read with its spaces."""
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image

    strip = tmp_path / "strip.png"
    Image.open(corpus_file("dev/double-column-A.jpg")).crop((255, 725, 625, 910)).save(strip)
    pages = engines.extract(strip, ".png", engines.ExtractOptions())
    text = " ".join(b["content"] for b in pages[0]["blocks"])
    assert "The rules in this subchapter shall" in text
    assert "tive service and to all incumbents of" in text


# --- titles -----------------------------------------------------------------------------


@cache
def blocks_of(path: Path) -> list[dict[str, Any]]:
    options = engines.ExtractOptions(title_levels=True, keep_header_footer=True)
    pages = engines.extract(path, ".pdf", options)
    return [b for p in pages for b in p["blocks"]]


def test_numbered_headings_in_the_body_size_are_titles_nested_by_their_number() -> None:
    """dev/demo1.pdf (Elsevier): '2. Methods' and '2.1. Characterisation of flow regime'
    are set in the body's size in other faces (fonts named by number only)."""
    titles = {
        b["content"]: b["title_level"]
        for b in blocks_of(corpus_file("dev/demo1.pdf"))
        if b["type"] == "title"
    }
    paper = titles["The response of flow duration curves to afforestation"]
    assert paper < titles["1. Introduction"] == titles["2. Methods"] == titles["4. Results"]
    assert titles["2. Methods"] + 1 == titles["2.1. Characterisation of flow regime"]
    assert titles["4.1. Model evaluation"] == titles["2.3. Statistical analyses"]


def test_a_running_head_in_a_wide_top_margin_is_a_header_not_text() -> None:
    """dev/demo1.pdf: 'P.N.J. Lane et al. / Journal of Hydrology 310 (2005) 253-265' and
    the page number head every page 9.5% down the page."""
    blocks = blocks_of(corpus_file("dev/demo1.pdf"))
    heads = [b for b in blocks if b["content"].startswith("P.N.J. Lane et al. / Journal")]
    assert len(heads) >= 12
    assert {b["type"] for b in heads} == {"header"}


# --- footnotes --------------------------------------------------------------------------


def test_a_note_at_the_foot_of_one_column_is_a_footnote_after_the_body() -> None:
    """dev/demo1.pdf p.1: the corresponding author's note closes the left column, with
    the journal's imprint line (small type, no mark) below it across the page."""
    first_page = engines.extract(
        corpus_file("dev/demo1.pdf"), ".pdf", engines.ExtractOptions(keep_header_footer=True)
    )[0]["blocks"]
    note = next(b for b in first_page if b["content"].startswith("* Corresponding author"))
    assert note["type"] == "footnote"
    body = [i for i, b in enumerate(first_page) if b["type"] in ("text", "title")]
    assert first_page.index(note) > max(body)
