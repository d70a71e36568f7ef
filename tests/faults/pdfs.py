"""Hand-made PDFs for the fault tests: huge ones (over 200 MB) and hostile ones."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path


def _assemble(objects: list[bytes], trailer: bytes) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(b"trailer\n" + trailer + f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _stream(dictionary: str, data: bytes) -> bytes:
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def big_pdf(path: Path, pages: int, bytes_per_page: int) -> Path:
    """A valid PDF whose pages each carry an unused image of ``bytes_per_page`` random
    bytes: as big as asked, cheap to parse (nothing draws the images)."""
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    for index in range(pages):
        page, content, image = 3 + 3 * index, 4 + 3 * index, 5 + 3 * index
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            f"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> "
            f"/XObject << /Im{page} {image} 0 R >> >> >>".encode()
        )
        text = f"BT /F1 24 Tf 72 700 Td (Large report page {index + 1}) Tj ET".encode()
        objects.append(_stream("", text))
        objects.append(
            _stream(
                f"/Type /XObject /Subtype /Image /Width {bytes_per_page} /Height 1 "
                "/ColorSpace /DeviceGray /BitsPerComponent 8",
                os.urandom(bytes_per_page),
            )
        )
    path.write_bytes(_assemble(objects, f"<< /Size {len(objects) + 1} /Root 1 0 R >>".encode()))
    return path


def zlib_bomb_pdf(path: Path, inflated: int = 90_000_000) -> Path:
    """A PDF whose page tree sits in an object stream that inflates to ``inflated`` bytes:
    pypdf refuses it with ``LimitReachedError``."""
    head = b"2 0 3 60 "
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    body = head.ljust(20) + pages.ljust(40) + page + b" " * inflated
    packed = zlib.compress(body, 9)
    objstm = (
        (
            f"<< /Type /ObjStm /N 2 /First 20 /Filter /FlateDecode /Length {len(packed)} >>\n"
            "stream\n"
        ).encode()
        + packed
        + b"\nendstream"
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n")
    catalog_at = out.tell()
    out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    objstm_at = out.tell()
    out.write(b"4 0 obj\n" + objstm + b"\nendobj\n")
    xref_at = out.tell()
    rows = [(0, 0, 65535), (1, catalog_at, 0), (2, 4, 0), (2, 4, 1), (1, objstm_at, 0)]
    rows.append((1, xref_at, 0))
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out.write(
        f"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {len(table)} >>\n"
        "stream\n".encode()
        + table
        + b"\nendstream\nendobj\n"
    )
    out.write(f"startxref\n{xref_at}\n%%EOF\n".encode())
    path.write_bytes(out.getvalue())
    return path
