"""The account's limits held across a Ray cluster: one named actor per account.

Every Ray worker that submits to SoMark asks the same actor for its submit slot, its
task-in-flight slot and whether a pause or an account refusal is in force, so the
account's requests per second and tasks in flight hold whatever the number of workers
or nodes, and a 1124 seen by one worker pauses all of them. The actor is named after
the account (a hash of the service URL and the key, never the key), created on demand
by the first ``read_somark`` of a cluster and found by the next ones; it is detached, so
it outlives the job that made it and two pipelines with one key share it.

Times sent to the actor are wall-clock times (``time.time()``): the nodes' clocks are
assumed to agree to well under a second, as NTP keeps them.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any

import ray

from ._errors import APIError
from ._retry import RateLimiter

__all__ = ["AccountLimits", "ClusterLimits", "account_actor"]

NAMESPACE = "somark_loaders"


class AccountLimits:
    """The state of one account's limits (the body of the Ray actor).

    Slots in flight are leases: a worker that dies holding one (a node lost, a process
    killed) frees it when its lease ends, the longest a task may be waited for.
    """

    def __init__(self, per_second: float, tasks: int, auto: bool) -> None:
        self.configure(per_second, tasks, auto)
        self.next = 0.0
        self.paused_until = 0.0
        self.halted: APIError | None = None
        self.holders: dict[str, float] = {}  # token -> end of its lease (wall clock)
        self.most_in_flight = 0

    def configure(self, per_second: float, tasks: int, auto: bool) -> None:
        """The settings of the pipeline that starts now (the latest one wins)."""
        self.interval = 1.1 / per_second  # as RateLimiter: 10% for network jitter
        self.tasks = tasks
        self.auto = auto

    def quicken(self, per_second: float) -> None:
        if self.auto:
            self.interval = min(self.interval, 1.1 / per_second)

    def reserve(self, at: float) -> tuple[float, APIError | None]:
        start = max(at, self.next, self.paused_until)
        self.next = start + self.interval
        return start - at, self.halted

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def held(self, at: float) -> float:
        return max(0.0, self.paused_until - at)

    def halt(self, reason: APIError) -> None:
        if self.halted is None:
            self.halted = reason

    def acquire(self, token: str, lease: float) -> bool:
        now = time.time()
        self.holders = {t: end for t, end in self.holders.items() if end > now}
        if len(self.holders) >= self.tasks:
            return False
        self.holders[token] = now + lease
        self.most_in_flight = max(self.most_in_flight, len(self.holders))
        return True

    def release(self, token: str) -> None:
        self.holders.pop(token, None)

    def stats(self) -> dict[str, Any]:
        return {
            "in_flight": len(self.holders),
            "most_in_flight": self.most_in_flight,
            "halted": str(self.halted) if self.halted else None,
        }


def account_actor(account: str, per_second: float, tasks: int, *, auto: bool) -> Any:
    """The account's actor, made if no worker of the cluster has made it yet; its
    settings become these."""
    remote: Any = ray.remote(AccountLimits)
    actor = remote.options(
        name=f"somark-limits-{account}",
        namespace=NAMESPACE,
        get_if_exists=True,
        lifetime="detached",
        num_cpus=0,
        max_concurrency=1,  # one call at a time: each is a few microseconds
    ).remote(per_second, tasks, auto)
    ray.get(actor.configure.remote(per_second, tasks, auto))
    return actor


class _ClusterPace(RateLimiter):
    """A :class:`RateLimiter` whose slots, pauses and refusal live in the account's actor.
    Times given to it are on ``time.monotonic``, the flows' clock."""

    def __init__(self, actor: Any, per_second: float, *, auto: bool) -> None:
        super().__init__(per_second, auto=auto)
        self._actor = actor

    @staticmethod
    def _wall(at: float) -> float:
        return time.time() + (at - time.monotonic())

    def reserve(self, now: float) -> float:
        wait, halted = ray.get(self._actor.reserve.remote(self._wall(now)))
        if halted is not None and self.halted is None:
            self.halted = halted  # another worker's account refusal stops this one too
        return float(wait)

    def pause(self, until: float) -> None:
        ray.get(self._actor.pause.remote(self._wall(until)))

    def held(self, now: float) -> float:
        return float(ray.get(self._actor.held.remote(self._wall(now))))

    def halt(self, reason: APIError) -> None:
        super().halt(reason)
        ray.get(self._actor.halt.remote(reason))

    def quicken(self, per_second: float) -> None:
        super().quicken(per_second)
        if self.auto:
            ray.get(self._actor.quicken.remote(per_second))


class _ClusterSlots:
    """Tasks in flight for the account across the cluster (``InFlight``'s machine part)."""

    def __init__(self, actor: Any, lease: float) -> None:
        self._actor = actor
        self._lease = lease
        self._tokens: dict[int, str] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def try_acquire(self) -> int | None:
        token = uuid.uuid4().hex
        if not ray.get(self._actor.acquire.remote(token, self._lease)):
            return None
        with self._lock:
            slot = next(self._numbers)
            self._tokens[slot] = token
        return slot

    def release(self, slot: int) -> None:
        with self._lock:
            token = self._tokens.pop(slot, None)
        if token is not None:
            ray.get(self._actor.release.remote(token))


class ClusterLimits:
    """What a :class:`BatchRunner` on a Ray worker uses instead of the machine's limits."""

    def __init__(self, actor: Any, lease: float) -> None:
        self.actor = actor
        self.lease = lease

    def pace(self, per_second: float, *, auto: bool) -> RateLimiter:
        return _ClusterPace(self.actor, per_second, auto=auto)

    def slots(self, tasks: int) -> _ClusterSlots:
        return _ClusterSlots(self.actor, self.lease)
