"""The ``boxes`` vocabulary: pixel bbox -> page fractions, the JSON value, reading it back."""

from __future__ import annotations

import pytest

from somark_loaders._errors import ConfigurationError
from somark_loaders.convert._boxes import block_box, boxes_json, parse_boxes, vertical_share
from somark_loaders.models import Block, Page


def _page(**size: float) -> Page:
    return Page.model_validate({"page_num": 2, "page_size": size or None, "blocks": []})


def test_block_box_is_page_fractions_with_global_one_based_page() -> None:
    block = Block(idx=0, bbox=(124.1, 0, 620.5, 1754))
    assert block_box(block, _page(w=1241, h=1754)) == (3, 0.1, 0.0, 0.5, 1.0)


def test_block_box_clamps_and_orders_corners() -> None:
    block = Block(idx=0, bbox=(1300, 1800, -5, 877))
    assert block_box(block, _page(w=1241, h=1754)) == (3, 0.0, 0.5, 1.0, 1.0)


@pytest.mark.parametrize("size", [{}, {"w": 0, "h": 10}])
def test_block_box_needs_bbox_and_page_size(size: dict[str, float]) -> None:
    assert block_box(Block(idx=0, bbox=(1, 2, 3, 4)), _page(**size)) is None
    assert block_box(Block(idx=0), _page(w=10, h=10)) is None


def test_json_round_trip_and_document_like_inputs() -> None:
    boxes = [(1, 0.1, 0.2, 0.3, 0.4), (2, 0.0, 0.0, 1.0, 0.5)]
    value = boxes_json(boxes)
    assert value == "[[1,0.1,0.2,0.3,0.4],[2,0.0,0.0,1.0,0.5]]"
    assert parse_boxes(value) == boxes
    assert parse_boxes({"boxes": value}) == boxes

    class Doc:
        def __init__(self) -> None:
            self.metadata = {"boxes": value}

    assert parse_boxes(Doc()) == boxes


def test_vertical_share_is_a_band_of_the_box() -> None:
    assert vertical_share((1, 0.1, 0.2, 0.9, 0.6), 0.25, 0.5) == (1, 0.1, 0.3, 0.9, 0.4)


@pytest.mark.parametrize("bad", [{}, "not json", "[[1,2]]", '[["1",0,0,1,1]]', "{}"])
def test_bad_boxes_are_refused_with_what_to_do(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="boxes"):
        parse_boxes(bad)
