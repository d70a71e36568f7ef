"""Text in columns whose rows are drawn straight across the columns is read column by
column (``emulator/pdf_columns.py``).

Found on PDFs of public PyPI sdists (``bench/fetch_dev3_pdf.py``): IRS instructions
(``i1040nr.pdf``, three columns) draw each row of text across all three columns, and the
emulator joined the words over the gutters into one line (``Section references are to
the Internal use a different address this year. See retirement plan and your 2008
modified``) and its paragraphs alternated columns. A form's label and value, a glossary's
term beside its definition and a heading's ``1   Introduction`` keep their rows.
"""

from __future__ import annotations

from pathlib import Path

from somark_loaders.emulator import engines

from .fixtures import text_pdf

TITLE = "Instructions for the Annual Return"
COLUMNS = (
    (
        "Section references are to the Internal",
        "Revenue Code unless otherwise noted and",
        "the forms named here are those in use",
        "for the tax year that this return covers.",
        "Keep a copy of the return for your own",
        "records and of every schedule with it.",
    ),
    (
        "Use a different address this year when",
        "you mail the return and its schedules;",
        "the address is printed in the section",
        "called Where To File at the end of these",
        "instructions, with the hours the offices",
        "are open during the filing season here.",
    ),
    (
        "Retirement plans and your modified gross",
        "income decide whether you may deduct",
        "what you paid into an individual account",
        "this year; the limits are higher than in",
        "the year before for most of the people",
        "who file this return with the schedules.",
    ),
)
LEFT = (42, 222, 402)  # points: where each column starts; 9 point type, 10 point leading


def _text(x: float, y: float, size: float, text: str) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, y, text.encode("latin-1"))


def _row(y: float, pieces: tuple[str, ...], lefts: tuple[float, ...] = LEFT) -> bytes:
    """One text object drawing a row straight across the columns, as the IRS does."""
    moves = b""
    last = 0.0
    for x, piece in zip(lefts, pieces, strict=True):
        moves += b"%g 0 Td (%s) Tj " % (x - last, piece.encode("latin-1"))
        last = x
    return b"BT /F1 9 Tf 0 %g Td %sET\n" % (y, moves)


def _texts(path: Path) -> list[tuple[str, str]]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions())
    return [(b["type"], b["content"]) for page in pages for b in page["blocks"]]


def _expected() -> list[tuple[str, str]]:
    return [("title", TITLE), *(("text", " ".join(column)) for column in COLUMNS)]


def test_three_columns_drawn_row_by_row_across_are_read_column_by_column(
    tmp_path: Path,
) -> None:
    rows = [_row(680 - 10 * i, row) for i, row in enumerate(zip(*COLUMNS, strict=True))]
    content = _text(42, 720, 16, TITLE) + b"".join(rows)
    assert _texts(text_pdf(tmp_path / "across.pdf", content)) == _expected()


def test_the_same_columns_drawn_column_by_column_read_the_same(tmp_path: Path) -> None:
    content = _text(42, 720, 16, TITLE) + b"".join(
        _text(x, 680 - 10 * i, 9, line)
        for x, column in zip(LEFT, COLUMNS, strict=True)
        for i, line in enumerate(column)
    )
    assert _texts(text_pdf(tmp_path / "down.pdf", content)) == _expected()


def test_a_glossary_of_terms_beside_their_definitions_keeps_its_rows(tmp_path: Path) -> None:
    """Terms (prose by their letters) a few rows apart beside definitions of three lines:
    the term column is no column of prose, each term goes with its definition."""
    terms = ("Substantial presence", "Closer connection", "Exempt individual")
    definitions = (
        ("You were physically present in the United", "States on at least thirty one days of", "the year and on many days over three years."),
        ("You kept a tax home in a foreign country", "and had closer ties to that country than", "to the United States for the whole year."),
        ("You were a teacher, a trainee, a student", "or an athlete temporarily in the country", "and do not count the days you were there."),
    )  # fmt: skip
    content = b""
    y = 700.0
    for term, lines in zip(terms, definitions, strict=True):
        content += _row(y, (term, lines[0]), (72, 260))
        content += b"".join(_text(260, y - 10 * i, 9, line) for i, line in enumerate(lines[1:], 1))
        y -= 40
    texts = [text for _kind, text in _texts(text_pdf(tmp_path / "glossary.pdf", content))]
    assert texts == [f"{t} {' '.join(d)}" for t, d in zip(terms, definitions, strict=True)]


def test_a_numbered_heading_with_one_wide_gap_stays_one_line(tmp_path: Path) -> None:
    body = b"".join(
        _text(72, 680 - 12 * i, 10, f"The survey of line {i} covers the stations along the river.")
        for i in range(8)
    )
    content = _row(700, ("1", "Introduction"), (72, 100)).replace(b"/F1 9", b"/F1 14") + body
    texts = [text for _kind, text in _texts(text_pdf(tmp_path / "heading.pdf", content))]
    assert texts[0] == "1 Introduction"


def test_a_table_of_codes_beside_their_descriptions_keeps_its_rows(tmp_path: Path) -> None:
    """Beside a column of prose, codes and their descriptions drawn on one row each (a
    staging table's ``NX  Regional lymph nodes cannot be assessed``): no column of prose
    left of the descriptions, each code goes with its description."""
    prose = COLUMNS[0] + COLUMNS[1]
    codes = ("NX", "N0", "N0a", "N0b", "N1", "N1a", "N1b", "M0", "M1", "MX", "T0", "T1")
    words = ("Regional lymph nodes", "No evidence of metastasis", "Benign lymph nodes found")
    rows = [
        _row(700 - 12 * i, (line, code, f"{words[i % 3]} at stage {i}"), (42, 300, 340))
        for i, (line, code) in enumerate(zip(prose, codes, strict=True))
    ]
    texts = [text for _kind, text in _texts(text_pdf(tmp_path / "codes.pdf", b"".join(rows)))]
    for i, code in enumerate(codes):
        assert any(f"{code} {words[i % 3]} at stage {i}" in text for text in texts), texts
