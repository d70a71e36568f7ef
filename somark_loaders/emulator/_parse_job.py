"""One parse, as a worker process runs it: a stored upload -> the task's result object.

Everything a check or a download later serves is built here, once: the result object
(``outputs.markdown``, ``outputs.json``, the catalog, image URLs or base64 crops) as JSON
text, and the zip output. The task's own file URL is not known to the worker's result
(a memoised result serves other tasks of the same content): they are written as
:data:`FILES` and :data:`NAME` and the service puts the task's own in their place.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import engines, pdf, pictures

logger = logging.getLogger("somark_loaders.emulator")

FILES = "@@somark-emulator-files@@"  # the task's file URL, filled in by the service
NAME = "@@somark-emulator-file-name@@"  # the task's file name, filled in by the service


@dataclass(frozen=True)
class Job:
    """What a worker needs to parse one upload (picklable, small)."""

    path: str
    ext: str
    sha256: str
    file_name: str
    options: str  # the task's options as sorted JSON (hashable, one memo key)

    @property
    def key(self) -> tuple[str, str, str]:
        """Memo key: what determines the result (not the path, not the task)."""
        return (self.sha256, self.ext, self.options)


@dataclass(frozen=True)
class Parsed:
    """A finished parse: the result object as JSON text (with :data:`FILES`) and the zip
    output, or why the file could not be parsed."""

    result: str | None = None
    zip: bytes | None = None
    error: str | None = None


def run(job: Job, hook: Callable[[Job], None] | None = None) -> Parsed:
    """Parse ``job`` (the worker's entry point). ``hook`` runs first (tests use it to hold
    a parse, count parses or crash a worker)."""
    if hook is not None:
        hook(job)
    try:
        return _parse(job)
    except engines.EngineError as err:
        return Parsed(error=str(err))
    except Exception as err:  # a bug in an engine must not become an HTTP 500
        logger.exception("Extraction of %s failed", job.file_name)
        return Parsed(error=f"Internal extraction error ({type(err).__name__}).")


def _parse(job: Job) -> Parsed:
    opts: dict[str, Any] = json.loads(job.options)
    path = Path(job.path)
    features, elements = opts["feature_config"], opts["element_formats"]
    image_mode = elements["image"]
    extract_options = engines.ExtractOptions(
        title_levels=features["enable_title_level_recognition"],
        keep_header_footer=features["keep_header_footer"],
        table_mode=elements["table"],
        table_cross_page=features["enable_table_cross_page"],
        text_cross_page=features["enable_text_cross_page"],
    )
    pages = engines.extract(path, job.ext, extract_options, sha256=job.sha256)
    _resolve_images(path, job.ext, pages, image_mode)
    outputs: dict[str, Any] = {}
    formats = opts["output_formats"]
    markdown = engines.to_markdown(pages)
    if "markdown" in formats:
        outputs["markdown"] = markdown
    if "json" in formats:
        outputs["json"] = {"pages": pages}
    packed = None
    if "zip" in formats:
        outputs["zip"] = f"{FILES}/result.zip"
        packed = _zip(markdown)
    images = [
        b["img_url"] for p in pages for b in p["blocks"] if b.get("img_url", "").startswith(FILES)
    ]
    data: dict[str, Any] = {"file_name": NAME, "imgs": images, "outputs": outputs}
    if features["enable_title_level_recognition"]:
        data["catalog"] = engines.catalog(pages)
    return Parsed(result=json.dumps(data, ensure_ascii=False, sort_keys=True), zip=packed)


def _resolve_images(path: Path, ext: str, pages: list[dict[str, Any]], mode: str) -> None:
    """Fill the engines' image placeholders: a URL the emulator serves, a base64 data
    URI, or nothing (``element_formats.image`` = none or file)."""
    prefix = engines.IMAGE_URL_PREFIX
    for page in pages:
        for block in page["blocks"]:
            url = block.get("img_url", "")
            if not url.startswith(prefix):
                continue
            name = url[len(prefix) :]
            if mode == "url":
                block["img_url"] = f"{FILES}/{name}"
            elif mode == "base64":
                data = base64.b64encode(crop(path, ext, name) or b"").decode()
                block["img_url"] = f"data:{pictures.mime_type(name)};base64,{data}"
            else:
                block["img_url"] = ""


def crop(path: Path, ext: str, name: str) -> bytes | None:
    """The picture behind ``img/<page>/<name>`` (see ``pictures.py``): a crop of a PDF
    page or of an image, or an Office file's own picture."""
    try:
        _img, page, own = name.split("/")
    except ValueError:
        return None
    if ext in engines.IMAGE_EXTENSIONS:
        return pictures.image_crop(path, own)
    if ext != ".pdf":
        return pictures.serve(path, own)
    try:
        number, coords = int(page), tuple(int(v) for v in own.removesuffix(".png").split(","))
    except ValueError:
        return None
    if len(coords) != 4:
        return None
    return pdf.render_crop(path, number, coords)


def _zip(markdown: str) -> bytes:
    """The zip output: ``main.md`` (images are not packed by the emulator yet)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main.md", markdown)
    return buffer.getvalue()
