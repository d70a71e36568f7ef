"""Running headers and footers of a Word file, kept when the service is asked to
(``keep_header_footer``): a ``header`` block at the top of each page and a ``footer``
block at its foot, as the service returns the running lines of a PDF page. Without the
feature they are left out, as the service leaves them out.

Word stores a section's header once: its page number is a field (``PAGE``, and
``NUMPAGES`` for the count) whose stored result is the number Word last drew. Each page
here shows its own number. The first page takes the first-page header and footer when
the section has them (``Different first page``), even pages the even-page ones when the
document has them (``Different odd and even pages``). The first section's header and
footer serve the whole document.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ._blocks import pixel_block
from .office import LINE, MARGIN

__all__ = ["with_running_lines"]

logger = logging.getLogger("somark_loaders.emulator")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PAGE, _PAGES = "\x00PAGE\x00", "\x00NUMPAGES\x00"  # where a page number goes
_SKIPPED = frozenset({f"{_W}rPr", f"{_W}pPr", f"{_W}instrText", f"{_W}del"})


def _field(instruction: str) -> str | None:
    words = instruction.split()
    name = words[0].upper() if words else ""
    return {"PAGE": _PAGE, "NUMPAGES": _PAGES, "SECTIONPAGES": _PAGES}.get(name)


def _text(element: Any) -> str:
    """The text of a header's paragraph, its page-number fields as placeholders."""
    out: list[str] = []
    state = {"instruction": "", "in_result": False, "number": None}

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if tag == f"{_W}fldSimple":
                number = _field(child.get(f"{_W}instr") or "")
                if number is not None:
                    out.append(number)
                else:
                    walk(child)
            elif tag == f"{_W}fldChar":
                kind = child.get(f"{_W}fldCharType")
                if kind == "begin":
                    state.update(instruction="", in_result=False, number=None)
                elif kind == "separate":
                    state["number"] = _field(str(state["instruction"]))
                    state["in_result"] = True
                    if state["number"] is not None:
                        out.append(str(state["number"]))
                elif kind == "end":
                    state.update(in_result=False, number=None)
            elif tag == f"{_W}instrText":
                state["instruction"] = f"{state['instruction']}{child.text or ''}"
            elif tag in _SKIPPED:
                continue
            elif tag == f"{_W}t":
                if not (state["in_result"] and state["number"] is not None):
                    out.append(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                out.append(" ")
            else:
                walk(child)

    walk(element)
    return " ".join("".join(out).split())


def _lines(part: Any) -> str:
    """A header or footer part's text: its paragraphs and table cells a line each."""
    if part is None or part.is_linked_to_previous:
        return ""
    texts = [_text(p) for p in part._element.iter(f"{_W}p")]
    return "\n".join(t for t in texts if t)


def with_running_lines(path: Path, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``pages`` (of the Word file at ``path``) with its running header and footer on
    each page; unchanged, with a warning, when they cannot be read (the document's own
    text is read already: a damaged header part must not fail it)."""
    try:
        first, odd, even = _running(path)
    except Exception as err:  # python-docx and lxml raise many types on damaged parts
        logger.warning(
            "%s: headers and footers not read (%s: %s).", path.name, type(err).__name__, err
        )
        return pages
    total = str(len(pages))
    for number, page in enumerate(pages):
        top, foot = first if number == 0 else even if number % 2 else odd
        width, height = page["page_size"]["w"], page["page_size"]["h"]
        blocks = list(page["blocks"])
        if top:
            box = [MARGIN, MARGIN // 3, width - MARGIN, MARGIN // 3 + LINE * _count(top)]
            blocks.insert(0, pixel_block(0, "header", box, _numbered(top, number, total)))
        if foot:
            bottom = height - MARGIN // 6
            box = [MARGIN, bottom - LINE * _count(foot), width - MARGIN, bottom]
            blocks.append(pixel_block(0, "footer", box, _numbered(foot, number, total)))
        page["blocks"] = [{**block, "idx": idx} for idx, block in enumerate(blocks)]
    return pages


Running = tuple[str, str]  # a header's and a footer's text


def _running(path: Path) -> tuple[Running, Running, Running]:
    """The first page's, odd pages' and even pages' header and footer texts."""
    import docx

    with path.open("rb") as handle:
        document = docx.Document(handle)
    if not document.sections:
        return ("", ""), ("", ""), ("", "")
    section = document.sections[0]
    odd = (_lines(section.header), _lines(section.footer))
    first = odd
    if section.different_first_page_header_footer:
        first = (_lines(section.first_page_header), _lines(section.first_page_footer))
    even = odd
    if document.settings.odd_and_even_pages_header_footer:
        even = (_lines(section.even_page_header), _lines(section.even_page_footer))
    return first, odd, even


def _count(text: str) -> int:
    return text.count("\n") + 1


def _numbered(text: str, number: int, total: str) -> str:
    return text.replace(_PAGE, str(number + 1)).replace(_PAGES, total)
