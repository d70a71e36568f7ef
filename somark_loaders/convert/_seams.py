"""The exact token count of joined texts from the counts of their parts, without encoding
the joined text again.

tiktoken cuts a text into pre-tokens with a regular expression, then encodes each
pre-token on its own, so a text's count is the sum of its pre-tokens' counts. Joining two
texts changes only the pre-tokens around the seam: ``"end."`` and ``"\\n\\nNext"`` are
``"end", "."`` and ``"\\n\\n", "Next"`` alone but ``"end", ".\\n\\n", "Next"`` together
(punctuation takes the newlines after it), and trailing spaces run into the newlines.

Some positions are a pre-token boundary whatever the text around them (the regular
expressions of ``cl100k_base`` and ``o200k_base`` have no look-behind, and none of their
alternatives takes a non-space followed by a space, or a newline followed by a non-space):

- before a space (any Unicode white space but ``\\r``/``\\n``) that follows a non-space;
- after a ``\\n`` followed by a non-space other than ``/``.

At such a position ``p`` a text counts as ``text[:p]`` plus ``text[p:]``. So the count of
``a + sep + b`` is ``count(a) + count(b)`` minus the counts of ``a``'s last stretch (after its
last such boundary) and ``b``'s first one, plus the count of the two stretches joined
around ``sep``: three encodings of a few characters per seam. A count that tiktoken's
windows would change (more than :data:`~.chunking.WINDOW` characters, not cut at such a
boundary), a counter that is not tiktoken, or a stretch without a boundary (a long run
of CJK) falls back to encoding the joined text: the result is always exactly what the
counter gives for the joined text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from .chunking import WINDOW, CountCache, TokenCounter, _Tiktoken, windows

__all__ = ["count_each", "joined_count", "seams_counted"]

# What ``\s`` matches in tiktoken's (Rust) regular expressions: Unicode White_Space.
_WHITE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACES = _WHITE.replace("\r", "").replace("\n", "")
# Punctuation (neither a letter, a number, a mark nor a space), without the apostrophe
# that o200k_base keeps with the letters before it ("'s", "'ll").
_PUNCT = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~。，、；：？！（）《》「」『』【】“”‘’…—·'
# Letters for sure (ASCII, and CJK ideographs, kana and Hangul syllables assigned long ago).
_LETTERS = "a-zA-Z\u4e00-\u9fef\u3400-\u4db5\uac00-\ud7a3\u3041-\u3096\u30a1-\u30fa"


def _chars(chars: str) -> str:
    return "".join(re.escape(c) for c in chars)


# A position between two characters where tiktoken's pre-tokens always break, whatever
# the text around them: no alternative of either regular expression takes the two in
# one pre-token, and none looks further than the character after its match.
_BOUNDARIES = (
    # a space (not a newline) after a non-space
    f"(?<=[^{_chars(_WHITE)}])(?=[{_chars(_SPACES)}])"
    # a non-space after a newline, but "/" (o200k_base's punctuation takes ``[\r\n/]*``)
    f"|(?<=\n)(?=[^{_chars(_WHITE)}/])"
    # punctuation or a newline after a letter or a digit
    f"|(?<=[0-9{_LETTERS}])(?=[{_chars(_PUNCT)}\n])"
    # a letter after a digit, a digit after a letter or punctuation
    f"|(?<=[0-9])(?=[{_LETTERS}])"
    f"|(?<=[{_LETTERS}{_chars(_PUNCT)}])(?=[0-9])"
)


@functools.cache
def _boundary() -> re.Pattern[str]:
    """A boundary, compiled on first use (compiling takes longer than the rest of an
    import of the package)."""
    return re.compile(_BOUNDARIES)


@functools.cache
def _last() -> re.Pattern[str]:
    """The last boundary (as far as possible, then back to one): compiled only for a text
    without a boundary near its end (see :func:`last_cut`), as compiling it costs a
    conversion's first milliseconds."""
    return re.compile(f"(?s:.*)(?:{_BOUNDARIES})")


