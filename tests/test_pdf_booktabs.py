"""Small tables in a booktabs frame (a rule above, one under the column names, one under
the last row): two rows under the header make a table there."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber

from somark_loaders.convert.tables import Table, parse_html_table
from somark_loaders.emulator import engines

from .fixtures import text_pdf

PROSE = (
    "We report the accuracy of the retriever on the development set in the table below",
    "and discuss the two ways of choosing positive passages in the section that follows.",
)


def _text(x: float, y: float, text: str, size: int = 10) -> bytes:
    return b"BT /F1 %d Tf %.1f %.1f Td (%s) Tj ET\n" % (size, x, y, text.encode())


def _rule(y: float, filled: bool, x0: float = 72.0, x1: float = 380.0) -> bytes:
    if filled:  # LaTeX draws its rules as thin filled boxes
        return b"%.1f %.1f %.1f 0.8 re f\n" % (x0, y, x1 - x0)
    return b"0.5 w %.1f %.1f m %.1f %.1f l S\n" % (x0, y, x1, y)


def _row(y: float, cells: list[str]) -> bytes:
    out = _text(72, y, cells[0])
    for index, cell in enumerate(cells[1:]):
        out += _text(180 + 50 * index, y, cell)
    return out


def _paper(path: Path, filled: bool, rules: bool = True) -> Path:
    content = b"".join(_text(72, 700 - 14 * i, line) for i, line in enumerate(PROSE))
    if rules:
        content += _rule(650, filled) + _rule(628, filled) + _rule(594, filled)
    content += _text(72, 636, "Training") + _text(230, 636, "Top-k accuracy")
    content += _row(614, ["Gold", "44.9", "66.8", "78.1", "85.0"])
    content += _row(600, ["Dist. Sup.", "43.9", "65.3", "77.1", "84.4"])
    content += _text(72, 570, "Table 5: Retrieval accuracy on the development set.")
    content += b"".join(_text(72, 540 - 14 * i, line) for i, line in enumerate(PROSE))
    return text_pdf(path, content)


def _tables(path: Path) -> tuple[list[Table], list[str]]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions())
    blocks = [b for p in pages for b in p["blocks"]]
    tables = [parse_html_table(b["content"]) for b in blocks if b["type"] == "table"]
    return [t for t in tables if t is not None], [b["content"] for b in blocks]


def test_two_rows_in_a_booktabs_frame_are_a_table_with_its_header(tmp_path: Path) -> None:
    for filled in (False, True):
        tables, _ = _tables(_paper(tmp_path / f"paper-{filled}.pdf", filled))
        assert len(tables) == 1, filled
        assert tables[0].rows[-2:] == (
            ("Gold", "44.9", "66.8", "78.1", "85.0"),
            ("Dist. Sup.", "43.9", "65.3", "77.1", "84.4"),
        )


def test_the_same_rows_without_a_frame_stay_text(tmp_path: Path) -> None:
    tables, texts = _tables(_paper(tmp_path / "bare.pdf", False, rules=False))
    assert tables == []
    assert any("Gold 44.9" in t for t in texts)


def test_lines_to_write_on_are_no_frame(tmp_path: Path) -> None:
    """A form's rules of one width hold a line each: no band of two rows, no table."""
    content = b""
    for i, (label, a, b) in enumerate([("Name", "First", "Last"), ("Address", "Street", "City")]):
        y = 700 - 30 * i
        content += _row(y, [label, a, b]) + _rule(y - 8, False)
    content += _rule(722, False)
    tables, _ = _tables(text_pdf(tmp_path / "form.pdf", content))
    assert tables == []


