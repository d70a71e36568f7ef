"""English words the OCR recogniser ran together, parted by a word list.

The recogniser often drops the spaces of an English line (``whoisinthecompetitive``,
``Tenureshallbegranted``), and where its characters sit evenly their positions cannot
say where a word ends (:func:`.ocr.with_spaces` finds the wide steps only). Here a run of
six or more letters that is no common word is cut where a word list (``wordsegment``'s
counts of English words on the web, shipped in its wheel) finds the likeliest words, when
every piece is a common word; the first or the last piece may be the end of a word
hyphenated over a line or a rarer word (``lected``, ``competi``, ``excepted``). A comma,
semicolon or colon between two letters, and a full stop between a word and a capital,
get a space after them.

Only pages that read as English afterwards keep the change: the pieces and words of the
page must be English function words often enough (``the``, ``of``, ``is``), so German or
French words are never cut into English ones. Without the word list (the ``ocr`` extra
not installed whole) the text is left as it is.
"""

from __future__ import annotations

import math
import re
import threading
from functools import cache

__all__ = ["part_glued"]

_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6,}(?![A-Za-z0-9])")  # TELEPH0NE: not a run
_WORDS = re.compile(r"[A-Za-z]+")
_PUNCTUATION = re.compile(r"(?<=[a-z])([,;:])(?=[A-Za-z])|(?<=[a-z]{2})(\.)(?=[A-Z][a-z])")
_FUNCTION_WORDS = frozenset(
    (
        *("the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was"),
        *("on", "be", "by", "at", "this", "are", "or", "from", "an", "which", "not", "have"),
        *("has", "were", "but", "their", "its", "a", "all", "been", "can", "may", "shall"),
        *("will", "would", "there"),
    )
)
ENGLISH = 0.15  # function words per word on an English page (German or French: a few %)
COMMON = 1e6  # web count of a piece: a common word (``lected`` 1.5e5, ``vacancy`` 4e6)
KNOWN = 1e5  # a run this common is a word of its own, never cut
_VOCABULARY = 150_000  # most frequent words read from the list (the rest is noise)
_LONGEST = 24
_PREFIXES = frozenset(("non", "un", "re", "pre", "sub", "co", "de", "dis", "inter", "over"))
_SUFFIXES = frozenset(
    (
        *("ment", "ments", "tion", "tions", "ness", "ing", "ly", "ed", "er", "ers", "est"),
        *("ity", "al", "ous", "ive", "able", "ible", "ful", "less", "ship", "ism", "ist"),
    )
)
_FRAGMENT = 5  # letters of an end piece that is no common word (a hyphenated word's end)
_LOCK = threading.Lock()


class _Model:
    def __init__(self, counts: dict[str, float]) -> None:
        self.counts = counts
        total = sum(counts.values())
        self.log_total = math.log10(total)
        self.cost = {word: self.log_total - math.log10(n) for word, n in counts.items()}

    def _cost(self, word: str) -> float:
        known = self.cost.get(word)
        return known if known is not None else self.log_total - 1 + len(word)

    def pieces(self, run: str) -> list[str]:
        """The likeliest words of ``run`` (lower case), by unigram counts."""
        best = [0.0] + [math.inf] * len(run)
        back = [0] * (len(run) + 1)
        for end in range(1, len(run) + 1):
            for start in range(max(0, end - _LONGEST), end):
                cost = best[start] + self._cost(run[start:end])
                if cost < best[end]:
                    best[end], back[end] = cost, start
        out: list[str] = []
        end = len(run)
        while end > 0:
            out.append(run[back[end] : end])
            end = back[end]
        return out[::-1]

    def common(self, word: str) -> bool:
        return self.counts.get(word, 0.0) >= COMMON and (len(word) > 1 or word == "a")

    def part(self, run: str) -> str:
        lower = run.lower()
        if self.counts.get(lower, 0.0) >= KNOWN:
            return run
        pieces = self.pieces(lower)
        if len(pieces) > 1 and pieces[0] in _PREFIXES:  # noncompetitively: one word
            pieces[:2] = [pieces[0] + pieces[1]]
        for index in range(len(pieces) - 1, 0, -1):  # appointment's end: one word
            if pieces[index] in _SUFFIXES:
                pieces[index - 1 : index + 1] = [pieces[index - 1] + pieces[index]]
        if len(pieces) < 2 or not all(self.common(p) for p in pieces[1:-1]):
            return run
        edges = (pieces[0], pieces[-1])
        fragment = _FRAGMENT if not run.isupper() else len(run) + 1  # capitals: a name
        if not all(self.common(p) or len(p) >= fragment for p in edges):
            return run
        if not any(self.common(p) for p in edges) or edges[-1] == "a":
            return run
        out, at = [], 0
        for piece in pieces:
            out.append(run[at : at + len(piece)])
            at += len(piece)
        return " ".join(out)


@cache
def _model() -> _Model | None:
    try:
        from importlib.resources import files

        text = (files("wordsegment") / "unigrams.txt").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return None
    counts: dict[str, float] = {}
    for line in text.split("\n", _VOCABULARY)[:_VOCABULARY]:
        word, _, count = line.partition("\t")
        if count:
            counts[word] = float(count)
    return _Model(counts)


def _english(texts: list[str]) -> bool:
    words = [w.lower() for text in texts for w in _WORDS.findall(text)]
    return len(words) >= 5 and sum(w in _FUNCTION_WORDS for w in words) >= ENGLISH * len(words)


def part_glued(texts: list[str]) -> list[str]:
    """The lines of one page or picture with the English words run together parted."""
    if not any(_RUN.search(text) for text in texts):
        return texts
    with _LOCK:
        model = _model()
    if model is None:
        return texts
    parted = [_RUN.sub(lambda m: model.part(m.group(0)), text) for text in texts]
    if not _english(parted):
        return texts
    return [_PUNCTUATION.sub(lambda m: (m.group(1) or m.group(2)) + " ", text) for text in parted]
