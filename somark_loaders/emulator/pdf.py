"""PDFs for the emulator: text with real coordinates (paragraphs in text-flow order, by
layout where that is not a reading order: :mod:`.pdf_layout`, column by column where rows
are drawn across columns: :mod:`.pdf_columns`; short bold or large lines as titles),
tables, figures, running headers and footers;
pages without a text layer are read by OCR; a file pdfminer cannot read whole, by PDFium
(:mod:`.pdf_pdfium`)."""

from __future__ import annotations

import io
import itertools
import logging
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._blocks import (
    OCR_MAX_PIXELS,
    OCR_SHRINK,
    SCALE,
    Box,
    ExtractOptions,
    FoundTable,
    make_block,
    ocr_blocks,
    px,
    table_format,
)
from ._text import (
    caption_kind,
    heading_like,
    join_lines,
    kind_order,
    numbered_kind,
    split_clause,
)
from ._words import clamp
from .cross_page import mark_continuations
from .pdf_authors import author_line
from .pdf_code import code_text, is_code, split_code
from .pdf_columns import in_columns
from .pdf_diagrams import diagram_regions, in_region
from .pdf_drawings import Drawings, PageDrawing
from .pdf_frame import PageFrame
from .pdf_furniture import Furniture
from .pdf_glyphs import GlyphReader
from .pdf_layout import in_reading_order
from .pdf_lines import Line, lines_of, monospaced, para_box, paragraphs_of, parted_at_ends
from .pdf_notes import NOT_A_TITLE as _NOT_A_TITLE
from .pdf_notes import SECTION_NUMBER as _SECTION_NUMBER
from .pdf_notes import footnotes as _footnotes
from .pdf_notes import has_word, section_faces
from .pdf_notes import section_heading as _section_heading
from .pdf_objects import fast_chars
from .pdf_order import Item, place_captions, slot, take_captions
from .pdf_pages import flow_words, read_page
from .pdf_pdfium import open_pdf, pdfium_pages
from .pdf_pictures import picture_texts
from .pdf_rotated import merge_blocks, turned_pages
from .pdf_table_html import pdf_table_html
from .pdf_vertical import Turn, running_lines, vertical_page
from .pictures import IMAGE_URL_PREFIX

logger = logging.getLogger("somark_loaders.emulator")


@dataclass
class _PageLayout:
    number: int
    width: float
    height: float
    lines: list[Line] | None  # None: no text layer
    tables: list[FoundTable]
    images: list[tuple[float, float, float, float]]
    paras: list[list[Line]] | None = None
    # text read by OCR in pictures: (picture, [(box, text)]), placed after its figure
    picture_text: list[tuple[Box, list[tuple[Box, str]]]] = field(default_factory=list)
    diagrams: list[Box] = field(default_factory=list)  # where vector diagrams are drawn
    ordered: bool = False  # lines put in reading order by columns (:mod:`.pdf_columns`)
    turn: Turn | None = None  # written in columns: read turned (:mod:`.pdf_vertical`)


