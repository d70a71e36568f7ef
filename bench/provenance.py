"""Benchmark: does a chunk's ``boxes`` metadata point at where its answer is on the page?

For the questions of ``bench/retrieval.py`` (the same sets, documents, parse cache and
chunking: ``to_chunks(result, "chunk")`` at 400 tokens) whose document is a PDF with a text
layer on the answer's pages:

1. the answer's chunks: the chunks of its document that contain the answer (compared like
   retrieval.py: without spaces, case, Markdown and HTML marks);
2. the answer's words on the page: the answer is looked for, without spaces and case, in
   the characters of the text layer (pdfplumber) of each of its pages, and of each page
   with the next one (an answer over a page break), in the PDF's own order and in reading
   order (line by line); each word of the answer gets the box of its characters there;
3. covered: a word is covered when its box's centre is inside one of the chunk's boxes on
   that page, widened by TOLERANCE (a fraction of the page) on every side; the answer is
   covered when at least SHARE of its words are covered, for one of its chunks and one
   place of the answer on its pages.

An answer that no chunk holds (an extraction loss, which retrieval.py counts) or that the
text layer does not hold (a scan, a ligature the question spelled out) is not measured: it
is counted apart. Target: at least 95% of the measured answers covered. Prints, per set, a
table per document and the total, with two checks beside it: how many answers the box of
the parsed block that holds them covers on its own (a miss there is the parser's box, not
the conversion's), and the median area of the chunk's boxes on the answer's page (a box
of the whole page would cover everything: this shows they are tight); then each uncovered
answer with the element types of its chunk, the type and box of the block that holds it,
and the chunk's boxes on that page.

Run: ``.venv/bin/python bench/provenance.py [--half public|dev|test|all]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from retrieval import CACHE, FAILED, HALVES, find, parse_cached, plain  # also sets sys.path
from retrieval import _emulator_stamp as emulator_stamp
from retrieval_qa import Question

from somark_loaders import Chunk, ParseResult, SoMarkClient, TaskFailedError, to_chunks
from somark_loaders.convert._boxes import Box, block_box, parse_boxes
from somark_loaders.emulator import Emulator

TOLERANCE = 0.01  # of the page's width and height, on every side of a box
SHARE = 0.9  # of the answer's words that must be covered
TARGET = 95.0  # % of the measured answers
CHUNK_SIZE = 400


class Word(NamedTuple):
    page: int  # 1-based
    x0: float  # fractions of the page
    top: float
    x1: float
    bottom: float

    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.top + self.bottom) / 2)


class Verdict(NamedTuple):
    question: Question
    status: str  # covered, uncovered, no chunk, not on page, no text layer, parse failed
    share: float  # best share of covered words
    block_covers: bool | None  # the box of the block holding the answer covers it
    area: float  # of the chunk's boxes on the answer's page, a fraction of the page (tightness)
    detail: str  # for an uncovered answer: where the answer is and what the chunk points at


def _letters(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _answer_words(answer: str) -> list[str]:
    """The answer's words as plain() leaves them (no marks, lowercase), non-empty."""
    return [w for w in (plain(_letters(part)) for part in answer.split()) if w]


def _frame(page: Any) -> tuple[float, float, float, float]:
    """The visible page (its CropBox) as (left, top, width, height) in the characters'
    ``x``/``y`` space (PDF units, y up, shifted by the MediaBox's first corner as pdfminer
    does). Read from the boxes themselves, normalised: a MediaBox written upside down
    ([0 0 612 -792]) is the same page, where pdfplumber's ``top`` runs past the page."""
    mx, my = (float(v) for v in page.page_obj.mediabox[:2])
    x0, y0, x1, y1 = (float(v) for v in page.page_obj.cropbox)
    return min(x0, x1) - mx, max(y0, y1) - my, abs(x1 - x0), abs(y1 - y0)


def _page_chars(pdf: Any, number: int) -> list[tuple[str, Word]]:
    """(normalised character, its box) of the text layer of page ``number``, PDF order."""
    page = pdf.pages[number - 1]
    out = []
    if page.rotation % 360:  # pdfplumber turns the page: its top-down boxes are the page's
        left, top = float(page.bbox[0]), float(page.bbox[1])
        width, height = float(page.width), float(page.height)
        frame = [
            ((c["x0"] - left), (c["top"] - top), (c["x1"] - left), (c["bottom"] - top))
            for c in page.chars
        ]
    else:
        left, top, width, height = _frame(page)
        frame = [
            ((c["x0"] - left), (top - c["y1"]), (c["x1"] - left), (top - c["y0"]))
            for c in page.chars
        ]
    for char, (x0, y0, x1, y1) in zip(page.chars, frame, strict=True):
        box = Word(number, x0 / width, y0 / height, x1 / width, y1 / height)
        for letter in plain(_letters(char["text"])):
            out.append((letter, box))
    return out


