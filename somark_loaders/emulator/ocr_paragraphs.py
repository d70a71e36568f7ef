"""Paragraphs and headings in the OCR lines of one column, as a reader sees them.

A vertical gap is not the only mark of a new paragraph: a paragraph's last line ends
short of the column's right edge (the next line's first word would have fit on it), a
paragraph's first line may be indented under a full line, and a short heading ("3.
Payment terms", "Article 5", "第五条", "PART 1 - COVERAGE", a line in larger type) may
stand flush left right above its body text with no space between. Such a heading is a
block of its own; :func:`title_levels` says which blocks are titles and at what level,
with the vocabulary of the PDF path (numbered kinds of :mod:`._text`, section numbers
nest by their dots, larger type above).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from statistics import median

from ._placed import Placed
from ._text import is_cjk, kind_order, numbered_kind

__all__ = ["Row", "heading_kind", "paragraph_groups", "title_levels"]


Row = Sequence[Placed]  # the pieces of one visual line, left to right

# "1. Scope", "1.2 Terms", "6.Limitations", "2.1.3. Notices" (never "2.1 mL" nor "1,557")
_DECIMAL = re.compile(r"^(\d{1,2}\.(?:\d{1,2}\.?)*)\s*[A-Z\u3400-\u9fff]")
# "Article 5", "PART1", "Section 2.3", "SUBCHAPTER A", "Chapter IV" (never "Parts of")
_KEYWORD = re.compile(
    r"^(?i:(part|subchapter|chapter|article|section|appendix|annex|schedule))"
    r"(?:\s*[0-9]+(?:\.[0-9]+)*|\s+(?:[IVXLC]+|[A-Z]))\b"
)
_CLAUSE_END = (",", ";", "，", "；", "、", "-", "—")  # a heading never stops mid-clause
_SENTENCE_END = (".", "。", "!", "?", ":", "：", "！", "？")
MAX_HEADING = 80  # characters
LARGER = 1.4  # of the body's line height: a line in larger type
FULL = 3.0  # characters from the right edge: a full line
LETTERS = 12  # letters in a line of body text (CJK characters count twice)


def _x0(row: Row) -> float:
    return row[0].x0


def _x1(row: Row) -> float:
    return row[-1].x1


def _height(row: Row) -> float:
    return max(item.bottom for item in row) - min(item.top for item in row)


def _char(row: Row, text: str) -> float:
    """The row's average character width (a CJK character counts as two)."""
    units = sum(2 if is_cjk(c) else 1 for c in text) or 1
    return max(_x1(row) - _x0(row), 1.0) / units


def _first_word(text: str) -> int:
    """Width of the first word in characters: up to a space or a CJK character (a CJK
    character is a word of its own, two characters wide)."""
    stripped = text.lstrip()
    if stripped and is_cjk(stripped[0]):
        return 2
    width = 0
    for char in stripped:
        if char.isspace() or is_cjk(char):
            break
        width += 1
    return width


def _letters(text: str) -> int:
    return sum(2 if is_cjk(c) else 1 for c in text if c.isalpha())


def body_text(text: str) -> bool:
    """A line of running text that can open a paragraph: enough letters, not a numbered
    item, not in mid-sentence (a line that starts in lower case continues the one above:
    that one was no heading, whatever its size, a drop cap's line)."""
    stripped = text.lstrip()
    return _letters(text) >= LETTERS and heading_kind(text) is None and not stripped[:1].islower()