def extract_pdf(path: Path, options: ExtractOptions) -> list[dict[str, Any]]:
    pdf = open_pdf(path)
    layout: list[_PageLayout] = []
    sideways: dict[int, list[tuple[_PageLayout, int]]] = {}  # text drawn a quarter turned
    every_size: Counter[float] = Counter()  # tables included: the type notes are smaller than
    for read in pdfium_pages(path) if pdf is None else ():  # pages pdfminer cannot read
        every_size.update(round(float(w["size"]), 1) for w in read.words)
        lines = lines_of(read.words) if read.words else None
        layout.append(_PageLayout(read.number, read.width, read.height, lines, [], read.images))
    with pdf or nullcontext(), GlyphReader(path) as glyphs:
        for number, page in enumerate(pdf.pages if pdf is not None else ()):
            fast_chars(page)  # its characters as pdfplumber reads them, in less time
            tables, images, found = read_page(page, number, path.name, glyphs.chars)
            every_size.update(round(float(w["size"]), 1) for w in found)
            frame = PageFrame(page)
            drawing = PageDrawing(page, frame)  # a chart's labels read as a table are its own
            gone = drawing.swallowed(tables, found) if tables else []
            tables = [t for n, t in enumerate(tables) if n not in gone]
            words = flow_words(found, tables)
            has_text = bool(words) or bool(tables)
            width, height = frame.size
            pictured = picture_texts(page, images, found) if has_text else []
            diagrams = [frame.box(r) for r in diagram_regions(page, [t.box for t in tables])]
            turn = Turn(width, height) if vertical_page(found) else None
            if turn is None:
                lines, ordered = in_columns(lines_of(words), height)  # rows across columns
                drawn = drawing.figures(lines, [t.box for t in tables] + images)
            else:  # CJK in columns: read turned a quarter (tables, drawings in the page's frame)
                columns = turn.page(found, tables, images, drawing)
                words, tables, width, height = columns.words, columns.tables, height, width
                lines, ordered = in_columns(lines_of(words), height)
                drawn = Drawings(lines, columns.figures, columns.labels)
                images, diagrams = turn.boxes(images), turn.boxes(diagrams)
                pictured = turn.read(pictured)
            layout.append(
                _PageLayout(
                    number,
                    width,
                    height,
                    drawn.lines if has_text else None,
                    tables,
                    images + drawn.figures,
                    picture_text=pictured + drawn.labels,
                    diagrams=diagrams,
                    ordered=ordered,
                    turn=turn,
                )
            )
            with turned_pages(path, number, page) as turned:  # sideways text, read upright
                if turned:
                    sideways[number] = [(_turned_layout(number, v), q) for v, q in turned]
    # Body size and title sizes are decided over the whole document, as a reader would.
    sizes: Counter[float] = Counter()  # of the words: a line's size counts once per word
    for page in layout:
        for line in page.lines or ():
            sizes[line.size] += len(line.words)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    main_type = max(body, every_size.most_common(1)[0][0] if every_size else body)
    fonts: Counter[str] = Counter()
    for page in layout:
        for line in page.lines or ():
            if line.size == body:
                fonts[line.font] += len(line.text)
    body_font = fonts.most_common(1)[0][0] if fonts else ""
    code = not monospaced(body_font)  # a typescript's lines are no code
    for page in [*layout, *(view for views in sideways.values() for view, _ in views)]:
        if page.lines is not None:  # by the page's layout where the drawn order is not one
            paras = parted_at_ends(paragraphs_of(page.lines, body))
            paras = split_code(paras) if code else paras
            page.paras = paras if page.ordered else in_reading_order(paras, page.height)
    numbered = _numbered_levels(layout)
    faces = section_faces([p for page in layout for p in page.paras or ()], body, body_font)
    titles = _titles(layout, body, body_font)
    title_sizes = sorted({p[0].size for p, by_type in titles if by_type}, reverse=True)
    furniture = Furniture(layout)
    front = _front_matter(titles)
    levels = _Levels(title_sizes, numbered, body_font, faces, front)
    running = running_lines([p.turn for p in layout if p.turn is not None], body)
    pages: list[dict[str, Any]] = []
    for page in layout:
        if page.paras is None:
            blocks = _scanned_page(path, page)
        else:
            blocks = _page_blocks(page, (body, main_type), levels, furniture, options)
        if page.turn is not None:  # back into the page's frame, its lines set across with it
            turned_back = page.turn.blocks(blocks)
            blocks = page.turn.with_across(turned_back, body, running, options.keep_header_footer)
            page.width, page.height = page.height, page.width
        for view, quarter in sideways.get(page.number, ()):
            upright = _page_blocks(view, (body, main_type), levels, furniture, options)
            blocks = merge_blocks(blocks, upright, quarter, (px(page.width), px(page.height)))
        pages.append(
            {
                "page_num": page.number,
                "page_size": {"w": px(page.width), "h": px(page.height)},
                "merge_content_from_pre_page": False,
                "blocks": blocks,
            }
        )
    mark_continuations(pages, tables=options.table_cross_page, text=options.text_cross_page)
    return pages


def _turned_layout(number: int, page: Any) -> _PageLayout:
    """The text upright on a page turned a quarter (sideways on the page), no pictures."""
    tables, _images, found = read_page(page, number, "")
    lines = lines_of(flow_words(found, tables))
    return _PageLayout(number, *PageFrame(page).size, lines, tables, [])


