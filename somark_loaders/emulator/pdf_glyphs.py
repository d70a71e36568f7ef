"""Characters whose font gives pdfminer no Unicode, read as PDFium reads them.

A font without a ``/ToUnicode`` map is read by its encoding. pdfminer knows the PDF's
named encodings, but not the encoding built into the font program itself, which TeX's
math fonts (CMMI, CMSY...) and many subset fonts rely on: it gives ``(cid:0)`` for a
minus sign, ``;`` for CMMI's comma, and a whole passage of ``(cid:3)(cid:4)...`` for a
CID font without a map. The service reads the page as it is drawn; so does PDFium, which
reads the font program. Before a page's words and tables are read, each such character
takes PDFium's reading, paired with it by the order both give (the content stream's).

Characters PDFium cannot read either are left out of the text (``(cid:7)`` is no word);
a page a third of whose text is such is read as a picture of text (OCR), as the service
would.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["PASSAGE", "GlyphReader", "readable", "rebox_hanging", "restore_glyphs"]

# a page with at least this many characters nobody can read, and this share of its
# characters, is read by OCR (its text in a font without a map); fewer are left out (a
# math symbol here and there, a sidebar: the rest of the page keeps its exact text)
PASSAGE = (20, 1 / 3)
_NOT_TEXT = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# of its size: a glyph whose box's top is less than this above its baseline hangs below
# its line (TeX's CMSY: the box of ``∈`` from its baseline down by the font's size)
HANGING = 0.25
ON_BASELINE = 0.05  # of its size: a glyph this near another's baseline is on its line
NEXT_GAP = 0.6  # of its size: the widest gap between a glyph and the next on its line
_CELL = 24.0  # points: the width of a cell of a line's glyphs, looked up by place


class GlyphReader:
    """PDFium's characters of one PDF's pages, the document opened on first need."""

    def __init__(self, path: Any) -> None:
        self._path = path
        self._document: Any = None

    def __enter__(self) -> GlyphReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None

    def chars(self, number: int) -> list[str]:
        """The text of each character PDFium draws on page ``number`` (0-based), in the
        content stream's order, without the spaces and line ends it adds itself."""
        import pypdfium2
        import pypdfium2.raw as pdfium_c

        if self._document is None:
            self._document = pypdfium2.PdfDocument(self._path)
        page = self._document[number]
        textpage = page.get_textpage()
        try:
            handle = textpage.raw
            found = []
            for index in range(textpage.count_chars()):
                if pdfium_c.FPDFText_IsGenerated(handle, index) == 1:
                    continue
                code = pdfium_c.FPDFText_GetUnicode(handle, index)
                found.append(chr(code) if 0 < code < 0x110000 else "")
            return found
        finally:
            textpage.close()
            page.close()


def readable(text: str) -> bool:
    return bool(text) and all(
        unicodedata.category(c) not in _NOT_TEXT and c not in "\ufffd\ufffe " for c in text
    )


def _unmapped(char: dict[str, Any]) -> bool:
    return str(char["text"]).startswith("(cid:")


def _builtin_fonts(page: Any) -> set[str]:
    """Names of the page's fonts read by the encoding inside their program: embedded,
    no ``/ToUnicode``, no ``/Encoding`` of the PDF's own."""
    from pdfminer.pdftypes import resolve1

    found: set[str] = set()
    try:
        fonts = resolve1(page.page_obj.resources.get("Font")) or {}
        for ref in fonts.values():
            font = resolve1(ref)
            if not isinstance(font, dict) or "ToUnicode" in font or "Encoding" in font:
                continue
            descriptor = resolve1(font.get("FontDescriptor")) or {}
            embedded = any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
            name = resolve1(font.get("BaseFont"))
            if embedded and name is not None:
                found.add(getattr(name, "name", str(name)))
    except Exception:  # a damaged resource dictionary: pdfminer's reading stands
        return set()
    return found


_ANCHOR = 3  # characters alike on both sides after a difference: the readings agree again
_DRIFT = 4  # characters one side may have more than the other within a difference
_RESYNC = 8  # plain characters alike on both sides: the readings meet again past a mess
_RESYNC_REACH = 200  # characters of ours searched for them, at most


