"""`somark-loaders emulator` serves the protocol from the command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from somark_loaders import SoMarkClient

from .conftest import PNG


def test_emulator_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "somark_loaders.cli",
            "emulator",
            "--port",
            "0",
            "--api-key",
            "sk-cli",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        base_url = None
        while base_url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line)
            base_url = found.group(1) if found else None
        assert base_url, "the command did not print its address"
        with SoMarkClient(base_url=base_url, api_key="sk-cli", poll_interval=0.05) as client:
            result = client.parse(PNG)
        assert result.pages[0].blocks[0].type == "figure"
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert code == 0


def test_cli_help_lists_the_switches() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "somark_loaders.cli", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for switch in ("--port", "--api-key", "--seconds-per-page", "--max-in-flight", "--fail-rate"):
        assert switch in done.stdout
