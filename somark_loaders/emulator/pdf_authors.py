"""A paper's author line ("Patrick N.J. Lane a,c,*, Alice E. Best b,c,d, Lu Zhang b,c"):
person names separated by commas or "and", set large under the paper's title. The
service returns it as text, never as a title: as a title it would become the parent of
every section heading of the paper."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from ._placed import Placed
from ._text import is_cjk


class _Line(Placed, Protocol):
    """A line of the PDF engine (``pdf_lines.Line``), as far as this module reads it."""

    words: list[dict[str, Any]]

    @property
    def size(self) -> float: ...


class _PageLayout(Protocol):
    """A page of the PDF engine (``pdf._PageLayout``): its number and paragraphs."""

    @property
    def number(self) -> int: ...
    @property
    def paras(self) -> Sequence[Sequence[_Line]] | None: ...


# An affiliation mark: a letter or a number, a star or a dagger ("a", "1*", "†"); a run
# of them is separated by commas ("a,c,*,", "1,2").
_MARK = re.compile(r"^(?:[a-z]|\d{1,3})?[*∗†‡§¶#]*$")
_TRAILING_SYMBOLS = re.compile(r"[*∗†‡§¶#]+,?$")
# Between two names: a comma, a semicolon, "and", "&".
_SEPARATOR = re.compile(r"\s*(?:[,;&]|\band\b)\s*")
# "van der Berg", "de Souza", "bin Ahmad" keep their lowercase particles.
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le",
    "bin", "al", "el", "ter", "ten", "zu", "y",
})  # fmt: skip
_NAME_PUNCTUATION = ".-'’"


def author_line(para: Sequence[_Line], page: _PageLayout) -> bool:
    """Whether ``para`` is a list of person names: with affiliation marks after the names
    (on any page: a chapter's authors in a book), or without marks two names or more
    right under a paragraph in larger type on the first page (the paper's title)."""
    if len(para) > 3:
        return False
    marked = False
    text: list[str] = []
    for line in para:
        tops = sorted(float(w["top"]) for w in line.words)
        for word in line.words:
            token, mark = _strip_mark(word, line.size, tops[len(tops) // 2])
            marked = marked or mark
            text.append(token)
    names = [part for part in _SEPARATOR.split(" ".join(text)) if part.strip()]
    if not names or not all(_person_name(name) for name in names):
        return False
    if marked:
        return True
    return page.number == 0 and len(names) >= 2 and _under_larger_type(para, page)


def _strip_mark(word: dict[str, Any], size: float, top: float) -> tuple[str, bool]:
    """A word without its affiliation mark (a mark ends a name: it stands for a comma),
    and whether it had one; ``size`` and ``top`` are the line's."""
    text = str(word["text"])
    # the text layer may join a raised mark and the comma or star after it into one word
    # in the line's size ("a,c,*,", "2,"): letters and symbols are marks in any size, a
    # number only when set small or raised (not "Study 2")
    raised = float(word["size"]) <= 0.85 * size or float(word["top"]) < top - 0.1 * size
    marks = [mark.strip() for mark in text.split(",") if mark.strip()]
    if marks and all(_MARK.match(m) for m in marks) and (raised or not text.strip(" ,").isdigit()):
        return ",", True
    stripped = _TRAILING_SYMBOLS.sub("", text)
    if stripped != text and stripped:
        return stripped + ",", True
    return text, False


def _person_name(name: str) -> bool:
    """Two to five capitalised words or initials ("Patrick N.J. Lane", "J.-P. Dupont",
    "Ana de la Cruz"), or two to four CJK characters (张三)."""
    tokens = name.split()
    if len(tokens) == 1 and is_cjk(tokens[0]):
        return 2 <= len(tokens[0]) <= 4 and tokens[0].isalpha()
    if not 2 <= len(tokens) <= 5 or all(t in _PARTICLES for t in tokens):
        return False
    return all(
        t in _PARTICLES
        or (t[0].isupper() and all(c.isalpha() or c in _NAME_PUNCTUATION for c in t))
        for t in tokens
    )


def _under_larger_type(para: Sequence[_Line], page: _PageLayout) -> bool:
    """The nearest paragraph above ``para`` in its column is set larger (the title)."""
    top, x0, x1 = para[0].top, min(x.x0 for x in para), max(x.x1 for x in para)
    above = [
        other
        for other in page.paras or ()
        if other is not para
        and other[-1].bottom <= top + 1.0
        and min(x.x0 for x in other) < x1
        and max(x.x1 for x in other) > x0
    ]
    if not above:
        return False
    nearest = max(above, key=lambda other: other[-1].bottom)
    return max(x.size for x in nearest) >= para[0].size + 0.5