def _reading_order(chars: list[tuple[str, Word]]) -> list[tuple[str, Word]]:
    """Line by line (tops within a third of a character's height), left to right."""
    lines: list[list[tuple[str, Word]]] = []
    for item in sorted(chars, key=lambda c: (c[1].page, c[1].top, c[1].x0)):
        box = item[1]
        if lines:
            last = lines[-1][0][1]
            if last.page == box.page and abs(last.top - box.top) < (box.bottom - box.top) / 3:
                lines[-1].append(item)
                continue
        lines.append([item])
    return [c for line in lines for c in sorted(line, key=lambda c: c[1].x0)]


def places(words: list[str], chars: list[tuple[str, Word]]) -> Iterator[list[Word]]:
    """Each place the answer's words are in ``chars`` (no spaces between them), as one box
    per answer word (the union of its characters' boxes, on its first character's page)."""
    target = "".join(words)
    if not target:
        return
    seen: set[tuple[Word, ...]] = set()
    for stream in (chars, _reading_order(chars)):
        text = "".join(c for c, _ in stream)
        start = text.find(target)
        while start >= 0:
            boxes, at = [], start
            for word in words:
                span = [b for _, b in stream[at : at + len(word)]]
                span = [b for b in span if b.page == span[0].page]
                boxes.append(
                    Word(
                        span[0].page,
                        min(b.x0 for b in span),
                        min(b.top for b in span),
                        max(b.x1 for b in span),
                        max(b.bottom for b in span),
                    )
                )
                at += len(word)
            if tuple(boxes) not in seen:
                seen.add(tuple(boxes))
                yield boxes
            start = text.find(target, start + 1)


def covered_share(words: list[Word], boxes: Iterable[Box]) -> float:
    """The share of ``words`` whose centre is inside one of ``boxes`` (widened by
    TOLERANCE) on the word's page."""
    boxes = list(boxes)

    def inside(word: Word) -> bool:
        x, y = word.centre()
        return any(
            page == word.page
            and x0 - TOLERANCE <= x <= x1 + TOLERANCE
            and y0 - TOLERANCE <= y <= y1 + TOLERANCE
            for page, x0, y0, x1, y1 in boxes
        )

    return sum(inside(w) for w in words) / max(len(words), 1)


def _boxes(chunk: Chunk) -> list[Box]:
    try:
        return parse_boxes(chunk)
    except Exception:  # no boxes key (a build before issue 23): nothing is covered
        return []


def _holder(result: ParseResult, answer: str, page: int) -> tuple[str, Box | None]:
    """The type and box of the block on ``page`` whose text (or caption) holds the answer."""
    for sheet in (p for p in result.pages if p.page_num + 1 == page):
        for block in sheet.blocks:
            if answer in plain(f"{block.content} {block.captions}"):
                return block.element_type.value, block_box(block, sheet)
    return "no single block", None


def _shown(box: Iterable[float]) -> str:
    return "[" + ",".join(f"{v:.3g}" for v in box) + "]"


def judge(question: Question, pdf: Any, result: ParseResult, chunks: list[Chunk]) -> Verdict:
    answer = plain(question.answer)
    holders = [c for c in chunks if answer in plain(c.text)]
    if not holders:
        return Verdict(question, "no chunk", 0.0, None, 0.0, "")
    words = _answer_words(question.answer)
    numbers = [p for p in question.pages if p <= len(pdf.pages)]
    layers = {
        p: _page_chars(pdf, p) for p in {*numbers, *(p + 1 for p in numbers)} if p <= len(pdf.pages)
    }
    if not any(layers[p] for p in numbers):
        return Verdict(question, "no text layer", 0.0, None, 0.0, "")
    found = [
        place
        for p in numbers
        for stream in (layers[p], layers[p] + layers.get(p + 1, []))
        for place in places(words, stream)
    ]
    if not found:
        return Verdict(question, "not on page", 0.0, None, 0.0, "")
    # the parsed block that holds the answer: does its own box cover it (the emulator's
    # or the service's box, before any chunking)?
    blocks = [(place, _holder(result, answer, place[0].page)) for place in found]
    block_covers = (
        max(covered_share(place, [box]) for place, (_, box) in blocks if box is not None) >= SHARE
        if any(box is not None for _, (_, box) in blocks)
        else None
    )
    best, where = max(
        ((covered_share(place, _boxes(c)), (place, c)) for place in found for c in holders),
        key=lambda item: item[0],
    )
    place, chunk = where
    page = place[0].page
    area = sum((x1 - x0) * (y1 - y0) for n, x0, y0, x1, y1 in _boxes(chunk) if n == page)
    if best >= SHARE:
        return Verdict(question, "covered", best, block_covers, area, "")
    mine = " ".join(_shown(b[1:]) for b in _boxes(chunk) if b[0] == page) or "none"
    on_page = [w for w in place if w.page == page]  # (an answer over a page break: its start)
    span = (
        min(w.x0 for w in on_page),
        min(w.top for w in on_page),
        max(w.x1 for w in on_page),
        max(w.bottom for w in on_page),
    )
    kind, box = _holder(result, answer, page)
    detail = (
        f"answer at {_shown(span)} p{page} in {kind} {_shown(box[1:]) if box else ''}; "
        f"chunk {chunk.metadata.get('chunk_index')} ({chunk.metadata.get('element_types')}) "
        f"boxes on p{page}: {mine}"
    )
    return Verdict(question, "uncovered", best, block_covers, area, detail)


