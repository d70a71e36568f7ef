"""A small hostile HTTP server on 127.0.0.1: it reads each request whole, then answers as
its behaviour says (never, a byte at a time, a gzip bomb...). Bounded: it stops with the
test, and every behaviour gives up after ``limit`` seconds."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, threading.Event], None]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def hang(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(60)


def trickle(body: bytes, every: float = 0.1, *, head_at_once: bool = False) -> Behaviour:
    """The answer a byte every ``every`` seconds (the body only, with ``head_at_once``)."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )

    def run(conn: socket.socket, stop: threading.Event) -> None:
        if head_at_once:
            conn.sendall(head)
        for byte in body if head_at_once else head + body:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))

    return run


def gzip_bomb(inflated: int) -> Behaviour:
    packed = gzip.compress(b"{" + b" " * inflated + b"}", compresslevel=9)

    def run(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            + f"Content-Length: {len(packed)}\r\n\r\n".encode()
            + packed
        )
        stop.wait(5)

    return run


def huge_json(size: int) -> Behaviour:
    def run(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        block = b" " * 65536
        sent = 0
        try:
            while sent < size and not stop.is_set():
                piece = block[: size - sent]
                conn.sendall(piece)
                sent += len(piece)
        except OSError:
            return  # the client stopped reading: as it should

    return run


@contextmanager
def hostile_server(behaviour: Behaviour) -> Iterator[tuple[str, list[float]]]:
    """``(base_url, arrivals)``: the URL to give a client, and when each request arrived."""
    stop = threading.Event()
    arrivals: list[float] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                if _read_request(conn):
                    arrivals.append(time.monotonic())
                    behaviour(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1", arrivals
    finally:
        stop.set()
        thread.join(5)
        listener.close()
