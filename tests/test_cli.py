"""`somark-loaders emulator` serves the protocol from the command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from somark_loaders import SoMarkClient

from .conftest import PDF, PNG


def _start_emulator_command(
    *switches: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``somark-loaders emulator --port 0 ...`` in a subprocess, and the address it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "somark_loaders.cli", "emulator", "--port", "0", *switches],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    base_url = None
    while base_url is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line)
        base_url = found.group(1) if found else None
    if base_url is None:
        process.kill()
        process.communicate()
        raise AssertionError("the command did not print its address")
    return process, base_url


def test_emulator_command_serves_until_interrupted() -> None:
    process, base_url = _start_emulator_command("--api-key", "sk-cli")
    try:
        with SoMarkClient(base_url=base_url, api_key="sk-cli", poll_interval=0.05) as client:
            result = client.parse(PNG)
        assert result.pages[0].blocks[0].type == "table"  # the PNG (a scanned table) read by OCR
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert code == 0


def test_emulator_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """``kill`` (``docker stop``, systemd) stops it as Ctrl+C does: before, SIGTERM ended
    the process at once, its uploads left in the temporary folder and the fork server's
    semaphores reported leaked."""
    process, base_url = _start_emulator_command("--workers", "1", env={"TMPDIR": str(tmp_path)})
    try:
        with SoMarkClient(base_url=base_url, api_key="any", cache=False, poll_interval=0.05) as c:
            c.parse(PDF)  # a parse worker started, an upload kept
        assert list(tmp_path.glob("somark-emulator-*"))
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]
    assert not list(tmp_path.glob("somark-emulator-*"))  # its uploads deleted
    assert "leaked" not in err


def test_cli_help_lists_the_switches() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "somark_loaders.cli", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    switches = ("--port", "--api-key", "--seconds-per-page", "--max-in-flight", "--fail-rate")
    for switch in (*switches, "--workers"):
        assert switch in done.stdout


# --- parse, load, usage ----------------------------------------------------------------------

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from somark_loaders.cli import main  # noqa: E402
from somark_loaders.emulator import Emulator, FailTask  # noqa: E402

from .conftest import KEY, ONE_PAGE_PDF  # noqa: E402


def _flags(emulator: Emulator) -> list[str]:
    return [
        "--base-url",
        emulator.base_url,
        "--api-key",
        KEY,
        "--poll-interval",
        "0.05",
        "--rps",
        "50",
        "-q",
    ]


def test_parse_writes_markdown_and_json_and_a_rerun_costs_nothing(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["parse", str(ONE_PAGE_PDF), str(PNG), "--out", str(out), *_flags(emulator)]) == 0
    stem = ONE_PAGE_PDF.stem
    assert (out / f"{stem}.md").read_text().strip()
    data = json.loads((out / f"{stem}.json").read_text())
    assert data["result"]["outputs"]["json"]["pages"][0]["page_num"] == 0
    err = capsys.readouterr().err
    assert "2 of 2 files loaded" in err and "loaded" in err
    requests = len(emulator.requests)
    assert main(["parse", str(ONE_PAGE_PDF), "--out", str(out), *_flags(emulator)]) == 0
    assert len(emulator.requests) == requests  # cached


def test_load_prints_json_lines(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", str(ONE_PAGE_PDF), "--mode", "section", *_flags(emulator)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(set(r) == {"id", "text", "metadata"} for r in lines)
    assert lines[0]["metadata"]["mode"] == "section"


def test_a_failed_file_makes_the_exit_code_non_zero(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.script("/parse/async", FailTask("no luck"))
    code = main(
        [
            "parse",
            str(ONE_PAGE_PDF),
            str(tmp_path / "missing.pdf"),
            "--out",
            str(tmp_path),
            *_flags(emulator),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "TaskFailedError" in err and "missing.pdf" in err


def test_dry_run_uploads_nothing(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "parse",
                str(PDF),
                str(PNG),
                "--out",
                "/nonexistent-never-written",
                "--dry-run",
                *_flags(emulator),
            ]
        )
        == 0
    )
    assert emulator.requests == []
    assert "14 pages in 2 files" in capsys.readouterr().err


def test_usage(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "--base-url", emulator.base_url, "--api-key", KEY]) == 0
    assert "remaining paid pages" in capsys.readouterr().out
    assert main(["usage", "--base-url", emulator.base_url, "--api-key", "sk-wrong"]) == 2


def test_help_reads_like_a_finished_tool(capsys: pytest.CaptureFixture[str]) -> None:
    from somark_loaders import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip().endswith(__version__)
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert "examples:" in top and "somark-loaders load docs/" in top and "SOMARK_API_KEY" in top
    with pytest.raises(SystemExit):
        main(["load", "--help"])
    load = capsys.readouterr().out
    for switch, default in (("--mode", "chunk"), ("--chunk-size", "512"), ("--chunk-overlap", "0")):
        assert switch in load
        assert f"(default: {default})" in load.split(switch, 2)[-1].split("--", 1)[0]


def test_the_summary_is_printed_once_with_singulars(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    code = main(["parse", str(ONE_PAGE_PDF), str(empty), "--out", str(tmp_path), *_flags(emulator)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("files loaded") == 1
    assert "1 of 2 files loaded, 1 page, " in err


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("parse", "a file"),
        ("parse", "under a file"),
        ("load", "a directory"),
        ("load", "under a file"),
    ],
)
def test_an_out_that_cannot_be_written_is_one_line_and_exit_2(
    command: str,
    where: str,
    emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "taken.txt"
    blocker.write_text("x", encoding="utf-8")
    out = {
        "a file": blocker,
        "a directory": tmp_path,
        "under a file": blocker / ("parsed" if command == "parse" else "docs.jsonl"),
    }[where]
    code = main([command, str(ONE_PAGE_PDF), "--out", str(out), *_flags(emulator)])
    assert code == 2
    assert str(out) in _one_line_error(capsys)
    assert not emulator.requests_to("/parse/async")  # nothing uploaded for nothing


def test_load_out_into_a_missing_folder_creates_it(emulator: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "docs.jsonl"
    assert main(["load", str(ONE_PAGE_PDF), "--out", str(out), *_flags(emulator)]) == 0
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["text"]


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--feature-config", "{bad"), ("--feature-config", "[1]"), ("--element-formats", "3")],
)
def test_bad_json_flags_are_usage_errors(
    flag: str, value: str, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["parse", str(ONE_PAGE_PDF), "--out", str(tmp_path), flag, value]
    assert main([*args, *_flags(emulator)]) == 2
    assert flag in _one_line_error(capsys)
    assert not emulator.requests_to("/parse/async")


def test_emulator_on_a_taken_port_is_one_line_and_exit_2(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    port = emulator.base_url.split(":")[2].split("/")[0]
    assert main(["emulator", "--port", port]) == 2
    assert "--port" in _one_line_error(capsys)
