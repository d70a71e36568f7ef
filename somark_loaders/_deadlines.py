"""Bounds on one request: hard deadlines, capped answers, prompt cancellation, and the
one exception to it: an upload (billable) is never abandoned halfway.

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

import asyncio
import signal
import threading
import time
import zlib
from collections.abc import Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpcore
import httpx

from ._protocol import TransportFailure

__all__ = [
    "aread_capped",
    "bare",
    "bound_requests",
    "interrupts_held",
    "is_bounded",
    "read_capped",
    "request_scope",
    "uncancellable",
]

T = TypeVar("T")
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


class _Inflater:
    """Decodes a gzip or deflate body a bounded step at a time (httpx's own decoders
    inflate each network chunk whole: 64 KB of a gzip bomb become 64 MB at once)."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        self.handled = name in {"", "identity", "gzip", "x-gzip", "deflate"}
        self._deflate = name == "deflate"
        wbits = 16 + zlib.MAX_WBITS if name in {"gzip", "x-gzip"} else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if name not in {"", "identity"} else None

    def feed(self, raw: bytes, room: int) -> bytes:
        """At most ``room + 1`` decoded bytes of ``raw`` (one more than fits: over)."""
        if self._zlib is None:
            return raw
        out = b""
        data = raw
        try:
            while data and len(out) <= room:
                out += self._zlib.decompress(data, room + 1 - len(out))
                data = self._zlib.unconsumed_tail
        except zlib.error as err:
            if self._deflate and not out:  # some servers send raw deflate
                self._zlib, self._deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.feed(raw, room)
            raise httpx.DecodingError(f"The answer's {err} (corrupt compressed body).") from None
        return out


class _Capped:
    """The decoded body gathered up to ``limit`` bytes (see :func:`read_capped`)."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.inflater = _Inflater(response.headers.get("content-encoding", ""))
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, raw: bytes) -> bool:
        """Take one network chunk; ``False`` once the body is over the limit."""
        piece = self.inflater.feed(raw, self.limit - self.size) if self.inflater.handled else raw
        self.size += len(piece)
        if self.size > self.limit:
            return False
        self.parts.append(piece)
        return True


def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The decoded body, read up to ``limit`` bytes; ``(b"", False)`` when it is larger
    (reading stops there: a gzip bomb never inflates past the limit)."""
    body = _Capped(response, limit)
    chunks = response.iter_raw() if body.inflater.handled else response.iter_bytes()
    if all(body.add(raw) for raw in chunks):
        return b"".join(body.parts), True
    return b"", False


async def aread_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The async twin of :func:`read_capped`."""
    body = _Capped(response, limit)
    chunks = response.aiter_raw() if body.inflater.handled else response.aiter_bytes()
    async for raw in chunks:
        if not body.add(raw):
            return b"", False
    return b"".join(body.parts), True


def bare(exc: TransportFailure) -> TransportFailure:
    """The transport error without its traceback and chain: their frames' locals hold the
    request's form (the key included), which tracebacks that record locals would show."""
    exc.__cause__ = exc.__context__ = None
    exc.__suppress_context__ = True
    return exc.with_traceback(None)


class _HeldInterrupt:
    def __init__(self) -> None:
        self.interrupted = False

    def raise_if_interrupted(self) -> None:
        if self.interrupted:
            raise KeyboardInterrupt


@contextmanager
def interrupts_held() -> Iterator[_HeldInterrupt]:
    """Hold SIGINT (Ctrl-C) in the main thread for the duration; other threads are never
    interrupted by it anyway. The caller raises it afterwards with ``raise_if_interrupted``."""
    held = _HeldInterrupt()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield held  # not ours to change: someone else handles SIGINT
        return

    def hold(_signum: int, _frame: Any) -> None:
        held.interrupted = True

    signal.signal(signal.SIGINT, hold)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


async def uncancellable(
    coro: Coroutine[Any, Any, T],
) -> tuple[T, asyncio.CancelledError | None]:
    """Run ``coro`` to its end even if the caller is cancelled meanwhile; return its value
    and the cancellation to raise once the caller has recorded what it needed."""
    task = asyncio.ensure_future(coro)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            return await asyncio.shield(task), cancelled
        except asyncio.CancelledError as err:
            if task.cancelled():
                raise  # the request itself was cancelled (the loop is closing)
            cancelled = err
