"""An httpcore network backend whose streams end every connect, read and write by the
deadline of the request in progress on this thread (:mod:`._scope`).

httpx's timeouts bound each network operation, not a request: a server that trickles its
answer a byte at a time is never timed out, and the sync client cannot interrupt a
blocking read from outside. These streams can: each operation gets at most what the
request has left, and a cancellable request reads in short slices so that a cancelled
batch (its ``threading.Event`` set) stops waiting within :data:`SLICE` seconds. The
backend is handed to ``httpcore.ConnectionPool(network_backend=...)``, a public argument
(see :class:`._transport.BoundedTransport`).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore

from ._scope import CANCELLED, bounded, current

__all__ = ["SLICE", "BoundedBackend"]

SLICE = 0.2  # seconds a read waits before looking at the cancel flag again


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        started = time.monotonic()
        while True:
            scope = current()
            if scope is None or not scope.cancellable:
                return self._inner.read(max_bytes, bounded(timeout, httpcore.ReadTimeout))
            if scope.cancelled():
                raise httpcore.ReadError(CANCELLED)
            budget = None if timeout is None else timeout - (time.monotonic() - started)
            if budget is not None and budget <= 0:
                raise httpcore.ReadTimeout("timed out")
            step = bounded(SLICE if budget is None else min(SLICE, budget), httpcore.ReadTimeout)
            try:
                return self._inner.read(max_bytes, step)
            except httpcore.ReadTimeout:
                continue  # one slice over: look at the flag and the deadline again

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, bounded(timeout, httpcore.ConnectTimeout)
        )
        return _BoundedStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class BoundedBackend(httpcore.NetworkBackend):
    """``inner`` (httpcore's own ``SyncBackend`` by default) with bounded streams."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _BoundedStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, bounded(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _BoundedStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
