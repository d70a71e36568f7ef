"""SoMarkClient and AsyncSoMarkClient: the only code that sends, sleeps or reads the clock.

Both drive the same flows (``_flow.py``), so they behave the same by construction; they
differ only in ``await``, the httpx client class and the sleep function.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import httpx

from .._checks import takes
from ..files._files import FileInput
from ..models import ParseResult, TaskInfo, Usage
from ..options import ParseOptions
from ._capped import aread_capped, read_capped
from ._client_base import USER_AGENT, ClientBase, Options
from ._config import ClientSettings
from ._flow import Flow, Send, Sleep, submit_flow, sync_flow, usage_flow
from ._interrupts import interrupts_held, uncancellable
from ._protocol import Reply, TransportFailure
from ._resumable import resumable_parse_flow
from ._scope import request_scope
from ._transport import bare, bounded_client
from ._wait import check_flow, wait_flow

__all__ = ["AsyncSoMarkClient", "SoMarkClient"]

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class _SyncSettings(ClientSettings):
    """:class:`SoMarkClient`'s arguments: the client settings and its own three."""

    http_client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True, kw_only=True)
class _AsyncSettings(ClientSettings):
    """:class:`AsyncSoMarkClient`'s arguments: the client settings and its own three."""

    http_client: httpx.AsyncClient | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic


