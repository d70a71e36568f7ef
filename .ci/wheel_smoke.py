"""Quick start from the installed wheel (run by .ci/wheel_smoke.sh in a clean venv).

Run from outside the repository, so that only the installed package can be imported.
Fails on a module left out of the wheel, a missing package file (py.typed), an extra
that does not pull what it needs (the emulator), or a quick start that stops working.
Network access is blocked by a dead proxy: the tokenizer must work offline.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import somark_loaders

# Extras not installed here (ray): their modules are imported by the full test suite.
NOT_INSTALLED = {
    "somark_loaders.ray",
    "somark_loaders._ray_rows",
    "somark_loaders.batch._ray_limits",
}


def main() -> None:
    package = Path(somark_loaders.__file__).parent
    assert "site-packages" in str(package), f"not the installed wheel: {package}"
    assert (package / "py.typed").is_file(), "py.typed is missing from the wheel"
    modules = [
        info.name
        for info in pkgutil.walk_packages([str(package)], "somark_loaders.")
        if info.name not in NOT_INSTALLED
    ]
    for name in modules:
        importlib.import_module(name)
    # every module of the source tree is in the wheel (this script sits in <clone>/.ci/)
    source = Path(__file__).resolve().parents[1] / "somark_loaders"
    expected = {
        ".".join(("somark_loaders", *path.relative_to(source).with_suffix("").parts))
        for path in source.rglob("*.py")
        if path.name != "__init__.py"
    } - NOT_INSTALLED
    missing = sorted(expected - set(modules))
    assert not missing, f"modules left out of the wheel: {missing}"

    from somark_loaders import SoMarkClient
    from somark_loaders.emulator import Emulator
    from somark_loaders.emulator.samples import write_pdf
    from somark_loaders.langchain import SoMarkLoader
    from somark_loaders.llama_index import SoMarkReader, file_extractor

    with tempfile.TemporaryDirectory() as folder:
        pdf = write_pdf(Path(folder) / "quick.pdf", 3)
        with Emulator() as emu:
            loader = SoMarkLoader(str(pdf), base_url=emu.base_url, mode="chunk", cache=False)
            docs = loader.load()
            assert docs and docs[0].metadata["page_number"] == 1, docs[:1]
            reader = SoMarkReader(base_url=emu.base_url, cache=False)
            nodes = reader.load_data(pdf)
            assert nodes and nodes[0].metadata["page_label"] == "1"
            assert file_extractor(reader)[".docx"] is reader
            with SoMarkClient(base_url=emu.base_url, cache=False) as client:
                assert client.parse(pdf).page_count == 3
    summary = metadata.metadata("somark-loaders")["Summary"]
    assert "LangChain" in summary and "LlamaIndex" in summary, summary
    version = subprocess.run(  # noqa: S603 - the venv's own entry point
        [str(Path(sys.executable).parent / "somark-loaders"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert version.startswith("somark-loaders "), version
    print(
        f"wheel smoke OK on Python {sys.version.split()[0]}: {len(modules)} modules, "
        f"{len(docs)} LangChain and {len(nodes)} LlamaIndex documents"
    )


if __name__ == "__main__":
    main()
