"""The rows of a table in the plain HTML SoMark (and the emulator) writes, read without a
general HTML parser: a fast path that reads exactly what lxml reads, for markup it is sure
of, and answers ``None`` for anything else (the caller then uses a real parser).

Plain markup is one ``<table>`` (whitespace around it) whose children are ``<tr>`` rows,
directly or in ``<thead>``/``<tbody>``/``<tfoot>``; each row holds ``<td>``/``<th>`` cells
and nothing else; a cell holds text and ``<br>`` line breaks; every tag is closed, in
lower case, with quoted (or plain alphanumeric) attribute values; the only entities are
those :func:`html.escape` writes; no control character. The whole markup is checked
against that grammar at once (one regular expression, in C) before any row is read: a
table that is not plain is never read halfway. Reading then takes a row at a time, and a
row of plain cells (no attribute, entity, line break or run of spaces: most rows) in one
step.
"""

from __future__ import annotations

import functools
import re

from ._cells import RowCells, cell_text, span

__all__ = ["plain_rows"]

_S = "[ \t\n]"
# attributes: lower-case names, values quoted (no markup or entity inside) or plain
_ATTRS = (
    rf"(?:{_S}+[a-z][a-z-]*{_S}*={_S}*"
    r"(?:\"[^\"<>&]*\"|'[^'<>&]*'|[A-Za-z0-9_.:-]+))*"
    rf"{_S}*"
)
_CONTENT = rf"[^<]*(?:<br{_S}*/?>[^<]*)*"


def _row(group: int) -> str:
    """A row whose cells' tag is group number ``group`` of the whole pattern."""
    return rf"<tr{_ATTRS}>(?:{_S}*<(t[dh]){_ATTRS}>{_CONTENT}</\{group}>)*{_S}*</tr>"


_SECTION = rf"<(thead|tbody|tfoot){_ATTRS}>(?:{_S}*{_row(3)})*{_S}*</\2>"
_TABLE = rf"{_S}*<table{_ATTRS}>(?:{_S}*(?:{_row(1)}|{_SECTION}))*{_S}*</table>{_S}*"

# characters libxml2 may read otherwise than as they stand (controls, \r, surrogates...)
_UNSAFE = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
# an ampersand that does not open one of html.escape's entities
_ODD_ENTITY = r"&(?!(?:amp|lt|gt|quot|#x27|#39);)"


# A part of that grammar, matched in half the time: the markup as SoMark (and the emulator)
# writes it, no whitespace between tags, spans the only attributes, no line break in a
# cell. Markup it takes is plain; other markup is checked against the whole grammar.
_SPAN = "(?: (?:rowspan|colspan)=\"[0-9]{1,4}\"| (?:rowspan|colspan)='[0-9]{1,4}')*"
_SOMARK_ROW = rf"<tr>(?:<td{_SPAN}>[^<]*</td>|<th{_SPAN}>[^<]*</th>)*</tr>"
_SOMARK_TABLE = (
    rf"<table>(?:{_SOMARK_ROW}|<thead>(?:{_SOMARK_ROW})*</thead>"
    rf"|<tbody>(?:{_SOMARK_ROW})*</tbody>)*</table>"
)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled on first use (the package's import does not pay for them)."""
    return (
        re.compile(_TABLE),
        re.compile(_UNSAFE),
        re.compile(_ODD_ENTITY),
        # a cell: its tag, attributes and content
        re.compile(rf"<(t[dh])((?:{_S}[^>]*)?)>({_CONTENT})</t[dh]>"),
        re.compile(rf"<br{_S}*/?>"),
        re.compile(r"([a-z][a-z-]*)[ \t\n]*=[ \t\n]*(?:\"([^\"]*)\"|'([^']*)'|([^ \t\n>]+))"),
        # the contents of a row's cells when they have no attribute and no line break:
        # each cell's tag is then "<td" or "<th", whitespace and ">", so the first ">"
        # after a cell ends its tag (a third of the work of the pattern above)
        re.compile(r">([^<]*)</t[dh]>"),
        re.compile(_SOMARK_TABLE),
    )


def plain_rows(markup: str) -> list[RowCells] | None:
    """The rows of ``markup`` when it is a plain table (see the module), else ``None``."""
    table, unsafe, odd_entity, cells_re, br_re, attr_re, contents_re, somark = _patterns()
    if (not markup.isprintable() and unsafe.search(markup) is not None) or (
        "&" in markup and odd_entity.search(markup) is not None
    ):
        return None
    if somark.fullmatch(markup) is None and table.fullmatch(markup) is None:
        return None
    rows: list[RowCells] = []
    section = "tbody"
    # The markup is plain: a "<tr" opens a row, "</tr>" closes it, and only whitespace and
    # the tags of sections and of the table stand between a row and the one before.
    for piece in markup.split("</tr>")[:-1]:
        between, _, row = piece.rpartition("<tr")
        if between:  # the last section tag decides (a closed one: the rows are in the body)
            marks = (between.rfind("<thead"), between.rfind("<tfoot"), between.rfind("</"))
            last = max(*marks, between.rfind("<tbody"))
            if last >= 0:
                section = "thead" if last == marks[0] else "tfoot" if last == marks[1] else "tbody"
        inner = row[row.index(">") + 1 :]
        if not (
            "=" in inner
            or "<br" in inner
            or "&" in inner
            or "\n" in inner
            or "  " in inner
            or "\t" in inner
        ):
            # plain cells: the text as it stands, stripped (what cell_text gives)
            contents = contents_re.findall(inner)
            header = section == "thead" or (bool(contents) and "<td" not in inner)
            rows.append(RowCells([content.strip() for content in contents], None, header))
            continue
        cells = cells_re.findall(inner)
        header = section == "thead" or (bool(cells) and "<td" not in inner)
        texts: list[str] = []
        spans: list[tuple[int, int]] = []
        for _, attrs, raw in cells:
            content = br_re.sub("\n", raw) if "<" in raw else raw
            if "&" in content:  # html (its entity tables) imported for such a cell only
                from html import unescape

                content = unescape(content)
            texts.append(cell_text(content))
            if not attrs:
                spans.append((1, 1))
                continue
            values: dict[str, str] = {}
            for name, double, single, bare in attr_re.findall(attrs):
                if name in values:  # said twice: which one libxml2 keeps is not ours to guess
                    return None
                values[name] = double or single or bare
            spans.append((span(values.get("rowspan")), span(values.get("colspan"))))
        has_spans = any(pair != (1, 1) for pair in spans)
        rows.append(RowCells(texts, spans if has_spans else None, header))
    return rows
