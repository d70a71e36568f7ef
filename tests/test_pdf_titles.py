"""A paper's author line is text, not a title (as the service returns it): as a title it
became the parent of every section heading, and every chunk's heading path carried the
authors. On dev/demo1.pdf of ``../shared/corpus`` and on generated papers."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pdfminer.fontmetrics import FONT_METRICS

from somark_loaders import to_chunks
from somark_loaders.convert import ConvertOptions
from somark_loaders.emulator import engines
from somark_loaders.emulator._text import caption_kind
from somark_loaders.models import ParseResult

from .fixtures import CORPUS, text_pdf

TITLE = "Learning Sparse Graphs from Noisy Sensor Data"


@cache
def pages_of(path: Path) -> list[dict[str, Any]]:
    return engines.extract(path, ".pdf", engines.ExtractOptions(title_levels=True))


def blocks_of(path: Path) -> list[dict[str, Any]]:
    return [b for p in pages_of(path) for b in p["blocks"]]


def test_a_journal_papers_author_line_is_text_and_no_chunk_nests_under_it() -> None:
    """dev/demo1.pdf (Elsevier): 'Patrick N.J. Lane a,c,*, Alice E. Best b,c,d, ...' set
    in 13 pt under the 17 pt title, its affiliation marks raised and small."""
    path = CORPUS / "dev" / "demo1.pdf"
    if not path.exists():
        pytest.skip(f"{path} is missing: the public corpus lies in ../shared/corpus")
    pages = pages_of(path)
    blocks = blocks_of(path)
    authors = next(b for b in blocks if b["content"].startswith("Patrick N.J. Lane"))
    assert authors["type"] == "text"
    titles = {b["content"]: b["title_level"] for b in blocks if b["type"] == "title"}
    paper = titles["The response of flow duration curves to afforestation"]
    assert titles["1. Introduction"] == titles["5. Discussion"] == paper + 1
    result = ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": "demo1.pdf", "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        }
    )
    chunks = to_chunks(result, "chunk", options=ConvertOptions(chunk_size=400))
    paths = {str(c.metadata.get("heading_path", "")) for c in chunks}
    assert not any("Lane" in path for path in paths), paths
    discussion = "The response of flow duration curves to afforestation > 5. Discussion"
    assert discussion in paths, paths


def _line(x: float, y: float, size: float, *runs: tuple[str, float]) -> bytes:
    """One line of Helvetica: ``runs`` of (text, rise); a raised run is set at 0.6 of
    ``size``, each run placed by its own text matrix (as typesetters place marks)."""
    widths = FONT_METRICS["Helvetica"][1]
    out = b""
    for text, rise in runs:
        scale = 0.6 * size if rise else size
        out += b"BT /F1 1 Tf %g 0 0 %g %g %g Tm (%s) Tj ET\n" % (
            scale,
            scale,
            x,
            y + rise,
            text.encode("latin-1"),
        )
        x += sum(widths.get(c, 500) for c in text) * scale / 1000
    return out


def _body(top: float, sentence: str, lines: int) -> bytes:
    """``lines`` lines of 10 pt body text from ``top`` down: ``sentence`` with its line's
    number in ``{i}``."""
    return b"".join(_line(72, top - 13 * i, 10, (sentence.format(i=i), 0)) for i in range(lines))


def _paper(path: Path, authors: bytes) -> Path:
    """A paper's first page: a 20 pt title, ``authors`` in 13 pt under it, an affiliation,
    body text in 10 pt, and headings in 13 pt (one a list with commas and "and")."""

    def body(top: float, lines: int = 12) -> bytes:
        return _body(top, "Body text of the paper, line {i} of a section.", lines)

    content = (
        _line(72, 680, 20, (TITLE, 0))
        + authors
        + _line(72, 632, 9, ("Department of Computing, Example University, Lisbon", 0))
        + _line(72, 600, 13, ("Related Work", 0))
        + body(580)
        + _line(72, 410, 13, ("Methods, Data and Results", 0))
        + body(390)
    )
    return text_pdf(path, content)


AUTHORS = {
    # raised, small affiliation marks after each name
    "marks": _line(
        72, 652, 13, ("Wei Zhang", 0), ("1,*", 6), (", Ana M. Costa", 0), ("2", 6),
        (", Jan van der Berg", 0), ("1", 6),
    ),
    # no marks: names joined by commas and "and", right under the title
    "and": _line(72, 652, 13, ("Maria Rossi, Tom Berger and Jean-Luc Picard", 0)),
    # a star in the line's own size
    "star": _line(72, 652, 13, ("Maria Rossi*, Tom Berger", 0)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(AUTHORS))
def test_a_papers_author_line_is_text_its_headings_stay_titles(tmp_path: Path, case: str) -> None:
    blocks = blocks_of(_paper(tmp_path / "paper.pdf", AUTHORS[case]))
    kinds = {b["content"]: b["type"] for b in blocks}
    authors = next(text for text in kinds if text.startswith(("Wei Zhang", "Maria Rossi")))
    assert kinds[authors] == "text", blocks
    levels = {b["content"]: b["title_level"] for b in blocks if b["type"] == "title"}
    assert levels == {TITLE: 1, "Related Work": 2, "Methods, Data and Results": 2}


def test_unnumbered_headings_in_the_face_of_the_numbered_ones_are_titles() -> None:
    """dev/demo1.pdf: 'Acknowledgements' and 'References' are set like '5. Discussion'
    (the body's size, another face) without a number: titles at that level."""
    path = CORPUS / "dev" / "demo1.pdf"
    if not path.exists():
        pytest.skip(f"{path} is missing: the public corpus lies in ../shared/corpus")
    titles = {b["content"]: b["title_level"] for b in blocks_of(path) if b["type"] == "title"}
    assert titles["Acknowledgements"] == titles["References"] == titles["5. Discussion"]
    assert "Abstract" not in titles  # smaller than the section headings


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("dev/bigboundingbox.pdf", "Description Quantity Unit Price Tax Amount USD"),
        ("multi-column.pdf", "Top-1 Top-5 Top-20 Top-100"),
    ],
)
def test_a_bold_line_spread_in_columns_is_no_title(name: str, line: str) -> None:
    """A table's bold header read as text (an invoice's line items, a paper's booktabs
    table) was a title, and the text after it nested under it. Words spread in columns
    (two gaps of most of an em or more) are no heading; ``1  Introduction`` has one."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is missing: the public corpus lies in ../shared/corpus")
    found = [b for b in blocks_of(path) if b["content"] == line]
    # a text block that is no title, or (DPR's Tables 5 and 6 since their frames are read)
    # the header of a table
    tables = [b["content"] for b in blocks_of(path) if b["type"] == "table"]
    headed = any(all(f">{word}<" in t for word in line.split()) for t in tables)
    assert (found or headed) and all(b["type"] != "title" for b in found)
    assert any(b["type"] == "title" for b in blocks_of(path))  # its headings stay titles


def test_numbered_sections_nest_by_their_numbers_under_the_title_page(tmp_path: Path) -> None:
    """A data model (as pypdf's GeoBase document): a cover title, numbered sections in
    13 pt, and the labels of a drawn diagram in larger type after the first section. By
    rank of type size the diagram's two sizes put ``1 Overview`` and ``2.1 Logical
    view`` both at level 4, under the labels; by their numbers they are 2 and 3."""

    def body(top: float, lines: int = 4) -> bytes:
        return _body(top, "The model keeps its objects apart, line {i}.", lines)

    content = (
        _line(72, 720, 22, ("Hydro Network Data Model", 0))
        + _line(72, 660, 13, ("1 Overview", 0))
        + body(640)
        + _line(200, 570, 18, ("Code List", 0))  # the diagram's labels
        + _line(200, 540, 16, ("Hydro Events", 0))
        + body(510)
        + _line(72, 440, 13, ("2 Model", 0))
        + body(420)
        + _line(72, 350, 13, ("2.1 Logical view", 0))
        + body(330)
    )
    blocks = blocks_of(text_pdf(tmp_path / "model.pdf", content))
    levels = {b["content"]: b["title_level"] for b in blocks if b["type"] == "title"}
    assert levels["Hydro Network Data Model"] == 1, levels
    assert levels["1 Overview"] == levels["2 Model"] == 2, levels
    assert levels["2.1 Logical view"] == 3, levels


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Figure 2 – Packages in the NHNC1 LRS model", "figure_caption"),
        ("Figure 3—Flow of a task", "figure_caption"),
        ("Fig. 4 - Network of the region", "figure_caption"),
        ("Table 5 – Code list of obstacles", "table_caption"),
        ("Table 2: Results", "table_caption"),
        ("表 7.5 停车区用地指标", "table_caption"),
        ("Tables 1–3 show the results", None),
        ("Table 1–3 show the results", None),  # a range, not a label
        ("Figure 1-2 shows the model", None),
        ("Table 2 compares the runs", None),
        # other languages' labels (GeoTopo's "Abbildung 1.3: Veranschaulichungen ...")
        ("Abbildung 1.3: Veranschaulichungen zur Metrik", "figure_caption"),
        ("Abb. 4 Netz der Region", "figure_caption"),
        ("Abb. 4 zeigt das Netz", None),
        ("Tabelle 3 Ergebnisse der Läufe", "table_caption"),
        ("Tableau 2. Résultats", "table_caption"),
        ("Figura 5 - Mapa de la región", "figure_caption"),
        ("Рисунок 1 — Схема сети", "figure_caption"),
        ("Таблица 2 Результаты", "table_caption"),
        ("図 3 システム構成", "figure_caption"),
        ("표 1 실험 결과", "table_caption"),
    ],
)
def test_a_caption_is_told_by_its_label(text: str, kind: str | None) -> None:
    assert caption_kind(text) == kind


def test_a_caption_whose_number_is_followed_by_a_dash_is_no_title(tmp_path: Path) -> None:
    """pypdf's GeoBase data model writes its captions ``Figure 2 – Packages in ...`` in
    larger type than the body: they were titles, and the text after each figure nested
    under its caption."""
    content = (
        _line(72, 720, 22, ("Hydro Network Data Model", 0))
        + _line(72, 660, 13, ("Overview", 0))
        + b"".join(
            _line(72, 640 - 13 * i, 10, (f"Body of the model, line {i}.", 0)) for i in range(4)
        )
        + _line(
            150, 560, 12, ("Figure 2 \xb1 Packages in the model", 0)
        )  # en dash (StandardEncoding)
        + b"".join(
            _line(72, 530 - 13 * i, 10, (f"After the figure, line {i}.", 0)) for i in range(4)
        )
    )
    blocks = blocks_of(text_pdf(tmp_path / "model.pdf", content))
    kinds = {b["content"]: b["type"] for b in blocks}
    caption = next(text for text in kinds if text.startswith("Figure 2"))
    assert kinds[caption] == "figure_caption", blocks
    assert kinds["Overview"] == "title"


def test_a_forms_line_numbers_and_a_lists_bullets_are_no_titles(tmp_path: Path) -> None:
    """pdfminer's f1040nr.pdf: 25 of 55 titles were line numbers (``7a``, ``16b``) and box
    letters (``A``) in larger type; dmca.pdf and a slide deck: list items in larger type
    (``! Title I, ...``, a bullet whose font has no Unicode map, and ``• ...``) were
    titles, and the text after them nested under them."""

    def body(top: float, lines: int = 3) -> bytes:
        return _body(top, "Enter the amount from the schedule, line {i}.", lines)

    content = (
        _line(72, 720, 16, ("Income Effectively Connected", 0))
        + _line(72, 690, 12, ("7a", 0))
        + body(670)
        + _line(72, 620, 12, ("16b", 0))
        + body(600)
        + _line(72, 550, 12, ("A", 0))
        + body(530)
        + _line(72, 480, 12, ("! Title I, the treaties implementation act", 0))
        + _line(72, 460, 12, ("- Title II, the online liability limitation", 0))
        + body(440)
        + _line(72, 390, 16, ("Payments", 0))
        + body(370)
    )
    blocks = blocks_of(text_pdf(tmp_path / "form.pdf", content))
    titles = [b["content"] for b in blocks if b["type"] == "title"]
    assert titles == ["Income Effectively Connected", "Payments"], titles


def _box(x: float, y: float, w: float, h: float) -> bytes:
    return b"%g %g %g %g re S\n" % (x, y, w, h)


def _diagram_page(connector: bytes) -> bytes:
    """A section, then a drawn diagram: three boxes with labels in 14 pt (larger than
    the 10 pt body), ``connector`` between them, then a section after it."""

    def body(top: float, lines: int = 3) -> bytes:
        return _body(top, "The model keeps its objects apart, line {i}.", lines)

    return (
        _line(72, 720, 16, ("Data model overview", 0))
        + body(700)
        + _box(100, 520, 120, 60)
        + _line(110, 560, 14, ("Code List", 0))
        + _box(300, 520, 120, 60)
        + _line(310, 540, 14, ("Obstacle Entity", 0))
        + _box(200, 420, 120, 60)
        + _line(210, 460, 14, ("Hydro Events", 0))
        + _line(210, 440, 10, ("Rapids = 2", 0))
        + connector
        + _line(72, 360, 16, ("Network rules", 0))
        + body(340)
    )


def test_the_labels_of_a_drawn_diagram_are_no_titles(tmp_path: Path) -> None:
    """pypdf's GeoBase data model: the labels of its UML diagrams (``Code List``,
    ``Hydrographic Obstacle Entity``) in larger type were titles, and the heading path of
    the text after each diagram ran through them. Boxes with a slanted edge or an arrow
    between them are a diagram; its labels stay text, its words are kept."""
    edges = b"220 550 m 300 550 l S\n160 520 m 240 480 l S\n"  # one edge slanted
    blocks = blocks_of(text_pdf(tmp_path / "model.pdf", _diagram_page(edges)))
    titles = [b["content"] for b in blocks if b["type"] == "title"]
    assert titles == ["Data model overview", "Network rules"], titles
    assert any("Rapids = 2" in b["content"] for b in blocks)


def test_boxes_of_a_form_without_slanted_edges_keep_their_titles(tmp_path: Path) -> None:
    """A form's field boxes are drawn with upright rules only: no diagram."""
    blocks = blocks_of(text_pdf(tmp_path / "form.pdf", _diagram_page(b"")))
    titles = [b["content"] for b in blocks if b["type"] == "title"]
    assert titles == [
        "Data model overview",
        "Code List",
        "Obstacle Entity",
        "Hydro Events",
        "Network rules",
    ], titles


