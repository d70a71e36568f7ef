"""Word's list numbers: the label Word draws before a numbered paragraph ("1.", "1.2",
"a)", "iv."), read from ``word/numbering.xml`` as Word counts.

A paragraph is numbered by its own ``numPr`` (``numId`` and ``ilvl``) or by its style's
(following ``basedOn``); a style that names no level gets the level whose ``pStyle`` is
that style (how headings are numbered). A ``numId`` (a ``w:num``) points at an abstract
list (``abstractNum``, or the one a numbering style links to) and may override a level's
start or definition. Counters are kept per abstract list, as Word does: lists that
share one continue each other's numbers, and a ``w:num`` with a ``startOverride``
restarts the level the first time it is used. A level restarts when a shallower one
advances (``lvlRestart`` can say which, or never). ``numId`` 0 takes numbering away.

Each ``%n`` of a level's ``lvlText`` is level n's counter in level n's format (decimal
for all of them in a "legal" level, ``isLgl``); a level not used yet counts start - 1,
as Word shows "0.1" for a Heading 2 before any Heading 1. Formats: decimal (also with a
zero, full width, in a circle or parentheses), letters, romans, ordinals, Chinese
numerals (一, 十一, 壹拾壹) and cycles (甲乙丙, 子丑寅); other formats count in decimal.
Bullets are "-" (the glyph is a symbol-font character); ``none`` draws nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ListNumbers", "roman"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{_W}val"
_PLACEHOLDER = re.compile(r"%([1-9])")
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _int(element: Any, default: int | None = None) -> int | None:
    if element is None:
        return default
    try:
        return int(element.get(_VAL))
    except (TypeError, ValueError):
        return default


def roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


_CHINESE = ("零一二三四五六七八九", "十百千")
_CHINESE_LEGAL = ("零壹贰叁肆伍陆柒捌玖", "拾佰仟")
# Formats counted in Chinese numerals (Word's Chinese, Japanese and Taiwanese counting).
_COUNTING = {
    "chineseCounting": _CHINESE,
    "chineseCountingThousand": _CHINESE,
    "japaneseCounting": _CHINESE,
    "taiwaneseCounting": _CHINESE,
    "taiwaneseCountingThousand": _CHINESE,
    "chineseLegalSimplified": _CHINESE_LEGAL,
}
_CYCLES = {
    "ideographTraditional": "甲乙丙丁戊己庚辛壬癸",
    "ideographZodiac": "子丑寅卯辰巳午未申酉戌亥",
}
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def _chinese(n: int, numerals: tuple[str, str]) -> str:
    """``n`` (1..9999) in Chinese numerals: 十一, 二十, 一百零一 (壹拾壹 in the legal ones)."""
    digits, units = numerals
    out: list[str] = []
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append(digits[0])
            zero = False
        if not (power == 1 and digit == 1 and not out and numerals is _CHINESE):
            out.append(digits[digit])
        if power:
            out.append(units[power - 1])
    return "".join(out)


_MOST = 32767  # Word's largest start of a list level


def count_text(n: int, fmt: str) -> str:
    """Counter ``n`` in Word's number format ``fmt``."""
    if fmt == "none":
        return ""
    if n <= 0:
        return str(max(n, 0))
    if n > _MOST:  # past Word's own largest start: a crafted file, not a label of megabytes
        return str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # z, aa, bb
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return roman(n).upper() if fmt == "upperRoman" else roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in _COUNTING and n < 10000:
        return _chinese(n, _COUNTING[fmt])
    if fmt in _CYCLES:
        cycle = _CYCLES[fmt]
        return cycle[(n - 1) % len(cycle)]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and n <= 20:
        return chr(0x2460 + n - 1)  # ① .. ⑳
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))  # １２
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "ordinal":
        return f"{n}{'th' if n % 100 in (11, 12, 13) else _ORDINAL.get(n % 10, 'th')}"
    return str(n)


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # lvlRestart: restart after this (1-based) level; 0 never
    legal: bool = False
    space: str = " "  # what follows the label: a tab or a space read as one; or nothing
    style: str | None = None  # the paragraph style this level numbers

    @classmethod
    def read(cls, lvl: Any) -> _Level:
        fmt = lvl.find(f"{_W}numFmt")
        text = lvl.find(f"{_W}lvlText")
        style = lvl.find(f"{_W}pStyle")
        suffix = lvl.find(f"{_W}suff")
        legal = lvl.find(f"{_W}isLgl")
        return cls(
            start=_int(lvl.find(f"{_W}start"), 1) or 0,
            fmt=(fmt.get(_VAL) if fmt is not None else None) or "decimal",
            text=(text.get(_VAL) if text is not None else None) or "",
            restart=_int(lvl.find(f"{_W}lvlRestart")),
            legal=legal is not None and legal.get(_VAL) not in ("0", "false", "off"),
            space="" if suffix is not None and suffix.get(_VAL) == "nothing" else " ",
            style=style.get(_VAL) if style is not None else None,
        )


