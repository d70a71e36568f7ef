"""Pages written vertically (縦書き): CJK text in columns read top to bottom, the columns
right to left, often in tiers (段) down the page, as Japanese gazettes, novels and
newspapers are set.

The text layer draws such a column as upright glyphs one under the other: each glyph is a
word of its own, a column a tall narrow paragraph, and the page's columns came out in no
reading order. A page whose CJK text is mostly in such columns is read turned a quarter
(counter-clockwise, in the words' coordinates): a column becomes a line read left to
right, the rightmost column the top line, a tier a column of lines. The page's usual
reading (paragraphs, columns, titles) then runs unchanged, and its blocks are turned
back into the page's frame. What is not written in columns is read in the page's frame:
its ruled tables (their text set across), its drawn figures, and its lines set across (a
running header, a page number, a note), which are paragraphs of their own placed among
the columns' blocks by their top.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from ._blocks import Box, FoundTable, make_block, px
from ._text import caption_kind, is_cjk, join_lines
from ._words import inside
from .pdf_lines import lines_of, para_box, paragraphs_of
from .pdf_pages import flow_words

__all__ = ["MIN_VERTICAL_CHARS", "Turn", "TurnedPage", "running_lines", "vertical_page"]

Read = tuple[Box, list[tuple[Box, str]]]  # text read in a picture: (picture, [(box, text)])
MIN_VERTICAL_CHARS = 30  # CJK characters in columns: fewer is a label, not a page's text
VERTICAL_SHARE = 0.5  # of the page's CJK characters, in columns of three glyphs or more
_RUN = 3  # words one under the other that make a column
_GAP = 1.0  # of the type size: a wider gap down a column is a space
_BAND = 0.08  # of the page's height: the bands of running heads and feet
_DIGITS = re.compile(r"[0-9０-９]")
# "12", "- 12 -", "（１２）", "第12頁": a page number alone
_PAGE_NUMBER = re.compile(r"^[\s\-–—(（]*(?:第\s*)?[0-9０-９]{1,4}(?:\s*[頁页])?[\s\-–—)）]*$")


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


def vertical_page(words: Sequence[dict[str, Any]], least: int = MIN_VERTICAL_CHARS) -> bool:
    """Whether most of the page's CJK text (at least ``least`` characters) stands in
    columns of :data:`_RUN` glyphs or more."""
    cjk = sum(len(w["text"]) for w in words if is_cjk(w["text"]))
    if cjk < least:
        return False
    down = sum(
        sum(len(w["text"]) for w in words[start:end])
        for start, end in _runs(words)
        if end - start >= _RUN and is_cjk("".join(w["text"] for w in words[start:end]))
    )
    return down >= least and down >= VERTICAL_SHARE * cjk


def masked(text: str) -> str:
    """A line's text with its digits masked: a running line changes only its numbers."""
    return _DIGITS.sub("#", text)


def running_lines(turns: list[Turn], body: float) -> set[str]:
    """The texts (digits masked) of the lines set across in the top or bottom band that
    come back on two pages written in columns or more: a gazette's running head."""
    pages: dict[str, int] = {}
    for turn in turns:
        for text in {masked(t) for _, t, band in turn.across_paragraphs(body) if band}:
            pages[text] = pages.get(text, 0) + 1
    return {text for text, count in pages.items() if count >= 2}


class TurnedPage(NamedTuple):
    """A page written in columns, in the turned frame."""

    words: list[dict[str, Any]]  # its columns, each a line's word
    tables: list[FoundTable]  # its ruled tables, read in the page's frame
    figures: list[Box]  # its drawn figures
    labels: list[Read]  # per drawn figure, its labels' blocks


class Turn:
    """A quarter turn counter-clockwise of a page ``width`` wide and ``height`` high (in
    points): ``x0, top, x1, bottom`` becomes ``top, width - x1, bottom, width - x0``."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.across: list[dict[str, Any]] = []  # words of lines set across (page's frame)
        self._paragraphs: list[tuple[Box, str, str | None]] | None = None

    def page(
        self,
        found: list[dict[str, Any]],
        tables: list[FoundTable],
        images: list[Box],
        drawing: Any,
    ) -> TurnedPage:
        """The page's words turned; its tables (but those whose text is in columns: a
        block of columns read as aligned words) and its drawn figures (a
        :class:`~.pdf_drawings.PageDrawing`) found in its own frame, then turned."""
        kept = [t for t in tables if not vertical_page([w for w in found if inside(w, t.box)], 1)]
        flow = flow_words(found, kept)
        copies = [{**w, "_at": n} for n, w in enumerate(flow)]  # lines_of may join words
        drawn = drawing.figures(lines_of(copies), [t.box for t in kept] + images)
        left = {w["_at"] for line in drawn.lines for w in line.words}  # not a figure's label
        return TurnedPage(
            self.words([w for n, w in enumerate(flow) if n in left]),
            [t._replace(box=self.box(t.box)) for t in kept],
            self.boxes(drawn.figures),
            self.read(drawn.labels),
        )

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
        gap down it as a space); the words of lines set across are kept apart, as they
        are (:attr:`across`), and a glyph alone is a column of one."""
        out: list[dict[str, Any]] = []
        across: list[dict[str, Any]] = []  # a horizontal line's words so far

        def flush() -> None:
            if len(across) == 1 and _glyph(across[0]):
                out.append(self._word(across, ""))
            else:
                self.across += across
            across.clear()

        for start, end in _runs(words):
            run = list(words[start:end])
            if len(run) == 1:
                if across and not _beside(across[-1], run[0]):
                    flush()
                across.append(run[0])
                continue
            flush()
            piece = [run[0]]
            for word in run[1:]:
                if _below(piece[-1], word):
                    piece.append(word)
                else:
                    out.append(self._word(piece, ""))
                    piece = [word]
            out.append(self._word(piece, ""))
        flush()
        return out

    def across_paragraphs(self, body: float) -> list[tuple[Box, str, str | None]]:
        """The paragraphs of the lines set across: (box, text, ``header`` or ``footer``
        when it lies in the top or bottom 8% of the page)."""
        if self._paragraphs is None:
            self._paragraphs = []
            for para in paragraphs_of(lines_of(self.across), body) if self.across else ():
                box = para_box(para)
                band = "header" if box[3] < _BAND * self.height else None
                band = "footer" if box[1] > (1 - _BAND) * self.height else band
                self._paragraphs.append((box, join_lines([x.text for x in para]), band))
        return self._paragraphs

    def with_across(
        self, blocks: list[dict[str, Any]], body: float, running: set[str], keep: bool
    ) -> list[dict[str, Any]]:
        """The page's ``blocks`` (in its frame) with its lines set across as paragraphs,
        each before the first block below its top. One in the top or bottom band that is
        a page number, or whose text (digits masked) is in ``running``, is a running line:
        a ``header`` or ``footer`` kept only when asked to (``keep``)."""
        out = list(blocks)
        for box, text, band in self.across_paragraphs(body):
            if band and (_PAGE_NUMBER.match(text) or masked(text) in running):
                if not keep:
                    continue
                kind = band
            else:
                kind = caption_kind(text) or "text"
            block = make_block(0, kind, box, text)
            top = block["bbox"][1]
            slot = next((n for n, b in enumerate(out) if b["bbox"][1] > top), len(out))
            out.insert(slot, block)
        return [{**block, "idx": n} for n, block in enumerate(out)]

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
