"""The command line's argument checks: a parser whose usage errors are one line (exit 2)
and name the flag meant, and the checks of ``--out`` and JSON flags made before anything
is uploaded."""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path
from typing import Any, NoReturn, TextIO

from ._errors import redact


class UsageError(Exception):
    """A mistake on the command line: one line saying what to do, exit code 2."""


def os_reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def json_arg(text: str | None, name: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(
            f"--{name} is not JSON ({err}): give an object, e.g. --{name} '{{\"key\": true}}'"
        ) from None
    if not isinstance(value, dict):
        raise UsageError(f"--{name} must be a JSON object ({{...}}), got {text!r}")
    return value


def output_folder(text: str) -> Path:
    """``--out`` of ``parse``: a directory, created when missing, that can be written to
    (checked before anything is uploaded)."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {text} is a file: give a directory (created when missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".somark-write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise UsageError(
            f"cannot write to the folder --out {text} ({os_reason(err)}): "
            "choose a directory you can write to"
        ) from None
    return out


def output_file(text: str) -> TextIO:
    """``--out`` of ``load``: a file, its folder created when missing, opened before
    anything is uploaded."""
    out = Path(text)
    if out.is_dir():
        raise UsageError(
            f"--out {text} is a directory: give a file name, e.g. --out {out / 'docs.jsonl'}"
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return out.open("w", encoding="utf-8")
    except OSError as err:
        raise UsageError(
            f"cannot write --out {text} ({os_reason(err)}): choose a file you can write to"
        ) from None


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (exit 2) and name the flag meant when
    one is misspelt (``--concurency``: did you mean ``--concurrency``?)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.flags: list[str] = []  # filled by add_argument, -h included
        self.commands: dict[str, Parser] = {}
        super().__init__(*args, **kwargs)

    def __repr__(self) -> str:  # argparse's reads ``prog``, unset until __init__ ends
        return f"{type(self).__name__}(prog={getattr(self, 'prog', None)!r})"

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.flags.extend(action.option_strings)
        return action

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {redact(message)} (see {self.prog} --help)\n")

    def refuse(self, extras: list[str], flags: list[str]) -> NoReturn:
        """Refuse the arguments nothing took, with the flags meant by the misspelt ones.
        Only the flags are shown: the value after a misspelt ``--api-key`` is a key."""
        unknown = [extra.split("=")[0] for extra in extras if extra.startswith("-")]
        meant = [close[0] for f in unknown if (close := difflib.get_close_matches(f, flags, n=1))]
        hint = f"; did you mean {' '.join(meant)}?" if meant else ""
        self.error(f"unrecognized arguments: {' '.join(unknown or extras)}{hint}")