@dataclass
class _Counters:
    """The counters of one abstract list."""

    values: dict[int, int] = field(default_factory=dict)
    starts: dict[int, int] = field(default_factory=dict)  # set by a startOverride


class ListNumbers:
    """The labels of a document's numbered paragraphs, in reading order: call
    :meth:`prefix` once for every paragraph, as Word lays them out (numbered empty
    paragraphs and paragraphs in tables count too)."""

    def __init__(self, numbering: Any | None, styles: Any | None) -> None:
        self._abstract: dict[int, dict[int, _Level]] = {}
        self._links: dict[int, str] = {}  # abstractNum -> the numbering style it follows
        self._nums: dict[int, tuple[int, dict[int, _Level], dict[int, int]]] = {}
        self._styles: dict[str, tuple[str | None, Any]] = {}  # id -> (basedOn, numPr)
        self._counters: dict[int, _Counters] = {}
        self._seen: set[int] = set()
        self._default: str | None = None  # the style of a paragraph that names none
        for style in styles.iter(f"{_W}style") if styles is not None else ():
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true"):
                self._default = style.get(f"{_W}styleId")
            based = style.find(f"{_W}basedOn")
            self._styles[style.get(f"{_W}styleId") or ""] = (
                based.get(_VAL) if based is not None else None,
                style.find(f"{_W}pPr/{_W}numPr"),
            )
        if numbering is not None:
            self._read(numbering)

    @classmethod
    def of(cls, document: Any) -> ListNumbers:
        """The numbering of a python-docx ``Document`` (none when it has no numbering
        part; python-docx's own properties would try to add the missing parts)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        def part(relationship: str) -> Any | None:
            try:
                return document.part.part_related_by(relationship).element
            except (KeyError, AttributeError):
                return None

        numbering = part(RT.NUMBERING)
        return cls(numbering, part(RT.STYLES) if numbering is not None else None)

    def _read(self, numbering: Any) -> None:
        for abstract in numbering.iter(f"{_W}abstractNum"):
            key = _int_attr(abstract, f"{_W}abstractNumId")
            if key is None:
                continue
            levels = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                ilvl = _int_attr(lvl, f"{_W}ilvl")
                if ilvl is not None:
                    levels[ilvl] = _Level.read(lvl)
            self._abstract[key] = levels
            link = abstract.find(f"{_W}numStyleLink")
            if link is not None and link.get(_VAL):
                self._links[key] = link.get(_VAL)
        nums = {}
        for num in numbering.iter(f"{_W}num"):
            num_id = _int_attr(num, f"{_W}numId")
            abstract_id = _int(num.find(f"{_W}abstractNumId"))
            if num_id is not None and abstract_id is not None:
                nums[num_id] = (abstract_id, num)
        targets = {key: value[0] for key, value in nums.items()}
        for num_id, (named, num) in nums.items():
            abstract_id = self._follow_link(named, targets)
            levels = dict(self._abstract.get(abstract_id, {}))
            starts: dict[int, int] = {}
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl = _int_attr(override, f"{_W}ilvl")
                if ilvl is None:
                    continue
                lvl = override.find(f"{_W}lvl")
                if lvl is not None:
                    levels[ilvl] = _Level.read(lvl)
                start = _int(override.find(f"{_W}startOverride"))
                if start is not None:
                    starts[ilvl] = start
            self._nums[num_id] = (abstract_id, levels, starts)

    def _follow_link(self, abstract_id: int, nums: dict[int, int]) -> int:
        """The abstract list that holds the levels: the one a numbering style names
        when ``abstract_id`` only links to that style (``numStyleLink``)."""
        link = self._links.get(abstract_id)
        if link is None:
            return abstract_id
        _, num_pr = self._styles.get(link, (None, None))
        linked = _int(num_pr.find(f"{_W}numId")) if num_pr is not None else None
        target = nums.get(linked) if linked is not None else None
        return target if target is not None and target not in self._links else abstract_id

    def _style_numbering(self, style: str | None) -> tuple[int | None, int | None]:
        """(numId, ilvl) a paragraph style gives, following ``basedOn``."""
        num_id: int | None = None
        ilvl: int | None = None
        seen: set[str] = set()
        while style is not None and style not in seen and style in self._styles:
            seen.add(style)
            based, num_pr = self._styles[style]
            if num_pr is not None:
                if num_id is None:
                    num_id = _int(num_pr.find(f"{_W}numId"))
                if ilvl is None:
                    ilvl = _int(num_pr.find(f"{_W}ilvl"))
            style = based
        return num_id, ilvl

    def prefix(self, p: Any) -> str | None:
        """What Word draws before paragraph ``p``'s text, with the space after it ("1. ",
        "a) ", "- " for a bullet, "" for a level without a label), counting ``p`` in its
        list; ``None`` when ``p`` is not numbered."""
        if not self._nums:
            return None
        ppr = p.find(f"{_W}pPr")
        own = ppr.find(f"{_W}numPr") if ppr is not None else None
        style_el = ppr.find(f"{_W}pStyle") if ppr is not None else None
        style = style_el.get(_VAL) if style_el is not None else None
        style = style if style in self._styles else self._default
        num_id = _int(own.find(f"{_W}numId")) if own is not None else None
        ilvl = _int(own.find(f"{_W}ilvl")) if own is not None else None
        if num_id is None or ilvl is None:
            style_num, style_ilvl = self._style_numbering(style)
            num_id = style_num if num_id is None else num_id
            ilvl = style_ilvl if ilvl is None else ilvl
        if num_id is None or num_id not in self._nums:  # numId 0: numbering taken away
            return None
        abstract_id, levels, starts = self._nums[num_id]
        if ilvl is None:
            ilvl = next((i for i, lv in levels.items() if lv.style == style), 0)
        ilvl = min(max(ilvl, 0), 8)
        level = levels.get(ilvl)
        if level is None:
            return None
        counters = self._counters.setdefault(abstract_id, _Counters())
        if num_id not in self._seen:
            self._seen.add(num_id)
            for at, start in starts.items():  # this list restarts these levels
                counters.values.pop(at, None)
                counters.starts[at] = start
        self._count(counters, levels, ilvl)
        if level.fmt == "bullet":
            return "- "
        label = _PLACEHOLDER.sub(lambda m: self._show(counters, levels, level, m), level.text)
        return f"{label}{level.space}" if label.strip() else ""

    @staticmethod
    def _count(counters: _Counters, levels: dict[int, _Level], ilvl: int) -> None:
        values = counters.values
        level = levels[ilvl]
        if ilvl in values:
            values[ilvl] += 1
        else:
            values[ilvl] = counters.starts.get(ilvl, level.start)
        for deeper in [d for d in values if d > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl < restart):
                del values[deeper]

    @staticmethod
    def _show(counters: _Counters, levels: dict[int, _Level], level: _Level, m: Any) -> str:
        at = int(m.group(1)) - 1
        shown = levels.get(at, _Level())
        value = counters.values.get(at)
        if value is None:  # a level not used yet: Word counts it start - 1
            value = counters.starts.get(at, shown.start) - 1
        return count_text(value, "decimal" if level.legal and shown.fmt != "none" else shown.fmt)


def _int_attr(element: Any, name: str) -> int | None:
    try:
        return int(element.get(name))
    except (TypeError, ValueError):
        return None
