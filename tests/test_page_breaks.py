"""A sentence that runs over a page break is one paragraph, whatever floats stand between.

Journals set figures and tables at the top or the foot of a page, wherever the sentence
is: a page often ends with a paragraph, then a figure or a table (its caption, the note
under it), and the next page goes on with the rest of the sentence, sometimes below a
figure of its own. The loader joins the parts past those floats, with the service's flag
or by its own reading (the text stops mid-sentence, the next goes on in lower case); the
emulator reads a caption beside its figure, as the service's layout does, not where the
PDF happens to write it (after the page's body text).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from somark_loaders import ParseResult, to_chunks
from somark_loaders.emulator import engines
from somark_loaders.emulator.samples import pdf_file

from .fixtures import block, page

START = (
    "Afforestation reduces streamflow in most catchments. Consequently, the aims of this project"
)
REST = "were to (1) fit a model to the observed annual time series of flow percentiles."


def result_of(pages: list[dict[str, Any]]) -> ParseResult:
    return ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": "paper.pdf", "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        }
    )


def box(x0: int, y0: int, x1: int, y1: int) -> dict[str, Any]:
    return {"bbox": [x0, y0, x1, y1]}


def two_pages(
    end: str = START, start: str = REST, *, flag: bool = False, title: bool = False
) -> list[dict[str, Any]]:
    """Page 1: a paragraph down the left column ending with ``end``, then (in reading
    order) a figure with its caption and a table with its caption and the note printed
    under it, and a running footer. Page 2: a figure with its labels read inside it, then
    (after a title when ``title``) the paragraph ``start``."""
    first = [
        block(0, "text", end, 0, **box(100, 200, 600, 1500)),
        block(1, "figure", "", 0, **box(650, 200, 1150, 700)),
        block(
            2,
            "figure_caption",
            "Fig. 1. Annual flow duration curves.",
            0,
            **box(650, 720, 1150, 760),
        ),
        block(3, "table_caption", "Table 1 Site characteristics", 0, **box(650, 800, 1150, 840)),
        block(
            4,
            "table",
            "<table><tr><th>Site</th><th>Area</th></tr><tr><td>A</td><td>12</td></tr></table>",
            0,
            **box(650, 860, 1150, 1300),
        ),
        block(
            5,
            "text",
            "ns indicates that no solution was found for the site.",
            0,
            **box(650, 1320, 1150, 1350),
        ),
        block(6, "footer", "Journal of Hydrology 310 (2005)", 0, **box(100, 1650, 1150, 1680)),
    ]
    second = [
        block(0, "figure", "", 0, **box(100, 150, 1150, 600)),
        block(1, "text", "km 0 5 10 observed adjusted", 0, **box(200, 500, 600, 540)),
        block(2, "figure_caption", "Fig. 2. Zero flow days.", 0, **box(100, 620, 1150, 660)),
    ]
    if title:
        second.append(block(3, "title", "2. Methods", 0, **box(100, 700, 600, 740)))
    second.append(block(4, "text", start, 0, **box(100, 760, 1150, 1200)))
    return [page(0, first), page(1, second, merge=flag)]


def paragraphs(pages: list[dict[str, Any]], **options: Any) -> list[tuple[str, int, int]]:
    """(text, first page, last page) of each paragraph, element by element."""
    units = to_chunks(result_of(pages), "element", **options)
    return [
        (u.text, int(u.metadata["page_number"]), int(u.metadata["page_end"]))
        for u in units
        if u.metadata["element_type"] == "text"
    ]


def test_a_sentence_runs_on_past_the_figures_tables_and_notes_between_its_parts() -> None:
    found = paragraphs(two_pages())
    assert (f"{START} {REST}", 1, 2) in found
    # the floats' own text stays apart: the note under the table, the labels in the figure
    assert ("ns indicates that no solution was found for the site.", 1, 1) in found
    assert ("km 0 5 10 observed adjusted", 2, 2) in found
    assert len(found) == 3


def test_a_sentence_runs_on_past_a_picture_without_caption_and_the_labels_in_it() -> None:
    """A figure with neither caption nor description gives no element, but the words read
    inside it are still its own: they did not end the run of the sentence (the emulator
    gives a chart drawn with lines as such a figure, its labels right after it)."""
    pages = two_pages()
    pages[1]["blocks"] = [b for b in pages[1]["blocks"] if b["type"] != "figure_caption"]
    found = paragraphs(pages)
    assert (f"{START} {REST}", 1, 2) in found
    assert ("km 0 5 10 observed adjusted", 2, 2) in found
    # and at the foot of the page the sentence starts on
    pages[0]["blocks"] = [
        pages[0]["blocks"][0],
        block(1, "figure", "", 0, **box(650, 200, 1150, 700)),
        block(2, "text", "0 10 20 30 days", 0, **box(700, 650, 1000, 690)),
    ]
    found = paragraphs(pages)
    assert (f"{START} {REST}", 1, 2) in found, found


def test_the_pages_flag_joins_the_paragraph_past_the_floats_at_the_foot_of_its_page() -> None:
    """With ``merge_content_from_pre_page`` the first block of the page goes on from the
    paragraph that ends the page before, even when that one ends a sentence and figures
    and tables stand after it in the reading order."""
    ended = "A first sentence that ends on this page with a full stop."
    pages = two_pages(ended, "The next page goes on with the same paragraph.", flag=True)
    pages[1]["blocks"] = [b for b in pages[1]["blocks"] if b["type"] == "text"][1:]
    found = paragraphs(pages)
    assert (f"{ended} The next page goes on with the same paragraph.", 1, 2) in found


@pytest.mark.parametrize(
    ("end", "start", "title", "merge"),
    [
        (START + " ended.", REST, False, True),  # the sentence ended on page 1
        (START, "Were to fit a model, said a new paragraph.", False, True),  # a new sentence
        (START, REST, True, True),  # a section starts between
        (START, REST, False, False),  # merge_cross_page=False
    ],
)
def test_a_paragraph_is_not_joined_to_one_that_does_not_go_on_from_it(
    end: str, start: str, title: bool, merge: bool
) -> None:
    found = paragraphs(two_pages(end, start, title=title), merge_cross_page=merge)
    assert (end, 1, 1) in found and (start, 2, 2) in found


LEFT = "Every day a large number of news articles are written, and we adjust the arti-"
RIGHT = "cles and their patterns, either manually or semiautomatically."


def column_page(end: str = LEFT, start: str = RIGHT, *, at: tuple[int, int] = (650, 620)) -> list:
    """One page in two columns: a paragraph down the left column ending with ``end``, a
    figure at the head of the right column with a label read inside it, then ``start``
    with its top left corner ``at``."""
    x, y = at
    blocks = [
        block(0, "text", end, 0, **box(100, 200, 600, 1500)),
        block(1, "figure", "", 0, img_url="https://img.example/1.png", **box(650, 200, 1150, 500)),
        block(2, "text", "Newspapers", 0, **box(700, 250, 850, 280)),
        block(3, "text", start, 0, **box(x, y, x + 500, y + 400)),
    ]
    return [page(0, blocks)]


def test_a_sentence_runs_on_over_a_column_break_past_a_figure() -> None:
    """naacl06-shinyama.pdf (pdfminer.six's samples): the left column ends in ``arti-``,
    the right one starts, under a figure, with ``cles and adjust``. Two paragraphs made
    ``arti-`` and ``cles`` two words no search finds, and a chunk could cut between."""
    found = paragraphs(column_page())
    assert (LEFT[:-1] + RIGHT, 1, 1) in found, found
    assert ("Newspapers", 1, 1) in found  # the figure's label stays apart
    assert len(found) == 2


@pytest.mark.parametrize(
    ("end", "start", "at", "merge"),
    [
        (LEFT[:-6] + ".", RIGHT, (650, 620), True),  # the sentence ended
        (LEFT, "Cles, said a new sentence.", (650, 620), True),  # a new sentence
        (LEFT, RIGHT, (100, 1510), True),  # under it in its column: not a column break
        (LEFT, RIGHT, (650, 620), False),  # merge_cross_page=False
    ],
)
def test_a_paragraph_is_not_joined_over_a_column_break_it_does_not_run_over(
    end: str, start: str, at: tuple[int, int], merge: bool
) -> None:
    found = paragraphs(column_page(end, start, at=at), merge_cross_page=merge)
    assert (end, 1, 1) in found and (start, 1, 1) in found, found


def test_a_finished_paragraph_after_the_floats_ends_the_page() -> None:
    """A paragraph below the table (not a note: a body paragraph) is the page's last text:
    the one before the floats does not go on into the next page."""
    pages = two_pages()
    pages[0]["blocks"].insert(
        6,
        block(
            7,
            "text",
            "Daily streamflow data were obtained from ten catchment studies.",
            0,
            **box(650, 1400, 1150, 1600),
        ),
    )
    found = paragraphs(pages)
    assert (START, 1, 1) in found and (REST, 2, 2) in found


# --- through the emulator -------------------------------------------------------------


def _text(x: int, y: int, line: str, size: int = 10) -> bytes:
    return b"BT /F1 %d Tf %d %d Td (%s) Tj ET" % (size, x, y, line.encode())


def paper_with_a_figure(path: Path) -> Path:
    """Two Letter pages: on page 1 a picture at the top, its caption under it, and a
    paragraph below running to the foot of the page, stopping mid-sentence; the page
    writes the caption last, after the body text (as journals do). Page 2 goes on with
    the sentence at its top."""
    body = [
        f"Line {n} of the introduction describes how flow duration curves change"
        for n in range(1, 24)
    ]
    body[-1] = "with afforestation in ten catchments. Consequently, the aims of this project"
    first = [_text(72, 500 - 12 * n, line) for n, line in enumerate(body)]
    first.append(_text(72, 560, "Figure 1. Annual flow duration curves of daily flows."))
    second = [
        _text(
            72, 720, "were to fit a model to the observed annual time series of flow percentiles."
        ),
        _text(72, 708, "The model separates the rainfall signal from the vegetation signal."),
    ]
    picture = Image.new("RGB", (200, 100), (40, 90, 160))
    packed = zlib.compress(picture.tobytes())
    streams = [b"\n".join(first) + b"\nq 200 0 0 100 72 580 cm /Im1 Do Q", b"\n".join(second)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        *(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>" % (7 + n)
            for n in range(2)
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width 200 /Height 100 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(packed)
        + packed
        + b"\nendstream",
        *(b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream" for s in streams),
    ]
    path.write_bytes(pdf_file(objects, root=1))
    return path


def test_the_emulator_reads_a_caption_with_its_figure_and_flags_the_sentence_that_runs_on(
    tmp_path: Path,
) -> None:
    path = paper_with_a_figure(tmp_path / "paper.pdf")
    pages = engines.extract(path, ".pdf", engines.ExtractOptions(text_cross_page=True))
    assert [b["type"] for b in pages[0]["blocks"]] == ["figure", "figure_caption", "text"]
    assert pages[0]["blocks"][2]["content"].endswith("the aims of this project")
    assert pages[1]["merge_content_from_pre_page"] is True
    result = result_of(pages)
    (joined,) = [c for c in to_chunks(result, "chunk") if "the aims of this project" in c.text]
    assert "the aims of this project were to fit a model" in joined.text
    assert (joined.metadata["page_number"], joined.metadata["page_end"]) == (1, 2)
