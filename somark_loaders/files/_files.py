"""What can be uploaded, checked before any request: path, bytes with a name, or a file object.

The upload is streamed from disk (or from the caller's file object): a 200 MB file is never
read whole into memory.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Union

from .._errors import InvalidFileError

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_FILE_BYTES",
    "OFFICE_EXTENSIONS",
    "PDF_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "FileInput",
    "Upload",
    "file_sha256",
]


def file_sha256(content: str | PurePath | bytes | BinaryIO) -> str:
    """sha256 hex of a file's bytes (the ``doc_id`` the loaders use and the cache's key):
    of a path (read in blocks), of bytes, or of a binary file object from where it stands.
    The one place the package hashes a file."""
    digest = hashlib.sha256()
    if isinstance(content, bytes):
        digest.update(content)
        return digest.hexdigest()
    if isinstance(content, (str, PurePath)):
        with open(content, "rb") as handle:  # noqa: PTH123 - accepts PurePath and str alike
            return file_sha256(handle)
    for block in iter(lambda: content.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


# Documented on the SoMark API overview (reference/somark-api.md, section d), plus .tif.
PDF_EXTENSIONS = frozenset({".pdf"})
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tiff", ".tif", ".jp2", ".dib", ".ppm", ".pgm", ".pbm"}
    | {".gif", ".heic", ".heif", ".webp", ".xpm", ".tga", ".dds", ".xbm"}
)
OFFICE_EXTENSIONS = frozenset({".doc", ".docx", ".ppt", ".pptx", ".xlsx", ".xlsm", ".xls"})
SUPPORTED_EXTENSIONS = PDF_EXTENSIONS | IMAGE_EXTENSIONS | OFFICE_EXTENSIONS
MAX_FILE_BYTES = 200 * 1024 * 1024

FileInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def _fileobj_size(stream: BinaryIO) -> int | None:
    """Whole size of a file object (httpx uploads seekable objects from their start)."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


@dataclass(frozen=True)
class Upload:
    """A validated file ready to be sent as the multipart ``file`` part."""

    file_name: str
    size: int | None
    path: Path | None = None
    data: bytes | None = None
    stream: BinaryIO | None = None
    seekable: bool = True
    pages: int | None = None  # its page count, when known before the upload

    @property
    def content_type(self) -> str:
        return mimetypes.guess_type(self.file_name)[0] or "application/octet-stream"

    @classmethod
    def from_input(
        cls,
        file: FileInput | Upload,
        *,
        file_name: str | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> Upload:
        """Check the input and wrap it.

        Args:
            file: a path, bytes (then ``file_name`` is required) or a binary file object
                (its ``name`` is used unless ``file_name`` is given).
            file_name: the name SoMark sees; its extension tells SoMark the file type.
            max_bytes: size limit checked before the upload.

        Raises:
            InvalidFileError: the file is missing, a directory, empty, unnamed, of an
                unsupported type or over ``max_bytes``.
        """
        if isinstance(file, Upload):
            return file
        if isinstance(file, (str, os.PathLike)):
            path = Path(file)
            if not path.exists():
                raise InvalidFileError(f"File not found: {path}. Check the path.")
            if path.is_dir():
                raise InvalidFileError(
                    f"{path} is a directory; pass a file (the loaders accept directories)."
                )
            upload = cls(file_name=file_name or path.name, size=path.stat().st_size, path=path)
        elif isinstance(file, (bytes, bytearray, memoryview)):
            if not file_name:
                raise InvalidFileError(
                    "Bytes need a file name with an extension (file_name='report.pdf'): "
                    "SoMark detects the file type from it."
                )
            data = bytes(file)
            upload = cls(file_name=file_name, size=len(data), data=data)
        elif hasattr(file, "read"):
            name = file_name or PurePath(str(getattr(file, "name", "") or "")).name
            if not name or name.startswith("<"):
                raise InvalidFileError(
                    "The file object has no name; pass file_name='report.pdf' so SoMark "
                    "can detect the file type."
                )
            try:
                seekable = bool(file.seekable())
            except (AttributeError, OSError, ValueError):
                seekable = False
            size = _fileobj_size(file) if seekable else None
            upload = cls(file_name=name, size=size, stream=file, seekable=seekable)
        else:
            raise InvalidFileError(
                f"Cannot upload a {type(file).__name__}; pass a path, bytes with file_name, "
                "or a binary file object."
            )
        upload._validate(max_bytes)
        return upload

    def _validate(self, max_bytes: int) -> None:
        name = PurePath(self.file_name).name
        if name != self.file_name:
            object.__setattr__(self, "file_name", name)
        ext = _extension(name)
        if ext not in SUPPORTED_EXTENSIONS:
            shown = ext or "(no extension)"
            raise InvalidFileError(
                f"{name}: file type {shown} is not supported by SoMark. Supported: "
                f"{', '.join(sorted(SUPPORTED_EXTENSIONS))}."
            )
        if self.size == 0:
            raise InvalidFileError(f"{name} is empty (0 bytes); nothing to parse.")
        if self.size is not None and self.size > max_bytes:
            advice = (
                "the loaders (SoMarkLoader, SoMarkReader, SoMarkParser) and the CLI split "
                "PDFs into parts under the limits and merge the results: load it with one of "
                "them (a single upload cannot be larger)"
                if ext in PDF_EXTENSIONS
                else "split it into smaller files"
            )
            raise InvalidFileError(
                f"{name} is {self.size / 2**20:.1f} MB, over SoMark's limit of "
                f"{max_bytes / 2**20:.0f} MB; {advice}."
            )

    def sha256(self) -> str | None:
        """sha256 hex of the content (``None`` for a non-seekable stream, read only once)."""
        if self.data is not None:
            return file_sha256(self.data)
        if self.path is not None:
            return file_sha256(self.path)
        if self.stream is not None and self.seekable:
            self.stream.seek(0)
            try:
                return file_sha256(self.stream)
            finally:
                self.stream.seek(0)
        return None

    @property
    def can_resend(self) -> bool:
        """False for a non-seekable file object: it can be read only once."""
        return self.stream is None or self.seekable

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A stream positioned at the start of the file; closed only if we opened it.

        A seekable file object is sent whole, from its start (as httpx does).
        """
        if self.path is not None:
            with self.path.open("rb") as handle:
                yield handle
        elif self.data is not None:
            yield io.BytesIO(self.data)
        else:
            assert self.stream is not None
            if self.seekable:
                self.stream.seek(0)
            yield self.stream