# How far back from its end a text is searched for its last boundary, a position at a
# time, before the whole text is (most texts have one within a few characters).
_NEAR_END = 64


def hard(text: str, position: int) -> bool:
    """Whether a pre-token boundary lies before ``text[position]`` whatever the text
    around ``text[position - 1 : position + 1]``."""
    return 0 < position < len(text) and _boundary().match(text, position) is not None


def last_cut(text: str) -> int:
    """The last boundary strictly inside ``text`` (see :func:`hard`), or 0."""
    meets = _MEETS  # a boundary is decided by the two characters around it
    stop = max(len(text) - _NEAR_END, 0)
    for position in range(len(text) - 1, stop, -1):
        pair = text[position - 1 : position + 1]
        found = meets.get(pair)
        if found is None:
            found = _meets(pair)
        if found:
            return position
    if stop == 0:  # every position inside the text tried
        return 0
    last = _last().match(text, 1)
    return last.end() if last is not None else 0


def first_cut(text: str) -> int:
    """The first boundary strictly inside ``text`` (see :func:`hard`), or ``len(text)``."""
    found = _boundary().search(text, 1)
    return found.start() if found is not None else len(text)


def _counted_whole(text: str) -> bool:
    """Whether tiktoken's count of ``text`` (:class:`~.chunking._Tiktoken`) is the count of
    the text as one: at most a window, or windows cut at boundaries."""
    if len(text) <= WINDOW:
        return True
    at = 0
    for window in windows(text):
        if at and not hard(text, at):
            return False
        at += len(window)
    return True


# Counts of short pieces met at seams, by encoding (bounded: emptied when full).
_PIECES: dict[str, dict[str, int]] = {}
_SHORT, _MOST_PIECES = 24, 50_000
# Whether a boundary lies between two characters (see :func:`hard`), by the pair (bounded).
_MEETS: dict[str, bool] = {}


def _meets(pair: str) -> bool:
    """Whether a boundary lies between the two characters of ``pair`` (kept in _MEETS)."""
    found = _boundary().match(pair, 1) is not None
    if len(_MEETS) < _MOST_PIECES:
        _MEETS[pair] = found
    return found


def seams_counted(count: TokenCounter) -> bool:
    """Whether :func:`joined_count` counts this counter's joined texts from their parts
    (tiktoken), rather than asking it for the joined text (any other callable)."""
    return isinstance(count.count if isinstance(count, CountCache) else count, _Tiktoken)


def joined_count(texts: Sequence[str], counts: Sequence[int], sep: str, count: TokenCounter) -> int:
    """``count(sep.join(texts))``, exactly, given ``counts[i] == count(texts[i])``."""
    if len(texts) == 1:
        return counts[0]
    tiktoken = count.count if isinstance(count, CountCache) else count
    if not texts or not isinstance(tiktoken, _Tiktoken):  # a callable: no assumption
        return count(sep.join(texts))
    length = sum(map(len, texts)) + len(sep) * (len(texts) - 1)
    if length > WINDOW:
        whole = sep.join(texts)
        if not (_counted_whole(whole) and all(_counted_whole(t) for t in texts)):
            return tiktoken(whole)
    encode = tiktoken.unwindowed  # most pieces are a few characters
    known = _PIECES.setdefault(tiktoken.name, {})
    if len(known) > _MOST_PIECES:
        known.clear()

    def piece(text: str) -> int:  # the count of a short piece (most recur: ".\n\n", "|")
        tokens = known.get(text)
        if tokens is None:
            tokens = encode(text) if text else 0
            if len(text) <= _SHORT:
                known[text] = tokens
        return tokens

    meets = _MEETS  # the ends of the two sides: a boundary between them or not

    def meet(left: str, right: str) -> bool:
        """Whether a boundary lies between ``left`` (which starts at one) and ``right``."""
        if not left or not right:
            return True
        pair = left[-1] + right[0]
        found = meets.get(pair)
        return _meets(pair) if found is None else found

    total = counts[0]
    # the text since the last boundary of what is joined so far
    tail = texts[0][last_cut(texts[0]) :]
    for text, tokens in zip(texts[1:], counts[1:], strict=True):
        # boundaries where the separator starts and where it ends: the sides count alone
        if sep:
            opens, closes = meet(tail, sep), meet(sep, text)
        else:
            opens = closes = meet(tail, text)
        head = "" if closes else text[: first_cut(text)]
        left = "" if opens else tail
        middle = left + sep + head
        if len(middle) > WINDOW:  # no boundary for thousands of characters: count it all
            return tiktoken(sep.join(texts))
        total += piece(middle) + tokens
        if left:
            total -= piece(left)
        if head:
            total -= piece(head)
        cut = last_cut(text)
        if cut:
            tail = text[cut:]
        elif text and closes:
            tail = text
        elif sep and opens:
            tail = sep + text
        else:
            tail = tail + sep + text
    return total


