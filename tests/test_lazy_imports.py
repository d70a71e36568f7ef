"""Importing a loader module loads none of what a load does not need yet: no tokenizer,
no emulator, no PDF or Office readers, no other framework, no HTTP library, client,
batch runner or conversion (checked in a fresh process). The package alone loads only
its errors; its other public names load on first use and are the same objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import somark_loaders
from somark_loaders import convert, models
from somark_loaders.service import client

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
    # what a load needs only once it starts (issue 27: 4x the frameworks' import before)
    "httpx",
    "httpcore",
    "somark_loaders.service.client",
    "somark_loaders.service._transport",
    "somark_loaders.batch",
    "somark_loaders.convert._elements",
    "somark_loaders.convert._units",
    "somark_loaders.convert.tables",
]
# what the package alone loads beyond its errors: nothing of a load
PACKAGE_HEAVY = [
    *HEAVY,
    "pydantic",
    "somark_loaders.models",
    "somark_loaders.convert",
    "somark_loaders.store",
    "somark_loaders.options",
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
    # LlamaIndex's own base classes load numpy and PIL: those are not ours to defer
    base = _loaded_after("import llama_index.core.readers.base, llama_index.core.schema")
    assert not [name for name in ("langchain_core", *HEAVY) if name in loaded - base]


def test_importing_the_package_loads_only_its_errors() -> None:
    loaded = _loaded_after("import somark_loaders")
    assert not [name for name in PACKAGE_HEAVY if name in loaded]


def test_every_public_name_imports_from_the_package_as_before() -> None:
    names = ", ".join(somark_loaders.__all__)
    loaded = _loaded_after(f"from somark_loaders import {names}")
    assert {"somark_loaders.service.client", "somark_loaders.models"} <= loaded
    for name in somark_loaders.__all__:
        assert name in dir(somark_loaders)
        assert getattr(somark_loaders, name) is not None
    assert somark_loaders.SoMarkClient is client.SoMarkClient
    assert somark_loaders.to_chunks is convert.to_chunks
    assert somark_loaders.ParseResult is models.ParseResult
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        _ = somark_loaders.NoSuchName  # type: ignore[attr-defined]
