"""A spreadsheet cell as the sheet shows it: its value through its number format.

SoMark reads an Excel file as its pages show it, so a rate stored as ``0.130792`` with the
format ``0.0%`` reads ``13.1%`` and ``15000`` with ``#,##0`` reads ``15,000``. This covers
the formats sheets use: General, fixed decimals, thousands separators, percentages,
scientific, currency and other literal text around the number, sections for negatives
and zeros, and dates and times. Anything else falls back to General.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["is_number", "shown"]

_COLOR_OR_CONDITION = re.compile(r"\[(?!\$)[^\]]*\]")
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[^\]]*)?\]")
_DATE_TOKENS = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|AM/PM|am/pm|A/P", re.IGNORECASE
)


def is_number(value: Any) -> bool:
    """A number or a date (what a table's values are, as opposed to its labels)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | dt.date | dt.time | dt.timedelta):
        return True
    if isinstance(value, str):
        return re.fullmatch(r"[-+(]?[$€£¥]?\d[\d,. ]*%?\)?", value.strip()) is not None
    return False


def shown(value: Any, number_format: str | None) -> str:
    """The text a cell shows."""
    fmt = number_format or "General"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return _date(value, fmt)
    if isinstance(value, int | float) and _is_date_format(fmt):
        try:  # a date stored as its serial number (a chart's cached category)
            return _date(_EPOCH + dt.timedelta(days=float(value)), fmt)
        except OverflowError:
            return general(float(value))
    if isinstance(value, int | float):
        return _number(float(value), fmt, int(value) if isinstance(value, int) else None)
    return str(value)


_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)


def _is_date_format(fmt: str) -> bool:
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", _sections(fmt)[0])
    has_date = re.search(r"[ydhms]", bare, re.IGNORECASE) is not None
    return has_date and bare.lower() != "general" and not re.search(r"[0#?]", bare)


def general(value: float) -> str:
    """Excel's General: integers as they are, other numbers to 10 significant digits."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}".replace("e", "E")


def _sections(fmt: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _number(value: float, fmt: str, whole: int | None) -> str:
    sections = _sections(fmt)
    section, sign = sections[0], "-" if value < 0 else ""
    if value < 0 and len(sections) > 1 and sections[1].strip():
        section, sign = sections[1], ""  # the negative section writes its own sign
    elif value == 0 and len(sections) > 2 and sections[2].strip():
        section = sections[2]
    section = _CURRENCY.sub(lambda m: '"' + m.group(1) + '"', _COLOR_OR_CONDITION.sub("", section))
    if section.strip().lower() in ("general", "") or "/" in section:
        return sign + (str(abs(whole)) if whole is not None else general(abs(value)))
    prefix, pattern, suffix = _split(section)
    if not pattern:
        return prefix + suffix  # a section of text only ("-" for zeros)
    value = abs(value) * (100 if "%" in prefix + suffix else 1)
    integer, _, fraction = pattern.partition(".")
    if "E" in pattern.upper():
        places = len(re.sub(r"[^0#?]", "", fraction.upper().partition("E")[0]))
        return f"{prefix}{sign}{value:.{places}E}{suffix}"
    while integer.endswith(","):  # each trailing comma scales by a thousand
        integer, value = integer[:-1], value / 1000
    must, may = fraction.count("0"), len(re.sub(r"[^#?]", "", fraction))
    text = f"{value:{',' if ',' in integer else ''}.{must + may}f}"
    if may and "." in text:
        keep = len(text) - may
        text = text[:keep] + text[keep:].rstrip("0")
        text = text.rstrip(".") if not must else text
    if not integer.count("0") and text.startswith("0.") and must + may:
        text = text[1:]  # "#.00" shows .5, not 0.5
    return f"{prefix}{sign}{text}{suffix}".strip()


def _split(section: str) -> tuple[str, str, str]:
    """(literal text before, the number's pattern, literal text after)."""
    parts: list[tuple[bool, str]] = []  # (is pattern, text)
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            parts.append((False, section[i + 1 : end]))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(section):
            parts.append((False, section[i + 1]))
            i += 2
            continue
        if ch in "_*" and i + 1 < len(section):
            parts.append((False, " " if ch == "_" else ""))  # padding: a space at most
            i += 2
            continue
        parts.append((ch in "0#?.,Ee" or _in_exponent(parts, ch), ch))
        i += 1
    first = next((i for i, (p, t) in enumerate(parts) if p and t in "0#?"), None)
    if first is None:
        return "".join(t for _, t in parts), "", ""
    last = max(i for i, (p, t) in enumerate(parts) if p)
    prefix = "".join(t for _, t in parts[:first])
    pattern = "".join(t for _, t in parts[first : last + 1])
    suffix = "".join(t for _, t in parts[last + 1 :])
    return prefix, pattern, suffix


def _in_exponent(parts: list[tuple[bool, str]], ch: str) -> bool:
    return ch in "+-" and bool(parts) and parts[-1][1].upper() == "E"


def _date(value: dt.datetime | dt.date | dt.time, fmt: str) -> str:
    section = _COLOR_OR_CONDITION.sub("", _sections(fmt)[0]).replace('"', "").replace("\\", "")
    if not re.search(r"[ydhs]", section, re.IGNORECASE):
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ") if value.time() != dt.time() else str(value.date())
        return value.isoformat()
    when = (
        value if not isinstance(value, dt.time) else dt.datetime.combine(dt.date(1900, 1, 1), value)
    )
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    twelve = re.search(r"AM/PM|A/P", section, re.IGNORECASE) is not None
    tokens = list(_DATE_TOKENS.finditer(section))
    out, at = [], 0
    for n, token in enumerate(tokens):
        out.append(section[at : token.start()])
        at = token.end()
        word = token.group().lower()
        near = tokens[max(0, n - 1) : n + 2]
        near_time = any(t.group().lower()[0] in "hs" for t in near if t is not token)
        out.append(_date_part(when, word, minutes=word in ("m", "mm") and near_time, twelve=twelve))
    out.append(section[at:])
    return "".join(out)


def _date_part(when: dt.datetime, word: str, *, minutes: bool, twelve: bool) -> str:
    hour = (when.hour % 12 or 12) if twelve else when.hour
    parts = {
        "yyyy": f"{when.year:04d}",
        "yy": f"{when.year % 100:02d}",
        "mmmm": when.strftime("%B"),
        "mmm": when.strftime("%b"),
        "mm": f"{when.minute:02d}" if minutes else f"{when.month:02d}",
        "m": str(when.minute) if minutes else str(when.month),
        "dddd": when.strftime("%A"),
        "ddd": when.strftime("%a"),
        "dd": f"{when.day:02d}",
        "d": str(when.day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{when.second:02d}",
        "s": str(when.second),
        "am/pm": "AM" if when.hour < 12 else "PM",
        "a/p": "A" if when.hour < 12 else "P",
    }
    return parts[word]
