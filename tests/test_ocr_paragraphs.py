"""Paragraphs and headings on scans are found without vertical gaps (issue 22, class 6).

OCR lines used to part into paragraphs only at a vertical gap, so a heading set flush
left right above its body ("5.1 Invoices", "Article 5", "PAYMENT TERMS", a line in
larger type) was glued to the body (no title, no heading path), and paragraphs set
without space between them (an indented first line, a short last line) were one block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator, ocr

from .conftest import KEY

BODY = [
    "The buyer pays each invoice within thirty days of its date by bank",
    "transfer to the account named on the invoice, without any deduction.",
    "Late payments carry interest at the rate set by the central bank plus",
]


def _lines(rows: list[tuple[float, float, str]], step: float = 26) -> list[ocr.OcrLine]:
    """One OCR line a row, ``(x0, height, text)``, 11 pixels a character, set close."""
    out, top = [], 40.0
    for x0, height, text in rows:
        out.append(ocr.OcrLine(x0, top, x0 + 11 * len(text), top + height, text))
        top += height + step - 20
    return out


def _blocks(rows: list[tuple[float, float, str]]) -> list[tuple[str, str, Any]]:
    blocks = ocr.to_blocks(_lines(rows), titles=True)
    return [(b["type"], b["content"], b.get("title_level")) for b in blocks]


def test_a_heading_in_capitals_over_its_body_is_a_title() -> None:
    rows = [(40, 20, "PAYMENT TERMS"), *((40, 20, t) for t in BODY)]
    assert _blocks(rows) == [("title", "PAYMENT TERMS", 1), ("text", " ".join(BODY), None)]


def test_a_short_line_in_larger_type_over_its_body_is_a_title() -> None:
    rows = [(40, 34, "Delivery and risk"), *((40, 20, t) for t in BODY)]
    assert _blocks(rows) == [("title", "Delivery and risk", 1), ("text", " ".join(BODY), None)]


def test_a_line_in_larger_type_that_runs_on_into_the_next_is_no_title() -> None:
    """A drop cap makes its line tall (tests/data/c02-22.pdf, "W E went tip-toeing along
    a path amongst / the trees ..."): a sentence that goes on in lower case below it is
    no heading."""
    rows = [(40, 40, "W E went tip-toeing along a path"), *((40, 20, t.lower()) for t in BODY)]
    assert [kind for kind, _, _ in _blocks(rows)] == ["text"]


def test_a_numbered_chinese_clause_over_its_body_is_a_title() -> None:
    body = [
        "买方应在发票开具之日起三十日内以银行转账方式支付全部货款不得扣减",
        "逾期付款的按中国人民银行同期贷款利率计付利息。",
    ]
    rows = [(40, 20, "第五条 付款"), (40, 20, body[0]), (40, 20, body[1])]
    blocks = _blocks(rows)
    assert blocks[0] == ("title", "第五条 付款", 1)
    assert blocks[1] == ("text", "".join(body), None)


def test_a_line_of_chinese_text_that_stops_short_ends_its_paragraph() -> None:
    """CJK text fills its lines to the edge (no words to wrap): a line that stops short
    is a paragraph's last line, or a field of its own, even where nothing wrapped yet."""
    rows = [
        (40, 20, "法定代表人：郭宇；"),
        (40, 20, "地址：哈尔滨市松北区创新一路1299号。"),
        (40, 20, "经我关调查，当事人有以下违法行为：当事人申领了一本进料加工手册并备案"),
        (40, 20, "进口无缝钢管。"),
    ]
    assert [content for _, content, _ in _blocks(rows)] == [
        "法定代表人：郭宇；",
        "地址：哈尔滨市松北区创新一路1299号。",
        "经我关调查，当事人有以下违法行为：当事人申领了一本进料加工手册并备案进口无缝钢管。",
    ]


def test_numbered_list_items_and_address_lines_stay_text() -> None:
    """Numbered items without body text below them, a wrapped item whose first line is
    full, and the short lines of an address are no headings and keep together."""
    items = [(40, 20, "1. Apples"), (40, 20, "2. Pears"), (40, 20, "3. Plums")]
    assert [kind for kind, _, _ in _blocks(items)] == ["text"]
    wrapped = [
        (40, 20, "1. The employee shall be paid within thirty days of the end"),
        (40, 20, "of the month in which the work was done by the employee and"),
        (40, 20, "approved by the manager."),
    ]
    assert [kind for kind, _, _ in _blocks(wrapped)] == ["text"]
    plural = [(40, 20, "Sections of the plan"), *((40, 20, t) for t in BODY)]
    assert [kind for kind, _, _ in _blocks(plural)] == ["text"]
    address = [(40, 20, "Bayside Wholesale"), (40, 20, "23 Main Street"), (40, 20, "Central City")]
    assert _blocks(address) == [("text", "Bayside Wholesale 23 Main Street Central City", None)]


def test_a_letterhead_in_capitals_over_a_reference_line_has_no_titles() -> None:
    """Lines of a letterhead in capitals over each other, the last mostly digits, over a
    reference and a date: none is a heading (a scanned letter)."""
    rows = [
        (200, 24, "THE SLEREXE COMPANY LIMITED"),
        (220, 20, "SAPORS LANE - BOOLE - DORSET"),
        (200, 20, "TELEPHONE BOOLE (94513) 51617 - TELEX 123456"),
        (40, 20, "Our Ref. 350/PJC/EAC 18th January, 1972."),
    ]
    blocks = ocr.to_blocks(_lines(rows, step=60), titles=True)
    assert [b["type"] for b in blocks] == ["text"] * 4


# A page of a contract, set without space between paragraphs and headings.
PAGE: list[tuple[str, str]] = [
    ("heading", "Article 5"),
    ("heading", "5.1 Invoices"),
    (
        "para",
        "The buyer pays each invoice within thirty days of its date by bank transfer to "
        "the account named on the invoice, without any deduction or set-off of any kind, "
        "and in the currency stated on the invoice itself.",
    ),
    (
        "indented",
        "Late payments carry interest at the rate set by the central bank plus two "
        "points, from the first day after the due date to the day the money arrives.",
    ),
    ("heading", "5.2 Delivery"),
    (
        "para",
        "The seller delivers the goods to the address named in the order and bears the "
        "risk until they are handed over.",
    ),
    (
        "para",
        "Either party may end this contract in writing with three months of notice to "
        "the end of a calendar quarter, by registered letter.",
    ),
]


def _contract_page(path: Path) -> None:
    """The page drawn as print sets it: lines wrapped at the column's width and
    justified (a paragraph's last line only when it nearly fills the column), 30 pixels
    apart whatever they are."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=20)
    left, width, indent = 40, 620, 40
    page = Image.new("RGB", (left * 2 + width, 40 + 30 * 16), "white")
    draw = ImageDraw.Draw(page)
    y = 30
    for kind, text in PAGE:
        if kind == "heading":
            draw.text((left, y), text, fill="black", font=font)
            y += 30
            continue
        first = indent if kind == "indented" else 0
        lines: list[list[str]] = [[]]
        for word in text.split():
            room = width - (first if len(lines) == 1 else 0)
            if lines[-1] and font.getlength(" ".join([*lines[-1], word])) > room:
                lines.append([])
            lines[-1].append(word)
        for number, words in enumerate(lines):
            x = left + (first if number == 0 else 0)
            room = width - (first if number == 0 else 0)
            spare = room - sum(font.getlength(w) for w in words)
            full = number < len(lines) - 1 or spare < 0.05 * room + font.getlength(" ")
            gap = spare / (len(words) - 1) if full else font.getlength(" ")
            for word in words:
                draw.text((x, y), word, fill="black", font=font)
                x += font.getlength(word) + gap
            y += 30
    page.save(path)


def _parse(emulator: Emulator, path: Path, levels: bool) -> list[tuple[str, str, Any]]:
    options = {"feature_config": {"enable_title_level_recognition": levels}}
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        result = client.parse(path, options)
    # compared without spaces: the recogniser drops some between words of this font
    return [(b.type, b.content.replace(" ", ""), b.title_level) for b in result.pages[0].blocks]


@pytest.mark.slow
def test_a_scanned_contract_page_keeps_its_headings_and_paragraphs(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A page image read by OCR through the emulator: "Article 5" and "5.1 Invoices" set
    flush left over their body are titles (Article over 5.1), the paragraph whose first
    line is indented under the full last line of the one before is a block of its own,
    and so is the one after a paragraph's short last line."""
    pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra reads images")
    path = tmp_path / "contract.png"
    _contract_page(path)

    def squeezed(text: str) -> str:
        return text.replace(" ", "")

    expected = [
        ("title", "Article5", 1),
        ("title", "5.1Invoices", 2),
        ("text", squeezed(PAGE[2][1]), None),
        ("text", squeezed(PAGE[3][1]), None),
        ("title", "5.2Delivery", 2),
        ("text", squeezed(PAGE[5][1]), None),
        ("text", squeezed(PAGE[6][1]), None),
    ]
    assert _parse(emulator, path, levels=True) == expected
    # without title level recognition, titles carry no level (as the service's do)
    assert _parse(emulator, path, levels=False) == [(k, t, None) for k, t, _ in expected]