def heading_kind(text: str, larger: bool = False) -> str | None:
    """The kind of heading a short line is ("decimal-2" for "1.2 Terms", "word-article",
    "chapter" (第三章), "caps", "size"), or ``None`` when it reads as no heading."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_HEADING or stripped.endswith(_CLAUSE_END):
        return None
    if not any(c.isalpha() for c in stripped):
        return None
    cjk = numbered_kind(stripped)
    if cjk is not None:
        return None if stripped.endswith(_SENTENCE_END[1:]) else cjk
    keyword = _KEYWORD.match(stripped)
    if keyword:
        return "word-" + keyword.group(1).lower()
    decimal = _DECIMAL.match(stripped)
    if decimal:
        return f"decimal-{decimal.group(1).rstrip('.').count('.') + 1}"
    if stripped.endswith(_SENTENCE_END):
        return None
    letters = [c for c in stripped if c.isalpha()]
    if (
        len(letters) >= 4
        and all(c.isascii() and c.isupper() for c in letters)
        and len(letters) >= 0.6 * len(stripped.replace(" ", ""))  # not a telephone line
    ):
        return "caps"
    return "size" if larger else None


def paragraph_groups(rows: Sequence[Row], texts: list[str], height: float) -> list[list[int]]:
    """Rows of one column (top to bottom) grouped into paragraphs (row indices).

    A row continues the paragraph above when it is close below (less than ``0.8``
    ``height``, or 1.3 times the usual gap in a column of lines set wide apart), starts
    at about the left edge of the paragraph (or under its indented first line) and both
    read as one line (no gap a line wide between their pieces); and none of these marks
    a new paragraph: the row above ends short of the column's right edge (the row's
    first word would have fit) after lines that reached it, or in CJK text, or ends a
    sentence on its own; the row is indented under a full line and the row after it
    returns to the left edge; the row above, or this row, is a short heading over body
    text.
    """
    if not rows:
        return []
    column = _Column(rows, texts)
    # lines set wide apart (a double-spaced letter) are apart by their usual step
    steps = [
        min(item.top for item in rows[i]) - max(item.bottom for item in rows[i - 1])
        for i in range(1, len(rows))
    ]
    usual = sorted(s for s in steps if 0 < s < 1.5 * height)
    leading = min(usual[len(usual) // 2] * 1.3, 1.5 * height) if len(usual) >= 3 else 0.0
    limit = max(0.8 * height, leading)
    groups: list[list[int]] = [[0]]
    for i in range(1, len(rows)):
        row, before = rows[i], rows[i - 1]
        group = groups[-1]
        gap = min(item.top for item in row) - max(item.bottom for item in before)
        start = min(_x0(rows[j]) for j in group)
        joined = (
            gap < limit
            and (
                abs(_x0(row) - start) < 2 * height
                or (len(group) == 1 and 0 < start - _x0(row) < 4 * height)  # under an indent
            )
            and _one_line(row, height)
            and _one_line(before, height)
        )
        if joined and not column.breaks(i, group):
            group.append(i)
        else:
            groups.append([i])
    return groups


class _Column:
    """The rows of one column with its edges: where its lines start and end."""

    def __init__(self, rows: Sequence[Row], texts: list[str]) -> None:
        self.rows, self.texts = rows, texts
        self.left = sorted(_x0(r) for r in rows)[len(rows) // 4]
        self.right = sorted(_x1(r) for r in rows)[(9 * len(rows)) // 10]
        self.body = median(_height(r) for r in rows)

    def full(self, i: int) -> bool:
        return _x1(self.rows[i]) >= self.right - FULL * _char(self.rows[i], self.texts[i])

    def over_body(self, i: int) -> bool:
        """A heading with body text right below it."""
        larger = _height(self.rows[i]) >= LARGER * self.body
        return (
            i + 1 < len(self.rows)
            and not self.full(i)  # a heading that fills its line may wrap
            and heading_kind(self.texts[i], larger) is not None
            and body_text(self.texts[i + 1])
        )

    def breaks(self, i: int, group: list[int]) -> bool:
        """Whether row ``i`` starts a new paragraph although it is close below ``group``."""
        rows, before, text = self.rows, self.texts[i - 1], self.texts[i]
        char = _char(rows[i - 1], before)
        room = self.right - _x1(rows[i - 1])
        wrapped = any(self.full(j) for j in group[:-1])
        if (wrapped or is_cjk(before[-1:])) and room > (_first_word(text) + 2) * char:
            # the last line of a paragraph: the next word would have fit (CJK text fills
            # its lines: a line of it that stops short ends its paragraph)
            return True
        if (
            len(group) == 1
            and before.rstrip().endswith(_SENTENCE_END)
            and text[:1].isupper()
            and not self.full(i - 1)
            and body_text(text)
        ):
            return True  # a sentence on a line of its own
        indent = _x0(rows[i]) - self.left
        if (
            self.full(i - 1)
            and self.full(i)
            and indent > 1.5 * char
            and i + 1 < len(rows)
            and _x0(rows[i + 1]) < _x0(rows[i]) - 0.5 * indent
        ):
            return True  # an indented first line
        if len(group) == 1 and self.over_body(i - 1):
            return True  # a heading over its body
        return self.over_body(i)


def _one_line(row: Row, height: float) -> bool:
    """The pieces of a row read as one line of text: no gap wider than a line is high
    between them (the cells of a table, a label and its value, stay rows of their own)."""
    return all(row[k + 1].x0 - row[k].x1 < height for k in range(len(row) - 1))


def title_levels(groups: list[tuple[str, int, float]], height: float) -> dict[int, int]:
    """Which paragraphs are titles, and their levels: ``groups`` are (text, rows, line
    height) in reading order; a paragraph of one or two rows that reads as a heading is
    a title when body text follows it (directly, or under a title of another kind).
    Levels: larger type first, then the numbered kinds the page uses, outermost first
    (the kinds of :mod:`._text`, then words and capitals in the order the page uses
    them; 1.2 under 1.)."""
    kinds: dict[int, str] = {}
    for index, (text, rows, size) in enumerate(groups):
        kind = heading_kind(text, size >= LARGER * height) if rows <= 2 else None
        if kind is not None:
            kinds[index] = kind
    titles: dict[int, str] = {}
    for index in sorted(kinds, reverse=True):
        after = groups[index + 1] if index + 1 < len(groups) else None
        if after is None:
            continue
        # over body text, or over a title of another kind ("Article 5" over "5.1 ..."; the
        # lines of a letterhead in capitals are no titles of each other)
        inner = titles.get(index + 1)
        if (inner is not None and inner != kinds[index]) or (
            index + 1 not in kinds and _is_body(after)
        ):
            titles[index] = kinds[index]
    # numbered CJK kinds in their order; words and capitals as the page first uses them
    # (a CFR page: SUBCHAPTER over PART; a book: Part over Chapter); 1.2 under 1.
    words = [titles[i] for i in sorted(titles) if titles[i].startswith(("word-", "caps"))]
    order = [*kind_order(), *words]
    order += sorted({k for k in titles.values() if k.startswith("decimal-")})
    sizes = sorted({round(groups[i][2]) for i, k in titles.items() if k == "size"}, reverse=True)
    used = list(dict.fromkeys(k for k in order if k in titles.values()))
    levels: dict[int, int] = {}
    for index, kind in titles.items():
        if kind == "size":
            levels[index] = min(sizes.index(round(groups[index][2])) + 1, 6)
        else:
            levels[index] = min(len(sizes) + used.index(kind) + 1, 6)
    return levels


def _is_body(group: tuple[str, int, float]) -> bool:
    """A paragraph of body text: long, mostly letters (not a date and a reference),
    opening a sentence (not the rest of one begun above)."""
    text, rows, _size = group
    letters = _letters(text)
    return (
        (rows > 1 or len(text) >= 40)
        and letters >= max(LETTERS, 0.6 * len(text.replace(" ", "")))
        and not text.lstrip()[:1].islower()
    )
