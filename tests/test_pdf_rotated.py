"""Text drawn a quarter turned on a PDF page (a landscape table set sideways on a portrait
page, as demo1.pdf's Table 1) is read upright: its caption, its table, its notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from somark_loaders.convert.tables import parse_html_table
from somark_loaders.emulator import Emulator

from .test_engines import assert_boxes_inside, blocks, parse
from .test_pdf_boxes import _pdf, _prose

ROWS = [
    ("Catchment", "Area", "Rain"),
    ("Redhill", "195", "866"),
    ("Pine Creek", "320", "775"),
    ("Glendhu", "310", "1282"),
    ("Traralgon", "8700", "1472"),
]


def _sideways(text: str, x: float, y: float, up: bool) -> str:
    """``text`` running up the page from (x, y), or down it."""
    matrix = "0 1 -1 0" if up else "0 -1 1 0"
    return f"BT /F1 10 Tf {matrix} {x} {y} Tm ({text}) Tj ET\n"


def _sideways_table(up: bool) -> str:
    """A caption, a table of aligned words and a note, all drawn a quarter turned, on
    the left half of the page; each line of the turned reading is a column of glyphs."""
    lines = [("Table 1 Sideways catchment data",)] + [tuple(r) for r in ROWS] + [("Rain in mm.",)]
    out = ""
    for index, cells in enumerate(lines):
        # turned upright, a line below is further right (text up) or left (text down)
        x = 80 + 18 * index if up else 300 - 18 * index
        for column, cell in enumerate(cells):
            y = 250 + 120 * column if up else 650 - 120 * column
            out += _sideways(cell, x, y, up)
    return out


@pytest.mark.parametrize("up", [True, False], ids=["running up", "running down"])
def test_a_table_set_sideways_is_read_with_its_caption(
    emulator: Emulator, tmp_path: Path, up: bool
) -> None:
    page = ((0, 0, 612, 792), _prose(350, 700) + _sideways_table(up))
    result = parse(emulator, _pdf(tmp_path / "sideways.pdf", [page]))
    contents = [b.content for b in blocks(result)]
    assert "Table 1 Sideways catchment data" in contents, contents
    assert "Body line 0 of a page whose boxes disagree." in "\n".join(contents)
    tables = [parse_html_table(b.content) for b in blocks(result, "table")]
    assert len(tables) == 1, contents
    assert [tuple(r) for r in tables[0].rows] == ROWS
    assert_boxes_inside(result)


HEADERS = ("Catchment area", "Mean rainfall", "Forest age")


def _ruled_table_with_sideways_header() -> str:
    """A ruled table of three columns: a tall header row whose labels run up the page
    (as redp5110_sampled.pdf's Table 2-2), then three rows of upright numbers."""
    x0, top, head, row = 100.0, 600.0, 80.0, 16.0
    rules = [top, top - head, *(top - head - row * (r + 1) for r in range(3))]
    out = "".join(f"{x0} {y} m {x0 + 240} {y} l S\n" for y in rules)
    out += "".join(f"{x0 + c * 80} {top} m {x0 + c * 80} {rules[-1]} l S\n" for c in range(4))
    for c, label in enumerate(HEADERS):
        out += _sideways(label, x0 + c * 80 + 44, top - head + 4, up=True)
    for r in range(3):
        y = top - head - row * (r + 1) + 4
        out += "".join(
            f"BT /F1 10 Tf {x0 + c * 80 + 4} {y} Td ({100 * (r + 1) + c}) Tj ET\n" for c in range(3)
        )
    return out


def test_a_ruled_table_reads_its_sideways_header_once(emulator: Emulator, tmp_path: Path) -> None:
    page = ((0, 0, 612, 792), _prose(100, 700) + _ruled_table_with_sideways_header())
    result = parse(emulator, _pdf(tmp_path / "header.pdf", [page]))
    tables = [parse_html_table(b.content) for b in blocks(result, "table")]
    assert len(tables) == 1
    assert tuple(tables[0].rows[0]) == HEADERS
    assert tuple(tables[0].rows[1]) == ("100", "101", "102")
    others = "\n".join(b.content for b in blocks(result) if b.type != "table")
    assert not any(label in others for label in HEADERS), others


def test_labels_along_both_margins_are_each_read_upright(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A label running up the left margin and another running down the right one (an
    archive's stamp and a turned caption): each way is read in a turning of its own.
    One turning read only the way most glyphs run; the other label came out a glyph a
    line, and the text turned a half in that reading as letters too."""
    left, right = "Received by the county archive 2019", "Figure 3 turned along the margin"
    page = (
        (0, 0, 612, 792),
        _prose(150, 700) + _sideways(left, 40, 200, up=True) + _sideways(right, 570, 650, up=False),
    )
    result = parse(emulator, _pdf(tmp_path / "margins.pdf", [page]))
    contents = [b.content for b in blocks(result)]
    assert left in contents and right in contents, contents
    assert not [c for c in contents if len(c) == 1], contents  # no glyph on its own
    assert "Body line 3 of a page whose boxes disagree." in "\n".join(contents)
    assert_boxes_inside(result)


def test_a_label_turned_by_a_computed_matrix_is_read_upright(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A producer that turns text with ``cos(90°)`` writes ``6e-17`` for 0: pdfminer then
    calls the glyphs upright (``a * d > 0``) and the label came out a glyph a line, its
    letters taken for headings (a diagram's axis label in a data model)."""
    tiny = "0.0000000000000000612"
    label = "Number of characteristics"
    turned = f"BT /F1 10 Tf {tiny} -1 1 {tiny} 200 520 Tm ({label}) Tj ET\n"
    page = ((0, 0, 612, 792), _prose(250, 700) + turned)
    result = parse(emulator, _pdf(tmp_path / "computed.pdf", [page]))
    contents = [b.content for b in blocks(result)]
    assert label in contents, contents
    assert not [c for c in contents if len(c) <= 2], contents