# --- many texts counted in one encoding ---------------------------------------------------

# Between two texts that end and start with a non-space (not "/"), this is a pre-token of
# its own in cl100k_base and o200k_base: a boundary before its space (after a non-space)
# and after its newline (before a non-space other than "/"), and its NUL makes it one
# punctuation run. So the ids of the texts joined by it are each text's ids in turn, with
# the separator's between, found by its NUL's id (no text holding a NUL is joined).
_SEPARATOR = " \x00\n"
_BATCHED = ("cl100k_base", "o200k_base")
_BATCH = 1 << 16  # characters encoded at once, about
_MARKS: dict[str, tuple[int, int, int] | None] = {}


def _mark(tiktoken: _Tiktoken) -> tuple[int, int, int] | None:
    """The separator's NUL: (its id, the separator's ids before it, after it)."""
    if tiktoken.name not in _MARKS:
        ids = tiktoken.ordinary(_SEPARATOR)
        as_bytes = tiktoken.encoding.decode_single_token_bytes
        nul = [k for k, i in enumerate(ids) if b"\x00" in as_bytes(i)]
        found = (ids[nul[0]], nul[0], len(ids) - nul[0] - 1) if len(nul) == 1 else None
        _MARKS[tiktoken.name] = found
    return _MARKS[tiktoken.name]


def count_each(texts: Iterable[str], count: TokenCounter, known: dict[str, int]) -> None:
    """Put the count of each of ``texts`` in ``known`` (``count``'s counts, by text),
    encoded a batch at a time rather than a call each: a call costs tiktoken microseconds
    of its own, and a conversion counts thousands of headings, paragraphs and table rows.
    The counts are exactly the texts' own. Texts it cannot join so (over a window, empty,
    starting or ending with a space, starting with "/", holding a NUL), and a counter that
    is not tiktoken's cl100k_base or o200k_base, are left to be counted alone.
    """
    if not isinstance(count, _Tiktoken) or count.name not in _BATCHED:
        return
    mark = _mark(count)
    if mark is None:
        return
    nul, before, after = mark
    batch: dict[str, None] = {}
    size = 0

    def encode() -> None:
        texts = list(batch)
        try:
            ids = count.ordinary(_SEPARATOR.join(texts))
        except UnicodeEncodeError:  # lone surrogates: counted alone (tiktoken replaces them)
            return
        start = 0
        for text in texts[:-1]:
            at = ids.index(nul, start)
            known[text] = at - before - start
            start = at + 1 + after
        known[texts[-1]] = len(ids) - start

    for text in texts:
        if (
            not text
            or len(text) > WINDOW
            or text[0] in _WHITE
            or text[-1] in _WHITE
            or text[0] == "/"
            or "\x00" in text
            or text in batch
            or text in known
        ):
            continue
        batch[text] = None
        size += len(text)
        if size >= _BATCH:
            encode()
            batch, size = {}, 0
    if batch:
        encode()