def _page_blocks(
    page: _PageLayout,
    sizes: tuple[float, float],
    levels: _Levels,
    furniture: Furniture,
    options: ExtractOptions,
) -> list[dict[str, Any]]:
    items: list[Item] = []
    notes: list[Item] = []
    body, main_type = sizes  # of the text outside tables; of all text
    footnotes = _footnotes(page, main_type)
    for para in page.paras or ():
        bbox = para_box(para)
        text = join_lines([line.text for line in para])
        band = furniture.of(para, page, text)
        if band:
            if options.keep_header_footer:
                items.append((band, bbox, text, {}))
            continue
        if id(para) in footnotes:
            notes.append(("footnote", bbox, text, {}))
        elif levels.code and is_code(para) and not _diagram_label(para, page):
            items.append(("code", bbox, code_text(para), {}))
        elif kind := caption_kind(text):
            items.append((kind, bbox, text, {}))
        elif not _diagram_label(para, page) and (
            heading_like(text)
            or _is_title(para, body, page)
            or _section_heading(para, body, levels.body_font, levels.faces)
        ):
            level = levels.of(text, para[0].size)
            extra = {"title_level": level} if options.title_levels else {}
            items.append(("title", bbox, text, extra))
        elif (clause := split_clause(text)) is not None:
            label, rest = clause
            extra = {"title_level": levels.of(label, 0.0)} if options.title_levels else {}
            items.append(("title", (*bbox[:3], para[0].bottom), label, extra))
            items.append(("text", bbox, rest, {}))
        else:
            items.append(("text", bbox, text, {}))
    # Tables and figures go before the first in-flow block below them in their column,
    # the captions against them beside them (:mod:`.pdf_order`).
    items, captions = take_captions(items, [t.box for t in page.tables] + page.images, page.height)
    for table in page.tables:
        html = pdf_table_html(table.rows, table.header_rows)
        items.insert(slot(items, table.box), ("table", table.box, html, {}))
    read = dict(page.picture_text)
    for box in page.images:
        at = slot(items, box)
        texts: list[Item] = [("text", where, text, {}) for where, text in read.get(box, [])]
        items[at:at] = [("figure", box, "", {}), *texts]
    place_captions(items, captions)
    items += notes  # footnotes after the page's body, as the service orders them
    blocks = []
    for idx, (kind, bbox, content, extra) in enumerate(items):
        block = make_block(idx, kind, bbox, content, **extra)
        if kind == "table":
            block = table_format(block, options, page.number)
        elif kind == "figure":  # its picture: filled in by the parse job, for any mode
            block["img_url"] = (
                f"{IMAGE_URL_PREFIX}img/{page.number}/{','.join(str(v) for v in block['bbox'])}.png"
            )
        blocks.append(block)
    return blocks


@dataclass
class _Levels:
    """Title levels: larger type first, then the numbered kinds the document uses."""

    sizes: list[float]
    numbered: list[str]
    body_font: str = ""
    faces: frozenset[tuple[str, float]] = frozenset()  # of numbered section headings
    # the sizes of the titles before the first numbered section title, the depth of the
    # shallowest numbered titles and their size (see _front_matter); None when the
    # document numbers no sections
    front: tuple[frozenset[float], int, float] | None = None

    @property
    def code(self) -> bool:
        """Whether lines in a monospaced font are code: the body's font is not one."""
        return not monospaced(self.body_font)

    def of(self, text: str, size: float) -> int:
        kind = numbered_kind(text)
        if kind is not None and kind in self.numbered:
            return min(len(self.sizes) + self.numbered.index(kind) + 1, 6)
        section = _SECTION_NUMBER.match(text)
        depth = section.group(1).count(".") + 1 if section else 0
        if section and self.front is not None:  # by its number, under the front matter
            sizes, shallowest, top = self.front
            base = max(  # the deepest level of the titles above the numbered ones
                (self.sizes.index(s) + 1 for s in sizes if s > top + 0.4 and s in self.sizes),
                default=0,
            )
            return max(min(base + depth - shallowest + 1, 6), 1)
        if section and size not in self.sizes:  # 2.1 under 2, under titles in larger type
            above = sum(1 for s in self.sizes if s > size + 0.4)
            return min(above + depth, 6)
        if size in self.sizes:
            return min(self.sizes.index(size) + 1, 6)
        return min(len(self.sizes) + 1, 6)


def _titles(
    layout: list[_PageLayout], body: float, body_font: str
) -> list[tuple[list[Line], bool]]:
    """The document's title paragraphs in reading order, each with whether it is a title
    by its type (larger or set apart) rather than a numbered section heading in the
    body's face."""
    found: list[tuple[list[Line], bool]] = []
    for page in layout:
        for para in page.paras or ():
            if _diagram_label(para, page):
                continue
            by_type = _is_title(para, body, page)
            section = _section_heading(para, body, body_font)
            if by_type or section:
                found.append((para, by_type and not section))
    return found