def test_a_caption_between_two_tables_of_one_width_parts_their_frames() -> None:
    """multi-column.pdf (DPR), page 12: Tables 5 and 6 share a column's width; Table 5
    (two rows) is a table with its header, the caption under it is no row of either, and
    Table 6's two header lines above its mid rule are its header (they were text)."""
    pages = engines.extract(
        Path(__file__).parents[1] / "examples" / "data" / "multi-column.pdf",
        ".pdf",
        engines.ExtractOptions(),
    )
    blocks = pages[11]["blocks"]
    tables = [parse_html_table(b["content"]) for b in blocks if b["type"] == "table"]
    gold = [t for t in tables if t is not None and any(r[0] == "Gold" for r in t.rows)]
    assert len(gold) == 1
    assert gold[0].rows[0] == ("", "Top-1", "Top-5", "Top-20", "Top-100")
    assert gold[0].header_rows == 1
    assert gold[0].rows[1:] == (
        ("Gold", "44.9", "66.8", "78.1", "85.0"),
        ("Dist. Sup.", "43.9", "65.3", "77.1", "84.4"),
    )
    assert not any("Table 5" in cell for t in tables if t for r in t.rows for cell in r)
    assert not [b for b in blocks if b["type"] == "text" and b["content"].startswith("Gold")]
    # Table 6: two header lines, "Retrieval Accuracy" spanning the Top-k columns and a
    # short rule between the column names (allowed: not a column's rule)
    (loss,) = [t for t in tables if t is not None and any(r[1] == "Triplet" for r in t.rows)]
    assert loss.header_rows == 2
    assert loss.rows[0][:2] == ("Sim", "Loss") and "Retrieval Accuracy" in loss.rows[0]
    assert loss.rows[1] == ("", "", "Top-1", "Top-5", "Top-20", "Top-100")
    assert not [b for b in blocks if b["type"] == "text" and "Top-1 Top-5" in b["content"]]
    # its \multirow labels (DP, L2) each label the two rows they stand between (a cell
    # spanning them), in a column of their own under Sim; none of them is text as well
    assert loss.rows[2:] == (
        ("DP", "NLL", "44.9", "66.8", "78.1", "85.0"),
        ("DP", "Triplet", "41.6", "65.0", "77.2", "84.5"),
        ("L2", "NLL", "43.5", "64.7", "76.1", "83.1"),
        ("L2", "Triplet", "42.2", "66.0", "78.1", "84.9"),
    )
    assert not [b for b in blocks if b["type"] != "table" and b["content"] in {"DP", "L2", "Sim"}]


def _at(y: float, cells: list[str], xs: list[float]) -> bytes:
    return b"".join(_text(x, y, cell) for x, cell in zip(xs, cells, strict=True) if cell)


def test_a_rule_under_a_section_heading_is_no_part_of_the_frame(tmp_path: Path) -> None:
    """A rule under a running head and one under ``4 Results`` sit over the table's top
    rule: the frame starts at the band that reads as a header (two names or more)."""
    columns = [72.0, 260.0, 340.0, 420.0]
    content = _text(72, 750, "Annual Report 2023") + _rule(742, False, x1=540)
    content += _text(72, 720, "4 Results", 12)
    content += _rule(700, False, x1=540) + _rule(680, False, x1=540) + _rule(640, False, x1=540)
    content += _text(72, 688, "Region") + _text(300, 688, "Sales (USD m)")
    content += _at(666, ["North", "12.1", "13.4", "15.0"], columns)
    content += _at(652, ["South", "9.8", "10.2", "11.7"], columns)
    content += _text(72, 620, "Table 1: Sales by region")
    tables, texts = _tables(text_pdf(tmp_path / "report.pdf", content))
    assert len(tables) == 1 and tables[0].header_rows == 1
    assert tables[0].rows[0][0] == "Region" and "Sales (USD m)" in tables[0].rows[0]
    assert "4 Results" in texts


def test_a_ruled_algorithm_box_is_no_table(tmp_path: Path) -> None:
    """algorithm2e's ruled style: a rule, the label, a rule, numbered lines with comments
    on the right, a rule. Its lines stay text, every one of them."""
    content = _rule(660, False) + _rule(646, False) + _rule(560, False)
    content += _text(72, 650, "Algorithm 1: Training loop")
    lines = [
        ("1:", "for t = 1 to T do", ""),
        ("2:", "sample batch B", "// data"),
        ("3:", "g = grad(L, B)", "// loss"),
        ("4:", "theta = theta - lr g", ""),
    ]
    for i, (number, code, comment) in enumerate(lines):
        content += _at(634 - 14 * i, [number, code, comment], [72.0, 110.0, 300.0])
    tables, texts = _tables(text_pdf(tmp_path / "algorithm.pdf", content))
    assert tables == []
    assert "1: for t = 1 to T do" in " ".join(texts)


