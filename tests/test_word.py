"""The Word engine reads the text Word shows, each piece once (``emulator/word.py``).

Found on Word test files of public PyPI sdists (PyDocX, python-docx; ``bench/fetch_dev3.py``):
a table inside a cell was read as rows of the outer table and its text repeated two or
three times; a line break in a cell glued its words (``GGGHHH``); a row that starts past
the grid's first column slid left; a text box's text was lost (a file of one text box
gave no chunk); a caption below its table went to the next table, and the last one was
lost. Each test builds its file with python-docx and the XML Word writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from somark_loaders import to_chunks
from somark_loaders.convert import ConvertOptions
from somark_loaders.emulator import engines
from somark_loaders.models import ParseResult

docx = pytest.importorskip("docx")
from docx.oxml import parse_xml  # noqa: E402

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
NS = (
    f"{W} "
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def blocks_of(path: Path) -> list[dict[str, Any]]:
    pages = engines.extract(path, ".docx", engines.ExtractOptions(title_levels=True))
    return [b for p in pages for b in p["blocks"]]


def chunk_text(path: Path) -> str:
    pages = engines.extract(path, ".docx", engines.ExtractOptions(title_levels=True))
    result = ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": path.name, "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".docx"},
        }
    )
    chunks = to_chunks(result, "chunk", options=ConvertOptions(chunk_size=400))
    return "\n".join(str(c.text) for c in chunks)


def save(document: Any, path: Path) -> Path:
    document.save(str(path))
    return path


def test_a_table_inside_a_cell_is_that_cells_text_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    outer = document.add_table(rows=2, cols=2)
    outer.cell(0, 0).text, outer.cell(0, 1).text = "Part", "Parts list"
    outer.cell(1, 0).text = "Rotor"
    inner = outer.cell(1, 1).add_table(rows=2, cols=2)
    for r, row in enumerate((("Blade", "4"), ("Hub", "1"))):
        for c, value in enumerate(row):
            inner.cell(r, c).text = value
    blocks = blocks_of(save(document, tmp_path / "nested.docx"))
    (table,) = [b for b in blocks if b["type"] == "table"]
    assert table["content"].count("<tr>") == 2  # the outer table's own rows
    assert table["content"].count("Blade") == 1
    assert "Blade | 4<br>Hub | 1" in table["content"]
    text = chunk_text(tmp_path / "nested.docx")
    assert text.count("Blade") == 1 and text.count("Hub") == 1


def test_a_line_break_and_a_tab_in_a_cell_keep_its_words_apart(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Name", "Address"
    table.cell(1, 0).text = "Office"
    run = table.cell(1, 1).paragraphs[0].add_run("12 Main Street")
    run.add_break()
    run.add_text("Springfield")
    run.add_tab()
    run.add_text("USA")
    (table_block,) = [
        b for b in blocks_of(save(document, tmp_path / "t.docx")) if b["type"] == "table"
    ]
    assert "12 Main Street<br>Springfield USA" in table_block["content"]


def test_a_row_that_starts_past_the_first_column_keeps_its_place(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, value in enumerate(("Year", "Q1", "Q2")):
        table.cell(0, c).text = value
    row = table.rows[1]._tr
    row.remove(row.tc_lst[0])  # the row's first grid column is left out (gridBefore)
    row.insert(0, parse_xml(f'<w:trPr {W}><w:gridBefore w:val="1"/></w:trPr>'))
    row.tc_lst[0].xpath("./w:p")[0].append(parse_xml(f"<w:r {W}><w:t>10</w:t></w:r>"))
    row.tc_lst[1].xpath("./w:p")[0].append(parse_xml(f"<w:r {W}><w:t>12</w:t></w:r>"))
    (table_block,) = [
        b for b in blocks_of(save(document, tmp_path / "t.docx")) if b["type"] == "table"
    ]
    assert "<tr><td></td><td>10</td><td>12</td></tr>" in table_block["content"]


TEXT_BOX = f"""<w:r {NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor><wp:extent cx="1934210" cy="991235"/><a:graphic><a:graphicData
uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>
<w:txbxContent><w:p><w:r><w:t>Opening hours: 9 to 17</w:t></w:r></w:p>
<w:p><w:r><w:t>Closed on Sundays</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp>
</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>
<v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>Opening hours: 9 to 17</w:t></w:r></w:p>
<w:p><w:r><w:t>Closed on Sundays</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>
</w:pict></mc:Fallback></mc:AlternateContent></w:r>"""


def test_a_text_box_is_read_once_after_its_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Visitor information")
    anchor = document.add_paragraph()
    anchor._p.append(parse_xml(TEXT_BOX))
    document.add_paragraph("Parking is free.")
    texts = [b["content"] for b in blocks_of(save(document, tmp_path / "box.docx"))]
    assert texts == [
        "Visitor information",
        "Opening hours: 9 to 17",
        "Closed on Sundays",
        "Parking is free.",
    ]


def test_content_controls_fields_and_tracked_changes_are_read_as_shown(tmp_path: Path) -> None:
    document = docx.Document()
    body = document.element.body
    sect = body[-1]  # the section properties stay last
    sect.addprevious(
        parse_xml(
            f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Applicant: Jane Roe</w:t>"
            "</w:r></w:p></w:sdtContent></w:sdt>"
        )
    )
    sect.addprevious(
        parse_xml(
            f'<w:p {W}><w:r><w:t xml:space="preserve">Due </w:t></w:r>'
            '<w:fldSimple w:instr="DATE"><w:r><w:t>3 May 2025</w:t></w:r></w:fldSimple>'
            '<w:ins w:id="1" w:author="a"><w:r><w:t xml:space="preserve"> at noon</w:t></w:r></w:ins>'
            '<w:del w:id="2" w:author="a"><w:r><w:delText> at dawn</w:delText></w:r></w:del>'
            "</w:p>"
        )
    )
    texts = [b["content"] for b in blocks_of(save(document, tmp_path / "c.docx"))]
    assert texts == ["Applicant: Jane Roe", "Due 3 May 2025 at noon"]


def test_a_caption_below_its_table_stays_with_it_and_none_is_lost(tmp_path: Path) -> None:
    document = docx.Document()
    for caption, (label, value) in (
        ("Table 1: Sales by region", ("North", "10")),
        ("Table 2: Headcount by team", ("Ops", "4")),
    ):
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = label, value
        document.add_paragraph(caption, style="Caption")
    kinds = [(b["type"], b["content"][:20]) for b in blocks_of(save(document, tmp_path / "c.docx"))]
    assert [k for k, _ in kinds] == ["table", "table_caption", "table", "table_caption"]
    assert kinds[1][1].startswith("Table 1") and kinds[3][1].startswith("Table 2")


def test_a_blank_table_between_paragraphs_leaves_no_trace(tmp_path: Path) -> None:
    """blk-paras-and-tables.docx, tbl-props.docx: tables of empty cells read as rows of
    pipes; they have no text, so the chunks do not show them."""
    document = docx.Document()
    document.add_paragraph("Lorem ipsum dolor sit amet, consectetur adipiscing elit.")
    document.add_table(rows=2, cols=3)
    document.add_paragraph("Donec semper facilisis metus finibus malesuada.")
    text = chunk_text(save(document, tmp_path / "blank.docx"))
    assert "|" not in text
    assert "Lorem ipsum" in text and "Donec semper" in text


def add_list(document: Any, num_id: int, levels: str, overrides: str = "") -> None:
    """An abstract list (``levels``: its ``w:lvl`` elements) and a ``w:num`` for it."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(f'<w:abstractNum {W} w:abstractNumId="{num_id}">{levels}</w:abstractNum>')
    numbering.insert(0, abstract)  # abstract lists come before the lists that use them
    numbering.append(
        parse_xml(
            f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>{overrides}</w:num>'
        )
    )


def lvl(ilvl: int, fmt: str, text: str, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
    )


def numbered(
    document: Any, text: str, num_id: int, ilvl: int = 0, style: str | None = None
) -> None:
    paragraph = document.add_paragraph(text, style=style)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def texts_of(path: Path) -> list[str]:
    return [b["content"] for b in blocks_of(path)]


def test_numbered_lists_keep_their_numbers_and_levels_restart(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(
        document,
        90,
        lvl(0, "decimal", "%1.")
        + lvl(1, "decimal", "%1.%2")
        + lvl(2, "lowerLetter", "%3)")
        + lvl(3, "lowerRoman", "%4."),
    )
    for text, ilvl in (
        ("one", 0),
        ("AAA", 1),
        ("BBB", 1),
        ("deep", 2),
        ("deeper", 3),
        ("deeper still", 3),
        ("two", 0),
        ("CCC", 1),
    ):
        numbered(document, text, 90, ilvl)
    document.add_paragraph("Paddle about", style="List Bullet")  # bullets stay "- "
    path = save(document, tmp_path / "lists.docx")
    assert texts_of(path) == [
        "1. one",
        "1.1 AAA",
        "1.2 BBB",
        "a) deep",
        "i. deeper",
        "ii. deeper still",
        "2. two",
        "2.1 CCC",  # a level restarts when a shallower one advances
        "- Paddle about",
    ]
    assert "1.2 BBB" in chunk_text(path)


def test_headings_and_styles_numbered_by_word_keep_their_numbers(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(
        document,
        90,
        lvl(0, "decimal", "%1", '<w:pStyle w:val="Heading1"/>')
        + lvl(1, "decimal", "%1.%2", '<w:pStyle w:val="Heading2"/>'),
    )
    for style in ("Heading 1", "Heading 2"):  # the styles number their paragraphs
        document.styles[style].element.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W}><w:numId w:val="90"/></w:numPr>')
        )
    document.add_heading("Introduction", 1)
    document.add_heading("Scope", 2)
    document.add_heading("Terms", 2)
    document.add_paragraph("First step", style="List Number")  # the template's own list
    document.add_paragraph("Second step", style="List Number")
    document.add_heading("Method", 1)
    document.add_heading("Design", 2)
    kinds = [
        (b["type"], b.get("title_level"), b["content"])
        for b in blocks_of(save(document, tmp_path / "h.docx"))
    ]
    assert kinds == [
        ("title", 1, "1 Introduction"),
        ("title", 2, "1.1 Scope"),
        ("title", 2, "1.2 Terms"),
        ("text", None, "1. First step"),
        ("text", None, "2. Second step"),
        ("title", 1, "2 Method"),
        ("title", 2, "2.1 Design"),
    ]


def test_a_start_override_restarts_a_list_and_numid_0_removes_a_number(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(document, 90, lvl(0, "upperRoman", "%1.") + lvl(1, "upperLetter", "(%2)"))
    numbering = document.part.numbering_part.element
    numbering.append(  # a second list of the same abstract list, from 5
        parse_xml(
            f'<w:num {W} w:numId="91"><w:abstractNumId w:val="90"/><w:lvlOverride w:ilvl="0">'
            '<w:startOverride w:val="5"/></w:lvlOverride></w:num>'
        )
    )
    numbered(document, "first", 90)
    numbered(document, "sub", 90, 1)
    numbered(document, "no number", 0)
    numbered(document, "second", 90)
    numbered(document, "fifth", 91)
    numbered(document, "sixth", 91)
    table = document.add_table(rows=1, cols=1)
    numbered(table.cell(0, 0), "in a cell", 91)
    assert texts_of(save(document, tmp_path / "s.docx"))[:6] == [
        "I. first",
        "(A) sub",
        "no number",
        "II. second",
        "V. fifth",
        "VI. sixth",
    ]
    (table_block,) = [b for b in blocks_of(tmp_path / "s.docx") if b["type"] == "table"]
    assert "VII. in a cell" in table_block["content"]


def test_chinese_numbering_is_drawn_in_chinese_numerals(tmp_path: Path) -> None:
    document = docx.Document()
    tight = '<w:suff w:val="nothing"/>'  # no tab or space after the number, as often in Chinese
    add_list(
        document,
        90,
        lvl(0, "chineseCounting", "%1、", tight)
        + lvl(1, "chineseCounting", "（%2）", tight)
        + lvl(2, "decimalEnclosedCircle", "%3", tight),
    )
    for text, ilvl in (("总则", 0), ("目的", 1), ("依据", 2), ("范围", 1), ("职责", 0)):
        numbered(document, text, 90, ilvl)
    for _ in range(9):
        numbered(document, "条款", 90, 0)
    texts = texts_of(save(document, tmp_path / "zh.docx"))
    assert texts[:5] == ["一、总则", "（一）目的", "①依据", "（二）范围", "二、职责"]
    assert texts[-1] == "十一、条款"


NOTES = """<w:{kind}s {W}>
<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>
<w:{kind} w:id="1"><w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve"> {first}</w:t></w:r></w:p></w:{kind}>
<w:{kind} w:id="2"><w:p><w:r><w:t>{second}</w:t></w:r></w:p></w:{kind}>
</w:{kind}s>"""


def _notes_part(document: Any, kind: str, first: str, second: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    xml = NOTES.format(kind=kind, W=W, first=first, second=second)
    part = Part(
        PackURI(f"/word/{kind}s.xml"),
        f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml",
        xml.encode(),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES)


def _refer(paragraph: Any, kind: str, note: int) -> None:
    paragraph._p.append(parse_xml(f'<w:r {W}><w:{kind}Reference w:id="{note}"/></w:r>'))


def test_footnotes_follow_their_paragraph_and_endnotes_end_the_document(tmp_path: Path) -> None:
    """Word prints footnotes and endnotes on its pages; the emulator lost them all."""
    document = docx.Document()
    _notes_part(document, "footnote", "Revised in 2021.", "Before tax.")
    _notes_part(document, "endnote", "See the annual report.", "Unaudited.")
    first = document.add_paragraph("The fund grew by a third.")
    _refer(first, "footnote", 1)
    second = document.add_paragraph("Income rose to 4.2 million.")
    _refer(second, "footnote", 2)
    _refer(second, "endnote", 1)
    document.add_paragraph("The board approved the accounts.")
    blocks = blocks_of(save(document, tmp_path / "notes.docx"))
    assert [(b["type"], b["content"]) for b in blocks] == [
        ("text", "The fund grew by a third."),
        ("footnote", "1 Revised in 2021."),
        ("text", "Income rose to 4.2 million."),
        ("footnote", "2 Before tax."),
        ("text", "The board approved the accounts."),
        ("footnote", "i See the annual report."),
    ]


def _vml_box(text: str) -> str:
    return (
        f"<w:r {NS}><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t>"
        "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )


def test_a_text_box_in_a_cell_or_in_a_box_is_read_once(tmp_path: Path) -> None:
    """Review of the Word engine: a text box in a table cell and a box inside a box were
    lost (the cell's text and the outer box skipped box contents)."""
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Site"
    table.cell(0, 1).paragraphs[0]._p.append(parse_xml(_vml_box("Open on weekdays")))
    outer = parse_xml(_vml_box("Outer note"))
    first = next(outer.iter(f"{{{docx.oxml.ns.nsmap['w']}}}p"))
    first.append(parse_xml(_vml_box("Inner note")))
    document.add_paragraph("Anchor")._p.append(outer)
    text = " || ".join(b["content"] for b in blocks_of(save(document, tmp_path / "b.docx")))
    for words in ("Open on weekdays", "Outer note", "Inner note"):
        assert text.count(words) == 1, text


def test_a_deleted_reference_prints_no_note_and_takes_no_number(tmp_path: Path) -> None:
    document = docx.Document()
    _notes_part(document, "footnote", "Withdrawn source.", "Before tax.")
    paragraph = document.add_paragraph("Claim and more")
    paragraph._p.append(
        parse_xml(
            f'<w:del {W} w:id="9" w:author="a"><w:r><w:footnoteReference w:id="1"/></w:r></w:del>'
        )
    )
    _refer(paragraph, "footnote", 2)
    notes = [
        b["content"]
        for b in blocks_of(save(document, tmp_path / "d.docx"))
        if b["type"] == "footnote"
    ]
    assert notes == ["1 Before tax."]


def test_a_forms_grid_columns_that_merged_cells_only_cross_cost_nothing(tmp_path: Path) -> None:
    """An estimate form's table: a fine grid whose cells each span several of its
    columns. The columns no cell starts in held the spanning cell's text again: each
    part of the table repeated an empty header row and ``|---|`` for every one of them."""
    document = docx.Document()
    table = document.add_table(rows=4, cols=8)
    table.cell(0, 0).merge(table.cell(0, 4)).text = "Work"
    table.cell(0, 5).merge(table.cell(0, 7)).text = "Cost"
    for r, (work, cost) in enumerate((("Road", "100"), ("Bridge", "250"), ("Tunnel", "900")), 1):
        table.cell(r, 0).merge(table.cell(r, 4)).text = work
        table.cell(r, 5).merge(table.cell(r, 7)).text = cost
    lines = [x for x in chunk_text(save(document, tmp_path / "form.docx")).splitlines() if "|" in x]
    assert lines == [
        "| Work | Cost |",
        "|---|---|",
        "| Road | 100 |",
        "| Bridge | 250 |",
        "| Tunnel | 900 |",
    ]


def test_a_page_break_after_a_paragraphs_text_starts_the_next_page(tmp_path: Path) -> None:
    """python-docx's ``add_break(WD_BREAK.PAGE)`` after a paragraph's text: the paragraph
    ends its page; a break before the text (or alone) starts the paragraph's page."""
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_paragraph("Chapter 1.").add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("Chapter 2.")
    broken = document.add_paragraph()
    broken.add_run().add_break(WD_BREAK.PAGE)
    broken.add_run("Chapter 3.")
    document.save(tmp_path / "breaks.docx")
    pages = engines.extract(tmp_path / "breaks.docx", ".docx", engines.ExtractOptions())
    assert [[b["content"] for b in p["blocks"]] for p in pages] == [
        ["Chapter 1."],
        ["Chapter 2."],
        ["Chapter 3."],
    ]
