"""The text of table cells is cut into words by the same rule as the page's text (gaps
relative to the type size, never a change of font or size alone): no ``( C 80)`` where a
glyph of another font sits inside a word, no ``Netflow`` where the glyphs leave a gap
but the text layer has no space character."""

from __future__ import annotations

from pathlib import Path

import pytest

from somark_loaders.convert.tables import parse_html_table
from somark_loaders.emulator import Emulator

from .test_engines import blocks, parse
from .test_pdf_boxes import _pdf

LABELS = ["Alpha", "Beta", "Gamma", "Delta"]


def _run(x: float, y: float, parts: list[tuple[float, float, str]]) -> str:
    """Text drawn in runs from (x, y): each (size, move right before it, text)."""
    out = f"BT {x} {y} Td "
    for size, move, text in parts:
        out += f"/F1 {size} Tf {move} 0 Td ({text}) Tj " if move else f"/F1 {size} Tf ({text}) Tj "
    return out + "ET\n"


def _cells(x0: float, y0: float) -> list[tuple[float, float, list[tuple[float, float, str]]]]:
    cells = []
    for r, label in enumerate(LABELS):
        y = y0 - (r + 1) * 16 + 4
        cells.append((x0 + 4, y, [(8, 0, label)]))
        # "(C8r)": the letter set at a size a hair apart, as another font's glyph is
        cells.append(
            (x0 + 104, y, [(8, 0, f"{1516 + r} \\("), (8.004, 0, "C"), (8, 0, f"8{r}\\)")])
        )
        # "Net flow": two runs 2.4 points apart (over 0.12 of the size, under 3), no space character
        cells.append((x0 + 204, y, [(8, 0, "Net"), (8, 14.85, f"flow{r}")]))
    return cells


def _table(ruled: bool) -> str:
    x0, y0 = 100.0, 600.0
    out = ""
    if ruled:
        out += "".join(f"{x0} {y0 - r * 16} m {x0 + 300} {y0 - r * 16} l S\n" for r in range(5))
        out += "".join(f"{x0 + c * 100} {y0} m {x0 + c * 100} {y0 - 64} l S\n" for c in range(4))
    out += "".join(_run(x, y, parts) for x, y, parts in _cells(x0, y0))
    body = "Body line {} of a page with a small table of flows below it."
    return out + "".join(
        f"BT /F1 10 Tf 100 {700 - 14 * i} Td ({body.format(i)}) Tj ET\n" for i in range(3)
    )


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "aligned words"])
def test_table_cells_keep_their_words(emulator: Emulator, tmp_path: Path, ruled: bool) -> None:
    path = _pdf(tmp_path / "cells.pdf", [((0, 0, 612, 792), _table(ruled))])
    tables = [parse_html_table(b.content) for b in blocks(parse(emulator, path), "table")]
    assert len(tables) == 1, tables
    rows = [tuple(r) for r in tables[0].rows]
    for r, label in enumerate(LABELS):
        assert (label, f"{1516 + r} (C8{r})", f"Net flow{r}") in rows, rows
