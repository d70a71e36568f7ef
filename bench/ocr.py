"""Benchmark: the emulator's OCR, per scanned page and per picture (issue 27, part 2).

Each document of ``../shared/corpus`` (top level and ``dev/``; never ``test/``) that the
emulator reads by OCR (image files, PDF pages without a text layer, pictures in PDFs and
Office files) is extracted by the emulator's own engines; every OCR call is timed, wall
and CPU (all threads of the process). Two checkouts are measured in alternating rounds,
each round in a fresh process (the emulator remembers what it read) that loads the
model before timing: this one, and ``--base`` (a git revision, checked out to a
temporary folder; default ``main``). The table gives each page or picture's median wall
and CPU seconds for both and their ratios, and whether the emulator's JSON (every
block's type and text) is the same.

``--threads N`` gives the OCR N cores (``set_threads``; a parse worker of an emulator
with W workers gets cores // W); by default all of them, as one page parsed alone.

Run: ``.venv/bin/python bench/ocr.py [--base REV] [--rounds N] [--threads N] [--only NAME]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
OFFICE = {".docx", ".pptx", ".xlsx"}
MAX_PDF_PAGES = 20  # longer PDFs (a 117-page script) cost minutes of text extraction


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def candidates() -> list[Path]:
    """Documents the emulator may read by OCR: images, Office files, short PDFs."""
    import pypdfium2

    found = []
    for path in sorted([*CORPUS.iterdir(), *(CORPUS / "dev").iterdir()]):
        ext = path.suffix.lower()
        if ext in IMAGES or ext in OFFICE:
            found.append(path)
        elif ext == ".pdf":
            try:
                document = pypdfium2.PdfDocument(path)
            except pypdfium2.PdfiumError:
                continue  # encrypted or broken: no page to read
            pages = len(document)
            document.close()
            if pages <= MAX_PDF_PAGES:
                found.append(path)
    return found


def worker(checkout: str, threads: int | None, names: list[str]) -> None:
    """One round in this process: the OCR calls of each document, timed, and its JSON."""
    sys.path.insert(0, checkout)
    from PIL import Image

    from somark_loaders.emulator import engines, ocr
    from somark_loaders.emulator._blocks import ExtractOptions

    assert ocr.__file__.startswith(checkout), ocr.__file__
    ocr.set_threads(threads)
    ocr.read_lines(Image.new("RGB", (320, 64), "white"))  # the model loaded, not timed
    read_lines = ocr.read_lines
    calls: list[dict[str, Any]] = []

    def timed(image: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        lines = read_lines(image, **kwargs)
        calls.append(
            {
                "size": list(image.size),
                "lines": len(lines),
                "wall": time.perf_counter() - wall,
                "cpu": _cpu() - cpu,
            }
        )
        return lines

    ocr.read_lines = timed  # type: ignore[assignment]
    out = {}
    for name in names:
        path = CORPUS / name
        calls.clear()
        try:
            pages = engines._extract(path, path.suffix.lower(), ExtractOptions())
        except engines.EngineError as err:
            out[name] = {"calls": [], "text": f"error: {err}"}
            continue
        text = [[(b["type"], b["content"]) for b in page["blocks"]] for page in pages]
        out[name] = {"calls": list(calls), "text": json.dumps(text, ensure_ascii=False)}
    json.dump(out, sys.stdout)


def _round(checkout: Path, threads: int | None, names: list[str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", str(checkout), *names]
    if threads:
        command[2:2] = ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"round in {checkout} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


def _base_checkout(revision: str, into: Path) -> Path:
    """``revision`` of this repository in a folder of its own (the package only)."""
    archive = into / "base.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "somark_loaders"], stdout=out, check=True
        )
    with tarfile.open(archive) as tar:
        tar.extractall(into / "base", filter="data")
    return into / "base"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each checkout")
    parser.add_argument("--threads", type=int, default=None, help="cores for the OCR")
    parser.add_argument("--only", action="append", default=[], help="a document's name")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.names)
        return
    if not CORPUS.is_dir():
        raise SystemExit(f"no corpus at {CORPUS}: the benchmark needs ../shared/corpus")
    names = [p.relative_to(CORPUS).as_posix() for p in candidates()]
    if args.only:
        names = [n for n in names if Path(n).name in args.only]
    with tempfile.TemporaryDirectory() as folder:
        base = _base_checkout(args.base, Path(folder))
        rounds: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
        for _ in range(args.rounds):  # alternating, so that a busy spell hits both
            rounds["base"].append(_round(base, args.threads, names))
            rounds["this"].append(_round(ROOT, args.threads, names))
    report(rounds, args)


def _median(rounds: list[dict[str, Any]], name: str, index: int, key: str) -> float:
    return statistics.median(r[name]["calls"][index][key] for r in rounds)


def report(rounds: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"OCR per page or picture: median of {args.rounds} alternating rounds, {cores} cores,"
        f" OCR threads {args.threads or 'all'}, load average now {load:.1f}; base {args.base}"
    )
    header = (
        f"{'document':<34} {'#':>2} {'pixels':>10} {'lines':>5} {'base wall':>9}"
        f" {'base cpu':>8} {'wall':>6} {'cpu':>6} {'wall x':>6} {'cpu x':>6} {'same':>5}"
    )
    print(header)
    print("-" * len(header))
    totals = {"base wall": 0.0, "base cpu": 0.0, "wall": 0.0, "cpu": 0.0}
    first = rounds["base"][0]
    for name in first:
        same = all(r[name]["text"] == first[name]["text"] for r in rounds["this"])
        for index, call in enumerate(first[name]["calls"]):
            figures = {
                "base wall": _median(rounds["base"], name, index, "wall"),
                "base cpu": _median(rounds["base"], name, index, "cpu"),
                "wall": _median(rounds["this"], name, index, "wall"),
                "cpu": _median(rounds["this"], name, index, "cpu"),
            }
            for key, value in figures.items():
                totals[key] += value
            size = "x".join(str(v) for v in call["size"])
            print(
                f"{Path(name).name[:34]:<34} {index + 1:>2} {size:>10} {call['lines']:>5}"
                f" {figures['base wall']:>9.2f} {figures['base cpu']:>8.2f}"
                f" {figures['wall']:>6.2f} {figures['cpu']:>6.2f}"
                f" {figures['wall'] / figures['base wall']:>6.2f}"
                f" {figures['cpu'] / figures['base cpu']:>6.2f} {'yes' if same else 'NO':>5}"
            )
    print(
        f"{'total':<34} {'':>2} {'':>10} {'':>5} {totals['base wall']:>9.2f}"
        f" {totals['base cpu']:>8.2f} {totals['wall']:>6.2f} {totals['cpu']:>6.2f}"
        f" {totals['wall'] / max(totals['base wall'], 1e-9):>6.2f}"
        f" {totals['cpu'] / max(totals['base cpu'], 1e-9):>6.2f}"
    )
    changed = [n for n in first if any(r[n]["text"] != first[n]["text"] for r in rounds["this"])]
    print(f"documents whose JSON text changed: {changed or 'none'}")
    print("target: a scanned page under 3 s wall on 2 cores (issue 27)")


if __name__ == "__main__":
    main()
