"""Task slots granted in input order, and when work off the critical path may run
(``_in_flight.py``). Threads block on each other here: every wait is bounded, and no
assertion depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from somark_loaders.batch._in_flight import AsyncInFlight, InFlight, Sending
from somark_loaders.batch._outcomes import LoadCancelledError

LONG = 10.0  # a bound that is never reached when the code is right


def in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def upload_or_not(slots: InFlight, cancel: threading.Event, ticket: int) -> str:
    """Take a slot for ``ticket`` and let it go: ``sent N``, or ``not sent N`` when the
    load stopped the grants first."""
    try:
        with slots.held(cancel, ticket):
            return f"sent {ticket}"
    except LoadCancelledError:
        return f"not sent {ticket}"


def until(check: Callable[[], bool]) -> None:
    """Wait (bounded) for another thread to get somewhere."""
    done = threading.Event()
    for _ in range(1000):
        if check():
            return
        done.wait(0.01)
    raise AssertionError("never happened")


def test_a_freed_slot_goes_to_the_lowest_ticket_whatever_the_order_of_arrival() -> None:
    slots = InFlight(1, None, stop_on_error=False)
    cancel = threading.Event()
    tickets = [slots.ticket() for _ in range(4)]
    order: list[int] = []
    release = threading.Event()

    def upload(ticket: int) -> None:
        with slots.held(cancel, ticket):
            order.append(ticket)
            if ticket == 0:
                assert release.wait(LONG)

    first = in_thread(lambda: upload(tickets[0]))
    until(lambda: order == [0])
    waiting = [in_thread(lambda t=t: upload(t)) for t in (tickets[3], tickets[2], tickets[1])]
    until(lambda: len(slots._book.waiters) == 3)
    release.set()
    for thread in (first, *waiting):
        thread.join(LONG)
    assert order == [0, 1, 2, 3]


def test_a_file_that_needs_no_upload_passes_its_turn_on() -> None:
    slots = InFlight(2, None, stop_on_error=False)
    cancel = threading.Event()
    cached, parsed = slots.ticket(), slots.ticket()
    got: list[int] = []

    def upload() -> None:
        with slots.held(cancel, parsed):
            got.append(parsed)

    later = in_thread(upload)
    until(lambda: len(slots._book.waiters) == 1)  # a slot is free, but it is not its turn
    assert got == []
    slots.pass_on(cached)  # the first file was in the cache
    later.join(LONG)
    assert got == [parsed]


def test_a_failed_upload_under_raise_stops_the_grants_before_its_slot_is_free() -> None:
    slots = InFlight(1, None, stop_on_error=True)
    cancel = threading.Event()
    failing, nxt, last = slots.ticket(), slots.ticket(), slots.ticket()
    outcome: list[str] = []
    with pytest.raises(RuntimeError), slots.held(cancel, failing):
        waiting = in_thread(lambda: outcome.append(upload_or_not(slots, cancel, nxt)))
        until(lambda: len(slots._book.waiters) == 1)
        raise RuntimeError("task FAILED")
    waiting.join(LONG)
    outcome.append(upload_or_not(slots, cancel, last))  # one arriving afterwards: not sent
    assert outcome == [f"not sent {nxt}", f"not sent {last}"]


def test_under_skip_and_collect_a_failed_upload_hands_its_slot_on() -> None:
    slots = InFlight(1, None, stop_on_error=False)
    cancel = threading.Event()
    failing, nxt = slots.ticket(), slots.ticket()
    with pytest.raises(RuntimeError), slots.held(cancel, failing):
        raise RuntimeError("task FAILED")
    outcome: list[str] = []
    waiting = in_thread(lambda: outcome.append(upload_or_not(slots, cancel, nxt)))
    waiting.join(LONG)  # a slot never handed on would keep it waiting: cancelled below
    cancel.set()
    waiting.join(LONG)
    assert outcome == [f"sent {nxt}"]


def test_a_cancelled_load_stops_the_waiting_uploads() -> None:
    slots = InFlight(1, None, stop_on_error=False)
    cancel = threading.Event()
    holder, waiting = slots.ticket(), slots.ticket()
    outcome: list[str] = []
    with slots.held(cancel, holder):
        thread = in_thread(lambda: outcome.append(upload_or_not(slots, cancel, waiting)))
        until(lambda: len(slots._book.waiters) == 1)
        cancel.set()
        thread.join(LONG)
    assert outcome == [f"not sent {waiting}"]
    assert slots._book.waiters == [] and slots._book.free == 1


def test_work_off_the_critical_path_waits_for_an_upload_until_its_task_id_is_known() -> None:
    slots = InFlight(2, None, stop_on_error=False)
    cancel = threading.Event()
    converted = threading.Event()
    naps: list[bool] = []

    def convert() -> None:
        slots.wait_quiet(most=LONG)
        converted.set()

    first = slots.ticket()
    assert enter_check(slots, first)
    with slots.held(cancel, first) as sending:
        converter = in_thread(convert)
        # the next file may still be checked: a slot is free, its upload would go at once
        checked = threading.Event()
        in_thread(lambda: checked.set() if enter_check(slots, slots.ticket()) else None)
        assert checked.wait(LONG / 2)
        assert not converted.wait(0.3)  # an upload is on its way: the conversion waits
        # a sleep for the account's pace is not urgent: the conversion may run meanwhile
        sending.sleep(lambda _s: naps.append(converted.wait(LONG)), 1.0)
        assert naps == [True] and sending.urgent
        converted.clear()
        converter = in_thread(convert)
        assert not converted.wait(0.3)
        sending.accepted()  # the task id is known: polls from now on
        assert converted.wait(LONG)
        converter.join(LONG)


def test_the_async_twin_grants_in_ticket_order_and_stops_under_raise() -> None:
    async def scenario() -> list[str]:
        slots = AsyncInFlight(1, None, stop_on_error=True)
        first, second, third, fourth = (slots.ticket() for _ in range(4))
        log: list[str] = []
        release = asyncio.Event()

        async def upload(ticket: int, *, fail: bool = False) -> None:
            try:
                async with slots.held(ticket):
                    log.append(f"sent {ticket}")
                    if ticket == first:
                        await release.wait()
                    if fail:
                        raise RuntimeError("task FAILED")
            except LoadCancelledError:
                log.append(f"not sent {ticket}")
            except RuntimeError:
                log.append(f"failed {ticket}")

        holder = asyncio.create_task(upload(first))
        await asyncio.sleep(0)
        rest = [
            asyncio.create_task(upload(fourth)),
            asyncio.create_task(upload(second, fail=True)),
            asyncio.create_task(upload(third)),
        ]
        while len(slots._book.waiters) < 3:
            await asyncio.sleep(0.01)
        release.set()
        await asyncio.wait_for(asyncio.gather(holder, *rest), LONG)
        return log

    log = asyncio.run(scenario())
    # the slot freed by the first goes to the second (not the fourth, there first); the
    # second fails under raise: neither of the others is sent
    assert log[:3] == ["sent 0", "sent 1", "failed 1"]
    assert sorted(log[3:]) == ["not sent 2", "not sent 3"]


def enter_check(slots: InFlight, ticket: int) -> bool:
    """Check the file of ``ticket`` (nothing to do): whether its turn came before the
    bound (:data:`LONG` x 3, which ``until`` does not wait for)."""
    with slots.checking(ticket, most=LONG * 3):
        return True


def test_files_ahead_are_checked_one_at_a_time_and_after_the_upload_on_its_way() -> None:
    slots = InFlight(1, None, stop_on_error=False)
    cancel = threading.Event()
    log: list[str] = []
    go_on = threading.Event()

    def check(name: str, ticket: int) -> None:
        with slots.checking(ticket, most=LONG * 3):
            log.append(f"{name} in")
            if name == "first":
                assert go_on.wait(LONG)
            log.append(f"{name} out")

    uploading = slots.ticket()
    assert enter_check(slots, uploading)
    with slots.held(cancel, uploading) as sending:  # the only slot, upload on its way
        ahead, further = slots.ticket(), slots.ticket()
        first = in_thread(lambda: check("first", ahead))
        assert not until_or_not(lambda: log == ["first in"])  # ahead: waits for the upload
        sending.accepted()
        until(lambda: log == ["first in"])
        second = in_thread(lambda: check("second", further))
        assert not until_or_not(lambda: "second in" in log)  # one file at a time
        go_on.set()
        first.join(LONG)
        second.join(LONG)
    assert log == ["first in", "first out", "second in", "second out"]


def test_files_are_checked_in_input_order_and_a_first_wave_before_the_files_ahead() -> None:
    slots = InFlight(2, None, stop_on_error=False)
    cancel = threading.Event()
    tickets = [slots.ticket() for _ in range(3)]
    log: list[str] = []
    uploads: dict[int, Sending] = {}
    done = threading.Event()

    def job(ticket: int) -> None:
        with slots.checking(ticket, most=LONG * 3):
            log.append(f"checked {ticket}")
        with slots.held(cancel, ticket) as sending:
            uploads[ticket] = sending
            assert done.wait(LONG)

    # they arrive in reverse order: the checks go in input order all the same
    threads = [in_thread(lambda t=t: job(t)) for t in reversed(tickets)]
    until(lambda: len(uploads) == 2)
    # the first wave (two free slots) was checked while its first upload was on its way;
    # the third file, ahead, waits for the wave's uploads to have their task ids
    assert log == ["checked 0", "checked 1"]
    uploads[0].accepted()
    assert not until_or_not(lambda: len(log) == 3)
    uploads[1].accepted()
    until(lambda: log == ["checked 0", "checked 1", "checked 2"])
    done.set()
    for thread in threads:
        thread.join(LONG)


def until_or_not(check: Callable[[], bool], seconds: float = 0.3) -> bool:
    """Whether ``check`` becomes true within ``seconds`` (to show that something waits)."""
    pause = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if check():
            return True
        pause.wait(0.01)
    return check()


def test_the_async_twin_checks_in_input_order_and_a_first_wave_first() -> None:
    async def scenario() -> list[str]:
        slots = AsyncInFlight(2, None, stop_on_error=False)
        tickets = [slots.ticket() for _ in range(3)]
        log: list[str] = []
        uploads: dict[int, Sending] = {}
        done = asyncio.Event()

        async def job(ticket: int) -> None:
            async with slots.checking(ticket, most=LONG * 3):
                log.append(f"checked {ticket}")
            async with slots.held(ticket) as sending:
                uploads[ticket] = sending
                await done.wait()

        # they start in reverse order: the checks go in input order all the same
        jobs = [asyncio.create_task(job(t)) for t in reversed(tickets)]
        while len(uploads) < 2:
            await asyncio.sleep(0.01)
        assert log == ["checked 0", "checked 1"]
        uploads[0].accepted()
        await asyncio.sleep(0.3)
        assert len(log) == 2  # the file ahead waits for the wave's uploads
        uploads[1].accepted()
        while len(log) < 3:
            await asyncio.sleep(0.01)
        done.set()
        await asyncio.wait_for(asyncio.gather(*jobs), LONG)
        return log

    assert asyncio.run(asyncio.wait_for(scenario(), LONG * 2)) == [
        "checked 0",
        "checked 1",
        "checked 2",
    ]


def test_a_stopped_load_lets_the_files_waiting_for_their_check_go_at_once() -> None:
    slots = InFlight(1, None, stop_on_error=False)
    cancel = threading.Event()
    uploading, ahead = slots.ticket(), slots.ticket()
    assert enter_check(slots, uploading)
    outcome: list[str] = []
    with slots.held(cancel, uploading):  # the only slot, its upload on its way
        waiting = in_thread(lambda: outcome.append(upload_after_check(slots, cancel, ahead)))
        assert not until_or_not(lambda: bool(outcome))  # ahead: waits for the upload
        cancel.set()
        slots.stop()  # Ctrl-C: the check goes on at once (not after QUIET_WAIT), uploads nothing
        until(lambda: bool(outcome))
        waiting.join(LONG)
    assert outcome == [f"not sent {ahead}"]


def upload_after_check(slots: InFlight, cancel: threading.Event, ticket: int) -> str:
    with slots.checking(ticket, most=LONG * 3):
        pass
    return upload_or_not(slots, cancel, ticket)
