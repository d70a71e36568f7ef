"""Words of a PDF page from its characters, as a reader sees them.

Characters join into one word when nothing but their real gap separates them: a space
character in the text layer, or a gap wider than a fraction of the type size
(:data:`WORD_GAP`), always ends a word, whatever the font; a change of font or size
alone never does. So ``750,000`` whose comma comes from another font, ``k-means``
with an italic ``k``, ``I. INTRODUCTION`` set in small capitals and ``cm2`` with a
raised, smaller ``2`` stay whole, and a text layer that draws words with no space
character between them (``PAYMENT ADVICE``) is still split where the glyphs leave a gap.

Measured on the public corpus, gaps inside words are within -0.15 and +0.05 of the
type size (kerning), gaps between words from about 0.15 up (a tight justified line).
On a line whose text layer marks its words with space characters, a gap without one
splits only when it is also half as wide as the line's own word gaps: such a layer says
where its words end, and an OCR layer over a scan sets its letters apart by the picture
(``l e t t er``).

A raised or lowered run of smaller glyphs is an exponent or an index of what it follows
(``cm2``, ``x0``, ``H2O``, ``10-3``) when that is a number or a short symbol of at most
three letters; after a longer word or a punctuation mark it is a note mark
(``practice 2,``, ``Lane a,c``, ``2007. 1``), as are ``*`` and daggers; one that starts a word
(``1 The code ...``, ``a School of ...``) is a mark of its own. An index set under an
exponent (TeX's ``w^{(i)}_1``: the ``1`` drawn back under the ``(i)``), or an exponent
over an index, stays in the word (``w(i)1``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from ._bidi import has_rtl, read_line, read_word, rtl_letter

WORD_GAP = 0.12  # of the smaller type size: a wider gap between two glyphs is a space
_SAME_BASELINE = 0.2  # of the type size: a shift within this is the same baseline
_SMALLER = 0.9  # a glyph under 0.9 of its neighbour's size may be raised or lowered
_RAISED = 0.6  # of the larger size: how high a superscript may sit
_LOWERED = 0.4  # of the larger size: how low a subscript may sit
_STACK = 6  # glyphs back from the last whose right edge a gap is measured from
_SYMBOL = 3  # letters of a unit or a variable that takes an exponent or an index
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_NOTE_MARKS = set("*∗†‡§¶#")
_LINE_TOLERANCE = 3.0  # points between the tops of glyphs on one line of a cell
_TRAILING_LETTERS = re.compile(r"[^\W\d_]*$")

FLAT, INTO, OUT_OF = "flat", "into", "out of"  # how the next glyph follows the last
# Accents a text layer draws as glyphs of their own over a letter (TeX does: ``O˘guz``
# for Oğuz): spacing form -> combining mark.
_ACCENTS = {
    "˘": "\u0306", "ˇ": "\u030c", "`": "\u0300", "´": "\u0301", "¨": "\u0308",
    "ˆ": "\u0302", "˜": "\u0303", "¸": "\u0327", "˚": "\u030a", "˙": "\u0307",
    "˝": "\u030b", "˛": "\u0328", "¯": "\u0304",
}  # fmt: skip
_DOTLESS = {"ı": "i", "ȷ": "j"}  # an accent over a dotless i is an accented i


def _baseline(char: dict[str, Any]) -> float:
    """The glyph's baseline, growing down the page like ``top``."""
    return -float(char["matrix"][5])


def glyph_upright(char: dict[str, Any]) -> bool:
    """Whether a glyph stands upright (turned less than an eighth, slanted or not).

    pdfminer's ``upright`` (``a * d > 0 and b * c <= 0``) takes a glyph turned a quarter
    for upright when its matrix was made with a cosine and a sine: ``cos(90°)`` is
    ``6e-17``, not 0, so ``a * d`` is above 0; such a label came out a glyph a line."""
    if not char.get("upright", True):
        return False
    matrix = char.get("matrix")
    if matrix is None:
        return True
    a, b = float(matrix[0]), float(matrix[1])
    return abs(b) < abs(a)


def _size(char: dict[str, Any]) -> float:
    size = float(char.get("size") or 0.0)
    return size if size > 0 else float(char["bottom"]) - float(char["top"])


