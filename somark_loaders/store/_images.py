"""The image store: the pictures of results, kept before their URLs expire (issue 23).

In one directory (``image_dir``; by default ``images/`` in the cache directory):

* ``<s[:2]>/<s>.<ext>``: a picture, named by the sha256 ``s`` of its bytes and the
  extension of its type (sniffed from the bytes, :mod:`._sniff`): the same bytes make
  one file, however many blocks, files or processes keep them;
* ``urls/<u[:2]>/<u>.json``: the manifest, one entry per URL (``u``: the sha256 of the
  URL) naming the picture it gave, so that a re-run (the result read from the cache)
  finds it without any request.

Writes are atomic (temporary file + ``os.replace``, as in the rest of the store), so
several threads and processes can keep the same picture at once and end with one whole
file; a picture is written before its manifest entry, so an entry never names a file
that is not there yet. A picture given inline (a ``data:`` URI, or bare base64 with
``element_formats.image = "base64"``) is decoded here: no request at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

from ..convert import KeptImage
from ._folder import CacheFolder
from ._sniff import NotAnImageError, sniff

__all__ = ["ImageStore", "NotAnImageError", "inline_bytes"]

_BASE64 = re.compile(r"[A-Za-z0-9+/_\-\s]+={0,2}\s*")
_MIN_BASE64 = 16  # characters: anything shorter is no picture (and no URL either)
# base64 with a "/" is told from a relative path ("static/fig_0001") by its length: the
# smallest picture file is longer than this in base64
_MIN_SLASHED = 64


def inline_bytes(value: str) -> bytes | None:
    """The bytes of a picture given inline: a ``data:`` URI (base64 or percent-encoded)
    or bare base64; ``None`` for anything else (a URL).

    Raises:
        NotAnImageError: a ``data:`` URI whose payload cannot be decoded.
    """
    text = value.strip()
    if text[:5].lower() == "data:":
        head, comma, payload = text.partition(",")
        if not comma:
            raise NotAnImageError("a data: URI without a comma (no payload)")
        if head.lower().endswith(";base64"):
            return _b64(payload)
        return unquote_to_bytes(payload)
    if (
        len(text) >= _MIN_BASE64
        and "://" not in text
        and ("/" not in text.rstrip("=") or len(text) >= _MIN_SLASHED)
        and _BASE64.fullmatch(text)
    ):
        return _b64(text)
    return None


def _b64(payload: str) -> bytes:
    compact = "".join(payload.split())
    compact += "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(compact)
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise NotAnImageError("base64 data that does not decode") from None


class ImageStore:
    """The pictures in ``directory`` and the manifest of the URLs they came from (see the
    module doc). Its methods raise ``OSError`` when the file system fails them (the
    keeper reports it for the figure) and :class:`NotAnImageError` for bytes that are no
    picture."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.folder = CacheFolder(Path(directory).expanduser().absolute())

    @property
    def directory(self) -> Path:
        return self.folder.directory

    def picture_path(self, sha256: str, extension: str) -> Path:
        return self.directory / sha256[:2] / f"{sha256}{extension}"

    def entry_path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.directory / "urls" / key[:2] / f"{key}.json"

    def put(self, data: bytes) -> KeptImage:
        """Keep the picture ``data`` (once: the same bytes are one file) and describe it."""
        found = sniff(data)
        digest = hashlib.sha256(data).hexdigest()
        path = self.picture_path(digest, found.extension)
        try:
            whole = path.stat().st_size == len(data)
        except FileNotFoundError:
            whole = False
        if not whole:  # (an existing file of the right size holds these very bytes)
            self.folder.write(path, data)
        return KeptImage(str(path), found.mime_type, found.width, found.height)

    def lookup(self, url: str) -> KeptImage | None:
        """The picture kept from ``url`` before, if its entry and its file are whole."""
        entry = self.folder.read_json(self.entry_path(url))
        if not entry or entry.get("corrupt") or entry.get("url") != url:
            return None
        try:
            path = self.picture_path(str(entry["sha256"]), str(entry["extension"]))
            image = KeptImage(
                str(path), str(entry["mime_type"]), int(entry["width"]), int(entry["height"])
            )
            if path.stat().st_size != int(entry["size"]):
                return None  # changed since: fetched again
        except (KeyError, TypeError, ValueError, FileNotFoundError):
            return None
        return image

    def remember(self, url: str, image: KeptImage) -> None:
        """Record that ``url`` gave ``image`` (kept by :meth:`put`)."""
        path = Path(image.path)
        self.folder.write(
            self.entry_path(url),
            {
                "url": url,
                "sha256": path.stem,
                "extension": path.suffix,
                "size": path.stat().st_size,
                "mime_type": image.mime_type,
                "width": image.width,
                "height": image.height,
            },
        )
