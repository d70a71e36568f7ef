"""Benchmark: chunk mode against the Markdown splitters on content that never repeats.

``bench/convert.py`` repeats a few documents to 320 pages; a text seen twice is cheap, so
it flatters us. Here no page occurs twice:

- *corpus*: the documents of ``../shared/corpus/`` (top level and ``dev/``; never
  ``test/``) read by the emulator's engines and concatenated, each page once, up to 320
  pages (extractions cached in ``$TMPDIR`` so that re-runs are quick; images, which need
  OCR, are left out);
- *generated*: natural-language text built from the corpus's own words (sentences of
  varied length and vocabulary), headings at three levels, a table with merged header
  cells (rowspan and colspan, varied shapes) on three pages of four, at 320 and 3,000 pages.

Each side runs in its own child process (fresh interpreter, the BPE file loaded before
the clock starts): the first conversion is *cold*, the next ones *warm*; the child reports
its peak RSS (``VmHWM``, the process as a whole: the fixture in memory included, read
as the side needs it: ours the JSON result, the splitters its Markdown) and how much it grew
during the conversions, and the CPU seconds of the cold and of a warm conversion beside
their wall times (on a shared machine the CPU time is the steadier figure). Sides alternate round by round;
the table gives medians over the rounds, never the best one. Sides:

- ``ours``: ``to_chunks(result, "chunk", chunk_size=512, doc_id=...)`` as the loaders call it;
- ``bare``: ``to_chunks(result, chunk_size=512)`` (ids from the result's content);
- ``splitters``: ``MarkdownHeaderTextSplitter`` then tiktoken's
  ``RecursiveCharacterTextSplitter`` (``cl100k_base``, 512, no overlap) on the Markdown.

The package is byte-compiled first, as an installed one is (``--from-source`` to leave it
be: with ``PYTHONDONTWRITEBYTECODE`` set, a cold conversion then compiles the modules it
imports).

Run: ``.venv/bin/python bench/convert_distinct.py [--rounds 3] [--warm 2] [--sizes 320,3000]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# shared/corpus beside the repo (or beside a folder holding the worktree)
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
CACHE = Path(tempfile.gettempdir()) / "somark-bench-distinct"
sys.path.insert(0, str(ROOT))  # this checkout's somark_loaders, whatever is installed
from _common import made_block, result_data  # noqa: E402 (bench/ is the script's folder)

CHUNK_SIZE = 512
SIDES = ("ours", "bare", "splitters")
SKIP = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}


# --- fixtures ---------------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the corpus fixture needs shared/corpus beside the repo.")
    found = [p for p in sorted(CORPUS.iterdir()) if p.is_file()]
    found += [p for p in sorted((CORPUS / "dev").iterdir()) if p.is_file()]
    return [p for p in found if p.suffix.lower() not in SKIP and p.suffix.lower() != ".md"]


def _extract_cached(path: Path) -> list[dict[str, Any]]:
    """The emulator's pages for one file, cached in $TMPDIR by content."""
    from somark_loaders.emulator import engines

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    cached = CACHE / f"{digest}.json"
    if cached.is_file():
        return json.loads(cached.read_text())  # type: ignore[no-any-return]
    try:
        pages = engines.extract(
            path, path.suffix.lower(), engines.ExtractOptions(title_levels=True)
        )
    except Exception as err:  # encrypted, corrupted: the service fails those too
        print(f"  {path.name}: not read ({type(err).__name__})", file=sys.stderr)
        pages = []
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(pages))
    return pages


