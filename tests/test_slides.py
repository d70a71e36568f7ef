"""PowerPoint charts and pictures reach the chunks.

A native chart keeps its data only in the chart's XML: the emulator gives its title as a
``table_caption`` and its data as a table (a category per row, a series per column),
since SoMark's reference does not document how the service returns charts. Text inside a
picture is read by OCR, as the service reads a page.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
from langchain_core.documents import Document

from somark_loaders import ParseResult, to_chunks
from somark_loaders.emulator import Emulator, ocr
from somark_loaders.langchain import SoMarkLoader

from .conftest import KEY
from .fixtures import block, loader, page
from .test_sheets import CORPUS, needs_corpus


def load(emulator: Emulator, path: Path) -> list[Document]:
    return loader(path, emulator).load()


def rows_of(doc: Document) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in doc.page_content.splitlines()
        if line.startswith("|") and "---" not in line
    ]


@needs_corpus
@pytest.mark.usefixtures("fresh_extraction")  # read with OCR off, not taken from the memo
def test_a_native_chart_gives_its_categories_series_and_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aascu...pptx, slides 6 and 7: a 100%-stacked and a clustered column chart whose
    numbers are only in the chart XML. Each value is in a row with its category, in a
    chunk that names the series and sits under the slide's title."""
    monkeypatch.setattr(ocr, "available", lambda: False)  # its photos are not the point
    assert CORPUS is not None
    path = CORPUS / "dev" / "aascu.org_hbcu_leadershipsummit_cooper_.pptx"
    with Emulator(api_keys={KEY}, workers=0) as emulator:  # parsed here, where the patch is
        docs = load(emulator, path)
    stacked = next(d for d in docs if "Asian American" in d.page_content)
    assert stacked.metadata["heading_path"].startswith("Highest Level of Attainment")
    series = ["Less than HS", "HS Diploma / GED", "College Enrollment", "Degree Attained"]
    assert rows_of(stacked)[0] == ["", *series]
    expected = {
        "African American": ["26", "30", "37", "6"],
        "Asian American": ["7", "11", "62", "20"],
        "Latino/a": ["28", "28", "37", "7"],
        "Native American": ["31", "33", "30", "6"],
        "White": ["13", "22", "51", "14"],
    }
    assert {row[0]: row[1:] for row in rows_of(stacked)[1:]} == expected
    clustered = next(d for d in docs if "Degree Attainment" in d.page_content)
    assert clustered.metadata["heading_path"].startswith("Change in Highest Level")
    assert rows_of(clustered)[1:] == [
        ["2000", "34", "29", "32", "5"],
        ["2008", "26", "30", "37", "6"],
    ]
    # a soft line break in a title is a space, not two words run together
    assert any("Positioning HBCUs in the Current Environment" in d.page_content for d in docs)


def test_a_chart_title_is_the_caption_of_its_data(emulator: Emulator, tmp_path: Path) -> None:
    """A chart with a title of its own (and a percent format, and a line chart's dates)."""
    import datetime as dt

    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Results"
    data = CategoryChartData(number_format="0.0%")
    data.categories = [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    data.add_series("Churn", (0.051, 0.0475))
    data.add_series("Growth", (0.12, 0.135))
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.LINE, Inches(1), Inches(2), Inches(6), Inches(4), data
    )
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = "Monthly churn and growth"
    path = tmp_path / "chart.pptx"
    deck.save(path)
    (doc,) = [d for d in load(emulator, path) if "Churn" in d.page_content]
    assert doc.metadata["table_caption"] == "Monthly churn and growth"
    assert "Monthly churn and growth" in doc.page_content
    cells = rows_of(doc)
    assert cells[0][1:] == ["Churn", "Growth"]
    assert [row[1:] for row in cells[1:]] == [["5.1%", "12.0%"], ["4.8%", "13.5%"]]
    assert all(row[0] for row in cells[1:])  # each row names its month