def test_a_note_mark_drawn_after_its_line_stays_in_the_paragraph(tmp_path: Path) -> None:
    """pdfminer's dmca.pdf draws a footnote's raised ``1`` after the whole line: it was a
    line of its own, and the paragraph was cut around it ("... signed into law by | 1 |
    President Clinton ...")."""
    widths = FONT_METRICS["Helvetica"][1]
    head = "The Digital Millennium Copyright Act (DMCA)"
    mark_x = 72 + sum(widths.get(c, 500) for c in head) * 10 / 1000
    content = (
        _line(72, 700, 10, (head + " was signed into law by", 0))
        + _line(72, 688, 10, ("President Clinton on October 28, 1998, and it implements", 0))
        + _line(72, 676, 10, ("two treaties of the World Intellectual Property Organization.", 0))
        + b"BT /F1 6 Tf %g 704 Td (1) Tj ET\n" % mark_x  # raised, small, drawn last
    )
    blocks = blocks_of(text_pdf(tmp_path / "mark.pdf", content))
    texts = [b["content"] for b in blocks]
    assert len(texts) == 1, texts
    assert texts[0].startswith(head + "1 was signed into law by President Clinton"), texts


def test_a_run_in_heading_with_its_paragraphs_start_is_no_title(tmp_path: Path) -> None:
    """pdfminer's i1040nr.pdf: a bold run-in heading and the first words of its paragraph
    on one line (``Tax benefits extended. The following``) made a title of half a
    sentence. A full stop inside after a word (not ``U.S.``, not ``Section 3.``) is no
    heading's."""

    def body(top: float, lines: int = 3) -> bytes:
        return _body(top, "The benefits apply to the tax year, line {i}.", lines)

    content = (
        _line(72, 720, 14, ("U.S. Copyright Office Summary", 0))
        + body(700)
        + _line(72, 640, 12, ("Tax benefits extended. The following", 0))
        + body(625)
        + _line(72, 570, 12, ("Section 3. Results", 0))
        + body(555)
        + _line(72, 500, 12, ("Lines 87 through 89. Complete", 0))
        + body(485)
    )
    blocks = blocks_of(text_pdf(tmp_path / "runin.pdf", content))
    titles = [b["content"] for b in blocks if b["type"] == "title"]
    assert titles == ["U.S. Copyright Office Summary", "Section 3. Results"], titles