def corpus_pages(limit: int) -> list[dict[str, Any]]:
    """Every page of the corpus once (pages with no text left out), up to ``limit``."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in _corpus_files():
        for page in _extract_cached(path):
            text = "\n".join(b.get("content") or "" for b in page.get("blocks", []))
            if not text.strip() or text in seen:
                continue
            seen.add(text)
            out.append(dict(page, page_num=len(out)))
            if len(out) == limit:
                return out
    return out


def vocabulary(pages: list[dict[str, Any]]) -> list[str]:
    words: dict[str, None] = {}
    for page in pages:
        for block in page.get("blocks", []):
            if block.get("type") in ("text", "title", "list"):
                for word in re.findall(r"[A-Za-z][A-Za-z'-]{1,18}", block.get("content") or ""):
                    words[word.lower()] = None
    return list(words)


def _sentence(rng: random.Random, words: list[str]) -> str:
    picked = [rng.choice(words) for _ in range(rng.randint(6, 28))]
    for spot in range(3, len(picked) - 2, rng.randint(5, 9)):
        picked[spot] += ","
    if rng.random() < 0.2:
        picked.insert(
            rng.randint(1, len(picked) - 1), f"{rng.uniform(0, 1000):.{rng.randint(0, 2)}f}"
        )
    return " ".join(picked).capitalize() + rng.choice(".....?;")[:1].replace(";", ".")


def _table(rng: random.Random, words: list[str], number: int) -> str:
    groups = rng.randint(1, 3)
    span = rng.randint(2, 3)
    top = "".join(f"<th colspan='{span}'>{rng.choice(words).title()}</th>" for _ in range(groups))
    sub = "".join(f"<th>{rng.choice(words)}@{k}</th>" for k in range(groups * span))
    head = f"<tr><th rowspan='2'>{rng.choice(words).title()} {number}</th>{top}</tr><tr>{sub}</tr>"
    rows = []
    for _ in range(rng.randint(3, 30)):
        cells = "".join(
            f"<td>{rng.uniform(0, 100):.{rng.randint(1, 3)}f}</td>" for _ in range(groups * span)
        )
        label = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        rows.append(f"<tr><td>{label}</td>{cells}</tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def generated_pages(pages: int, words: list[str], seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    section = 0
    for number in range(pages):
        blocks: list[dict[str, Any]] = []

        def add(
            kind: str, content: str, blocks: list[dict[str, Any]] = blocks, **extra: Any
        ) -> None:
            top = 60 + 45 * len(blocks)
            blocks.append(
                made_block(len(blocks), kind, content, [100, top, 1140, top + 40], **extra)
            )

        add("header", f"{' '.join(rng.choice(words) for _ in range(4)).title()}")
        table_at = rng.randint(2, 9) if number % 4 != 3 else -1
        for slot in range(rng.randint(9, 16)):
            if slot == 0 or rng.random() < 0.08:
                section += 1
                level = 1 if section % 7 == 1 else (2 if section % 3 else 3)
                title = " ".join(rng.choice(words) for _ in range(rng.randint(2, 7))).title()
                add("title", f"{section} {title}", title_level=level)
            elif slot == table_at:
                add("table_caption", f"Table {number + 1}: {_sentence(rng, words)}")
                add("table", _table(rng, words, number))
            else:
                sentences = " ".join(_sentence(rng, words) for _ in range(rng.randint(1, 7)))
                add("text", sentences)
        add("footer", f"{number + 1}")
        out.append({"page_num": number, "page_size": {"w": 1241, "h": 1754}, "blocks": blocks})
    return out


def fixtures(sizes: list[int]) -> dict[str, Path]:
    """Write each fixture's JSON result once; return name -> file."""
    CACHE.mkdir(parents=True, exist_ok=True)
    real = corpus_pages(320)
    words = vocabulary(corpus_pages(10_000))
    made = {f"corpus-{len(real)}": real}
    for size in sizes:
        made[f"generated-{size}"] = generated_pages(size, words)
    paths: dict[str, Path] = {}
    for name, pages in made.items():
        texts = ["\n".join(b["content"] for b in p["blocks"]) for p in pages]
        assert len(set(texts)) == len(texts), f"{name}: a page occurs twice"
        path = CACHE / f"fixture-{name}.json"
        path.write_text(json.dumps(result_data(pages, f"{name}.pdf")))
        paths[name] = path
    return paths


