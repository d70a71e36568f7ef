"""Lines and paragraphs of a PDF page's running text, from its words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ._bidi import has_rtl, read_line
from ._text import numbered_kind

_BOLD_MARKERS = ("bold", "medi", "semibold", "black", "heavy", "cmbx", "sfbx", "-bd")


@dataclass
class Line:
    words: list[dict[str, Any]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return float(min(w["x0"] for w in self.words))

    @property
    def x1(self) -> float:
        return float(max(w["x1"] for w in self.words))

    @property
    def top(self) -> float:
        return float(min(w["top"] for w in self.words))

    @property
    def bottom(self) -> float:
        return float(max(w["bottom"] for w in self.words))

    @property
    def size(self) -> float:
        return float(Counter(round(w["size"], 1) for w in self.words).most_common(1)[0][0])

    @property
    def bold(self) -> bool:
        names = [str(w.get("fontname", "")).lower() for w in self.words]
        return sum(any(m in n for m in _BOLD_MARKERS) for n in names) > len(names) / 2

    @property
    def text(self) -> str:
        line = " ".join(w["text"] for w in self.words)
        if not has_rtl(line):
            return line
        seen = sorted(self.words, key=lambda w: float(w["x0"]))  # Arabic may be drawn leftwards
        return read_line(w["text"] for w in seen)

    @property
    def font(self) -> str:
        fonts: Counter[str] = Counter()
        for w in self.words:
            fonts[str(w.get("fontname", ""))] += len(w["text"])
        return fonts.most_common(1)[0][0]


def lines_of(words: list[dict[str, Any]]) -> list[Line]:
    lines: list[Line] = []
    for word in words:
        if lines:
            cur = lines[-1]
            last = cur.words[-1]
            tolerance = 0.6 * max(last["bottom"] - last["top"], word["bottom"] - word["top"])
            same_row = (
                abs(word["top"] - last["top"]) <= tolerance
                or abs(word["bottom"] - last["bottom"]) <= tolerance
            )
            if same_row and (word["x0"] >= last["x1"] - 1.0 or _leftwards(cur, word)):
                cur.words.append(word)
                continue
        lines.append(Line([word]))
    return lines


def _leftwards(line: Line, word: dict[str, Any]) -> bool:
    """Whether ``word`` goes on with a right-to-left ``line`` drawn in reading order
    (leftwards: a number or a Latin word in it too)."""
    if word["x1"] > line.words[-1]["x0"] + 1.0:
        return False
    return has_rtl(word["text"]) or any(has_rtl(w["text"]) for w in line.words)


def paragraphs_of(lines: list[Line], body: float) -> list[list[Line]]:
    """Lines -> paragraphs: close lines of one style; a numbered line (第7.9条, 一、)
    starts a paragraph; lines of large type may be spaced wider."""
    paras: list[list[Line]] = []
    for line in lines:
        if paras:
            prev = paras[-1][-1]
            height = max(prev.bottom - prev.top, 1.0)
            gap = line.top - prev.bottom
            overlaps = line.x0 < prev.x1 and line.x1 > prev.x0
            same_style = abs(line.size - prev.size) < 0.8 and line.bold == prev.bold
            spacing = 1.5 if prev.size >= body + 1.5 else 0.9
            numbered = numbered_kind(line.text) is not None
            if -0.5 * height <= gap < spacing * height and overlaps and same_style and not numbered:
                paras[-1].append(line)
                continue
        paras.append([line])
    return paras