def test_a_group_label_under_the_mid_rule_stays_a_row(tmp_path: Path) -> None:
    """A label over the frame's rows (``Single-task``) fell inside the table's box and
    out of every block."""
    content = _rule(660, False) + _rule(640, False) + _rule(580, False)
    content += _text(72, 648, "Training") + _text(230, 648, "Top-k accuracy")
    content += _text(72, 626, "Single-task")
    content += _row(612, ["BM25", "32.1", "40.2", "55.0"]) + _row(
        598, ["DPR", "41.5", "49.9", "63.2"]
    )
    tables, texts = _tables(text_pdf(tmp_path / "label.pdf", content))
    assert len(tables) == 1
    assert any(row[0] == "Single-task" for row in tables[0].rows) or "Single-task" in texts


def test_column_names_set_tight_keep_their_columns(tmp_path: Path) -> None:
    """Column names a word space apart (a narrow ``tabcolsep``), each over a column of
    its own, are not one name over the columns."""
    xs = [180.0]
    widths = [26.1, 26.1, 31.7, 37.3]  # Top-1, Top-5, Top-20, Top-100 in Helvetica 10
    for width in widths[:-1]:
        xs.append(xs[-1] + width + 3.5)
    content = _rule(660, False) + _rule(640, False) + _rule(580, False)
    content += _at(648, ["Retriever", "Top-1", "Top-5", "Top-20", "Top-100"], [72.0, *xs])
    centred = [x + (w - 16.7) / 2 for x, w in zip(xs, widths, strict=True)]
    content += _at(626, ["Gold", "44.9", "66.8", "78.1", "85.0"], [72.0, *centred])
    content += _at(612, ["Dist. Sup.", "43.9", "65.3", "77.1", "84.4"], [72.0, *centred])
    tables, _ = _tables(text_pdf(tmp_path / "tight.pdf", content))
    assert len(tables) == 1
    assert tables[0].rows[0] == ("Retriever", "Top-1", "Top-5", "Top-20", "Top-100")


_MULTIROW_COLUMNS = [72.0, 130.0, 230.0, 290.0, 350.0]


def _side(x: float, y: float, text: str, size: int = 10) -> bytes:
    """``text`` turned up the page (``\\rotatebox{90}``)."""
    return b"BT /F1 %d Tf 0 1 -1 0 %.1f %.1f Tm (%s) Tj ET\n" % (size, x, y, text.encode())


def _multirow(path: Path, labels: bool = True, extra: bytes = b"") -> Path:
    """DPR's Table 6 drawn again: ``DP`` and ``L2`` each centred between their two rows,
    left of the columns (``\\multirow``), under ``Sim``; ``extra`` drawn over it."""
    columns = _MULTIROW_COLUMNS
    content = b"".join(_text(72, 760 - 14 * i, line) for i, line in enumerate(PROSE))
    content += _rule(720, False) + _rule(700, False) + _rule(620, False)
    content += _at(706, ["Sim" if labels else "", "Loss", "Top-1", "Top-5", "Top-20"], columns)
    content += _at(686, ["", "NLL", "44.9", "66.8", "78.1"], columns)
    content += _at(672, ["", "Triplet", "41.6", "65.0", "77.2"], columns)
    content += _at(652, ["", "NLL", "43.5", "64.7", "76.1"], columns)
    content += _at(638, ["", "Triplet", "42.2", "66.0", "78.1"], columns)
    if labels:
        content += _text(72, 679, "DP") + _text(72, 645, "L2")
    content += _text(72, 600, "Table 6: Retrieval accuracy by similarity and loss.")
    return text_pdf(path, content + extra)


def _words_out(path: Path) -> list[str]:
    """Every word of the emulator's blocks of ``path`` (a table's cells too)."""
    _, texts = _tables(path)
    return [w for text in texts for w in re.sub(r"<[^>]+>", " ", text).split()]


def test_a_multirow_label_left_of_the_columns_is_in_the_table(tmp_path: Path) -> None:
    """A ``\\multirow`` label (``DP``) stands left of the columns its rows fill, centred
    between its two rows: it belongs to the frame's table, not to a line of text beside
    the table as well (it was both: an empty row of the table and a stray text block)."""
    tables, texts = _tables(_multirow(tmp_path / "multirow.pdf"))
    assert len(tables) == 1
    assert tables[0].rows == (
        ("Sim", "Loss", "Top-1", "Top-5", "Top-20"),
        ("DP", "NLL", "44.9", "66.8", "78.1"),
        ("DP", "Triplet", "41.6", "65.0", "77.2"),
        ("L2", "NLL", "43.5", "64.7", "76.1"),
        ("L2", "Triplet", "42.2", "66.0", "78.1"),
    )
    assert not [t for t in texts if t.strip() in {"DP", "L2", "Sim"}]
    assert not [t for t in texts if "DP" in t.split() and "<table" not in t]


