"""Text rules of the emulator that depend on the script: joining wrapped lines (no space
inside CJK text) and numbered headings (第一章, 第二节, 第 7.9 条, 一、, （一）, 1、)."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_HAN_DIGITS = "一二三四五六七八九十百零〇两"
# What follows a clause's number when a sentence cites it rather than heads it:
# 第十三条第一項中 (in its first paragraph), 第三条の二第一項 (article 3-2's), 第七条规定
# (article 7 says), 第五条的, 第二条、第三条 (a list of clauses); 中 only before 第 or 「
# (第二条中华人民共和国 is a heading). A branch number is part of the label (第三条の十二,
# 第十五條之一, 第3条の2), never cut short by backtracking.
_CITED = r"(?:[の第及並又をにはがへとやから的之规所至和与或、，。,]|中(?=[第「]))"

# Numbered headings, from the outermost kind to the innermost. A document's levels are
# the kinds it uses, in this order (a report with 一、 and （一） has them as 1 and 2).
_NUMBERED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*[0-9{_HAN_DIGITS}]+\s*[编篇部]")),
    ("chapter", re.compile(rf"^第\s*[0-9{_HAN_DIGITS}]+\s*章")),
    ("section", re.compile(rf"^第\s*[0-9{_HAN_DIGITS}]+\s*节")),
    (
        "clause",
        re.compile(
            rf"^第\s*[0-9{_HAN_DIGITS}][0-9.．{_HAN_DIGITS}]*\s*[条條](?:[の之][0-9{_HAN_DIGITS}]+)*(?![0-9{_HAN_DIGITS}]|{_CITED})"
        ),
    ),
    ("han", re.compile(rf"^[{_HAN_DIGITS}]+\s*[、．]")),
    ("han-paren", re.compile(rf"^[（(]\s*[{_HAN_DIGITS}]+\s*[)）]")),
    ("arabic", re.compile(r"^\d{1,3}\s*、")),
    ("arabic-paren", re.compile(r"^[（(]\s*\d{1,3}\s*[)）](?=\s*" + _CJK.pattern + ")")),
)
# A heading does not end a sentence or a clause.
_SENTENCE_END = ("。", "；", "，", "：", ";", ",", ":", "！", "？")
MAX_HEADING_CHARS = 40
# A caption's label: "Table 2: ...", "Figure 1. ...", "FIGURE 3 The ...", "Fig. 4 – Packages
# ..." (a dash after the number, as many reports write it), "Table 3-1 Special registers"
# (not "Table 2 compares"), "表 7.5 停车区用地指标", "图 3 ...", "续表 2", and the labels
# of other languages: "Abbildung 1.2: ...", "Tabelle 3 Ergebnisse" (not "Tabelle 3
# zeigt"), "Tableau 2.", "Figura 4 -", "Рисунок 1 — ...", "Таблица 2 ...", "図 3", "표 1".
_LABELS = (
    r"Table|TABLE|Tab\.|Tabelle|TABELLE|Tableau|TABLEAU|Tabla|TABLA|Tabella|Tabela|Tabel"
    r"|Таблица|ТАБЛИЦА|Табл\."
    r"|Figure|FIGURE|Fig\.|FIG\.|Abbildung|ABBILDUNG|Abb\.|Figura|FIGURA|Rysunek|Afbeelding"
    r"|Рисунок|РИСУНОК|Рис\."
)
_CAPTION = re.compile(
    rf"^((?P<latin>{_LABELS})\s*\d+([.-]\d+)*"
    r"(\s*[.:]|\s+[A-ZÀ-ÖØ-ÞА-ЯЁ]|(\s*—\s*|\s+[-–]\s+)\S)"  # not a range: "Table 1–3 show"
    r"|(?P<han>续?表|图|図|그림|표)\s*\d+([.．-]\d+)*\s*\S)"
)


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one string: a space where a line wrapped between two
    words, none where it wrapped inside CJK text (where words have no spaces), and a word
    hyphenated at the end of a line made whole ("ef-" + "ficient"; "Lucene-" + "BM25"
    keeps its hyphen)."""
    out = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if len(out) > 1 and out[-1] == "-" and out[-2].isalpha():
            out = out[:-1] + line if line[0].islower() else out + line
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def squeeze(text: str) -> str:
    """Spaces a text layer leaves between CJK characters (or a CJK character and a
    digit) taken out: "第 7.9 条" -> "第7.9条"."""
    cjk = _CJK.pattern[1:-1]
    text = re.sub(rf"(?<=[{cjk}])\s+(?=[{cjk}0-9])", "", text)
    return re.sub(rf"(?<=[{cjk}0-9.])\s+(?=[{cjk}])", "", text)


def numbered_kind(text: str) -> str | None:
    """The kind of numbered heading ``text`` starts with, or ``None``."""
    start = text.lstrip()
    for kind, pattern in _NUMBERED:
        if pattern.match(start):
            return kind
    return None


def kind_order() -> list[str]:
    return [kind for kind, _ in _NUMBERED]


def split_clause(text: str) -> tuple[str, str] | None:
    """("第7.9条", rest) when ``text`` is a numbered clause with its body on the same
    line; ``None`` otherwise."""
    start = text.lstrip()
    for kind, pattern in _NUMBERED:
        found = pattern.match(start)
        if found and kind in {"clause", "chapter", "section", "part"}:
            rest = start[found.end() :].strip()
            return squeeze(found.group(0)), rest
    return None


def heading_like(text: str) -> bool:
    """A short numbered line that does not end a sentence: a heading of its own."""
    stripped = text.strip()
    return (
        numbered_kind(stripped) is not None
        and len(stripped) <= MAX_HEADING_CHARS
        and not stripped.endswith(_SENTENCE_END)
    )


def caption_kind(text: str) -> str | None:
    """``"table_caption"`` or ``"figure_caption"`` when ``text`` starts with a caption's
    label (``Table 2:``, ``Figure 1 –``, ``表 3``, ``图 3``), else ``None``."""
    found = _CAPTION.match(text)
    if found is None:
        return None
    label = found.group("latin") or found.group("han")
    table = label.lower().startswith(("tab", "таб")) or "表" in label or label == "표"
    return "table_caption" if table else "figure_caption"
