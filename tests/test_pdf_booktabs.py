"""Small tables in a booktabs frame (a rule above, one under the column names, one under
the last row): two rows under the header make a table there."""

from __future__ import annotations

from pathlib import Path

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
    (loss,) = [t for t in tables if t is not None and any(r[0] == "Triplet" for r in t.rows)]
    assert loss.header_rows == 2
    assert loss.rows[0][0] == "Sim Loss" and "Retrieval Accuracy" in loss.rows[0]
    assert loss.rows[1] == ("", "Top-1", "Top-5", "Top-20", "Top-100")
    assert ("Triplet", "41.6", "65.0", "77.2", "84.5") in loss.rows
    assert not [b for b in blocks if b["type"] == "text" and "Top-1 Top-5" in b["content"]]
