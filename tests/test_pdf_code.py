"""Lines set in a monospaced font in a document whose body is not are code: a ``code``
block of their own, a line a line, indents kept (SoMark's element list has "Code block",
type ``code``). Before, a code listing's lines ran into one paragraph with the prose
after it (libtasn1's manual: ``END The ::= token must be separate ...``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from somark_loaders.emulator import engines

from .fixtures import pages_objects, pdf_file

PROSE = "The loader reads every page of the file and keeps its structure, line {i}."


def _pdf(path: Path, content: bytes) -> Path:
    """A one-page PDF with /F1 Helvetica and /F2 Courier."""
    objects = pages_objects([content])
    objects[3] = objects[3].replace(b"/F1 3 0 R", b"/F1 3 0 R /F2 %d 0 R" % (len(objects) + 1))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")
    path.write_bytes(pdf_file(objects, root=1))
    return path


def _line(font: bytes, x: float, y: float, text: str) -> bytes:
    return b"BT /%s 10 Tf %g %g Td (%s) Tj ET\n" % (font, x, y, text.encode("latin-1"))


def _blocks(path: Path) -> list[dict[str, Any]]:
    pages = engines.extract(path, ".pdf", engines.ExtractOptions(title_levels=True))
    return [b for page in pages for b in page["blocks"]]


def test_a_listing_in_a_monospaced_font_is_a_code_block_with_its_indents(tmp_path: Path) -> None:
    content = b"".join(_line(b"F1", 72, 720 - 13 * i, PROSE.format(i=i)) for i in range(3))
    content += _line(b"F1", 72, 670, "Load a folder as follows:")
    code = [(0, "def load(path):"), (4, "docs = SoMarkLoader(path).load()"), (4, "return docs")]
    for n, (indent, text) in enumerate(code):
        content += _line(b"F2", 90 + 6 * indent, 650 - 12 * n, text)
    content += _line(b"F2", 90, 602, "print(len(load(folder)))")  # after a blank line
    content += b"".join(_line(b"F1", 72, 580 - 13 * i, PROSE.format(i=i + 3)) for i in range(3))
    blocks = _blocks(_pdf(tmp_path / "listing.pdf", content))
    kinds = [b["type"] for b in blocks]
    assert kinds.count("code") == 1, [(b["type"], b["content"][:40]) for b in blocks]
    listing = blocks[kinds.index("code")]
    assert listing["content"] == (
        "def load(path):\n"
        "    docs = SoMarkLoader(path).load()\n"
        "    return docs\n"
        "print(len(load(folder)))"
    )
    before, after = blocks[kinds.index("code") - 1], blocks[kinds.index("code") + 1]
    assert before["content"].endswith("as follows:") and after["content"].startswith("The loader")


def test_a_typescript_set_all_in_courier_has_no_code(tmp_path: Path) -> None:
    """A document whose body is a monospaced font (a typed letter, an RFC): its lines are
    prose, read as paragraphs."""
    content = b"".join(_line(b"F2", 72, 720 - 12 * i, PROSE.format(i=i)) for i in range(4))
    content += b"".join(_line(b"F2", 72, 650 - 12 * i, PROSE.format(i=i + 4)) for i in range(4))
    blocks = _blocks(_pdf(tmp_path / "typescript.pdf", content))
    assert {b["type"] for b in blocks} == {"text"}, blocks


def test_a_term_set_as_code_in_a_list_item_is_prose(tmp_path: Path) -> None:
    """``• INTEGER;``: a bullet in the body's font before a term in Courier is a list
    item, not a line of code."""
    content = b"".join(_line(b"F1", 72, 720 - 13 * i, PROSE.format(i=i)) for i in range(3))
    for n, term in enumerate(("INTEGER;", "BOOLEAN;", "OBJECT IDENTIFIER;")):
        content += _line(b"F1", 80, 670 - 13 * n, "\xb7") + _line(b"F2", 90, 670 - 13 * n, term)
    blocks = _blocks(_pdf(tmp_path / "items.pdf", content))
    assert "code" not in [b["type"] for b in blocks], blocks


def test_addresses_and_labels_in_courier_are_no_code(tmp_path: Path) -> None:
    """An author's e-mail address under the title and a tree's node labels set about in
    Courier (the DocLayNet paper, naacl06-shinyama.pdf): no listings."""
    content = _line(b"F1", 200, 720, "A Study of Loaders") + _line(b"F2", 200, 700, "ann@lab.org")
    content += _line(b"F2", 200, 686, "{bo, cy}@cs.univ.edu")
    content += b"".join(_line(b"F1", 72, 650 - 13 * i, PROSE.format(i=i)) for i in range(3))
    # a tree's levels: the first label right of the one under it, the next level lower
    labels = [(300, 560, "coast"), (250, 548, "SBJ OBJ"), (250, 512, "Katrina"), (320, 512, "hit")]
    content += b"".join(_line(b"F2", x, y, text) for x, y, text in labels)
    blocks = _blocks(_pdf(tmp_path / "labels.pdf", content))
    assert "code" not in [b["type"] for b in blocks], [(b["type"], b["content"]) for b in blocks]


def test_monospaced_faces_are_told_by_their_names() -> None:
    from somark_loaders.emulator.pdf_lines import monospaced

    for name in ("ABC+CMTT10", "Courier-Bold", "DejaVuSansMono", "Consolas", "NimbusMonL-Regu"):
        assert monospaced(name), name
    for name in ("Helvetica", "MonotypeCorsiva", "XYZ+MonotypeSorts", "Code2000", "CMR10"):
        assert not monospaced(name), name


def test_two_listings_far_apart_stay_two(tmp_path: Path) -> None:
    """Two listings with nothing between them but more than a blank line: two blocks."""
    content = b"".join(_line(b"F1", 72, 720 - 13 * i, PROSE.format(i=i)) for i in range(3))
    first = ["x = load(folder)", "y = split(x)"]
    second = ["print(len(y)) # the count", "print(y[0])"]
    for n, text in enumerate(first):
        content += _line(b"F2", 90, 660 - 12 * n, text)
    for n, text in enumerate(second):
        content += _line(b"F2", 90, 600 - 12 * n, text)  # 48 points under the first
    blocks = _blocks(_pdf(tmp_path / "two.pdf", content))
    listings = [b["content"] for b in blocks if b["type"] == "code"]
    assert listings == ["\n".join(first), "\n".join(second)], listings
