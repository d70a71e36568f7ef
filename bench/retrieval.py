"""Benchmark: does a RAG system find the answer in our chunks?

Four question sets, each over its own documents, read in place:

* ``public``: ``bench/retrieval_qa.py``, public documents of every hard class in
  ``tests/data`` and ``examples/data`` (the rules were tuned on them);
* ``dev``: ``bench/retrieval_qa_dev.py``, ``../shared/corpus/dev`` (tune on these);
* ``test``: ``bench/retrieval_qa_test.py``, ``../shared/corpus/test`` (measure only:
  never change a rule because of a ``test`` document);
* ``dev2``: ``bench/retrieval_qa_dev2.py``, test files of public PyPI sdists that are in
  neither of the above, fetched by ``bench/fetch_dev2.py`` into ``$TMPDIR/somark-dev2``.

Each document is parsed once through the embedded emulator, with the loaders' default
features (title levels, cross-page tables and text) and JSON + Markdown output; the
service's answer is kept in a cache (``$TMPDIR/somark-bench-retrieval``, keyed by the
file's bytes and the emulator's source), so a re-run parses only what changed. Then, at
the same chunk size:

(a) ours: ``to_chunks(result, "chunk")``;
(b) what a user would do with SoMark's Markdown: LangChain's ``MarkdownHeaderTextSplitter``
    (h1-h6) then tiktoken ``RecursiveCharacterTextSplitter``.

The chunks of one set's documents are searched with the same BM25 (Okapi, k1=1.5,
b=0.75; words, CJK characters and their pairs). A question is a hit@k when one of the
top k chunks is from its document and contains its answer (compared without spaces,
case, Markdown and HTML marks). Prints, per set, hit@1 and hit@5 per kind and overall,
hit@5 per document, and for each method the extraction losses (the answer is in no chunk
of its document) apart from the ranking misses (in some chunk, not in the top 5).
Target: (a) at least 10 points above (b) on hit@5 overall, never below it on a kind; the
exit status reports it for the public set (the dev and test figures are printed).

A set whose folder is absent is skipped with a message.

Run: ``.venv/bin/python bench/retrieval.py [--half public|dev|test|dev2|all] [--chunk-size N]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

# This checkout's package, not the one the virtual environment has installed (a worktree
# run as ``python bench/retrieval.py`` would otherwise measure the main checkout's code).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fetch_dev2 import DEFAULT as DEV2_FOLDER
from retrieval_qa import QUESTIONS, Question
from retrieval_qa_dev import DEV
from retrieval_qa_dev2 import DEV2
from retrieval_qa_test import TEST

from somark_loaders import ParseResult, SoMarkClient, TaskFailedError, to_chunks
from somark_loaders._loading import RAG_FEATURES
from somark_loaders.convert.chunking import token_counter
from somark_loaders.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT / "tests" / "data", ROOT / "examples" / "data")
# ``shared/`` beside the repository (CI); from a worktree, the first ancestor that has one
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
HALVES: dict[str, tuple[tuple[Question, ...], tuple[Path, ...]]] = {
    "public": (QUESTIONS, FOLDERS),
    "dev": (DEV, (CORPUS / "dev",)),
    "test": (TEST, (CORPUS / "test",)),
    "dev2": (DEV2, (DEV2_FOLDER,)),
}
CACHE = Path(tempfile.gettempdir()) / "somark-bench-retrieval"
FAILED: dict[tuple[Path, ...], list[str]] = {}  # documents whose parse failed, per set
OPTIONS = {"output_formats": ["json", "markdown"], "feature_config": RAG_FEATURES}
_WORD = re.compile(r"[^\W\u3400-\u9fff]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]+")
# a run's image URLs (the emulator's port, the task id) are no part of the document:
# kept, their tokens moved the Markdown side's figures from run to run
_STABLE_LINKS = re.compile(r"(?<=!\[)([^\]]*)\]\((?:https?://|data:)[^)\s]*\)")
_MARKS = re.compile(r"</?[A-Za-z][^<>]*>|[|#*`\s]")  # a tag starts with a letter: not "P<0.05"


def tokens(text: str) -> list[str]:
    """Lowercase words, plus CJK characters and character pairs (no word breaks there)."""
    out = [w.lower() for w in _WORD.findall(text)]
    for run in _HAN.findall(text):
        out += list(run) + [run[i : i + 2] for i in range(len(run) - 1)]
    return out


_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")  # typographic: as typed


def plain(text: str) -> str:
    return _MARKS.sub("", text).translate(_QUOTES).lower()


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


def find(name: str, folders: Iterable[Path]) -> Path:
    for folder in folders:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def _emulator_stamp() -> str:
    """A hash of the emulator's source and the options: a cached answer older than a rule
    change is parsed again."""
    digest = hashlib.sha256(json.dumps(OPTIONS, sort_keys=True).encode())
    package = ROOT / "somark_loaders" / "emulator"
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def parse_cached(client: SoMarkClient, path: Path, stamp: str) -> ParseResult:
    """The emulator's answer for ``path``, from the cache when the file and the emulator
    are unchanged."""
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    entry = CACHE / f"{key}-{stamp}.json"
    if entry.exists():
        return ParseResult.from_data(json.loads(entry.read_text(encoding="utf-8")))
    began = time.perf_counter()
    result = client.parse(path, OPTIONS)
    print(f"  parsed {path.name} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    temporary = entry.with_suffix(".tmp")
    temporary.write_text(json.dumps(result.raw, ensure_ascii=False), encoding="utf-8")
    temporary.replace(entry)
    return result


def build(
    questions: Iterable[Question], folders: Iterable[Path], chunk_size: int
) -> dict[str, list[tuple[str, str]]]:
    """(document, chunk text) of every chunk of both methods, over the documents asked about."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    token_counter()("warm up")  # tiktoken's cl100k_base from the offline copy, for both
    headers = MarkdownHeaderTextSplitter([("#" * n, f"h{n}") for n in range(1, 7)])
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=chunk_size, chunk_overlap=0
    )
    pools: dict[str, list[tuple[str, str]]] = {"ours": [], "markdown": []}
    failed = FAILED.setdefault(tuple(folders), [])
    stamp = _emulator_stamp()
    with Emulator() as emulator:
        # cache=False: the client's own cache keys an emulator by its version, not by its
        # source; a rule change would be measured on the answers of the code before it.
        client = SoMarkClient(
            base_url=emulator.base_url, api_key="bench", poll_interval=0.05, cache=False
        )
        for name in sorted({q.doc for q in questions}):
            try:
                result = parse_cached(client, find(name, folders), stamp)
            except TaskFailedError as err:  # the file gives no chunk: all its answers are lost
                print(f"  PARSE FAILED {name}: {err}", file=sys.stderr)
                failed.append(name)
                continue
            for chunk in to_chunks(result, "chunk", chunk_size=chunk_size):
                pools["ours"].append((name, chunk.text))
            markdown = _STABLE_LINKS.sub(r"\1](image)", result.markdown or "")
            for part in splitter.split_documents(headers.split_text(markdown)):
                pools["markdown"].append((name, part.page_content))
    return pools


