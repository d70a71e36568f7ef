"""Footnotes and endnotes of a Word file, numbered as Word numbers them by default.

Word prints a footnote at the foot of the page its reference is on and endnotes at the
end of the document; the service reads them from the rendered pages. The emulator has no
real pages for Word, so a footnote comes right after the paragraph (or table) that refers
to it, as a ``footnote`` block ``1 The text.``, and the endnotes come at the end, numbered
``i``, ``ii``, ... (Word's defaults: footnotes 1, 2, 3 and endnotes in lower-case Roman
numerals, each in the order of their references; a custom mark is shown as written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .word_numbering import roman

__all__ = ["Notes"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_PARTS = {"footnote": "/footnotes", "endnote": "/endnotes"}


_HIDDEN = frozenset({_FALLBACK, f"{_W}del", f"{_W}moveFrom"})


def _shown(ref: Any, element: Any) -> bool:
    """Whether a reference inside ``element`` is its own and shown: not in the copy of
    alternate content Word does not show, not deleted or moved away, not in a text box
    (read with the box's own paragraphs)."""
    for up in ref.iterancestors():
        if up is element:
            return True
        if up.tag in _HIDDEN or up.tag == f"{_W}txbxContent":
            return False
    return True


class Notes:
    """The notes of one document, handed out as their references come."""

    def __init__(self, texts: dict[str, dict[str, str]]) -> None:
        self._texts = texts  # kind -> note id -> text
        self._count = {"footnote": 0, "endnote": 0}
        self._endnotes: list[str] = []

    @classmethod
    def of(cls, document: Any, text_of: Callable[[Any], str]) -> Notes:
        """The notes of a python-docx ``document``; ``text_of`` reads a paragraph."""
        from lxml import etree  # python-docx's own XML library

        texts: dict[str, dict[str, str]] = {"footnote": {}, "endnote": {}}
        for rel in document.part.rels.values():
            kind = next((k for k, tail in _PARTS.items() if rel.reltype.endswith(tail)), None)
            if kind is None or rel.is_external:
                continue
            try:
                root = etree.fromstring(rel.target_part.blob)
            except (AttributeError, ValueError, etree.XMLSyntaxError):
                continue
            for note in root.iter(f"{_W}{kind}"):
                if note.get(f"{_W}type") in ("separator", "continuationSeparator"):
                    continue
                lines = [text_of(p).strip() for p in note.iter(f"{_W}p")]
                texts[kind][note.get(f"{_W}id", "")] = "\n".join(line for line in lines if line)
        return cls(texts)

    def footnotes(self, element: Any) -> list[str]:
        """The footnotes ``element`` (a paragraph or a table) refers to outside its text
        boxes, each as ``N text``; its endnotes are kept for :meth:`endnotes`."""
        found: list[str] = []
        for ref in element.iter(f"{_W}footnoteReference", f"{_W}endnoteReference"):
            if not _shown(ref, element):
                continue
            kind = "footnote" if ref.tag == f"{_W}footnoteReference" else "endnote"
            text = self._texts[kind].get(ref.get(f"{_W}id", ""))
            if ref.get(f"{_W}customMarkFollows") in ("1", "true", "on"):
                run = ref.getparent()  # the mark is the text of the run after the reference's
                after = run.getnext() if run is not None else None
                marks = after.iter(f"{_W}t") if after is not None else ()
                mark = "".join(t.text or "" for t in marks)
            else:
                self._count[kind] += 1
                number = self._count[kind]
                mark = str(number) if kind == "footnote" else roman(number)
            if not text:
                continue
            (found if kind == "footnote" else self._endnotes).append(f"{mark} {text}".strip())
        return found

    def endnotes(self) -> list[str]:
        """The endnotes referred to so far, in order, each as ``i text``."""
        return list(self._endnotes)
