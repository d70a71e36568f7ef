"""What a picture is, from its first bytes: its type (PNG, JPEG, GIF, WebP, BMP, TIFF) and
its size in pixels, read from the header without decoding it (Pillow, when installed,
reads the size of a header this module cannot, e.g. a JPEG with unusual markers).

Never the URL's suffix nor the server's ``Content-Type``: object storage serves pictures
under any name and type, and an error page answered with 200 is not a picture.
"""

from __future__ import annotations

import importlib.util
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["NotAnImageError", "Sniffed", "sniff"]


class NotAnImageError(ValueError):
    """The bytes are not a picture of a type kept (PNG, JPEG, GIF, WebP, BMP, TIFF)."""


@dataclass(frozen=True)
class Sniffed:
    """A picture's type and size, from its bytes."""

    mime_type: str
    extension: str  # with the dot
    width: int
    height: int


Size = tuple[int, int] | None


def _png(data: bytes) -> Size:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _gif(data: bytes) -> Size:
    if len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return None


def _bmp(data: bytes) -> Size:
    if len(data) < 26:
        return None
    (header,) = struct.unpack("<I", data[14:18])
    if header == 12:  # BITMAPCOREHEADER: 16-bit sizes
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])
    return abs(int(width)), abs(int(height))  # a negative height: rows top-down


def _webp(data: bytes) -> Size:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


# JPEG start-of-frame markers (baseline, progressive, lossless...): not DHT, JPG, DAC
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> Size:
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None


def _tiff(data: bytes) -> Size:
    order = "<" if data[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(order + "I", data[4:8])
        (count,) = struct.unpack(order + "H", data[offset : offset + 2])
        found: dict[int, int] = {}
        for n in range(count):
            entry = data[offset + 2 + 12 * n : offset + 14 + 12 * n]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag in (256, 257):  # ImageWidth, ImageLength: SHORT or LONG
                code = order + ("H" if kind == 3 else "I")
                value = entry[8 : 8 + struct.calcsize(code)]
                found[tag] = int(struct.unpack(code, value)[0])
    except struct.error:
        return None
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


_KINDS: tuple[tuple[Callable[[bytes], bool], str, str, Callable[[bytes], Size]], ...] = (
    (lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"), "image/png", ".png", _png),
    (lambda d: d.startswith(b"\xff\xd8\xff"), "image/jpeg", ".jpg", _jpeg),
    (lambda d: d[:6] in (b"GIF87a", b"GIF89a"), "image/gif", ".gif", _gif),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", "image/webp", ".webp", _webp),
    (lambda d: d[:2] == b"BM", "image/bmp", ".bmp", _bmp),
    (lambda d: d[:4] in (b"II*\x00", b"MM\x00*"), "image/tiff", ".tif", _tiff),
)


def _pillow_size(data: bytes) -> Size:
    """The size Pillow reads (header only), if Pillow is installed and can."""
    if importlib.util.find_spec("PIL") is None:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as picture:
            return int(picture.width), int(picture.height)
    except Exception:  # Pillow's errors are many; none of them makes this a picture
        return None


def sniff(data: bytes) -> Sniffed:
    """The type and size of the picture ``data``.

    Raises:
        NotAnImageError: not a picture of a type kept, or one whose size cannot be read
            (a truncated header).
    """
    for matches, mime, extension, size_of in _KINDS:
        if not matches(data):
            continue
        size = size_of(data) or _pillow_size(data)
        if size is None or min(size) <= 0:
            raise NotAnImageError(f"a {mime} whose size cannot be read (truncated or damaged)")
        return Sniffed(mime, extension, size[0], size[1])
    start = data[:16]
    shown = repr(start) if start else "nothing"
    raise NotAnImageError(
        f"not a picture (PNG, JPEG, GIF, WebP, BMP or TIFF): it starts with {shown}"
    )
