"""The emulator's HTTP server: stdlib ``http.server`` on 127.0.0.1, real multipart, real sockets.

It can drop a connection, stall, answer 5xx or any canned body, which an ASGI framework
would not let us do; the request bodies are streamed to disk, never held whole in memory.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import _bundled
from .._version import __version__
from ..service._retry import EMULATOR_HEADER
from ._answers import (
    CHECK,
    DEPRECATION,
    LEGACY,
    ROUTES,
    SUBMIT,
    SYNC,
    Answer,
    Plan,
    answer_code,
    error,
    plan_for,
)
from ._http_body import BadRequestError, Form, parse_multipart, read_chunked, read_exact
from ._identity import identity, require_extra
from ._options import EmulatorConfig
from ._pool import Hook
from ._service import Service
from ._workdir import new_workdir
from .pictures import mime_type
from .scripting import Action, RecordedRequest

__all__ = ["Emulator"]

logger = logging.getLogger("somark_loaders.emulator")

API_ROOT = "/api/v1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 120  # idle keep-alive connections are closed after this

    def setup(self) -> None:
        super().setup()
        # The headers and the body go out in two writes; with Nagle's algorithm the body
        # waits for the ACK of the headers, which the client delays (40 ms on Linux): every
        # answer of a keep-alive connection would come 40 ms late. Web servers turn it off.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    # --- plumbing -------------------------------------------------------------------
    def _send(self, answer: Answer, *, legacy: bool = False) -> None:
        if answer.drop:
            self.close_connection = True
            return
        self.send_response(answer.status)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            EMULATOR_HEADER: f"somark-loaders {__version__}",  # lets clients pick fast defaults
            **answer.headers,
        }
        if legacy:
            headers["Deprecation"] = "true"
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _route(self) -> tuple[str | None, bool]:
        path = urlsplit(self.path).path.rstrip("/")
        if not path.startswith(API_ROOT + "/"):
            return None, False
        sub = path[len(API_ROOT) :]
        if sub in ROUTES:
            return sub, False
        if sub in LEGACY:
            return LEGACY[sub], True
        return None, False

    def _read_form(self) -> tuple[Form, bool]:
        workdir = self.server.emulator.service.workdir
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024, dir=str(workdir)) as body:
            if chunked:
                read_chunked(self.rfile, body)
            else:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    raise BadRequestError("bad Content-Length") from None
                read_exact(self.rfile, length, body)
            body.seek(0)
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("multipart/form-data"):
                from python_multipart.multipart import parse_options_header

                _, params = parse_options_header(ctype)
                boundary = params.get(b"boundary")
                if not boundary:
                    raise BadRequestError("multipart body without a boundary")
                return parse_multipart(body, boundary, workdir), chunked
            form = Form()
            raw = body.read().decode("utf-8", "replace")
            form.fields = parse_qs(raw, keep_blank_values=True) if raw else {}
            return form, chunked

    # --- methods --------------------------------------------------------------------
    def do_GET(self) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        service = self.server.emulator.service
        if (
            len(parts) == 5
            and parts[0] == "files"
            and parts[2] == "img"
            and parts[1] in service.tasks
        ):
            picture = service.image_bytes(service.tasks[parts[1]], "/".join(parts[2:]))
            if picture is not None:
                kind = mime_type(parts[4])
                self._send(Answer(body=picture, headers={"Content-Type": kind}))
                return
        if len(parts) == 3 and parts[0] == "files" and parts[1] in service.tasks:
            task = service.tasks[parts[1]]
            if parts[2] == "result.zip":
                blob = service.zip_bytes(task)
                if blob is not None:
                    self._send(Answer(body=blob, headers={"Content-Type": "application/zip"}))
                    return
        if self._route()[0] is not None:
            self._send(
                Answer(
                    status=405, body=b'{"detail":"Method Not Allowed"}', headers={"Allow": "POST"}
                )
            )
            return
        self._send(Answer(status=404, body=b'{"detail":"Not Found"}'))

    def do_POST(self) -> None:
        emulator = self.server.emulator
        route, legacy = self._route()
        try:
            form, chunked = self._read_form()
        except BadRequestError as err:
            if route is None:
                self._send(Answer(status=404, body=b'{"detail":"Not Found"}'))
            else:
                self._send(error(1133, f"参数错误: {err}"), legacy=legacy)
            return
        request = RecordedRequest(
            method="POST",
            path=urlsplit(self.path).path,
            route=route or "",
            headers={k.lower(): v for k, v in self.headers.items()},
            content_type=self.headers.get("Content-Type", ""),
            fields=form.fields,
            files=form.recorded,
            chunked=chunked,
            received=time.monotonic(),
        )
        emulator._record(request)
        try:
            if route is None:
                missing = Answer(status=404, body=b'{"detail":"Not Found"}')
                emulator._answered(request, missing)
                self._send(missing)
                return
            answer = self._answer(route, legacy, form, request.received)
            if answer is not None:
                emulator._answered(request, answer)
                self._send(answer, legacy=legacy)
        finally:
            for upload in form.uploads.values():
                upload.path.unlink(missing_ok=True)

    def _answer(self, route: str, legacy: bool, form: Form, arrived: float) -> Answer | None:
        service = self.server.emulator.service
        plan: Plan = plan_for(service.next_action(route))
        if plan.answer is None and plan == Plan():
            fault = service.random_fault()
            if fault is not None:
                plan = Plan(answer=fault) if fault.delay == 0 else Plan(delay=fault.delay)
        if plan.delay:
            time.sleep(plan.delay)
        if plan.answer is not None:
            return plan.answer
        upload = form.uploads.get("file")
        if route == SUBMIT:
            answer = service.submit(
                form.fields, upload, legacy=legacy, fail=plan.fail_message, arrived=arrived
            )
        elif route == CHECK:
            answer = service.check(form.fields, forced_status=plan.forced_status)
        elif route == SYNC:
            answer = service.sync(form.fields, upload, legacy=legacy)
        else:
            answer = service.usage(form.fields)
        if legacy:
            payload = json.loads(answer.body)
            payload.setdefault("warnings", []).append(DEPRECATION)
            answer = replace(
                answer, body=json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
            )
        if plan.drop_after:
            return Answer(drop=True)
        return answer if plan.error_after is None else plan.error_after

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        except Exception:  # never let a bug become a hung client
            logger.exception("Emulator handler crashed")
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: a burst of connections (a load starting 16 or
    # 32 workers while the emulator is busy) overflowed it, and the kernel dropped their
    # SYNs, sent again 1 s later: answers came 1 s late (web servers listen with 128+)
    request_queue_size = 128
    emulator: Emulator


class Emulator:
    """A local SoMark-compatible HTTP server.

    Use as a context manager (tests, notebooks) or :meth:`serve_forever` (command line)::

        with Emulator() as emu:
            client = SoMarkClient(base_url=emu.base_url, api_key="sk-test")

    Args:
        config: behaviour switches (see :class:`EmulatorConfig`); keyword arguments
            override its fields.
        host: address to bind, loopback by default.
        port: 0 picks a free port.
        worker_hook: for tests: a picklable function called in the parse worker with each
            job before it is parsed (to hold a parse, count parses or crash a worker).

    Files are parsed at submit in ``config.workers`` worker processes (all cores by
    default; ``Emulator(workers=1)``); :meth:`stop` (or leaving the ``with`` block, or
    :meth:`close`) stops them without waiting for a parse in progress.

    Raises:
        ConfigurationError: the ``emulator`` extra is not (fully) installed.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        worker_hook: Hook | None = None,
        **switches: Any,
    ) -> None:
        require_extra()
        config = config or EmulatorConfig()
        if switches:
            if "api_keys" in switches and switches["api_keys"] is not None:
                switches["api_keys"] = frozenset(switches["api_keys"])
            config = replace(config, **switches)
        self._owned_workdir = new_workdir()
        self.service = Service(config, self._owned_workdir, hook=worker_hook)
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        # Scripted answers or fault dice: its results and lost answers are the test's.
        self._scripted = _throws_faults(config)

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> Emulator:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.emulator = self
        self._server = server
        host, port = str(server.server_address[0]), int(server.server_address[1])
        self.service.base_url = f"http://{host}:{port}{API_ROOT}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="somark-emulator",
            daemon=True,
        )
        self._thread.start()
        if not self._scripted:
            _bundled.register(self.base_url, identity())
        logger.info("SoMark emulator listening on %s", self.base_url)
        return self

    def wait_parsed(self, timeout: float | None = 60) -> bool:
        """Wait until every file submitted so far is parsed (or failed): for tests whose
        client runs on a virtual clock, so that its "seconds later" has the parse done
        (``False`` when ``timeout`` ran out first)."""
        return self.service.pool.wait_idle(timeout)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (command line)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and parsing, and delete the uploaded files."""
        if self._server is not None:
            _bundled.unregister(self.base_url)
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.service.close()
        shutil.rmtree(self._owned_workdir, ignore_errors=True)

    def close(self) -> None:
        """Same as :meth:`stop`."""
        self.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- for tests ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1``; pass it as the client's ``base_url``."""
        if not self.service.base_url:
            raise RuntimeError("The emulator is not started; call start() or use `with`.")
        return self.service.base_url

    @property
    def config(self) -> EmulatorConfig:
        return self.service.config

    def script(self, route: str, *actions: Action) -> None:
        """Queue actions for the next requests to ``route`` (e.g. ``"/parse/async"``)."""
        if route not in ROUTES and route not in LEGACY:
            raise ValueError(f"Unknown route {route!r}; use one of {sorted(ROUTES)}.")
        self._set_scripted()
        self.service.script(route, list(actions))

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _answered(self, request: RecordedRequest, answer: Answer) -> None:
        """Note what ``request`` (recorded) is answered, for a test to read."""
        code = answer_code(answer)
        with self._lock:
            for i in range(len(self._requests) - 1, -1, -1):
                if self._requests[i] is request:
                    self._requests[i] = replace(request, answered=code)
                    break

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """The requests received on ``route`` (legacy paths count as their new names)."""
        return [r for r in self.requests if r.route == route]

    @property
    def accepted_tasks(self) -> list[str]:
        """Ids of the tasks accepted so far, in order."""
        return list(self.service.submitted)

    def set(self, **switches: Any) -> None:
        """Change behaviour switches while running (e.g. ``emu.set(max_in_flight=1)``)."""
        if "workers" in switches:
            raise ValueError("workers is fixed when the emulator is built: Emulator(workers=N).")
        self.service.config = replace(self.service.config, **switches)
        if _throws_faults(self.service.config):
            self._set_scripted()

    def _set_scripted(self) -> None:
        """From now on one service per port, and lost answers are ambiguous."""
        self._scripted = True
        if self.service.base_url:
            _bundled.unregister(self.service.base_url)


def _throws_faults(config: EmulatorConfig) -> bool:
    return any((config.fail_rate, config.error_rate, config.drop_rate, config.slow_rate))
