"""A scripted image host on 127.0.0.1 for the image store's tests: it serves what each path
is scripted to answer and records every request it gets (method, path, query, headers,
body), so that a test can count them and look for the key in all of them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Answer", "ImageHost", "Seen"]


@dataclass(frozen=True)
class Answer:
    """What a path answers: a status, headers and a body; ``hang`` never answers (until
    the host stops); ``stream`` sends ``body`` that many times without a length."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    stream: int = 0


@dataclass(frozen=True)
class Seen:
    """One request the host got."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything it carried, as one string (to look for a secret in)."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}?{self.query}\n{head}\n{self.body!r}"


class ImageHost:
    """``with ImageHost() as host: host.answer("/a.png", Answer(body=png)); host.url("/a.png")``."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.seen: list[Seen] = []
        self.sent: dict[str, int] = {}  # bytes of a streamed body written before it stopped
        self.stop = threading.Event()
        self.streamed = threading.Event()  # a streamed body ended (sent whole, or cut)
        self._lock = threading.Lock()
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with host._lock:
                    host.seen.append(
                        Seen(
                            self.command,
                            parts.path,
                            parts.query,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                answer = host.answers.get(parts.path, Answer(404, b"gone"))
                if answer.hang:
                    host.stop.wait(30)
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.stream:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    self._stream(parts.path, answer)
                    return
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def _stream(self, path: str, answer: Answer) -> None:
                sent = 0
                try:
                    for _ in range(answer.stream):
                        self.wfile.write(answer.body)
                        sent += len(answer.body)
                except OSError:  # the client stopped reading and closed
                    pass
                with host._lock:
                    host.sent[path] = sent
                host.streamed.set()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, path: str, answer: Answer) -> str:
        """Script ``path``; its URL."""
        self.answers[path] = answer
        return self.url(path)

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def __enter__(self) -> ImageHost:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
