"""Booktabs frames: a rule above a table, a rule under its column names, a rule under
its last row, all of one width, and no vertical line.

Papers set their small tables this way (LaTeX's ``booktabs``: ``\\toprule``,
``\\midrule``, ``\\bottomrule``). The reader of aligned words (:mod:`.aligned_tables`)
asks for three rows before it calls aligned words a table, since two lines of numbers
in a column of text prove little; a table of two rows (``Gold 44.9 66.8 78.1`` and
``Dist. Sup. 43.9 65.3 77.1`` under ``Top-1 Top-5 Top-20``) came out as lines of text.
The frame is the proof the rows lack: inside one, two rows make a table
(:func:`.pdf_tables.find_tables`), and the lines above the rule under the column names
are its header, also where a name spans columns (``Retrieval Accuracy`` over ``Top-1``
to ``Top-100``) and fits none of them.

A frame is three to six rules of one span (within 3 pt), each gap between two of them
holding text that is neither a caption nor prose (a caption or a paragraph between two
rules parts two tables that share a column's width), one gap holding two lines or more
(the body: the gaps of a form's lines to write on hold one line each), and no vertical
line down half of it or more (booktabs draws none; a form's columns of amounts do).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from ._words import inside, overlaps, page_words

__all__ = ["Frame", "booktabs_frames", "cell_words"]

Box = tuple[float, float, float, float]
Rule = tuple[float, float, float]  # top, x0, x1
Words = list[dict[str, Any]]

_LEAST_WIDTH = 60.0  # points: a rule under a table's columns, not a line under a word
_SAME = 3.0  # points: two rules of one span
_THICK = 1.5  # points: the two edges of one filled rule
_MOST_RULES = 6
_UPRIGHT = 0.5  # of a frame's height: a vertical line inside it that long is a column rule
# a caption, or the label of a ruled algorithm or listing box (algorithm2e's "ruled" style
# draws a top rule, the label, a rule, the lines and a bottom rule: no table)
_CAPTION = re.compile(
    r"^(Table|TABLE|Tableau|Tabelle|Tabla|Figure|FIGURE|Fig\.|Abbildung|Algorithm|ALGORITHM"
    r"|Listing|Procedure|Program|续?表|图|算法)\s*\d",
)
_WORD = re.compile(r"[^\W\d_]{2,}[,;]?")  # a word of two letters or more, a comma after it
_CJK_SENTENCE = re.compile(r"[\u3400-\u9fff][。，；]")
_RUN = 6  # words in a row: a sentence when most of them are not capitalised


class Frame(NamedTuple):
    """A booktabs frame: the words of its header (above the rule under the column
    names), of its body (below it), its box (the rules' span, top rule to bottom rule),
    and whether text it leaves out touches that box (a word on a rule, within the point
    by which a table's box takes words; text turned sideways)."""

    head: Words
    body: Words
    box: Box
    strays: bool

    def holds(self, rows: Sequence[Sequence[str | None]]) -> bool:
        """Whether the cells of ``rows`` hold every word of the frame, and no text the
        frame left out touches its box."""
        words = Counter(str(word["text"]) for word in self.head + self.body)
        return not self.strays and not words - cell_words(rows)

    def around(self, rows: Sequence[Sequence[str | None]], box: Box) -> Box:
        """The box of a table read from the frame (``rows``, found at ``box``): the
        frame's when the table :meth:`holds` the frame. A ``\\multirow`` label left of
        the columns (``DP`` beside its ``NLL`` and ``Triplet`` rows) is then in the
        table, not a line of text beside it as well. Else the box stays as it was: a
        word the rows left out, or text the frame left out, must stay a line of text."""
        if not self.holds(rows):
            return box
        left, top, right, bottom = self.box
        return (min(left, box[0]), min(top, box[1]), max(right, box[2]), max(bottom, box[3]))


def cell_words(rows: Sequence[Sequence[str | None]]) -> Counter[str]:
    """The words of a table's cells, each as often as it is written."""
    return Counter(part for row in rows for cell in row if cell for part in cell.split())


def booktabs_frames(page: Any, taken: list[Box]) -> list[Frame]:
    """The booktabs frames of ``page`` outside ``taken``."""
    words = [w for w in page_words(page) if w.get("upright", True)]
    found: list[Frame] = []
    for frame in _frames(_rules(page), words):
        box = (frame[0][1], frame[0][0], frame[0][2], frame[-1][0])
        if any(overlaps(box, other) for other in taken) or _upright_lines(page, box):
            continue
        held = [w for w in words if _centre_in(w, box)]
        mid = frame[1][0]
        head = [w for w in held if float(w["bottom"]) <= mid + 1]
        body = [w for w in held if float(w["bottom"]) > mid + 1]
        found.append(Frame(head, body, box, _strays(page, words, held, box)))
    return found


def _strays(page: Any, words: Words, kept: Words, box: Box) -> bool:
    """Whether text outside ``kept`` touches ``box``: an upright word within a point of
    it (as a table's box takes words), or a character turned sideways on it (a turned
    block touching a table is dropped)."""
    ids = {id(word) for word in kept}
    if any(id(word) not in ids and inside(word, box) for word in words):
        return True
    near = (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1)
    return any(
        not char.get("upright", True)
        and overlaps(
            (float(char["x0"]), float(char["top"]), float(char["x1"]), float(char["bottom"])), near
        )
        for char in page.chars
    )


def _upright_lines(page: Any, box: Box) -> bool:
    """Whether a vertical line inside ``box`` runs down half of it or more (a column's
    rule; a short one between two column names in the header is allowed)."""
    left, top, right, bottom = box
    return any(
        e.get("orientation") == "v"
        and left + _SAME < float(e["x0"]) < right - _SAME
        and min(float(e["bottom"]), bottom) - max(float(e["top"]), top) >= _UPRIGHT * (bottom - top)
        for e in page.edges
    )


def _rules(page: Any) -> list[Rule]:
    """The page's horizontal rules, a filled rule's two edges as one."""
    edges = sorted(
        (float(e["top"]), float(e["x0"]), float(e["x1"]))
        for e in page.edges
        if e.get("orientation") == "h" and float(e["x1"]) - float(e["x0"]) >= _LEAST_WIDTH
    )
    rules: list[Rule] = []
    for top, x0, x1 in edges:
        if not _edge_of(rules, top, x0, x1):
            rules.append((top, x0, x1))
    return rules


def _edge_of(rules: list[Rule], top: float, x0: float, x1: float) -> bool:
    """Whether an edge at ``top`` is the other edge of a rule of ``rules`` (sorted down
    the page) of its span, however many rules of other spans lie between them."""
    for t, a, b in reversed(rules):
        if top - t > _THICK:
            return False
        if _same(x0, x1, a, b):
            return True
    return False


def _frames(rules: list[Rule], words: Words) -> list[list[Rule]]:
    """Runs of three to six rules of one span with a table's text between them."""
    groups: list[list[Rule]] = []
    for rule in rules:
        group = next((g for g in groups if _same(rule[1], rule[2], g[0][1], g[0][2])), None)
        if group is None:
            groups.append([rule])
        else:
            group.append(rule)
    frames: list[list[Rule]] = []
    for group in groups:
        chain = group[:1]
        for rule in group[1:]:
            band = _band(words, chain[-1], rule)
            if band and not any(_CAPTION.match(line) or _prose(line) for line in band):
                chain.append(rule)
                continue
            frames.append(chain)
            chain = [rule]
        frames.append(chain)
    headed = [_from_header(f, words) for f in frames]
    return [
        f
        for f in headed
        if 3 <= len(f) <= _MOST_RULES and any(len(_band(words, a, b)) >= 2 for a, b in pairwise(f))
    ]


def _from_header(frame: list[Rule], words: Words) -> list[Rule]:
    """``frame`` from its first band that reads as a header: a line of two column names
    or more. A rule under a running head or a section heading (``4 Results``) above the
    table's top rule starts the run of rules, and its band holds one name a line."""
    while len(frame) >= 3 and not any(
        _names(line) >= 2 for line in _band_lines(words, frame[0], frame[1])
    ):
        frame = frame[1:]
    return frame


def _names(line: Words) -> int:
    """The names on a line: runs of words apart by more than a word space (a font's
    height, as the reader of aligned words parts cells)."""
    count, last = 0, None
    for word in sorted(line, key=lambda w: float(w["x0"])):
        size = float(word["bottom"]) - float(word["top"])
        count += last is None or float(word["x0"]) - last > 0.8 * size
        last = float(word["x1"])
    return count


def _prose(line: str) -> bool:
    """Whether ``line`` reads as a sentence: six words in a row, four of them or more
    not capitalised (lower case, or a script without case), or CJK text with a
    sentence's marks. A header's column names (``NQ TriviaQA WQ TREC SQuAD``) are no
    sentence."""
    if _CJK_SENTENCE.search(line):
        return True
    tokens = line.split()
    return any(
        all(_WORD.fullmatch(t) for t in tokens[i : i + _RUN])
        and sum(not t[0].isupper() for t in tokens[i : i + _RUN]) >= _RUN - 2
        for i in range(len(tokens) - _RUN + 1)
    )


def _band(words: Words, upper: Rule, lower: Rule) -> list[str]:
    """The lines of text between two rules, within their span."""
    lines = _band_lines(words, upper, lower)
    return [
        " ".join(w["text"] for w in sorted(line, key=lambda w: float(w["x0"]))) for line in lines
    ]


def _band_lines(words: Words, upper: Rule, lower: Rule) -> list[Words]:
    """The lines of words between two rules, within their span."""
    held = sorted(
        (w for w in words if _centre_in(w, (upper[1], upper[0], upper[2], lower[0]))),
        key=lambda w: (float(w["top"]), float(w["x0"])),
    )
    lines: list[Words] = []
    for word in held:
        if lines and abs(float(word["top"]) - float(lines[-1][0]["top"])) <= 0.5 * (
            float(word["bottom"]) - float(word["top"])
        ):
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _same(x0: float, x1: float, a: float, b: float) -> bool:
    return abs(x0 - a) <= _SAME and abs(x1 - b) <= _SAME


def _centre_in(word: dict[str, Any], box: Box) -> bool:
    cx = (float(word["x0"]) + float(word["x1"])) / 2
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
