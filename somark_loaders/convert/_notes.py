"""A table's headnote and notes (chunk mode): the short text printed between a table's
caption and the table ("[In thousands. Based on ...]"), and the notes printed right under
it ("1 Except ...", "Source: ...", "Note: ..."), belong to the table's chunk.

Statistical tables print them this way; read as paragraphs, the headnote would join the
notes of the table above it and the notes would open a chunk of their own, apart from
the caption that names the table they explain, so a question that names the table would
not find them. Both are found by position, never by document:

- a headnote is a text element directly before the table in reading order, on the
  table's first page, below one of the table's caption blocks and above the table;
- notes are a text element directly after the table, on the table's last page, below it,
  that opens the way notes do (a note or source label, a footnote mark, "– Represents").

A headnote joins the table only when it is short (a quarter of the chunk at most) and
the table's first part still fits in the chunk. Notes that short close the table's last
part when it has room; notes that open with a label, up to a chunk (a statistical
table's notes, sources and "— Not available" legend run to a few hundred tokens), or
notes that do not fit there, make a chunk of their own that opens with the caption
naming the table.
"""

from __future__ import annotations

import re

from ..models import ElementType
from ._element import Element

__all__ = ["is_headnote", "is_table_notes"]

_NOTE_LABEL = re.compile(
    r"""^\s*(?:
        (?:notes?|sources?|footnotes?|remarks?)\s*[:.]   # Note: / Source.
      | [-–—]\s*(?:represents|not\s+(?:available|applicable))\b  # – Represents zero
      | (?:注|资料来源|数据来源|说明)\s*[:：]
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_NOTE_MARK = re.compile(
    r"""^\s*(?:
        (?:[*†‡§¶]|\(?[a-zA-Z1-9]\)|[¹²³⁴⁵⁶⁷⁸⁹])\s*\S      # * a) A) (1) ¹ marks
      | [1-9]\s+[A-Z]                                    # 1 Except ... (not "3 of")
    )""",
    re.VERBOSE,
)
_TEXT = frozenset({ElementType.TEXT, ElementType.FOOTNOTE})
_SLACK = 0.01  # of the page height: boxes read from a raster overlap by a line or so


def is_headnote(text: Element, table: Element, limit: int, tokens: int) -> bool:
    """``text``, just before ``table`` in reading order, is its headnote."""
    if text.kind not in _TEXT or not table.caption or tokens > limit:
        return False
    page = table.page_start + 1  # boxes count pages from 1
    if text.page_end != table.page_start or text.top is None or table.top is None:
        return False
    own = (table.table_boxes or {}).get(page)
    captions = [b for b in table.boxes if b[0] == page and (own is None or b != own[0])]
    return any(b[4] <= text.top + _SLACK for b in captions) and (
        text.bottom is None or text.bottom <= table.top + _SLACK
    )


def is_table_notes(text: Element, table: Element, limit: int, tokens: int) -> bool:
    """``text``, just after ``table`` in reading order, is its notes: up to ``limit``
    tokens when it opens with a label (``Note:``, ``Source:``, ``— Not available``), up
    to a quarter of that when it opens with a mark only (``1 Except``, ``a)``, ``*``),
    which a numbered paragraph of body text can open with too."""
    if text.kind not in _TEXT or tokens > limit or text.page_start != table.page_end:
        return False
    if text.top is not None and table.bottom is not None and text.top < table.bottom - _SLACK:
        return False
    labelled = _NOTE_LABEL.match(text.text)
    return bool(labelled or (tokens <= limit // 4 and _NOTE_MARK.match(text.text)))
