"""Conversion grows linearly with the document: compared as ratios within one run
(never against wall-clock thresholds, machines are noisy)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from somark_loaders import ConvertOptions, to_chunks

from .test_convert import result_of


def continued_table(pages: int) -> list[dict[str, Any]]:
    """A table that runs over ``pages`` pages, 20 rows a page, header on page 1 only."""
    out = []
    for n in range(pages):
        head = "<tr><th>Year</th><th>Region</th><th>Value</th></tr>" if n == 0 else ""
        rows = "".join(
            f"<tr><td>{1900 + n}</td><td>R{r}</td><td>{n * 20 + r}</td></tr>" for r in range(20)
        )
        block = {
            "idx": 0,
            "type": "table",
            "bbox": [50, 50, 1200, 1600],
            "content": f"<table>{head}{rows}</table>",
            "format": "html",
        }
        out.append(
            {
                "page_num": n,
                "page_size": {"w": 1275, "h": 1650},
                "merge_content_from_pre_page": n > 0,
                "blocks": [block],
            }
        )
    return out


def cpu_seconds(pages: int, mode: str) -> float:
    """This process's CPU time for one conversion: unlike wall time, not stretched by
    other processes taking the cores (a loaded CI machine once made it 9.5x)."""
    result = result_of(continued_table(pages))
    started = time.process_time()
    options = ConvertOptions(mode=mode, chunk_size=400)  # type: ignore[arg-type]
    assert to_chunks(result, doc_id="d", options=options)
    return time.process_time() - started


def test_a_table_continued_over_many_pages_merges_in_linear_time() -> None:
    for mode in ("element", "chunk"):
        small = large = float("inf")
        for _ in range(5):  # the best of five, the sizes taken in turn
            small = min(small, cpu_seconds(50, mode))
            large = min(large, cpu_seconds(200, mode))
        # 4x the pages: about 4x the time when linear, about 16x when quadratic
        assert large / small < 8, f"{mode}: {large / small:.1f}x for 4x the pages"


def test_a_large_result_is_built_without_garbage_collections() -> None:
    """Each automatic collection walks every object built so far: on a result of
    thousands of pages that made reading it 3x slower. None runs while it is built, and
    the collector is left as it was."""
    import gc

    from somark_loaders.models import ParseResult

    pages = [
        {
            "page_num": n,
            "page_size": {"w": 1275, "h": 1650},
            "blocks": [
                {"idx": j, "type": "text", "bbox": [10, j, 900, j + 9], "content": f"p {n} {j}"}
                for j in range(20)
            ],
        }
        for n in range(1500)
    ]
    data = {"task_id": "t", "result": {"outputs": {"json": {"pages": pages}}}}
    runs: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:  # a full collection
            runs.append(phase)

    gc.callbacks.append(count)
    try:
        result = ParseResult.from_data(data)
    finally:
        gc.callbacks.remove(count)
    assert result.page_count == 1500 or len(result.pages) == 1500
    assert runs == [] and gc.isenabled()


class CharsCounted:
    """A token counter (one token a word) that records how much text it was given."""

    def __init__(self) -> None:
        self.chars = 0
        self.texts: list[str] = []

    def __call__(self, text: str) -> int:
        self.chars += len(text)
        self.texts.append(text)
        return len(text.split())


def test_splitting_a_long_paragraph_counts_its_text_a_bounded_number_of_times() -> None:
    """A paragraph is cut into pieces by adding sentences: counting the whole piece again
    at every sentence made the work quadratic in the sentences of a piece."""
    from somark_loaders.convert.chunking import split_text

    text = " ".join(f"Sentence {n} says something about the subject." for n in range(600))
    counter = CharsCounted()
    pieces = split_text(text, 2000, counter)
    assert " ".join(p.text for p in pieces) == text
    # each sentence once, a piece a few times near its end: about 5x; quadratic: about 90x
    assert counter.chars < 10 * len(text), f"{counter.chars / len(text):.0f}x the text counted"


def test_conversion_counts_each_text_once() -> None:
    """An element's count, then its chunk's: the same text is never encoded twice."""
    from .test_convert import paper

    counter = CharsCounted()
    chunks = to_chunks(paper(), tokenizer=counter, chunk_size=60)
    assert len(chunks) > 3
    repeated = {t for t in counter.texts if counter.texts.count(t) > 1}
    assert not repeated, f"counted again: {sorted(repeated)[:3]}"


def _one_block(text: str) -> Any:
    return result_of(
        [
            {
                "page_num": 0,
                "page_size": {"w": 1275, "h": 1650},
                "blocks": [
                    {"idx": 0, "type": "text", "bbox": [50, 50, 1200, 1600], "content": text}
                ],
            }
        ]
    )


# One text block of megabytes without a sentence break: a line of dots, words with no
# punctuation, CJK without punctuation (one "word" of megabytes).
UNBROKEN = {
    "one run": lambda size: "." * size,
    "words": lambda size: " ".join(f"w{n % 9973}x{n % 7}" for n in range(size // 8))[:size],
    "cjk": lambda size: "中文文本" * (size // 4),
}
SMALL, LARGE = 500_000, 4_000_000


class Bounded(CharsCounted):
    """CharsCounted (tokens: characters / 4) that gives up once it has been given far
    more text than a linear cut needs, so a quadratic cut fails fast instead of hanging."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __call__(self, text: str) -> int:
        self.chars += len(text)
        assert self.chars <= self.limit, f"{self.chars / self.limit * 40:.0f}x the text counted"
        return (len(text) + 3) // 4


