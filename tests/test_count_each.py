"""Many texts counted in one encoding (issue 27, distinct content): a call to tiktoken
costs microseconds of its own, and a conversion counts thousands of headings, paragraphs
and table rows; joined by a separator that is a pre-token of its own, each text's count
is read from the ids of the whole, exactly."""

from __future__ import annotations

import random
from typing import Any

import pytest

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert._seams import count_each
from somark_loaders.convert.chunking import token_counter

from .fixtures import block, page
from .test_convert_work import _recording_counts

_PARTS = [
    *"abc XYZ.,;:!?'\"()[]{}<>/\\|-_=+*&^%$#@~`\n\t\r12345 中文字ひらがなカタカナ한국어",
    *"\u3000\u00a0\u2028é😀",
    "'s",
    "'ll",
    "'ve",
    "  ",
    "\n\n",
    "...",
    "123456",
    "https://x.y/z",
    "<|endoftext|>",
    "| 1.5 | x |",
    "# Title",
]


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_counts_found_together_are_each_texts_own(name: str) -> None:
    rng = random.Random(11)
    counter = token_counter(name)
    batched = 0
    for _ in range(150):
        texts = [
            "".join(rng.choice(_PARTS) for _ in range(rng.randint(0, 30)))
            for _ in range(rng.randint(1, 40))
        ]
        texts += ["/path first", " space first", "nul \x00 inside", "end space "]
        known: dict[str, int] = {}
        count_each(texts, counter, known)
        assert not {"/path first", " space first", "nul \x00 inside", "end space "} & set(known)
        for text, tokens in known.items():
            assert tokens == counter(text), (text, tokens)
        batched += len(known)
    assert batched > 1000
    known = {}
    count_each(["a text", "lone \udfff surrogate"], counter, known)
    assert known == {}  # tiktoken refuses the batch: its texts are left to be counted alone


def test_a_callable_or_another_encoding_is_left_alone() -> None:
    from somark_loaders.convert.chunking import _Tiktoken

    known: dict[str, int] = {}
    count_each(["some text"], len, known)
    other = _Tiktoken(token_counter().encoding, "r50k_base")  # (its rules are not checked)
    count_each(["some text"], other, known)
    assert known == {}


def _result(blocks: list[dict[str, Any]]) -> ParseResult:
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    return ParseResult.from_data(data)


def test_a_conversion_counts_its_paragraphs_and_rows_in_a_few_encodings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Headings and paragraphs (all at once), and the rows of a table that will be split
    (a table at once): a few calls to tiktoken, where each was one."""
    blocks = [block(0, "title", "1 Terms", 100, title_level=1)]
    blocks += [
        block(i, "text", f"Paragraph {i} says what the supplier delivers, and when.", 100)
        for i in range(1, 60)
    ]
    rows = "".join(f"<tr><td>item {r}</td><td>{r * 17.5:.2f}</td></tr>" for r in range(80))
    blocks.append(block(60, "table", f"<table><tr><th>A</th><th>B</th></tr>{rows}</table>", 100))
    parsed = _result(blocks)
    expected = [(c.text, c.metadata) for c in to_chunks(parsed, chunk_size=200, doc_id="d")]
    calls = _recording_counts(monkeypatch)
    chunks = to_chunks(parsed, chunk_size=200, doc_id="d")
    assert [(c.text, c.metadata) for c in chunks] == expected
    assert sum("|---" in c.text for c in chunks) > 2  # the table split by rows
    alone = [t for t in calls if len(t) > 24]  # seams' pieces aside
    assert len(alone) < 30, len(alone)


def test_a_counter_pickles_and_counts_alike() -> None:
    """The counter keeps tiktoken's core encoder at hand, which does not pickle: it is
    pickled as its encoding (a counter can go to another process)."""
    import pickle

    counter = token_counter("o200k_base")
    again = pickle.loads(pickle.dumps(counter))
    assert again("some text, 12345") == counter("some text, 12345") == 6
