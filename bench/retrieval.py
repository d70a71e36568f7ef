"""Benchmark: does a RAG system find the answer in our chunks?

Each document of the question set (``bench/retrieval_qa.py``: public documents of every
hard class) is parsed once through the embedded emulator, with the loaders' default
features (title levels, cross-page tables and text) and JSON + Markdown output. Then, at
the same chunk size:

(a) ours: ``to_chunks(result, "chunk")``;
(b) what a user would do with SoMark's Markdown: LangChain's ``MarkdownHeaderTextSplitter``
    (h1-h6) then tiktoken ``RecursiveCharacterTextSplitter``.

Both pools (every chunk of every document) are searched with the same BM25 (Okapi,
k1=1.5, b=0.75; words, CJK characters and their pairs). A question is a hit@k when one
of the top k chunks is from its document and contains its answer (compared without
spaces, case, Markdown and HTML marks). Prints hit@1 and hit@5 per kind and overall, the
answers no chunk of a method contains (extraction losses), and mean tokens of the top 5.
Target: (a) at least 10 points above (b) on hit@5 overall, never below it on a kind.

Run: ``.venv/bin/python bench/retrieval.py [--chunk-size N]``
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from retrieval_qa import QUESTIONS, Question

from somark_loaders import SoMarkClient, to_chunks
from somark_loaders._loading import RAG_FEATURES
from somark_loaders.chunking import token_counter
from somark_loaders.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT / "tests" / "data", ROOT / "examples" / "data")
_WORD = re.compile(r"[^\W\u3400-\u9fff]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]+")
_MARKS = re.compile(r"<[^>]+>|[|#*`\s]")


def tokens(text: str) -> list[str]:
    """Lowercase words, plus CJK characters and character pairs (no word breaks there)."""
    out = [w.lower() for w in _WORD.findall(text)]
    for run in _HAN.findall(text):
        out += list(run) + [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def plain(text: str) -> str:
    return _MARKS.sub("", text).lower()


class BM25:
    def __init__(self, docs: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.terms = [Counter(tokens(d)) for d in docs]
        self.lengths = [sum(t.values()) for t in self.terms]
        self.avg = sum(self.lengths) / max(len(docs), 1)
        df: Counter[str] = Counter()
        for t in self.terms:
            df.update(t.keys())
        n = len(docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.k1, self.b = k1, b

    def top(self, query: str, k: int) -> list[int]:
        words = tokens(query)
        scores = []
        for i, (terms, length) in enumerate(zip(self.terms, self.lengths, strict=True)):
            score = 0.0
            for w in words:
                f = terms.get(w, 0)
                if f:
                    norm = self.k1 * (1 - self.b + self.b * length / self.avg)
                    score += self.idf[w] * f * (self.k1 + 1) / (f + norm)
            scores.append((score, -i))
        return [-i for _, i in sorted(scores, reverse=True)[:k]]


def find(name: str) -> Path:
    for folder in FOLDERS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def build(chunk_size: int) -> dict[str, list[tuple[str, str]]]:
    """(document, chunk text) of every chunk of both methods."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    token_counter()("warm up")  # tiktoken's cl100k_base from the offline copy, for both
    headers = MarkdownHeaderTextSplitter([("#" * n, f"h{n}") for n in range(1, 7)])
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=chunk_size, chunk_overlap=0
    )
    pools: dict[str, list[tuple[str, str]]] = {"ours": [], "markdown": []}
    options = {"output_formats": ["json", "markdown"], "feature_config": RAG_FEATURES}
    with Emulator() as emulator:
        client = SoMarkClient(base_url=emulator.base_url, api_key="bench", poll_interval=0.05)
        for name in sorted({q.doc for q in QUESTIONS}):
            result = client.parse(find(name), options)
            for chunk in to_chunks(result, "chunk", chunk_size=chunk_size):
                pools["ours"].append((name, chunk.text))
            for part in splitter.split_documents(headers.split_text(result.markdown or "")):
                pools["markdown"].append((name, part.page_content))
    return pools


def evaluate(
    pools: dict[str, list[tuple[str, str]]], questions: Iterable[Question]
) -> dict[str, dict[str, list[float]]]:
    count = token_counter()
    table: dict[str, dict[str, list[float]]] = {}
    for method, pool in pools.items():
        index = BM25([text for _, text in pool])
        found: dict[str, list[float]] = defaultdict(list)
        for q in questions:
            ranked = index.top(q.question, 5)
            hits = [pool[i][0] == q.doc and plain(q.answer) in plain(pool[i][1]) for i in ranked]
            for kind in (q.kind, "overall"):
                found[f"{kind}@1"].append(float(hits[0]))
                found[f"{kind}@5"].append(float(any(hits)))
            found["tokens"] += [float(count(pool[i][1])) for i in ranked]
            present = any(d == q.doc and plain(q.answer) in plain(t) for d, t in pool)
            if not present:
                found["lost"].append(float(QUESTIONS.index(q)))
        table[method] = found
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk-size", type=int, default=400)
    args = parser.parse_args()
    pools = build(args.chunk_size)
    table = evaluate(pools, QUESTIONS)
    kinds = [*sorted({q.kind for q in QUESTIONS}), "overall"]
    n = Counter(q.kind for q in QUESTIONS)
    print(f"{len(QUESTIONS)} questions, chunk size {args.chunk_size} tokens, BM25 top 5")
    print(f"chunks: ours {len(pools['ours'])}, markdown splitters {len(pools['markdown'])}")
    print()
    print("| kind | n | ours hit@1 | ours hit@5 | markdown hit@1 | markdown hit@5 | Δ hit@5 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ok = True
    for kind in kinds:
        ours = table["ours"]
        base = table["markdown"]
        a1, a5 = _pct(ours[f"{kind}@1"]), _pct(ours[f"{kind}@5"])
        b1, b5 = _pct(base[f"{kind}@1"]), _pct(base[f"{kind}@5"])
        size = len(QUESTIONS) if kind == "overall" else n[kind]
        print(f"| {kind} | {size} | {a1:.0f} | {a5:.0f} | {b1:.0f} | {b5:.0f} | {a5 - b5:+.0f} |")
        ok = ok and a5 >= b5 and (kind != "overall" or a5 - b5 >= 10)
    print()
    for method in ("ours", "markdown"):
        lost = [QUESTIONS[int(i)] for i in table[method]["lost"]]
        mean = sum(table[method]["tokens"]) / max(len(table[method]["tokens"]), 1)
        print(
            f"{method}: mean tokens per retrieved chunk {mean:.0f}; answers in no chunk: "
            f"{len(lost)}" + "".join(f"\n  - [{q.kind}] {q.doc}: {q.answer!r}" for q in lost)
        )
    print()
    print("target met" if ok else "TARGET MISSED: ours >= markdown on every kind, +10 overall")
    return 0 if ok else 1


def _pct(values: list[float]) -> float:
    return 100 * sum(values) / max(len(values), 1)


if __name__ == "__main__":
    sys.exit(main())
