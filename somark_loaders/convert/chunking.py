"""Token counting and token-bounded splitting.

Token counts come from tiktoken (``cl100k_base`` by default, any tiktoken encoding or model
name) or from any ``Callable[[str], int]`` the user passes. tiktoken downloads its BPE files
on first use; when ``TIKTOKEN_CACHE_DIR`` is not set we read them from the copies that
llama-index-core ships (``llama_index/core/_static/tiktoken_cache``: ``cl100k_base`` and
``o200k_base``), so counting works offline out of the box.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib.util
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .._errors import ConfigurationError

__all__ = [
    "CountCache",
    "TokenCounter",
    "Tokenizer",
    "check_tokenizer",
    "split_text",
    "token_counter",
]

DEFAULT_ENCODING = "cl100k_base"
_BPE_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
_ENV_LOCK = threading.Lock()


class TokenCounter(Protocol):
    def __call__(self, text: str, /) -> int: ...


Tokenizer = str | Callable[[str], int] | None

# The most characters tiktoken is given at once. Its cost grows faster than the length of
# an unbroken run (a line of dots, one character repeated, CJK without punctuation: one
# "word" of megabytes), so a longer text is encoded in windows cut before a space, where
# BPE would cut anyway: the count of prose is exact, that of an unbroken run a token or
# so off per window, and the work is linear.
WINDOW = 4096


def windows(text: str, size: int = WINDOW) -> Iterator[str]:
    """``text`` in consecutive parts of at most ``size`` characters, each cut before a
    space in its second half when there is one."""
    start = 0
    while len(text) - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        end = cut if cut > start else start + size
        yield text[start:end]
        start = end
    yield text[start:]


@dataclass(frozen=True)
class _Tiktoken:
    """A token counter backed by a tiktoken encoding (also splits by tokens)."""

    encoding: Any
    name: str
    # the encoder's own encode_ordinary (tiktoken's Rust core), without the Python method
    # around it: a conversion asks for thousands of short counts (table rows, headings)
    ordinary: Callable[[str], list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        core = getattr(self.encoding, "_core_bpe", None)
        ordinary = getattr(core, "encode_ordinary", None) or self.encoding.encode_ordinary
        object.__setattr__(self, "ordinary", ordinary)

    def __reduce__(self) -> tuple[type[_Tiktoken], tuple[Any, str]]:
        # pickled as its encoding (which tiktoken pickles) and name: the core's method is not
        return (_Tiktoken, (self.encoding, self.name))

    def __call__(self, text: str) -> int:
        # encode_ordinary: encode(text, disallowed_special=()) without its checks
        if len(text) <= WINDOW:  # (unwindowed, inline: asked for thousands of times)
            try:
                return len(self.ordinary(text))
            except UnicodeEncodeError:
                return len(self.encoding.encode_ordinary(text))
        return sum(len(self.encoding.encode_ordinary(w)) for w in windows(text))

    def unwindowed(self, text: str) -> int:
        """The count of ``text`` encoded in one piece, whatever its length."""
        try:
            return len(self.ordinary(text))
        except UnicodeEncodeError:  # lone surrogates: tiktoken's method replaces them
            return len(self.encoding.encode_ordinary(text))

    def split(self, text: str, size: int) -> list[str]:
        """``text`` in pieces of ``size`` tokens (the last one shorter), encoded a window
        at a time (see :data:`WINDOW`)."""
        ids = [i for w in windows(text) for i in self.encoding.encode(w, disallowed_special=())]
        return [self.encoding.decode(ids[i : i + size]) for i in range(0, len(ids), size)]


class CountCache:
    """A token counter that encodes each distinct text once (one conversion's worth).

    Conversion asks for the count of the same text several times (an element, then the
    chunk made of it; a table part checked, then measured): encoding is most of its cost.
    """

    def __init__(self, count: TokenCounter) -> None:
        self.count = count
        self.known: dict[str, int] = {}  # also filled many at once (_seams.count_each)

    def __call__(self, text: str) -> int:
        tokens = self.known.get(text)
        if tokens is None:
            tokens = self.known[text] = self.count(text)
        return tokens


def _llama_index_cache() -> Path | None:
    """llama-index-core's copy of the BPE files, found without importing the package (its
    import takes 1-2 s: the whole first-document budget, for a folder name)."""
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except (ImportError, ValueError):  # pragma: no cover - llama-index-core is a dependency
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "_static" / "tiktoken_cache"
        if path.is_dir():
            return path
    return None


@functools.lru_cache(maxsize=16)
def _encoding_name(name: str) -> str:
    """The tiktoken encoding ``name`` is or stands for (a model name): no BPE file is read."""
    import tiktoken
    from tiktoken.model import MODEL_TO_ENCODING

    try:
        encoding_name = tiktoken.encoding_name_for_model(name)
    except KeyError:
        encoding_name = name
    encodings = tiktoken.list_encoding_names()
    if encoding_name not in encodings:
        close = difflib.get_close_matches(name, [*encodings, *MODEL_TO_ENCODING], n=1)
        raise ConfigurationError(
            f"Unknown tokenizer {name!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f": pass a tiktoken encoding ({', '.join(encodings)}), "
            "a model name such as 'gpt-4o', or a callable that counts tokens."
        )
    return encoding_name


def check_tokenizer(tokenizer: Tokenizer) -> None:
    """Raise :class:`ConfigurationError` now for what :func:`token_counter` would refuse
    (an unknown name, not a string or a callable), without loading any BPE file."""
    if isinstance(tokenizer, str):
        _encoding_name(tokenizer)
    elif tokenizer is not None and not callable(tokenizer):
        token_counter(tokenizer)


@functools.lru_cache(maxsize=16)
def _encoding(name: str) -> _Tiktoken:
    import tiktoken

    encoding_name = _encoding_name(name)
    user_cache = "TIKTOKEN_CACHE_DIR" in os.environ or "DATA_GYM_CACHE_DIR" in os.environ
    fallback = _llama_index_cache()
    shipped = (
        fallback is not None
        and encoding_name in _BPE_URLS
        and (fallback / hashlib.sha1(_BPE_URLS[encoding_name].encode()).hexdigest()).is_file()  # noqa: S324 tiktoken's cache file name
    )
    try:
        if user_cache or not shipped:
            return _Tiktoken(tiktoken.get_encoding(encoding_name), encoding_name)
        # tiktoken reads its cache directory from the environment only: point it at the
        # shipped files for this one load (tiktoken still checks their sha256).
        with _ENV_LOCK:
            os.environ["TIKTOKEN_CACHE_DIR"] = str(fallback)
            try:
                return _Tiktoken(tiktoken.get_encoding(encoding_name), encoding_name)
            finally:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
    except ConfigurationError:
        raise
    except Exception as err:  # network errors of every HTTP stack tiktoken may use
        raise ConfigurationError(
            f"tiktoken could not load the {encoding_name!r} BPE file "
            f"({type(err).__name__}: {err}). "
            "It is downloaded on first use; offline, only cl100k_base and o200k_base are "
            "available (from llama-index-core). Set TIKTOKEN_CACHE_DIR to a directory that "
            "holds the file, or pass tokenizer=<callable counting tokens>."
        ) from err


def token_counter(tokenizer: Tokenizer = None) -> TokenCounter:
    """A function that counts tokens.

    Args:
        tokenizer: ``None`` (``cl100k_base``), a tiktoken encoding name, a model name
            (``"gpt-4o"``), or a callable ``str -> int`` used as is.

    Raises:
        ConfigurationError: unknown name, or a BPE file that cannot be loaded offline.
    """
    if tokenizer is None:
        return _encoding(DEFAULT_ENCODING)
    if isinstance(tokenizer, str):
        return _encoding(tokenizer)
    if callable(tokenizer):
        return tokenizer
    raise ConfigurationError(
        f"tokenizer must be an encoding name or a callable, got {type(tokenizer).__name__}."
    )


# --- splitting one long text ---------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?;:。！？；…])[\"'”’)\]]*\s+|(?<=[。！？；])")
_WORD = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    text: str
    tokens: int
    oversized: bool = False


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE.finditer(text):
        end = match.end()
        if end > start:
            parts.append(text[start:end])
            start = end
    if start < len(text):
        parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _hard_split(text: str, budget: int, count: TokenCounter) -> Iterator[Piece]:
    """Split a sentence longer than ``budget`` at words, then (if need be) inside a word.

    Words are counted once each; a piece grows by their counts and its text is counted
    exactly only near the budget and when it is done (counting the whole piece at every
    word made a long text without sentence breaks cost its length times a piece's).
    """
    words: list[str] = []  # the piece so far, each word with the spaces after it
    sizes: list[int] = []  # their own counts
    used = 0  # tokens of the piece (exact or estimate)
    for word in _WORD.findall(text):
        bare = word.strip()
        tokens = count(bare) if bare else 0
        if tokens > budget:
            while words:
                piece, words, sizes = _fit(words, sizes, budget, count)
                yield piece
            used = 0
            yield from _split_run(bare, budget, count)
            continue
        guess = used + tokens
        if words and guess > budget:
            guess = count(("".join(words) + word).strip())
            if guess > budget:
                piece, words, sizes = _fit(words, sizes, budget, count)
                yield piece
                guess = sum(sizes) + tokens
        words.append(word)
        sizes.append(tokens)
        used = guess
    while words:
        piece, words, sizes = _fit(words, sizes, budget, count)
        yield piece


def _fit(
    words: list[str], sizes: list[int], budget: int, count: TokenCounter
) -> tuple[Piece, list[str], list[int]]:
    """The longest piece that opens ``words`` within ``budget`` tokens (at least one
    word), counted exactly, and the words (and their counts) left for the next one:
    estimates can be off at the seams, by a few words. Found by stepping back from the
    end by 1, 2, 4... words, then halving: a few counts."""
    low, high, step = 1, len(words), 1
    while high - step > low:
        if count("".join(words[: high - step]).strip()) <= budget:
            low = high - step
            break
        high, step = high - step - 1, step * 2
    while low < high:
        middle = (low + high + 1) // 2
        if count("".join(words[:middle]).strip()) <= budget:
            low = middle
        else:
            high = middle - 1
    text = "".join(words[:low]).strip()
    return Piece(text, count(text)), words[low:], sizes[low:]


def _split_run(run: str, budget: int, count: TokenCounter) -> Iterator[Piece]:
    """A run with no spaces (a URL, CJK text, base64...) cut into pieces of <= budget tokens."""
    tiktoken = count.count if isinstance(count, CountCache) else count
    if isinstance(tiktoken, _Tiktoken):
        for part in tiktoken.split(run, budget):
            tokens = count(part)
            yield Piece(part, tokens, oversized=tokens > budget)
        return
    start = 0
    while start < len(run):
        end = _longest_within(run, start, budget, count)
        part = run[start:end]
        tokens = count(part)
        yield Piece(part, tokens, oversized=tokens > budget)
        start = end


def _longest_within(run: str, start: int, budget: int, count: TokenCounter) -> int:
    """Where the longest piece of ``run`` from ``start`` within ``budget`` tokens ends (at
    least one character). The search doubles its reach from 64 characters before halving
    back, so it counts about as much text as the piece holds, not all that is left of
    the run (which made cutting a long run quadratic)."""
    good, reach = start + 1, 64  # good: an end known to fit (or the one-character least)
    bad = len(run) + 1  # an end known not to fit
    while good < len(run):
        end = min(start + reach, len(run))
        if count(run[start:end]) <= budget:
            good = end
            reach *= 2
        else:
            bad = end
            break
    low, high = good, bad - 1
    while low < high:  # the longest end in [good, bad) that fits
        middle = (low + high + 1) // 2
        if count(run[start:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(text: str, budget: int, count: TokenCounter, overlap: int = 0) -> list[Piece]:
    """Cut ``text`` into pieces of at most ``budget`` tokens at sentence boundaries.

    Each piece after the first starts with the trailing sentences of the previous piece
    that fit in ``overlap`` tokens. A piece is over budget only when one unsplittable
    token run is (``oversized``).

    Sentences are counted once each; a piece grows by their counts (plus one token per
    seam) and its text is counted exactly only near the budget and once when it is done,
    so the work is linear in the text, not quadratic in the sentences of a piece.
    """
    units: list[Piece] = []
    for sentence in _sentences(text):
        tokens = count(sentence.strip())
        if tokens <= budget:
            units.append(Piece(sentence.strip(), tokens))
        else:
            units.extend(_hard_split(sentence, budget, count))
    pieces: list[Piece] = []
    tail: list[Piece] = []  # the overlap carried from the previous piece
    used = units[0].tokens if units else 0  # tokens of the piece so far (exact or estimate)
    start = 0
    while start < len(units):
        current = [*tail, units[start]]
        end = start + 1
        while end < len(units):
            guess = used + 1 + units[end].tokens
            if guess > budget:
                guess = count(_joined([*current, units[end]]))
                if guess > budget:
                    break
            current.append(units[end])
            used = guess
            end += 1
        # estimates can be off at the seams: the piece is counted exactly, and sentences
        # that do not fit after all go to the next one
        while (tokens := count(body := _joined(current))) > budget and len(current) > len(tail) + 1:
            current.pop()
            end -= 1
        pieces.append(Piece(body, tokens, oversized=any(u.oversized for u in current)))
        if end >= len(units):
            break
        tail, used = _overlap(current, units[end], budget, overlap, count)
        start = end
    return pieces


def _joined(units: list[Piece]) -> str:
    return " ".join(u.text for u in units)


def _overlap(
    done: list[Piece], following: Piece, budget: int, overlap: int, count: TokenCounter
) -> tuple[list[Piece], int]:
    """The trailing sentences of ``done`` (within ``overlap`` tokens) that fit before
    ``following`` in one piece, and the exact tokens of the two together."""
    tail: list[Piece] = []
    if overlap > 0:
        for previous in reversed(done):
            if previous.oversized or sum(t.tokens for t in tail) + previous.tokens > overlap:
                break
            tail.insert(0, previous)
    while tail:
        tokens = count(_joined([*tail, following]))
        if tokens <= budget:
            return tail, tokens
        tail.pop(0)
    return tail, following.tokens
