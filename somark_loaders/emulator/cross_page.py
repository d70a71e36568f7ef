"""What continues across a page break, as the service's cross-page features see it.

A table at the top of a page continues the table at the bottom of the previous page when
it has as many columns (its first row is then either that table's header printed again or
a data row: it never gets a header of its own). A paragraph at the top of a page continues
the last one of the previous page when that one stops mid-sentence. With
``enable_table_cross_page`` / ``enable_text_cross_page`` the page says so
(``merge_content_from_pre_page``), and the loader joins the parts.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..convert._continuation import goes_on, stops_mid_sentence
from ..convert.tables import Table, parse_table

# Blocks outside the text flow: a continuation skips over them.
_ASIDE = {"header", "footer", "footnote", "sider", "blank"}
_FIRST_ROW = re.compile(r"^(<table[^>]*>\s*(?:<thead>\s*)?<tr[^>]*>)(.*?)(</tr>)", re.S)


def _flow(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in page["blocks"] if b["type"] not in _ASIDE]


def _low(block: dict[str, Any], page: dict[str, Any]) -> bool:
    return float(block["bbox"][3]) > 0.55 * float(page["page_size"]["h"])


def _high(block: dict[str, Any], page: dict[str, Any]) -> bool:
    return float(block["bbox"][1]) < 0.45 * float(page["page_size"]["h"])


def _continued_table(before: dict[str, Any], after: dict[str, Any]) -> tuple[Table, Table] | None:
    """Both tables when ``after`` is the rest of ``before`` (as many columns), else ``None``."""
    old, new = parse_table(before["content"]), parse_table(after["content"])
    if old is None or new is None or old.width != new.width:
        return None
    return old, new


def _without_header(markup: str) -> str:
    """The HTML table with its first row's ``<th>`` cells made ``<td>`` (no ``<thead>``)."""
    demoted = _FIRST_ROW.sub(
        lambda m: (
            m.group(1) + m.group(2).replace("<th", "<td").replace("</th>", "</td>") + m.group(3)
        ),
        markup,
        count=1,
    )
    return demoted.replace("<thead>", "", 1).replace("</thead>", "", 1)


def mark_continuations(pages: list[dict[str, Any]], *, tables: bool, text: bool) -> None:
    """Flag (and fix the header of) what continues from the previous page, in place.

    Tables are always told apart from their continuation (a continuation never gets a
    header of its own); the page flag is set only for the features asked for.
    """
    for before_page, page in itertools.pairwise(pages):
        earlier, later = _flow(before_page), _flow(page)
        if not earlier or not later:
            continue
        last, first = earlier[-1], later[0]
        if not (_low(last, before_page) and _high(first, page)):
            continue
        both = _continued_table(last, first) if last["type"] == first["type"] == "table" else None
        if both is not None:
            old, new = both
            html = first["content"].lstrip().startswith("<table")
            if html and new.rows[:1] != old.rows[:1]:  # a data row: no header of its own
                first["content"] = _without_header(first["content"])
            page["merge_content_from_pre_page"] = page["merge_content_from_pre_page"] or tables
        elif (
            last["type"] == first["type"] == "text"
            and text
            and stops_mid_sentence(last["content"])
            and goes_on(first["content"])
        ):
            page["merge_content_from_pre_page"] = True
