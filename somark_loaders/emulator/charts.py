"""Native Office charts (DrawingML ``c:chartSpace``) -> their data, as a table.

A chart drawn by PowerPoint keeps its numbers only in the chart part's XML (the cached
values of its embedded workbook). SoMark's reference does not document how the service
returns a chart, so the emulator gives what a reader of the slide needs: the chart's
title (when it has one) as a ``table_caption`` and its data as a ``table`` block, one row
per category and one column per series, the values as the chart's own number format shows
them. This reads the XML, so every chart type works alike: bar, column, line, pie, area,
radar, scatter (x values in place of categories) and bubble charts. A workbook's chart
that keeps no cached values (openpyxl and other generators write only the cells' range)
is read from those cells, through ``resolve``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from .cells import shown
from .office import Cell, table_html

__all__ = ["Resolve", "chart_blocks"]

# a range of cells (``'Data'!$B$2:$B$9``) -> their shown texts in order, or None
Resolve = Callable[[str], "list[str] | None"]

_NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


def chart_blocks(chart_space: Any, resolve: Resolve | None = None) -> list[tuple[str, str]]:
    """``(type, content)`` of the blocks a chart gives: its title as ``table_caption``
    (none when the chart has no title of its own) and its data as ``table``; ``resolve``
    reads a range of cells where the chart caches no values."""
    out: list[tuple[str, str]] = []
    title = _texts(chart_space.find("c:chart/c:title", _NS))
    if title:
        out.append(("table_caption", title))
    series = chart_space.findall(".//c:plotArea/*/c:ser", _NS)
    names: list[str] = []
    columns: list[dict[int, str]] = []
    categories: dict[int, str] = {}
    for number, ser in enumerate(series, start=1):
        name = _texts(ser.find("c:tx", _NS)) or next(
            iter(_points(ser.find("c:tx", _NS), resolve).values()), ""
        )
        names.append(name or f"Series {number}")
        categories = categories or _points(_first(ser, "c:cat", "c:xVal"), resolve)
        columns.append(_points(_first(ser, "c:val", "c:yVal"), resolve))
    if not columns:
        return out
    count = max([*categories, *(i for column in columns for i in column)], default=-1) + 1
    corner = _texts(chart_space.find(".//c:plotArea/c:catAx/c:title", _NS))
    corner = corner or _texts(chart_space.find(".//c:plotArea/c:valAx/c:title", _NS))
    rows = [[Cell(corner), *(Cell(name) for name in names)]]
    for index in range(count):
        label = categories.get(index, str(index + 1))
        rows.append([Cell(label), *(Cell(column.get(index, "")) for column in columns)])
    out.append(("table", table_html(rows)))
    return out


def _first(element: Any, *paths: str) -> Any:
    for path in paths:
        found = element.find(path, _NS)
        if found is not None:
            return found
    return None


def _texts(element: Any) -> str:
    """The text of a title or a series name: rich text runs, or the cached string."""
    if element is None:
        return ""
    paragraphs = element.findall(".//a:p", _NS)
    if paragraphs:
        lines = ("".join(t.text or "" for t in p.iterfind(".//a:t", _NS)) for p in paragraphs)
        return " ".join(line.strip() for line in lines if line.strip())
    return " ".join(v.text.strip() for v in element.iterfind(".//c:v", _NS) if v.text)


def _points(element: Any, resolve: Resolve | None = None) -> dict[int, str]:
    """Index -> shown text of a category or value reference's cached points (the
    innermost level of multi-level categories, its labels joined with their parents'),
    or of the cells it refers to when it caches none."""
    if element is None:
        return {}
    formula = element.find(".//c:f", _NS)
    if resolve is not None and element.find(".//c:pt", _NS) is None and formula is not None:
        values = resolve(formula.text or "") or []
        return {index: text for index, text in enumerate(values) if text}
    levels = element.findall(".//c:lvl", _NS)
    if levels:
        leaf = _cached(levels[0], "General")
        for parent in levels[1:]:
            spans = sorted(_cached(parent, "General").items())
            for index in leaf:
                owner = [text for start, text in spans if start <= index]
                if owner:
                    leaf[index] = f"{owner[-1]} {leaf[index]}"
        return leaf
    code = element.find(".//c:formatCode", _NS)
    return _cached(element, code.text if code is not None and code.text else "General")


def _cached(element: Any, number_format: str) -> dict[int, str]:
    out: dict[int, str] = {}
    numeric = element.find(".//c:numCache", _NS) is not None
    for point in element.iterfind(".//c:pt", _NS):
        value = point.find("c:v", _NS)
        if value is None or value.text is None:
            continue
        text = value.text.strip()
        code = point.get("formatCode") or number_format
        if numeric:
            with contextlib.suppress(ValueError):  # a point that is not a number stays as is
                text = shown(float(text), code)
        out[int(point.get("idx", len(out)))] = text
    return out