def test_text_turned_sideways_in_a_frame_keeps_the_table_to_its_columns(tmp_path: Path) -> None:
    """A label turned up the page inside the frame (``\\rotatebox{90}{\\multirow..}``)
    is no word of the frame's rows: the table does not take the frame's box, which
    would drop the turned text (a turned block that touches a table is left out)."""
    label = _side(85, 625, "Dense Passage Retriever")
    words = _words_out(_multirow(tmp_path / "turned.pdf", labels=False, extra=label))
    assert {"Dense", "Passage", "Retriever", "Triplet", "42.2"} <= set(words)


def test_a_word_on_the_bottom_rule_stays_text(tmp_path: Path) -> None:
    """A word whose centre lies just under the bottom rule is outside the frame's words
    but within the point by which a table's box takes words: the table keeps its own
    box, and the word is kept."""
    probe = _multirow(tmp_path / "probe.pdf", extra=_text(300, 615, "Sidenote", 6))
    with pdfplumber.open(probe) as pdf:
        word = next(w for w in pdf.pages[0].extract_words() if w["text"] == "Sidenote")
        centre = (float(word["top"]) + float(word["bottom"])) / 2
        rule = float(pdf.pages[0].height) - 620
    near = _text(300, 615 + centre - (rule + 0.6), "Sidenote", 6)
    assert "Sidenote" in _words_out(_multirow(tmp_path / "near.pdf", extra=near))


def test_a_group_name_on_a_line_of_its_own_left_of_the_columns_stays_a_row(
    tmp_path: Path,
) -> None:
    """A group's name set left of the columns on a line of its own above its rows (a
    line more between the rows around it) names no cell spanning rows: it stays a row."""
    columns = _MULTIROW_COLUMNS
    content = _rule(720, False) + _rule(700, False) + _rule(600, False)
    content += _at(706, ["", "Region", "2022", "2023", "2024"], columns)
    content += _text(72, 686, "Projected")
    content += _at(672, ["", "North", "1.1", "1.2", "1.3"], columns)
    content += _at(658, ["", "South", "2.1", "2.2", "2.3"], columns)
    content += _text(72, 644, "Actual")
    content += _at(630, ["", "North", "3.1", "3.2", "3.3"], columns)
    content += _at(616, ["", "South", "4.1", "4.2", "4.3"], columns)
    tables, _ = _tables(text_pdf(tmp_path / "groups.pdf", content))
    assert len(tables) == 1
    assert tables[0].rows[1:] == (
        ("Projected", "", "", "", ""),
        ("", "North", "1.1", "1.2", "1.3"),
        ("", "South", "2.1", "2.2", "2.3"),
        ("Actual", "", "", "", ""),
        ("", "North", "3.1", "3.2", "3.3"),
        ("", "South", "4.1", "4.2", "4.3"),
    )


def test_a_header_of_names_in_a_row_is_no_sentence(tmp_path: Path) -> None:
    """DPR's Table 2 drawn again: column names set in a row (``NQ TriviaQA WQ TREC
    SQuAD Mean``) are no sentence between two rules, so the frame holds the header, and
    its labels left of the columns (``Single`` over two rows) are read with it (a run of
    six words was taken for prose, which parted the frame at the header: the labels
    were text beside a table read without them)."""
    columns = [130.0, 190.0, 240.0, 290.0, 330.0, 370.0, 410.0]
    names = ["Retriever", "NQ", "TriviaQA", "WQ", "TREC", "SQuAD", "Mean"]
    content = b"".join(_text(72, 760 - 14 * i, line) for i, line in enumerate(PROSE))
    content += b"".join(_rule(y, False, x1=450) for y in (720, 700, 680, 650))
    none, dpr, both = (
        ["59.1", "66.9", "55.0", "70.9", "68.8", "64.1"],
        ["78.4", "79.4", "73.2", "79.8", "63.2", "74.8"],
        ["76.6", "79.8", "71.0", "85.2", "71.5", "76.8"],
    )
    content += _text(72, 706, "Training") + _at(706, names, columns)
    content += _text(72, 686, "None") + _at(686, ["BM25", *none], columns)
    content += _at(666, ["DPR", *dpr], columns)
    content += _text(72, 659, "Single")
    content += _at(652, ["Both", *both], columns)
    content += _text(72, 630, "Table 2: Top-20 retrieval accuracy on test sets.")
    tables, texts = _tables(text_pdf(tmp_path / "names.pdf", content))
    assert len(tables) == 1 and tables[0].header_rows == 1
    assert tables[0].rows == (
        ("Training", *names),
        ("None", "BM25", *none),
        ("Single", "DPR", *dpr),
        ("Single", "Both", *both),
    )
    assert not [t for t in texts if t.strip() in {"Training", "None", "Single"}]


