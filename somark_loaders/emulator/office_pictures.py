"""The pictures of Word and PowerPoint files: which ones, where, and the name each is
served by (``pictures.py``).

* Word: each picture of a paragraph's drawings (``a:blip``) and legacy VML pictures
  (``v:imagedata``), in reading order, at the size Word lays it out (the drawing's
  extent, shrunk to fit the page's text area). A drawing without a picture (a chart, a
  shape) stays one ``figure`` without an image, as before. The alternative content a file
  carries for old readers (``mc:Fallback``) is not counted twice.
* PowerPoint: a picture shape's own image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from .pictures import Media, picture_url

__all__ = ["Picture", "add_figure", "docx_pictures", "shape_picture"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_V = "{urn:schemas-microsoft-com:vml}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_EMU_PER_PX = 914400 / 150  # EMU per pixel at 150 DPI
_POINTS = re.compile(r"(width|height)\s*:\s*([\d.]+)pt")
DEFAULT_LINES = 8  # the room of a drawing of unknown size


@dataclass(frozen=True)
class Picture:
    """A drawing of a Word paragraph: the name its picture is served by (``None``: no
    picture, or one the emulator cannot serve) and its size in pixels (``None``: unknown)."""

    name: str | None
    size: tuple[int, int] | None


def docx_pictures(paragraph: Any, part: Any, media: Media) -> list[Picture]:
    """The drawings of the ``w:p`` element ``paragraph`` of ``part``, in reading order."""
    found: list[Picture] = []
    for element in paragraph.iter(f"{_W}drawing", f"{_W}pict"):
        if any(True for _ in element.iterancestors(_FALLBACK, f"{_W}drawing", f"{_W}pict")):
            continue  # counted with the drawing it is the copy of, or that holds it
        ids = [b.get(f"{_R}embed") for b in element.iter(f"{_A}blip")]
        ids += [v.get(f"{_R}id") for v in element.iter(f"{_V}imagedata")]
        if not ids and element.tag == f"{_W}pict":
            continue  # a VML rule or shape, no picture
        if not ids and any(True for _ in element.iter(f"{_W}txbxContent")):
            continue  # a text box: its text is read as text
        size = _extent(element)
        if not ids:
            found.append(Picture(None, size))
        found += [Picture(_name(part, rid, media), size) for rid in ids]
    return found


def shape_picture(shape: Any, media: Media) -> str | None:
    """The name a PowerPoint picture shape's image is served by (``None``: linked, or a
    format the emulator cannot serve)."""
    try:
        return _name(shape.part, shape._element.blip_rId, media)
    except (AttributeError, KeyError, ValueError):
        return None


class Stack(Protocol):
    """Blocks stacked down pages (``office.Pages``): what a figure needs of it."""

    pages: list[list[dict[str, Any]]]

    def add(
        self,
        kind: str,
        content: str,
        lines: int,
        *,
        size: tuple[int, int] | None = None,
        **extra: Any,
    ) -> int: ...


def add_figure(pages: Stack, picture: Picture, room: tuple[int, int]) -> None:
    """Add a Word picture's ``figure`` below the last block, as large as laid out (no
    larger than ``room``, the text area), with the placeholder of its image."""
    size = None
    if picture.size is not None and min(picture.size) > 0:
        width, height = picture.size
        scale = min(1.0, room[0] / width, room[1] / height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
    idx = pages.add("figure", "", DEFAULT_LINES, size=size)
    if picture.name is not None:
        pages.pages[-1][idx]["img_url"] = picture_url(len(pages.pages) - 1, picture.name)


def _name(part: Any, rid: str | None, media: Media) -> str | None:
    """The served name of the picture ``part`` relates to as ``rid`` (python-docx keeps
    related parts in a mapping, python-pptx looks them up)."""
    if not rid:
        return None
    try:
        if hasattr(part, "related_parts"):
            related = part.related_parts[rid]
        else:
            related = part.related_part(rid)
    except (KeyError, AttributeError):
        return None
    if not hasattr(related, "blob"):
        return None  # a linked picture: no bytes in the file
    return media.name(str(related.partname), related.blob)


def _extent(element: Any) -> tuple[int, int] | None:
    """A drawing's laid-out size in pixels at 150 DPI."""
    extent = element.find(f".//{_WP}extent")
    if extent is not None:
        try:
            cx, cy = int(extent.get("cx")), int(extent.get("cy"))
        except (TypeError, ValueError):
            return None
        return round(cx / _EMU_PER_PX), round(cy / _EMU_PER_PX)
    for shape in element.iter(f"{_V}shape"):  # VML: style="width:120pt;height:80pt"
        sizes = dict(_POINTS.findall(shape.get("style", "")))
        if "width" in sizes and "height" in sizes:
            return round(float(sizes["width"]) * 150 / 72), round(float(sizes["height"]) * 150 / 72)
    return None
