"""Synthetic documents for tests, benchmarks and notebooks: a tiny PDF writer producing
many pages of real text (Helvetica), fast to extract.

Page ``n`` (1-based) shows ``Chapter c`` as a 20-pt bold heading on the first page of each
chapter, then a 10-pt line ``Page n of chapter c.`` so tests can check global page numbers.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["pdf_file", "write_pdf"]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: str | Path, pages: int, *, pages_per_chapter: int = 50, note: str = "") -> Path:
    """Write a ``pages``-page PDF to ``path`` (a ``str`` or a ``Path``) and return it as a
    ``Path`` (``note`` is added to every page's line, to make documents that differ)."""
    path = Path(path)
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")
    pages_id = len(objects) + 1 + 2 * pages + 1  # reserved below
    kids = []
    for index in range(pages):
        number = index + 1
        chapter = index // pages_per_chapter + 1
        lines = []
        if index % pages_per_chapter == 0:
            lines.append(f"BT /F2 20 Tf 72 760 Td ({_escape(f'Chapter {chapter}')}) Tj ET")
        line = f"Page {number} of chapter {chapter}. {note}".strip()
        lines.append(f"BT /F1 10 Tf 72 700 Td ({_escape(line)}) Tj ET")
        stream = "\n".join(lines).encode()
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                % (pages_id, content, font, bold)
            )
        )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    assert len(objects) + 1 == pages_id
    add(
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), pages)
    )
    path.write_bytes(pdf_file(objects, root=catalog))
    return path


def pdf_file(objects: list[bytes], *, root: int) -> bytes:
    """A PDF file of ``objects`` (numbered from 1, each body without ``obj``/``endobj``)
    with its cross-reference table; ``root`` is the number of the catalog."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)
