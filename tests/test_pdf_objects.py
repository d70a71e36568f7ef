"""The emulator's fast reading of a page's characters gives what pdfplumber gives: every
object of every page of public documents the same (keys in the same order, values of the
same types and equal), and pdfplumber's own pages, in the same process, untouched."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from somark_loaders.emulator.pdf_objects import fast_chars

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parents[1] / "examples" / "data"
# prose, tables, TeX fonts without maps, a scan with odd page boxes, a picture of text
DOCUMENTS = [
    EXAMPLES / "multi-column.pdf",
    DATA / "us-017.pdf",
    DATA / "schools.pdf",
    DATA / "redp5110_sampled.pdf",
    DATA / "sample_with_rotation_mismatch.pdf",
    DATA / "issue-336-example.pdf",
    DATA / "unreadablemetadata.pdf",
]


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a).__name__ in {"PDFStream", "PDFObjRef"}:  # one per opened document
        return repr(a) == repr(b)
    return bool(a == b)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_object_is_the_one_pdfplumber_makes(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as theirs, pdfplumber.open(path) as ours:
        read = 0
        for their_page, our_page in zip(theirs.pages, ours.pages, strict=True):
            fast_chars(our_page)
            expected, got = their_page.objects, our_page.objects
            assert _same(expected, got), f"page {their_page.page_number}"
            read += sum(len(objects) for objects in got.values())
        assert read > 0


def test_only_the_page_given_reads_the_fast_way() -> None:
    import pdfplumber

    with pdfplumber.open(DATA / "us-017.pdf") as pdf:
        first, second = pdf.pages[0], pdf.pages[1]
        fast_chars(first)
        assert "process_object" in first.__dict__
        assert "process_object" not in second.__dict__
        assert first.chars and second.chars


def test_a_page_already_read_is_left_as_it_is() -> None:
    import pdfplumber

    with pdfplumber.open(DATA / "us-017.pdf") as pdf:
        page = pdf.pages[0]
        chars = page.chars
        assert "process_object" not in fast_chars(page).__dict__
        assert page.chars is chars