def _pairs(
    ours: list[str], theirs: list[str], loose: frozenset[int] = frozenset()
) -> Iterator[tuple[int, str]]:
    """(index into ``ours``, PDFium's text for it) where the two readings differ: one for
    one, or one of ours for several of PDFium's (a ligature it splits). Both follow the
    content stream, so they are walked side by side in linear time; a difference ends
    where they agree again (a run of ours that cannot be equal, an unmapped passage,
    counts whole); past a difference they never agree on (a loose character next to a
    ligature one side splits: ``X n A oﬀen`` against ``X \\ A offen``), they meet again
    where :data:`_RESYNC` plain characters agree (:func:`_resync`), or the rest is left
    as it is.
    ``loose`` are our characters that may read otherwise (a font read by its own
    encoding: CMMI's ``;`` for a comma, CMSY's ``2`` for ``∈``), so that a formula dense
    with them (``a;b2X,γ0;γ1``) still pairs one for one."""
    i = j = 0
    while i < len(ours) and j < len(theirs):
        if ours[i] == theirs[j]:
            i, j = i + 1, j + 1
            continue
        run = 0  # unmapped characters (never equal to PDFium's) from here
        while i + run < len(ours) and ours[i + run].startswith("\0"):
            run += 1
        found = _agreement(ours, theirs, i, j, run, loose=loose)
        if found is None:
            again = _resync(ours, theirs, i, j, loose)
            if again is None:
                return
            i, j = again  # what lies between keeps pdfminer's reading
            continue
        a, b = found
        yield from _differing(ours, theirs, range(i, i + a), theirs[j : j + b])
        i, j = i + a, j + b


def _resync(
    ours: list[str], theirs: list[str], i: int, j: int, loose: frozenset[int]
) -> tuple[int, int] | None:
    """Where the two readings agree again after ``i`` and ``j``: the first run of
    :data:`_RESYNC` of ours, none loose or unmapped, that PDFium has alike within
    :data:`_DRIFT` times four characters of where it should be, at most
    :data:`_RESYNC_REACH` characters on."""
    reach = 4 * _DRIFT
    for k in range(i + 1, min(len(ours) - _RESYNC, i + _RESYNC_REACH) + 1):
        run = ours[k : k + _RESYNC]
        if any(k + n in loose or x.startswith("\0") for n, x in enumerate(run)):
            continue
        expected = j + (k - i)
        for at in range(max(j, expected - reach), min(len(theirs) - _RESYNC, expected + reach) + 1):
            if theirs[at : at + _RESYNC] == run:
                return k, at
    return None


def _differing(
    ours: list[str], theirs: list[str], mine: range, other: list[str]
) -> Iterator[tuple[int, str]]:
    """Pairs within one difference: what both sides have (a glyph drawn in another order,
    an overbar after its letter) is set aside first, the rest paired in order, one for
    one or one of ours for all of PDFium's."""
    spare = Counter(other)
    rest = []
    for index in mine:
        if spare[ours[index]] > 0:
            spare[ours[index]] -= 1
        else:
            rest.append(index)
    left = []
    for text in other:
        if spare[text] > 0:
            spare[text] -= 1
            left.append(text)
    if len(rest) == len(left):
        yield from zip(rest, left, strict=True)
    elif len(rest) == 1:
        yield rest[0], "".join(left)


def _agreement(
    ours: list[str], theirs: list[str], i: int, j: int, run: int, *, loose: frozenset[int]
) -> tuple[int, int] | None:
    """How many of ours and of PDFium's from ``i`` and ``j`` differ before the two agree
    for :data:`_ANCHOR` characters (or both end), the fewest first. Where ours is
    ``loose`` (or unmapped), any one character of PDFium's agrees with it, as long as
    one character of the anchor is alike on both sides or both went on one for one."""
    tries = sorted(
        (
            (a, b)
            for a in range(run, min(run + _DRIFT, len(ours) - i) + 1)
            for b in range(0, min(run + _DRIFT, len(theirs) - j) + 1)
        ),
        key=lambda ab: (abs(ab[0] - ab[1]), ab[0] + ab[1]),
    )
    for a, b in tries:
        if a + b == 0:
            continue
        left, right = ours[i + a : i + a + _ANCHOR], theirs[j + b : j + b + _ANCHOR]
        whole = len(left) == _ANCHOR or (
            i + a + len(left) >= len(ours) and j + b + len(right) >= len(theirs)
        )  # fewer than the anchor left: both end alike
        if not whole or len(left) != len(right):
            continue
        alike = [x == y for x, y in zip(left, right, strict=True)]
        free = [i + a + k in loose or left[k].startswith("\0") for k in range(len(left))]
        if all(same or wild for same, wild in zip(alike, free, strict=True)) and (
            any(alike) or a == b or not left
        ):
            return a, b
    return None


def restore_glyphs(page: Any, number: int, pdfium_chars: Callable[[int], list[str]]) -> None:
    """Give ``page``'s characters that pdfminer could not map PDFium's reading, in place
    (its words and tables are read from them afterwards); leave out those neither can
    read, or every character when most of the page is such (then it is read by OCR)."""
    chars: list[dict[str, Any]] = page.objects.get("char", [])
    builtin = _builtin_fonts(page)
    suspect = [i for i, c in enumerate(chars) if _unmapped(c) or c.get("fontname") in builtin]
    if not suspect:
        return
    try:
        theirs = pdfium_chars(number)
    except Exception:  # PDFium could not read the page: pdfminer's stands
        theirs = []
    # cid tokens are unique so that they never pair with PDFium's characters as equal
    ours = [f"\0{i}" if _unmapped(c) else str(c["text"]) for i, c in enumerate(chars)]
    wanted = frozenset(suspect)
    for index, text in _pairs(ours, theirs, wanted):
        if index in wanted and readable(text) and text != _code(chars[index]):
            chars[index]["text"] = text
    unread = Counter(str(c.get("fontname")) for c in chars if _unmapped(c))
    if not unread:
        return
    fonts = Counter(str(c.get("fontname")) for c in chars)
    # a font mostly unreadable is unreadable: its few codes that fell on ASCII are no text
    lost = {name for name, count in unread.items() if count > 0.5 * fonts[name]}
    kept = [c for c in chars if not _unmapped(c) and str(c.get("fontname")) not in lost]
    dropped = len(chars) - len(kept)
    # much of the page unreadable: it is read as a picture of text
    passage = dropped >= PASSAGE[0] and dropped >= PASSAGE[1] * len(chars)
    chars[:] = [] if passage else kept