class SoMarkClient(ClientBase):
    """Synchronous SoMark client.

    Args:
        api_key: ``sk-...``; falls back to ``SOMARK_API_KEY``. Required for the public
            service, optional for a self-hosted ``base_url``.
        base_url: API root; falls back to ``SOMARK_BASE_URL``, then to ``region``.
        region: ``"cn"`` (https://somark.cn/api/v1, default) or ``"global"``
            (https://somark.ai/api/v1); falls back to ``SOMARK_REGION``.
        timeout: seconds one HTTP request may take in all, answer included, plus one
            second per MB uploaded (``SOMARK_TIMEOUT``, default 120).
        max_retries: retries after 5xx/429/connection failures (``SOMARK_MAX_RETRIES``, 5).
        retry_max_time: seconds the retries of one request may take, rate-limit waits
            included (``SOMARK_RETRY_MAX_TIME``, 600).
        poll_interval: seconds between status checks (``SOMARK_POLL_INTERVAL``, 3).
        max_wait: seconds ``wait`` waits before :class:`TaskTimeoutError`, and the most a
            whole ``parse`` takes, upload and retries included (``SOMARK_MAX_WAIT``, 1800).
        allow_insecure_http: allow the key over plain HTTP to a non-loopback host.
        max_response_bytes: the largest answer read, once decompressed
            (``SOMARK_MAX_RESPONSE_BYTES``, 512 MiB); a larger one fails the request.
        http_client: an ``httpx.Client`` to use (not closed by us, its transports left as
            they are). Its requests are bounded less tightly than ours: each connect,
            read and write by what the request has left when it starts, the answer's
            body by the deadline between chunks; headers trickled a byte at a time are
            not cut, and a cancelled batch is seen only between chunks (see
            ``docs/client.md``).
        seed: seed of the retry jitter (tests).
        cache: where ``parse`` caches results and records its tasks: ``True`` (default;
            ``SOMARK_CACHE_DIR`` or the user's cache directory), ``False``, a directory,
            or a :class:`ResultCache`.
        resubmit_ambiguous: let ``parse`` upload again a file whose earlier upload may
            have been accepted without a task id coming back (it may be billed twice);
            by default it raises :class:`AmbiguousSubmitError` instead.

    Example:
        >>> with SoMarkClient() as client:  # doctest: +SKIP
        ...     result = client.parse("paper.pdf")
        ...     print(result.page_count, result.pages[0].blocks[0].content)
    """

    _http: httpx.Client

    @takes(_SyncSettings)
    def __init__(self, settings: _SyncSettings) -> None:
        super().__init__(settings)
        http_client, self._sleep, self._clock = settings.http_client, settings.sleep, settings.clock
        self._owns_http = http_client is None
        self._http = http_client or bounded_client(
            timeout=self._timeout(), headers={"User-Agent": USER_AGENT}, verify=self._ssl()
        )

    # --- the driver -------------------------------------------------------------------
    def _send(self, send: Send, cancel: threading.Event | None = None) -> Reply | TransportFailure:
        scope = request_scope(self._seconds(send), cancel, billable=send.billable)
        with send.upload.open() if send.upload else nullcontext() as stream, scope as bounds:
            try:
                request = self._request(send, stream)
                between = None  # our transport bounds every read and write itself
                if not self._owns_http:  # a user's client: what public API can bound
                    request.extensions["timeout"] = bounds.timeouts(self._http.timeout)
                    between = bounds.check
                response = self._http.send(request, stream=True)
                try:
                    body, whole = read_capped(response, self.config.max_response_bytes, between)
                finally:
                    response.close()
            except (httpx.TransportError, httpx.DecodingError) as exc:
                return bare(exc)
        return Reply(response.status_code, response.headers, body, complete=whole)

    def _run(
        self,
        flow: Flow[T],
        sleep: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> T:
        """Drive a flow; ``sleep`` overrides the client's (the batch engine's cancellable one)
        and ``cancel``, once set, cuts short the requests in flight (uploads excepted).

        Ctrl-C during a billable request (an upload) is held until its answer has been
        read and recorded by the flow, then raised: the task id of an accepted upload is
        never lost to an interrupt.
        """
        pause = sleep or self._sleep
        try:
            step = next(flow)
            while True:
                if isinstance(step, Sleep):
                    if step.seconds > 0:  # Sleep(0) only reads the clock
                        pause(step.seconds)
                    step = flow.send(self._clock())
                elif step.billable:
                    with interrupts_held() as held:
                        outcome = self._send(step, cancel)
                        step = flow.send((outcome, self._clock()))
                    held.raise_if_interrupted()
                else:
                    outcome = self._send(step, cancel)
                    step = flow.send((outcome, self._clock()))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    # --- the API ----------------------------------------------------------------------
    def submit(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> str:
        """Upload ``file`` (``POST /parse/async``) and return the task id.

        The upload is never repeated when it may have been accepted; that raises
        :class:`AmbiguousSubmitError` instead.
        """
        return self._run(
            submit_flow(self._ctx, self._upload(file, file_name), ParseOptions.coerce(options))
        )

    def check(self, task_id: str) -> TaskInfo:
        """One status check (``POST /parse/async_check``); ``result`` is set at SUCCESS."""
        return self._run(check_flow(self._ctx, task_id))

    def wait(self, task_id: str) -> ParseResult:
        """Poll until the task ends; raise :class:`TaskFailedError` / :class:`TaskTimeoutError`."""
        return self._run(wait_flow(self._ctx, task_id))

    def parse(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> ParseResult:
        """Submit ``file`` and wait for its result, through the cache and the task ledger:
        a file already parsed with the same options costs no request, and a task left
        running by an interrupted run is picked up instead of uploading again."""
        upload, opts = self._upload(file, file_name), ParseOptions.coerce(options)
        return self._run(resumable_parse_flow(self._ctx, upload, opts, self._slot(upload, opts)))

    def parse_sync(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> ParseResult:
        """Parse in one request (``POST /parse/sync``); for small files."""
        return self._run(
            sync_flow(self._ctx, self._upload(file, file_name), ParseOptions.coerce(options))
        )

    def usage(self) -> Usage:
        """Remaining pages of the account (``POST /usage``); also validates the key."""
        return self._run(usage_flow(self._ctx))

    def close(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SoMarkClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSoMarkClient(ClientBase):
    """Asynchronous twin of :class:`SoMarkClient`: same arguments, same methods, awaited.

    ``http_client`` is an ``httpx.AsyncClient`` (bounded like ours: ``asyncio.wait_for``
    ends a whole request on any transport); ``sleep`` an async sleep function.
    """

    _http: httpx.AsyncClient

    @takes(_AsyncSettings)
    def __init__(self, settings: _AsyncSettings) -> None:
        super().__init__(settings)
        http_client, self._sleep, self._clock = settings.http_client, settings.sleep, settings.clock
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=self._timeout(), headers={"User-Agent": USER_AGENT}, verify=self._ssl()
        )

    async def _send(self, send: Send) -> Reply | TransportFailure:
        try:
            return await asyncio.wait_for(self._exchange(send), self._seconds(send))
        except (asyncio.TimeoutError, TimeoutError):
            return httpx.ReadTimeout("The request's deadline (timeout) passed.")

    async def _exchange(self, send: Send) -> Reply | TransportFailure:
        with send.upload.open() if send.upload else nullcontext() as stream:
            try:
                response = await self._http.send(self._request(send, stream), stream=True)
                try:
                    body, whole = await aread_capped(response, self.config.max_response_bytes)
                finally:
                    await response.aclose()
            except (httpx.TransportError, httpx.DecodingError) as exc:
                return bare(exc)
        return Reply(response.status_code, response.headers, body, complete=whole)

    async def _run(
        self, flow: Flow[T], sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> T:
        """Drive a flow (``sleep`` overrides the client's). A cancellation during a
        billable request (an upload) takes effect once its answer has been read and
        recorded by the flow: the request and the recording of its task id finish together
        (Ctrl-C, ``wait_for`` timeouts and cancelled tasks alike)."""
        pause = sleep or self._sleep
        try:
            step = next(flow)
            while True:
                if isinstance(step, Sleep):
                    if step.seconds > 0:  # Sleep(0) only reads the clock
                        await pause(step.seconds)
                    step = flow.send(self._clock())
                elif step.billable:
                    outcome, cancelled = await uncancellable(self._send(step))
                    try:
                        step = flow.send((outcome, self._clock()))
                    finally:
                        if cancelled is not None:
                            raise cancelled
                else:
                    outcome = await self._send(step)
                    step = flow.send((outcome, self._clock()))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    async def submit(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> str:
        """Upload ``file`` (``POST /parse/async``) and return the task id."""
        return await self._run(
            submit_flow(self._ctx, self._upload(file, file_name), ParseOptions.coerce(options))
        )

    async def check(self, task_id: str) -> TaskInfo:
        """One status check (``POST /parse/async_check``)."""
        return await self._run(check_flow(self._ctx, task_id))

    async def wait(self, task_id: str) -> ParseResult:
        """Poll until the task ends."""
        return await self._run(wait_flow(self._ctx, task_id))

    async def parse(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> ParseResult:
        """Submit ``file`` and wait for its result, through the cache and the task ledger."""
        upload, opts = self._upload(file, file_name), ParseOptions.coerce(options)
        slot = await asyncio.to_thread(self._slot, upload, opts)  # hashing reads the file
        return await self._run(resumable_parse_flow(self._ctx, upload, opts, slot))

    async def parse_sync(
        self, file: FileInput, options: Options = None, *, file_name: str | None = None
    ) -> ParseResult:
        """Parse in one request (``POST /parse/sync``)."""
        return await self._run(
            sync_flow(self._ctx, self._upload(file, file_name), ParseOptions.coerce(options))
        )

    async def usage(self) -> Usage:
        """Remaining pages of the account (``POST /usage``)."""
        return await self._run(usage_flow(self._ctx))

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncSoMarkClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
