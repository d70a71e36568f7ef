"""What both clients share: their settings, the flows' context, the request they build
and the cache slot of an upload. No I/O here (see ``client.py``)."""

from __future__ import annotations

import dataclasses
import functools
import random
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from ..files._files import FileInput, Upload
from ..options import ParseOptions
from ..store.cache import resolve_cache
from ._config import ClientConfig, ClientSettings, Secret
from ._flow import Context, Send
from ._resumable import CacheSlot
from ._retry import PollPolicy, RetryPolicy, ServiceHints

__all__ = ["USER_AGENT", "ClientBase", "Options"]

Options = ParseOptions | Mapping[str, Any] | None
USER_AGENT = "somark-loaders/0.1"


WRITE_BYTES = 64 * 1024  # the least an upload hands the socket at a time (but the last)


class _Coalesced(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A multipart body in writes of :data:`WRITE_BYTES`: httpx yields every boundary,
    part header and field on its own (about 25 writes for a one-page PDF and our five
    fields, each a pass through h11 and a system call)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    @staticmethod
    def _write(pending: bytearray, chunk: bytes, *, last: bool = False) -> bytes | None:
        """Add ``chunk``; the write that is due, if one is (the rest, when ``last``)."""
        pending += chunk
        if not pending or (len(pending) < WRITE_BYTES and not last):
            return None
        write = bytes(pending)
        pending.clear()
        return write

    def __iter__(self) -> Iterator[bytes]:
        pending = bytearray()
        for chunk in self._body:
            if (write := self._write(pending, chunk)) is not None:
                yield write
        if (write := self._write(pending, b"", last=True)) is not None:
            yield write

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pending = bytearray()
        async for chunk in self._body:
            if (write := self._write(pending, chunk)) is not None:
                yield write
        if (write := self._write(pending, b"", last=True)) is not None:
            yield write


@functools.lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    """One verified SSL context for every client we build: loading the CA bundle takes
    ~50 ms, which a loader paid per file (SoMarkParser) or per load. Read-only after
    creation, so sharing it is safe."""
    return httpx.create_ssl_context()


class ClientBase:
    """Settings shared by both clients (no I/O here)."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.cache = resolve_cache(settings.cache)
        self.config = ClientConfig.resolve(settings)
        cfg = self.config
        self._ctx = Context(
            api_key=cfg.api_key,
            retry=RetryPolicy(max_retries=cfg.max_retries, max_time=cfg.retry_max_time),
            poll=PollPolicy(interval=cfg.poll_interval, max_wait=cfg.max_wait),
            rng=random.Random(settings.seed),
            resubmit_ambiguous=settings.resubmit_ambiguous,
            hints=ServiceHints(poll_chosen=cfg.poll_chosen, base_url=cfg.base_url),
        )

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def _settings(self) -> dict[str, Any]:
        """The settings as keyword arguments (to build a twin client), with the key and
        the base URL as resolved."""
        shared = {
            f.name: getattr(self.settings, f.name) for f in dataclasses.fields(ClientSettings)
        }
        return {**shared, "api_key": self.config.api_key, "base_url": self.config.base_url}

    def __repr__(self) -> str:
        # no config yet while the constructor runs (a traceback with locals shows `self`)
        config: ClientConfig | None = getattr(self, "config", None)
        return f"{type(self).__name__}(base_url={config.base_url if config else None!r})"

    @staticmethod
    def _ssl() -> ssl.SSLContext:
        return _default_ssl_context()

    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            self.config.timeout, connect=min(self.config.connect_timeout, self.config.timeout)
        )

    def _request(self, send: Send, stream: Any) -> httpx.Request:
        """The request of ``send``: the one place the key is revealed, into the encoded
        form. No frame that lives on while the request travels holds it in plain text
        (an ``httpx.Request`` shows only its method and URL)."""
        files = None
        if send.upload is not None:
            files = {"file": (send.upload.file_name, stream, send.upload.content_type)}
        request = self._http.build_request(
            "POST",
            self._url(send.path),
            data={k: v.reveal() if isinstance(v, Secret) else v for k, v in send.fields.items()},
            files=files,
        )
        if files is not None:
            request.stream = _Coalesced(request.stream)
        return request

    def _url(self, path: str) -> str:
        return self.config.base_url + path

    def _seconds(self, send: Send) -> float:
        """How long ``send`` may take in all: ``timeout``, plus a second per MB uploaded
        (so a large upload on a slow link is not cut), within what the flow has left."""
        size = send.upload.size if send.upload is not None and send.upload.size else 0
        seconds = self.config.timeout + size / 1_000_000
        if send.timeout is not None:
            seconds = min(seconds, max(send.timeout, 0.05))
        return seconds

    @staticmethod
    def _upload(file: FileInput | Upload, file_name: str | None) -> Upload:
        return Upload.from_input(file, file_name=file_name)

    def is_cached(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> bool:
        """Whether :meth:`parse` of ``file`` with ``options`` would be answered by the
        cache (no request, no page paid). Reads the file to hash it; sends nothing."""
        upload, opts = self._upload(file, file_name), ParseOptions.coerce(options)
        slot = self._slot(upload, opts)
        return slot is not None and slot.cached()

    def _slot(
        self,
        upload: Upload,
        options: ParseOptions,
        pages: tuple[int, int] | None = None,
        sha256: str | None = None,
    ) -> CacheSlot | None:
        """Where the result of ``upload`` with ``options`` is cached (``None``: no cache)."""
        if self.cache is None:
            return None
        digest = sha256 or upload.sha256()
        return CacheSlot.of(
            self.cache, digest, options, self.config.service_id, upload.file_name, pages=pages
        )
