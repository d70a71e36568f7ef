"""Lines and paragraphs of a PDF page's running text, from its words."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import Any

from ._bidi import has_rtl, read_line
from ._text import is_cjk, numbered_kind

_BOLD_MARKERS = ("bold", "medi", "semibold", "black", "heavy", "cmbx", "sfbx", "-bd")
# monospaced faces: Courier (and TeX's pcrr, Nimbus Mono), TeX's typewriter fonts, the
# ...Mono families, Consolas, Menlo, Monaco, Inconsolata, Lucida Console, ...Code
_MONO = re.compile(
    r"courier|mono(?!type)|nimbusmon|cmtt|sftt|txtt|pcrr|consol|menlo|monaco|inconsolata|typewriter|"
    r"lucidaconsole|lucida-console|code(?:pro|new)?(?:-|$)|firacode|sourcecode",
    re.IGNORECASE,
)
MONO_SHARE = 0.9  # of a line's characters in monospaced fonts: a line of code


@lru_cache(maxsize=512)
def monospaced(fontname: str) -> bool:
    """Whether a font's name is a monospaced face's (a subset's ``ABCDEF+`` prefix aside)."""
    return _MONO.search(fontname.partition("+")[2] or fontname) is not None


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

    @cached_property  # asked for each line while its paragraphs are split and read
    def mono(self) -> bool:
        """Whether the line is set in monospaced fonts (:data:`MONO_SHARE` of its letters,
        and its first word: a list item's bullet before a term set as code is prose)."""
        if not monospaced(str(self.words[0].get("fontname", ""))):
            return False
        total = sum(len(w["text"]) for w in self.words)
        typed = sum(len(w["text"]) for w in self.words if monospaced(str(w.get("fontname", ""))))
        return typed >= MONO_SHARE * total

    @property
    def font(self) -> str:
        fonts: Counter[str] = Counter()
        for w in self.words:
            fonts[str(w.get("fontname", ""))] += len(w["text"])
        return fonts.most_common(1)[0][0]


def para_box(para: list[Line]) -> tuple[float, float, float, float]:
    """The box around a paragraph's lines."""
    return (
        min(x.x0 for x in para),
        min(x.top for x in para),
        max(x.x1 for x in para),
        max(x.bottom for x in para),
    )


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
            if any(_late_mark(line, word) for line in lines[-_MARK_LINES:]):
                continue
        lines.append(Line([word]))
    return lines


_MARK_CHARS = 3  # a note's mark: "1", "12", "a", "*", "†"
_MARK_LINES = 4  # the lines drawn last, where a mark drawn late may belong


def _late_mark(line: Line, word: dict[str, Any]) -> bool:
    """Attach ``word`` to the word of ``line`` it is raised after, when it is a note's
    mark (a short word in smaller type, raised) that the PDF draws after the line (a
    footnote's ``1`` after "signed into law by"): on a line of its own it parted the
    paragraph around it ("... signed into law by | 1 | President Clinton ...")."""
    text = str(word["text"])
    if len(text) > _MARK_CHARS or not all(c.isalnum() or c in "*†‡§¶" for c in text):
        return False
    before = [w for w in line.words if w["x1"] <= word["x0"] + 1.0]
    if not before:
        return False
    host = max(before, key=lambda w: float(w["x1"]))
    height = host["bottom"] - host["top"]
    if not host["top"] - 0.6 * height <= word["top"] <= host["bottom"]:
        return False  # not on the host's row
    raised = word["bottom"] < host["bottom"] - 0.2 * height
    small = float(word.get("size", 0)) <= 0.8 * float(host.get("size", 0))
    if not (raised and small and word["x0"] - host["x1"] <= 0.5 * float(host.get("size", 0))):
        return False
    host["text"] = f"{host['text']}{text}"
    host["x1"] = max(host["x1"], word["x1"])
    return True


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


NARROW = 20  # characters: a paragraph no wider (an address, a label) is left whole
FLUSH = 6.0  # characters from the left edge: a line that starts there (or is indented)
_SHARED = 2.0  # points: lines that end this close end at one edge


def parted_at_ends(paras: list[list[Line]]) -> list[list[Line]]:
    """Paragraphs set with no space between them parted where one ends: after a line
    that wrapped (or in CJK text, which fills its lines), a line whose room at the end
    (to the paragraph's right edge) would have held the next line's first word, and that
    ends a sentence or is followed by an indented line or a list item's mark (a book's, a
    paper's, a law's paragraphs, list items, references and notes). A line in lower case
    goes on with the sentence above (a long word or a web address did not fit); an
    address, a poem's stanza and right-to-left text stay whole."""
    return [piece for para in paras for piece in _parted(para)]


_ENDS = re.compile(r"[.!?:。！？：][\"'”’)\]]*$")
_MARK = re.compile(r"^(?:[•●▪■◦\-–—*]|\(?[0-9]{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivx]+\))\s")


def _char(line: Line) -> float:
    """The line's average character width (a CJK character counts as two)."""
    text = line.text
    return max(line.x1 - line.x0, 1.0) / (sum(2 if is_cjk(c) else 1 for c in text) or 1)


def _first_word(line: Line) -> float:
    """The width of the line's first word as drawn (of its first glyph in CJK text)."""
    word = line.words[0]
    width = float(word["x1"]) - float(word["x0"])
    text = str(word["text"])
    return width / max(len(text), 1) if is_cjk(text[:1]) else width


def _right_edge(para: list[Line]) -> float:
    """Where the paragraph's lines end: the furthest end two lines share (a justified
    column's edge, not a line that runs on into a cell beside it), else the furthest."""
    ends = sorted((x.x1 for x in para), reverse=True)
    return next((a for a, b in pairwise(ends) if a - b <= _SHARED), ends[0])


def _parted(para: list[Line]) -> list[list[Line]]:
    left, right = min(x.x0 for x in para), _right_edge(para)
    if (
        len(para) < 2
        or right - left < NARROW * _char(para[0])
        or any(has_rtl(x.text) for x in para)  # its lines end on the left
    ):
        return [para]
    # each line but the last: whether it ends short (the next line's first word and a
    # space would have fit), else it wrapped
    short = [right - x.x1 > _first_word(after) + 2 * _char(x) for x, after in pairwise(para)]
    pieces = [[0]]
    for i in range(1, len(para)):
        before, line, piece = para[i - 1], para[i], pieces[-1]
        char = _char(before)
        flush = before.x0 <= left + FLUSH * char and line.x0 <= left + FLUSH * char
        wrapped = any(not short[j] for j in piece[:-1])
        ends = short[i - 1] and not before.text.endswith("-") and not line.text[:1].islower()
        indented = line.x0 > left + char
        if is_cjk(before.text[-1:]):  # CJK text fills its lines; a poem's stay flush
            cue = indented or (wrapped and _ENDS.search(before.text) is not None)
        else:
            cue = wrapped and (
                _ENDS.search(before.text) is not None or indented or bool(_MARK.match(line.text))
            )
        if flush and ends and cue:
            pieces.append([i])
        else:
            piece.append(i)
    return [[para[i] for i in piece] for piece in pieces]
