"""A table's rows as text: pipe rows, cells flattened or escaped for HTML (the pieces
:class:`.tables.Table` renders with)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["UNIT", "esc", "flat", "html_row", "joined_cells", "md_row", "pad", "short_row"]


def pad(row: tuple[str, ...] | list[str], width: int) -> tuple[str, ...]:
    return tuple(row) + ("",) * (width - len(row))


def flat(cell: str) -> str:
    return " ".join(cell.split())


def esc(cell: str) -> str:
    """``html.escape(cell)`` (the same replacements, in its order), line breaks as
    ``<br>``: the :mod:`html` package is not imported for it (its entity tables)."""
    return (
        cell.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("\n", "<br>")
    )


def short_row(row: tuple[str, ...]) -> str:
    """A pipe row up to its last cell with text (at least one cell)."""
    end = len(row)
    while end > 1 and not row[end - 1].strip():
        end -= 1
    return md_row(row[:end], end)


def md_row(row: tuple[str, ...], width: int) -> str:
    padded = pad(row, width)
    plain = joined_cells(padded)
    if plain is not None:  # the cells escaped at once
        return "| " + plain.replace("|", "\\|").replace("\n", "<br>").replace(UNIT, " | ") + " |"
    cells = [c.replace("|", "\\|").replace("\n", "<br>") for c in padded]
    return "| " + " | ".join(cells) + " |"


# Joins the cells of a row that are escaped as one text (escaping works a character at a
# time and leaves it alone): the unit separator, which no cell holds (checked).
UNIT = "\x1f"


def joined_cells(row: tuple[str, ...]) -> str | None:
    """The cells of ``row`` joined by :data:`UNIT`, or ``None`` when there are none or
    one holds it."""
    joined = UNIT.join(row)
    return joined if row and joined.count(UNIT) == len(row) - 1 else None


def html_row(
    r: int,
    cells: tuple[str, ...],
    tag: str,
    covered: set[tuple[int, int]],
    spans: Mapping[tuple[int, int], Sequence[int]],
    *,
    plain: bool,
) -> str:
    """Row ``r`` of a table as ``<tr>``: when ``plain`` (no merged cell starts or goes on
    in it) its cells escaped at once; else each cell with its spans, the positions a
    merged cell ``covered`` left out."""
    if plain:
        joined = joined_cells(cells)
        if joined is not None:
            return f"<tr><{tag}>{esc(joined).replace(UNIT, f'</{tag}><{tag}>')}</{tag}></tr>"
    out = []
    for c, text in enumerate(cells):
        if covered and (r, c) in covered:
            continue
        down, across = spans.get((r, c), (1, 1))
        attrs = (f' rowspan="{down}"' if down > 1 else "") + (
            f' colspan="{across}"' if across > 1 else ""
        )
        out.append(f"<{tag}{attrs}>{esc(text)}</{tag}>")
    return "<tr>" + "".join(out) + "</tr>"