# --- one side in a child process --------------------------------------------------------


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc (VmRSS now, VmHWM its peak). The peak
    is this process's own: ``ru_maxrss`` would carry the parent's over ``exec``."""
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(side: str, fixture: Path, warm: int) -> None:
    from somark_loaders import ParseResult, to_chunks
    from somark_loaders.convert.chunking import token_counter

    data = json.loads(fixture.read_text())
    if side == "splitters":
        from langchain_text_splitters import (
            MarkdownHeaderTextSplitter,
            RecursiveCharacterTextSplitter,
        )

        # only here: the engines import the table modules a cold conversion of ours loads
        from somark_loaders.emulator import engines

        markdown = engines.to_markdown(data["result"]["outputs"]["json"]["pages"])
        del data

        def convert() -> int:
            headers = MarkdownHeaderTextSplitter([("#", "h1"), ("##", "h2"), ("###", "h3")])
            splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
                encoding_name="cl100k_base", chunk_size=CHUNK_SIZE, chunk_overlap=0
            )
            return len(splitter.split_documents(headers.split_text(markdown)))

        token_counter()("warm up")  # loads cl100k_base offline into tiktoken's registry
    else:
        result = ParseResult.from_data(data)
        del data
        doc_id = "0" * 64 if side == "ours" else None

        def convert() -> int:
            return len(to_chunks(result, "chunk", chunk_size=CHUNK_SIZE, doc_id=doc_id))

        token_counter()("warm up")
    before = _status_mib("VmRSS")
    times, cpu = [], []
    chunks = 0
    for _ in range(1 + warm):
        start, start_cpu = time.perf_counter(), time.process_time()
        chunks = convert()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    peak = _status_mib("VmHWM")
    print(
        json.dumps(
            {"times": times, "cpu": cpu, "chunks": chunks, "peak": peak, "grew": peak - before}
        )
    )


def byte_compiled() -> None:
    """Byte-compile this checkout's package, as installing it does (the splitters' packages
    were compiled when they were installed). Without it, where ``PYTHONDONTWRITEBYTECODE``
    is set (as on the dev machine), each child compiles from source the modules a first
    conversion imports, and the cold figure counts that (about 30 ms at 320 pages)."""
    import compileall

    compileall.compile_dir(ROOT / "somark_loaders", quiet=1)


def run_side(side: str, fixture: Path, warm: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, str(fixture), "--warm", str(warm)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench(name: str, fixture: Path, rounds: int, warm: int) -> dict[str, dict[str, float]]:
    data = json.loads(fixture.read_text())
    pages = data["result"]["outputs"]["json"]["pages"]
    blocks = sum(len(p["blocks"]) for p in pages)
    tables = sum(1 for p in pages for b in p["blocks"] if b["type"] == "table")
    del data
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for number in range(rounds):  # alternate, each round in a different order
        order = SIDES if number % 2 == 0 else SIDES[::-1]
        for side in order:
            runs[side].append(run_side(side, fixture, warm))
    print(f"\n{name}: {len(pages)} pages, {blocks} blocks, {tables} tables")
    print(
        f"{'':10} {'cold s':>8} {'warm s':>8} {'cpu s':>8} {'cold cpu':>9} {'pages/s warm':>13} "
        f"{'chunks':>7} {'peak MiB':>9} {'grew MiB':>9}"
    )
    summary: dict[str, dict[str, float]] = {}
    for side in SIDES:
        cold = statistics.median(r["times"][0] for r in runs[side])
        hot = statistics.median(statistics.median(r["times"][1:] or r["times"]) for r in runs[side])
        cpu = statistics.median(statistics.median(r["cpu"][1:] or r["cpu"]) for r in runs[side])
        cold_cpu = statistics.median(r["cpu"][0] for r in runs[side])
        peak = statistics.median(r["peak"] for r in runs[side])
        grew = statistics.median(r["grew"] for r in runs[side])
        summary[side] = {
            "cold": cold,
            "warm": hot,
            "cpu": cpu,
            "cold_cpu": cold_cpu,
            "peak": peak,
            "grew": grew,
        }
        print(
            f"{side:10} {cold:8.3f} {hot:8.3f} {cpu:8.3f} {cold_cpu:9.3f} {len(pages) / hot:13,.0f} "
            f"{runs[side][-1]['chunks']:7d} {peak:9.1f} {grew:9.1f}"
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=2)
    parser.add_argument("--sizes", default="320,3000", help="generated fixture sizes")
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="do not byte-compile the package first (a cold conversion then compiles the "
        "modules it imports when PYTHONDONTWRITEBYTECODE is set)",
    )
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "FIXTURE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.warm)
        return
    if not args.from_source:
        byte_compiled()
    paths = fixtures([int(s) for s in args.sizes.split(",")])
    results = {name: bench(name, path, args.rounds, args.warm) for name, path in paths.items()}
    print("\nratios (splitters / ours: time; ours / splitters: peak RSS); target >= 2x, <= 1.5x")
    print(
        f"{'fixture':16} {'side':5} {'cold':>6} {'warm':>6} {'cpu':>6} {'cold cpu':>9} {'peak':>6}"
    )
    for name, summary in results.items():
        base = summary["splitters"]
        for side in ("ours", "bare"):
            mine = summary[side]
            print(
                f"{name:16} {side:5} {base['cold'] / mine['cold']:5.2f}x "
                f"{base['warm'] / mine['warm']:5.2f}x {base['cpu'] / mine['cpu']:5.2f}x "
                f"{base['cold_cpu'] / mine['cold_cpu']:8.2f}x {mine['peak'] / base['peak']:5.2f}x"
            )


if __name__ == "__main__":
    main()
