"""Splitting Word files over SoMark's page limit, at headings or section breaks.

A ``.docx`` is a zip whose ``word/document.xml`` holds the body as a flat run of
paragraphs and tables. A part is a range of them: the part's file is the original zip
with only that range in the body (and the document's last section properties, so page
size and margins stay), every other member copied as it is (styles, numbering, images,
headers and footers keep working). Cuts go where a heading starts (level 1 before 2
before 3) or a section ends, as near as possible to equal shares of the estimated pages;
a paragraph boundary when no heading is near.

Only the standard library is used: the XML is scanned for the body's top-level elements,
never rewritten, so namespaces and markup-compatibility attributes stay exactly as Word
wrote them.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .._errors import InvalidFileError

__all__ = ["Block", "body_blocks", "plan_word_parts", "read_word_part", "split_word_span"]

DOCUMENT = "word/document.xml"
# Characters of body text on a dense page (as the page count estimate of pdfs.py).
CHARS_PER_PAGE = 3000
# A part is planned at this share of the page limit: page counts of Word files are
# estimates, and the service counts its own way.
MARGIN = 0.8

_TAG = re.compile(
    rb"<(/?)([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)(?:\s(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)?\s*(/?)>"
)
_SKIP = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>", re.S)
_TEXT = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_HEADING_STYLE = re.compile(rb'<w:pStyle w:val="(?:[Hh]eading|berschrift|Titre|T\w*tulo)\s?(\d)"')
_TITLE_STYLE = re.compile(rb'<w:pStyle w:val="(?:Title|Titel)"')
_OUTLINE = re.compile(rb'<w:outlineLvl w:val="(\d)"')


@dataclass(frozen=True)
class Block:
    """One top-level element of the body: bytes ``start``..``end`` of document.xml."""

    start: int
    end: int
    tag: bytes
    weight: float  # estimated pages
    heading: int | None  # 1 = a top-level heading; None = not a heading
    section_end: bool  # the paragraph ends a section


def _read(source: Path | bytes, name: str) -> tuple[zipfile.ZipFile, bytes]:
    try:
        archive = zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))
        return archive, archive.read(DOCUMENT)
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise InvalidFileError(
            f"{name} is not a readable Word file ({type(err).__name__}: {err}); it cannot be "
            "split. Open and save it again in Word, or convert it to PDF."
        ) from None


def body_blocks(xml: bytes) -> tuple[int, int, list[Block]]:
    """(where the body's content starts, where it ends, its top-level elements)."""
    opened = re.search(rb"<w:body\b[^>]*>", xml)
    closing = xml.rfind(b"</w:body>")
    if opened is None or closing < 0:
        raise ValueError("no <w:body> in word/document.xml")
    begin, stop = opened.end(), closing
    blocks: list[Block] = []
    depth, start, tag = 0, begin, b""
    position = begin
    while position < stop:
        skipped = _SKIP.match(xml, position)
        if skipped:
            position = skipped.end()
            continue
        found = _TAG.search(xml, position, stop)
        if found is None:
            break
        closing_tag, name, empty = found.group(1), found.group(2), found.group(3)
        if depth == 0 and not closing_tag:
            start, tag = found.start(), name
        if closing_tag:
            depth -= 1
        elif not empty:
            depth += 1
        if depth == 0 and (closing_tag or empty):
            blocks.append(_block(xml, start, found.end(), tag))
        position = found.end()
    return begin, stop, blocks


def _block(xml: bytes, start: int, end: int, tag: bytes) -> Block:
    part = xml[start:end]
    chars = sum(len(t) for t in _TEXT.findall(part))
    breaks = part.count(b'w:type="page"') + part.count(b"<w:drawing") * 0.3
    weight = chars / CHARS_PER_PAGE + breaks
    heading: int | None = None
    if tag == b"w:p":
        style = _HEADING_STYLE.search(part)
        outline = _OUTLINE.search(part)
        if _TITLE_STYLE.search(part):
            heading = 1
        elif style:
            heading = max(int(style.group(1)), 1)
        elif outline:
            heading = int(outline.group(1)) + 1
    return Block(start, end, tag, weight, heading, b"<w:sectPr" in part and tag == b"w:p")


def _flow(source: Path | bytes, name: str) -> list[Block]:
    """The body elements a part is cut from (the final section properties left out)."""
    archive, xml = _read(source, name)
    archive.close()
    try:
        _, _, blocks = body_blocks(xml)
    except ValueError as err:
        raise InvalidFileError(f"{name}: {err}; it cannot be split.") from None
    return [b for b in blocks if b.tag != b"w:sectPr"]


def plan_word_parts(
    source: Path | bytes, name: str, pages: int, max_pages: int
) -> list[tuple[int, int]]:
    """Ranges of body elements (start, end excluded) whose estimated pages stay under
    ``max_pages`` (with a margin), cut at headings or section ends where possible."""
    flow = _flow(source, name)
    if not flow:
        return [(0, 0)]
    count = max(math.ceil(pages / (max_pages * MARGIN)), 2)
    return _cut(flow, 0, len(flow), count)


def split_word_span(
    source: Path | bytes, name: str, span: tuple[int, int] | None, count: int = 2
) -> list[tuple[int, int]]:
    """``span`` (``None``: the whole body) cut into ``count`` ranges of about equal
    estimated pages, at headings or section ends where possible: for a part the service
    counted over its limit. One range when the span holds a single element."""
    flow = _flow(source, name)
    start, end = span if span is not None else (0, len(flow))
    return _cut(flow, start, min(end, len(flow)), count)


def _cut(flow: list[Block], start: int, end: int, count: int) -> list[tuple[int, int]]:
    """Elements ``start``..``end`` of ``flow`` in at most ``count`` ranges."""
    chosen = flow[start:end]
    count = min(count, len(chosen))
    if count < 2:
        return [(start, end)]
    weights = [b.weight for b in chosen]
    if not sum(weights):  # no text at all: cut by element count
        weights = [1.0] * len(chosen)
    total = sum(weights)
    running, cumulative = 0.0, []
    for w in weights:
        cumulative.append(running)
        running += w
    share = total / count
    cuts: list[int] = []
    for k in range(1, count):
        target = k * share
        window = [
            i
            for i in range(1, len(chosen))
            if abs(cumulative[i] - target) <= 0.25 * share and (not cuts or i > cuts[-1])
        ]
        if not window:
            window = [i for i in range(1, len(chosen)) if not cuts or i > cuts[-1]]
        if not window:
            break
        cuts.append(min(window, key=partial(_cost, chosen, cumulative, target=target)))
    bounds = [start, *(start + c for c in cuts), end]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _cost(
    flow: list[Block], cumulative: list[float], i: int, *, target: float
) -> tuple[int, float]:
    """Where cutting before element ``i`` ranks: a heading (by level), then a section's
    end, then any paragraph; nearer the target first."""
    block, before = flow[i], flow[i - 1]
    rank = block.heading if block.heading is not None else (4 if before.section_end else 9)
    return (rank, abs(cumulative[i] - target))


def read_word_part(source: Path | bytes, name: str, span: tuple[int, int]) -> bytes:
    """The bytes of a ``.docx`` whose body holds only the elements in ``span`` (its last
    section properties kept); its metadata's page count is the part's estimate."""
    archive, xml = _read(source, name)
    with archive:
        begin, stop, blocks = body_blocks(xml)
        flow = [b for b in blocks if b.tag != b"w:sectPr"]
        final = [b for b in blocks if b.tag == b"w:sectPr"]
        chosen = flow[span[0] : span[1]]
        pages = max(1, math.ceil(sum(b.weight for b in chosen)))
        body = b"".join(xml[b.start : b.end] for b in chosen)
        body += b"".join(xml[b.start : b.end] for b in final)
        document = xml[:begin] + body + xml[stop:]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for item in archive.infolist():
                data = document if item.filename == DOCUMENT else archive.read(item.filename)
                if item.filename == "docProps/app.xml":
                    data = re.sub(rb"<Pages>\d+</Pages>", b"<Pages>%d</Pages>" % pages, data)
                out.writestr(item, data)
    return buffer.getvalue()
