"""A PDF's running heads and feet: lines repeated at the top or bottom of its pages.

A paragraph in the header or footer band (:func:`.pdf_notes.band`: the top 8%, 12% when
nothing is above it, the bottom 8%) whose text, digits masked, comes back on a good share
of the pages, or on pages next to each other, is furniture; so is a page number there.

Documents set their running lines deeper too: a report's footer at 89% of the page
(``Copyright Office Summary December 1998 Page 3``), a guideline's large running title
under a printed-by line. Kept as body text, such a footer was glued into the sentence
running over the page break, and such a title reset the heading path on every page. In
the wider margins (the top and bottom 15%), a paragraph is furniture when its text comes
back at the same height (within 1% of the page) on three pages or more, and on a third of
the pages or five (a title repeated on three slides in a row is no running line), with nothing
but running lines between it and the page's edge and body text past it: body text does not
repeat itself in place, a table's headnote repeated under each page's table title is no
running line, nor is the one line of pages that have nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING

from .pdf_notes import PageLayout as _PageLayout
from .pdf_notes import band

if TYPE_CHECKING:
    from .pdf_lines import Line

__all__ = ["Furniture"]

_DIGITS = re.compile(r"\d+")
MARGIN = 0.15  # of the page's height: the wider top and bottom margins
SAME_HEIGHT = 0.01  # of the page's height: a running line's place from page to page
WIDE_REPEATS = 3  # pages a running line of the wider margins is on, at least
WIDE_RUN = 5  # ... and on a third of the pages or this many (a slide title on three
# slides in a row is a heading)


def _margin(para: Sequence[Line], page: _PageLayout) -> str | None:
    if max(x.bottom for x in para) < page.height * MARGIN:
        return "header"
    if min(x.top for x in para) > page.height * (1 - MARGIN):
        return "footer"
    return None


def _key(para: Sequence[Line]) -> str:
    return _DIGITS.sub("#", " ".join(x.text for x in para))


class Furniture:
    """The running lines of one document's pages (built once over all of them)."""

    def __init__(self, layout: Sequence[_PageLayout]) -> None:
        seen: dict[tuple[str, str], list[tuple[int, float, bool]]] = {}
        for page in layout:
            for para in page.paras or ():
                where = band(para, page)
                wide = where or _margin(para, page)
                if wide:
                    top = min(x.top for x in para) / page.height
                    seen.setdefault((wide, _key(para)), []).append((page.number, top, bool(where)))
        pages = max(len(layout), 1)
        self._running = {key for key, found in seen.items() if self._repeats(found, pages)}

    @staticmethod
    def _repeats(found: list[tuple[int, float, bool]], pages: int) -> bool:
        """Whether a line found at ``(page number, top, in the band)`` is a running one."""

        def often(numbers: list[int]) -> bool:
            # on a good share of the pages, or (a running head that changes with the
            # chapter) on pages next to each other or every other page (left and right
            # pages): never a chapter's own heading, which starts one page in many
            # ("Chapter 3" and "Chapter 4" mask to the same text)
            return len(numbers) >= 2 and (
                len(numbers) >= 0.3 * pages or any(0 < b - a <= 2 for a, b in pairwise(numbers))
            )

        if often([number for number, _, in_band in found if in_band]):
            return True
        if not often([number for number, _, _ in found]):
            return False
        middle = median(top for _, top, _ in found)
        in_place = [number for number, top, _ in found if abs(top - middle) <= SAME_HEIGHT]
        placed = len(set(in_place))  # pages
        return (
            len(in_place) >= 0.8 * len(found)
            and placed >= WIDE_REPEATS
            and (placed >= 0.3 * pages or placed >= WIDE_RUN)
        )

    def of(self, para: list[Line], page: _PageLayout, text: str) -> str | None:
        """``"header"`` or ``"footer"`` when ``para`` (whose text is ``text``) is a running
        line of its page, else ``None``."""
        where = band(para, page)
        if where and text.isdigit():
            return where  # a page number
        if where:
            return where if (where, _key(para)) in self._running else None
        wide = _margin(para, page)
        if (
            wide
            and (wide, _key(para)) in self._running
            and self._outermost(para, page, wide)
            and self._body_beyond(para, page, wide)
        ):
            return wide
        return None

    def _body_beyond(self, para: list[Line], page: _PageLayout, wide: str) -> bool:
        """Whether body text or a table lies past ``para`` (below a header, above a
        footer): a page whose one line comes back on every page (a title, a slide's
        caption) is body."""
        top, bottom = min(x.top for x in para), max(x.bottom for x in para)
        for other in page.paras or ():
            past = (
                min(x.top for x in other) >= bottom
                if wide == "header"
                else max(x.bottom for x in other) <= top
            )
            if past and other is not para and not self._running_line(other, page):
                return True
        return any(
            (t.box[1] >= bottom if wide == "header" else t.box[3] <= top) for t in page.tables
        )

    def _running_line(self, para: list[Line], page: _PageLayout) -> bool:
        where = band(para, page) or _margin(para, page)
        return where is not None and (where, _key(para)) in self._running

    def _outermost(self, para: list[Line], page: _PageLayout, wide: str) -> bool:
        """Whether only running lines lie between ``para`` and the page's top (a header)
        or bottom (a footer): a table's headnote under its title, repeated in place on
        every page of a table, is no running line."""
        top, bottom = min(x.top for x in para), max(x.bottom for x in para)
        for other in page.paras or ():
            if other is para:
                continue
            beyond = (
                max(x.bottom for x in other) <= top
                if wide == "header"
                else min(x.top for x in other) >= bottom
            )
            if beyond and not self._running_line(other, page):
                return False
        return True