def picture_files(tmp_path: Path) -> tuple[Path, Path]:
    """A slide whose only text is inside a picture (the tika-2605.pptx class), and the
    same picture on a sheet (xlsx_01.xlsx has one)."""
    import openpyxl
    from openpyxl.drawing.image import Image as SheetImage
    from PIL import Image, ImageDraw, ImageFont
    from pptx import Presentation
    from pptx.util import Inches

    image = Image.new("RGB", (480, 70), "white")
    ImageDraw.Draw(image).text(
        (12, 16), "Pledge for progress today", fill="black", font=ImageFont.load_default(32)
    )
    picture = tmp_path / "pledge.png"
    image.save(picture)
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no text of its own
    slide.shapes.add_picture(str(picture), Inches(1), Inches(2), width=Inches(6))
    deck.save(tmp_path / "pictures.pptx")
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.append(["Pledges", "Count"])
    book.active.append(["2018", 14])
    book.active.add_image(SheetImage(str(picture)), "A5")
    book.save(tmp_path / "pictures.xlsx")
    return tmp_path / "pictures.pptx", tmp_path / "pictures.xlsx"


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
def test_the_text_of_a_picture_on_a_slide_or_a_sheet_is_read(
    emulator: Emulator, tmp_path: Path
) -> None:
    loader = SoMarkLoader(
        list(picture_files(tmp_path)),
        base_url=emulator.base_url,
        api_key=KEY,
        client_options={"poll_interval": 0.05},
    )
    by_file: dict[str, str] = {}
    for doc in loader.load():
        name = Path(doc.metadata["source"]).name
        by_file[name] = by_file.get(name, "") + " " + doc.page_content
    assert "Pledge for progress today" in by_file["pictures.pptx"]
    assert "Pledge for progress today" in by_file["pictures.xlsx"]


def test_pages_are_counted_at_upload_without_reading_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload answers at once (no OCR while it counts pages), and the count is the
    number of pages the result has."""
    from somark_loaders.emulator import engines, office

    calls: list[object] = []

    def read(image: object, **_: object) -> list[ocr.OcrLine]:
        calls.append(image)
        return [ocr.OcrLine(10, 10, 300, 40, "Pledge for progress today")]

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "read_lines", read)
    for path in picture_files(tmp_path):
        monkeypatch.setattr(office, "_SEEN", OrderedDict())  # what OCR read before: forgotten
        counted = engines.count_pages(path, path.suffix)
        assert not calls, path.name
        pages = engines.extract(path, path.suffix, engines.ExtractOptions())
        assert len(calls) == 1 and len(pages) == counted
        assert "Pledge for progress today" in [b["content"] for p in pages for b in p["blocks"]]
        calls.clear()


def test_a_line_break_in_a_slide_table_cell_separates_its_words(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    from somark_loaders.emulator import engines

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(6), Inches(2)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "Strategy", "Result"
    paragraph = table.cell(1, 0).text_frame.paragraphs[0]
    paragraph.add_run().text = "Required"
    paragraph.add_line_break()
    paragraph.add_run().text = "sessions"
    table.cell(1, 1).text = "Retention"
    deck.save(tmp_path / "table.pptx")
    (page,) = engines.extract(tmp_path / "table.pptx", ".pptx", engines.ExtractOptions())
    assert "<td>Required<br>sessions</td>" in page["blocks"][0]["content"]


def _bold_font(size: int) -> object:
    """DejaVu Sans Bold, which OpenCV (brought by the OCR extra) ships, or the system's."""
    from PIL import ImageFont

    cv2 = pytest.importorskip("cv2")
    for path in (
        Path(cv2.__file__).parent / "qt" / "fonts" / "DejaVuSans-Bold.ttf",
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ):
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    pytest.skip("no DejaVu Sans Bold font to draw the picture with")


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
def test_a_lone_letter_the_text_detector_misses_is_read_with_its_line(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The detector skips a narrow glyph standing apart at the start of a line (the
    ``I`` of the pledges in tika-2605.pptx); it is read back with its neighbour."""
    from PIL import Image, ImageDraw
    from pptx import Presentation
    from pptx.util import Inches

    image = Image.new("RGB", (700, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 15), "I will maintain", fill="black", font=_bold_font(60))
    draw.text((20, 105), "a gender parity", fill="black", font=_bold_font(60))
    image.save(tmp_path / "pledge.png")
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(str(tmp_path / "pledge.png"), Inches(1), Inches(2), width=Inches(7))
    deck.save(tmp_path / "pledge.pptx")
    text = " ".join(doc.page_content for doc in load(emulator, tmp_path / "pledge.pptx"))
    assert "I will maintain" in " ".join(text.split())
    assert text.count("will") == 1  # read once, not once more beside its letter


def two_charts_and_a_sentence(path: Path) -> Path:
    """Slides 1 and 2: a chart each, as wide, with the same default series names (the
    cht-category-access.pptx class). Slides 3 and 4: a text box that stops mid-sentence,
    then one that starts in lower case."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    deck = Presentation()
    for categories in (("Foo", "Bar"), ("North", "South")):
        slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: the chart is first
        data = CategoryChartData()
        data.categories = categories
        data.add_series("Series 1", (4.3, 2.5))
        data.add_series("Series 2", (2.4, 4.4))
        slide.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(8), Inches(6), data
        )
    for text in (
        "The second quarter brought more orders than any quarter before, and the team",
        "hired two engineers for the new plant.",
    ):
        slide = deck.slides.add_slide(deck.slide_layouts[6])
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(8), Inches(2))
        box.text_frame.text = text
    deck.save(path)
    return path


