"""Where a PDF page's furniture and notes are: the header and footer bands, footnotes
in small type at the foot of a column, and numbered section headings set in the body's
size but another face."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ._text import is_cjk, join_lines

if TYPE_CHECKING:
    from .pdf_lines import Line as _Line


class PageLayout(Protocol):
    """A page of the PDF engine (``pdf._PageLayout``): its number, height, paragraphs and
    tables."""

    @property
    def number(self) -> int: ...
    @property
    def height(self) -> float: ...
    @property
    def paras(self) -> Sequence[list[_Line]] | None: ...
    @property
    def tables(self) -> Sequence[Any]: ...  # found tables, each with its ``box``


_PageLayout = PageLayout


def band(para: list[_Line], page: _PageLayout) -> str | None:
    top, bottom = min(x.top for x in para), max(x.bottom for x in para)
    if bottom < page.height * 0.08:
        return "header"
    if bottom < page.height * 0.12 and not any(  # a head in a journal's wide top margin
        max(x.bottom for x in other) <= top for other in page.paras or () if other is not para
    ):
        return "header"
    if top > page.height * 0.92:
        return "footer"
    return None


# "1 Includes ...", "* p < 0.05", "² See ...", "(3) ...", "NOTE: ...", "注：...".
NOTE_MARK = re.compile(
    r"^\s*(\d{1,2}\s|[—–]\s|[*†‡§¶]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\(\d{1,2}\)|\[\d{1,2}\]|"
    r"(NOTE|Note|SOURCE|Source|Notes)\s*:|注\s*[:：\d]|资料来源)"
)


def footnotes(page: _PageLayout, main_type: float) -> set[int]:
    """Paragraphs in the lower half of the page in smaller type that start with a note
    mark, with nothing in body type below them in their column (a page's second column,
    or an imprint line in small type below, does not hide them): ids of the paragraphs."""
    paras = page.paras or []

    def small(para: list[_Line]) -> bool:
        return max(x.size for x in para) <= main_type - 0.5

    found: set[int] = set()
    for para in paras:
        top = para[0].top
        x0, x1 = min(x.x0 for x in para), max(x.x1 for x in para)
        text = join_lines([x.text for x in para])
        if not (small(para) and top > 0.5 * page.height and NOTE_MARK.match(text)):
            continue
        if sum(c.isalpha() for c in text) < 8:  # labels of a figure, not a note
            continue
        if band(para, page) == "footer":
            continue
        below = [
            other
            for other in paras
            if other[0].top > top
            and min(x.x0 for x in other) < x1
            and max(x.x1 for x in other) > x0
            and band(other, page) != "footer"
        ]
        if all(small(other) for other in below):
            found.add(id(para))
    return found


# "1. Introduction", "2.1. Characterisation of ...", "3.2 Training" (not a year, not 206 ...)
SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z][^\W\d_]+\b")


def section_heading(
    para: list[_Line],
    body: float,
    body_font: str,
    faces: frozenset[tuple[str, float]] = frozenset(),
) -> bool:
    """A numbered section heading in the body's size but another face (bold, italic or
    small capitals, told by the font: many papers name their fonts by number only), or an
    unnumbered one ("Acknowledgements", "References") in the face of the document's
    numbered top-level headings (``faces``, from :func:`section_faces`)."""
    line = para[0]
    text = line.text
    if len(para) == 1 and (line.font, round(line.size, 1)) in faces and _NAMED.match(text):
        return True
    return (
        len(para) == 1
        and SECTION_NUMBER.match(text) is not None
        and abs(line.size - body) < 0.8
        and (line.font != body_font or line.bold)
        and len(text) <= 80
        and sum(c.isalpha() for c in text) >= 0.7 * len(text.replace(" ", ""))  # no formula
        and not text.rstrip().endswith((".", ",", ";", ":"))
        and not NOT_A_TITLE.search(text)
    )


# An unnumbered heading: one to four capitalised words ("Acknowledgements", "Appendix A",
# "Conflict of interest"), nothing else on its line.
_NAMED = re.compile(r"^[A-Z][^\W\d_]+(?: (?:[^\W\d_]+|[A-Z0-9]))?(?: [^\W\d_]+){0,2}$")


def section_faces(
    paras: list[list[_Line]], body: float, body_font: str
) -> frozenset[tuple[str, float]]:
    """(font, size) of the numbered top-level section headings ("2. Methods", not
    "2.1. ..."), when at least two share them."""
    found: dict[tuple[str, float], int] = {}
    for para in paras:
        number = SECTION_NUMBER.match(para[0].text)
        if number and "." not in number.group(1) and section_heading(para, body, body_font):
            face = (para[0].font, round(para[0].size, 1))
            found[face] = found.get(face, 0) + 1
    return frozenset(face for face, count in found.items() if count >= 2)


# Marks no title has: affiliation marks, an e-mail, a line that starts mid-sentence, or a
# list item's bullet (``• ...``; ``!`` is a bullet whose font has no Unicode map; not ``*``,
# a form's mark of a required field).
NOT_A_TITLE = re.compile(r"[∗†‡@§¶]|^[,;.)\]]|^[•●○◦▪▫■□►▸▶➢➤✓✔❖◆◇·!–—-]\s")
_WORD = re.compile(r"[^\W\d_]{2,}|\b[A-Z]{1,2}[&/][A-Z]{1,2}\b")  # or Q&A, R&D, I/O
# A sentence that ends inside the line, after a word of four letters or more: a run-in
# heading with the start of its paragraph ("Tax benefits extended. The following"), never
# a title ("U.S. Copyright Office", "Section 3. Results", "Appendix A. Tables" are).
_RUN_IN = re.compile(r"[^\W\d_]{4,}\.\s+\S")


def has_word(text: str) -> bool:
    """Whether ``text`` has a word of two letters or more, or CJK text, and no sentence
    ending inside it: a form's line number (``7a``, ``16b``), a box's letter (``A``) or a
    column's (``a b``) is no title, nor is a run-in heading with its paragraph's start."""
    return (bool(_WORD.search(text)) or is_cjk(text)) and not _run_in(text)


_SENTENCE_END_WORD = re.compile(r"(?:[^\W\d_]{3,}|\d+|\))[.?]$")


def _run_in(text: str) -> bool:
    """A sentence that ends inside the line: after a word of four letters or more, or
    after the third word or later ("Lines 87 through 89. Complete", "Line 7c, column (2).
    You must", "Were you single or married? If you"), never after a heading's number
    ("Section 3. Results", "Appendix A. Tables") or an initial ("U.S. Copyright")."""
    if _RUN_IN.search(text):
        return True
    words = text.split()
    return any(_SENTENCE_END_WORD.search(w) for w in words[2:-1])
