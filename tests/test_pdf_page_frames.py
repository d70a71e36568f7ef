"""Pages whose boxes are written oddly (a MediaBox upside down, ``[0 792 612 0]``, a
CropBox inside the MediaBox, ``/Rotate``) get blocks where their text and pictures are
drawn on the page as PDFium renders it, and a ``page_size`` that is that raster's size:
SoMark's boxes are pixels of the page image, from its top left corner.

Each page is written with a line of text, another line and a picture; the pixels one of
them darkens are found by rendering the page without it, and the block holding it must
cover them (and not be much larger than they are)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from somark_loaders import ParseResult
from somark_loaders.emulator import Emulator

from .test_engines import assert_boxes_inside, parse

SCALE = 150 / 72
Boxes = tuple[tuple[float, ...], tuple[float, ...] | None, int]  # MediaBox, CropBox, /Rotate


def _visible(media: tuple[float, ...], crop: tuple[float, ...] | None) -> tuple[float, ...]:
    def norm(b: tuple[float, ...]) -> tuple[float, ...]:
        return min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])

    m = norm(media)
    c = norm(crop) if crop else m
    return max(m[0], c[0]), max(m[1], c[1]), min(m[2], c[2]), min(m[3], c[3])


def _parts(boxes: Boxes) -> dict[str, str]:
    """The page's content, by part: two lines of text and a picture, placed on the page as
    it is shown (inside its visible box, upright after its ``/Rotate``) whatever its
    corners."""
    x0, y0, x1, y1 = _visible(boxes[0], boxes[1])
    turn = boxes[2]
    width, height = x1 - x0, y1 - y0
    shown = (height, width) if turn in (90, 270) else (width, height)

    def at(x: float, y: float) -> str:
        """A matrix upright on the shown page, its origin at (x, y) from its top left."""
        u, v = {
            0: (x, y),
            90: (y, height - x),
            180: (width - x, height - y),
            270: (width - y, x),
        }[turn]
        cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[turn]
        return f"{cos} {sin} {-sin} {cos} {x0 + u} {y1 - v}"

    return {
        "Quokka": f"BT /F1 14 Tf {at(40, 60)} Tm (Quokka grazes near the top) Tj ET\n",
        "Wombat": f"BT /F1 14 Tf {at(120, shown[1] - 80)} Tm (Wombat digs down there) Tj ET\n",
        "picture": f"q {at(150, shown[1] / 2)} cm 120 0 0 90 0 0 cm /Im1 Do Q\n",
    }


def _pdf(path: Path, boxes: Boxes, parts: list[str]) -> Path:
    media, crop, rotate = boxes
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    page[NameObject("/MediaBox")] = ArrayObject([FloatObject(v) for v in media])
    if crop is not None:
        page[NameObject("/CropBox")] = ArrayObject([FloatObject(v) for v in crop])
    if rotate:
        page[NameObject("/Rotate")] = NumberObject(rotate)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    picture = StreamObject()
    picture.set_data(bytes((i * 37) % 120 for i in range(16 * 12)))  # dark, not flat
    picture.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(16),
            NameObject("/Height"): NumberObject(12),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Im1"): writer._add_object(picture)}
            ),
        }
    )
    stream = StreamObject()
    stream.set_data("".join(parts).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(path)
    return path


def _render(path: Path) -> list[list[int]]:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        image = document[0].render(scale=SCALE).to_pil().convert("L")
    finally:
        document.close()
    width, height = image.size
    data = image.tobytes()
    return [list(data[row * width : (row + 1) * width]) for row in range(height)]


def _ink(tmp_path: Path, boxes: Boxes, part: str) -> tuple[tuple[int, int], set[tuple[int, int]]]:
    """The raster's size and the pixels that ``part`` of the page darkens on it."""
    parts = _parts(boxes)
    whole = _render(_pdf(tmp_path / "whole.pdf", boxes, list(parts.values())))
    without = _render(
        _pdf(tmp_path / "without.pdf", boxes, [v for k, v in parts.items() if k != part])
    )
    ink = {
        (x, y)
        for y, (row, other) in enumerate(zip(whole, without, strict=True))
        for x, (a, b) in enumerate(zip(row, other, strict=True))
        if b - a > 60
    }
    return (len(whole[0]), len(whole)), ink


def _assert_covers(
    result: ParseResult,
    raster: tuple[int, int],
    ink: set[tuple[int, int]],
    kind: tuple[str, ...],
    word: str,
) -> None:
    (page,) = result.pages
    assert page.page_size is not None
    w, h = page.page_size.w, page.page_size.h
    assert abs(w - raster[0]) <= 1 and abs(h - raster[1]) <= 1, ((w, h), raster)
    (block,) = [b for b in page.blocks if b.type in kind and word in b.content]
    assert block.bbox is not None
    x1, y1, x2, y2 = (float(v) for v in block.bbox)
    sx, sy = raster[0] / w, raster[1] / h
    x1, y1, x2, y2 = x1 * sx - 2, y1 * sy - 2, x2 * sx + 2, y2 * sy + 2
    assert ink, "the part draws nothing on the page"
    inside = sum(1 for x, y in ink if x1 <= x <= x2 and y1 <= y <= y2)
    assert inside >= 0.97 * len(ink), (block.bbox, inside, len(ink), (w, h))
    xs, ys = [x for x, _ in ink], [y for _, y in ink]
    drawn = (max(xs) - min(xs) + 1) * (max(ys) - min(ys) + 1)
    assert (x2 - x1) * (y2 - y1) <= 3 * drawn + 400, (
        block.bbox,
        (min(xs), min(ys), max(xs), max(ys)),
    )


