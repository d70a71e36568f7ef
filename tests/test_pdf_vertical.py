"""Pages written vertically (縦書き): columns top to bottom, right to left, in tiers.

The PDFs are made here with a CJK font the way Japanese documents set vertical text: a
Type0 font on Adobe-Japan1 with a vertical CMap (``UniJIS-UCS2-V``), one glyph under the
other. The text is Natsume Soseki's (public domain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from somark_loaders.emulator import engines
from somark_loaders.emulator._blocks import px
from somark_loaders.emulator.pdf_vertical import Turn, vertical_page
from somark_loaders.emulator.samples import pdf_file

CAT = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で泣いていた事だけは記憶している。"
MAN = "吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。"


def across(text: str, x: float, y: float) -> str:
    """A line of CJK ``text`` set across (font /F3) from ``x``, ``y`` (points, PDF's frame)."""
    return f"BT /F3 12 Tf 1 0 0 1 {x} {y} Tm <{''.join(f'{ord(c):04X}' for c in text)}> Tj ET"


def cjk_pdf(
    path: Path,
    tiers: list[str],
    *,
    vertical: bool = True,
    header: str = "",
    per_line: int = 10,
    extra: tuple[str, ...] = (),
) -> Path:
    """One page: each of ``tiers`` set in lines of ``per_line`` characters, 12 pt; written
    vertically (columns from the right, tiers down the page) or horizontally (lines down
    the page, one paragraph after the other); ``header`` across the top in Helvetica."""
    ops = []
    for t, paragraph in enumerate(tiers):
        lines = [paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line)]
        for n, line in enumerate(lines):
            codes = "".join(f"{ord(c):04X}" for c in line)
            if vertical:
                x, y = 540 - n * 18, 720 - t * (per_line * 12 + 40)
            else:
                x, y = 72, 720 - (t * (len(lines) + 2) + n) * 18
            ops.append(f"BT /F2 12 Tf 1 0 0 1 {x} {y} Tm <{codes}> Tj ET")
    if header:
        ops.append(f"BT /F1 10 Tf 1 0 0 1 72 760 Tm ({header}) Tj ET")
    content = "\n".join([*ops, *extra]).encode()
    cmap = b"/UniJIS-UCS2-V" if vertical else b"/UniJIS-UCS2-H"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
        b"/Resources << /Font << /F1 3 0 R /F2 6 0 R /F3 9 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding "
        + cmap
        + b" /DescendantFonts [7 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> "
        b"/FontDescriptor 8 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 4 "
        b"/FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 "
        b"/CapHeight 709 /StemV 69 >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /UniJIS-UCS2-H "
        b"/DescendantFonts [7 0 R] >>",
    ]
    path.write_bytes(pdf_file(objects, root=1))
    return path


def blocks_of(path: Path) -> list[dict[str, Any]]:
    (page,) = engines.extract(path, ".pdf", engines.ExtractOptions(title_levels=True))
    blocks: list[dict[str, Any]] = page["blocks"]
    return blocks


def test_columns_are_read_right_to_left_and_tiers_top_to_bottom(tmp_path: Path) -> None:
    blocks = blocks_of(cjk_pdf(tmp_path / "v.pdf", [CAT, MAN], header="Gazette No. 12"))
    assert [b["content"] for b in blocks] == ["Gazette No. 12", CAT, MAN]
    header, cat, man = (b["bbox"] for b in blocks)
    # boxes in the page's frame: the first tier above the second, both under the header;
    # the first tier's seven columns from x 426 to 546 pt (each 12 pt wide, centred on
    # x = 540, 522, ..., 432), its ten glyphs from y 70.5 to 190.5 (the font's 859 ascent)
    assert header[3] <= cat[1] and cat[3] <= man[1]
    expected = (426, 70.5, 546, 190.5)
    assert [abs(v - px(at)) <= 2 for v, at in zip(cat, expected, strict=True)] == [True] * 4


