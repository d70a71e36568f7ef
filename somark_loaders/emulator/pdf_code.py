"""Code in a PDF's running text: lines set in a monospaced font (Courier, TeX's CMTT,
Consolas, ``...Mono``) in a document whose body is not.

SoMark's elements include "Code block" (type ``code``). Read as prose, a listing's lines
ran into one paragraph with the sentence after it (libtasn1's manual: ``END The ::=
token must be separate ...``). A run of such lines is code when it looks like a listing:
three words at least, its first line at its left edge (a tree's labels in Courier are set
about, the first not leftmost); lines that are each an address (``name@host``, a URL:
set in a monospaced font but no code) are none. A run right under a listing (a blank line apart at
most) goes on with it. Code is a
paragraph of its own, a blank line inside it allowed, read a line a line with its
indents (:func:`code_text`). A run that is no code stays in its paragraph.
"""

from __future__ import annotations

import statistics

from .pdf_lines import Line

__all__ = ["code_text", "is_code", "split_code"]

CODE_GAP = 2.2  # line heights between two lines of one listing, at most (a blank line)
CODE_WORDS = 3  # words of a listing, at least
_ADDRESS = ("@", "://", "www.")


def is_code(para: list[Line]) -> bool:
    """Whether a paragraph's lines are a listing (see the module's rules)."""
    if not para or not all(line.mono for line in para):
        return False
    words = [str(w["text"]) for line in para for w in line.words]
    if len(words) < CODE_WORDS:
        return False
    if all(any(mark in line.text for mark in _ADDRESS) for line in para):
        return False  # addresses, one a line
    return para[0].x0 - min(line.x0 for line in para) <= 1.0


def split_code(paras: list[list[Line]]) -> list[list[Line]]:
    """The paragraphs with each listing (:func:`is_code`) a paragraph of its own: runs of
    monospaced lines one under the other (a blank line apart at most, whichever
    paragraphs they were put in) that read as a listing; other runs stay where they were."""
    pieces: list[tuple[int, list[Line]]] = []  # (paragraph, lines), runs of one kind
    for n, para in enumerate(paras):
        for line in para:
            if pieces and pieces[-1][0] == n and pieces[-1][1][-1].mono == line.mono:
                pieces[-1][1].append(line)
            else:
                pieces.append((n, [line]))
    listing: dict[int, int] = {}  # piece -> the listing it is part of (its first piece)
    at = 0
    while at < len(pieces):
        if not pieces[at][1][0].mono:
            at += 1
            continue
        end = at + 1
        while (
            end < len(pieces)
            and pieces[end][1][0].mono
            and _under(pieces[end - 1][1], pieces[end][1])
        ):
            end += 1
        if is_code([line for _, lines in pieces[at:end] for line in lines]):
            listing.update(dict.fromkeys(range(at, end), at))
        at = end
    out: list[list[Line]] = []
    host = -1  # the paragraph the last piece out came from, when it is no listing
    for k, (n, lines) in enumerate(pieces):
        if k in listing:
            if listing.get(k - 1) == listing[k]:  # the same listing goes on
                out[-1] = [*out[-1], *lines]
            else:
                out.append(list(lines))
            host = -1
        elif n == host:
            out[-1] = [*out[-1], *lines]
        else:
            out.append(list(lines))
            host = n
    return out


def _under(above: list[Line], below: list[Line]) -> bool:
    """Whether ``below`` goes on right under ``above`` (a blank line apart at most)."""
    prev = above[-1]
    gap = below[0].top - prev.bottom
    height = max(prev.bottom - prev.top, 1.0)  # an indented line's end is left of it: no overlap
    return -0.5 * height <= gap < CODE_GAP * height and below[0].x0 < prev.x1


def code_text(para: list[Line]) -> str:
    """A listing as it is set: a line a line, indented by as many characters as it starts
    right of the leftmost line (the font's width of a character)."""
    widths = [
        (float(w["x1"]) - float(w["x0"])) / len(w["text"]) for line in para for w in line.words
    ]
    char = statistics.median(widths) if widths else 1.0
    left = min(line.x0 for line in para)
    out = []
    for line in para:
        text = " ".join(w["text"] for w in line.words)
        out.append(" " * round((line.x0 - left) / max(char, 0.1)) + text)
    return "\n".join(out)
