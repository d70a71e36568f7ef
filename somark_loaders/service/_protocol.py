"""Pure protocol code: request shapes, envelopes, statuses, error mapping. No I/O.

Everything that decides what a SoMark answer means lives here, so that the sync and async
clients (``client.py``) only move bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .._errors import (
    AmbiguousSubmitError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ResponseValidationError,
    TaskFailedError,
    error_for_code,
    redact,
    redact_cut,
    scrub,
)
from ..models import ParseResult, TaskInfo, TaskStatus, Usage

__all__ = [
    "CHECK_PATH",
    "SUBMIT_PATH",
    "SYNC_PATH",
    "USAGE_PATH",
    "Reply",
    "map_transport_error",
    "read_check",
    "read_envelope",
    "read_submit",
    "read_sync",
    "read_usage",
    "usable_result",
]

logger = logging.getLogger("somark_loaders")

SUBMIT_PATH = "/parse/async"
CHECK_PATH = "/parse/async_check"
SYNC_PATH = "/parse/sync"
USAGE_PATH = "/usage"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as the pure code sees it."""

    status_code: int
    headers: Mapping[str, str] = field(repr=False)
    content: bytes = field(repr=False)  # the server's text: it may echo anything back
    complete: bool = True  # False: the answer was over max_response_bytes and not read


# What a driver hands back instead of a Reply: the request got no answer, or its body could
# not be decoded (a broken gzip stream from a proxy, say).
TransportFailure = httpx.TransportError | httpx.DecodingError


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    An HTTP date is measured against the answer's own ``Date`` header, so no clock is read.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    raw = lower.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
            now = parsedate_to_datetime(lower["date"])
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        seconds = (when - now).total_seconds()
    return max(0.0, seconds)


