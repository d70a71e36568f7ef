"""draw_page: the parsed boxes drawn on the page, coloured by element type."""

from __future__ import annotations

from pathlib import Path

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator
from somark_loaders.models import ElementType
from somark_loaders.visualize import COLORS, draw_page

from .conftest import ONE_PAGE_PDF, PNG
from .fixtures import paper


def test_boxes_are_drawn_on_the_pdf_page_in_their_colours(emulator_no_keys: Emulator) -> None:
    with SoMarkClient(base_url=emulator_no_keys.base_url, poll_interval=0.05) as client:
        result = client.parse(ONE_PAGE_PDF)
    page = result.pages[0]
    picture = draw_page(page, ONE_PAGE_PDF, width=None, labels=False, legend=False)
    assert page.page_size is not None and picture.size == (page.page_size.w, page.page_size.h)
    table = next(b for b in page.blocks if b.type == "table")
    assert table.bbox is not None
    x1, y1 = int(table.bbox[0]), int(table.bbox[1])
    green = tuple(int(COLORS[ElementType.TABLE][i : i + 2], 16) for i in (1, 3, 5))
    assert picture.getpixel((x1 + 1, y1 + 1)) == green  # the outline, on the rendered page
    middle = picture.getpixel((page.page_size.w // 2, int(page.page_size.h * 0.97)))
    assert middle == (255, 255, 255)  # the page itself stays visible where nothing was found


def test_images_and_blank_canvases(emulator_no_keys: Emulator) -> None:
    with SoMarkClient(base_url=emulator_no_keys.base_url, poll_interval=0.05) as client:
        result = client.parse(PNG)
    on_image = draw_page(result.pages[0], PNG, width=400)
    assert on_image.size[0] == 400
    blank = draw_page(result.pages[0])
    assert blank.size[0] == 900


def test_the_picture_has_a_legend_of_the_types_on_the_page(tmp_path: Path) -> None:
    from somark_loaders.emulator.samples import write_pdf

    path = write_pdf(str(tmp_path / "two.pdf"), 2)  # a str path is fine
    assert path.exists()
    page = paper().pages[0]
    plain = draw_page(page, legend=False, width=None)
    with_legend = draw_page(page, width=None)
    assert with_legend.width == plain.width and with_legend.height > plain.height
    strip = with_legend.crop((0, plain.height, with_legend.width, with_legend.height))
    colours = {
        strip.getpixel((x, y)) for x in range(0, strip.width, 3) for y in range(strip.height)
    }
    for kind in ("title", "text"):
        rgb = tuple(int(COLORS[ElementType(kind)][i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours  # its swatch
