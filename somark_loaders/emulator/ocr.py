"""Offline OCR for the emulator: images, and PDF pages without a text layer.

SoMark is an OCR service; its local copy reads pictures of text too. The engine is
RapidOCR on onnxruntime (extra ``ocr``: ``pip install "somark-loaders[ocr]"``), whose
models (Chinese and English) ship inside the wheel: nothing is downloaded at run time.
Without it, a file that needs OCR fails its task with a message that says what to
install; the emulator never returns an empty success for a page it could not read.

Recognised lines are grouped into blocks as a reader would: a line's pieces side by side
are joined, lines close below each other with a shared left edge form one paragraph, and
a larger gap, a paragraph's short last line, an indented first line or a short heading
over its body starts a new block (:mod:`.ocr_paragraphs`). Coordinates stay the image's
pixels.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from dataclasses import dataclass
from statistics import median
from typing import Any

__all__ = ["OCR_MISSING", "OcrLine", "available", "read_lines", "set_threads", "to_blocks"]

OCR_MISSING = (
    "This page is an image and the emulator has no OCR engine: install the extra "
    '(pip install "somark-loaders[ocr]", which brings rapidocr-onnxruntime; its models '
    "ship inside the wheel) and parse again."
)

logger = logging.getLogger("somark_loaders.emulator")

_ENGINE: Any = None
_LOCK = threading.Lock()  # one recognition at a time: onnxruntime already uses the cores
_THREADS: int | None = None  # onnxruntime threads per recognition; None: one per core


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: its box (pixels) and text."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str

    @property
    def height(self) -> float:
        return self.bottom - self.top


def available() -> bool:
    """Whether the OCR extra is installed."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def set_threads(count: int | None) -> None:
    """The threads each recognition of this process may use (``None``: one per core).
    A parse worker among several takes its share of the cores: the others' recognitions
    run beside it, and onnxruntime's threads, more than the cores, spin waiting for each
    other (the same lines are read, in more time). The next recognition loads the model
    with it."""
    global _ENGINE, _THREADS
    with _LOCK:
        if count != _THREADS:
            _THREADS, _ENGINE = count, None


def _engine() -> Any:
    global _ENGINE  # noqa: PLW0603 - one model load per process (about a second)
    if _ENGINE is None:
        from .ocr_engine import build

        try:
            _ENGINE = build(_THREADS)
        except (AttributeError, TypeError, ValueError) as err:  # a RapidOCR of other insides
            from rapidocr_onnxruntime import RapidOCR

            logger.warning(
                "OCR runs with RapidOCR's own settings (%s: %s).", type(err).__name__, err
            )
            _ENGINE = RapidOCR()
    return _ENGINE


def read_lines(image: Any, *, min_score: float = 0.5) -> list[OcrLine]:
    """The text lines of a PIL image, in reading order (top to bottom, left to right).

    Raises:
        RuntimeError: the OCR extra is not installed (message: :data:`OCR_MISSING`).
    """
    if not available():
        raise RuntimeError(OCR_MISSING)
    import numpy as np

    from .ocr_ink import widen_lines
    from .ocr_words import part_glued

    rgb = image.convert("RGB")
    if _one_colour(rgb):  # a blank page or picture: nothing to read, and no model to run
        return []
    # RapidOCR reads BGR, as OpenCV. In one block of memory: OpenCV copies a reversed view
    # whole each time it reads it, once for every line it crops (15x the crops' CPU).
    pixels = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    kept: list[tuple[tuple[float, float, float, float], str]] = []
    with _LOCK:
        found, _elapsed = _engine()(pixels, return_word_box=True)
        for box, text, score, *chars in found or ():
            if float(score) < min_score or not str(text).strip():
                continue
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            spaced = latin_marks(with_spaces(str(text), chars[0] if chars else []))
            kept.append(((min(xs), min(ys), max(xs), max(ys)), spaced.strip()))
        gray = np.asarray(image.convert("L"))
        texts = widen_lines(
            gray, [b for b, _ in kept], [t for _, t in kept], _recognise, min_score=min_score
        )
    texts = part_glued(texts)
    lines = [OcrLine(*box, text) for (box, _), text in zip(kept, texts, strict=True)]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _one_colour(rgb: Any) -> bool:
    """Whether every pixel of an RGB image is the same: an image without text, which
    the engine reads as nothing (about a second for a blank page at 150 DPI)."""
    return all(low == high for low, high in rgb.getextrema())


