"""Token counts of joined texts from their parts' counts (``convert/_seams.py``): always
exactly what the tokenizer gives for the joined text, and the joined text of a chunk is
not encoded again."""

from __future__ import annotations

import random
from typing import Any

import pytest

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert import _seams
from somark_loaders.convert.chunking import WINDOW, CountCache, _Tiktoken, token_counter
from somark_loaders.emulator import engines

from .fixtures import CORPUS, needs_corpus

ENCODINGS = ["cl100k_base", "o200k_base"]
# Pieces that change pre-tokens at a seam: digits, spaces, CJK, newlines, punctuation that
# takes the newlines after it, "#" and "|" after a blank line, contractions, "/" (which
# o200k_base's punctuation takes after newlines), Unicode spaces, marks and numbers, kana
# and Hangul, special tokens, and the "(cid:18)" of unmapped PDF fonts.
ATOMS = [
    "word", "Word", "ab", " ", "  ", "\n", "\n\n", "\r\n", "\r", "\t", ".", ",", "|", "| ",
    "#", "## ", "123", "4567", "7", "3.5", "中文", "表格", "。", "，", "'s", "'", "'LL", "$$",
    "-", "/", "\n/", " /", "\u3000", "\xa0", "\x0b", "\x85", "\u2028", "é", "\u0301", "😀",
    "don't", "—", "(", ")", "**", "`", "<|endoftext|>", "\ufeff", "\u200b", "ǅ", "٣",
    "(cid:18)", ":", "、", "养护", "x1", "9)", "»", "½", "Ⅻ", "カタ", "한국", "ー", "・",
]  # fmt: skip
SEPARATORS = ["\n\n", "\n", " ", "", "\n\n  ", " > ", "/", "."]


def _text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(ATOMS) for _ in range(rng.randint(0, most)))


def _true_count(encoding: str) -> Any:
    tiktoken = token_counter(encoding)
    assert isinstance(tiktoken, _Tiktoken)
    return lambda text: len(tiktoken.encoding.encode(text, disallowed_special=()))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_boundary_splits_the_count_in_any_text(encoding: str) -> None:
    """Where :func:`_seams.hard` says there is a boundary, a text counts as its two sides."""
    count, rng, checked = _true_count(encoding), random.Random(11), 0
    for _ in range(3000):
        text = _text(rng, 16)
        for position in range(1, len(text)):
            if _seams.hard(text, position):
                checked += 1
                assert count(text) == count(text[:position]) + count(text[position:]), (
                    text,
                    position,
                )
    assert checked > 4000


def test_the_cuts_are_the_first_and_the_last_boundary() -> None:
    rng = random.Random(13)
    for _ in range(3000):
        text = _text(rng, 12)
        inside = [p for p in range(1, len(text)) if _seams.hard(text, p)]
        assert _seams.first_cut(text) == (inside[0] if inside else len(text)), text
        assert _seams.last_cut(text) == (inside[-1] if inside else 0), text


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_joined_counts_are_exact_on_synthetic_seams(encoding: str) -> None:
    count, rng = CountCache(token_counter(encoding)), random.Random(7)
    differ = 0  # seams where the joined count is not the sum (the case being tested)
    for _ in range(4000):
        texts = [_text(rng, 14) for _ in range(rng.randint(2, 6))]
        sep = rng.choice(SEPARATORS)
        counts = [count(t) for t in texts]
        want = count(sep.join(texts))
        assert _seams.joined_count(texts, counts, sep, count) == want, (texts, sep)
        differ += want != sum(counts) + count(sep) * (len(texts) - 1)
    assert differ > 500


@pytest.mark.parametrize(
    ("left", "sep", "right"),
    [
        ("ends with a sentence.", "\n\n", "Next one"),
        ("trailing spaces   ", "\n\n", "after"),
        ("a number 12", "\n\n", "345 more"),
        ("| a | b |", "\n", "| c | d |"),
        ("text", "\n\n", "   indented"),
        ("text", "\n\n", "# Heading"),
        ("text.", "\n\n", "| cell |"),
        ("中文句子。", "\n\n", "表格内容"),
        ("表格内容", "", "中文"),
        ("line\n", "\n\n", "\nmore"),
        ("path.", "\n", "/usr/bin"),
        ("it", "", "'s here"),
    ],
)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_joined_counts_are_exact_on_named_seams(
    encoding: str, left: str, sep: str, right: str
) -> None:
    count = token_counter(encoding)
    texts = [left, right]
    got = _seams.joined_count(texts, [count(t) for t in texts], sep, count)
    assert got == count(left + sep + right)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_joined_counts_of_texts_longer_than_a_window_are_the_counters(encoding: str) -> None:
    """Beyond WINDOW characters the counter counts by windows: the joined count is still
    exactly what it gives for the joined text (prose, and unbroken runs)."""
    count, rng, long = token_counter(encoding), random.Random(3), 0
    words = ["alpha", "beta,", "gamma.", "Delta", "12", "3.5%", "(x)", "中文。", "||", "\n"]
    for _ in range(60):
        texts = [
            " ".join(rng.choice(words) for _ in range(rng.randint(100, 1200))),
            "".join(rng.choice("中文表格。") for _ in range(rng.randint(0, 3000))),
            _text(rng, 400),
        ]
        rng.shuffle(texts)
        sep = rng.choice(["\n\n", "\n", " "])
        joined = sep.join(texts)
        long += len(joined) > WINDOW
        got = _seams.joined_count(texts, [count(t) for t in texts], sep, count)
        assert got == count(joined)
    assert long > 30


