"""Benchmark: our chunk mode against what a user would do with the Markdown instead.

Two 320-page results:

- *synthetic*: 20 blocks a page (headings at three levels, paragraphs from a small
  vocabulary, tables every other page, equations, figures with captions, headers, footers);
- *realistic*: the pages the emulator reads from the public documents in ``tests/data`` and
  ``examples/data`` (prose in one and two columns, ruled and unruled tables with merged
  header cells, a Word file), repeated to 320 pages, each copy's texts made distinct (a
  copy number) so that no text is seen twice.

Each is converted by ``to_chunks(mode="chunk")`` (with ``doc_id``, as the loaders call it,
and bare, which hashes the result for its ids) and, in the same run, its Markdown goes
through LangChain's ``MarkdownHeaderTextSplitter`` then a tiktoken-based
``RecursiveCharacterTextSplitter`` at the same chunk size. Prints elements per second,
chunks, peak memory (tracemalloc) and the time ratio. Target: ours at least 2x as fast,
with page and table metadata that the baseline does not have.

Run: ``.venv/bin/python bench/convert.py [--pages N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import copy
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import made_block, result_data

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert.chunking import token_counter
from somark_loaders.emulator import engines

ROOT = Path(__file__).resolve().parent.parent
REAL_DOCUMENTS = [
    "examples/data/multi-column.pdf",
    "tests/data/us-017.pdf",
    "tests/data/redp5110_sampled.pdf",
    "tests/data/issue-336-example.pdf",
    "tests/data/schools.pdf",
    "tests/data/mednine.pdf",
    "examples/data/word_sample.docx",
]

CHUNK_SIZE = 512
WORDS = [
    "dense",
    "passage",
    "retrieval",
    "question",
    "answering",
    "encoder",
    "vector",
    "index",
    "corpus",
    "training",
    "negative",
    "batch",
    "similarity",
    "inner",
    "product",
    "accuracy",
    "benchmark",
    "dataset",
    "model",
    "embedding",
    "top",
    "results",
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 22))).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))


def table(rng: random.Random, rows: int) -> str:
    head = "<tr><th rowspan='2'>Model</th><th colspan='2'>Top-k</th></tr><tr><th>20</th><th>100</th></tr>"
    body = "".join(
        f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.random() * 100:.1f}</td><td>{rng.random() * 100:.1f}</td></tr>"
        for _ in range(rows)
    )
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def build(pages: int, seed: int = 1) -> tuple[ParseResult, str, dict[str, Any]]:
    rng = random.Random(seed)
    out_pages: list[dict[str, Any]] = []
    md: list[str] = []
    section = 0
    for number in range(pages):
        blocks: list[dict[str, Any]] = []

        def add(
            kind: str, content: str, blocks: list[dict[str, Any]] = blocks, **extra: Any
        ) -> None:
            top = 40 * len(blocks)
            blocks.append(
                made_block(len(blocks), kind, content, [100, top, 1100, top + 30], **extra)
            )

        add("header", "A Long Technical Report")
        for slot in range(18):
            if slot in (0, 9):
                section += 1
                level = 1 if section % 6 == 1 else (2 if section % 3 else 3)
                title = f"{section} Section about {rng.choice(WORDS)} {rng.choice(WORDS)}"
                add("title", title, title_level=level)
                md.append("#" * level + " " + title)
            elif slot == 4 and number % 2 == 0:
                caption = f"Table {number}: results for {rng.choice(WORDS)}."
                html = table(rng, rng.randint(4, 40))
                add("table_caption", caption)
                add("table", html)
                md += [caption, html]
            elif slot == 12:
                formula = "\\mathrm{sim}(q, p) = E_Q(q)^\\top E_P(p)"
                add("equation", formula)
                md.append(f"$$\n{formula}\n$$")
            elif slot == 15 and number % 3 == 0:
                caption = f"Figure {number}: {sentence(rng)}"
                add("figure", "", img_url="https://img.example/f.png")
                add("figure_caption", caption)
                md += [f"![]({'https://img.example/f.png'})", caption]
            else:
                text = paragraph(rng)
                add("text", text)
                md.append(text)
        add("footer", f"Page {number + 1}")
        out_pages.append(
            {"page_num": number, "page_size": {"w": 1241, "h": 1754}, "blocks": blocks}
        )
    data = result_data(out_pages, "report.pdf")
    return ParseResult.from_data(data), "\n\n".join(md), data


def realistic(pages: int) -> tuple[ParseResult, str, dict[str, Any]]:
    """Real documents read by the emulator, repeated to ``pages`` pages, texts distinct."""
    read: list[dict[str, Any]] = []
    for name in REAL_DOCUMENTS:
        path = ROOT / name
        read += engines.extract(
            path, path.suffix.lower(), engines.ExtractOptions(title_levels=True)
        )
    out: list[dict[str, Any]] = []
    while len(out) < pages:
        page = copy.deepcopy(read[len(out) % len(read)])
        copy_number = len(out) // len(read)
        page["page_num"] = len(out)
        for block in page.get("blocks", []):
            content = block.get("content") or ""
            if copy_number and content:
                block["content"] = (
                    content.replace("</td>", f" {copy_number}</td>", 1)
                    if block.get("type") == "table"
                    else f"{content} ({copy_number})"
                )
        out.append(page)
    data = result_data(out, "real.pdf")
    return ParseResult.from_data(data), engines.to_markdown(out), data


def ours(result: ParseResult, _markdown: str) -> int:
    return len(to_chunks(result, "chunk", chunk_size=CHUNK_SIZE, doc_id="bench"))


def ours_bare(result: ParseResult, _markdown: str) -> int:
    return len(to_chunks(result, chunk_size=CHUNK_SIZE))


def baseline(_result: ParseResult, markdown: str) -> int:
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    headers = MarkdownHeaderTextSplitter([("#", "h1"), ("##", "h2"), ("###", "h3")])
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=CHUNK_SIZE, chunk_overlap=0
    )
    return len(splitter.split_documents(headers.split_text(markdown)))


def measure(
    fn: Callable[[ParseResult, str], int], result: ParseResult, markdown: str
) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    chunks = fn(result, markdown)
    return time.perf_counter() - start, chunks


def peak(fn: Callable[[ParseResult, str], int], result: ParseResult, markdown: str) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn(result, markdown)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


LABELS = {
    "ours": "to_chunks(mode='chunk', doc_id=...)",
    "bare": "to_chunks(result) (ids from a hash)",
    "baseline": "MarkdownHeader + RecursiveCharacter",
}
FUNCTIONS = {"ours": ours, "bare": ours_bare, "baseline": baseline}


def run(name: str, result: ParseResult, markdown: str, data: dict[str, Any], repeat: int) -> float:
    started = time.perf_counter()
    ParseResult.from_data(data)
    reading = time.perf_counter() - started
    elements = sum(len(p.blocks) for p in result.pages)
    tables = sum(1 for p in result.pages for b in p.blocks if b.type == "table")
    for fn in FUNCTIONS.values():
        fn(result, markdown)
    times: dict[str, list[float]] = {key: [] for key in FUNCTIONS}
    counts: dict[str, int] = {}
    for _ in range(repeat):  # interleaved, so machine noise hits all alike
        for key, fn in FUNCTIONS.items():
            seconds, counts[key] = measure(fn, result, markdown)
            times[key].append(seconds)
    memory = {key: peak(fn, result, markdown) for key, fn in FUNCTIONS.items()}

    print(
        f"\n{name}: {len(result.pages)} pages, {elements} blocks, {tables} tables, "
        f"chunk_size {CHUNK_SIZE} (cl100k_base); reading the JSON: {reading:.3f} s (not in "
        "the columns: the client does it once per parse)"
    )
    print(f"{'':38} {'median s':>9} {'elements/s':>11} {'chunks':>7} {'peak MiB':>9}")
    for key, label in LABELS.items():
        median = statistics.median(times[key])
        print(
            f"{label:38} {median:9.3f} {elements / median:11,.0f} {counts[key]:7d} "
            f"{memory[key]:9.1f}"
        )
    ratio = statistics.median(times["baseline"]) / statistics.median(times["ours"])
    verdict = "meets" if ratio >= 2 else "MISSES"
    print(f"speed ratio (baseline time / ours): {ratio:.2f}x  -> {verdict} the target (>= 2x)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    token_counter()("warm up")  # load the BPE file once, outside the timings
    run("synthetic", *build(args.pages), args.repeat)
    run("realistic", *realistic(args.pages), args.repeat)
    print("\nours also carries page numbers, heading paths, table HTML and ids on every chunk.")


if __name__ == "__main__":
    main()
