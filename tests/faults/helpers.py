"""Small builders shared by the fault tests: a child process, an encrypted PDF (distinct real
PDFs and the loader on the emulator come from ``tests/fixtures.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import ONE_PAGE_PDF
from ..fixtures import FAST, distinct_pdfs, loader

__all__ = ["FAST", "ROOT", "child", "distinct_pdfs", "encrypted_pdf", "loader"]

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
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(ONE_PAGE_PDF))
    writer.encrypt("secret")
    with path.open("wb") as handle:
        writer.write(handle)
    return path
