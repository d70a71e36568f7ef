"""Every Python example in the README and the docs/ pages runs (against the emulator,
offline) and prints what the text says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The README, then every page of docs/ with a Python example.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLE_PAGES = [p for p in PAGES if "```python\n" in p.read_text(encoding="utf-8")]
# A Python block, and the text block that may follow it after one line of prose
# ("It prints:"): what the block prints, line by line.
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\n(?!```)[^\n]+\n\n```text\n(.*?)```)?", re.S)


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```\n(.*?)```", text, re.S)
    assert first_block is not None
    assert first_block.group(1).split() == ["make", "demo", "make", "test"]


def test_the_readme_links_every_docs_page_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert pages, "docs/ has no pages"
    missing = [p.name for p in pages if f"(docs/{p.name})" not in readme]
    assert not missing, f"README's Documentation list lacks {missing}"
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            assert (page.parent / target).is_file(), f"{_name(page)} links {target}"


# Each page's examples in fresh interpreters parsing real documents: the README's and the
# client's take about a minute on a busy 2-core machine, too close to the 120 s default.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=_name)
def test_examples_run_in_order_and_print_what_they_say(page: Path, tmp_path: Path) -> None:
    """As a user runs a page's examples: one after the other, sharing one cache (an
    earlier example may have parsed the same file). Each prints something; a claim
    written after a print (``# 3 submits, 2 checks``) is what it prints, and so is the
    ```text block that follows an example."""
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    assert blocks
    for index, (code, shown) in enumerate(blocks):
        where = f"{_name(page)} block {index}"
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            env={
                "PATH": "/usr/bin:/bin",
                "PYTHONWARNINGS": "error",
                "SOMARK_CACHE_DIR": str(tmp_path),
            },
        )
        assert done.returncode == 0, f"{where}: {done.stderr}"
        assert done.stdout.strip(), f"{where} should print what it shows"
        if shown:
            printed = [line.rstrip() for line in done.stdout.strip().splitlines()]
            assert printed == shown.strip().splitlines(), where
        for submits, checks in re.findall(r"# (\d+) submits, (\d+) checks", code):
            assert done.stdout.count("'/parse/async'") == int(submits), where
            assert done.stdout.count("'/parse/async_check'") == int(checks), where


def test_the_readme_examples_show_their_output() -> None:
    blocks = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2 and all(shown for _, shown in blocks)


def test_every_command_line_switch_in_the_docs_exists() -> None:
    """The command-line page names only switches the CLI really takes."""
    section = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    helps = {
        command: subprocess.run(
            [sys.executable, "-m", "somark_loaders.cli", command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for command in ("parse", "load", "usage", "emulator")
    }
    commands = set(re.findall(r"^somark-loaders (\w+)", section, re.M))
    assert commands == set(helps)
    switches = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", section))
    assert len(switches) > 10
    missing = [s for s in sorted(switches) if not any(s in h for h in helps.values())]
    assert not missing, f"docs/cli.md names switches the CLI lacks: {missing}"
