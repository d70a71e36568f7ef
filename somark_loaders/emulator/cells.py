"""A spreadsheet cell as the sheet shows it: its value through its number format.

SoMark reads an Excel file as its pages show it, so a rate stored as ``0.130792`` with the
format ``0.0%`` reads ``13.1%`` and ``15000`` with ``#,##0`` reads ``15,000``. This covers
the formats sheets use: General, fixed decimals, thousands separators, percentages,
scientific, currency and other literal text around the number, sections for negatives,
zeros and text, fractions (``# ?/?`` the nearest with a one-digit denominator, ``?/16``
in sixteenths), and dates, times and elapsed times (``cell_dates``).

Numbers round as Excel rounds them: half away from zero on the decimal value the cell
holds (its shortest repr), so ``2.675`` with ``0.00`` shows ``2.68`` and ``0.005`` with
``0%`` shows ``1%``. A format's sections are picked as Excel picks them (positive;
negative; zero; text, ``@`` marking the text section); an empty section hides the value.
Only an unquoted ``%`` multiplies by 100 (``0"%"`` and ``0\\%`` show a literal sign).
``_x`` and ``*x`` are a space; the text is trimmed and its runs of spaces made one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from .cell_dates import is_date_section, quoted, shown_date

__all__ = ["general", "is_number", "shown"]

_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\]")
_EXACT = Context(prec=1000)  # a double has at most 309 digits before its point
Token = tuple[str, str]  # (kind, text): lit, digit, dot, comma, pct, exp, at, general, slash


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
    if isinstance(value, float) and not math.isfinite(value):
        return general(value)
    if isinstance(value, str):
        return _text(value, _sections(fmt))
    first = _sections(fmt)[0]
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return shown_date(value, first)
    if isinstance(value, int | float) and is_date_section(first):
        if value < 0:  # Excel shows ####### for a negative date; General shows what it holds
            return general(float(value))
        try:  # a date stored as its serial number (a chart's cached category)
            return shown_date(dt.timedelta(days=float(value)), first)
        except OverflowError:
            return general(float(value))
    if isinstance(value, int | float):
        return _number(value, _sections(fmt))
    return str(value)


def general(value: float) -> str:
    """Excel's General: integers as they are, other numbers to 10 significant digits."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}".replace("e", "E")


def _sections(fmt: str) -> list[str]:
    """The format's sections, split at the semicolons outside quotes and escapes."""
    parts, current, quoted, escaped = [], "", False, False
    for ch in fmt:
        if ch == ";" and not quoted and not escaped:
            parts.append(current)
            current = ""
            continue
        if ch == '"' and not escaped:
            quoted = not quoted
        escaped = ch == "\\" and not quoted and not escaped
        current += ch
    return [*parts, current]


def _is_text_section(section: str) -> bool:
    return any(kind == "at" for kind, _ in _tokens(section))


def _text(value: str, sections: list[str]) -> str:
    """Text through the format's text section (``@`` is the text); as it is without one."""
    section = next((s for s in sections if _is_text_section(s)), None)
    if section is None and len(sections) >= 4:
        section = sections[3]
    if section is None:
        return value
    found = _tokens(section)
    if not any(kind != "at" and text.strip() for kind, text in found):
        return value  # "@" or "_(@_)": the text as it is
    return _tidy("".join(value if kind == "at" else text for kind, text in found))


def _pick(sections: list[str], value: float) -> tuple[str, bool] | None:
    """The section a number shows through, and whether it shows a minus sign itself;
    None when the section is empty (Excel hides the value)."""
    numeric = [s for s in sections if not _is_text_section(s)][:3] or ["General"]
    conditions = [_CONDITION.search(s) for s in numeric]
    if any(conditions):
        for section, condition in zip(numeric, conditions, strict=True):
            if condition is None or _holds(condition, value):
                bounded = condition is not None and condition.group(1) in ("<", "<=")
                return section, value < 0 and not bounded
        return None
    if value < 0 and len(numeric) > 1:
        section, signed = numeric[1], False
    elif value == 0 and len(numeric) > 2:
        section, signed = numeric[2], False
    else:
        section, signed = numeric[0], value < 0
    return (section, signed) if section else None


def _holds(condition: re.Match[str], value: float) -> bool:
    limit = float(condition.group(2))
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
        "=": value == limit,
        "<>": value != limit,
    }[condition.group(1)]


