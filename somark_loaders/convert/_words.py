"""Token counts of prose a word at a time: each distinct word encoded once.

tiktoken's pre-tokens always break before a space that follows a non-space (one of the
boundaries of :mod:`._seams`, checked on ``cl100k_base`` and ``o200k_base`` by
tests/test_seams.py), and each pre-token is encoded on its own. So a text in which every
space follows a non-space (most prose, table rows) counts as the sum of its words' counts,
each word taken with the space before it: a word met before costs a dictionary look-up
instead of an encoding. The words not met yet are encoded together, in one call (a call
costs as much as a few dozen characters), and each one's count read from where its bytes
end among the tokens: tokens never cross such a boundary. Anything unexpected (a token
that does cross, text that is not valid UTF-8) falls back to encoding the text whole.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["WHITE", "WORD_COUNTED", "Words"]

# What ``\s`` matches in tiktoken's (Rust) regular expressions: Unicode White_Space.
WHITE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# A space after white space: the one place a space is not a pre-token boundary.
_GLUED = re.compile(f"[{re.escape(WHITE)}] ")
# The encodings whose boundaries are checked (see above).
WORD_COUNTED = frozenset({"cl100k_base", "o200k_base"})
# Words kept per table (each table emptied when full) and the longest word kept. Of the
# words with a digit, only the first are kept: most numbers do not recur, and would push
# the vocabulary out.
_MOST_WORDS, _MOST_NUMBERS, _LONGEST_WORD = 50_000, 10_000, 64
_DIGIT = re.compile("[0-9]")


class _TokenBytes(dict[int, int]):
    """The length in bytes of each token met."""

    def __init__(self, encoding: Any) -> None:
        super().__init__()
        self.encoding = encoding

    def __missing__(self, token: int) -> int:
        size = self[token] = len(self.encoding.decode_single_token_bytes(token))
        return size


class Words:
    """Counts texts of one tiktoken encoding from the counts of their words: the words
    met, by text (a text's first word alone in ``first``; the others with the space
    before them in ``spaced``)."""

    def __init__(self, encoding: Any) -> None:
        self.encode = encoding.encode_ordinary
        self.first: dict[str, int] = {}
        self.spaced: dict[str, int] = {}
        self.token_bytes = _TokenBytes(encoding)
        self.numbers = 0  # words with a digit kept since the tables were last emptied

    def count(self, text: str) -> int:
        """``len(encode_ordinary(text))``."""
        if _GLUED.search(text) is not None:
            return len(self.encode(text))
        words = text.split(" ")
        head = self.first.get(words[0])
        rest = list(map(self.spaced.get, words[1:]))
        if head is not None and None not in rest:
            return head + sum(rest)  # type: ignore[arg-type]
        # the words not met yet, in order (the text's last word, the only one that can
        # end with white space or be empty, stays last: every space in ``new`` follows a
        # non-space)
        new = [] if head is not None else [words[0]]
        new += [" " + words[i] for i, n in enumerate(rest, 1) if n is None]
        counts = self._learn(new)
        if counts is None:
            return len(self.encode(text))
        return sum(counts) + (head or 0) + sum(n for n in rest if n is not None)

    def _learn(self, pieces: list[str]) -> list[int] | None:
        """The counts of ``pieces`` (a first word, then words each after a space), encoded
        together, and kept; ``None`` when the tokens do not fall at their seams."""
        try:
            sizes = [len(piece.encode()) for piece in pieces]
        except UnicodeEncodeError:  # a lone surrogate: tiktoken replaces it
            return None
        tokens = iter(self.encode("".join(pieces)))
        token_bytes = self.token_bytes
        counts: list[int] = []
        try:
            for size in sizes:
                left, used = size, 0
                while left > 0:
                    left -= token_bytes[next(tokens)]
                    used += 1
                if left:
                    return None  # a token across the seam: not expected, not trusted
                counts.append(used)
        except StopIteration:
            return None
        if next(tokens, None) is not None:
            return None
        for piece, used in zip(pieces, counts, strict=True):
            spaced = piece.startswith(" ")
            known, word = (self.spaced, piece[1:]) if spaced else (self.first, piece)
            if len(word) > _LONGEST_WORD:
                continue
            if _DIGIT.search(word) is not None:
                if self.numbers >= _MOST_NUMBERS:
                    continue
                self.numbers += 1
            if len(known) >= _MOST_WORDS:
                known.clear()
                self.numbers = 0
            known[word] = used
        return counts