ODD: dict[str, Boxes] = {
    "a MediaBox written upside down": ((0, 0, 612, -792), None, 0),
    "a MediaBox from its top left corner": ((0, 792, 612, 0), None, 0),
    "a MediaBox from its top right corner": ((612, 792, 0, 0), None, 0),
    "a CropBox inside the MediaBox": ((0, 0, 612, 792), (50, 60, 500, 700), 0),
    "a CropBox written upside down in an offset MediaBox": (
        (100, 100, 712, 892),
        (650, 850, 150, 150),
        0,
    ),
    "a CropBox in a negative MediaBox": ((-200, -200, 412, 592), (-150, -100, 300, 500), 0),
    "an upside-down MediaBox turned 90": ((0, 0, 612, -792), None, 90),
    "a MediaBox from its top left corner turned 180": ((0, 792, 612, 0), None, 180),
    "an offset MediaBox and CropBox turned 270": ((100, 100, 712, 892), (150, 150, 600, 800), 270),
}
# pages the emulator already placed right: kept right
PLAIN: dict[str, Boxes] = {
    "a MediaBox with a negative origin": ((-200, -200, 412, 592), None, 0),
    "a MediaBox away from the origin": ((100, 100, 712, 892), None, 0),
    "a page turned 90": ((0, 0, 612, 792), None, 90),
    "a page turned 180": ((0, 0, 612, 792), None, 180),
    "a page turned 270": ((0, 0, 612, 792), None, 270),
}


def _check(emulator: Emulator, tmp_path: Path, boxes: Boxes) -> None:
    path = _pdf(tmp_path / "page.pdf", boxes, list(_parts(boxes).values()))
    result = parse(emulator, path)
    assert_boxes_inside(result)
    for kind, word, part in (
        (("text", "title"), "Quokka", "Quokka"),
        (("text", "title"), "Wombat", "Wombat"),
        (("figure",), "", "picture"),
    ):
        raster, ink = _ink(tmp_path, boxes, part)
        _assert_covers(result, raster, ink, kind, word)


@pytest.mark.parametrize("case", list(ODD))
def test_blocks_sit_where_the_page_is_drawn_on_odd_page_boxes(
    emulator: Emulator, tmp_path: Path, case: str
) -> None:
    _check(emulator, tmp_path, ODD[case])


@pytest.mark.parametrize("case", list(PLAIN))
def test_blocks_sit_where_the_page_is_drawn_on_offset_and_turned_pages(
    emulator: Emulator, tmp_path: Path, case: str
) -> None:
    _check(emulator, tmp_path, PLAIN[case])


@pytest.mark.parametrize("media", [(0, 0, 612, -792), (0, 792, 612, 0)])
def test_sideways_text_on_a_media_box_written_upside_down_is_placed_as_on_a_plain_page(
    emulator: Emulator, tmp_path: Path, media: tuple[float, ...]
) -> None:
    # a label set along the margin is read a second time, the page turned (pdf_rotated):
    # that reading is placed on the rendered page too
    def page(box: tuple[float, ...]) -> list[tuple[str, list[int] | None, str]]:
        low = min(box[1], box[3])
        content = (
            f"BT /F1 12 Tf 72 {low + 700} Td (Upright line of body text on the page.) Tj ET\n"
            f"BT /F1 12 Tf 0 1 -1 0 560 {low + 200} Tm "
            "(A sideways label along the right margin here) Tj ET\n"
        )
        result = parse(emulator, _pdf(tmp_path / f"{box}.pdf", (box, None, 0), [content]))
        assert_boxes_inside(result)
        return [(b.type, b.bbox, b.content) for b in result.pages[0].blocks]

    plain = page((0, 0, 612, 792))
    assert len(plain) == 2 and "sideways label" in plain[1][2]
    assert page(media) == plain


@pytest.mark.parametrize("media", [(0, 0, 612, -792), (612, 792, 0, 0)])
def test_a_table_on_a_media_box_written_upside_down_is_placed_as_on_a_plain_page(
    emulator: Emulator, tmp_path: Path, media: tuple[float, ...]
) -> None:
    from .test_pdf_boxes import _prose, _ruled_table

    def page(box: tuple[float, ...]) -> list[tuple[str, list[int] | None, str]]:
        low = min(box[1], box[3])
        content = _prose(72, low + 700) + _ruled_table(100, low + 500)
        result = parse(emulator, _pdf(tmp_path / f"{box}.pdf", (box, None, 0), [content]))
        assert_boxes_inside(result)
        return [(b.type, b.bbox, b.content) for b in result.pages[0].blocks]

    plain = page((0, 0, 612, 792))
    assert "table" in [kind for kind, _, _ in plain]
    assert page(media) == plain
