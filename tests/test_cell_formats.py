"""A cell's value through its number format reads as Excel shows it (``cells.shown``):
rounding, locale and currency brackets, sections, padding, elapsed times, literal signs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from somark_loaders.emulator import cells

ACCOUNTING = '_($* #,##0_);_($* (#,##0);_($* "-"_);_(@_)'
ACCOUNTING_CENTS = '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)'
JAN_31 = dt.datetime(2024, 1, 31)


def check(number_format: str, value: Any, expected: str) -> None:
    assert cells.shown(value, number_format) == expected


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ("0%", 0.005, "1%"),
        ("0", 2.5, "3"),
        ("0", -2.5, "-3"),
        ("#,##0", 1234.5, "1,235"),
        ("0%", 0.125, "13%"),
        ("0.00", 2.675, "2.68"),
        ("0.0%", 0.0625, "6.3%"),
        ("0.00E+00", 12355000, "1.24E+07"),
        ("0.00E+00", 9.999, "1.00E+01"),
    ],
)
def test_numbers_round_half_away_from_zero_on_their_decimal_value(
    number_format: str, value: Any, expected: str
) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ("[$-409]mmmm d, yyyy", JAN_31, "January 31, 2024"),
        ("[$-F800]dddd, mmmm dd, yyyy", JAN_31, "Wednesday, January 31, 2024"),
        ("[$-F800]dddd, mmmm dd, yyyy", dt.datetime(2024, 1, 5), "Friday, January 5, 2024"),
        ("[$-x-sysdate]dddd, mmmm dd, yyyy", JAN_31, "Wednesday, January 31, 2024"),
        ("[$-en-US]h:mm:ss", dt.datetime(2024, 1, 5, 14, 3), "14:03:00"),
        ("[$-409]mmmm d, yyyy", 45322, "January 31, 2024"),
        ("[$€-407] #,##0.00", 1234.5, "€ 1,234.50"),
        ("[$-409]#,##0.00", 1234.5, "1,234.50"),
        ('"Day "d', JAN_31, "Day 31"),
    ],
)
def test_locale_brackets_show_their_symbol_or_nothing(
    number_format: str, value: Any, expected: str
) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        (ACCOUNTING, 0, "$ -"),
        (ACCOUNTING, 1234, "$ 1,234"),
        (ACCOUNTING, -1234, "$ (1,234)"),
        (ACCOUNTING, "Total", "Total"),
        (ACCOUNTING_CENTS, 0, "$ -"),
        (ACCOUNTING_CENTS, -1234.5, "$ (1,234.50)"),
        ("0;;", -5, ""),
        ("0;;", 0, ""),
        ("0;;", 5, "5"),
        ("0.0;(0.0)", 0, "0.0"),
        ('0;-0;"zero";"text: "@', "x", "text: x"),
        ('"$"0', -5, "-$5"),
        ("@", 12, "12"),
        ("H:MM:SS;@", dt.time(11, 11, 11), "11:11:11"),
        ('[>=1000]#,##0,"K";0', 1500, "2K"),
        ('[>=1000]#,##0,"K";0', 500, "500"),
        ("0_);(0)", 5, "5"),
        ("**0", 5, "5"),
    ],
)
def test_sections_padding_and_fill(number_format: str, value: Any, expected: str) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ("[h]:mm", dt.timedelta(days=1.5), "36:00"),
        ("[h]:mm", 1.5, "36:00"),
        ("[h]:mm:ss", dt.timedelta(days=1, hours=12, seconds=7), "36:00:07"),
        ("[mm]:ss", dt.timedelta(minutes=90, seconds=5), "90:05"),
        ("[hh]:mm", dt.timedelta(hours=3, minutes=4), "03:04"),
        ("h:mm:ss", dt.time(14, 2, 59, 600000), "14:03:00"),
        ("mmm", dt.datetime(2024, 3, 1), "Mar"),
        ("DD/MM/YY", dt.time(0, 0), "00/01/00"),
        ("DD/MM/YY", 0, "00/01/00"),
    ],
)
def test_times_elapsed_times_and_day_zero(number_format: str, value: Any, expected: str) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ('0"%"', 5, "5%"),
        ("0\\%", 5, "5%"),
        ("0%", 0.05, "5%"),
        ('0.0" %"', 12.34, "12.3 %"),
        ("#.##", 5, "5."),
        ("000-000-0000", 1234567890, "123-456-7890"),
        ('General" kg"', 5, "5 kg"),
    ],
)
def test_only_a_bare_percent_sign_multiplies(number_format: str, value: Any, expected: str) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ("# ?/?", 0.5, "1/2"),  # a recipe's or a drawing's measures: fell back to 0.5
        ("# ?/?", 1.75, "1 3/4"),
        ("# ?/?", 0.99, "1"),  # the nearest with a one-digit denominator is a whole
        ("# ?/?", 0, "0"),
        ("0 ?/?", 0.3, "0 2/7"),
        ("# ??/??", 3.14159, "3 14/99"),
        ("?/?", 2.5, "5/2"),  # no whole part: the fraction holds it
        ("# ?/16", 1.0625, "1 1/16"),  # a denominator of the format's own
        ("?/4", 0.8, "3/4"),
        ('# ?/8" in"', 2.375, "2 3/8 in"),
        ("#,##0 ?/?", 12345.5, "12,345 1/2"),
        ("# ?/?;(# ?/?)", -0.5, "(1/2)"),
        ("# ?/?", -1.75, "-1 3/4"),
        ("# ?/?", 1e23, "100000000000000000000000"),  # its decimal, not its binary value
    ],
)
def test_fractions_show_as_the_format_writes_them(
    number_format: str, value: Any, expected: str
) -> None:
    check(number_format, value, expected)


@pytest.mark.parametrize(
    ("number_format", "value", "expected"),
    [
        ("0", 1e300, "1" + "0" * 300),
        ("0.00E+00", 1e300, "1.00E+300"),
        ("mm-dd-yy", -5, "-5"),
        ("mm-dd-yy", 1e9, "1000000000"),
        ("[Red]", 5, "5"),
        ("0.00", float("nan"), "nan"),
        # a "valid to" date of a database export that rounds past the last date there is
        (
            "yyyy-mm-dd hh:mm:ss",
            dt.datetime(9999, 12, 31, 23, 59, 59, 999000),
            "9999-12-31 23:59:59.999000",
        ),
    ],
)
def test_values_no_format_can_show_fall_back_to_general(
    number_format: str, value: Any, expected: str
) -> None:
    check(number_format, value, expected)
