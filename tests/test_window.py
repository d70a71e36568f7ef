"""The window of files under way (``_window.py``): when a file may start, what to wait on."""

from __future__ import annotations

from concurrent.futures import Future

from somark_loaders._window import Window


def future(done: bool = False) -> Future[None]:
    made: Future[None] = Future()
    if done:
        made.set_result(None)
    return made


def test_a_file_starts_when_a_fetch_ends_and_the_waiting_files_are_bounded() -> None:
    window: Window[str, Future[None], Future[None]] = Window(2, ordered=True)
    jobs = {name: (future(), future()) for name in "abcd"}
    window.add("a", *jobs["a"])
    window.add("b", *jobs["b"])
    assert not window.has_room()  # two fetching: the account's two tasks
    jobs["b"][1].set_result(None)  # b's result is back; b is being converted
    assert window.has_room()
    window.add("c", *jobs["c"])
    jobs["c"][1].set_result(None)
    assert window.has_room()
    window.add("d", *jobs["d"])
    jobs["d"][1].set_result(None)
    assert not window.has_room()  # a fetching, three more: twice the tasks under way


def test_in_order_nothing_is_handed_over_before_the_first_file_and_no_wait_spins() -> None:
    window: Window[str, Future[None], Future[None]] = Window(2, ordered=True)
    first, second = (future(), future()), (future(), future())
    window.add("first", *first)
    window.add("second", *second)
    second[1].set_result(None)
    second[0].set_result(None)  # the second file is done, the first is not
    assert window.take() is None
    # waiting on a finished future returns at once: the driver would spin
    assert all(not f.done() for f in window.watched())
    assert set(window.watched()) == {first[0], first[1]}
    first[0].set_result(None)
    taken = window.take()
    assert taken is not None and taken.item == "first"
    taken = window.take()
    assert taken is not None and taken.item == "second"
    assert not window


def test_as_completed_the_first_done_file_is_handed_over() -> None:
    window: Window[str, Future[None], Future[None]] = Window(2, ordered=False)
    first, second = (future(), future()), (future(), future())
    window.add("first", *first)
    window.add("second", *second)
    second[0].set_result(None)
    taken = window.take()
    assert taken is not None and taken.item == "second"