def _tokens(section: str) -> list[Token]:
    """A number section as literals and the number's placeholders."""
    out: list[Token] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            literal, i = quoted(section, i)
            out.append(("lit", literal))
            continue
        if ch in "\\_*" and i + 1 < len(section):
            out.append(("lit", section[i + 1] if ch == "\\" else " "))
            i += 2
            continue
        if ch == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            symbol, _, _locale = section[i + 2 : end].partition("-")
            if section.startswith("[$", i) and symbol:
                out.append(("lit", symbol))  # [$€-407] is €; [$-409] and [Red] nothing
            i = end + 1
            continue
        if section[i : i + 7].lower() == "general":
            out.append(("general", section[i : i + 7]))
            i += 7
            continue
        if ch in "eE" and section[i + 1 : i + 2] in ("+", "-"):
            out.append(("exp", section[i + 1]))
            i += 2
            continue
        kinds = {"0": "digit", "#": "digit", "?": "digit", ".": "dot", ",": "comma"}
        kinds |= {"%": "pct", "@": "at", "/": "slash"}
        out.append((kinds.get(ch, "lit"), ch))
        i += 1
    return out


def _number(value: float, sections: list[str]) -> str:
    picked = _pick(sections, float(value))
    if picked is None:
        return ""
    section, signed = picked
    sign = "-" if signed else ""
    found = _tokens(section) or [("general", "General")]  # "[Red]" alone is General
    kinds = [kind for kind, _ in found]
    if "slash" in kinds and (fraction := _fraction(abs(float(value)), found)) is not None:
        return _tidy(sign + fraction)
    if "slash" in kinds or "general" in kinds:  # a fraction not read: General instead
        plain = str(abs(value)) if isinstance(value, int) else general(abs(float(value)))
        found = [("lit", plain) if kind == "general" else (kind, t) for kind, t in found]
        return sign + (plain if "slash" in kinds else _tidy("".join(t for _, t in found)))
    if "digit" not in kinds:
        return _tidy("".join(text for _, text in found))  # text only ("-" for zeros)
    first = kinds.index("digit")
    last = max(n for n, kind in enumerate(kinds) if kind in ("digit", "dot", "comma", "exp"))
    number = abs(Decimal(value) if isinstance(value, int) else Decimal(repr(value)))
    number *= Decimal(100) ** kinds.count("pct")
    pattern = found[first : last + 1]
    exponent = any(kind == "exp" for kind, _ in pattern)
    body = _scientific(number, pattern) if exponent else _fixed(number, pattern)
    before = "".join(text for _, text in found[:first])
    after = "".join(text for _, text in found[last + 1 :])
    return _tidy(f"{sign}{before}{body}{after}")


def _fraction(number: float, found: list[Token]) -> str | None:
    """A fraction format (``# ?/?``, ``0 ??/??``, ``?/4``, ``# ?/16``): a whole part when
    the format has one, then the nearest fraction whose denominator has as many digits
    as the format's ``?`` (or is the format's own number); ``None`` for a format that is
    no such pattern."""
    at = next(n for n, (kind, _) in enumerate(found) if kind == "slash")
    start = at
    while start > 0 and found[start - 1][0] == "digit":
        start -= 1
    stop = at + 1
    while stop < len(found) and found[stop][0] == "digit":
        stop += 1
    fixed = ""
    if stop == at + 1:  # a denominator of its own: literal digits
        while stop < len(found) and found[stop][1].isdigit():
            fixed += found[stop][1]
            stop += 1
    if start == at or (stop == at + 1 and not fixed) or (fixed and int(fixed) == 0):
        return None
    whole_end = start
    while (
        whole_end > 0 and found[whole_end - 1][0] == "lit" and not found[whole_end - 1][1].strip()
    ):
        whole_end -= 1
    first = whole_end
    while first > 0 and found[first - 1][0] in ("digit", "comma"):
        first -= 1
    has_whole = first < whole_end
    if not has_whole:
        first = start  # the literals before the numerator are the fraction's own
    if any(kind in ("digit", "dot", "pct", "exp") for kind, _ in [*found[:first], *found[stop:]]):
        return None  # more than one number: not a fraction pattern
    if not math.isfinite(number):
        return None
    value = Fraction(repr(number))  # the decimal the cell holds, as Excel reads it
    whole = math.floor(value) if has_whole else 0
    part = value - whole
    if fixed:
        denominator = int(fixed)
        numerator = _half_up(part * denominator)
    else:
        nearest = part.limit_denominator(10 ** (stop - at - 1) - 1)
        numerator, denominator = nearest.numerator, nearest.denominator
    if has_whole and numerator == denominator:
        whole, numerator = whole + 1, 0
    shown_whole = ""
    if has_whole and (whole or found[whole_end - 1][1] == "0"):  # "# ?/?": no 0 before 1/2
        grouped = any(kind == "comma" for kind, _ in found[first:whole_end])
        shown_whole = f"{whole:,}" if grouped else str(whole)
    if has_whole and numerator == 0:
        body = shown_whole or "0"
    elif shown_whole:
        body = f"{shown_whole} {numerator}/{denominator}"
    elif numerator == 0 and number == 0:
        body = "0"
    else:
        body = f"{numerator}/{denominator}"
    before = "".join(text for _, text in found[:first])
    after = "".join(text for _, text in found[stop:])
    return f"{before}{body}{after}"


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _round(number: Decimal, places: int) -> Decimal:
    """Half away from zero to ``places`` decimals, however large the number."""
    return number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, _EXACT)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _fixed(number: Decimal, pattern: list[Token]) -> str:
    """The number through a pattern of placeholders without an exponent."""
    dot = next((n for n, (kind, _) in enumerate(pattern) if kind == "dot"), len(pattern))
    integer, fraction = pattern[:dot], pattern[dot + 1 :]
    while integer and integer[-1][0] == "comma":  # each trailing comma scales by a thousand
        integer, number = integer[:-1], number.scaleb(-3)
    while fraction and fraction[-1][0] == "comma":
        fraction, number = fraction[:-1], number.scaleb(-3)
    places = sum(kind == "digit" for kind, _ in fraction)
    rounded = _round(number, places)
    whole, _, decimals = f"{rounded:f}".partition(".")
    grouped = any(kind == "comma" for kind, _ in integer)
    out = _whole(whole.lstrip("0"), [t for t in integer if t[0] != "comma"], grouped=grouped)
    if dot < len(pattern):
        out += "." + _decimals(decimals, fraction)
    return out


