"""An answer's body read up to a cap, decompressed a bounded step at a time: an answer
larger than ``max_response_bytes`` once decoded is refused without being held whole, and
a gzip or deflate bomb never inflates past the cap."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import httpx

__all__ = ["aread_capped", "read_capped"]


class _Inflater:
    """Decodes a gzip or deflate body a bounded step at a time (httpx's own decoders
    inflate each network chunk whole: 64 KB of a gzip bomb become 64 MB at once)."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        self.handled = name in {"", "identity", "gzip", "x-gzip", "deflate"}
        self._deflate = name == "deflate"
        wbits = 16 + zlib.MAX_WBITS if name in {"gzip", "x-gzip"} else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if name not in {"", "identity"} else None

    def feed(self, raw: bytes, room: int) -> bytes:
        """At most ``room + 1`` decoded bytes of ``raw`` (one more than fits: over)."""
        if self._zlib is None:
            return raw
        out = b""
        data = raw
        try:
            while data and len(out) <= room:
                out += self._zlib.decompress(data, room + 1 - len(out))
                data = self._zlib.unconsumed_tail
        except zlib.error as err:
            if self._deflate and not out:  # some servers send raw deflate
                self._zlib, self._deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.feed(raw, room)
            raise httpx.DecodingError(f"The answer's {err} (corrupt compressed body).") from None
        return out


class _Capped:
    """The decoded body gathered up to ``limit`` bytes (see :func:`read_capped`)."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.inflater = _Inflater(response.headers.get("content-encoding", ""))
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, raw: bytes) -> bool:
        """Take one network chunk; ``False`` once the body is over the limit."""
        piece = self.inflater.feed(raw, self.limit - self.size) if self.inflater.handled else raw
        self.size += len(piece)
        if self.size > self.limit:
            return False
        self.parts.append(piece)
        return True


def read_capped(
    response: httpx.Response, limit: int, between: Callable[[], None] | None = None
) -> tuple[bytes, bool]:
    """The decoded body, read up to ``limit`` bytes; ``(b"", False)`` when it is larger
    (reading stops there: a gzip bomb never inflates past the limit). ``between`` is
    called after each chunk (it raises to stop reading: a deadline, a cancellation)."""
    body = _Capped(response, limit)
    chunks = response.iter_raw() if body.inflater.handled else response.iter_bytes()
    for raw in chunks:
        if not body.add(raw):
            return b"", False
        if between is not None:
            between()
    return b"".join(body.parts), True


async def aread_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The async twin of :func:`read_capped`."""
    body = _Capped(response, limit)
    chunks = response.aiter_raw() if body.inflater.handled else response.aiter_bytes()
    async for raw in chunks:
        if not body.add(raw):
            return b"", False
    return b"".join(body.parts), True
