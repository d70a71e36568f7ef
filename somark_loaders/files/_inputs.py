"""A load's inputs: paths, directories and globs expanded into :class:`Source` s, each
checked before anything is uploaded (type, emptiness, size; a PDF is opened: encrypted,
damaged or over pypdf's limits). Nothing here talks to SoMark."""

from __future__ import annotations

import glob as globlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError, InvalidFileError, SoMarkError
from ._files import PDF_EXTENSIONS, SUPPORTED_EXTENSIONS, Upload, file_sha256
from .pdfs import count_pages

__all__ = ["PathInput", "Source", "inspect_source", "resolve_sources"]

PathInput = str | Path
NO_LIMIT = 1 << 62  # PDFs over SoMark's 200 MB are split, not refused


@dataclass(frozen=True)
class Source:
    """One file to load: a local path, or bytes with a name (a LangChain blob)."""

    source: str
    name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    def upload(self) -> Upload:
        if self.path is not None:
            return Upload.from_input(self.path, file_name=self.name)
        return Upload.from_input(self.data or b"", file_name=self.name)

    def sha256(self) -> str:
        return file_sha256(self.path if self.path is not None else self.data or b"")


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def resolve_sources(
    file_path: PathInput | Sequence[PathInput], *, recursive: bool = True
) -> tuple[list[Source], list[tuple[str, SoMarkError]]]:
    """Expand paths, directories and glob patterns into sources, in a stable order.

    Returns the sources and the inputs that cannot be loaded (missing path, empty
    directory or pattern, unsupported type, empty or too large file) with their error.
    Nothing is uploaded here.
    """
    items = [file_path] if isinstance(file_path, (str, Path)) else list(file_path)
    if not items:
        raise ConfigurationError(
            "file_path is empty: give a file, a directory, a glob or a list of them."
        )
    sources: list[Source] = []
    problems: list[tuple[str, SoMarkError]] = []
    seen: set[Path] = set()

    def add(path: Path, given: str) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        try:
            # type, emptiness and size, before any upload (a PDF of any size: it is split)
            pdf = path.suffix.lower() in PDF_EXTENSIONS
            Upload.from_input(path, max_bytes=NO_LIMIT) if pdf else Upload.from_input(path)
        except InvalidFileError as err:
            problems.append((given, err))
            return
        sources.append(Source(source=given, name=path.name, path=path))

    for item in items:
        text = str(item)
        if isinstance(item, str) and _is_pattern(text):
            matches = sorted(globlib.glob(text, recursive=True))  # noqa: PTH207 absolute patterns too
            files = [Path(m) for m in matches if Path(m).is_file()]
            if not files:
                problems.append((text, InvalidFileError(f"No file matches {text!r}.")))
            for path in files:
                add(path, str(path))
            continue
        path = Path(item)
        if path.is_dir():
            walker = path.rglob("*") if recursive else path.glob("*")
            files = sorted(
                p
                for p in walker
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_EXTENSIONS
                and not p.name.startswith(".")
            )
            if not files:
                problems.append(
                    (
                        text,
                        InvalidFileError(
                            f"No PDF, image, Word, PowerPoint or Excel file in directory {text}."
                        ),
                    )
                )
            for child in files:
                add(child, str(child))
        elif path.exists():
            add(path, text)
        else:
            problems.append((text, InvalidFileError(f"File not found: {text}. Check the path.")))
    return sources, problems


def inspect_source(source: Source) -> int | None:
    """The pages of ``source`` found locally (``None``: its type does not tell), after
    checking that it can be uploaded at all.

    Raises:
        InvalidFileError: the file disappeared or became unreadable since it was listed,
            or it is an encrypted, damaged or hostile PDF.
    """
    content: Path | bytes
    if source.path is not None:
        try:
            if source.path.stat().st_size == 0:
                raise InvalidFileError(f"{source.source} is empty (0 bytes); nothing to parse.")
            with source.path.open("rb") as handle:
                handle.read(1)
        except OSError as err:
            raise InvalidFileError(
                f"{source.source} cannot be read ({type(err).__name__}: {err.strerror or err}). "
                "Check that it still exists and that this user may read it."
            ) from None
        content = source.path
    else:
        content = source.data or b""
    return count_pages(content, source.name)
