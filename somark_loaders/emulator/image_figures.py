"""Pictures inside an image file: the regions that hold a photo, a drawing or a chart.

SoMark gives a ``figure`` block, with a crop of its own, for each picture on a page it
reads. The emulator finds them on a coarse grid of the image: a cell holds something
when its grey levels vary (texture, strokes) or when it is much darker or lighter than
the page around it. Cells that touch make regions; a region is a picture when it is
large, mostly filled, and mostly not under what OCR read (text lines, tables). Its box
leaves out the text cells at its edges (a caption set against the picture), so the crop
is the picture. The words OCR read inside a picture stay text blocks, after its figure.

A few milliseconds an image (numpy on a grid of at most ``GRID`` cells a side): reading
text images by OCR is not slowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["picture_boxes"]

GRID = 96  # cells along the image's longer side
MIN_CELL = 4  # pixels: a finer grid sees the gaps between letters
VARIED = 12.0  # grey-level standard deviation of a cell that holds texture or strokes
TONE = 48.0  # grey levels from the page's own tone of a cell filled with colour
EDGE = 16.0  # grey levels from the page's tone of a pixel on a picture's edge
MIN_CELLS = 6  # a picture spans at least this many cells each way
MIN_SHARE = 0.02  # of the image's area
MIN_FILL = 0.5  # of its box's cells hold something (a frame around text does not)
MAX_TEXT = 0.5  # of its cells under OCR's text: more, and it is a paragraph or a table


def picture_boxes(image: Any, blocks: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Boxes (pixels ``[x1, y1, x2, y2]``) of the pictures in a PIL ``image`` whose text
    OCR read into ``blocks``, top to bottom."""
    import numpy as np

    gray = np.asarray(image.convert("L"), dtype=np.float32)
    height, width = gray.shape
    cell = max(MIN_CELL, -(-max(width, height) // GRID))
    rows, cols = height // cell, width // cell
    if rows < MIN_CELLS or cols < MIN_CELLS:
        return []
    tiles = gray[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell)
    means = tiles.mean(axis=(1, 3))
    spread = (tiles * tiles).mean(axis=(1, 3)) - means * means  # variance, fast on a view
    busy = (spread > VARIED * VARIED) | (np.abs(means - np.median(means)) > TONE)
    text = np.zeros_like(busy)
    for block in blocks:
        x0, y0, x1, y1 = (int(v) for v in block["bbox"])
        text[y0 // cell : -(-y1 // cell), x0 // cell : -(-x1 // cell)] = True
    if (busy & ~text).sum() < MIN_CELLS * MIN_CELLS * MIN_FILL:
        return []  # too little outside the text for a picture (most pages of text)
    own = busy & ~text
    counts = np.pad(own.cumsum(axis=1), ((0, 0), (1, 0))).tolist()  # own cells before col
    found = []
    for runs in _regions(busy):
        mine = sum(counts[r][c1] - counts[r][c0] for r, c0, c1 in runs)
        if mine < (1 - MAX_TEXT) * sum(c1 - c0 for _, c0, c1 in runs):
            continue
        if mine < MIN_CELLS * MIN_CELLS * MIN_FILL:
            continue
        mask = np.zeros_like(own)
        for r, c0, c1 in runs:
            mask[r, c0:c1] = own[r, c0:c1]
        marked_rows, marked_cols = mask.any(axis=1).nonzero()[0], mask.any(axis=0).nonzero()[0]
        r0, r1 = int(marked_rows[0]), int(marked_rows[-1]) + 1
        c0, c1 = int(marked_cols[0]), int(marked_cols[-1]) + 1
        cells = (r1 - r0) * (c1 - c0)
        if (
            r1 - r0 < MIN_CELLS
            or c1 - c0 < MIN_CELLS
            or cells < MIN_SHARE * rows * cols
            or mine < MIN_FILL * cells
        ):
            continue
        box = (c0 * cell, r0 * cell, min(c1 * cell, width), min(r1 * cell, height))
        found.append(_tight(gray, box, float(np.median(means))))
    return sorted(found, key=lambda box: (box[1], box[0]))


def _tight(gray: Any, box: tuple[int, int, int, int], tone: float) -> list[int]:
    """``box`` (whole cells) without its rows and columns of the page's own tone: the
    picture's own edges, to the pixel."""
    x0, y0, x1, y1 = box
    marked = abs(gray[y0:y1, x0:x1] - tone) > EDGE
    rows, cols = marked.any(axis=1).nonzero()[0], marked.any(axis=0).nonzero()[0]
    if len(rows) == 0 or len(cols) == 0:
        return list(box)
    return [x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1]


def _regions(busy: Any) -> list[list[tuple[int, int, int]]]:
    """The groups of busy cells that touch (sides or corners), each as its runs of busy
    cells along rows: ``(row, first column, end column)``."""
    import numpy as np

    runs: list[tuple[int, int, int]] = []
    parent: list[int] = []

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    above: list[int] = []  # the runs of the row before, left to right
    for row, line in enumerate(busy):
        edges = np.flatnonzero(np.diff(line, prepend=False, append=False)).tolist()
        here = []
        k = 0
        for first, end in zip(edges[::2], edges[1::2], strict=True):
            index = len(runs)
            runs.append((row, first, end))
            parent.append(index)
            here.append(index)
            while k < len(above) and runs[above[k]][2] < first:  # ends left of this run
                k += 1
            j = k
            while j < len(above) and runs[above[j]][1] <= end:  # touches, corners too
                parent[root(above[j])] = root(index)
                j += 1
        above = here
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(root(index), []).append(run)
    return list(groups.values())
