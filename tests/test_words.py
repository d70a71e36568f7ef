"""Prose counted a word at a time (``convert/_words.py``): always exactly what tiktoken
gives for the text, and a word met before is not encoded again."""

from __future__ import annotations

import random
from typing import Any

import pytest

from somark_loaders.convert.chunking import WINDOW, _Tiktoken, token_counter, windows

from .test_seams import ATOMS, ENCODINGS


class _Recording:
    """A tiktoken encoding that remembers what it was asked to encode."""

    def __init__(self, encoding: Any) -> None:
        self.encoding = encoding
        self.asked: list[str] = []

    def encode_ordinary(self, text: str) -> list[int]:
        self.asked.append(text)
        return self.encoding.encode_ordinary(text)  # type: ignore[no-any-return]

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.encoding.decode_single_token_bytes(token)  # type: ignore[no-any-return]


def _encoding(name: str) -> Any:
    counter = token_counter(name)
    assert isinstance(counter, _Tiktoken)
    return counter.encoding


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_counts_are_tiktokens_in_any_text(encoding: str) -> None:
    """Spaces after spaces, newlines, Unicode spaces, digits, CJK, lone surrogates, texts
    longer than a window: the count is the encoding's, window by window."""
    real = _encoding(encoding)
    rng, long = random.Random(17), 0
    atoms = [*ATOMS, " ", " ", "word", " word.", "\ud800", "x\udc00"]
    for number in range(6000):
        count = _Tiktoken(real, encoding)  # a fresh vocabulary now and then
        most = 2500 if number % 200 == 0 else 30
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(0, most)))
        want = sum(len(real.encode_ordinary(w)) for w in windows(text))
        assert count(text) == want, text
        assert count(text) == want, text  # its words known now
        long += len(text) > WINDOW
    assert long > 5


def test_a_word_met_before_is_not_encoded_again() -> None:
    recording = _Recording(_encoding("cl100k_base"))
    count = _Tiktoken(recording, "cl100k_base")
    first = "The quick brown fox, said the report."
    second = "The report said the brown fox, and the quick cat."
    assert count(first) == len(recording.encoding.encode_ordinary(first))
    recording.asked.clear()
    assert count(second) == len(recording.encoding.encode_ordinary(second))
    assert recording.asked == [" report and cat."]  # its new words only, in one call
    recording.asked.clear()
    assert count(second) == len(recording.encoding.encode_ordinary(second))
    assert recording.asked == []