def step(before: dict[str, Any], after: dict[str, Any], floor: float = 0.0) -> str | None:
    """How ``after`` follows ``before`` (two drawn glyphs, no space character between
    them): on the same baseline (:data:`FLAT`), into a raised or lowered run of smaller
    glyphs (:data:`INTO`), back out of one (:data:`OUT_OF`); ``None`` when a gap (wider
    than :data:`WORD_GAP` of the type and than ``floor`` points), a step back or a jump
    to another line separates them."""
    if not (glyph_upright(before) and glyph_upright(after)):
        return None
    size_before, size_after = _size(before), _size(after)
    big, small = max(size_before, size_after), min(size_before, size_after)
    if small <= 0:
        return None
    x0 = float(after["x0"])
    if x0 >= float(before["x0"]) - 0.01:
        gap = x0 - float(before["x1"])
    elif rtl_letter(str(before["text"])) and rtl_letter(str(after["text"])):
        gap = float(before["x0"]) - float(after["x1"])  # right to left, as Arabic is read
    else:  # went back: a new line or column
        return None
    if gap > max(WORD_GAP * small, floor):
        return None
    shift = _baseline(after) - _baseline(before)  # > 0: ``after`` sits lower
    if abs(shift) <= _SAME_BASELINE * small:
        return FLAT
    if small >= _SMALLER * big:
        return None
    after_small = size_after < size_before
    small_is_lower = (shift > 0) == after_small
    if abs(shift) > (_LOWERED if small_is_lower else _RAISED) * big:
        return None
    return INTO if after_small else OUT_OF


def _takes_script(chars: list[dict[str, Any]]) -> bool:
    """Whether the word so far takes an exponent or an index: it ends in a digit or in
    a short run of letters (``cm``, ``x``, ``CO``), not in a long word or punctuation."""
    text = "".join(str(c["text"]) for c in chars)
    if text[-1:].isdigit():
        return True
    letters = _TRAILING_LETTERS.search(text)
    return letters is not None and 0 < len(letters.group(0)) <= _SYMBOL


def _stacked(word: list[dict[str, Any]], char: dict[str, Any]) -> bool:
    """Whether ``char`` starts an index set under the word's exponent, or an exponent
    over its index (TeX's ``w^{(i)}_1``: the ``1`` drawn back under the ``(i)``). The
    word ends in a run of smaller glyphs raised or lowered from the glyph before it;
    ``char`` is of their size, starts within the run, and sits on the other side."""
    if not float(word[0]["x0"]) <= float(char["x0"]) < float(word[-1]["x1"]):
        return False  # not drawn back over the word
    at, stop = len(word), max(len(word) - _STACK, 0)
    while at > stop and _size(word[at - 1]) <= 1.05 * _size(char):
        at -= 1  # the run: glyphs no larger than char
    if at == stop or at == len(word):
        return False
    base, run = word[at - 1], word[at:]
    big, small = _size(base), _size(char)
    if small >= _SMALLER * big or any(_size(c) >= _SMALLER * big for c in run):
        return False
    if not float(run[0]["x0"]) - 0.5 <= float(char["x0"]) <= float(run[-1]["x1"]):
        return False
    run_shift = _baseline(run[0]) - _baseline(base)  # > 0: lower than the base
    shift = _baseline(char) - _baseline(base)
    if run_shift * shift >= 0 or abs(run_shift) <= _SAME_BASELINE * big:
        return False  # the same side (or the run is no script)
    return abs(shift) <= (_LOWERED if shift > 0 else _RAISED) * big


def _stacked_script(word: list[dict[str, Any]]) -> bool:
    """Whether the word ends in a glyph smaller than one of the few before it (a script
    drawn back under or over another)."""
    return _size(word[-1]) < _SMALLER * max(_size(c) for c in word[-_STACK:])


def _continues(word: list[dict[str, Any]], char: dict[str, Any], floor: float) -> bool:
    last = word[-1]
    if len(word) > 1 and float(word[-2]["x1"]) > float(last["x1"]) and _stacked_script(word):
        # an index under an exponent: the gap is from the wider of the two
        last = {**last, "x1": max(float(c["x1"]) for c in word[-_STACK:])}
    how = step(last, char, floor)
    if how is None and glyph_upright(char) and glyph_upright(word[-1]):
        return _stacked(word, char)
    if how == INTO:  # note marks (*, dagger, ...) are never exponents
        return _takes_script(word) and str(char["text"]) not in _NOTE_MARKS
    if how == OUT_OF:  # a word made only of the raised run was a note mark
        text = str(char["text"])
        base = _SMALLER * _size(char)
        return any(_size(c) >= base for c in word) or not text[:1].isalnum()
    return how == FLAT


