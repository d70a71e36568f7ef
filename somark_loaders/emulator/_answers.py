"""What the emulator's routes answer: its paths, answers (JSON, bytes or a dropped
connection), uploads, and scripted actions turned into a plan for one request."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .scripting import Action, BusinessError, Delay, Drop, FailTask, HTTPError, Reply, Status

SUBMIT, CHECK, SYNC, USAGE = "/parse/async", "/parse/async_check", "/parse/sync", "/usage"
LEGACY = {"/extract/async": SUBMIT, "/extract/async_check": CHECK, "/extract/acc_sync": SYNC}
ROUTES = frozenset({SUBMIT, CHECK, SYNC, USAGE})
DEPRECATION = (
    "The /extract/* paths are deprecated and will be discontinued on 2026-12-31; use /parse/*."
)


@dataclass
class Upload:
    filename: str
    content_type: str
    path: Path
    size: int
    sha256: str


@dataclass
class Answer:
    """What the HTTP layer should send: JSON, raw bytes, or nothing (drop)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


def envelope(code: int, message: str, data: Any, *, warnings: list[str] | None = None) -> Answer:
    payload: dict[str, Any] = {"code": code, "message": message, "data": data}
    if warnings:
        payload["warnings"] = warnings
    return Answer(body=json.dumps(payload, ensure_ascii=False, sort_keys=True).encode())


def error(code: int, message: str) -> Answer:
    return envelope(code, message, None)


_CODE = re.compile(rb'\s*\{\s*"code"\s*:\s*(-?\d+)\s*[,}]')


def answer_code(answer: Answer) -> int | None:
    """The JSON envelope's ``code`` of ``answer``, else its HTTP status (``None``:
    dropped). Read from the body's start (an envelope's keys are sorted: ``code`` comes
    first), never parsed whole: a result is megabytes, and a scripted hostile answer
    may nest deeper than Python's recursion limit."""
    if answer.drop:
        return None
    body = answer.body if isinstance(answer.body, bytes) else str(answer.body).encode()
    found = _CODE.match(body[:200])
    return int(found.group(1)) if found else answer.status


@dataclass
class Plan:
    """How to treat one request, from its scripted action (if any)."""

    answer: Answer | None = None  # canned: send this and do nothing else
    fail_message: str | None = None  # submit: the task will end FAILED
    forced_status: str | None = None  # check: answer this status
    drop_after: bool = False  # handle, then close without answering
    error_after: Answer | None = None  # handle, then send this instead of the answer
    delay: float = 0.0


def plan_for(action: Action | None) -> Plan:
    """Turn a scripted action into a :class:`Plan`."""
    if isinstance(action, Reply):
        body = action.body
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()  # code first
        return Plan(answer=Answer(status=action.status, body=raw, headers=dict(action.headers)))
    if isinstance(action, HTTPError):
        headers = {} if action.retry_after is None else {"Retry-After": f"{action.retry_after:g}"}
        failed = Answer(status=action.status, body=action.body.encode(), headers=headers)
        return Plan(error_after=failed) if action.process else Plan(answer=failed)
    if isinstance(action, BusinessError):
        return Plan(answer=error(action.code, action.message))
    if isinstance(action, Drop):
        return Plan(drop_after=True) if action.process else Plan(answer=Answer(drop=True))
    if isinstance(action, FailTask):
        return Plan(fail_message=action.message)
    if isinstance(action, Status):
        return Plan(forced_status=action.status)
    if isinstance(action, Delay):
        return Plan(delay=action.seconds)
    return Plan()
