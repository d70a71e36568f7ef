"""Small builders shared by the fault tests: distinct real PDFs, loaders on the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from somark_loaders.emulator import Emulator
from somark_loaders.langchain import SoMarkLoader

from ..conftest import KEY, ONE_PAGE_PDF

FAST = {"poll_interval": 0.05}
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


def distinct_pdfs(folder: Path, count: int, stem: str = "doc") -> list[Path]:
    """``count`` valid one-page PDFs with different bytes (a comment after %%EOF)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = ONE_PAGE_PDF.read_bytes()
    paths = []
    for index in range(count):
        path = folder / f"{stem}{index:03d}.pdf"
        path.write_bytes(base + f"\n% copy {stem} {index}\n".encode())
        paths.append(path)
    return paths


def loader(paths: Any, emulator: Emulator, **kwargs: Any) -> SoMarkLoader:
    kwargs.setdefault("requests_per_second", 50)
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("client_options", FAST)
    return SoMarkLoader(paths, base_url=emulator.base_url, **kwargs)


def encrypted_pdf(path: Path) -> Path:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(ONE_PAGE_PDF))
    writer.encrypt("secret")
    with path.open("wb") as handle:
        writer.write(handle)
    return path