class Outcome(NamedTuple):
    """Where one method put the answer of one question."""

    hit1: bool
    hit5: bool
    present: bool  # in some chunk of its document (False: an extraction loss)
    tokens: tuple[int, ...]  # of the top 5 chunks


def evaluate(
    pools: dict[str, list[tuple[str, str]]], questions: Iterable[Question]
) -> dict[str, list[Outcome]]:
    count = token_counter()
    table: dict[str, list[Outcome]] = {}
    for method, pool in pools.items():
        index = BM25([text for _, text in pool])
        texts = [(doc, plain(text)) for doc, text in pool]
        outcomes = []
        for q in questions:
            answer = plain(q.answer)
            ranked = index.top(q.question, 5)
            hits = [texts[i][0] == q.doc and answer in texts[i][1] for i in ranked]
            present = any(d == q.doc and answer in t for d, t in texts)
            sizes = tuple(count(pool[i][1]) for i in ranked)
            outcomes.append(Outcome(hits[0], any(hits), present, sizes))
        table[method] = outcomes
    return table


def report(half: str, questions: tuple[Question, ...], chunk_size: int) -> bool:
    """Print one set's tables; True when its target is met."""
    folders = HALVES[half][1]
    if not all(folder.is_dir() for folder in folders):
        print(f"## {half}: skipped, {', '.join(map(str, folders))} not found\n")
        return True
    pools = build(questions, folders, chunk_size)
    table = evaluate(pools, questions)
    ours, base = table["ours"], table["markdown"]
    docs = sorted({q.doc for q in questions})
    print(f"## {half}: {len(questions)} questions over {len(docs)} documents")
    print(f"chunk size {chunk_size} tokens, BM25 top 5 over the set's chunks")
    print(f"chunks: ours {len(pools['ours'])}, markdown splitters {len(pools['markdown'])}")
    for name in FAILED.get(tuple(folders), []):
        print(f"PARSE FAILED: {name} (every answer of it is an extraction loss)")
    print()
    print("| kind | n | ours hit@1 | ours hit@5 | markdown hit@1 | markdown hit@5 | Δ hit@5 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ok = True
    for kind in [*sorted({q.kind for q in questions}), "overall"]:
        rows = [i for i, q in enumerate(questions) if kind in (q.kind, "overall")]
        a1, a5 = _pct([ours[i].hit1 for i in rows]), _pct([ours[i].hit5 for i in rows])
        b1, b5 = _pct([base[i].hit1 for i in rows]), _pct([base[i].hit5 for i in rows])
        print(
            f"| {kind} | {len(rows)} | {a1:.0f} | {a5:.0f} | {b1:.0f} | {b5:.0f} | {a5 - b5:+.0f} |"
        )
        ok = ok and a5 >= b5 and (kind != "overall" or a5 - b5 >= 10)
    print()
    print("| document | n | ours hit@5 | markdown hit@5 | ours lost | markdown lost |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for doc in docs:
        rows = [i for i, q in enumerate(questions) if q.doc == doc]
        a5, b5 = _pct([ours[i].hit5 for i in rows]), _pct([base[i].hit5 for i in rows])
        lost_a = sum(not ours[i].present for i in rows)
        lost_b = sum(not base[i].present for i in rows)
        print(f"| {doc} | {len(rows)} | {a5:.0f} | {b5:.0f} | {lost_a} | {lost_b} |")
    print()
    for method, outcomes in table.items():
        sizes = [size for outcome in outcomes for size in outcome.tokens]
        lost = [q for q, o in zip(questions, outcomes, strict=True) if not o.present]
        missed = [q for q, o in zip(questions, outcomes, strict=True) if o.present and not o.hit5]
        print(f"{method}: mean tokens per retrieved chunk {sum(sizes) / max(len(sizes), 1):.0f}")
        for label, found in (("extraction losses (in no chunk)", lost), ("ranking misses", missed)):
            print(f"  {label}: {len(found)}")
            print(
                "".join(f"    - [{q.kind}] {q.doc} p{q.pages}: {q.answer!r}\n" for q in found),
                end="",
            )
    print()
    print(f"{half}: " + ("target met" if ok else "target missed (+10 overall, no kind below)"))
    print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk-size", type=int, default=400)
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    args = parser.parse_args()
    halves = list(HALVES) if args.half == "all" else [args.half]
    met = {half: report(half, HALVES[half][0], args.chunk_size) for half in halves}
    if "public" in met:
        print("public target met" if met["public"] else "TARGET MISSED on the public set")
        return 0 if met["public"] else 1
    return 0


def _pct(values: list[bool]) -> float:
    return 100 * sum(values) / max(len(values), 1)


if __name__ == "__main__":
    sys.exit(main())