def _word(chars: list[dict[str, Any]]) -> dict[str, Any]:
    fonts = [str(c.get("fontname", "")) for c in chars]
    font = fonts[0]  # all in one font, as most words are: that one, without a count
    if fonts.count(font) != len(fonts):
        font = Counter(fonts).most_common(1)[0][0]
    text = "".join(_LIGATURES.get(str(c["text"]), str(c["text"])) for c in chars)
    if has_rtl(text):  # in reading order, however drawn
        seen = sorted(chars, key=lambda c: float(c["x0"]))
        text = read_word("".join(_as_seen(str(c["text"])) for c in seen))
    return {
        "text": text,
        "x0": min(float(c["x0"]) for c in chars),
        "x1": max(float(c["x1"]) for c in chars),
        "top": min(float(c["top"]) for c in chars),
        "bottom": max(float(c["bottom"]) for c in chars),
        "size": max(_size(c) for c in chars),  # raised digits are not the type
        "fontname": font,
        "upright": glyph_upright(chars[0]),
    }


def _as_seen(glyph: str) -> str:
    """A glyph's text as it is seen: a right-to-left ligature's letters (``لم``, given in
    reading order) from the left, as its neighbours are."""
    return glyph[::-1] if len(glyph) > 1 and rtl_letter(glyph) else glyph


def _over(accent: dict[str, Any], letter: dict[str, Any]) -> bool:
    """Whether ``accent`` is drawn over (or under) ``letter``: its middle inside the
    letter's width, on the same line."""
    middle = (float(accent["x0"]) + float(accent["x1"])) / 2
    inside = float(letter["x0"]) - 0.5 <= middle <= float(letter["x1"]) + 0.5
    size = max(_size(letter), 1.0)
    return (
        inside and abs(float(accent["top"]) - float(letter["top"])) < size and letter_like(letter)
    )


def letter_like(char: dict[str, Any]) -> bool:
    return str(char["text"]).isalpha() and len(str(char["text"])) == 1


