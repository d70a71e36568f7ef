"""Right-to-left text (Arabic, Hebrew, ...) in the order it is read, from the order it is
drawn.

A PDF places glyphs, it does not store reading order: a line of Arabic reads from right to
left, and a text layer may draw it either way. Taking its glyphs left to right (as for
Latin) gives every word backwards (``ةيعيشرتلا`` for ``التشريعية``) and the words of a
line in reverse order. Here a line is taken as it is seen, left to right, and turned into
reading order: a line with more right-to-left letters than left-to-right ones reads from
the right, and the numbers and Latin words in it (``3 001``, ``2014``, ``PDF``) keep their
own left-to-right order; a Latin line keeps its order, and an Arabic phrase inside it is
turned on its own. A mark drawn on a letter (a vowel sign) stays after its letter, and
brackets turned around are mirrored.

This is the part of the Unicode bidirectional algorithm that a single line without
explicit direction marks needs; it is its own inverse, so a word already in reading order
can be turned back into the order it is seen in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, ... and their presentation forms
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_PRESENTATION = re.compile(r"[\ufb1d-\ufdff\ufe70-\ufefc]+")
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")
_RIGHT, _LEFT, _NUMBER, _NEUTRAL = "R", "L", "N", ""


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a letter of a right-to-left script."""
    return _RTL.search(text) is not None


def rtl_letter(text: str) -> bool:
    """Whether ``text`` (a glyph's text) is a letter or mark of a right-to-left script."""
    return bool(text) and _RTL.match(text) is not None


def reads_from_right(text: str) -> bool:
    """Whether ``text`` holds more letters of right-to-left scripts than of others."""
    if not has_rtl(text):
        return False
    kinds = [_kind(char) for char in text]
    return kinds.count(_RIGHT) > kinds.count(_LEFT)


def _kind(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return _RIGHT
    if kind == "L":
        return _LEFT
    if kind in ("EN", "AN"):
        return _NUMBER
    return _NEUTRAL


def _clusters(text: str) -> list[str]:
    """``text`` cut into letters, each with the marks drawn on it (a vowel sign, a dot)."""
    out: list[str] = []
    for char in text:
        if out and unicodedata.combining(char):
            out[-1] += char
        else:
            out.append(char)
    return out


def _islands(kinds: list[str], ends: str, stops: str) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` that begin and end with a character of a kind in ``ends``
    and hold none of a kind in ``stops`` (neutrals inside belong to the span)."""
    spans: list[tuple[int, int]] = []
    start = last = -1
    for index, kind in enumerate(kinds):
        if kind and kind in ends:
            if start < 0:
                start = index
            last = index
        elif kind and kind in stops and start >= 0:
            spans.append((start, last + 1))
            start = -1
    if start >= 0:
        spans.append((start, last + 1))
    return spans


def _from_right(clusters: list[str], kinds: list[str]) -> str:
    """A right-to-left run as read: its pieces in reverse order, each left-to-right
    island (numbers, Latin words) kept as it is, the rest turned around and mirrored."""
    pieces: list[str] = []
    at = 0
    for start, end in _islands(kinds, _LEFT + _NUMBER, _RIGHT):
        pieces.append("".join(reversed(clusters[at:start])).translate(_MIRROR))
        pieces.append("".join(clusters[start:end]))
        at = end
    pieces.append("".join(reversed(clusters[at:])).translate(_MIRROR))
    return "".join(reversed(pieces))


def reorder(seen: str) -> str:
    """The reading order of one line whose characters are given left to right as they
    are seen (and the other way round: the function is its own inverse)."""
    if not has_rtl(seen):
        return seen
    clusters = _clusters(seen)
    kinds = [_kind(cluster[0]) for cluster in clusters]
    if kinds.count(_RIGHT) >= kinds.count(_LEFT):
        return _from_right(clusters, kinds)
    pieces: list[str] = []
    at = 0
    for start, end in _islands(kinds, _RIGHT, _LEFT):
        pieces.append("".join(clusters[at:start]))
        pieces.append(_from_right(clusters[start:end], kinds[start:end]))
        at = end
    pieces.append("".join(clusters[at:]))
    return "".join(pieces)


def read_line(words: Iterable[str]) -> str:
    """The text of one line from its words' texts (each in reading order) given left to
    right as they sit on the page: joined by spaces, a right-to-left line read from the
    right; presentation forms (``ﻻ``) as the letters they stand for."""
    texts = list(words)
    line = " ".join(texts)
    if not has_rtl(line):
        return line
    return _as_letters(reorder(" ".join(reorder(text) for text in texts)))


def read_word(seen: str) -> str:
    """One word's text in reading order from its glyphs' texts left to right."""
    if not has_rtl(seen):
        return seen
    return _as_letters(reorder(seen))


def _as_letters(text: str) -> str:
    """Presentation forms (``ﻻ``, a letter's final form) as the letters they stand for."""
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
