"""Local page counts, and splitting PDFs over SoMark's limits (300 pages, 200 MB) into parts
whose results merge back into one document with global page numbers.

Counting pages needs no upload: PDFs are read with pypdf, Office files from their zip
metadata, images count as one page.
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from .._errors import InvalidFileError
from ._files import IMAGE_EXTENSIONS, MAX_FILE_BYTES
from ._pdf_log import reading

__all__ = ["DEFAULT_MAX_PAGES", "Part", "count_pages", "merge_part_data", "plan_parts", "read_part"]

DEFAULT_MAX_PAGES = 300


@dataclass(frozen=True)
class Part:
    """Pages ``start`` to ``end`` (0-based, end excluded) of a PDF; with ``unit``
    ``"blocks"``, the body elements ``start`` to ``end`` of a Word file
    (:mod:`somark_loaders.files.wordsplit`), whose pages are known once parsed."""

    start: int
    end: int
    unit: str = "pages"

    @property
    def pages(self) -> int:
        return self.end - self.start

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


# What pypdf raises on a damaged or hostile PDF (its own errors, LimitReachedError included,
# and the plain ones its parser lets through).
_PDF_ERRORS = (ValueError, KeyError, TypeError, AssertionError, IndexError, RecursionError)


def _unreadable(name: str, err: BaseException) -> InvalidFileError:
    return InvalidFileError(
        f"{name} is not a readable PDF (corrupted, or over pypdf's safety limits): "
        f"{type(err).__name__}: {err}. Open and save it again with a PDF tool, or skip it."
    )


def _clean_pdf(source: Path | bytes) -> Any | None:
    """A reader of a PDF without defects, or ``None``. Read strictly, a clean PDF opens
    1.5-3x faster: forgiving mode first checks every object the cross-reference table
    points to. Anything strict mode objects to is read again forgivingly."""
    import pypdf

    try:
        reader = pypdf.PdfReader(
            source if isinstance(source, Path) else io.BytesIO(source), strict=True
        )
        if reader.is_encrypted:  # the forgiving read decides whether it opens
            return None
        len(reader.pages)  # forces the page tree to load
    except Exception:  # whatever it is, the forgiving read decides
        return None
    return reader


def _open_pdf(source: Path | bytes, name: str, *, clean_first: bool = False) -> Any:
    with reading(name):
        return _read_pdf(source, name, clean_first=clean_first)


def _read_pdf(source: Path | bytes, name: str, *, clean_first: bool) -> Any:
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    if clean_first and (reader := _clean_pdf(source)) is not None:
        return reader
    try:
        reader = pypdf.PdfReader(
            source if isinstance(source, Path) else io.BytesIO(source), strict=False
        )
        if reader.is_encrypted:
            _unlock(reader, name)
        len(reader.pages)  # forces the page tree to load
    except InvalidFileError:  # one that needs a password (a ValueError too)
        raise
    except DependencyError:  # its page tree is encrypted with AES, without its package
        raise _LockedError(name) from None
    except FileNotFoundError:
        raise InvalidFileError(f"{name} disappeared before it was read. Check the path.") from None
    except (PyPdfError, OSError, *_PDF_ERRORS) as err:
        raise _unreadable(name, err) from None
    return reader


class _LockedError(Exception):
    """An encrypted PDF that pypdf cannot decrypt here (AES needs the ``cryptography``
    package): whether it opens without a password, and its pages, are not known locally."""


def _unlock(reader: Any, name: str) -> None:
    """Open an encrypted PDF as a viewer does: with the empty password. A PDF encrypted
    only to restrict copying or printing (an owner password; publishers, banks and
    government forms do this) opens so, and is sent; one that asks for a password to be
    read is refused before any upload (SoMark does not parse those, and the loader never
    asks for a password).

    Raises:
        InvalidFileError: the PDF needs a password.
        _LockedError: pypdf cannot decrypt it here (AES without ``cryptography``, a method it
            does not know): the service decides.
    """
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except (DependencyError, NotImplementedError):  # AES without its package; a new method
        raise _LockedError(name) from None
    if not opened:
        raise InvalidFileError(
            f"{name} is encrypted with a password; SoMark does not parse encrypted files. "
            "Save an unencrypted copy (without a password) and load that."
        )


def count_pages(source: str | Path | bytes, name: str) -> int | None:
    """Pages of a file found locally, or ``None`` when its type does not tell (.doc, .xls...).

    Raises:
        InvalidFileError: a PDF that needs a password, or an unreadable one.
    """
    if isinstance(source, str):
        source = Path(source)
    ext = PurePath(name).suffix.lower()
    if ext == ".pdf":
        try:
            return len(_open_pdf(source, name, clean_first=True).pages)
        except _LockedError:  # it opens without a password: the service reads it, pages unknown
            return None
    if ext in IMAGE_EXTENSIONS:
        return 1
    if ext in {".docx", ".pptx", ".xlsx", ".xlsm"}:
        try:
            with zipfile.ZipFile(
                source if isinstance(source, Path) else io.BytesIO(source)
            ) as archive:
                return _office_pages(archive, ext)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return None
    return None


# Characters of body text on a dense page: what makes a Word file's page-count estimate
# when the file's own metadata says less (python-docx and other generators always write
# <Pages>1</Pages>, whatever the length).
CHARS_PER_PAGE = 3000


def _office_pages(archive: zipfile.ZipFile, ext: str) -> int | None:
    """Pages (Word), slides (PowerPoint) or sheets (Excel) of an Office file: from the
    file's parts and metadata, never less than what its content shows."""
    names = archive.namelist()
    app = (
        archive.read("docProps/app.xml").decode("utf-8", "replace")
        if "docProps/app.xml" in names
        else ""
    )

    def declared(tag: str) -> int:
        found = re.search(rf"<{tag}>(\d+)</{tag}>", app)
        return int(found.group(1)) if found else 0

    if ext == ".pptx":
        slides = sum(1 for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
        return max(slides, declared("Slides")) or None
    if ext in {".xlsx", ".xlsm"}:
        return _workbook_pages(archive, names)
    if "word/document.xml" not in names:
        return declared("Pages") or None
    body = archive.read("word/document.xml").decode("utf-8", "replace")
    rendered = body.count("<w:lastRenderedPageBreak")  # where Word last broke the pages
    explicit = len(re.findall(r'<w:br\b[^>]*w:type="page"', body))
    sections = len(re.findall(r'<w:type w:val="(?:nextPage|oddPage|evenPage)"', body))
    text = sum(len(t) for t in re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", body))
    by_text = math.ceil(text / CHARS_PER_PAGE)
    return max(declared("Pages"), rendered + 1, explicit + sections + 1, by_text, 1)


def _workbook_pages(archive: zipfile.ZipFile, names: list[str]) -> int | None:
    """A page per sheet that prints (a chart sheet too), as the service's PDF conversion
    prints it: a hidden sheet and an empty one (no value, no chart or picture) get none,
    nor does a part the workbook does not list; one page at least. Not seen here: a sheet
    longer than a page counts one page; a sheet whose values all show blank, sit in
    hidden rows or columns, or whose drawing holds only shapes (a chart sheet whose chart
    has no series or is of a kind openpyxl cannot read) counts one the emulator does not
    print."""
    parts = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    if {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= set(names):
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        targets = {}
        for rel in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
            rid, target = re.search(r'\bId="([^"]*)"', rel), re.search(r'\bTarget="([^"]*)"', rel)
            if rid and target:
                path = target.group(1)
                targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else "xl/" + path
        listed = []
        for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
            rid = re.search(r'\s\w+:id="([^"]*)"', sheet)
            if rid and not re.search(r'\bstate="(?:hidden|veryHidden)"', sheet):
                listed.append(targets.get(rid.group(1), ""))
        sheets = ("xl/worksheets/", "xl/chartsheets/")  # a chart sheet prints its chart
        parts = [n for n in listed if n in names and n.startswith(sheets)]
    elif not parts:
        return None
    return max(sum(1 for n in parts if _sheet_shows(archive, n)), 1)


# A cell with a value (a cached one for a formula), an inline string, or a drawing
# (charts, pictures) anchored on the sheet.
_SHOWS = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>|<(?:\w+:)?drawing\b")


def _sheet_shows(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether a worksheet part has anything to print: read until the first sign of it."""
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(1 << 20):
            if _SHOWS.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def plan_parts(
    pages: int, size: int, *, max_pages: int = DEFAULT_MAX_PAGES, max_bytes: int = MAX_FILE_BYTES
) -> list[Part]:
    """Balanced parts within both limits (one part when the file is within them)."""
    by_pages = math.ceil(pages / max_pages) if pages else 1
    by_size = (
        math.ceil(size / (max_bytes * 0.9)) if size > max_bytes else 1
    )  # 10% margin for part overhead
    count = max(by_pages, by_size, 1)
    count = min(count, max(pages, 1))
    base, extra = divmod(pages, count)
    parts, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        parts.append(Part(start, end))
        start = end
    return parts


def read_part(source: Path | bytes, name: str, part: Part) -> bytes:
    """The bytes of a PDF holding only ``part``'s pages."""
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    locked = InvalidFileError(
        f"{name} is encrypted and too large for one request; splitting it here needs "
        "the `cryptography` package (pip install cryptography), or save an unencrypted "
        "copy."
    )
    try:
        reader = _open_pdf(source, name)
    except _LockedError:
        raise locked from None
    try:
        with reading(name):
            writer = pypdf.PdfWriter()
            for index in range(part.start, part.end):
                writer.add_page(reader.pages[index])
            buffer = io.BytesIO()
            writer.write(buffer)
    except (DependencyError, NotImplementedError):  # AES-128's pages, without its package
        raise locked from None
    except (PyPdfError, *_PDF_ERRORS) as err:
        raise _unreadable(name, err) from None
    return buffer.getvalue()


def part_name(name: str, part: Part) -> str:
    """``report.pdf`` -> ``report.p0301-0600.pdf`` (pages, 1-based, inclusive); a Word
    part: ``guide.b00001-00412.docx`` (body elements): what SoMark sees."""
    path = PurePath(name)
    if part.unit == "blocks":
        return f"{path.stem}.b{part.start + 1:05d}-{part.end:05d}{path.suffix}"
    return f"{path.stem}.p{part.start + 1:04d}-{part.end:04d}{path.suffix}"


def merge_part_data(parts: list[tuple[Part, dict[str, Any]]], file_name: str) -> dict[str, Any]:
    """One ``data`` object from the parts' answers: global page numbers, one Markdown, one
    catalog; ``task_id`` lists the parts' task ids joined by ``+``. A PDF part's pages
    start at its first page; a Word part's pages follow those of the parts before it."""
    pages: list[dict[str, Any]] = []
    markdown: list[str] = []
    catalog: list[Any] = []
    images: list[Any] = []
    task_ids: list[str] = []
    has_markdown = False
    following = 0  # pages so far (where a Word part starts)
    for part, data in parts:
        result = data.get("result") or {}
        outputs = result.get("outputs") or {}
        doc = outputs.get("json")
        if isinstance(doc, str):
            doc = json.loads(doc)
        offset = part.start if part.unit == "pages" else following
        own = (doc or {}).get("pages") or []
        for page in own:
            moved = copy.copy(page)
            moved["page_num"] = int(page.get("page_num", 0)) + offset
            pages.append(moved)
        counted = (data.get("metadata") or {}).get("page_num")
        following = offset + max(len(own), counted if isinstance(counted, int) else 0)
        if isinstance(outputs.get("markdown"), str):
            has_markdown = True
            markdown.append(outputs["markdown"])
        catalog.extend(_shift_catalog(result.get("catalog") or [], offset))
        images.extend(result.get("imgs") or [])
        task_ids.append(str(data.get("task_id") or ""))
    total = max(following, max((p.end for p, _ in parts if p.unit == "pages"), default=0))
    merged_outputs: dict[str, Any] = {"json": {"pages": pages}}
    if has_markdown:
        merged_outputs["markdown"] = "\n\n".join(markdown)
    first = parts[0][1] if parts else {}
    meta = dict(first.get("metadata") or {})
    meta["page_num"] = total
    return {
        "task_id": "+".join(task_ids),
        "status": "SUCCESS",
        "file_name": file_name,
        "metadata": meta,
        "result": {
            "file_name": file_name,
            "imgs": images,
            "catalog": catalog,
            "outputs": merged_outputs,
        },
    }


def _shift_catalog(nodes: list[Any], offset: int) -> list[Any]:
    out = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        moved = dict(node)
        if isinstance(node.get("page_num"), int):
            moved["page_num"] = node["page_num"] + offset
        moved["children"] = _shift_catalog(node.get("children") or [], offset)
        out.append(moved)
    return out
