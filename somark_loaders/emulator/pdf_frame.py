"""Where pdfplumber's coordinates of a PDF page lie on the page as PDFium renders it.

A block's box is in the pixels of the page's raster (the picture PDFium draws, which the
emulator crops figures from and a user's highlight is drawn on). That raster shows the
page's CropBox cut to its MediaBox, each box normalised (any two opposite corners may be
written: ``[0 0 612 -792]`` and ``[0 792 612 0]`` are the same page as ``[0 0 612 792]``),
from its top left corner, turned by the page's ``/Rotate``.

pdfplumber does not: it takes pdfminer's device space (the MediaBox's *first* corner moved
to the origin, turned by ``/Rotate`` around that corner) and flips it about the MediaBox's
height. On a MediaBox written upside down its ``top`` runs past the page; with a CropBox
smaller than the MediaBox its page is not the rendered one. :class:`PageFrame` undoes
pdfplumber's and pdfminer's steps back to the PDF's own (user) space, then does PDFium's.
"""

from __future__ import annotations

from typing import Any

from ._blocks import Box

__all__ = ["PageFrame"]

Matrix = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _then(first: Matrix, second: Matrix) -> Matrix:
    """``first``, then ``second``."""
    a, b, c, d, e, f = first
    x0, y0 = _apply(second, e, f)
    ox, oy = _apply(second, 0.0, 0.0)
    ax, ay = _apply(second, a, b)
    cx, cy = _apply(second, c, d)
    return ax - ox, ay - oy, cx - ox, cy - oy, x0, y0


def _invert(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return ia, ib, ic, id_, -(ia * e + ic * f), -(ib * e + id_ * f)


def _normalised(box: Any) -> Box:
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _pdfminer_ctm(media: Box, rotate: int) -> Matrix:
    """pdfminer's user space -> device space (``PDFPageInterpreter.process_page``), from
    the MediaBox as written."""
    x0, y0, x1, y1 = media
    if rotate == 90:
        return 0, -1, 1, 0, -y0, x1
    if rotate == 180:
        return -1, 0, 0, -1, x1, y1
    if rotate == 270:
        return 0, 1, -1, 0, y1, -x0
    return 1, 0, 0, 1, -x0, -y0


def _pdfium(visible: Box, rotate: int) -> Matrix:
    """User space -> points of the rendered page, from its top left corner."""
    x0, y0, x1, y1 = visible
    width, height = x1 - x0, y1 - y0
    upright: Matrix = (1, 0, 0, -1, -x0, y1)  # y down from the visible box's top left
    turn: Matrix = {  # clockwise, as the page is shown
        90: (0, 1, -1, 0, height, 0),
        180: (-1, 0, 0, -1, width, height),
        270: (0, -1, 1, 0, 0, width),
    }.get(rotate, (1, 0, 0, 1, 0, 0))
    return _then(upright, turn)


class PageFrame:
    """The rendered page of a pdfplumber ``page``: its size in points and the map from
    pdfplumber's boxes (``x0, top, x1, bottom``) to boxes on it."""

    def __init__(self, page: Any) -> None:
        obj = page.page_obj
        rotate = int(obj.rotate) % 360
        written = tuple(float(v) for v in obj.mediabox)
        media = _normalised(written)
        crop = _normalised(obj.cropbox)
        visible = (
            max(media[0], crop[0]),
            max(media[1], crop[1]),
            min(media[2], crop[2]),
            min(media[3], crop[3]),
        )
        if visible[2] <= visible[0] or visible[3] <= visible[1]:
            visible = media  # a CropBox off the page: PDFium shows the MediaBox
        across, down = visible[2] - visible[0], visible[3] - visible[1]
        self.width, self.height = (down, across) if rotate in (90, 270) else (across, down)
        # pdfplumber (Page.process_object): x = device x + mediabox[0],
        # top = mediabox[3] - device y, its mediabox normalised and flipped
        pl = [float(v) for v in page.mediabox]
        to_device: Matrix = (1, 0, 0, -1, -pl[0], pl[3])
        to_user = _invert(_pdfminer_ctm((written[0], written[1], written[2], written[3]), rotate))
        self._map = _then(_then(to_device, to_user), _pdfium(visible, rotate))
        self._back = _invert(self._map)

    @property
    def size(self) -> tuple[float, float]:
        return self.width, self.height

    @property
    def bounds(self) -> Box:
        return 0.0, 0.0, self.width, self.height

    def box(self, box: Any) -> Box:
        """A pdfplumber box (x0, top, x1, bottom) on the rendered page, in points."""
        return _mapped(self._map, box)

    def back(self, box: Any) -> Box:
        """A box on the rendered page in pdfplumber's coordinates of the page."""
        return _mapped(self._back, box)


def _mapped(m: Matrix, box: Any) -> Box:
    ax, ay = _apply(m, float(box[0]), float(box[1]))
    bx, by = _apply(m, float(box[2]), float(box[3]))
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)