def _labelled(path: Path, rows: list[list[str]], labels: list[tuple[str, float]]) -> Path:
    """A frame under ``Sim Loss Top-1 Top-5 Top-20``: ``rows`` 14 pt apart from y=686,
    each label of ``labels`` drawn at its height, left of the columns."""
    content = b"".join(_text(72, 760 - 14 * i, line) for i, line in enumerate(PROSE))
    content += _rule(720, False) + _rule(700, False) + _rule(686 - 14 * len(rows) + 4, False)
    content += _at(706, ["Sim", "Loss", "Top-1", "Top-5", "Top-20"], _MULTIROW_COLUMNS)
    for index, row in enumerate(rows):
        content += _at(686 - 14 * index, row, _MULTIROW_COLUMNS)
    content += b"".join(_text(72, y, label) for label, y in labels)
    return text_pdf(path, content)


def test_a_multirow_label_labels_only_the_two_rows_around_it(tmp_path: Path) -> None:
    """Rows of no group above and below a label over two rows, at the same pitch, keep
    an empty label (a label over four rows stands just as this one does: the narrower
    reading gives no row a wrong label); a sparse row under a label's rows is no line
    of the row above wrapped (it was joined into it, the label with it)."""
    rows = [
        ["", "Base", "40.0", "60.0", "70.0"],
        ["", "NLL", "44.9", "66.8", "78.1"],
        ["", "Triplet", "41.6", "65.0", "77.2"],
        ["", "Ours", "43.5", "64.7", "76.1"],
    ]
    tables, _ = _tables(_labelled(tmp_path / "around.pdf", rows, [("DP", 665)]))
    assert [row[:2] for row in tables[0].rows[1:]] == [
        ("", "Base"),
        ("DP", "NLL"),
        ("DP", "Triplet"),
        ("", "Ours"),
    ]
    rows = [
        ["", "NLL", "44.9", "66.8", "78.1"],
        ["", "Triplet", "41.6", "65.0", "77.2"],
        ["", "Hinge", "40.1", "", ""],
        ["", "NLL", "43.5", "64.7", "76.1"],
        ["", "Triplet", "42.2", "66.0", "78.1"],
    ]
    tables, _ = _tables(_labelled(tmp_path / "sparse.pdf", rows, [("DP", 679), ("L2", 637)]))
    assert [row[:3] for row in tables[0].rows[1:]] == [
        ("DP", "NLL", "44.9"),
        ("DP", "Triplet", "41.6"),
        ("", "Hinge", "40.1"),
        ("L2", "NLL", "43.5"),
        ("L2", "Triplet", "42.2"),
    ]


def test_a_label_between_two_rows_of_a_first_column_labels_both() -> None:
    """multi-column.pdf (DPR), page 8, Table 4: ``Multi`` stands on a line of its own
    between its two rows, in the table's first column. It labels both rows (the page's
    reading of aligned words lost the word, and the frame's reading joined it to the
    row under it only)."""
    pages = engines.extract(
        Path(__file__).parents[1] / "examples" / "data" / "multi-column.pdf",
        ".pdf",
        engines.ExtractOptions(),
    )
    (table,) = [parse_html_table(b["content"]) for b in pages[7]["blocks"] if b["type"] == "table"]
    assert table is not None
    assert [row[:3] for row in table.rows[-2:]] == [
        ("Multi", "DPR", "41.5"),
        ("Multi", "BM25+DPR", "38.8"),
    ]
    assert table.rows[1][:2] == ("Single", "BM25+BERT (Lee et al., 2019)")