def _whole(digits: str, integer: list[Token], *, grouped: bool) -> str:
    """The integer digits right to left into their placeholders (``0`` pads with 0,
    ``?`` with a space, ``#`` with nothing), extra digits before the first one."""
    slots = [text for kind, text in integer if kind == "digit"]
    if grouped:  # "#,##0": the digits in threes (interior literals are not covered)
        padded = digits.rjust(slots.count("0"), "0")
        head = len(padded) % 3 or 3
        return ",".join([padded[:head], *(padded[i : i + 3] for i in range(head, len(padded), 3))])
    out: list[str] = []
    left = digits
    for kind, text in reversed(integer):
        if kind != "digit":
            out.append(text)
            continue
        slots.pop()
        if not slots:  # the first placeholder takes what is left
            out.append(left or {"0": "0", "?": " "}.get(text, ""))
            left = ""
        else:
            out.append(left[-1:] or {"0": "0", "?": " "}.get(text, ""))
            left = left[:-1]
    return "".join(reversed(out))


def _decimals(digits: str, fraction: list[Token]) -> str:
    """The decimals into their placeholders: trailing zeros at ``#`` go, at ``?`` are spaces."""
    slots = [text for kind, text in fraction if kind == "digit"]
    shown_digits = list(digits)
    for n in range(len(slots) - 1, -1, -1):
        if slots[n] == "0" or shown_digits[n] != "0":
            break
        shown_digits[n] = " " if slots[n] == "?" else ""
    it = iter(shown_digits)
    return "".join(next(it) if kind == "digit" else text for kind, text in fraction)


def _scientific(number: Decimal, pattern: list[Token]) -> str:
    """``0.00E+00``: a mantissa with the pattern's digits and its exponent, ``##0.0E+0``
    (engineering) an exponent that is a multiple of the integer placeholders."""
    at = next(n for n, (kind, _) in enumerate(pattern) if kind == "exp")
    mantissa, exponent = pattern[:at], pattern[at + 1 :]
    dot = next((n for n, (kind, _) in enumerate(mantissa) if kind == "dot"), len(mantissa))
    slots = [text for kind, text in mantissa[:dot] if kind == "digit"]
    places = sum(kind == "digit" for kind, _ in mantissa[dot + 1 :])
    step = len(slots) if len(slots) > 1 and slots[0] in "#?" else 1
    width = max(len(slots), 1) if step == 1 else 1
    power = 0
    if number:
        power = number.adjusted() - (width - 1)
        power -= power % step
        scaled = _round(number.scaleb(-power), places)
        if scaled.adjusted() >= width - 1 + step:  # 9.99 rounded up to 10.0
            power += step
    scaled = _round(number.scaleb(-power), places)
    body = f"{scaled:f}"
    sign = "-" if power < 0 else ("+" if pattern[at][1] == "+" else "")
    digits = sum(kind == "digit" for kind, _ in exponent)
    return f"{body}E{sign}{abs(power):0{digits}d}"
