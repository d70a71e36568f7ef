"""A PDF page whose drawing order is not its reading order is read by its layout (issue 22).

Layout programs draw text boxes in the order they were made: the right column before the
left one, a footer before the body, the title over the columns last. The emulator read
paragraphs in that order, so a page came out footer first and right column first, and
the heading path of the columns lost their title. The service reads a page by its layout;
a page drawn in reading order keeps its order (a sidebar read whole, never cut into rows).
"""

from __future__ import annotations

from pathlib import Path

from somark_loaders import SoMarkClient
from somark_loaders.emulator import Emulator

from .conftest import KEY
from .fixtures import text_pdf

TITLE = "Water Quality in the Upper River Basins"
LEFT = (
    ("Sampling began in the spring of the first year", "at eleven stations along the main river."),
    ("Nitrate levels rose after the heavy rains of", "April and fell again by the middle of June."),
)
RIGHT = (
    ("The second survey repeated every station and", "added four wells in the northern valley."),
    ("Phosphate stayed below the limit at all of", "the stations during the whole of the summer."),
)
FOOTER = "Regional Water Office annual report"


def _text(x: float, y: float, size: float, text: str) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, y, text.encode("latin-1"))


def _column(x: float, paragraphs: tuple[tuple[str, str], ...]) -> list[bytes]:
    """Each paragraph of a column as its own text box (two lines), top to bottom."""
    boxes = []
    for number, lines in enumerate(paragraphs):
        top = 640 - 60 * number
        boxes.append(b"".join(_text(x, top - 13 * i, 10, line) for i, line in enumerate(lines)))
    return boxes


def _page(path: Path, content: bytes) -> Path:
    return text_pdf(path, content)


def _blocks(emulator: Emulator, path: Path) -> list[tuple[str, str]]:
    with SoMarkClient(
        base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
    ) as client:
        result = client.parse(path)
    return [(b.type, b.content) for page in result.pages for b in page.blocks]


def _expected() -> list[tuple[str, str]]:
    return [
        ("title", TITLE),
        *(("text", " ".join(lines)) for lines in (*LEFT, *RIGHT)),
        ("text", FOOTER),
    ]


def test_a_page_drawn_footer_first_right_column_first_title_last_is_read_by_layout(
    emulator: Emulator, tmp_path: Path
) -> None:
    left, right = _column(72, LEFT), _column(330, RIGHT)
    content = b"".join(
        [_text(72, 40, 9, FOOTER), right[1], left[1], right[0], left[0], _text(72, 700, 18, TITLE)]
    )
    assert _blocks(emulator, _page(tmp_path / "drawn.pdf", content)) == _expected()


def test_a_page_drawn_in_reading_order_keeps_it(emulator: Emulator, tmp_path: Path) -> None:
    left, right = _column(72, LEFT), _column(330, RIGHT)
    content = b"".join([_text(72, 700, 18, TITLE), *left, *right, _text(72, 40, 9, FOOTER)])
    assert _blocks(emulator, _page(tmp_path / "ordered.pdf", content)) == _expected()


def test_a_sidebar_beside_the_text_is_read_whole_not_row_by_row(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Paragraphs drawn bottom-up beside a sidebar of short lines (no prose: no gutter
    between prose columns): the whitespace between them keeps the sidebar one piece."""
    side = [_text(72, 640 - 20 * i, 10, f"Station {i + 1}") for i in range(5)]
    content = b"".join([*reversed(_column(200, LEFT)), *side])
    blocks = _blocks(emulator, _page(tmp_path / "sidebar.pdf", content))
    texts = [text for _kind, text in blocks]
    stations = [text for text in texts if text.startswith("Station")]
    assert len(stations) in (1, 5), texts  # one paragraph, or its lines: never between prose
    first = texts.index(stations[0])
    assert texts[first : first + len(stations)] == stations, texts
    assert [t for t in texts if not t.startswith("Station")] == [" ".join(x) for x in LEFT]
