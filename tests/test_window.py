"""The window of files under way (``_window.py``): when a file may start, what to wait on."""

from __future__ import annotations

from concurrent.futures import Future

from somark_loaders.batch._window import Window


def future(done: bool = False) -> Future[None]:
    made: Future[None] = Future()
    if done:
        made.set_result(None)
    return made


def test_twice_the_tasks_are_under_way_and_a_file_starts_when_one_is_handed_over() -> None:
    window: Window[str, Future[None]] = Window(2, ordered=True)
    jobs = {name: future() for name in "abcde"}
    for name in "abcd":
        assert window.has_room()
        window.add(name, jobs[name])
    # two at the service (the account's two tasks), two checked and waiting for a slot
    assert not window.has_room()
    jobs["b"].set_result(None)  # done, but not handed over: memory stays bounded
    assert not window.has_room()
    assert window.take() is None  # in order: a is not done
    jobs["a"].set_result(None)
    taken = window.take()
    assert taken is not None and taken.item == "a"
    assert window.has_room()
    window.add("e", jobs["e"])
    assert not window.has_room()


def test_in_order_nothing_is_handed_over_before_the_first_file_and_no_wait_spins() -> None:
    window: Window[str, Future[None]] = Window(2, ordered=True)
    first, second = future(), future()
    window.add("first", first)
    window.add("second", second)
    second.set_result(None)  # the second file is done, the first is not
    assert window.take() is None
    # waiting on a finished future returns at once: the driver would spin
    assert window.watched() == [first]
    first.set_result(None)
    taken = window.take()
    assert taken is not None and taken.item == "first"
    taken = window.take()
    assert taken is not None and taken.item == "second"
    assert not window


def test_as_completed_the_first_done_file_is_handed_over() -> None:
    window: Window[str, Future[None]] = Window(2, ordered=False)
    first, second = future(), future()
    window.add("first", first)
    window.add("second", second)
    second.set_result(None)
    taken = window.take()
    assert taken is not None and taken.item == "second"