def test_what_is_set_across_on_such_a_page_is_read_in_its_own_frame(tmp_path: Path) -> None:
    """A running header and a page number, a ruled table and a drawn chart with its
    caption, set across below the columns: each read as on any page, in order by top."""
    rules = ["0.5 w"] + [f"{x} 300 m {x} 390 l S" for x in (72, 172, 272, 372)]
    rules += [f"72 {y} m 372 {y} l S" for y in (300, 330, 360, 390)]
    cells = [
        ["項目", "金額", "備考"],
        ["東京都", "１２０００", "前年度"],
        ["大阪府", "８５００", "本年度"],
    ]
    table = [
        across(t, 77 + 100 * c, 370 - 30 * r)
        for r, row in enumerate(cells)
        for c, t in enumerate(row)
    ]
    chart = ["1 w"] + [f"{100 + i * 40} 120 30 {20 + i * 15} re S" for i in range(6)]
    chart += [f"{100 + i * 40} 110 m {130 + i * 40} 230 l S" for i in range(6)]
    chart += ["100 110 m 340 110 l S 100 110 m 100 240 l S"]
    lines = (
        across("令和五年六月一日　官報　第一二三四号", 150, 760),
        across("図１　売上の推移", 150, 90),
    )
    extra = (*rules, *table, *chart, *lines, "BT /F1 10 Tf 1 0 0 1 300 40 Tm (- 12 -) Tj ET")
    blocks = blocks_of(cjk_pdf(tmp_path / "v.pdf", [CAT, MAN], extra=extra))
    kinds = [(b["type"], b["content"][:6]) for b in blocks]
    assert kinds == [
        ("text", "令和五年六月"),
        ("text", CAT[:6]),
        ("text", MAN[:6]),
        ("table", "<table"),
        ("figure", ""),
        ("figure_caption", "図１ 売上の"),
    ]  # the page number at the foot is a running line, left out unless kept
    assert "<th>項目</th><th>金額</th><th>備考</th>" in blocks[3]["content"]
    tops = [b["bbox"][1] for b in blocks]
    assert tops == sorted(tops)


def test_running_heads_and_page_numbers_set_across_are_header_and_footer(tmp_path: Path) -> None:
    """A gazette's head repeated on its pages and its page numbers: left out, or kept as
    ``header`` and ``footer`` blocks when asked to."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for n, text in enumerate((CAT, MAN)):
        head = across("令和五年六月一日　木曜日　官報　第一二三四号", 150, 760)
        number = f"BT /F1 10 Tf 1 0 0 1 300 40 Tm (- {n + 1} -) Tj ET"
        page = cjk_pdf(tmp_path / f"p{n}.pdf", [text], extra=(head, number))
        writer.add_page(PdfReader(page).pages[0])
    with (tmp_path / "gazette.pdf").open("wb") as handle:
        writer.write(handle)
    path = tmp_path / "gazette.pdf"
    plain = engines.extract(path, ".pdf", engines.ExtractOptions())
    assert [[b["content"] for b in p["blocks"]] for p in plain] == [[CAT], [MAN]]
    kept = engines.extract(path, ".pdf", engines.ExtractOptions(keep_header_footer=True))
    kinds = [[(b["type"], b["content"][:6]) for b in p["blocks"]] for p in kept]
    assert kinds[1] == [("header", "令和五年六月"), ("text", MAN[:6]), ("footer", "- 2 -")]


def test_the_same_text_set_horizontally_is_not_turned(tmp_path: Path) -> None:
    blocks = blocks_of(cjk_pdf(tmp_path / "h.pdf", [CAT, MAN], vertical=False))
    assert [b["content"] for b in blocks] == [CAT, MAN]
    assert blocks[0]["bbox"][3] <= blocks[1]["bbox"][1]


def test_a_few_glyphs_in_a_column_do_not_turn_a_page() -> None:
    def glyph(text: str, x: float, top: float) -> dict[str, Any]:
        return {"text": text, "x0": x, "x1": x + 12, "top": top, "bottom": top + 12}

    label = [
        {**glyph(c, 20, 100 + 12 * n), "size": 12, "upright": True} for n, c in enumerate(CAT[:8])
    ]
    lines = [
        {**glyph(CAT[:20], 72, 300 + 18 * n), "x1": 312, "size": 12, "upright": True}
        for n in range(5)
    ]
    assert not vertical_page(label + lines)  # a label along a margin
    assert vertical_page(label * 5)


def test_turned_blocks_go_back_into_the_page_frame_with_their_pictures() -> None:
    turn = Turn(612.0, 792.0)
    assert turn.box((500, 70, 512, 190)) == (70.0, 100.0, 190.0, 112.0)
    figure = {"type": "figure", "bbox": [140, 200, 380, 224], "img_url": "x/img/0/1,2,3,4.png"}
    (back,) = turn.blocks([figure])  # pixels
    right = px(612)
    assert back["bbox"] == [right - 224, 140, right - 200, 380]
    assert back["img_url"] == f"x/img/0/{right - 224},140,{right - 200},380.png"
