"""Pages written vertically (縦書き): CJK text in columns read top to bottom, the columns
right to left, often in tiers (段) down the page, as Japanese gazettes, novels and
newspapers are set.

The text layer draws such a column as upright glyphs one under the other: each glyph is a
word of its own, a column a tall narrow paragraph, and the page's columns came out in no
reading order. A page whose CJK text is mostly in such columns is read turned a quarter
(counter-clockwise, in the words' coordinates): a column becomes a line read left to
right, the rightmost column the top line, a tier a column of lines. The page's usual
reading (paragraphs, columns, titles) then runs unchanged, and its blocks are turned
back into the page's frame. A horizontal line on such a page (a running header, a
heading set across) is kept whole, as one word, and turned with the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._blocks import Box, px
from ._text import is_cjk

__all__ = ["MIN_VERTICAL_CHARS", "Turn", "vertical_page"]

Read = tuple[Box, list[tuple[Box, str]]]  # text read in a picture: (picture, [(box, text)])
MIN_VERTICAL_CHARS = 30  # CJK characters in columns: fewer is a label, not a page's text
VERTICAL_SHARE = 0.5  # of the page's CJK characters, in columns of three glyphs or more
_RUN = 3  # words one under the other that make a column
_GAP = 1.0  # of the type size: a wider gap down a column is a space


def _size(word: dict[str, Any]) -> float:
    size = float(word.get("size") or 0.0)
    return size if size > 0 else float(word["bottom"]) - float(word["top"])


def _below(upper: dict[str, Any], lower: dict[str, Any], gap: float = _GAP) -> bool:
    """Whether ``lower`` is the next glyph down ``upper``'s column (the text layer's order)."""
    size = max(_size(upper), _size(lower), 1.0)
    left, right = (
        max(float(upper["x0"]), float(lower["x0"])),
        min(float(upper["x1"]), float(lower["x1"])),
    )
    narrow = min(float(upper["x1"]) - float(upper["x0"]), float(lower["x1"]) - float(lower["x0"]))
    if narrow <= 0 or right - left < 0.5 * narrow:
        return False
    step = float(lower["top"]) - float(upper["top"])
    return 0.3 * size <= step and float(lower["top"]) - float(upper["bottom"]) <= gap * size


def _narrow(word: dict[str, Any]) -> bool:
    """One or two glyphs wide: a column's glyph (punctuation may share its cell)."""
    return float(word["x1"]) - float(word["x0"]) <= 1.5 * _size(word)


def _glyph(word: dict[str, Any]) -> bool:
    return bool(word["upright"]) and _narrow(word)


def _runs(words: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(start, end) of each run of upright, narrow words one under the other."""
    runs = []
    start = 0
    for end in range(1, len(words) + 1):
        down = end < len(words) and _glyph(words[end]) and _glyph(words[end - 1])
        if down and _below(words[end - 1], words[end], gap=4 * _GAP):
            continue
        runs.append((start, end))
        start = end
    return runs


def vertical_page(words: Sequence[dict[str, Any]]) -> bool:
    """Whether most of the page's CJK text (at least :data:`MIN_VERTICAL_CHARS`
    characters) stands in columns of :data:`_RUN` glyphs or more."""
    cjk = sum(len(w["text"]) for w in words if is_cjk(w["text"]))
    if cjk < MIN_VERTICAL_CHARS:
        return False
    down = sum(
        sum(len(w["text"]) for w in words[start:end])
        for start, end in _runs(words)
        if end - start >= _RUN and is_cjk("".join(w["text"] for w in words[start:end]))
    )
    return down >= MIN_VERTICAL_CHARS and down >= VERTICAL_SHARE * cjk


class Turn:
    """A quarter turn counter-clockwise of a page ``width`` wide (points or pixels, as the
    boxes given): ``x0, top, x1, bottom`` becomes ``top, width - x1, bottom, width - x0``."""

    def __init__(self, width: float) -> None:
        self.width = width

    def box(self, box: Sequence[float]) -> tuple[float, float, float, float]:
        x0, top, x1, bottom = (float(v) for v in box)
        return (top, self.width - x1, bottom, self.width - x0)

    def boxes(self, boxes: Sequence[Sequence[float]]) -> list[Box]:
        return [self.box(b) for b in boxes]

    def read(
        self, texts: list[tuple[Box, list[tuple[Box, str]]]]
    ) -> list[tuple[Box, list[tuple[Box, str]]]]:
        """Text read in pictures (picture, [(box, text)]), turned."""
        return [(self.box(pic), [(self.box(b), t) for b, t in found]) for pic, found in texts]

    def blocks(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Blocks of the turned page back in the page's frame (a figure's picture too)."""
        width = px(self.width)
        out = []
        for turned in blocks:
            x0, top, x1, bottom = turned["bbox"]
            box = [width - bottom, x0, width - top, x1]
            block = {**turned, "bbox": box}
            if block.get("img_url"):
                head = str(block["img_url"]).rsplit("/", 1)[0]
                block["img_url"] = f"{head}/{','.join(str(v) for v in box)}.png"
            out.append(block)
        return out

    def words(self, words: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's ``words`` in the turned frame: a column's glyphs as one word (a wide
        gap down it as a space), the words of a horizontal line as one word."""
        out = []
        across: list[dict[str, Any]] = []  # a horizontal line's words so far
        for start, end in _runs(words):
            run = list(words[start:end])
            if len(run) == 1:
                if across and not _beside(across[-1], run[0]):
                    out.append(self._word(across, " "))
                    across = []
                across.append(run[0])
                continue
            if across:
                out.append(self._word(across, " "))
                across = []
            piece = [run[0]]
            for word in run[1:]:
                if _below(piece[-1], word):
                    piece.append(word)
                else:
                    out.append(self._word(piece, ""))
                    piece = [word]
            out.append(self._word(piece, ""))
        if across:
            out.append(self._word(across, " "))
        return out

    def _word(self, words: list[dict[str, Any]], separator: str) -> dict[str, Any]:
        x0, top, x1, bottom = self.box(
            (
                min(float(w["x0"]) for w in words),
                min(float(w["top"]) for w in words),
                max(float(w["x1"]) for w in words),
                max(float(w["bottom"]) for w in words),
            )
        )
        return {
            **words[0],
            "text": separator.join(w["text"] for w in words),
            "x0": x0,
            "top": top,
            "x1": x1,
            "bottom": bottom,
            "size": max(_size(w) for w in words),
        }


def _beside(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether ``right`` follows ``left`` on one horizontal line."""
    size = max(_size(left), _size(right), 1.0)
    same = abs(float(right["bottom"]) - float(left["bottom"])) <= 0.3 * size
    gap = float(right["x0"]) - float(left["x1"])
    return same and -0.3 * size <= gap <= 3 * size