def _code(char: dict[str, Any]) -> str | None:
    """The character code of ``(cid:N)`` read as a character: what PDFium gives for a
    glyph it cannot name either (``(cid:114)``, a bullet, is no ``r``)."""
    text = str(char["text"])
    if not _unmapped(char) or not text[5:-1].isdigit():
        return None
    code = int(text[5:-1])
    return chr(code) if code < 0x110000 else None


def rebox_hanging(chars: list[dict[str, Any]]) -> None:
    """Set upright glyphs whose boxes hang below their baselines on their lines, in place.

    pdfminer sizes a glyph's box by its font's ascent and descent. A font whose metrics
    put the box below the baseline (TeX's symbol font CMSY: ``∈``, ``⊆``, ``→``) gives a
    glyph a box a line lower than the letters beside it, so that ``U ∈ T`` was read as
    three lines and three blocks. Such a glyph, when a letter of the line stands next to
    it on its very baseline, takes the box the page's other glyphs have about their
    baselines (median ascent and descent for their size): it is on that line. A glyph
    set apart (vertical writing's punctuation, off the baseline of the column beside it)
    keeps its box.
    """

    def plain(c: dict[str, Any]) -> bool:
        m = c.get("matrix") or (0, 1, 1, 0, 0, 0)
        return bool(c.get("upright")) and m[1] == m[2] == 0 and m[3] > 0 and c["size"] > 0

    def lift(c: dict[str, Any]) -> float:  # the box's top over the baseline, in sizes
        return (float(c["y1"]) - float(c["matrix"][5])) / float(c["size"])

    upright = [c for c in chars if plain(c)]
    hanging = [c for c in upright if lift(c) < HANGING]
    if not hanging:
        return
    normal = [c for c in upright if lift(c) >= HANGING]
    if not normal:
        return
    ascent = statistics.median(lift(c) for c in normal)
    descent = statistics.median(
        (float(c["matrix"][5]) - float(c["y0"])) / float(c["size"]) for c in normal
    )
    placed = _Placed(normal)
    waiting = hanging
    while waiting:  # a run of such glyphs (``∗∗∗``): each next to one set before it
        left = []
        for c in waiting:
            base, size = float(c["matrix"][5]), float(c["size"])
            if not placed.beside(c, base, size):
                left.append(c)
                continue
            y0, y1 = base - descent * size, base + ascent * size
            up, down = y1 - float(c["y1"]), y0 - float(c["y0"])
            c["top"], c["doctop"] = c["top"] - up, c["doctop"] - up
            c["bottom"], c["y0"], c["y1"] = c["bottom"] - down, y0, y1
            placed.add(c)
        if len(left) == len(waiting):
            return
        waiting = left


class _Placed:
    """Glyphs on their lines, found by baseline and place (cells of :data:`_CELL` points
    along the line): the ones next to a glyph are a few cells' worth, however long the
    line."""

    def __init__(self, chars: list[dict[str, Any]]) -> None:
        self._cells: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for c in chars:
            self.add(c)

    def add(self, char: dict[str, Any]) -> None:
        base = round(float(char["matrix"][5]))
        for cell in range(int(float(char["x0"]) // _CELL), int(float(char["x1"]) // _CELL) + 1):
            self._cells.setdefault((base, cell), []).append(char)

    def beside(self, char: dict[str, Any], base: float, size: float) -> bool:
        """Whether a glyph stands on ``char``'s baseline (within :data:`ON_BASELINE` of
        its size) next to it: a gap of at most :data:`NEXT_GAP` of its size between
        their boxes, and no overlap."""
        x0, x1 = float(char["x0"]), float(char["x1"])
        reach = NEXT_GAP * size
        cells = range(int((x0 - reach) // _CELL), int((x1 + reach) // _CELL) + 1)
        for key in (round(base) - 1, round(base), round(base) + 1):
            for cell in cells:
                for other in self._cells.get((key, cell), ()):
                    if abs(float(other["matrix"][5]) - base) > ON_BASELINE * size:
                        continue
                    gap = max(float(other["x0"]) - x1, x0 - float(other["x1"]))
                    if -0.05 * size <= gap <= reach:
                        return True
        return False