def _front_matter(
    titles: list[tuple[list[Line], bool]],
) -> tuple[frozenset[float], int, float] | None:
    """For a document that numbers its sections (``1 Overview``, ``3.1.4 Events``; two
    titles or more): the type sizes of the titles before its first one (a cover, a title
    page, a paper's title, a chapter's heading), the depth of its shallowest numbered
    titles and their type size.

    A numbered title's level is then its depth under the deepest of those titles in
    larger type than the numbered ones. By rank of type size alone, larger type that only
    comes later (the labels of a drawn diagram, a callout) put a data model's
    ``1 Overview`` at level 6 under its cover's ``Edition 1.0``."""
    front: set[float] = set()
    found: list[tuple[int, float]] = []  # (depth, size) of the numbered titles
    for para, _ in titles:
        number = _SECTION_NUMBER.match(para[0].text)
        if number:
            found.append((number.group(1).count(".") + 1, para[0].size))
        elif not found:
            front.add(para[0].size)
    if len(found) < 2:
        return None
    shallowest = min(depth for depth, _ in found)
    top = max(size for depth, size in found if depth == shallowest)
    return frozenset(front), shallowest, top


def _numbered_levels(layout: list[_PageLayout]) -> list[str]:
    """The numbered heading kinds the document uses, outermost first."""
    used = {
        numbered_kind(para[0].text)
        for page in layout
        for para in page.paras or ()
        if heading_like(join_lines([x.text for x in para])) or split_clause(para[0].text)
    }
    return [kind for kind in kind_order() if kind in used]


def _is_title(para: list[Line], body: float, page: _PageLayout) -> bool:
    text = " ".join(line.text for line in para)
    return (
        len(para) <= 2
        and len(text) <= 120
        and (para[0].size >= body + 1.5 or (para[0].bold and para[0].size >= body - 0.5))
        and not text.rstrip().endswith((".", ",", "。", "；", "，", "："))
        and not _NOT_A_TITLE.search(text)  # author lines with affiliation marks, e-mail
        and has_word(text)
        and not author_line(para, page)  # a paper's authors under its title are text
        and not any(_in_columns(line) for line in para)
    )


def _diagram_label(para: list[Line], page: _PageLayout) -> bool:
    """A label in a vector diagram (not a numbered section title): :mod:`.pdf_diagrams`."""
    if not page.diagrams:
        return False  # most pages: no box to measure
    box = (
        min(x.x0 for x in para),
        min(x.top for x in para),
        max(x.x1 for x in para),
        max(x.bottom for x in para),
    )
    return in_region(box, page.diagrams) and not _SECTION_NUMBER.match(para[0].text)


_COLUMN_GAP = 0.8  # of the type size: two gaps this wide between words part columns
_WIDE_GAP = 3.0  # of the type size: one gap this wide does


def _in_columns(line: Line) -> bool:
    """Whether a line's words are spread in columns (two gaps of most of an em, or one of
    three ems: a table's header, ``Top-1   Top-5   Top-20``, ``Sim Loss     Retrieval
    Accuracy``), where a heading's words follow each other (``1  Introduction`` has
    one gap of an em)."""
    words = sorted(line.words, key=lambda w: float(w["x0"]))
    gaps = [float(b["x0"]) - float(a["x1"]) for a, b in itertools.pairwise(words)]
    wide = sum(gap >= _COLUMN_GAP * line.size for gap in gaps)
    return wide >= 2 or any(gap >= _WIDE_GAP * line.size for gap in gaps)


def _scanned_page(path: Path, page: _PageLayout) -> list[dict[str, Any]]:
    """A PDF page without a text layer, read by OCR at 300 DPI (its boxes at 150 DPI, as
    every page's: see :data:`OCR_SHRINK`); a picture without text stays one figure."""
    import pypdfium2

    pixels = page.width * page.height * (SCALE * OCR_SHRINK) ** 2
    shrink = OCR_SHRINK if pixels <= OCR_MAX_PIXELS else 1.0  # a poster: at 150 DPI
    document = pypdfium2.PdfDocument(path)
    try:
        image = document[page.number].render(scale=SCALE * shrink).to_pil()
    finally:
        document.close()
    blocks = ocr_blocks(image, shrink)
    if blocks:
        logger.info("Page %d of %s has no text layer; read by OCR.", page.number + 1, path.name)
        return blocks
    blocks = [make_block(0, "figure", (0, 0, page.width, page.height), "")]
    box = ",".join(str(v) for v in blocks[0]["bbox"])
    blocks[0]["img_url"] = f"{IMAGE_URL_PREFIX}img/{page.number}/{box}.png"
    return blocks


def render_crop(path: Path, page: int, bbox: tuple[int, int, int, int]) -> bytes:
    """PNG of ``bbox`` (pixels at 150 DPI) on ``page`` of a PDF."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        whole = document[page].render(scale=SCALE).to_pil()
        x0, top, x1, bottom = (int(v) for v in clamp(bbox, (0, 0, *whole.size)))
        image = whole.crop((x0, top, max(x1, x0 + 1), max(bottom, top + 1)))  # never empty
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