@pytest.mark.parametrize("kind", sorted(UNBROKEN))
def test_cutting_a_long_unbroken_text_is_linear(kind: str) -> None:
    """Cutting a piece off a run never searches all that is left of it (the work would grow
    with the square of the run: 4 MB in minutes). 8x the text: about 8x the text counted."""
    counted = []
    for size in (SMALL, LARGE):
        text = UNBROKEN[kind](size)
        counter = Bounded(limit=40 * len(text))
        chunks = to_chunks(_one_block(text), tokenizer=counter, chunk_size=512, doc_id="d")
        assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
        counted.append(counter.chars)
    assert counted[1] / counted[0] < 16, f"{counted[1] / counted[0]:.1f}x for 8x the text"


def test_tiktoken_is_never_given_an_unbounded_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken's cost grows faster than the length of an unbroken run (one "word" of
    megabytes): it is given a bounded window at a time, and the text it is given in all
    grows with the text."""
    import tiktoken

    given: list[int] = []
    encode = tiktoken.Encoding.encode

    def counting(self: Any, text: str, *args: Any, **kwargs: Any) -> list[int]:
        given.append(len(text))
        return encode(self, text, *args, **kwargs)

    monkeypatch.setattr(tiktoken.Encoding, "encode", counting)
    totals, largest = [], []
    for size in (SMALL // 2, LARGE // 2):
        given.clear()
        chunks = to_chunks(_one_block("." * size), chunk_size=512, doc_id="d")
        assert "".join(c.text for c in chunks) == "." * size
        totals.append(sum(given))
        largest.append(max(given))
    assert largest[1] == largest[0] < SMALL // 2, f"tiktoken was given {largest} characters at once"
    assert totals[1] / totals[0] < 16, f"{totals[1] / totals[0]:.1f}x for 8x the text"


def test_a_table_split_by_rows_is_encoded_about_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table that may not fit is counted a line at a time, and its parts from those
    lines' counts: never the whole table, then every row once more."""
    from somark_loaders.convert.chunking import token_counter

    given: list[str] = []
    counter = token_counter()
    encode = counter.ordinary  # type: ignore[attr-defined]

    def counting(text: str) -> list[int]:
        given.append(text)
        return encode(text)  # type: ignore[no-any-return]

    rows = "".join(
        f"<tr><td>{n * 7.31:.2f}</td><td>{n * 13.7:.1f}</td><td>{n % 11}</td></tr>"
        for n in range(16)
    )
    block = {
        "idx": 0,
        "type": "table",
        "bbox": [50, 50, 1200, 1600],
        "content": f"<table><tr><th>A</th><th>B</th><th>C</th></tr>{rows}</table>",
        "format": "html",
    }
    result = result_of([{"page_num": 0, "page_size": {"w": 1275, "h": 1650}, "blocks": [block]}])
    # what counting calls: tiktoken's core encoder (the instance is frozen: set in its dict)
    table = to_chunks(result, mode="element", doc_id="d")[0].text
    assert len(table) <= 4 * 100  # under the length at which it was assumed to be split
    monkeypatch.setitem(counter.__dict__, "ordinary", counting)
    chunks = to_chunks(result, chunk_size=100, doc_id="d")
    assert len(chunks) > 2  # split by rows
    # seams' pieces aside; the rows are encoded together (a separator between them)
    encoded = sum(len(text) for text in given if len(text) > 24)
    assert encoded > len(table) / 2  # the counts went through the hook
    assert encoded < 1.3 * len(table), f"{encoded} characters encoded for {len(table)}"
