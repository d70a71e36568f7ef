"""Check the question sets against the sources themselves (not against our output).

For every question whose document has a text layer, the answer (after ``plain()``, the
normalisation ``bench/retrieval.py`` matches with) must occur on its stated pages:

* PDF: the page's text by pdfplumber or by pypdf, whole or cut into left and right halves
  (two-column pages interleave lines otherwise); a PDF page without text is a scan;
* xlsx: the sheet's cells in row order, each shown with its number format (``0.0%``,
  ``#,##0``), which is what a reader sees;
* pptx: the slide's text frames, table cells and every string of its charts (title,
  categories, series names; the text in pictures is read by eye);
* docx: the paragraphs and table cells of the whole document (Word files have no page
  layer).

Scans, photos and text inside pictures are listed as read by eye. Exit status 1 when an
answer is not found.

Run: ``.venv/bin/python bench/check_qa.py [--half public|dev|test|all]``
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from retrieval import HALVES, find, plain
from retrieval_qa import Question

BY_EYE = "read by eye"
logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings, not findings


@functools.cache
def _pdf(path: Path) -> tuple[Any, Any]:
    import pdfplumber
    from pypdf import PdfReader

    return pdfplumber.open(path), PdfReader(path)


@functools.cache
def pdf_page(path: Path, number: int) -> tuple[str, ...]:
    """The texts of a 1-based page an answer may be found in: pdfplumber's, pypdf's, and
    pdfplumber's of its left and right halves (empty: no text layer, a scan)."""
    plumber, reader = _pdf(path)
    if not 0 < number <= len(plumber.pages):
        return ()
    page = plumber.pages[number - 1]
    texts = [page.extract_text() or "", reader.pages[number - 1].extract_text() or ""]
    if not plain("".join(texts)):
        return ()
    x0, top, x1, bottom = page.bbox
    middle = (x0 + x1) / 2
    for box in ((x0, top, middle, bottom), (middle, top, x1, bottom)):
        texts.append(page.crop(box, strict=False).extract_text() or "")
    return tuple(plain(text) for text in texts)


def pdf_texts(path: Path, pages: tuple[int, ...]) -> list[str]:
    """The texts of the stated pages, and for consecutive pages their joins (a sentence
    over the break: whole pages, and the right column of one with the left of the next)."""
    texts = [t for n in pages for t in pdf_page(path, n) if t]
    for n in pages:
        this, following = pdf_page(path, n), pdf_page(path, n + 1)
        if n + 1 in pages and this and following:
            texts += [this[0] + following[0], this[1] + following[1], this[3] + following[2]]
    return texts


def _formatted(value: object, number_format: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if number_format.endswith("%"):
        decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
        return f"{value * 100:.{decimals}f}%"
    if "#,##0" in number_format:
        decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
        return f"{value:,.{decimals}f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@functools.cache
def sheet_pages(path: Path) -> list[list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    pages = []
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            cells = [_formatted(c.value, c.number_format) for c in row if c.value is not None]
            rows.append(" | ".join(cells))
        pages.append([plain("\n".join(rows))])
    return pages


@functools.cache
def slide_pages(path: Path) -> list[list[str]]:
    import pptx

    pages = []
    for slide in pptx.Presentation(str(path)).slides:
        parts: list[str] = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [" | ".join(c.text for c in row.cells) for row in shape.table.rows]
            if getattr(shape, "has_chart", False) and shape.has_chart:
                # every string of the chart part (title, categories, series names, values),
                # also for the plot types python-pptx cannot classify (3-D bars)
                space = shape.chart._chartSpace
                parts += [e.text for e in space.iter() if e.text and e.tag.endswith(("}v", "}t"))]
        pages.append([plain("\n".join(parts))])
    return pages


@functools.cache
def word_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return plain("\n".join(parts))


def check(question: Question, path: Path) -> str:
    """``ok``, :data:`BY_EYE`, or what is wrong."""
    answer = plain(question.answer)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return "ok" if answer in word_text(path) else "not in the document"
    if suffix == ".pdf":
        texts = pdf_texts(path, question.pages)
    elif suffix in (".xlsx", ".pptx"):
        pages = (sheet_pages if suffix == ".xlsx" else slide_pages)(path)
        texts = [t for n in question.pages if 0 < n <= len(pages) for t in pages[n - 1] if t]
    else:
        return BY_EYE  # a picture
    if not texts:
        return BY_EYE  # a scanned page, or a slide whose text is in a picture
    return "ok" if any(answer in text for text in texts) else f"not on pages {question.pages}"


def run(questions: Iterable[Question], folders: Iterable[Path]) -> tuple[int, list[str]]:
    checked, eye, wrong = 0, [], []
    for q in questions:
        verdict = check(q, find(q.doc, folders))
        if verdict == "ok":
            checked += 1
        elif verdict == BY_EYE:
            eye.append(f"  - [{q.kind}] {q.doc} p{q.pages}: {q.answer!r}")
        else:
            wrong.append(f"  - [{q.kind}] {q.doc}: {q.answer!r} {verdict}")
    print(f"  {checked} found in the source's text, {len(eye)} read by eye")
    return len(wrong), wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    args = parser.parse_args()
    failures = 0
    for half in HALVES if args.half == "all" else [args.half]:
        questions, folders = HALVES[half]
        if not all(folder.is_dir() for folder in folders):
            print(f"{half}: skipped, {folders} not found")
            continue
        print(f"{half}: {len(questions)} questions")
        count, wrong = run(questions, folders)
        failures += count
        print("\n".join(wrong))
    print("all answers found" if not failures else f"{failures} ANSWERS NOT FOUND")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
