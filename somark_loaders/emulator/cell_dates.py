"""A date, time or duration cell as the sheet shows it, through its number format's section.

The section is read token by token: quoted text and ``\\x`` are literals; ``_x`` (a space
the width of ``x``) and ``*x`` (fill) are a space; ``[$€-407]`` is its currency symbol and
``[$-409]`` (a locale) nothing, but ``[$-F800]`` is Excel's long date and ``[$-F400]`` its
long time; ``[h]``, ``[mm]`` and ``[ss]`` are elapsed time (``[h]:mm`` shows 1.5 days as
``36:00``); other brackets (colours, conditions) show nothing. A time of day with a date
format shows Excel's day 0 (``00/01/00``). Times round to the second (or to the fraction
of a second shown) before they are cut to minutes and hours.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["EPOCH", "is_date_section", "quoted", "shown_date"]

EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)

_WORD = re.compile(
    r"yyyy|yyy|yy|y|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\.0{1,3}",
    re.IGNORECASE,
)
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)
# Excel's system long date and time (the en-US ones), by their old and new locale codes
_SYSTEM_CODE = re.compile(r"\[\$-(F800|F400|x-sysdate|x-systime)\]", re.IGNORECASE)
_SYSTEM = {"f800": "dddd, mmmm d, yyyy", "f400": "h:mm:ss AM/PM"}
_SYSTEM |= {"x-sysdate": _SYSTEM["f800"], "x-systime": _SYSTEM["f400"]}

_DAY_ONE = dt.datetime(1900, 1, 1)
_DAY_ZERO = {"d": "0", "dd": "00", "ddd": "Sat", "dddd": "Saturday"}  # serial 0: 1900-01-00

Token = tuple[str, str]  # (kind, text): "lit", "raw" (an unquoted character), "word", "elapsed"


def tokens(section: str) -> list[Token]:
    """The section as literals and date words."""
    system = _SYSTEM_CODE.search(section)
    if system:  # Excel shows its own long date or time, whatever the rest of the section says
        section = _SYSTEM[system.group(1).lower()]
    out: list[Token] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            literal, i = quoted(section, i)
            out.append(("lit", literal))
        elif ch == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch in "_*" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            out += _bracket(section[i : end + 1])
            i = end + 1
        elif word := _WORD.match(section, i):
            out.append(("word", word.group().lower()))
            i = word.end()
        else:
            out.append(("raw", ch))
            i += 1
    return out


def _bracket(text: str) -> list[Token]:
    """A bracketed part: elapsed time, a currency symbol, a system format or nothing."""
    if _ELAPSED.fullmatch(text):
        return [("elapsed", text[1:-1].lower())]
    if not text.startswith("[$"):
        return []  # a colour or a condition
    symbol = text[2:-1].partition("-")[0]
    return [("lit", symbol)] if symbol else []


def is_date_section(section: str) -> bool:
    """Whether a number format's section shows a date or a time (no digit placeholders)."""
    found = tokens(section)
    has_word = any(kind in ("word", "elapsed") and text[0] != "." for kind, text in found)
    digits = any(kind == "raw" and text in "0#?" for kind, text in found)
    return has_word and not digits and "general" not in section.lower()


def quoted(section: str, at: int) -> tuple[str, int]:
    """The text quoted from ``section[at]`` (a ``"``) to the next ``"`` (or the end), and
    where the section goes on after it."""
    end = section.find('"', at + 1)
    end = len(section) if end < 0 else end
    return section[at + 1 : end], end + 1


def shown_date(value: dt.datetime | dt.date | dt.time | dt.timedelta, section: str) -> str:
    """The text of a date, time or duration through one section of its number format."""
    found = tokens(section)
    if not any(kind in ("word", "elapsed") for kind, _ in found):
        return _iso(value)
    places = max((len(text) - 1 for kind, text in found if text.startswith(".0")), default=0)
    seconds = _seconds(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if seconds < 0 and any(kind == "elapsed" for kind, _ in found) else ""
    whole = int(abs(seconds) // 1)
    day_zero = 0 <= seconds < 86400  # a time of day: Excel's date part is 0 January 1900
    try:
        when = (_DAY_ONE if day_zero else EPOCH) + dt.timedelta(seconds=whole)
    except OverflowError:  # 9999-12-31 23:59:59.999 rounds past the last date there is
        return _iso(value)
    fraction = f"{abs(seconds) % 1:.{places}f}"[1:] if places else ""
    twelve = any(text in ("am/pm", "a/p") for kind, text in found if kind == "word")
    words = [n for n, (kind, _) in enumerate(found) if kind in ("word", "elapsed")]
    out = []
    for n, (kind, text) in enumerate(found):
        if kind == "elapsed":
            out.append(_elapsed(whole, text))
        elif kind == "word":
            minutes = text in ("m", "mm") and _is_minutes(found, words, n)
            part = _DAY_ZERO.get(text) if day_zero else None
            out.append(part or _part(when, text, minutes=minutes, twelve=twelve, fraction=fraction))
        else:
            out.append(text)
    return sign + "".join(out)


def _iso(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else str(value.date())
    if isinstance(value, dt.timedelta):
        return str(value)
    return value.isoformat()


def _seconds(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> Decimal:
    """The value as seconds since Excel's day 0 (a time: since midnight)."""
    if isinstance(value, dt.timedelta):
        span = value
    elif isinstance(value, dt.datetime):
        span = value - EPOCH
    elif isinstance(value, dt.date):
        span = dt.datetime.combine(value, dt.time()) - EPOCH
    else:
        span = dt.datetime.combine(EPOCH.date(), value) - EPOCH
    return Decimal(span.days * 86400 + span.seconds) + Decimal(span.microseconds).scaleb(-6)


def _is_minutes(found: list[Token], words: list[int], n: int) -> bool:
    """``m``/``mm`` are minutes right after hours or right before seconds, else months."""
    at = words.index(n)
    before = found[words[at - 1]][1] if at > 0 else ""
    after = found[words[at + 1]][1] if at + 1 < len(words) else ""
    return before.lstrip("[")[:1] == "h" or after[:1] == "s"


def _elapsed(seconds: int, unit: str) -> str:
    """``[h]`` whole hours, ``[mm]`` whole minutes, ``[ss]`` whole seconds, padded to width."""
    total = seconds // {"h": 3600, "m": 60, "s": 1}[unit[0]]
    return f"{total:0{len(unit)}d}"


def _part(when: dt.datetime, word: str, *, minutes: bool, twelve: bool, fraction: str) -> str:
    hour = (when.hour % 12 or 12) if twelve else when.hour
    if word.startswith("."):
        return fraction
    if word.startswith("y"):
        return f"{when.year % 100:02d}" if len(word) <= 2 else f"{when.year:04d}"
    parts = {
        "mmmmm": when.strftime("%B")[:1],
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
