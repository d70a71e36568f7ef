"""The sync client's HTTP transport: every request it carries ends by its deadline.

:class:`BoundedTransport` is an ``httpx.BaseTransport`` around an
``httpcore.ConnectionPool`` built with the bounded network backend of :mod:`._backend`
(``network_backend=``, a public argument): each connect, TLS handshake, read and write
gets at most what the request in progress on this thread has left (:mod:`._scope`), and
a cancelled batch stops a read within a fraction of a second (uploads excepted). Only
public httpx and httpcore API is used, so an httpx release cannot silently drop the
deadlines. :func:`bounded_client` builds the sync client's ``httpx.Client`` on it,
proxies named by the environment included (:mod:`._proxies`).

A user's own ``httpx.Client`` (``http_client=``) keeps its own transports, which we do
not touch. Its requests are then bounded less tightly: each network operation (connect,
read, write, waiting for a pooled connection) by the time the request has left when it
starts (httpx's public per-request ``timeout`` extension, never more than the client's
own timeouts), and the answer's body by the deadline between its chunks (so a trickled
body stops at the deadline plus at most one read); a status line and headers trickled a
byte at a time are not cut, and a cancelled batch is seen only between chunks. The async
client needs none of this: ``asyncio.wait_for`` bounds a whole request on any transport.
"""

from __future__ import annotations

import importlib.util
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpcore
import httpx

from ._backend import BoundedBackend
from ._protocol import TransportFailure
from ._proxies import environment_proxies

__all__ = ["LIMITS", "BoundedTransport", "bare", "bounded_client"]

LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
"""httpx's own default pool limits."""

# httpcore's errors and the httpx errors they become, the more specific first
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as the httpx errors a client's caller expects."""
    try:
        yield
    except Exception as exc:
        for core, error in _ERRORS:
            if isinstance(exc, core):
                raise error(str(exc)) from exc
        raise


class _Body(httpx.SyncByteStream):
    """An answer's body as httpcore streams it, its errors raised as httpx's."""

    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._response.iter_stream()

    def close(self) -> None:
        with _as_httpx_errors():
            self._response.close()


class BoundedTransport(httpx.BaseTransport):
    """An httpx transport whose requests end by the deadline of the request scope open on
    the sending thread (see the module doc); through ``proxy`` (a URL) if given."""

    def __init__(
        self, *, verify: ssl.SSLContext, proxy: str | None = None, limits: httpx.Limits = LIMITS
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify,
            proxy=None if proxy is None else _core_proxy(httpx.Proxy(proxy)),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=BoundedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = httpcore.Request(
            method=request.method,
            url=_core_url(request.url),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def _core_url(url: httpx.URL) -> httpcore.URL:
    return httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )


def _core_proxy(proxy: httpx.Proxy) -> httpcore.Proxy:
    url = proxy.url
    if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ImportError(
            f"The proxy {url} is a SOCKS proxy, which needs the 'socksio' package: "
            "pip install 'httpx[socks]'."
        )
    return httpcore.Proxy(
        url=_core_url(url),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
        ssl_context=proxy.ssl_context,
    )


def bounded_client(
    *, timeout: httpx.Timeout, headers: Mapping[str, str], verify: ssl.SSLContext
) -> httpx.Client:
    """An ``httpx.Client`` whose every transport is a :class:`BoundedTransport`: the
    direct one, and one per proxy the environment names (``NO_PROXY`` hosts go direct)."""
    mounts: dict[str, httpx.BaseTransport | None] = {
        pattern: None if url is None else BoundedTransport(verify=verify, proxy=url)
        for pattern, url in environment_proxies().items()
    }
    return httpx.Client(
        timeout=timeout,
        headers=headers,
        transport=BoundedTransport(verify=verify),
        mounts=mounts,
    )


def bare(exc: TransportFailure) -> TransportFailure:
    """The transport error without its traceback and chain: their frames' locals hold the
    request's form (the key included), which tracebacks that record locals would show."""
    exc.__cause__ = exc.__context__ = None
    exc.__suppress_context__ = True
    return exc.with_traceback(None)
