"""The account's limits held across a Ray cluster: one named actor per account.

Every Ray worker that submits to SoMark asks the same actor for its submit slot, its
task-in-flight slot and whether a pause or an account refusal is in force, so the
account's requests per second and tasks in flight hold whatever the number of workers
or nodes, and a 1124 seen by one worker pauses all of them. The actor is named after
the account (a hash of the service URL and the key, never the key), created on demand
by the first ``read_somark`` of a cluster and found by the next ones; it is detached, so
it outlives the job that made it and two pipelines with one key share it.

What the actor holds is bounded in time, since it lives as long as the cluster:

* an account refusal (1107, 1108, 1123) stops the pipeline that met it (every worker of
  one ``read_somark`` call), not the next one, which tries again (pages may have been
  bought since); a pipeline's refusal is forgotten once none of its workers has asked
  for :data:`REFUSAL_KEPT` seconds;
* a task slot is a short lease (:func:`slot_lease`, a poll interval or two) that the
  worker holding it renews while it lives, so a worker killed holding slots (the OOM
  killer, a node lost) frees them within one lease;
* a freed task slot goes to the run (one Ray task's batch of files) that started first
  among those waiting for one, whichever asks first: the oldest batch is done before
  the next, so while one batch ends (its last files at the service, none left to
  upload) the younger ones have files waiting to fill the slots it frees. Shared out
  to whoever asked first, every batch would end at about the same time and the slots
  would stand idle at each end together. A run that stops asking for
  :data:`WAITER_KEPT` seconds loses its place.

Times sent to the actor are wall-clock times (``time.time()``): the nodes' clocks are
assumed to agree to well under a second, as NTP keeps them.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import ray

from .._errors import APIError
from ..service._retry import PACE_MARGIN, RateLimiter, SendLog

__all__ = ["AccountLimits", "ClusterLimits", "account_actor", "slot_lease"]

NAMESPACE = "somark_loaders"
MIN_SLOT_LEASE = 6.0  # seconds a task slot is held without a renewal, at least
RENEWALS_PER_LEASE = 3  # a holder renews its leases this often within one
REFUSAL_KEPT = 600.0  # seconds a pipeline's refusal is kept after its last question
SENT_EARLY = 0.01  # seconds before its slot a submit counts as sent early (clock conversions,
# an event loop that wakes a millisecond early)
WAITER_KEPT = 1.0  # seconds a run waiting for a task slot keeps its place without asking

logger = logging.getLogger("somark_loaders")


def slot_lease(poll_interval: float) -> float:
    """How long a task slot is held without a renewal: two poll intervals, at least
    :data:`MIN_SLOT_LEASE` (read when called, so a test may shorten it)."""
    return max(MIN_SLOT_LEASE, 2 * poll_interval)


class AccountLimits:
    """The state of one account's limits (the body of the Ray actor).

    Slots in flight are leases that their holders renew: a worker that dies holding one
    (a node lost, a process killed) frees it when its lease ends. Refusals are kept per
    pipeline. ``clock``: wall-clock seconds (a test's own clock).
    """

    def __init__(
        self, per_second: float, tasks: int, auto: bool, clock: Callable[[], float] = time.time
    ) -> None:
        self.configure(per_second, tasks, auto)
        self.clock = clock
        self.next = 0.0
        self.paused_until = 0.0
        self.sends = SendLog()  # the slots booked last, as they were sent
        self.refusals: dict[str, tuple[APIError, float]] = {}  # pipeline -> why, last asked
        self.holders: dict[str, float] = {}  # token -> end of its lease (wall clock)
        # run -> (when it started, its uploads waiting for a slot, when it last asked)
        self.waiting: dict[str, tuple[float, int, float]] = {}
        self.runs: dict[str, float] = {}  # run -> when it last asked for a slot
        self.most_in_flight = 0
        self.submits_sent = 0  # submits said sent (each paced here)
        self.last_slot: float | None = None
        self.closest_slots = float("inf")  # the least time between two slots booked
        self.sent_early = 0  # of those, sent before their slot (a worker that did not wait)

    def configure(self, per_second: float, tasks: int, auto: bool) -> None:
        """The settings of the pipeline that starts now (the latest one wins)."""
        self.interval = (1 + PACE_MARGIN) / per_second  # as RateLimiter
        self.tasks = tasks
        self.auto = auto

    def quicken(self, per_second: float) -> None:
        if self.auto:
            self.interval = min(self.interval, (1 + PACE_MARGIN) / per_second)

    def reserve(self, at: float, pipeline: str) -> tuple[float, APIError | None]:
        """The wait for the next submit slot, and the refusal that stopped ``pipeline``."""
        sends = self.sends.earliest(self.interval, self.clock())
        start = max(at, self.next, self.paused_until, sends)
        if self.last_slot is not None:
            self.closest_slots = min(self.closest_slots, start - self.last_slot)
        self.last_slot = start
        self.next = start + self.interval
        self.sends.book(start, self.interval)
        now = self.clock()
        self.refusals = {p: r for p, r in self.refusals.items() if r[1] + REFUSAL_KEPT > now}
        refusal = self.refusals.get(pipeline)
        if refusal is None:
            return start - at, None
        self.refusals[pipeline] = (refusal[0], now)  # still running: kept
        return start - at, refusal[0]

    def sent(self, slot: float, at: float) -> None:
        """The submit booked for ``slot`` was sent at ``at`` (see :class:`SendLog`;
        ``-inf``: it never will be)."""
        self.sends.sent(slot, at, self.interval)
        if at != float("-inf"):
            self.submits_sent += 1
            if at < slot - SENT_EARLY:
                self.sent_early += 1

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def held(self, at: float) -> float:
        return max(0.0, self.paused_until - at)

    def halt(self, pipeline: str, reason: APIError) -> None:
        if pipeline not in self.refusals:
            self.refusals[pipeline] = (reason, self.clock())

    def _held_now(self) -> float:
        """The clock, once the leases that ended are dropped."""
        now = self.clock()
        self.holders = {t: end for t, end in self.holders.items() if end > now}
        return now

    def acquire(
        self, token: str, lease: float, run: str = "", since: float = 0.0, waiting: int = 1
    ) -> bool:
        """A task slot for ``token`` if one is free and no run that started before ``run``
        (at ``since``) waits for it. ``waiting``: the uploads of ``run`` waiting for a slot,
        this one included (``run`` empty: an asker without a place in line)."""
        now = self._held_now()
        self.waiting = {r: w for r, w in self.waiting.items() if w[2] + WAITER_KEPT > now}
        if run:
            self.waiting[run] = (since, waiting, now)
            self.runs = {r: t for r, t in self.runs.items() if t + REFUSAL_KEPT > now}
            self.runs[run] = now
        ahead = sum(n for r, (s, n, _) in self.waiting.items() if (s, r) < (since, run))
        if len(self.holders) + ahead >= self.tasks:
            return False
        if run:
            if waiting > 1:
                self.waiting[run] = (since, waiting - 1, now)
            else:
                del self.waiting[run]
        self.holders[token] = now + lease
        self.most_in_flight = max(self.most_in_flight, len(self.holders))
        return True

    def renew(self, tokens: Iterable[str], lease: float) -> None:
        """The holder of ``tokens`` lives. A lease that ended while its holder was stalled
        counts again (over the limit if its slot was given away): its task is in flight."""
        now = self._held_now()
        for token in tokens:
            self.holders[token] = now + lease

    def release(self, token: str) -> None:
        self.holders.pop(token, None)

    def stats(self) -> dict[str, Any]:
        self._held_now()
        return {
            "in_flight": len(self.holders),
            "most_in_flight": self.most_in_flight,
            "submits_sent": self.submits_sent,
            "closest_slots": self.closest_slots,
            "sent_early": self.sent_early,
            "runs": len(self.runs),  # that asked for a slot in the last REFUSAL_KEPT seconds
            "halted": sorted(str(reason) for reason, _ in self.refusals.values()),
        }


def account_actor(account: str, per_second: float, tasks: int, *, auto: bool) -> Any:
    """The account's actor, made if no worker of the cluster has made it yet; its
    settings become these."""
    remote: Any = ray.remote(AccountLimits)
    actor = remote.options(
        # v4: submits paced from when they were sent (v3: slots to the oldest waiting
        # run; v2: leases renewed, refusals per pipeline)
        name=f"somark-limits-v4-{account}",
        namespace=NAMESPACE,
        get_if_exists=True,
        lifetime="detached",
        num_cpus=0,
        max_concurrency=1,  # one call at a time: each is a few microseconds
    ).remote(per_second, tasks, auto)
    ray.get(actor.configure.remote(per_second, tasks, auto))
    return actor


class _ClusterPace(RateLimiter):
    """A :class:`RateLimiter` whose slots, pauses and refusal (the pipeline's) live in the
    account's actor. Times given to it are on ``time.monotonic``, the flows' clock."""

    def __init__(self, actor: Any, pipeline: str, per_second: float, *, auto: bool) -> None:
        super().__init__(per_second, auto=auto)
        self._actor = actor
        self._pipeline = pipeline

    @staticmethod
    def _wall(at: float) -> float:
        return time.time() + (at - time.monotonic())

    def reserve(self, now: float) -> float:
        wait, halted = ray.get(self._actor.reserve.remote(self._wall(now), self._pipeline))
        if halted is not None and self.halted is None:
            self.halted = halted  # another worker's account refusal stops this one too
        return float(wait)

    def sent(self, slot: float, at: float) -> None:
        # not waited for: the submit goes now, and the actor hears it before the next
        # bookings of this worker (an actor runs one caller's calls in order)
        self._actor.sent.remote(self._wall(slot), self._wall(at))

    def pause(self, until: float) -> None:
        ray.get(self._actor.pause.remote(self._wall(until)))

    def held(self, now: float) -> float:
        return float(ray.get(self._actor.held.remote(self._wall(now))))

    def halt(self, reason: APIError) -> None:
        super().halt(reason)
        ray.get(self._actor.halt.remote(self._pipeline, reason))

    def quicken(self, per_second: float) -> None:
        super().quicken(per_second)
        if self.auto:
            ray.get(self._actor.quicken.remote(per_second))


class _ClusterSlots:
    """Tasks in flight for the account across the cluster (``InFlight``'s machine part).

    One per run (a Ray task's batch of files): its place in the account's line for a
    free slot is when it was made, and it tells the actor how many of its uploads wait.
    While it holds slots, a thread renews their leases :data:`RENEWALS_PER_LEASE` times a
    lease; it ends when the last slot is released (and dies with the process).
    """

    def __init__(self, actor: Any, lease: float) -> None:
        self._actor = actor
        self._lease = lease
        self._run = uuid.uuid4().hex
        self._since = time.time()
        self._waiting: set[int] = set()  # the threads whose uploads wait for a slot
        self._tokens: dict[int, str] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._calls = threading.Lock()  # a renewal never carries a token released before it
        self._renewing = False

    def try_acquire(self) -> int | None:
        token = uuid.uuid4().hex
        me = threading.get_ident()
        with self._lock:
            self._waiting.add(me)
            waiting = len(self._waiting)
        asked = self._actor.acquire.remote(token, self._lease, self._run, self._since, waiting)
        if not ray.get(asked):
            return None
        with self._lock:
            self._waiting.discard(me)
            slot = next(self._numbers)
            self._tokens[slot] = token
            if not self._renewing:
                self._renewing = True
                threading.Thread(target=self._renew, name="somark-leases", daemon=True).start()
        return slot

    def release(self, slot: int) -> None:
        with self._calls:
            with self._lock:
                token = self._tokens.pop(slot, None)
            if token is not None:
                ray.get(self._actor.release.remote(token))

    def _renew(self) -> None:
        while True:
            time.sleep(self._lease / RENEWALS_PER_LEASE)
            with self._calls:
                with self._lock:
                    tokens = list(self._tokens.values())
                    if not tokens:
                        self._renewing = False
                        return
                try:
                    ray.get(self._actor.renew.remote(tokens, self._lease))
                except ray.exceptions.RayError as err:  # tried again at the next turn
                    logger.debug("SoMark task slots not renewed: %s", type(err).__name__)


class ClusterLimits:
    """What a :class:`BatchRunner` on a Ray worker uses instead of the machine's limits."""

    def __init__(self, actor: Any, lease: float) -> None:
        self.actor = actor
        self.lease = lease
        self.pipeline = uuid.uuid4().hex  # whose refusals stop these workers

    def pace(self, per_second: float, *, auto: bool) -> RateLimiter:
        return _ClusterPace(self.actor, self.pipeline, per_second, auto=auto)

    def slots(self, tasks: int) -> _ClusterSlots:
        return _ClusterSlots(self.actor, self.lease)