def _recognise(gray: Any) -> tuple[str, float] | None:
    """The recogniser's reading of one grey crop (no detection), with its score."""
    import numpy as np

    found, _elapsed = _engine()(np.stack([gray] * 3, axis=-1), use_det=False, use_cls=False)
    if not found:
        return None
    text, score = found[0][0], found[0][1]
    return str(text), float(score)


# Advance widths of Latin glyphs (Helvetica, 1/1000 em); others count as 556.
_WIDTHS = {
    **dict(
        zip(
            "abcdefghijklmnopqrstuvwxyz",
            (
                556,
                556,
                500,
                556,
                556,
                278,
                556,
                556,
                222,
                222,
                500,
                222,
                833,
                556,
                556,
                556,
                556,
                333,
                500,
                278,
                556,
                500,
                722,
                500,
                500,
                500,
            ),
            strict=True,
        )
    ),
    **dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            (
                667,
                667,
                722,
                722,
                667,
                611,
                778,
                722,
                278,
                500,
                667,
                556,
                833,
                722,
                778,
                667,
                778,
                722,
                667,
                611,
                722,
                667,
                944,
                667,
                667,
                611,
            ),
            strict=True,
        )
    ),
    **{c: 278 for c in ".,:;/!'|"},
    **{c: 333 for c in "()[]-"},
}
_NO_SPACE_BEFORE = set(",.;:!?%)]}'\"’”")
_NO_SPACE_AFTER = set("([{‘“")
_TOKEN = re.compile(r"\S+")
GAP_IN_RUN = 1.6  # a step this much wider than usual splits a long run of glued words
GAP_IN_WORD = 2.0  # ... and any other word
_LONG_RUN = 10  # characters
_FEW_SPACES = 0.1  # spaces per character under which a line has lost its spaces


def _width(char: str) -> float:
    """A glyph's width relative to an average one, softened: the recogniser places
    characters on a coarse grid, so narrow and wide glyphs differ less than in type."""
    return 1.0 + 0.5 * (_WIDTHS.get(char, 556) / 556 - 1.0)


_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！ to ～
_FULL_WIDTH.update({0x3002: ord("."), 0x3001: ord(",")})  # 。、: a Latin line's stop, comma


def latin_marks(text: str) -> str:
    """A line without CJK characters with its full-width marks as ASCII ones: the
    recogniser, which reads Chinese too, writes ``include:（a)``, ``service"，`` or
    ``d。 Tighten`` in Latin text (a line with CJK characters keeps them, as Chinese
    sets them)."""
    if _HAN_OR_KANA.search(text) or not any(ord(c) in _FULL_WIDTH for c in text):
        return text
    return text.translate(_FULL_WIDTH)


def with_spaces(text: str, boxes: list[Any]) -> str:
    """``text`` with the spaces the recogniser dropped put back where its characters'
    positions (``boxes``, one per character) leave a wide step: glued English words
    (``Therulesinthissubchapter``, ``within30``) are split, words keep their letters.

    The step between two neighbours is the distance of their centres over their
    expected widths; a step about twice the line's usual one is a space. Runs of ten
    or more characters in a line that has few spaces left are split more readily.
    CJK text (no spaces between words) and vertical lines are left as they are."""
    if len(boxes) != len(text) or len(text) < 3 or any(_is_ideograph(c) for c in text):
        return text
    centres = [sum(float(p[0]) for p in box) / len(box) for box in boxes]
    steps = {
        i: (centres[i + 1] - centres[i]) / ((_width(text[i]) + _width(text[i + 1])) / 2)
        for i in range(len(text) - 1)
        if not text[i].isspace() and not text[i + 1].isspace()
    }
    # never before closing punctuation or after an opening one
    apart = {
        i for i in steps if text[i + 1] not in _NO_SPACE_BEFORE and text[i] not in _NO_SPACE_AFTER
    }
    if len(steps) < 2 or median(steps.values()) <= 0:
        return text
    usual = median(steps.values())
    glued = text.count(" ") < _FEW_SPACES * len(text)
    wide: set[int] = set()
    for token in _TOKEN.finditer(text):
        long_run = glued and token.end() - token.start() >= _LONG_RUN
        limit = GAP_IN_RUN if long_run else GAP_IN_WORD
        wide.update(
            i
            for i in range(token.start(), token.end() - 1)
            if i in apart and steps[i] > limit * usual
        )
    return "".join(c + " " if i in wide else c for i, c in enumerate(text))