def test_a_slide_does_not_continue_the_slide_before_unless_the_service_says_so(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Two charts on consecutive slides with the same header are two tables, and a
    sentence cut at a slide's end is not joined to the next slide's text: a slide is a
    unit of its own, and the pages carry no ``merge_content_from_pre_page``."""
    docs = loader(
        two_charts_and_a_sentence(tmp_path / "deck.pptx"), emulator, mode="element"
    ).load()
    tables = [d for d in docs if "Series 1" in d.page_content]
    assert [(d.metadata["page_number"], d.metadata["page_end"]) for d in tables] == [
        (1, 1),
        (2, 2),
    ]
    assert "Foo" in tables[0].page_content and "North" not in tables[0].page_content
    texts = [d for d in docs if d.metadata["element_type"] == "text"]
    assert [(d.metadata["page_number"], d.metadata["page_end"]) for d in texts] == [
        (3, 3),
        (4, 4),
    ]


def _deck(file_type: str, *, flag: bool) -> ParseResult:
    """The same blocks as the deck above, as the service could send them for a ``file_type``
    file, each page flagged as continuing the one before when ``flag``."""
    table = "<table><tr><th></th><th>Series 1</th></tr><tr><td>{}</td><td>4.3</td></tr></table>"
    pages = [
        page(0, [block(0, "table", table.format("Foo"), 1500)]),
        page(1, [block(0, "table", table.format("North"), 100)], merge=flag),
        page(2, [block(0, "text", "The second quarter brought more orders, and the team", 1500)]),
        page(3, [block(0, "text", "hired two engineers for the new plant.", 100)], merge=flag),
    ]
    return ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": f"deck{file_type}", "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": file_type},
        }
    )


@pytest.mark.parametrize(
    ("file_type", "flag", "joined"),
    [
        (".pptx", False, False),
        (".ppt", False, False),
        (".pptx", True, True),
        (".pdf", False, True),
        (".docx", False, True),
    ],
)
def test_only_the_services_flag_joins_slides_and_other_files_keep_the_loaders_reading(
    file_type: str, flag: bool, joined: bool
) -> None:
    spans = [
        (c.metadata["page_number"], c.metadata["page_end"])
        for c in to_chunks(_deck(file_type, flag=flag), "element")
    ]
    assert spans == ([(1, 2), (3, 4)] if joined else [(1, 1), (2, 2), (3, 3), (4, 4)])


SMARTART_DATA = """<dgm:dataModel
 xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>
<dgm:pt modelId="0" type="doc"><dgm:t><a:bodyPr/><a:p><a:endParaRPr/></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="1"><dgm:t><a:bodyPr/><a:p><a:r><a:t>Plan the audit</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="2" type="parTrans" cxnId="9"><dgm:t><a:bodyPr/><a:p><a:endParaRPr/></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="3"><dgm:t><a:bodyPr/><a:p><a:r><a:t>Collect </a:t></a:r><a:r><a:t>evidence</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="4"><dgm:t><a:bodyPr/><a:p><a:r><a:t>Report findings</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="5" type="pres"><dgm:prSet/></dgm:pt>
</dgm:ptLst></dgm:dataModel>"""

SMARTART_FRAME = """<p:graphicFrame
 xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<p:nvGraphicFramePr><p:cNvPr id="9" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/>
</p:nvGraphicFramePr><p:xfrm><a:off x="914400" y="1828800"/><a:ext cx="6096000" cy="2286000"/>
</p:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">
<dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{rid}"/>
</a:graphicData></a:graphic></p:graphicFrame>"""


def test_the_text_of_a_smartart_graphic_is_read(tmp_path: Path) -> None:
    """python-pptx's shp-shapes.pptx (``bench/fetch_dev3.py``): the words of a SmartArt
    graphic (a process, a cycle, an organisation chart) show on the slide and were lost."""
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI
    from pptx.oxml import parse_xml

    from somark_loaders.emulator import engines

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Audit process"
    data = Part(
        PackURI("/ppt/diagrams/data1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
        slide.part.package,
        SMARTART_DATA.encode(),
    )
    rid = slide.part.relate_to(data, RT.DIAGRAM_DATA)
    slide.shapes._spTree.append(parse_xml(SMARTART_FRAME.replace("{rid}", rid)))
    deck.save(tmp_path / "smartart.pptx")
    (page,) = engines.extract(tmp_path / "smartart.pptx", ".pptx", engines.ExtractOptions())
    texts = [b["content"] for b in page["blocks"]]
    assert texts == ["Audit process", "Plan the audit\nCollect evidence\nReport findings"]
