"""Request bodies of the emulator's HTTP server: exact-length and chunked bodies, and
multipart forms whose files are streamed to disk (never held whole in memory)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import IO, Any, Protocol

from ._answers import Upload
from .scripting import RecordedFile

CHUNK = 64 * 1024


class BadRequestError(Exception):
    pass


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...


def read_exact(stream: Readable, size: int, sink: Any) -> int:
    left = size
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            raise BadRequestError("the body ended early")
        sink.write(chunk)
        left -= len(chunk)
    return size


def read_chunked(stream: Readable, sink: Any) -> int:
    total = 0
    while True:
        line = stream.readline(1024)
        if not line:
            raise BadRequestError("the chunked body ended early")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequestError("bad chunk size") from None
        if size == 0:
            while stream.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return total
        total += read_exact(stream, size, sink)
        stream.readline(8)  # CRLF after the chunk


class Form:
    """Fields and at most one file per field, parsed from multipart or urlencoded bodies."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.uploads: dict[str, Upload] = {}
        self.recorded: list[RecordedFile] = []


def parse_multipart(body: IO[bytes], boundary: bytes, workdir: Path) -> Form:
    from python_multipart.multipart import MultipartParser, parse_options_header

    form = Form()
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state.update(
            headers={},
            field=b"",
            value=b"",
            data=bytearray(),
            sink=None,
            sha=hashlib.sha256(),
            size=0,
        )

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].decode("latin-1").lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, params = parse_options_header(state["headers"].get("content-disposition", b""))
        state["name"] = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        state["filename"] = None if filename is None else filename.decode("utf-8", "replace")
        if state["filename"] is not None:
            state["sink"] = tempfile.NamedTemporaryFile(dir=workdir, delete=False)  # noqa: SIM115 closed in on_part_end

    def on_part_data(data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if state["sink"] is not None:
            state["sink"].write(piece)
            state["sha"].update(piece)
            state["size"] += len(piece)
        else:
            state["data"] += piece
            if len(state["data"]) > 1024 * 1024:
                raise BadRequestError(f"form field {state['name']!r} is too large")

    def on_part_end() -> None:
        name = state["name"]
        if state["sink"] is None:
            form.fields.setdefault(name, []).append(bytes(state["data"]).decode("utf-8", "replace"))
            return
        state["sink"].close()
        ctype = state["headers"].get("content-type", b"application/octet-stream").decode("latin-1")
        upload = Upload(
            state["filename"],
            ctype,
            Path(state["sink"].name),
            state["size"],
            state["sha"].hexdigest(),
        )
        form.uploads.setdefault(name, upload)
        form.recorded.append(RecordedFile(name, upload.filename, ctype, upload.size, upload.sha256))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    try:
        while chunk := body.read(CHUNK):
            parser.write(chunk)
        parser.finalize()
    except BadRequestError:
        raise
    except Exception as err:  # the parser's own errors: a malformed body
        raise BadRequestError(f"malformed multipart body ({err})") from None
    return form
