"""Small builders shared by the fault tests: a child process, an encrypted PDF (distinct real
PDFs and the loader on the emulator come from ``tests/fixtures.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import ONE_PAGE_PDF
from ..fixtures import FAST, distinct_pdfs, loader

__all__ = [
    "FAST",
    "ROOT",
    "child",
    "copy_restricted_pdf",
    "distinct_pdfs",
    "encrypted_pdf",
    "loader",
]

ROOT = Path(__file__).resolve().parents[2]


def child(*args: str, cache: Path, **env: str) -> subprocess.Popen[str]:
    """``python ARGS`` in the repository, with its own cache directory and no other
    SOMARK_ setting, its output captured."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOMARK_")}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "SOMARK_CACHE_DIR": str(cache), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def encrypted_pdf(path: Path) -> Path:
    """A PDF that asks for a password to be read."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(ONE_PAGE_PDF))
    writer.encrypt("secret")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def copy_restricted_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF of ``pages`` pages encrypted (AES-128) only to forbid copying: an owner
    password and an empty user password, so that any viewer opens it without asking."""
    import pypdf

    source = pypdf.PdfReader(ONE_PAGE_PDF)
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_page(source.pages[0])
    writer.encrypt(
        user_password="", owner_password="owner", algorithm="AES-128", permissions_flag=-28
    )
    with path.open("wb") as handle:
        writer.write(handle)
    return path
