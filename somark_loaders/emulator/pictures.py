"""The figure pictures the emulator serves for images and Office files.

One URL scheme for every input, ``files/<task>/img/<page>/<name>``, filled in from the
placeholder ``somark-emulator://img/<page>/<name>`` an engine writes in ``img_url``:

* a PDF page or an image file: ``<x1,y1,x2,y2>.png``, a PNG crop of that region (pixels of
  the page's 150-DPI raster, or of the image itself; PDFs: ``pdf.render_crop``);
* a Word or PowerPoint file: ``media<n>.<suffix>``, the picture stored as member ``n`` of
  the file's zip package: PNG and JPEG as stored, other formats Pillow reads (GIF, BMP,
  TIFF, WebP) converted to PNG, vector formats Pillow cannot draw (EMF, WMF, SVG) as
  stored with their own type.

Every picture is served from the stored upload, never from a new parse; base64 mode puts
the same bytes in a ``data:`` URI.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

__all__ = [
    "IMAGE_URL_PREFIX",
    "Media",
    "box_name",
    "image_crop",
    "mime_type",
    "picture_url",
    "serve",
]

IMAGE_URL_PREFIX = "somark-emulator://"  # an engine's placeholder, made a URL per task

# what a served name's suffix says the bytes are
MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "emf": "image/x-emf",
    "wmf": "image/x-wmf",
    "svg": "image/svg+xml",
}
_AS_STORED = ("emf", "wmf", "svg")  # vector formats Pillow cannot draw
_MAX_MEMBER = 64 * 1024 * 1024  # bytes: a larger "picture" is not served
_MEDIA = re.compile(r"^media(\d+)\.([a-z]+)$")
_BOX = re.compile(r"^(\d+),(\d+),(\d+),(\d+)\.png$")
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def mime_type(name: str) -> str:
    """The content type of a served picture, from its name's suffix."""
    return MIME.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def picture_url(page: int, name: str) -> str:
    """The placeholder ``img_url`` of picture ``name`` on ``page`` (0-based)."""
    return f"{IMAGE_URL_PREFIX}img/{page}/{name}"


def box_name(box: list[int] | tuple[int, ...]) -> str:
    """The name of a crop of ``box`` (pixels of the page or image)."""
    return ",".join(str(int(v)) for v in box) + ".png"


class Media:
    """The members of an Office file's zip package, to name its pictures by index.

    Args:
        path: the stored upload (a zip package).
    """

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as package:
            self._index = {"/" + info.filename: n for n, info in enumerate(package.infolist())}

    def name(self, partname: str, blob: bytes) -> str | None:
        """The served name of the picture stored as part ``partname`` (``None``: not in
        the package, or a format the emulator cannot serve)."""
        index = self._index.get(str(partname))
        suffix = _suffix(blob, str(partname))
        return None if index is None or suffix is None else f"media{index}.{suffix}"


def _suffix(blob: bytes, partname: str) -> str | None:
    """How a picture is served: ``jpg`` or ``png`` as stored, ``png`` converted, or its
    own vector format as stored."""
    if blob.startswith(_PNG):
        return "png"
    if blob.startswith(_JPEG):
        return "jpg"
    own = partname.rsplit(".", 1)[-1].lower()
    if own in _AS_STORED:
        return own
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(blob)) as opened:  # reads the header only
            known = opened.format not in ("WMF", "EMF")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return "png" if known else None


def serve(path: Path, name: str) -> bytes | None:
    """The bytes of an Office file's picture ``media<n>.<suffix>``, or ``None``."""
    match = _MEDIA.match(name)
    if match is None or match.group(2) not in MIME:
        return None
    index, suffix = int(match.group(1)), match.group(2)
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            if index >= len(members) or members[index].file_size > _MAX_MEMBER:
                return None
            member = members[index]
            blob = package.read(member)
    except (zipfile.BadZipFile, OSError):
        return None
    if suffix == "jpg":
        return blob if blob.startswith(_JPEG) else None
    if suffix in _AS_STORED:
        return blob if member.filename.lower().endswith("." + suffix) else None
    return blob if blob.startswith(_PNG) else _png(blob)


def image_crop(path: Path, name: str) -> bytes | None:
    """PNG of the region ``<x1,y1,x2,y2>.png`` of an image file (its own pixels)."""
    from PIL import Image, UnidentifiedImageError

    match = _BOX.match(name)
    if match is None:
        return None
    x0, top, x1, bottom = (int(v) for v in match.groups())
    try:
        with Image.open(path) as opened:
            width, height = opened.size
            x0, x1 = min(x0, width - 1), min(max(x1, x0 + 1), width)  # never empty
            top, bottom = min(top, height - 1), min(max(bottom, top + 1), height)
            return _encode(opened.crop((x0, top, x1, bottom)))
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _png(blob: bytes) -> bytes | None:
    """A picture Pillow reads, as PNG (its first frame)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(blob)) as opened:
            return _encode(opened)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _encode(image: Any) -> bytes:
    """PNG bytes of a PIL image, in RGB (RGBA when it has transparency)."""
    alpha = "A" in image.getbands() or "transparency" in image.info
    buffer = io.BytesIO()
    image.convert("RGBA" if alpha else "RGB").save(buffer, format="PNG")
    return buffer.getvalue()
