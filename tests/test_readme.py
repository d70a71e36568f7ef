"""Every Python example in the README runs (against the emulator, offline)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```\n(.*?)```", text, re.S)
    assert first_block is not None
    assert first_block.group(1).split() == ["make", "demo", "make", "test"]


# Six examples, each a fresh interpreter parsing real documents: about 110 s on a busy
# 2-core machine, too close to the suite's 120 s default.
@pytest.mark.timeout(600)
def test_readme_examples_run_in_order_and_print_what_they_say(tmp_path: Path) -> None:
    """As a user runs them: one after the other, sharing one cache (an earlier example
    may have parsed the same file). Each prints something, and a claim written after a
    print (``# 3 submits, 2 checks``) is what it prints."""
    for index, code in enumerate(BLOCKS):
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
        assert done.returncode == 0, f"block {index}: {done.stderr}"
        assert done.stdout.strip(), f"block {index} should print what it shows"
        for submits, checks in re.findall(r"# (\d+) submits, (\d+) checks", code):
            assert done.stdout.count("'/parse/async'") == int(submits), f"block {index}"
            assert done.stdout.count("'/parse/async_check'") == int(checks), f"block {index}"


def test_every_command_line_switch_in_the_readme_exists() -> None:
    """The README's command-line section names only switches the CLI really takes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
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
    assert not missing, f"README names switches the CLI lacks: {missing}"
