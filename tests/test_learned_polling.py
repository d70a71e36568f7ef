"""Polling that learns the service's pace (issue 27, part 3).

The pure tests drive ``parse_flow`` against a fake service on a fake clock: each task ends
``seconds_per_page x pages`` after its upload is accepted, each answer takes ``RTT``. The
last test counts the checks a real emulator receives.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from somark_loaders._redact import Secret
from somark_loaders.emulator import Emulator
from somark_loaders.files._files import Upload
from somark_loaders.options import ParseOptions
from somark_loaders.service._flow import Context, Send, Sleep
from somark_loaders.service._pace import PROBE_AFTER, PaceModel, TaskChecks
from somark_loaders.service._protocol import CHECK_PATH, SUBMIT_PATH, Reply
from somark_loaders.service._retry import PollPolicy, RetryPolicy
from somark_loaders.service._wait import parse_flow, wait_flow

from .fixtures import KEY, distinct_pdfs, loader

RTT = 0.02  # seconds each fake answer takes
CADENCE = 3.0  # SoMark's recommended interval (3-5 s), the client's default


def _reply(data: dict[str, object]) -> Reply:
    return Reply(200, {}, json.dumps({"code": 0, "message": "", "data": data}).encode())


@dataclass
class Task:
    """What one task went through: when it was accepted and ended, and its checks."""

    pages: int
    accepted: float = 0.0
    ends: float = 0.0
    checks: list[float] = field(default_factory=list)  # when each check was sent
    found: float = 0.0  # when the check that found it done was sent

    @property
    def service(self) -> float:
        return self.ends - self.accepted

    @property
    def late(self) -> float:
        return self.found - self.ends


@dataclass
class FakeService:
    """A context on a fake clock and a service whose tasks take ``pace(pages)`` seconds."""

    ctx: Context = field(
        default_factory=lambda: Context(
            Secret("k"), RetryPolicy(jitter=0), PollPolicy(), random.Random(0)
        )
    )
    clock: float = 1000.0

    def run(self, pages: int, seconds: float, *, known: bool = True) -> Task:
        """Parse one task of ``pages`` pages that takes ``seconds`` (page count known to
        the client before the upload when ``known``)."""
        task = Task(pages)
        upload = Upload.from_input(b"%PDF-1.4", file_name="a.pdf")
        if known:
            upload = Upload(upload.file_name, upload.size, data=upload.data, pages=pages)
        flow = parse_flow(self.ctx, upload, ParseOptions())
        sent: object = None
        while True:
            try:
                step = flow.send(sent)
            except StopIteration:
                return task
            if isinstance(step, Sleep):
                self.clock += step.seconds
                sent = self.clock
                continue
            assert isinstance(step, Send)
            asked, self.clock = self.clock, self.clock + RTT
            if step.path == SUBMIT_PATH:
                task.accepted, task.ends = asked, asked + seconds
                sent = (_reply({"task_id": "t", "status": "QUEUING"}), self.clock)
                continue
            assert step.path == CHECK_PATH
            task.checks.append(asked)
            done = asked >= task.ends
            data: dict[str, object] = {
                "task_id": "t",
                "status": "SUCCESS" if done else "PROCESSING",
                "metadata": {"page_num": pages, "file_type": ".pdf"},
                "result": {"outputs": {"markdown": "text"}} if done else None,
            }
            if done:
                task.found = asked
            sent = (_reply(data), self.clock)


DONE_RTT = 0.05  # an answer that carries the result is longer, and comes later


def run_together(ctx: Context, tasks: list[tuple[int, float]]) -> list[Task]:
    """Parse ``(pages, seconds)`` tasks at once on one fake clock with one context (one
    pace model), in the order things happen: an answer that finds its task done carries
    the result and comes :data:`DONE_RTT` after its check, one that finds it running
    :data:`RTT` after. Returns each task's story, and counts the flows' sleeps."""
    events: list[tuple[float, int, int, object]] = []  # (when, order, task, what to send)
    order = itertools.count()
    flows, records = [], []
    for index, (pages, seconds) in enumerate(tasks):
        data = Upload.from_input(b"%PDF-1.4", file_name="a.pdf")
        upload = Upload(data.file_name, data.size, data=data.data, pages=pages)
        flows.append(parse_flow(ctx, upload, ParseOptions()))
        records.append(Task(pages, ends=seconds))  # ends: the service time until accepted
        heapq.heappush(events, (0.0, next(order), index, None))
    while events:
        clock, _, index, sent = heapq.heappop(events)
        task = records[index]
        try:
            step = flows[index].send(sent)
        except StopIteration:
            continue
        if isinstance(step, Sleep):
            woken = clock + step.seconds
            heapq.heappush(events, (woken, next(order), index, woken))
            continue
        if step.path == SUBMIT_PATH:
            task.accepted, task.ends = clock, clock + task.ends
            answer = _reply({"task_id": f"t{index}", "status": "QUEUING"})
            heapq.heappush(events, (clock + RTT, next(order), index, (answer, clock + RTT)))
            continue
        task.checks.append(clock)
        done = clock >= task.ends
        if done:
            task.found = clock
        answer = _reply(
            {
                "task_id": f"t{index}",
                "status": "SUCCESS" if done else "PROCESSING",
                "metadata": {"page_num": task.pages, "file_type": ".pdf"},
                "result": {"outputs": {"markdown": "text"}} if done else None,
            }
        )
        back = clock + (DONE_RTT if done else RTT)
        heapq.heappush(events, (back, next(order), index, (answer, back)))
    return records


def _within_cadence(task: Task, seconds: float | None = None) -> bool:
    """SoMark's cadence held: no more checks than ``seconds`` (the service time) allow at
    3 s, plus 2."""
    return len(task.checks) <= (task.service if seconds is None else seconds) / CADENCE + 2


def test_the_first_task_of_a_run_uses_todays_ramp() -> None:
    service = FakeService()
    task = service.run(10, 10.0)
    offsets = [round(at - task.accepted, 2) for at in task.checks]
    assert offsets == [1.02, 3.02, 6.02, 9.02, 12.02]  # 1 s after the answer, 3 s, 6 s...


@pytest.mark.parametrize("known", [True, False], ids=["pages-known", "pages-from-check"])
def test_later_tasks_are_checked_when_the_run_says_they_end(known: bool) -> None:
    """After one task at 1 s a page, tasks of 10, 4 and 20 pages are found within 2% of
    their end (today: up to an interval late), with at most 3 checks each."""
    service = FakeService()
    service.run(10, 10.0, known=known)
    later = [service.run(pages, float(pages), known=known) for pages in (10, 4, 20, 10) * 3]
    settled = later[4:]
    assert max(t.late / t.service for t in settled) <= 0.02, [t.late for t in settled]
    assert all(t.late >= 0 for t in later)
    assert all(len(t.checks) <= (2 if known else 3) for t in later)
    assert all(_within_cadence(t) for t in later)


def test_never_checks_more_often_than_the_cadence_on_average() -> None:
    """A service whose pace varies from task to task (0.5 to 1.5 s a page): no task is
    checked more often than the cadence allows over the time it was polled, and the run's
    checks are at least 3 s apart on average."""
    rng = random.Random(7)
    service = FakeService()
    tasks = []
    for _ in range(40):
        pages = rng.choice((1, 3, 8, 15))
        tasks.append(service.run(pages, pages * rng.uniform(0.5, 1.5)))
    polled = [t.found - t.accepted for t in tasks]
    assert all(_within_cadence(t, s) for t, s in zip(tasks, polled, strict=True)), [
        (round(s, 1), len(t.checks)) for t, s in zip(tasks, polled, strict=True)
    ]
    assert sum(len(t.checks) for t in tasks) <= sum(polled) / CADENCE + len(tasks)
    assert sum(t.late for t in tasks) < sum(t.service for t in tasks) * 0.25


def test_a_first_wave_learns_from_its_first_task_while_it_waits() -> None:
    """Tasks of 2 to 5 pages sent at once, 0.5 s a page: all are checked at 1 s, and the
    2-page one is then found done. The others' answers ("running") come back before its
    answer (which carries the result) has taught the run's pace, so they had nothing to
    go by: at the ramp, they would wait for the 3 s check (up to 1.5 s late, as in
    ``bench/polling.py`` at 4 in flight). Waiting, they look again: each is found within
    a few hundredths of its end, with no more checks than the cadence allows."""
    ctx = Context(Secret("k"), RetryPolicy(jitter=0), PollPolicy(), random.Random(0))
    tasks = run_together(ctx, [(pages, pages * 0.5) for pages in (2, 3, 4, 5)])
    assert [len(t.checks) for t in tasks] == [1, 2, 2, 2]
    assert all(0 <= t.late <= 0.1 for t in tasks), [round(t.late, 2) for t in tasks]
    assert all(_within_cadence(t) for t in tasks)


def test_a_wait_cut_short_ends_even_if_the_clock_does_not_move() -> None:
    """The cut waits count from when each was due, not only from the clock: a driver
    whose clock stands still (woken early) still gets to the check."""
    ctx = Context(Secret("k"), RetryPolicy(jitter=0), PollPolicy(), random.Random(0))
    TaskChecks(ctx.pace_model, accepted=0.0, pages=1)  # another task in flight
    flow = wait_flow(ctx, "t", first_sleep=True, accepted=0.0, pages=2)
    step, sleeps = next(flow), 0
    while isinstance(step, Sleep) and sleeps < 100:
        step, sleeps = flow.send(0.0), sleeps + 1
    assert isinstance(step, Send) and step.path == CHECK_PATH, sleeps
    assert sleeps > 1  # the wait was cut (another task may teach this one)


def test_a_task_slower_than_forecast_is_found_at_the_cadence() -> None:
    service = FakeService()
    for _ in range(6):
        service.run(10, 10.0)  # the run's pace: 1 s a page
    slow = service.run(10, 25.0)  # this one takes 2.5 s a page
    offsets = [at - slow.accepted for at in slow.checks]
    assert offsets[0] == pytest.approx(10.0, abs=0.3)  # the forecast end
    past = [later - earlier for earlier, later in itertools.pairwise(offsets[1:])]
    assert past and all(gap == pytest.approx(CADENCE, abs=0.05) for gap in past)
    assert 0 <= slow.late <= CADENCE
    assert _within_cadence(slow)


def test_a_service_that_became_faster_is_learned_again() -> None:
    """The run's first tasks were slow (a service warming up: 10 s a page), the next ones
    take 2 s. Found at their first check, they would teach only that they took no longer
    than the slow ones (each found 8 s late, on and on: as a Ray worker's client did); a
    check earlier now and then finds the new pace."""
    service = FakeService()
    for _ in range(4):
        service.run(1, 10.0)
    fast = [service.run(1, 2.0) for _ in range(20)]
    assert all(t.late >= 0 for t in fast)
    assert max(t.late for t in fast[-8:]) <= 0.5, [round(t.late, 2) for t in fast]
    assert all(_within_cadence(t, 10.0) for t in fast)


def test_a_probe_goes_to_a_task_whose_first_check_is_still_to_come() -> None:
    """A task accepted before any task ended gets its forecast when its first check finds
    it running: that forecast must not use up the probe (it would never be sent)."""
    model = PaceModel()
    early = TaskChecks(model, accepted=0.0, pages=1)  # nothing learned yet: the ramp
    assert early.forecast is None
    for _ in range(PROBE_AFTER):
        model.observe(1, 0.0, 2.0)  # found at their first check: the pace is not seen
    early.running(asked=1.0, pages=1)
    assert early.forecast is not None and early.forecast.probe is None
    later = TaskChecks(model, accepted=5.0, pages=1)
    assert later.forecast is not None and later.forecast.probe is not None


def test_the_model_forgets_nothing_it_should_not_learn_from() -> None:
    model = PaceModel()
    model.observe(None, 0.0, 5.0)  # page count unknown
    model.observe(3, 2.0, 1.0)  # not a bracket
    assert model.forecast(3) is None and model.forecast(None) is None
    model.observe(2, 1.0, 3.0)
    forecast = model.forecast(4)
    assert forecast is not None and forecast.first == pytest.approx(4.0)
    assert forecast.sure == pytest.approx(6.0 * 1.02 + 0.02)  # with its allowance


SECONDS_PER_PAGE = 1.2
INTERVAL = 0.4  # chosen (the emulator's fast default would hide the ramp)


def test_a_run_on_the_emulator_checks_each_later_task_at_most_twice(tmp_path: Path) -> None:
    """Tasks of 1.2 s polled every 0.4 s: today each costs 3-4 checks; with the run's pace
    learned from the first, the later ones cost 1 or 2. Counts, not wall time."""
    with Emulator(api_keys={KEY}, seconds_per_page=SECONDS_PER_PAGE) as emulator:
        files = distinct_pdfs(tmp_path, 4)
        docs = loader(
            files,
            emulator,
            max_concurrency=1,
            cache=False,
            client_options={"poll_interval": INTERVAL},
        ).load()
        assert docs
        checks = Counter(r.fields["task_id"][0] for r in emulator.requests_to(CHECK_PATH))
        per_task = [checks[t] for t in emulator.accepted_tasks]
    assert len(per_task) == 4
    assert per_task[0] >= 3  # the first task: the ramp, as today
    assert all(n <= 2 for n in per_task[1:]), per_task
    assert sum(per_task) <= 4 * (SECONDS_PER_PAGE / INTERVAL + 2)
