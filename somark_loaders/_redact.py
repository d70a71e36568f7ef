"""Keeping the key out of every text the package shows: redaction by value.

The value of every :class:`Secret` made in the process is
remembered, and any run of :data:`RUN` characters of it is hidden wherever it shows up
(a server echoing it, an error, a log line), as is anything that looks like a key
(``sk-...``). Server text is redacted before it is cut (:func:`redact_cut`), so a cut
through an echoed key does not leave a piece of it on show.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["RUN", "Secret", "redact", "redact_cut", "remember_secret", "scrub"]

_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_\-]{3,}")
# The value of every Secret made in this process (see Secret below): redacted by value,
# whatever its shape, wherever it shows up (a server echoing it, an error, a log line).
_SECRETS: set[str] = set()
# The shortest run of a key that is redacted: any 8 characters of it in a row are (a cut
# through an echoed key leaves such a run), shorter ones are ordinary text.
RUN = 8
# (start, end, replacement) of a part of a text to hide
_Span = tuple[int, int, str]


def remember_secret(value: str) -> None:
    """Redact ``value`` from every message from now on."""
    if len(value) >= 4:  # shorter values would blank ordinary words
        _SECRETS.add(value)


BLOCK = RUN // 2  # every RUN-character window of a key holds one of its blocks whole


@functools.lru_cache(maxsize=64)
def _blocks(secret: str) -> tuple[re.Pattern[str], dict[str, tuple[int, ...]]]:
    """A pattern finding the :data:`BLOCK`-character blocks of ``secret`` (one every
    BLOCK characters and one at its end: every :data:`RUN`-character window of it holds
    one whole), and where each block text sits in the secret. Built once per secret."""
    offsets = sorted({*range(0, len(secret) - BLOCK + 1, BLOCK), len(secret) - BLOCK})
    where: dict[str, tuple[int, ...]] = {}
    for offset in offsets:
        block = secret[offset : offset + BLOCK]
        where[block] = (*where.get(block, ()), offset)
    return re.compile("|".join(map(re.escape, where))), where


def _run_length(text: str, start: int, secret: str, i: int) -> int:
    """How far the run of ``secret[i:]`` at ``text[start:]`` goes (its first RUN
    characters match): the longest matching prefix, found in a few comparisons."""
    low, high = RUN, len(secret) - i  # low matches; is there more, up to high?
    while low < high:
        middle = (low + high + 1) // 2
        if text.startswith(secret[i : i + middle], start):
            low = middle
        else:
            high = middle - 1
    return low


def _secret_spans(text: str, secret: str) -> list[_Span]:
    """Every run of ``secret`` of :data:`RUN` characters or more in ``text`` (every
    occurrence of a shorter secret).

    One pass over the block occurrences, in order: each verifies the windows of the
    secret that hold it, and a stretch of text already covered is jumped over, so a text
    made of the key repeated costs a few checks per repetition, not one per character.
    """
    found: list[_Span] = []
    if len(secret) <= RUN:
        at = text.find(secret)
        while at >= 0:
            found.append((at, at + len(secret), "***"))
            at = text.find(secret, at + 1)
        return found
    pattern, where = _blocks(secret)
    first = end = 0  # [first, end): covered without a gap
    match = pattern.search(text)
    while match is not None:
        at = match.start()
        if at - (RUN - BLOCK) >= first and at + RUN <= end:
            # every window holding this block (and any block before end - RUN) is covered
            match = pattern.search(text, max(at + 1, end - RUN + 1))
            continue
        for offset in where[match.group()]:
            # the windows [i, i + RUN) of the secret that hold this block whole
            for i in range(max(0, offset - RUN + BLOCK), min(offset, len(secret) - RUN) + 1):
                start = at - (offset - i)
                if start < 0 or (first <= start and start + RUN <= end):
                    continue
                if not text.startswith(secret[i : i + RUN], start):
                    continue
                size = _run_length(text, start, secret, i)
                found.append((start, start + size, "***"))
                if start > end:
                    first = start
                end = max(end, start + size)
        match = pattern.search(text, at + 1)
    return found


def _secrets(api_key: str | None) -> frozenset[str]:
    return frozenset((*_SECRETS, api_key) if api_key else _SECRETS)


def _spans(text: str, secrets: frozenset[str]) -> list[_Span]:
    """What to hide in ``text``: every run of a secret (overlapping windows merged into
    one span), and anything that looks like a key (``sk-...``)."""
    found = [span for secret in secrets for span in _secret_spans(text, secret)]
    found += [(m.start(), m.end(), "sk-***") for m in _KEY_PATTERN.finditer(text)]
    found.sort()
    merged: list[_Span] = []
    for start, end, mark in found:
        if merged and start <= merged[-1][1]:
            first, last, shown = merged[-1]
            merged[-1] = (first, max(last, end), "***" if "***" in (shown, mark) else shown)
        else:
            merged.append((start, end, mark))
    return merged


def redact(text: str, api_key: str | None = None) -> str:
    """Remove every known key (by value: any :data:`RUN` characters of it in a row), the
    given one, and anything that looks like a key (``sk-...``) from text."""
    spans = _spans(text, _secrets(api_key))
    if not spans:
        return text
    out, at = [], 0
    for start, end, mark in spans:
        out += [text[at:start], mark]
        at = end
    out.append(text[at:])
    return "".join(out)


def redact_cut(text: str | bytes, limit: int, api_key: str | None = None) -> str:
    """``text`` (bytes: decoded as UTF-8) redacted, then cut to ``limit`` characters.

    Redacting first means that a key the cut would split is hidden whole, not left with
    a piece of it on show. Only the start of ``text`` is read (as much as the cut needs).
    """
    secrets = _secrets(api_key)
    margin = max((len(s) for s in secrets), default=0) + RUN
    size = limit + margin
    while True:
        part = text[:size]
        whole = len(part) == len(text)
        decoded = part.decode("utf-8", "replace") if isinstance(part, bytes) else part
        # past `safe`, a key may go on beyond what was read: those characters wait
        safe = len(decoded) if whole else len(decoded) - margin
        out, length, at = [], 0, 0
        for start, end, mark in [*_spans(decoded, secrets), (len(decoded), len(decoded), "")]:
            plain = decoded[at : min(start, safe)]
            out.append(plain[: limit - length])
            length += len(out[-1])
            if length >= limit or start >= safe:
                break
            out.append(mark)
            length += len(mark)
            at = end
        if length >= limit or whole:
            return "".join(out)[:limit]
        size *= 4


def scrub(value: Any, api_key: str | None = None, depth: int = 0) -> Any:
    """A copy of a JSON value with every string in it (keys included) redacted; what is
    nested deeper than 100 levels is dropped (no error message is)."""
    if isinstance(value, str):
        return redact(value, api_key)
    if depth > 100 and isinstance(value, (dict, list)):
        return "..."
    if isinstance(value, dict):
        return {scrub(k, api_key): scrub(v, api_key, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, api_key, depth + 1) for v in value]
    return value


class Secret:
    """A string that never shows itself in ``repr``, ``str``, logs or pickles' reprs.

    The key is wrapped the moment it enters the package (an argument or the environment)
    and revealed only where the request's form is built, so no frame holds it as a plain
    string (tracebacks that record local variables show ``Secret('***')``). Its value is
    also redacted from every error message and log line of the package.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember_secret(value)

    def reveal(self) -> str:
        """The secret itself, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        return (Secret, (self._value,))
