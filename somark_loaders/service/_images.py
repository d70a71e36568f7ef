"""Downloading the pictures of a result (issue 23): :class:`ImageFetcher`.

Through the package's HTTP stack, as the sync client's own requests: the bounded
transport (:mod:`._transport`: each image ends by its deadline, the client's
``timeout``, whatever the server trickles), the proxies the environment names, the
client's TLS verification. It is its own ``httpx.Client``, built with nothing but the
``User-Agent`` header: the API key travels only in the form of the service's requests
(:meth:`ClientBase._request`), which this client never builds, and a user's own
``http_client`` (whose headers or hooks may carry credentials) is never used for an image
host. A cookie an image host sets goes back to that host only (httpx's jar, per domain).

Only ``https`` URLs are fetched, or ``http`` on loopback (the emulator, a test server);
redirects are followed by hand, at most :data:`MAX_HOPS`, each new URL checked against
the same rule. A picture over ``max_bytes`` is refused when its ``Content-Length`` says
so, or once the body read so far is over (never held whole).
"""

from __future__ import annotations

import ssl
from urllib.parse import urljoin, urlsplit

import httpx

from ._capped import read_capped
from ._client_base import USER_AGENT, ClientBase
from ._config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_TIMEOUT,
    _is_loopback,
)
from ._scope import request_scope
from ._transport import bounded_client

__all__ = ["DEFAULT_MAX_IMAGE_BYTES", "MAX_HOPS", "ImageFetchError", "ImageFetcher"]

MAX_HOPS = 5  # redirects followed for one picture
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({403, 404, 410})  # what object storage answers for an expired URL


class ImageFetchError(Exception):
    """A picture that could not be downloaded; the message says why (never the key)."""


def url_refusal(url: str) -> str | None:
    """Why ``url`` is not fetched (``None``: it may be): only ``https``, or ``http`` on
    loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "a malformed URL"
    rule = "only https, or http on loopback, is fetched"
    if parts.scheme not in ("http", "https"):
        return f"a {parts.scheme or 'relative'} URL ({rule})"
    if not host:
        return "a URL without a host"
    if parts.scheme == "https" or _is_loopback(host):
        return None
    return f"a plain-http URL on {host} ({rule})"


class ImageFetcher:
    """Downloads pictures (see the module doc). Thread-safe; :meth:`close` when done.

    Args:
        max_bytes: the largest picture kept, in bytes.
        timeout: seconds one picture may take in all, redirects included.
        connect_timeout: seconds a connection may take.
        verify: the TLS context (the clients' own by default).
    """

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._http = bounded_client(
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            headers={"User-Agent": USER_AGENT},  # nothing else: never the key
            verify=verify if verify is not None else ClientBase._ssl(),
        )

    @classmethod
    def like(cls, client: ClientBase, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> ImageFetcher:
        """A fetcher with ``client``'s deadlines and TLS verification (not its key, not
        its ``http_client``)."""
        cfg = client.config
        return cls(
            max_bytes=max_bytes,
            timeout=cfg.timeout,
            connect_timeout=cfg.connect_timeout,
            verify=client._ssl(),
        )

    def fetch(self, url: str) -> bytes:
        """The bytes at ``url``, redirects followed within the rules.

        Raises:
            ImageFetchError: refused URL, too many redirects, an answer that is not 200,
                a picture over the cap, a network failure or the deadline.
        """
        with request_scope(self.timeout):
            at = url
            for _hop in range(MAX_HOPS + 1):
                refusal = url_refusal(at)
                if refusal is not None:
                    where = "" if at == url else " (redirected to)"
                    raise ImageFetchError(f"not fetched{where}: {refusal}")
                moved = self._get(at)
                if isinstance(moved, bytes):
                    return moved
                at = moved
        raise ImageFetchError(f"more than {MAX_HOPS} redirects")

    def _get(self, url: str) -> bytes | str:
        """One request: the body, or the URL it redirects to."""
        host = urlsplit(url).hostname
        try:
            with self._http.stream("GET", url) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise ImageFetchError(f"HTTP {status} from {host} without a Location")
                    return str(urljoin(url, location))
                if status != 200:
                    hint = " (the URL may have expired)" if status in _GONE else ""
                    raise ImageFetchError(f"HTTP {status} from {host}{hint}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise ImageFetchError(self._too_large(host, int(declared)))
                body, whole = read_capped(response, self.max_bytes)
        except (httpx.TimeoutException, TimeoutError):
            raise ImageFetchError(
                f"no answer from {host} within {self.timeout:g} s (the client's timeout)"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            raise ImageFetchError(f"{type(err).__name__} from {host}: {err}") from None
        if not whole:
            raise ImageFetchError(self._too_large(host, None))
        return body

    def _too_large(self, host: str | None, size: int | None) -> str:
        said = f" ({size} bytes)" if size is not None else ""
        return (
            f"the picture from {host} is larger than max_image_bytes={self.max_bytes}{said}; "
            "raise max_image_bytes to keep it"
        )

    def close(self) -> None:
        self._http.close()
