"""The emulated service: tasks, limits, quota, faults and scripts. No HTTP here.

Statuses follow the clock: a task is QUEUING for ``queue_seconds``, PROCESSING for
``seconds_per_page`` x pages, then SUCCESS (or FAILED). Like the service, the emulator
parses at submit, in worker processes (``_pool.py``): a check answers from the task's
state at once, and a task is done only when both its service time and its parse are.
The result object, its zip and its base64 images are built once, by the parse.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import random
import shutil
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ..files._files import SUPPORTED_EXTENSIONS
from . import engines
from ._answers import (
    CHECK,
    DEPRECATION,
    LEGACY,
    ROUTES,
    SUBMIT,
    SYNC,
    USAGE,
    Answer,
    Plan,
    Upload,
    envelope,
    error,
    plan_for,
)
from ._options import FEATURE_KEYS, EmulatorConfig, parse_options
from ._parse_job import FILES, NAME, Job, Parsed, crop
from ._pool import Hook, ParsePool
from .scripting import Action

__all__ = [
    "CHECK",
    "DEPRECATION",
    "FEATURE_KEYS",
    "LEGACY",
    "ROUTES",
    "SUBMIT",
    "SYNC",
    "USAGE",
    "Answer",
    "EmulatorConfig",
    "Plan",
    "Service",
    "Task",
    "Upload",
    "envelope",
    "error",
    "plan_for",
]

logger = logging.getLogger("somark_loaders.emulator")

_RESULT = "@@somark-emulator-result@@"  # where a check's answer takes the stored result


@dataclass
class Task:
    task_id: str
    record_id: int
    api_key: str | None
    file_name: str
    ext: str
    path: Path
    pages: int
    options: dict[str, Any]
    created: float
    done_at: float
    queued_until: float
    fail_message: str | None = None
    sha256: str = ""
    result: str | None = None  # the result object as JSON text, once parsed
    zip: bytes | None = None  # the zip output, when asked for
    error: str | None = None
    parsed: threading.Event = field(default_factory=threading.Event, repr=False)

    def status(self, now: float) -> str:
        if now < self.queued_until:
            return "QUEUING"
        if now < self.done_at or not self.parsed.is_set():
            return "PROCESSING"
        return "FAILED" if self.fail_message or self.error else "SUCCESS"


class Service:
    """All state of one emulator instance; thread-safe.

    Args:
        config: behaviour switches.
        workdir: where uploads are kept.
        hook: called in the worker before each parse (tests only).
    """

    def __init__(self, config: EmulatorConfig, workdir: Path, *, hook: Hook | None = None) -> None:
        self.config = config
        self.workdir = workdir
        self.base_url = ""  # set by the server once it knows its port
        self.tasks: dict[str, Task] = {}
        self.submitted: list[str] = []
        self._scripts: dict[str, deque[Action]] = {}
        self._submits: dict[str | None, list[float]] = {}  # key -> arrivals, in order
        self._lock = threading.RLock()
        self._rng = random.Random(config.seed)
        self._record = 10000
        self.pages_used = 0
        self.pool = ParsePool(config.workers, hook)

    def close(self) -> None:
        """Stop the parse workers (tasks still parsing end FAILED)."""
        self.pool.close()

    # --- scripting ----------------------------------------------------------------
    def script(self, route: str, actions: list[Action]) -> None:
        with self._lock:
            self._scripts.setdefault(LEGACY.get(route, route), deque()).extend(actions)

    def next_action(self, route: str) -> Action | None:
        with self._lock:
            queue = self._scripts.get(route)
            if queue:
                return queue.popleft()
            return None

    def random_fault(self) -> Answer | None:
        """A seeded fault for this request, or ``None``."""
        cfg = self.config
        with self._lock:
            roll = self._rng.random()
        if roll < cfg.error_rate:
            return Answer(
                status=503, body=b'{"detail":"service unavailable"}', headers={"Retry-After": "1"}
            )
        roll -= cfg.error_rate
        if roll < cfg.drop_rate:
            return Answer(drop=True)
        roll -= cfg.drop_rate
        if roll < cfg.slow_rate:
            return Answer(delay=cfg.slow_seconds)
        return None

    # --- helpers ------------------------------------------------------------------
    def _status_text(self, status: str) -> str:
        return status.lower() if self.config.lowercase_status else status

    def _check_key(self, fields: dict[str, list[str]]) -> tuple[str | None, Answer | None]:
        values = fields.get("api_key")
        key = values[0] if values else None
        allowed = self.config.api_keys
        if allowed is not None and key not in allowed:
            return key, error(1107, "Invalid API Key")
        return key, None

    def _in_flight(self, key: str | None, now: float) -> int:
        return sum(
            1
            for t in self.tasks.values()
            if t.api_key == key and t.status(now) in ("QUEUING", "PROCESSING")
        )

    # --- routes -------------------------------------------------------------------
    def _over_rate(self, key: str | None, arrived: float, qps: float) -> bool:
        """Whether a submit of ``key`` that arrived at ``arrived`` would put more than
        ``qps`` of them in one second (counted as they arrived at the door, not when they
        are handled: reading a PDF's pages first would add the emulator's own load to the
        client's pace). Otherwise it is counted. Call under the lock."""
        times = self._submits.setdefault(key, [])
        times[:] = [t for t in times if t > arrived - 2.0]  # one handled late still counts
        at = bisect.bisect_right(times, arrived)
        merged = [*times[:at], arrived, *times[at:]]
        most = math.ceil(qps)  # submits a second may hold
        if any(
            merged[i + most] - merged[i] < 1.0
            for i in range(max(0, at - most), min(at, len(merged) - 1 - most) + 1)
        ):
            return True
        times.insert(at, arrived)
        return False

    def submit(
        self,
        fields: dict[str, list[str]],
        upload: Upload | None,
        *,
        legacy: bool,
        fail: str | None,
        arrived: float | None = None,
    ) -> Answer:
        """``arrived``: when the whole request had arrived (``time.monotonic()``; now if
        not given), the time its account's submits per second count."""
        key, denied = self._check_key(fields)
        if denied:
            return denied
        options, problem = parse_options(fields, legacy)
        if problem or options is None:
            return error(1133, problem or "参数错误")
        if upload is None:
            return error(1133, "参数错误: file is required")
        ext = PurePath(upload.filename).suffix.lower()
        if ext not in SUPPORTED_EXTENSIONS:
            return error(1104, f"Unsupported file type: {ext or '(none)'}")
        if upload.size > self.config.max_bytes:
            return error(1118, "File size exceeds limit (max 200MB)")
        if upload.size == 0:
            return error(1106, "Empty file")
        try:
            pages = engines.count_pages(upload.path, ext)
        except engines.EngineError as err:
            if err.code == 1137:  # no engine: accept, fail the task honestly
                pages, fail = 1, str(err)
            else:
                return error(err.code, str(err))
        if pages > self.config.max_pages:
            return error(
                1132,
                f"File exceeds 200MB / {self.config.max_pages} pages limit, "
                "please split and resubmit",
            )
        now = time.monotonic()
        with self._lock:
            qps = self.config.qps
            if qps is not None and self._over_rate(key, now if arrived is None else arrived, qps):
                return error(1101, "Parsing requests too frequent")
            if (
                self.config.max_in_flight is not None
                and self._in_flight(key, now) >= self.config.max_in_flight
            ):
                return error(1124, "QPS limit exceeded")
            if (
                self.config.quota_pages is not None
                and self.pages_used + pages > self.config.quota_pages
            ):
                return error(1123, "Insufficient remaining pages in plan")
            if (
                fail is None
                and self.config.fail_rate
                and self._rng.random() < self.config.fail_rate
            ):
                fail = "Document parsing failed (injected)."
            task_id = uuid.uuid4().hex
            self._record += 1
            stored = self.workdir / f"{task_id}{ext}"
            shutil.move(str(upload.path), stored)
            queued_until = now + self.config.queue_seconds
            task = Task(
                task_id=task_id,
                record_id=self._record,
                api_key=key,
                file_name=PurePath(upload.filename).name,
                ext=ext,
                path=stored,
                pages=pages,
                options=options,
                created=now,
                queued_until=queued_until,
                done_at=queued_until + self.config.seconds_per_page * pages,
                fail_message=fail,
                sha256=upload.sha256,
            )
            self.tasks[task_id] = task
            self.submitted.append(task_id)
            self.pages_used += pages
        logger.info("Accepted %s as task %s (%d pages).", task.file_name, task_id, pages)
        self._start_parse(task)
        return envelope(
            0, "任务已提交", {"task_id": task_id, "status": self._status_text("QUEUING")}
        )

    def _start_parse(self, task: Task) -> None:
        if task.fail_message:  # scripted or dice: nothing to parse
            task.parsed.set()
            return
        job = Job(
            path=str(task.path),
            ext=task.ext,
            sha256=task.sha256,
            file_name=task.file_name,
            options=json.dumps(task.options, sort_keys=True),
        )

        def done(parsed: Parsed) -> None:
            with self._lock:
                if parsed.error is not None:
                    task.error = f"{parsed.error} (task {task.task_id})"
                else:
                    name = json.dumps(task.file_name, ensure_ascii=False)
                    result = (parsed.result or "null").replace(json.dumps(NAME), name, 1)
                    task.result = result.replace(FILES, self.file_url(task))
                    task.zip = parsed.zip
            task.parsed.set()

        self.pool.parse(job, done)

    def check(self, fields: dict[str, list[str]], *, forced_status: str | None = None) -> Answer:
        _key, denied = self._check_key(fields)
        if denied:
            return denied
        task_id = (fields.get("task_id") or [""])[0]
        if not task_id:
            return error(1133, "参数错误: task_id is required")
        task = self.tasks.get(task_id)
        if task is None:
            return error(1133, f"Task not found: {task_id}")
        status = forced_status or task.status(time.monotonic())
        data: dict[str, Any] = {
            "record_id": task.record_id,
            "task_id": task.task_id,
            "status": status if forced_status else self._status_text(status),
            "file_name": task.file_name,
            "metadata": {"page_num": task.pages, "file_type": task.ext},
            "result": None,
        }
        if status.upper() == "FAILED":
            data["error"] = task.fail_message or task.error
        if status.upper() == "SUCCESS" and forced_status is None:
            data["result"] = _RESULT
            return _with_result(envelope(0, "查询成功", data), task)
        return envelope(0, "查询成功", data)

    def sync(self, fields: dict[str, list[str]], upload: Upload | None, *, legacy: bool) -> Answer:
        accepted = self.submit(fields, upload, legacy=legacy, fail=None)
        body = json.loads(accepted.body)
        if body["code"] != 0:
            return accepted
        task = self.tasks[body["data"]["task_id"]]
        wait = task.done_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        task.parsed.wait()
        if task.fail_message or task.error:
            return error(1137, f"Parsing failed: {task.fail_message or task.error}")
        data = {
            "task_id": task.task_id,
            "error": None,
            "metadata": {"page_num": task.pages, "file_type": task.ext},
            "result": _RESULT,
        }
        return _with_result(envelope(0, "任务成功", data), task)

    def usage(self, fields: dict[str, list[str]]) -> Answer:
        _key, denied = self._check_key(fields)
        if denied:
            return denied
        quota = self.config.quota_pages
        paid = 10**6 if quota is None else max(0, quota - self.pages_used)
        data = {
            "remaining_paid_pages": paid,
            "remaining_free_pages_today": 0,
            "remaining_free_pages_this_month": 0,
            "dashboard_url": self.base_url.rsplit("/api/", 1)[0] + "/workbench",
        }
        return envelope(0, "", data)

    # --- files ----------------------------------------------------------------------
    def image_bytes(self, task: Task, name: str) -> bytes | None:
        """The picture behind ``img/<page>/<name>``: a crop of a PDF page or an image, or
        an Office file's own picture (``pictures.py``), from the stored upload (pdfium
        renders without the GIL, so the server's other threads keep answering)."""
        return crop(task.path, task.ext, name)

    def file_url(self, task: Task) -> str:
        return f"{self.base_url.rsplit('/api/', 1)[0]}/files/{task.task_id}"

    def zip_bytes(self, task: Task) -> bytes | None:
        """The zip output built by the task's parse (``None`` until then, or not asked)."""
        return task.zip if task.parsed.is_set() else None


def _with_result(answer: Answer, task: Task) -> Answer:
    """Put the stored result (JSON text) in an answer: no re-encoding per check."""
    marker = json.dumps(_RESULT).encode()
    answer.body = answer.body.replace(marker, (task.result or "null").encode(), 1)
    return answer
