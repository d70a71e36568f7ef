"""Scans set in columns are read column by column (issue 22, class 4: prose in columns).

OCR returns each line where it stands, so the lines of two columns sit side by side at
the same height; read row by row they interleave and an answer that wraps over two lines
of one column is lost. The gutter between prose columns is found from the lines' x
positions; full-width elements (a title over both columns) stay where they are; aligned
short cells (a form, a table) keep their rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator, engines, ocr
from somark_loaders.emulator.ocr_columns import in_reading_order

from .conftest import KEY
from .test_pdf_text import corpus_file

LEFT = (
    "The rules in this part apply to all",
    "positions in the competitive service",
    "and to all incumbents of such positions",
    "except as expressly provided in the rule",
    "concerned by the office of personnel.",
)
RIGHT = (
    "Tenure shall mean the period of time",
    "an employee may reasonably expect to",
    "serve under his current appointment and",
    "it is granted by the type of appointment",
    "under which an employee is now serving.",
)
TITLE = "SUBCHAPTER A CIVIL SERVICE RULES"


def _page(left: tuple[str, ...], right: tuple[str, ...], gutter: float = 460) -> list[ocr.OcrLine]:
    """OCR lines of a page: a full-width title, then two columns side by side."""
    lines = [ocr.OcrLine(150, 20, 750, 44, TITLE)]
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        top = 80 + 24 * row
        lines.append(ocr.OcrLine(40, top, gutter - 20, top + 20, a))
        lines.append(ocr.OcrLine(gutter + 20, top + 1, 880, top + 21, b))
    return lines


def test_two_prose_columns_make_a_paragraph_each_after_the_title() -> None:
    blocks = ocr.to_blocks(_page(LEFT, RIGHT))
    assert [b["content"] for b in blocks] == [TITLE, " ".join(LEFT), " ".join(RIGHT)]
    assert [b["idx"] for b in blocks] == [0, 1, 2]
    assert blocks[1]["bbox"] == [40, 80, 440, 196] and blocks[2]["bbox"][0] == 480


def test_a_full_width_element_between_columns_stays_in_place() -> None:
    """Columns above a full-width line are read before it, those below after it."""
    upper = _page(LEFT, RIGHT)
    below = [
        ocr.OcrLine(line.x0, line.top + 200, line.x1, line.bottom + 200, line.text)
        for line in upper[1:]
    ]
    middle = ocr.OcrLine(60, 230, 860, 252, "A NOTE THAT RUNS ACROSS BOTH COLUMNS OF THE PAGE")
    blocks = ocr.to_blocks([*upper, middle, *below])
    texts = [b["content"] for b in blocks]
    columns = [" ".join(LEFT), " ".join(RIGHT)]
    assert texts == [TITLE, *columns, middle.text, *columns]


def test_three_columns_are_read_left_to_right() -> None:
    third = tuple(f"a third column of prose text line {n}" for n in range(5))
    lines = []
    for row, texts in enumerate(zip(LEFT, RIGHT, third, strict=True)):
        top = 80 + 24 * row
        for column, text in enumerate(texts):
            lines.append(ocr.OcrLine(40 + 300 * column, top, 300 + 300 * column, top + 20, text))
    blocks = ocr.to_blocks(lines)
    assert [b["content"] for b in blocks] == [" ".join(LEFT), " ".join(RIGHT), " ".join(third)]


def test_labels_beside_their_values_keep_their_rows() -> None:
    """A form (short labels, values at the right) is no pair of columns: read across."""
    fields = [("Invoice number", "4711"), ("Due date", "Jun 3, 2013"), ("Total", "USD 273.13")]
    fields += [("Customer", "Orange Demo Inc."), ("Account", "CH93 0076 2011")]
    lines = []
    for row, (label, value) in enumerate(fields):
        top = 40 + 40 * row
        lines.append(ocr.OcrLine(40, top, 240, top + 20, label))
        lines.append(ocr.OcrLine(500, top, 760, top + 20, value))
    texts = [b["content"] for b in ocr.to_blocks(lines)]
    assert texts == [f"{label} {value}" for label, value in fields]


def test_one_column_of_prose_is_read_as_before() -> None:
    """Ragged lines, each as long as its text (no line ends where the next line's first
    word would have fit: that would end a paragraph), are one paragraph."""
    text = [*LEFT, "short last line."]
    lines = [
        ocr.OcrLine(40, 40 + 24 * i, 40 + 11 * len(t), 60 + 24 * i, t) for i, t in enumerate(text)
    ]
    assert [b["content"] for b in ocr.to_blocks(lines)] == [" ".join(text)]


def test_blocks_of_a_page_in_columns_are_ordered_column_by_column() -> None:
    """Paragraphs, a table inside a column and a figure across the page: the table and
    the figure never count as prose, the figure stays in place."""

    def block(kind: str, box: tuple[int, int, int, int], content: str = "") -> dict[str, Any]:
        return {"idx": 0, "type": kind, "bbox": list(box), "content": content}

    prose = "a paragraph of prose that runs over several lines of its column"
    blocks = [
        block("text", (40, 20, 440, 200), prose + " one"),
        block("text", (480, 20, 880, 120), prose + " two"),
        block("table", (480, 130, 880, 200), "<table><tr><td>Number</td></tr></table>"),
        block("figure", (40, 220, 880, 400)),
        block("text", (40, 420, 440, 600), prose + " three"),
        block("text", (480, 420, 880, 600), prose + " four"),
    ]
    ordered = in_reading_order(sorted(blocks, key=lambda b: (b["bbox"][1], b["bbox"][0])))
    assert [b["content"] or b["type"] for b in ordered] == [
        prose + " one",
        prose + " two",
        "<table><tr><td>Number</td></tr></table>",
        "figure",
        prose + " three",
        prose + " four",
    ]
    assert [b["idx"] for b in ordered] == list(range(6))


@pytest.mark.slow
def test_a_scanned_page_in_two_columns_is_read_column_by_column(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A page rendered as a picture, read by OCR through the emulator: each column is one
    paragraph, so the words that wrap from one line of a column to the next stay together."""
    pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra reads images")
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=20)
    page = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(page)
    draw.text((280, 16), "Part One: Coverage and Definitions", fill="black", font=font)
    for row, (a, b) in enumerate(zip(LEFT, RIGHT, strict=True)):
        draw.text((30, 70 + 32 * row), a, fill="black", font=font)
        draw.text((475, 70 + 32 * row), b, fill="black", font=font)
    path = tmp_path / "two-columns.png"
    page.save(path)

    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        result = client.parse(path)
    # compared without spaces: the recogniser drops some between words of this font
    texts = [b.content.replace(" ", "") for b in result.pages[0].blocks]
    assert texts == [
        "PartOne:CoverageandDefinitions",
        "".join(LEFT).replace(" ", ""),
        "".join(RIGHT).replace(" ", ""),
    ]


@pytest.mark.slow
def test_a_strip_of_a_cfr_page_image_is_read_column_by_column(tmp_path: Path) -> None:
    """dev/double-column-A.jpg (5 CFR, a page image), a strip across both columns: each
    column's lines make one paragraph (the right one's "ap- / pointment" made whole),
    the left column first; no line of one column is joined to a line of the other."""
    pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra reads images")
    from PIL import Image

    strip = tmp_path / "strip.png"
    Image.open(corpus_file("dev/double-column-A.jpg")).crop((255, 1030, 995, 1110)).save(strip)
    texts = [
        b["content"] for b in engines.extract(strip, ".png", engines.ExtractOptions())[0]["blocks"]
    ]
    left = next(i for i, t in enumerate(texts) if "Personnel Management" in t)
    right = next(i for i, t in enumerate(texts) if "his current appointment" in t)
    assert left < right, texts
    assert "in the legislative" in texts[left] and "Tenure" not in texts[left]
    assert "an employee is currently" in texts[right] and "Personnel" not in texts[right]
