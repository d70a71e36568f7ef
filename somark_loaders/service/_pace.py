"""The service's pace, learned from the tasks of a run. Pure: times are given, never read.

A task is found finished at the first check after it ends, so a fixed cadence makes every
task wait up to an interval more than the service took. The service's time per page is
much the same from one task of a run to the next, so the tasks already finished say when
the next one will end: its first check goes there, not at a fixed ramp.

Each finished task brackets the service's time per page: it was still running at its last
unfinished check (``lo``) and done at the check that found it (``hi``), both counted from
the moment its upload was accepted. :meth:`PaceModel.forecast` turns the recent brackets
into two times for a new task of ``pages`` pages:

* while the brackets agree (a steady service: some time per page lies in all of them), the
  first check goes halfway between the latest "still running" and the earliest "done", and
  the sure time is that earliest "done"; a miss is followed by a check at the sure time.
  Each task so halves the uncertainty, until it is under :data:`PRECISION` of the time:
  then the first check is the sure time itself;
* when they disagree (a service whose pace varies), the first check goes at the lower
  quartile of the brackets' middles and the sure time at the median "done".

After these, checks follow the cadence (:meth:`PollPolicy.next_check`). A task slower
than forecast is therefore found at the cadence; a faster one, at its first check.

A task planned before any task of the run had finished has no forecast: it waits on the
ramp. While other tasks of the run are in flight its wait is cut into short ones (no
request sent: :meth:`TaskChecks.look_again`), so that one of them that finishes meanwhile
gives it a forecast at once. This is the first wave of a run with several tasks in
flight: checked together at 1 s, the shortest is then found done, but the others' answers
("running") are often read first (the answer that carries a result comes later), and they
would wait for the ramp's 3 s check.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["Forecast", "PaceModel"]

# Finished tasks the forecast is made from (the most recent ones).
WINDOW = 24
# Uncertainty (a part of the forecast time) under which the bisection stops: the first
# check goes at the earliest "done" seen.
PRECISION = 0.02
# The sure time's allowance past the earliest "done" (PRECISION of it, plus SLACK
# seconds): the requests' own times vary, so a check sent at exactly the time that found
# an earlier task done may reach the service a little before this one ends.
SLACK = 0.02
# Tasks found done at their first check in a row after which one task is checked first at
# half the forecast: such tasks say only that they took no longer than forecast, so a
# service that became faster (its first tasks slow while it warmed up) would otherwise be
# checked at its old pace for the whole window.
PROBE_AFTER = 4
# A task without a forecast looks again for one (no request) this long into its wait at
# the latest: REPLAN_SHARE of its time since the upload was accepted, REPLAN_LEAST seconds
# at least (so a long lone task wakes a few dozen times, not every REPLAN_LEAST).
REPLAN_LEAST = 0.1
REPLAN_SHARE = 0.1


@dataclass(frozen=True)
class Forecast:
    """When to check a task, in seconds after its upload was accepted.

    ``first``: the first check; ``sure``: when a task of the run's pace is surely done
    (a check then if the first one found it still running; ``sure >= first``);
    ``probe``: a check before ``first``, now and then (see :data:`PROBE_AFTER`).
    """

    first: float
    sure: float
    probe: float | None = None  # an earlier check before the first (see PROBE_AFTER)


def _probe(probe: bool, first: float) -> float | None:
    return first / 2 if probe else None


class PaceModel:
    """Seconds per page seen on the finished tasks of one client (shared by its loads and
    their threads). Times are the flows' clock, read by the flows."""

    def __init__(self, window: int = WINDOW) -> None:
        self._seen: deque[tuple[float, float]] = deque(maxlen=window)  # (lo, hi) per page
        self._lock = threading.Lock()
        self._unseen = 0  # tasks in a row never seen running (found at their first check)
        self._open = 0  # tasks in flight that may teach it (see TaskChecks)

    def opened(self, change: int) -> None:
        """A task that may teach the model is in flight (``+1``), or no longer (``-1``)."""
        with self._lock:
            self._open += change

    @property
    def others_open(self) -> bool:
        """Whether a task in flight may teach it, besides the one asking."""
        return self._open > 1

    def observe(self, pages: int | None, lo: float, hi: float) -> None:
        """A task of ``pages`` pages was still running ``lo`` seconds after it was
        accepted (0 if never seen so) and found done ``hi`` seconds after."""
        if not pages or pages <= 0 or hi <= 0 or lo > hi:
            return
        new = (max(lo, 0.0) / pages, hi / pages)
        with self._lock:
            # a task done sooner than earlier ones were still running: the service is
            # faster than they said (a slow start), and their "still running" goes
            kept = [(0.0 if lo_ > new[1] else lo_, hi_) for lo_, hi_ in self._seen]
            self._seen = deque(kept, maxlen=self._seen.maxlen)
            self._seen.append(new)
            self._unseen = self._unseen + 1 if lo <= 0 else 0

    def forecast(self, pages: int | None, *, may_probe: bool = True) -> Forecast | None:
        """When to check a task of ``pages`` pages; ``None`` before any task finished or
        when the page count is unknown (the caller keeps its ramp). ``may_probe``: the
        forecast is for a first check still to come (only then can it carry the probe)."""
        if not pages or pages <= 0:
            return None
        with self._lock:
            seen = list(self._seen)
            probe = may_probe and self._unseen >= PROBE_AFTER
            if probe:
                self._unseen = 0  # one task probes
        if not seen:
            return None
        low = max(lo for lo, _ in seen)
        high = min(hi for _, hi in seen)
        if low <= high * (1 + PRECISION):  # steady (to the requests' jitter): bisect
            first = high if high - low <= PRECISION * high else (low + high) / 2
            sure = max(high, low) * (1 + PRECISION)
            return Forecast(first * pages, sure * pages + SLACK, _probe(probe, first * pages))
        middles = sorted((lo + hi) / 2 for lo, hi in seen)
        first = middles[(len(middles) - 1) // 4]
        sure = max(statistics.median(hi for _, hi in seen), first)
        return Forecast(first * pages, sure * pages + SLACK, _probe(probe, first * pages))


class TaskChecks:
    """When to check one task, from the run's :class:`PaceModel`; tells the model how the
    task went. ``accepted``: when its upload was accepted (the flow's clock; ``None``: not
    known, e.g. a task resumed from the ledger: nothing is forecast or learned).
    ``pages``: its page count if known before the upload; a check's answer may tell it."""

    def __init__(self, model: PaceModel, accepted: float | None, pages: int | None) -> None:
        self.model = model
        self.accepted = accepted
        self.pages = pages
        self.running_at: float | None = None  # the last check that found it still running
        self.checks = 0  # checks that found it running
        self._forecast = self._make_forecast()
        self._counted = accepted is not None  # counted in the model's tasks in flight
        if self._counted:
            model.opened(+1)

    def close(self) -> None:
        """The task is no longer waited for (done, failed, given up). Idempotent."""
        if self._counted:
            self._counted = False
            self.model.opened(-1)

    def _make_forecast(self, *, first_check: bool = True) -> Forecast | None:
        if self.accepted is None:
            return None
        return self.model.forecast(self.pages, may_probe=first_check)

    @property
    def forecast(self) -> Forecast | None:
        return self._forecast

    def look_again(self, now: float) -> float | None:
        """While the task has no forecast: when to look again for one (``now``: the flow's
        clock); ``None`` if it has one, or no task in flight of the run may give it one."""
        if self._forecast is not None or self.accepted is None or not self.model.others_open:
            return None
        return now + max(REPLAN_LEAST, REPLAN_SHARE * (now - self.accepted))

    def learn(self, *, first_check: bool) -> bool:
        """Whether the task has a forecast, made now if the run's tasks finished since
        allow one (``first_check``: its first check is still to come)."""
        if self._forecast is None:
            self._forecast = self._make_forecast(first_check=first_check)
        return self._forecast is not None

    def first_wait(self, ramp: float) -> float:
        """The wait before the first check, from the upload's acceptance: the forecast's
        first check, else the caller's ``ramp``."""
        if self._forecast is None:
            return ramp
        probe = self._forecast.probe
        return self._forecast.first if probe is None else probe

    def running(self, asked: float, pages: int | None) -> None:
        """A check sent at ``asked`` found the task still running (``pages``: as the
        answer says)."""
        self.running_at = asked
        self.checks += 1
        if self.pages is None and pages:
            self.pages = pages
        # (a task of the run may have finished since) its first check is past: a probe
        # handed to it would never be sent
        self.learn(first_check=False)

    def next_check(self, asked: float, cadence: float, interval: float) -> float:
        """When to check next, after the check sent at ``asked`` found the task running;
        ``cadence``: when the cadence would. A forecast time still ahead comes first (the
        sure time no later than the cadence); past them, the cadence. Within the budget
        of the cadence on average: the n-th check at least (n - 2) intervals after the
        upload was accepted (so the first forecast check is skipped when the budget would
        hold back the sure one)."""
        if self._forecast is None or self.accepted is None:
            return cadence
        first = self.accepted + self._forecast.first
        sure = self.accepted + self._forecast.sure
        if first > asked and sure >= self.accepted + self.checks * interval:
            at = first
        elif sure > asked:
            at = min(sure, cadence)
        else:
            return cadence
        return max(at, self.accepted + (self.checks - 1) * interval)

    @property
    def past_forecast(self) -> bool:
        """Whether the checks now follow the plain interval (no ramp: the forecast
        already placed the early checks)."""
        return self._forecast is not None

    def finished(self, asked: float, pages: int | None) -> None:
        """The check sent at ``asked`` found the task done: teach the model."""
        if self.accepted is None:
            return
        start = self.accepted
        lo = 0.0 if self.running_at is None else self.running_at - start
        self.model.observe(self.pages or pages, lo, asked - start)
