"""The emulated service: tasks, limits, quota, faults and scripts. No HTTP here.

Statuses follow the clock: a task is QUEUING for ``queue_seconds``, PROCESSING for
``seconds_per_page`` x pages, then SUCCESS (or FAILED). The result is extracted from the
uploaded file on the first check that sees the task done, and kept.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import random
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ..files._files import MAX_FILE_BYTES, SUPPORTED_EXTENSIONS
from ..options import ELEMENT_CHOICES, FeatureConfig
from . import engines, pdf
from .scripting import Action, BusinessError, Delay, Drop, FailTask, HTTPError, Reply, Status

logger = logging.getLogger("somark_loaders.emulator")

SUBMIT, CHECK, SYNC, USAGE = "/parse/async", "/parse/async_check", "/parse/sync", "/usage"
LEGACY = {"/extract/async": SUBMIT, "/extract/async_check": CHECK, "/extract/acc_sync": SYNC}
ROUTES = frozenset({SUBMIT, CHECK, SYNC, USAGE})
DEPRECATION = (
    "The /extract/* paths are deprecated and will be discontinued on 2026-12-31; use /parse/*."
)

# The service's vocabulary (extensions, element formats, feature switches) is the one the
# client validates against: one source, in _files.py and options.py.
FEATURE_KEYS: dict[str, bool] = asdict(FeatureConfig())


@dataclass
class EmulatorConfig:
    """Behaviour switches of the emulator.

    Args:
        api_keys: keys accepted (anything else gets 1107); ``None`` accepts any key or none.
        queue_seconds: time a task stays QUEUING.
        seconds_per_page: service time per page while PROCESSING.
        qps: submits per second per key before 1101 (``None``: unlimited).
        max_in_flight: unfinished tasks per key before 1124 (``None``: unlimited).
        quota_pages: pages the account may still parse (1123 past it; ``None``: unlimited).
        max_pages, max_bytes: per-file limits (1132 / 1118).
        fail_rate, error_rate, drop_rate, slow_rate: seeded probabilities of a FAILED
            task, an HTTP 503, a dropped connection and a slow answer (``slow_seconds``).
        lowercase_status: answer ``queuing``/``success``... like the older docs.
        seed: seed of the fault dice.
    """

    api_keys: frozenset[str] | None = None
    queue_seconds: float = 0.0
    seconds_per_page: float = 0.0
    qps: float | None = None
    max_in_flight: int | None = None
    quota_pages: int | None = None
    max_pages: int = 300
    max_bytes: int = MAX_FILE_BYTES
    fail_rate: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    lowercase_status: bool = False
    seed: int = 0


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
    data: dict[str, Any] | None = None  # the result object once built
    error: str | None = None

    def status(self, now: float) -> str:
        if now < self.queued_until:
            return "QUEUING"
        if now < self.done_at:
            return "PROCESSING"
        return "FAILED" if self.fail_message or self.error else "SUCCESS"


class Service:
    """All state of one emulator instance; thread-safe."""

    def __init__(self, config: EmulatorConfig, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.base_url = ""  # set by the server once it knows its port
        self.tasks: dict[str, Task] = {}
        self.submitted: list[str] = []
        self._scripts: dict[str, deque[Action]] = {}
        self._submits: dict[str | None, deque[float]] = {}
        self._lock = threading.RLock()
        self._rng = random.Random(config.seed)
        self._record = 10000
        self.pages_used = 0

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

    @staticmethod
    def _options(
        fields: dict[str, list[str]], legacy: bool
    ) -> tuple[dict[str, Any] | None, str | None]:
        problems: list[str] = []
        formats = fields.get("output_formats") or ["markdown", "json"]
        for fmt in formats:
            if fmt not in {"markdown", "json", "zip"}:
                problems.append(f"output_formats={fmt!r} is not one of json, markdown, zip")
        elements: dict[str, Any] = {
            "image": "url",
            "formula": "latex",
            "table": "html",
            "cs": "image",
        }
        features: dict[str, Any] = dict(FEATURE_KEYS)
        config_fields = ["feature_config"] + (["extract_config"] if legacy else [])
        targets: list[tuple[str, dict[str, Any], str]] = [
            ("element_formats", elements, "element"),
            *((f, features, "feature") for f in config_fields),
        ]
        for name, target, check in targets:
            raw = (fields.get(name) or [""])[0]
            if raw == "":
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                problems.append(f"{name} must be a JSON object")
                continue
            if not isinstance(value, dict):
                problems.append(f"{name} must be a JSON object")
                continue
            for key, item in value.items():
                if key not in target:
                    continue  # the service ignores unknown keys
                if check == "element" and item not in ELEMENT_CHOICES[key]:
                    problems.append(
                        f"{name}.{key}={item!r} is not one of {sorted(ELEMENT_CHOICES[key])}"
                    )
                elif check == "feature" and not isinstance(item, bool):
                    problems.append(f"{name}.{key} must be a boolean")
                else:
                    target[key] = item
        if "zip" in formats and elements["image"] not in {"file", "none"}:
            problems.append("with output_formats=zip, element_formats.image must be file or none")
        if elements["image"] == "file" and "zip" not in formats:
            problems.append("element_formats.image=file requires output_formats=zip")
        if problems:
            return None, "参数错误: " + "；".join(problems)
        return {
            "output_formats": formats,
            "element_formats": elements,
            "feature_config": features,
        }, None

    # --- routes -------------------------------------------------------------------
    def submit(
        self, fields: dict[str, list[str]], upload: Upload | None, *, legacy: bool, fail: str | None
    ) -> Answer:
        key, denied = self._check_key(fields)
        if denied:
            return denied
        options, problem = self._options(fields, legacy)
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
            if self.config.qps is not None:
                window = self._submits.setdefault(key, deque())
                while window and now - window[0] >= 1.0:
                    window.popleft()
                if len(window) >= self.config.qps:
                    return error(1101, "Parsing requests too frequent")
                window.append(now)
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
        return envelope(
            0, "任务已提交", {"task_id": task_id, "status": self._status_text("QUEUING")}
        )

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
        now = time.monotonic()
        status = forced_status or task.status(now)
        result = None
        if status.upper() == "SUCCESS" and forced_status is None:
            result = self._result(task)
            if task.error:  # extraction failed after all
                status = "FAILED"
                result = None
        data: dict[str, Any] = {
            "record_id": task.record_id,
            "task_id": task.task_id,
            "status": status if forced_status else self._status_text(status),
            "file_name": task.file_name,
            "metadata": {"page_num": task.pages, "file_type": task.ext},
            "result": result,
        }
        if status.upper() == "FAILED":
            data["error"] = task.fail_message or task.error
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
        result = self._result(task)
        if task.fail_message or task.error:
            return error(1137, f"Parsing failed: {task.fail_message or task.error}")
        data = {
            "task_id": task.task_id,
            "error": None,
            "metadata": {"page_num": task.pages, "file_type": task.ext},
            "result": result,
        }
        return envelope(0, "任务成功", data)

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

    # --- results ------------------------------------------------------------------
    def _result(self, task: Task) -> dict[str, Any] | None:
        with self._lock:
            if task.data is not None or task.error or task.fail_message:
                return task.data
        opts = task.options
        image_mode = opts["element_formats"]["image"]
        image_url = ""
        if task.ext in engines.IMAGE_EXTENSIONS:
            if image_mode == "url":
                image_url = f"{self.file_url(task)}/original{task.ext}"
            elif image_mode == "base64":
                image_url = (
                    "data:image/png;base64," + base64.b64encode(task.path.read_bytes()).decode()
                )
        extract_options = engines.ExtractOptions(
            title_levels=opts["feature_config"]["enable_title_level_recognition"],
            keep_header_footer=opts["feature_config"]["keep_header_footer"],
            image_url=image_url,
            image_mode=image_mode,
            table_mode=opts["element_formats"]["table"],
            table_cross_page=opts["feature_config"]["enable_table_cross_page"],
            text_cross_page=opts["feature_config"]["enable_text_cross_page"],
        )
        try:
            pages = engines.extract(task.path, task.ext, extract_options, sha256=task.sha256)
        except engines.EngineError as err:
            with self._lock:
                task.error = str(err)
            return None
        except Exception as err:  # a bug in an engine must not become an HTTP 500
            logger.exception("Extraction of task %s failed", task.task_id)
            with self._lock:
                task.error = f"Internal extraction error ({type(err).__name__})."
            return None
        self._resolve_images(task, pages, image_mode)
        outputs: dict[str, Any] = {}
        formats = opts["output_formats"]
        if "markdown" in formats:
            outputs["markdown"] = engines.to_markdown(pages)
        if "json" in formats:
            outputs["json"] = {"pages": pages}
        if "zip" in formats:
            outputs["zip"] = f"{self.file_url(task)}/result.zip"
        images = [
            b["img_url"]
            for p in pages
            for b in p["blocks"]
            if b.get("img_url", "").startswith("http")
        ]
        data: dict[str, Any] = {"file_name": task.file_name, "imgs": images, "outputs": outputs}
        if opts["feature_config"]["enable_title_level_recognition"]:
            data["catalog"] = engines.catalog(pages)
        with self._lock:
            task.data = data
        return data

    def _resolve_images(self, task: Task, pages: list[dict[str, Any]], mode: str) -> None:
        """Fill the engines' image placeholders: a URL the emulator serves, a base64 data
        URI, or nothing (``element_formats.image`` = none or file)."""
        prefix = engines.IMAGE_URL_PREFIX
        for page in pages:
            for block in page["blocks"]:
                url = block.get("img_url", "")
                if not url.startswith(prefix):
                    continue
                if mode == "url":
                    block["img_url"] = f"{self.file_url(task)}/{url[len(prefix) :]}"
                elif mode == "base64":
                    png = self.image_bytes(task, url[len(prefix) :])
                    block["img_url"] = (
                        "data:image/png;base64," + base64.b64encode(png or b"").decode()
                    )
                else:
                    block["img_url"] = ""

    def image_bytes(self, task: Task, name: str) -> bytes | None:
        """The PNG behind ``img/<page>/<x1,y1,x2,y2>.png`` (a crop of a PDF page)."""
        try:
            _img, page, box = name.split("/")
            coords = tuple(int(v) for v in box.removesuffix(".png").split(","))
        except ValueError:
            return None
        if task.ext != ".pdf" or len(coords) != 4:
            return None
        return pdf.render_crop(task.path, int(page), coords)

    def file_url(self, task: Task) -> str:
        return f"{self.base_url.rsplit('/api/', 1)[0]}/files/{task.task_id}"

    def zip_bytes(self, task: Task) -> bytes | None:
        """The zip output: ``main.md`` (images are not packed by the emulator yet)."""
        data = self._result(task)
        if data is None:
            return None
        pages = engines.extract(task.path, task.ext, engines.ExtractOptions(), sha256=task.sha256)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("main.md", engines.to_markdown(pages))
        return buffer.getvalue()


def new_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="somark-emulator-"))


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
            raw = json.dumps(body, ensure_ascii=False).encode()
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