def _attach_accents(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The characters with each accent drawn as a glyph of its own put on the letter it
    sits over (the next one, else the one before): ``O˘guz`` reads ``Oğuz``, one word."""
    out: list[dict[str, Any]] = []
    skip = False
    for index, char in enumerate(chars):
        if skip:
            skip = False
            continue
        mark = _ACCENTS.get(str(char["text"]))
        following = chars[index + 1] if index + 1 < len(chars) else None
        if mark is not None and following is not None and _over(char, following):
            out.append(_accented(following, mark))
            skip = True
        elif mark is not None and out and _over(char, out[-1]):
            out[-1] = _accented(out[-1], mark)
        else:
            out.append(char)
    return out


def _accented(letter: dict[str, Any], mark: str) -> dict[str, Any]:
    base = str(letter["text"])
    return {**letter, "text": unicodedata.normalize("NFC", _DOTLESS.get(base, base) + mark)}


def words_from_chars(chars: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``, ``fontname``,
    ``upright``) of pdfplumber characters, in the order the text layer draws them."""
    words: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    glyphs = _attach_accents(list(chars))
    floors = _spaced_floors(glyphs)
    for char, floor in zip(glyphs, floors, strict=True):
        text = str(char["text"])
        if not text or text.isspace():
            if current:
                words.append(_word(current))
            current = []
            continue
        if current and not _continues(current, char, floor):
            words.append(_word(current))
            current = []
        current.append(char)
    if current:
        words.append(_word(current))
    return words


_SPACED = 3  # space characters a line needs before its own word gap counts
_SPACED_SHARE = 0.5  # of a line's median gap at a space character: a gap as wide splits


def _spaced_floors(chars: list[dict[str, Any]]) -> list[float]:
    """For each glyph, the gap in points under which it joins the glyph before it, on a
    line whose text layer marks its words with space characters (at least
    :data:`_SPACED`): half the line's median gap across a space. Such a layer says where
    its words end; a gap without a space is a wider-set letter, unless it is as wide as
    the line's own word gaps. (An OCR layer over a scan places its letters by the
    picture, wider than their font's widths: ``l e t t er``; a line letter-spaced for
    justification likewise.) Other glyphs: 0, the type-size rule alone."""
    floors = [0.0] * len(chars)
    start = 0
    for end in range(1, len(chars) + 1):
        if end < len(chars) and not _new_line(chars[end - 1], chars[end]):
            continue
        gaps = [
            float(chars[i + 1]["x0"]) - float(chars[i - 1]["x1"])
            for i in range(start + 1, end - 1)
            if str(chars[i]["text"]).isspace()
            and not str(chars[i - 1]["text"]).isspace()
            and not str(chars[i + 1]["text"]).isspace()
        ]
        if len(gaps) >= _SPACED:
            floor = _SPACED_SHARE * sorted(gaps)[len(gaps) // 2]
            floors[start:end] = [floor] * (end - start)
        start = end
    return floors


def _new_line(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the text layer goes to another line (or column) between two glyphs."""
    size = max(_size(before), _size(after), 1.0)
    back = float(after["x0"]) < float(before["x0"]) - size
    return back or abs(float(after["top"]) - float(before["top"])) > size


_PAGE_WORDS: WeakKeyDictionary[Any, list[dict[str, Any]]] = WeakKeyDictionary()


def page_words(page: Any) -> list[dict[str, Any]]:
    """The words of a pdfplumber page, in the text layer's order: found once per page
    (the page's text and each reading of its tables ask for them), each caller given
    copies of its own (the page's reading moves them onto the rendered page)."""
    words = _PAGE_WORDS.get(page)
    if words is None:
        words = words_from_chars(page.chars)
        _PAGE_WORDS[page] = words
    return [dict(word) for word in words]


def centred_in(
    chars: Iterable[dict[str, Any]], box: Sequence[float], slack: float = 1.0
) -> list[dict[str, Any]]:
    """The characters whose middle lies in ``box`` widened by ``slack`` points, in their
    order: a first cut of a table's characters, so that :func:`text_in` reads each cell
    among its own row's few, not among the whole page's."""
    x0, top, x1, bottom = (float(v) for v in box)
    x0, top, x1, bottom = x0 - slack, top - slack, x1 + slack, bottom + slack
    return [
        c
        for c in chars
        if x0 <= (float(c["x0"]) + float(c["x1"])) / 2 <= x1
        and top <= (float(c["top"]) + float(c["bottom"])) / 2 <= bottom
    ]


def text_in(chars: Iterable[dict[str, Any]], box: Sequence[float]) -> str:
    """The text of the characters whose middle lies in ``box`` (a table's cell), by the
    same word rule as the page's text: lines top to bottom (``\\n`` between them), each
    line's words left to right; a cell's sideways text (a column's turned header) is
    read turned upright."""
    x0, top, x1, bottom = (float(v) for v in box)
    inside = [
        _stood_up(c)
        for c in chars
        if x0 <= (float(c["x0"]) + float(c["x1"])) / 2 < x1
        and top <= (float(c["top"]) + float(c["bottom"])) / 2 < bottom
    ]
    lines: list[list[dict[str, Any]]] = []
    for char in sorted(inside, key=lambda c: float(c["top"])):
        if lines and abs(float(char["top"]) - float(lines[-1][0]["top"])) <= _LINE_TOLERANCE:
            lines[-1].append(char)
        else:
            lines.append([char])
    texts = []
    for line in lines:
        ordered = sorted(line, key=lambda c: float(c["x0"]))
        texts.append(read_line(str(w["text"]) for w in words_from_chars(ordered)))
    return "\n".join(t for t in texts if t)


def _stood_up(char: dict[str, Any]) -> dict[str, Any]:
    """A sideways glyph in the frame where its text reads left to right (an upright one
    as it is): running up the page, the next glyph is above; running down, below."""
    if glyph_upright(char):
        return char
    x0, x1, top, bottom = (float(char[k]) for k in ("x0", "x1", "top", "bottom"))
    across = float(char["matrix"][4])  # the baseline's place across the text
    up = float(char["matrix"][1]) > 0
    size = _size(char)
    return {
        **char,
        "x0": -bottom if up else top,
        "x1": -top if up else bottom,
        "top": x0 if up else -x1,
        "bottom": x1 if up else -x0,
        "matrix": (size, 0.0, 0.0, size, 0.0, -across if up else across),
        "upright": True,
    }


def clamp(box: Sequence[float], bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """``box`` (x0, top, x1, bottom) cut to ``bounds`` (a page's bbox): words and drawings
    may lie outside the page (off the MediaBox, outside the CropBox), a crop may not."""
    x0, top = max(float(box[0]), float(bounds[0])), max(float(box[1]), float(bounds[1]))
    x1, bottom = min(float(box[2]), float(bounds[2])), min(float(box[3]), float(bounds[3]))
    return x0, top, max(x0, x1), max(top, bottom)


def inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether two boxes (x0, top, x1, bottom) share some area (touching is not enough)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