def test_a_callable_tokenizer_counts_the_joined_text_itself() -> None:
    """A user's counter is not assumed to add up: it is asked for the joined text."""
    asked: list[str] = []

    def distinct_words(text: str) -> int:  # not additive: repeated words count once
        asked.append(text)
        return len(set(text.split()))

    texts = ["the cat", "the dog", "a cat"]
    got = _seams.joined_count(texts, [distinct_words(t) for t in texts], "\n\n", distinct_words)
    assert got == distinct_words("the cat\n\nthe dog\n\na cat") == 4
    assert "the cat\n\nthe dog\n\na cat" in asked


# --- whole conversions --------------------------------------------------------------------


def _result(pages: list[dict[str, Any]], name: str) -> ParseResult:
    return ParseResult.from_data(
        {
            "task_id": "t",
            "result": {"file_name": name, "outputs": {"json": {"pages": pages}}},
            "metadata": {"page_num": len(pages), "file_type": ".pdf"},
        }
    )


def _page(number: int, rng: random.Random) -> dict[str, Any]:
    """A page of headings, paragraphs (sentences, numbers, CJK) and a table."""
    words = ["retrieval", "dense", "12", "3.5%", "表格", "(BM25)", "end.", "x/y", "don't"]

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(3, 30))) + rng.choice(
            [".", "。", ":", "", "|", " "]
        )

    blocks: list[dict[str, Any]] = [
        {"idx": 0, "type": "title", "title_level": 1 + number % 3, "content": f"{number} Part"}
    ]
    for _ in range(rng.randint(2, 12)):
        kind = rng.choice(["text", "text", "text", "title", "table", "equation"])
        if kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<td>{sentence()}</td>" for _ in range(3)) + "</tr>"
                for _ in range(rng.randint(1, 25))
            )
            content = f"<table><tr><th>a</th><th>b</th><th>c</th></tr>{rows}</table>"
        else:
            content = " ".join(sentence() for _ in range(rng.randint(1, 8)))
        block: dict[str, Any] = {"idx": len(blocks), "type": kind, "content": content}
        if kind == "title":
            block["title_level"] = rng.randint(1, 3)
        blocks.append(block)
    return {"page_num": number, "blocks": blocks}


OPTIONS: list[dict[str, Any]] = [
    {"chunk_size": 512},
    {"chunk_size": 64, "min_chunk_tokens": 24},
    {"chunk_size": 200, "chunk_overlap": 40, "tokenizer": "o200k_base"},
    {"chunk_size": 256, "prepend_heading_path": True},
    {"chunk_size": 1800, "prepend_heading_path": True, "tokenizer": "o200k_base"},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_every_chunk_token_count_is_the_tokenizers_count_of_its_text(
    options: dict[str, Any],
) -> None:
    rng = random.Random(5)
    result = _result([_page(n, rng) for n in range(40)], "made.pdf")
    count = token_counter(options.get("tokenizer"))
    chunks = to_chunks(result, "chunk", doc_id="d", **options)
    assert len(chunks) > 20
    for chunk in chunks:
        assert chunk.metadata["token_count"] == count(chunk.text), chunk.text


@needs_corpus
@pytest.mark.parametrize("name", ["multi-column.pdf", "dev/chinese-tables.pdf", "word_tables.docx"])
def test_every_corpus_chunk_token_count_is_exact(name: str) -> None:
    path = CORPUS / name
    pages = engines.extract(path, path.suffix.lower(), engines.ExtractOptions(title_levels=True))
    result = _result(pages, path.name)
    for options in OPTIONS:
        count = token_counter(options.get("tokenizer"))
        for chunk in to_chunks(result, "chunk", doc_id="d", **options):
            assert chunk.metadata["token_count"] == count(chunk.text), (options, chunk.text)


def test_a_conversion_encodes_its_text_about_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each element is encoded once; a chunk made of elements is counted from their
    counts and its seams, not encoded again (it was: 1.9 times the text in all)."""
    rng = random.Random(9)
    result = _result([_page(n, rng) for n in range(60)], "made.pdf")
    encoded = [0]
    call = _Tiktoken.__call__

    def counting(self: _Tiktoken, text: str) -> int:
        encoded[0] += len(text)
        return call(self, text)

    monkeypatch.setattr(_Tiktoken, "__call__", counting)
    chunks = to_chunks(result, "chunk", doc_id="d", chunk_size=512)
    text = sum(len(c.text) for c in chunks)
    assert encoded[0] < 1.25 * text, encoded[0] / text