def read_envelope(
    reply: Reply,
    *,
    task_id: str | None = None,
    checking_task: bool = False,
    api_key: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Check the HTTP status and the ``{code, message, data}`` envelope.

    Returns:
        ``(data, message)``: the ``data`` object (``{}`` when null) and the message text.

    Raises:
        APIStatusError: HTTP status other than 2xx (``retry_after`` filled from the header).
        ResponseValidationError: the body is not a JSON envelope.
        APIError: a subclass chosen by the business code when ``code != 0``.
    """
    if not 200 <= reply.status_code < 300:
        snippet = redact_cut(reply.content, 200, api_key).strip()
        error = APIStatusError(
            f"HTTP {reply.status_code} from SoMark" + (f": {snippet}" if snippet else "."),
            task_id=task_id,
            status_code=reply.status_code,
            retry_after=retry_after_seconds(reply.headers),
        )
        if reply.status_code in (404, 405):
            error.hint = (
                "No SoMark API at this address: check base_url (SOMARK_BASE_URL), which "
                "must be the API root, ending in /api/v1 (e.g. https://somark.cn/api/v1)."
            )
        raise error
    body = _json_body(reply, task_id, api_key)
    code = _business_code(body.get("code", 0)) if isinstance(body, dict) else None
    if code != 0 or not isinstance(body.get("data"), (dict, type(None))):
        # Not a success: the answer is only error text from here on, which may echo the
        # key. No frame keeps it raw (a traceback with locals shows `body` and `data`).
        body = scrub(body, api_key)
    if not isinstance(body, dict):
        raise ResponseValidationError(
            "The answer is not a JSON object with code/message/data.", task_id=task_id
        )
    for warning in body.get("warnings") or ():
        logger.warning("SoMark warning: %s", redact(str(warning), api_key))
    if code is None:
        shown = redact_cut(repr(body.get("code")), 40, api_key)
        raise ResponseValidationError(
            f"Field 'code' is {shown}, expected an integer.", task_id=task_id
        )
    message = redact(str(body.get("message") or body.get("msg") or ""), api_key)
    data = body.get("data")
    if code != 0:
        detail = message
        if isinstance(data, dict) and data.get("error"):
            detail = (
                f"{message} ({redact(str(data['error']), api_key)})"
                if message
                else str(data["error"])
            )
        raise error_for_code(
            code,
            detail,
            task_id=task_id,
            checking_task=checking_task,
            status_code=reply.status_code,
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ResponseValidationError("Field 'data' is not an object.", task_id=task_id)
    return data, message


_NOT_JSON, _TOO_DEEP = object(), object()


def _json_body(reply: Reply, task_id: str | None, api_key: str | None) -> Any:
    """The answer's JSON. Raised outside of the ``except`` blocks: the decoding error,
    which holds the whole raw text (``.doc``, ``.object``), is chained to nothing."""
    try:
        body = json.loads(reply.content)
    except RecursionError:
        body = _TOO_DEEP
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = _NOT_JSON
    if body is _TOO_DEEP:
        raise ResponseValidationError(
            "The answer is JSON nested too deeply to read.",
            task_id=task_id,
            status_code=reply.status_code,
        )
    if body is _NOT_JSON:
        snippet = redact_cut(reply.content, 120, api_key)
        error = ResponseValidationError(
            f"The answer is not JSON (starts with {snippet!r}).",
            task_id=task_id,
            status_code=reply.status_code,
        )
        error.not_json = True
        raise error
    return body


def _business_code(raw: object) -> int | None:
    """A business code read tolerantly: ``1124``, ``"1124"``, ``1124.0`` and a missing or
    null code (``0``) are understood; anything else is ``None``."""
    if raw is None:
        return 0
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def read_submit(data: Mapping[str, Any]) -> str:
    """The task id from a ``/parse/async`` answer."""
    task_id = data.get("task_id")
    if not isinstance(task_id, (str, int)) or isinstance(task_id, bool) or str(task_id) == "":
        raise ResponseValidationError("Field 'data.task_id' is missing from the submit answer.")
    return str(task_id)


def read_check(data: dict[str, Any], task_id: str, message: str = "") -> TaskInfo:
    """A :class:`TaskInfo` from a ``/parse/async_check`` answer (result read at SUCCESS)."""
    raw_status = redact_cut(str(data.get("status") or ""), 80)
    status = TaskStatus.parse(raw_status)
    tid = str(data.get("task_id") or task_id)
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    page_count = meta.get("page_num")
    record_id = data.get("record_id")
    error = data.get("error")
    result = None
    if status is TaskStatus.SUCCESS:
        if data.get("result") is None:
            raise ResponseValidationError(
                "Status is SUCCESS but field 'data.result' is null.", task_id=tid
            )
        result = ParseResult.from_data(data, task_id=tid)
    return TaskInfo(
        task_id=tid,
        status=status,
        raw_status=raw_status,
        record_id=record_id
        if isinstance(record_id, int) and not isinstance(record_id, bool)
        else None,
        file_name=str(data["file_name"]) if data.get("file_name") else None,
        page_count=page_count if isinstance(page_count, int) else None,
        error=redact(str(error)) if error else None,
        message=message,
        result=result,
        raw=data,
    )


def usable_result(result: ParseResult, *, wants_json: bool) -> ParseResult:
    """``result`` if a loader can use it; a SUCCESS that lacks the JSON output it was asked
    for is an answer not to be trusted (nor cached).

    Raises:
        ResponseValidationError: ``json`` was asked for and ``outputs.json`` is missing.
    """
    if wants_json:
        outputs = (result.raw.get("result") or {}).get("outputs") if result.raw else None
        if not isinstance(outputs, dict) or outputs.get("json") is None:
            raise ResponseValidationError(
                "SoMark reported SUCCESS but the result has no JSON output "
                "(data.result.outputs.json is missing); it is not cached, and a re-run "
                "fetches it again.",
                task_id=result.task_id or None,
            )
    return result


def failed_error(info: TaskInfo) -> TaskFailedError:
    """The exception for a task that ended FAILED."""
    reason = info.error or info.message or "no reason given"
    name = f" ({info.file_name})" if info.file_name else ""
    return TaskFailedError(f"SoMark task failed{name}: {reason}.", task_id=info.task_id)


def read_sync(data: dict[str, Any]) -> ParseResult:
    """The result of a ``/parse/sync`` answer."""
    return ParseResult.from_data(data)


def read_usage(data: dict[str, Any]) -> Usage:
    """The quota from a ``/usage`` answer."""

    def number(key: str) -> int:
        value = data.get(key, 0)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ResponseValidationError(f"Field 'data.{key}' is {value!r}, expected a number.")
        return int(value)

    return Usage(
        remaining_paid_pages=number("remaining_paid_pages"),
        remaining_free_pages_today=number("remaining_free_pages_today"),
        remaining_free_pages_this_month=number("remaining_free_pages_this_month"),
        dashboard_url=str(data["dashboard_url"]) if data.get("dashboard_url") else None,
        raw=data,
    )


# Transport errors raised before any byte of the request reached the server: always safe
# to send again. Write errors leave the body incomplete, so the server cannot have a task.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_BODY_INCOMPLETE = (httpx.WriteError, httpx.WriteTimeout)


def map_transport_error(
    exc: TransportFailure, *, submitting: bool, file_name: str | None = None
) -> APIError:
    """Translate an httpx transport error into our tree (``__cause__`` set by the caller).

    For a submit, an error after the whole body may have been sent (read timeout, dropped
    connection) becomes :class:`AmbiguousSubmitError`: the task may exist.
    """
    what = type(exc).__name__
    if submitting and not isinstance(exc, (*_NOT_SENT, *_BODY_INCOMPLETE)):
        name = f" of {file_name!r}" if file_name else ""
        return AmbiguousSubmitError(f"No readable answer to the upload{name} ({what}: {exc}).")
    if isinstance(exc, httpx.DecodingError):
        return APIConnectionError(f"SoMark's answer could not be decoded ({what}: {exc}).")
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request to SoMark timed out ({what}).")
    return APIConnectionError(f"Could not reach SoMark ({what}: {exc}).")
