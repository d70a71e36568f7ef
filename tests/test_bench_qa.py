"""The question sets of ``bench/retrieval.py`` are well formed, and its answer matching
compares what a reader sees."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
KINDS = {
    "across_pages",
    "body",
    "chinese",
    "figure",
    "form",
    "heading",
    "scan",
    "slide",
    "spreadsheet",
    "table",
}


@pytest.fixture(scope="module")
def retrieval() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("retrieval")
    finally:
        sys.path.remove(str(BENCH))


def test_plain_keeps_text_between_comparison_signs(retrieval: ModuleType) -> None:
    # "P<0.025 ... R>0.94" is prose, not a tag: the answer between them must still match
    text = "heterogeneous (P<0.025). Data from the National Institute of Cancer (R2>0.94)"
    assert "nationalinstituteofcancer" in retrieval.plain(text)
    assert retrieval.plain("<td colspan='2'>12,371</td><br/>") == "12,371"


def test_plain_reads_typographic_quotes_as_typed(retrieval: ModuleType) -> None:
    assert retrieval.plain("the widow\u2019s \u201cgarden\u201d") == retrieval.plain(
        'the widow\'s "garden"'
    )


def test_every_question_is_well_formed(retrieval: ModuleType) -> None:
    for half, (questions, _folders) in retrieval.HALVES.items():
        assert len(questions) >= 60, half
        assert len(set(questions)) == len(questions), f"{half}: a question twice"
        for q in questions:
            assert q.kind in KINDS, q
            assert q.answer.strip() and q.question.strip(), q
            assert q.pages and all(n >= 1 for n in q.pages), q
            assert retrieval.plain(q.answer), q


def test_every_kind_is_asked_of_dev_and_test(retrieval: ModuleType) -> None:
    for half in ("dev", "test"):
        assert {q.kind for q in retrieval.HALVES[half][0]} == KINDS, half


def test_dev_questions_name_dev_documents(retrieval: ModuleType) -> None:
    questions, folders = retrieval.HALVES["dev"]
    if not folders[0].is_dir():
        pytest.skip(f"{folders[0]} not found (the shared corpus sits beside the repository)")
    present = {p.name for p in folders[0].iterdir()}
    assert {q.doc for q in questions} <= present
    # every document of the half is asked about, 4 questions or more each
    documents = present - {"MANIFEST.md"}
    assert all(sum(q.doc == d for q in questions) >= 4 for d in documents)


def test_dev2_questions_name_the_fetched_documents(retrieval: ModuleType) -> None:
    # the fetch script's members are exactly the documents asked about (checked without
    # the files: CI has no dev2 folder; when the folder is there, they are all in it)
    fetch = importlib.import_module("fetch_dev2")
    questions, folders = retrieval.HALVES["dev2"]
    assert folders == (fetch.DEFAULT,)
    fetched = [Path(m).name for *_, members in fetch.SDISTS for m in members]
    assert len(set(fetched)) == len(fetched)
    assert {q.doc for q in questions} == set(fetched)
    if folders[0].is_dir():
        assert {q.doc for q in questions} <= {p.name for p in folders[0].iterdir()}
