"""Figures drawn with vector lines (charts, trees, flow charts) are ``figure`` blocks, their
labels ``text`` blocks right after them, out of the page's flow.

Before, a chart exported as vector graphics gave no figure, and each of its labels was a
block of its own among the page's paragraphs: matplotlib's tick labels came out as
``8``, ``6``, ``4`` ... ``0 2 4 6 8`` (pdfminer.six's ``matplotlib.pdf``), the DPR paper's
recall chart put its legend and ticks between two paragraphs, and a tree's node was read
as a running header (naacl06-shinyama.pdf)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator import engines

from .fixtures import text_pdf

DATA = Path(__file__).parent / "data"

SENTENCE = "The measured values grow with the load as the model predicts, line {i}."


def _text(x: float, y: float, size: float, text: str) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, y, text.encode("latin-1"))


def _body(top: float, lines: int) -> bytes:
    return b"".join(_text(72, top - 13 * i, 10, SENTENCE.format(i=i)) for i in range(lines))


def _chart(x: float, y: float) -> bytes:
    """A line chart 240 x 150 points with its lower left corner at (x, y): two axes, tick
    marks and tick labels, a plotted line with round markers, a legend and an axis title."""
    out = b"%g %g m %g %g l S\n%g %g m %g %g l S\n" % (x, y, x + 240, y, x, y, x, y + 150)
    for k in range(5):
        tx, ty = x + 20 + 50 * k, y + 10 + 35 * k
        out += b"%g %g m %g %g l S\n" % (tx, y, tx, y - 4)  # a tick under the x axis
        out += b"%g %g m %g %g l S\n" % (x, ty, x - 4, ty)  # and one left of the y axis
        out += _text(tx - 3, y - 13, 8, str(2 * k))
        out += _text(x - 14, ty - 3, 8, str(10 * k))
    points = [(x + 20 + 50 * k, y + 12 + 30 * k + (8 if k % 2 else 0)) for k in range(5)]
    out += b"%g %g m " % points[0] + b"".join(b"%g %g l " % p for p in points[1:]) + b"S\n"
    for px, py in points:  # a round marker: a circle of four curves
        out += (
            b"%g %g m %g %g %g %g %g %g c %g %g %g %g %g %g c "
            b"%g %g %g %g %g %g c %g %g %g %g %g %g c f\n"
            % (
                *(px + 2, py, px + 2, py + 1.1, px + 1.1, py + 2, px, py + 2),
                *(px - 1.1, py + 2, px - 2, py + 1.1, px - 2, py),
                *(px - 2, py - 1.1, px - 1.1, py - 2, px, py - 2),
                *(px + 1.1, py - 2, px + 2, py - 1.1, px + 2, py),
            )
        )
    out += _text(x + 150, y + 135, 8, "Measured load")
    out += _text(x + 90, y - 26, 8, "Hours of load")
    # the y axis's title, turned a quarter: it runs up the page left of the tick labels
    out += b"BT /F1 8 Tf 0 1 -1 0 %g %g Tm (Load in kW) Tj ET\n" % (x - 18, y + 50)
    return out


def _blocks(path: Path) -> list[dict[str, Any]]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions(title_levels=True))
    return [b for page in pages for b in page["blocks"]]


@pytest.mark.parametrize("caption", ["Figure 1: Measured load", "Abbildung 1: Gemessene Last"])
def test_a_drawn_chart_is_one_figure_with_its_labels_after_it(tmp_path: Path, caption: str) -> None:
    """Its caption, set close under the axis's title, is none of its labels, in any
    language."""
    content = _body(720, 6) + _chart(150, 450) + _text(150, 410, 9, caption) + _body(370, 6)
    blocks = _blocks(text_pdf(tmp_path / "chart.pdf", content))
    kinds = [b["type"] for b in blocks]
    assert kinds.count("figure") == 1, kinds
    at = kinds.index("figure")
    figure = blocks[at]
    x0, top, x1, bottom = figure["bbox"]  # pixels at 150 DPI: the chart is 240 x 150 pt
    assert x1 - x0 >= 240 * 150 / 72 and bottom - top >= 150 * 150 / 72, figure["bbox"]
    labels = []
    for block in blocks[at + 1 :]:  # the labels: text blocks inside the figure's box
        left, upper, right, lower = block["bbox"]
        inside = x0 <= left and top <= upper and right <= x1 and lower <= bottom
        if block["type"] != "text" or not inside:
            break
        labels.append(block["content"])
    joined = " ".join(labels)
    for word in ("0", "8", "40", "Measured load", "Hours of load", "Load in kW"):
        assert word in joined.split(" ") or word in joined, (word, labels)
    before = [b["content"] for b in blocks[:at]]
    assert all(SENTENCE[:20] in text for text in before), before  # no label in the flow
    assert caption not in joined
    assert any(b["content"] == caption for b in blocks[at + 1 + len(labels) :]), blocks
    body = [b for b in blocks if SENTENCE[:20] in b["content"]]
    assert sum(b["content"].count("line ") for b in body) == 12  # every body line once


def test_a_chart_whose_plotted_line_runs_past_the_page_is_still_a_figure(tmp_path: Path) -> None:
    """TikZ plots a function past its axes and clips it (GeoTopo's sine and cosine): the
    curve's box reaches off the page, and a figure wider than the page was taken for a
    band across it. A drawing is measured where it is on the page."""
    overdrawn = b"-300 480 m -100 700 100 460 300 520 c S\n"  # from far left of the page
    content = _body(720, 6) + _chart(150, 450) + overdrawn + _body(370, 6)
    blocks = _blocks(text_pdf(tmp_path / "plot.pdf", content))
    kinds = [b["type"] for b in blocks]
    assert kinds.count("figure") == 1, kinds
    at = kinds.index("figure")
    assert "Measured load" in [b["content"] for b in blocks[at + 1 : at + 16]]


def test_a_ruled_table_and_a_boxed_note_are_no_figures(tmp_path: Path) -> None:
    """A table's grid (upright rules, a word in every cell) and a note in a box with round
    corners (prose inside) draw with lines too; they are read as before."""
    grid = b""
    for r in range(6):
        grid += b"100 %g m 400 %g l S\n" % (600 - 20 * r, 600 - 20 * r)
    for c in range(4):
        grid += b"%g 600 m %g 500 l S\n" % (100 + 100 * c, 100 + 100 * c)
    cells = b"".join(
        _text(110 + 100 * c, 585 - 20 * r, 9, f"{r * 3 + c + 1},{r}05")
        for r in range(5)
        for c in range(3)
    )
    note = b"80 200 m 80 330 l 83 333 86 336 90 336 c 480 336 l 483 336 486 333 486 330 c "
    note += b"486 200 l 486 197 483 194 480 194 c 90 194 l 86 194 83 197 80 200 c S\n"
    prose = b"".join(_text(90, 320 - 13 * i, 10, SENTENCE.format(i=i)) for i in range(9))
    blocks = _blocks(text_pdf(tmp_path / "table.pdf", _body(720, 4) + grid + cells + note + prose))
    kinds = [b["type"] for b in blocks]
    assert "figure" not in kinds, kinds
    assert "table" in kinds, kinds


def test_a_bar_charts_legend_and_values_are_its_labels_not_a_table() -> None:
    """A grouped bar chart drawn by matplotlib (``tests/data/grouped_bars.pdf``): its
    legend and the values printed over its bars line up in rows and columns, and were read
    as a table of aligned words (``BM25 | DPR | Hybrid`` over rows of numbers) in the
    middle of the chart, which then was no figure."""
    blocks = _blocks(DATA / "grouped_bars.pdf")
    kinds = [b["type"] for b in blocks]
    assert "table" not in kinds, [b["content"][:60] for b in blocks if b["type"] == "table"]
    assert kinds.count("figure") == 1, kinds
    at = kinds.index("figure")
    labels = " ".join(b["content"] for b in blocks[at + 1 :] if b["type"] == "text")
    for word in ("BM25 DPR Hybrid", "85.2", "59.1", "TREC", "Top-20 accuracy"):
        assert word in labels, (word, labels)
    assert kinds[at + 1 :].count("figure_caption") == 1


def _flow_chart(x: float, y: float) -> bytes:
    """Four boxes of 110 x 50 points in two rows, lower left corner at (x, y), each with
    three short lines in it, joined by arrows with filled heads: a diagram whose words
    cover about a fifth of it (a chart's cover an eighth at most)."""
    names = [
        ("Upload the file", "to the service", "and keep its id"),
        ("Ask for the task", "until it ends", "or the time is out"),
        ("Read the blocks", "of every page", "in their order"),
        ("Cut the chunks", "by their tokens", "with their titles"),
    ]
    out = b""
    for k, lines in enumerate(names):
        bx, by = x + 150 * (k % 2), y + 90 * (1 - k // 2)
        out += b"%g %g 110 50 re S\n" % (bx, by)
        out += b"".join(_text(bx + 8, by + 36 - 13 * i, 9, t) for i, t in enumerate(lines))
    for (ax, ay), (bx, by) in [
        ((110, 115), (150, 115)),
        ((55, 90), (55, 50)),
        ((110, 25), (150, 25)),
    ]:
        out += b"%g %g m %g %g l S\n" % (x + ax, y + ay, x + bx - 6, y + by)
        dx, dy = (1, 0) if ay == by else (0, -1)  # a head at the arrow's end
        tip = (x + bx, y + by)
        base = (tip[0] - 6 * dx, tip[1] - 6 * dy)
        out += b"%g %g m %g %g l %g %g l h f\n" % (
            *tip,
            base[0] - 3 * dy,
            base[1] + 3 * dx,
            base[0] + 3 * dy,
            base[1] - 3 * dx,
        )
    return out


@pytest.mark.parametrize("caption", ["Figure 2: The loading pipeline.", None])
def test_a_diagram_of_boxes_under_its_caption_is_a_figure(
    tmp_path: Path, caption: str | None
) -> None:
    """A flow chart's boxes hold a name each: its words cover more of it than a chart's
    labels do, and it read as short lines of text among the paragraphs. A figure caption
    right under it says it is a figure; without one it is read as before."""
    chart = _flow_chart(150, 430)
    under = _text(150, 410, 9, caption) if caption else b""
    blocks = _blocks(text_pdf(tmp_path / "flow.pdf", _body(720, 6) + chart + under + _body(370, 6)))
    kinds = [b["type"] for b in blocks]
    if caption is None:
        assert "figure" not in kinds, kinds
        return
    assert kinds.count("figure") == 1, kinds
    at = kinds.index("figure")
    labels = [b["content"] for b in blocks[at + 1 : kinds.index("figure_caption")]]
    joined = " ".join(labels)
    for name in ("Upload the file", "until it ends", "with their titles"):
        assert name in joined, (name, labels)
    before = [b["content"] for b in blocks[:at]]
    assert all(SENTENCE[:20] in text for text in before), before  # no box's name in the flow
    assert blocks[kinds.index("figure_caption")]["content"] == caption
