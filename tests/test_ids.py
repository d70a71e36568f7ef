"""Ids of a result converted without ``doc_id``: stable for the same content, distinct
for any change to what its chunks are made of."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from somark_loaders import ParseResult, to_chunks

from .fixtures import paper_data


def _pages(data: dict[str, Any]) -> list[dict[str, Any]]:
    raw = data["result"]["outputs"]["json"]
    return json.loads(raw)["pages"] if isinstance(raw, str) else raw["pages"]  # type: ignore[no-any-return]


def _edited(edit: Callable[[list[dict[str, Any]]], None]) -> ParseResult:
    data = paper_data(json_as_string=False)
    edit(_pages(data))
    return ParseResult.from_data(data)


def _doc_id(result: ParseResult) -> str:
    return str(to_chunks(result)[0].metadata["doc_id"])


def test_the_same_content_gives_the_same_ids_whichever_way_it_arrives() -> None:
    as_string = ParseResult.from_data(paper_data())
    as_object = ParseResult.from_data(copy.deepcopy(paper_data(json_as_string=False)))
    assert [c.id for c in to_chunks(as_string)] == [c.id for c in to_chunks(as_object)]
    assert len(_doc_id(as_string)) == 64


def _retitle(pages: list[dict[str, Any]]) -> None:
    pages[0]["blocks"][1]["title_level"] = 2


def _one_word(pages: list[dict[str, Any]]) -> None:
    pages[1]["blocks"][1]["content"] += " again"


def _moved_text(pages: list[dict[str, Any]]) -> None:
    # the same texts in the same order, one of them on the next page: other page numbers
    pages[1]["blocks"].insert(0, pages[0]["blocks"].pop())


def _split_text(pages: list[dict[str, Any]]) -> None:
    # the same characters, cut between two blocks at another place
    first, second = pages[1]["blocks"][1], pages[1]["blocks"][2]
    first["content"], second["content"] = (
        first["content"] + second["content"][:3],
        second["content"][3:],
    )


@pytest.mark.parametrize("edit", [_retitle, _one_word, _moved_text, _split_text])
def test_any_change_to_the_content_gives_other_ids(
    edit: Callable[[list[dict[str, Any]]], None],
) -> None:
    assert _doc_id(_edited(edit)) != _doc_id(_edited(lambda pages: None))