def _rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines whose vertical middles align form one visual row (left to right)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.top + item.bottom) / 2):
        middle = (line.top + line.bottom) / 2
        if rows:
            last = rows[-1]
            last_middle = median((item.top + item.bottom) / 2 for item in last)
            if abs(middle - last_middle) < 0.5 * median(item.height for item in last):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda item: item.x0) for row in rows]


def _joined(row: list[OcrLine]) -> str:
    parts = [row[0].text]
    for before, after in itertools.pairwise(row):
        cjk = _is_cjk(before.text[-1:]) and _is_cjk(after.text[:1])
        close = after.x0 - before.x1 < 0.3 * max(before.height, 1.0)
        parts.append(after.text if cjk and close else " " + after.text)
    return "".join(parts)


def _is_ideograph(char: str) -> bool:
    return "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"


def _is_cjk(char: str) -> bool:
    return bool(char) and ("\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef")


def to_blocks(lines: list[OcrLine], *, titles: bool = False) -> list[dict[str, Any]]:
    """SoMark ``text`` blocks (``idx`` from 0) from recognised lines, in reading order:
    on a page set in columns, each column's lines make its own paragraphs. With
    ``titles`` (a page read whole, not the words inside a picture), a short heading
    over body text is a ``title`` block with its ``title_level``
    (:mod:`.ocr_paragraphs`)."""
    from .ocr_columns import gutters, parts
    from .ocr_paragraphs import paragraph_groups, title_levels

    if not lines:
        return []
    height = median(line.height for line in lines)
    items = [(line.x0, line.top, line.x1, line.bottom, line.text) for line in lines]
    groups: list[list[list[OcrLine]]] = []
    for part in parts(items, gutters(items)):
        rows = _rows([lines[i] for i in part])
        texts = [_joined(row) for row in rows]
        groups += [[rows[i] for i in group] for group in paragraph_groups(rows, texts, height)]
    contents = [_paragraph([_joined(row) for row in group]) for group in groups]
    levels = (
        title_levels(
            [
                (text, len(g), median(line.height for line in g[0]))
                for text, g in zip(contents, groups, strict=True)
            ],
            height,
        )
        if titles
        else {}
    )
    blocks = []
    for index, (group, text) in enumerate(zip(groups, contents, strict=True)):
        members = [line for row in group for line in row]
        block: dict[str, Any] = {
            "idx": index,
            "type": "title" if index in levels else "text",
            "bbox": [
                round(min(m.x0 for m in members)),
                round(min(m.top for m in members)),
                round(max(m.x1 for m in members)),
                round(max(m.bottom for m in members)),
            ],
            "content": text,
            "format": "text",
            "captions": [],
            "img_url": "",
            "display": True,
        }
        if index in levels:
            block["title_level"] = levels[index]
        blocks.append(block)
    return blocks


def _paragraph(lines: list[str]) -> str:
    """Wrapped lines joined: no space inside CJK text, a hyphen at a break dropped."""
    text = lines[0]
    for line in lines[1:]:
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        elif _is_cjk(text[-1:]) and _is_cjk(line[:1]):
            text += line
        else:
            text += " " + line
    return text
