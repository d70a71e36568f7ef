"""A paragraph that runs on over a page break, and what may stand between its parts.

The text that ends one page and the text that starts the next are one paragraph when the
first stops inside a sentence (it ends in a letter, a digit, a comma or a dash, not in a
full stop, a colon or a closing bracket or quote) and the second goes on (it starts with
a lower-case letter or CJK text). The service says so with ``merge_content_from_pre_page``
(``enable_text_cross_page``); without the flag this is the loader's own reading, as for
tables. Between the two parts may stand only what is outside the text flow: running heads
and feet, footnotes, margin notes, and floats (tables, figures and their captions, with the
text printed inside a float's box and the short note printed right under it: "ns
indicates that no solution was found"). A layout sets floats at the top or the foot of a
page, wherever the sentence is, so a page often ends with a figure or a table and the
next one starts with the rest of the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import ElementType
from ._boxes import Box

if TYPE_CHECKING:
    from ._element import Element

__all__ = [
    "column_before",
    "goes_on",
    "in_ranges",
    "is_float",
    "paragraph_before",
    "stops_mid_sentence",
    "with_float",
]

FURNITURE = frozenset({ElementType.HEADER, ElementType.FOOTER, ElementType.BLANK})
# Page-bottom and margin elements that sit between a paragraph and its continuation.
OUT_OF_FLOW = FURNITURE | {ElementType.FOOTNOTE, ElementType.SIDEBAR}
# The kinds :attr:`ElementType.is_caption` and tables with :attr:`~ElementType.is_image_like`
# (what a caption goes with) name, as sets: asked of every block, a look-up costs less.
CAPTIONS = frozenset(t for t in ElementType if t.is_caption)
CAPTIONED = frozenset(t for t in ElementType if t is ElementType.TABLE or t.is_image_like)
_FLOATS = CAPTIONS | CAPTIONED
_SENTENCE_END = re.compile(r"[.!?。！？:：;；…\"”’)）]\s*$")
# CJK punctuation, kana, ideographs, Hangul and full-width forms, as code points (see
# in_ranges)
_CJK = ((0x3000, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))
# A column's text may reach this far (a page's width) into the next column's left edge.
_OVERLAP = 0.01
# A note under a float starts this close below it and is at most this tall (page heights).
_NOTE_GAP, _NOTE_HEIGHT = 0.02, 0.1


def stops_mid_sentence(text: str) -> bool:
    """A paragraph (not a formula's fragment or a label) whose last word ends no sentence."""
    end = text.rstrip()[-1:]
    return len(text) >= 40 and (end.isalnum() or end in ",-–") and not _SENTENCE_END.search(text)


def in_ranges(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether ``char`` (one character, or none) has a code point in one of ``ranges``
    (inclusive): what a regular expression's character class of those ranges matches,
    without compiling one (a class of large ranges takes milliseconds to compile)."""
    if not char:
        return False
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def goes_on(text: str) -> bool:
    """Text that starts inside a sentence: a lower-case word or CJK text."""
    start = text.lstrip()[:1]
    return start.islower() or in_ranges(start, _CJK)


def is_float(element: Element) -> bool:
    """A table, a picture or a caption: set where the layout has room, not in the text."""
    return element.kind in _FLOATS


def _float_boxes(floats: Sequence[Element], page: int) -> list[Box]:
    return [box for f in floats for box in f.boxes if box[0] == page]


def with_float(element: Element, floats: Sequence[Element]) -> bool:
    """Text that belongs to one of ``floats`` on its page: printed inside its box (a chart's
    labels, a header cell read apart), or a short note right under it."""
    if element.kind is not ElementType.TEXT or len(element.boxes) != 1:
        return False
    page, x0, y0, x1, y1 = element.boxes[0]
    for _page, fx0, fy0, fx1, fy1 in _float_boxes(floats, page):
        width = min(x1, fx1) - max(x0, fx0)
        if width <= 0:
            continue
        height = min(y1, fy1) - max(y0, fy0)
        if height > 0 and width * height >= 0.5 * (x1 - x0) * (y1 - y0):
            return True  # inside it
        if 0 <= y0 - fy1 <= _NOTE_GAP and y1 - y0 <= _NOTE_HEIGHT:
            return True  # right under it
    return False


def paragraph_before(
    out: Sequence[Element], page: int, marks: Sequence[Element] = ()
) -> Element | None:
    """The paragraph that ends the text of page ``page`` (0-based) in ``out``: the last
    element on it that is neither out of the flow, nor a float, nor text of a float (of
    the floats in ``out`` or of ``marks``, where floats without text stand); ``None`` when
    that is not a paragraph (a title, an equation, a list) or the page has none."""
    start = len(out)
    while start and out[start - 1].page_end >= page:
        start -= 1
    on_page = out[start:]
    floats = [e for e in on_page if is_float(e)] + [m for m in marks if m.page_end == page]
    for element in reversed(on_page):
        if element.page_end != page:
            continue
        if element.kind in OUT_OF_FLOW or is_float(element) or with_float(element, floats):
            continue
        return element if element.kind is ElementType.TEXT else None
    return None


def column_before(
    out: Sequence[Element], current: Element, floats: Sequence[Element]
) -> Element | None:
    """The paragraph ``current`` goes on from over a column break of its page, if any.

    On a page set in columns a sentence runs from the foot of one column to the head of
    the next (``arti-`` / ``cles and adjust``): the service returns two text blocks, and a
    chunk cut between them, or a search for ``articles``, loses the sentence. ``current``
    goes on from the last paragraph of the flow before it on its page (floats, their text
    and what is out of the flow passed over) when that one stops mid-sentence, ``current``
    goes on, and ``current`` starts in another column: to the right of the paragraph's
    last part and higher up than its foot."""
    if current.kind is not ElementType.TEXT or len(current.boxes) != 1 or not goes_on(current.text):
        return None
    page, x0, y0, _x1, _y1 = current.boxes[0]
    for element in reversed(out):
        if element.page_end != current.page_start:
            return None
        if element.kind in OUT_OF_FLOW or is_float(element) or with_float(element, floats):
            continue
        last = element.continued[-1] if element.continued else element
        if (
            element.kind is not ElementType.TEXT
            or not last.boxes
            or not stops_mid_sentence(last.text)
        ):
            return None
        at, _px0, _py0, px1, py1 = last.boxes[-1]
        return element if at == page and x0 >= px1 - _OVERLAP and y0 < py1 else None
    return None
