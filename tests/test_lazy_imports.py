"""Importing a loader module loads none of what a load does not need yet: no tokenizer,
no emulator, no PDF or Office readers, no other framework (checked in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = [
    "tiktoken",
    "llama_index",
    "lxml",
    "somark_loaders.emulator",
    "somark_loaders.ray",
    "somark_loaders.visualize",
    "pdfplumber",
    "pypdfium2",
    "openpyxl",
    "docx",
    "pptx",
    "numpy",
    "PIL",
    "ray",
    "pyarrow",
    "fastapi",
    "uvicorn",
]


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["somark_loaders.langchain", "somark_loaders"])
def test_importing_loads_no_heavy_module(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert module in loaded
    assert not [name for name in HEAVY if name in loaded]


def test_importing_the_llama_index_loader_loads_no_langchain_nor_tokenizer() -> None:
    loaded = _loaded_after("import somark_loaders.llama_index")
    assert not [
        name for name in ("tiktoken", "langchain_core", "somark_loaders.emulator") if name in loaded
    ]
