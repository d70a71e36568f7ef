"""Hard deadlines for the sync client's requests, and prompt cancellation.

httpx's timeouts bound each network operation, not a request: a server that never
answers is waited for ``timeout`` per attempt, and one that trickles its answer a byte at
a time is never timed out at all. The async client bounds a whole request with
``asyncio.wait_for``; the sync client cannot interrupt a blocking read from outside, so
its transports get a network backend whose streams bound every connect, read and write
by the deadline of the request in progress on this thread (:func:`request_scope`), and
read in short slices so that a cancelled batch (its ``threading.Event`` set) stops
waiting within a fraction of a second. A billable request (an upload) is never cut short
by a cancellation, only by its deadline.

The backend is installed on the httpx client's transports (:func:`bound_requests`),
which reaches into httpx's ``_transport``/``_mounts`` and httpcore's
``_network_backend``: the tests check that it is in place, so an httpx release that
moves them fails loudly instead of silently losing the deadlines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

__all__ = ["bound_requests", "is_bounded", "read_capped", "request_scope"]

SLICE = 0.2  # seconds a read waits before looking at the cancel flag again


@dataclass
class _Scope:
    deadline: float
    cancel: threading.Event | None
    billable: bool


_local = threading.local()


@contextmanager
def request_scope(
    seconds: float, cancel: threading.Event | None = None, *, billable: bool = False
) -> Iterator[None]:
    """Bound the request made on this thread inside the block to ``seconds`` in all."""
    outer = getattr(_local, "scope", None)
    _local.scope = _Scope(time.monotonic() + seconds, cancel, billable)
    try:
        yield
    finally:
        _local.scope = outer


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    scope: _Scope | None = getattr(_local, "scope", None)
    if scope is None:
        return timeout
    left = scope.deadline - time.monotonic()
    if left <= 0:
        raise error("The request's deadline (timeout) passed.")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        started = time.monotonic()
        while True:
            scope: _Scope | None = getattr(_local, "scope", None)
            if scope is not None and scope.cancel is not None and not scope.billable:
                if scope.cancel.is_set():
                    raise httpcore.ReadError("The load was cancelled.")
                budget = None if timeout is None else timeout - (time.monotonic() - started)
                if budget is not None and budget <= 0:
                    raise httpcore.ReadTimeout("timed out")
                step = _bounded(
                    SLICE if budget is None else min(SLICE, budget), httpcore.ReadTimeout
                )
                try:
                    return self._inner.read(max_bytes, step)
                except httpcore.ReadTimeout:
                    continue  # one slice over: look at the flag and the deadline again
            return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _Stream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _pools(client: httpx.Client) -> list[Any]:
    transports = [client._transport, *client._mounts.values()]
    return [getattr(t, "_pool", None) for t in transports if t is not None]


def bound_requests(client: httpx.Client) -> None:
    """Install the bounded backend on every transport of ``client`` that has one."""
    for pool in _pools(client):
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)


def is_bounded(client: httpx.Client) -> bool:
    """Whether every transport of ``client`` bounds its requests (see the module doc)."""
    pools = _pools(client)
    return bool(pools) and all(
        isinstance(getattr(pool, "_network_backend", None), _Backend) for pool in pools
    )


def read_capped(chunks: Iterable[bytes], limit: int) -> tuple[bytes, bool]:
    """The decoded body, read up to ``limit`` bytes; ``(body, False)`` when it is larger
    (reading stops there: a gzip bomb never inflates past the limit)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return b"", False
        parts.append(chunk)
    return b"".join(parts), True