def measure(questions: Iterable[Question], folders: tuple[Path, ...]) -> list[Verdict]:
    import pdfplumber

    verdicts: list[Verdict] = []
    pdf_questions = [q for q in questions if q.doc.lower().endswith(".pdf")]
    stamp = emulator_stamp()
    with Emulator() as emulator:
        client = SoMarkClient(
            base_url=emulator.base_url, api_key="bench", poll_interval=0.05, cache=False
        )
        for name in sorted({q.doc for q in pdf_questions}):
            asked = [q for q in pdf_questions if q.doc == name]
            path = find(name, folders)
            try:
                result = parse_cached(client, path, stamp)
            except TaskFailedError as err:
                print(f"  PARSE FAILED {name}: {err}", file=sys.stderr)
                FAILED.setdefault(folders, []).append(name)
                verdicts += [Verdict(q, "parse failed", 0.0, None, 0.0, "") for q in asked]
                continue
            chunks = to_chunks(result, "chunk", chunk_size=CHUNK_SIZE)
            with pdfplumber.open(path) as pdf:
                verdicts += [judge(q, pdf, result, chunks) for q in asked]
    return verdicts


def report(half: str) -> float | None:
    """Print one set's tables; the share of measured answers covered (None: none measured)."""
    questions, folders = HALVES[half]
    if not all(folder.is_dir() for folder in folders):
        print(f"## {half}: skipped, {', '.join(map(str, folders))} not found\n")
        return None
    verdicts = measure(questions, folders)
    docs = sorted({v.question.doc for v in verdicts})
    print(f"## {half}: {len(verdicts)} answers in {len(docs)} PDFs")
    print(
        f"covered: >= {SHARE:.0%} of the answer's words have their centre inside one of its "
        f"chunk's boxes on that page (each box widened by {TOLERANCE:g} of the page)"
    )
    print()
    columns = ("covered", "uncovered", "no chunk", "not on page", "no text layer", "parse failed")
    print(
        "| document | " + " | ".join(columns) + " | covered % | block's own box covers "
        "| median area of the chunk's boxes on the page, % |"
    )
    print("| --- |" + " ---: |" * (len(columns) + 3))
    for doc in [*docs, "total"]:
        mine = [v for v in verdicts if doc in (v.question.doc, "total")]
        counts = [sum(v.status == c for v in mine) for c in columns]
        measured = counts[0] + counts[1]
        share = f"{100 * counts[0] / measured:.0f}" if measured else "-"
        blocks = sum(v.block_covers is True for v in mine)
        areas = [v.area for v in mine if v.status in ("covered", "uncovered")]
        area = f"{100 * statistics.median(areas):.0f}" if areas else "-"
        print(f"| {doc} | " + " | ".join(map(str, counts)) + f" | {share} | {blocks} | {area} |")
    print()
    for verdict in verdicts:
        if verdict.status != "covered":
            q = verdict.question
            print(f"  {verdict.status}: [{q.kind}] {q.doc} p{q.pages} {q.answer!r}")
            if verdict.detail:
                print(f"      {verdict.share:.0%} of its words covered; {verdict.detail}")
    measured_all = [v for v in verdicts if v.status in ("covered", "uncovered")]
    if not measured_all:
        return None
    covered = 100 * sum(v.status == "covered" for v in measured_all) / len(measured_all)
    met = "target met" if covered >= TARGET else f"TARGET MISSED (>= {TARGET:.0f}%)"
    print(f"\n{half}: {covered:.1f}% of {len(measured_all)} measured answers covered: {met}\n")
    return covered


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    args = parser.parse_args()
    print(f"(parses cached in {CACHE})\n")
    halves = list(HALVES) if args.half == "all" else [args.half]
    shares = {half: report(half) for half in halves}
    # as in retrieval.py: the exit status reports the public set (the documents in the
    # repository); the dev and test figures are printed, a missed target there is news
    # for the closing note, not a failed `make bench`
    public = shares.get("public")
    return 1 if public is not None and public < TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
