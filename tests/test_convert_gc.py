"""The cyclic collector is off while a result converts, and put back as it was after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from somark_loaders import to_chunks

from .fixtures import paper


@pytest.fixture
def restore_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_during_a_conversion_and_on_after(restore_gc: None) -> None:
    seen: list[bool] = []

    def words(text: str) -> int:
        seen.append(gc.isenabled())
        return len(text.split())

    gc.enable()
    assert to_chunks(paper(), tokenizer=words)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off(restore_gc: None) -> None:
    gc.disable()
    to_chunks(paper())
    assert not gc.isenabled()


def test_the_collector_comes_back_when_a_conversion_fails(restore_gc: None) -> None:
    def broken(text: str) -> int:
        raise RuntimeError("tokenizer down")

    gc.enable()
    with pytest.raises(RuntimeError, match="tokenizer down"):
        to_chunks(paper(), tokenizer=broken)
    assert gc.isenabled()


def test_overlapping_conversions_in_threads_leave_the_collector_on(restore_gc: None) -> None:
    gc.enable()
    inside = threading.Barrier(2, timeout=30)

    def words(text: str) -> int:
        if threading.current_thread().name.startswith("convert"):
            inside.wait()  # both conversions are running at this point, once
            threading.current_thread().name = "done"
        return len(text.split())

    def convert() -> None:
        to_chunks(paper(), tokenizer=words)

    threads = [threading.Thread(target=convert, name=f"convert-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert gc.isenabled()


def test_units_are_let_go_as_their_chunks_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak memory holds the chunks or the units they are made from, not both: a unit
    (its elements, table grids, boxes) is freed once its chunk exists."""
    import weakref

    from somark_loaders.convert import _units
    from somark_loaders.convert._unit import Unit

    seen: list[weakref.ref[Unit]] = []
    alive: list[int] = []
    boxes_of = _units.unit_boxes

    def watching(unit: Unit) -> list[tuple[int, float, float, float, float]]:
        seen.append(weakref.ref(unit))
        alive.append(sum(ref() is not None for ref in seen[:-1]))
        return boxes_of(unit)

    monkeypatch.setattr(_units, "unit_boxes", watching)  # to_chunks imports it per call
    chunks = to_chunks(paper(), chunk_size=60, doc_id="d")
    assert len(chunks) == len(alive) > 5
    assert max(alive) <= 1, f"units still held while later chunks were made: {alive}"
