"""Waiting for a task: check its status until it ends (at the cadence the run's pace
suggests), and parse (submit, then wait), as flows the clients drive (see :mod:`._flow`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from .._errors import TaskTimeoutError
from ..files._files import Upload
from ..models import ParseResult, TaskInfo, TaskStatus
from ..options import ParseOptions
from ._flow import Context, Flow, Journal, Send, Sleep, _call, submit_flow
from ._pace import TaskChecks
from ._protocol import CHECK_PATH, failed_error, read_check

__all__ = ["check_flow", "parse_flow", "wait_flow"]

logger = logging.getLogger("somark_loaders")


def check_flow(ctx: Context, task_id: str) -> Flow[TaskInfo]:
    """``POST /parse/async_check`` once (with retries): the task's status."""
    info, _now = yield from _check(ctx, task_id)
    return info


def _check(
    ctx: Context, task_id: str, deadline: float | None = None
) -> Flow[tuple[TaskInfo, float]]:
    send = Send(CHECK_PATH, ctx.fields({"task_id": task_id}))
    data, message, now = yield from _call(ctx, send, task_id=task_id, deadline=deadline)
    return read_check(data, task_id, message), now


def _sleep_until(
    checks: TaskChecks, now: float, at: float, plan: Callable[[], float], *, first_check: bool
) -> Flow[tuple[float, float]]:
    """Sleep from ``now`` until ``at``: the clock then, and when the check was due. While
    the task has no forecast the wait is cut (:meth:`TaskChecks.look_again`): once the
    run's finished tasks give it one, ``plan()`` says when to check, if that is sooner.
    Each cut counts from when the last was due, so a clock that stands still (a driver
    woken early) does not hold the wait."""
    woke = now
    while (wake := checks.look_again(woke)) is not None and wake < at:
        now = yield Sleep(max(wake - now, 0.0))
        woke = max(wake, now)
        if checks.learn(first_check=first_check):
            at = min(at, plan())
    now = yield Sleep(max(at - now, 0.0))
    return now, at


def wait_flow(
    ctx: Context,
    task_id: str,
    *,
    first_sleep: bool = False,
    deadline: float | None = None,
    accepted: float | None = None,
    pages: int | None = None,
) -> Flow[ParseResult]:
    """Check until SUCCESS (return the result), FAILED or the deadline (raise).

    ``deadline`` (the flow's clock): given by ``parse``, whose ``max_wait`` counts from
    the upload; otherwise ``max_wait`` from now, the first check included. Checks keep
    their cadence (:meth:`PollPolicy.next_check`). ``accepted`` (when the upload was
    accepted) and ``pages`` (if known) let the first checks go when the run's earlier
    tasks say this one ends (:class:`TaskChecks`), and this one teach the next."""
    checks = TaskChecks(ctx.pace_model, accepted, pages)
    try:
        return (
            yield from _wait(
                ctx, task_id, checks, first_sleep=first_sleep, deadline=deadline, accepted=accepted
            )
        )
    finally:
        checks.close()


def _wait(
    ctx: Context,
    task_id: str,
    checks: TaskChecks,
    *,
    first_sleep: bool,
    deadline: float | None,
    accepted: float | None,
) -> Flow[ParseResult]:
    """The body of :func:`wait_flow`."""
    waits = 0  # sleeps before checks so far (the first ones are short: see poll_sleep)
    due: float | None = None  # when the last check was due (the flow's clock)
    if first_sleep:
        # parse(): the task was just submitted, so the first check waits a little (or
        # until the forecast end); max_wait counts from before that wait.
        ramp = ctx.poll_sleep(waits)
        interval = checks.first_wait(ramp)
        waits += 1
        if accepted is None:
            due = now = yield Sleep(interval)
            start = now - interval
        else:  # (sooner if the run's tasks teach a forecast meanwhile)
            start = accepted
            due, _ = yield from _sleep_until(
                checks,
                start,
                start + interval,
                lambda: start + checks.first_wait(ramp),
                first_check=True,
            )
            now = due
        if deadline is None:
            deadline = start + ctx.poll.max_wait
    if due is None:
        due = yield Sleep(0)  # read the clock: the first check is due now
    asked = due  # when the last check was sent
    if deadline is None:
        deadline = due + ctx.poll.max_wait  # from now: the first check counts
    last: TaskInfo | None = None
    while True:
        info, now = yield from _check(ctx, task_id, deadline)
        if info.status is TaskStatus.SUCCESS:
            assert info.result is not None
            checks.finished(asked, info.page_count)
            return info.result
        if info.status is TaskStatus.FAILED:
            raise failed_error(info)
        if last is None or last.raw_status != info.raw_status:
            if info.status is None:  # once per task and status, not at every poll
                logger.warning(
                    "Task %s has unknown status %r; polling on.", task_id, info.raw_status
                )
            else:
                logger.info("Task %s is %s.", task_id, info.raw_status or "(no status)")
        last = info
        checks.running(asked, info.page_count)
        interval = ctx.poll_interval if checks.past_forecast else ctx.poll_sleep(waits)
        after = ctx.poll.next_check(due, now, deadline, interval)
        if after is not None:
            after = min(checks.next_check(asked, after, interval), deadline)
        waits += 1
        if after is None:
            raise TaskTimeoutError(
                f"Task still {info.raw_status or 'unfinished'} after {ctx.poll.max_wait:.0f}s "
                f"(max_wait).",
                task_id=task_id,
            )
        # if a forecast comes meanwhile, checks go by it (then past the ramp: the interval)
        plan = partial(checks.next_check, asked, after, ctx.poll_interval)
        asked, after = yield from _sleep_until(checks, now, after, plan, first_check=False)
        due = min(after, asked)  # woken early (a clock that did not move): due from then on


def parse_flow(
    ctx: Context, upload: Upload, options: ParseOptions, journal: Journal | None = None
) -> Flow[ParseResult]:
    """Submit then wait, within ``max_wait`` in all (upload, retries and polls)."""
    start = yield Sleep(0)  # read the clock
    deadline = start + ctx.poll.max_wait
    task_id = yield from submit_flow(ctx, upload, options, journal, deadline)
    accepted = yield Sleep(0)  # read the clock: the service's time counts from here
    return (
        yield from wait_flow(
            ctx,
            task_id,
            first_sleep=True,
            deadline=deadline,
            accepted=accepted,
            pages=upload.pages,
        )
    )
