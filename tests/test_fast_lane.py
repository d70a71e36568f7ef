"""The fast lane (`make check`) names test files that exist, and `make check` runs it."""

from __future__ import annotations

import re

from .conftest import FAST_LANE, TESTS


def test_every_file_of_the_fast_lane_exists() -> None:
    missing = sorted(name for name in FAST_LANE if not (TESTS / name).is_file())
    assert not missing, f"FAST_LANE names files that are not in tests/: {missing}"


def test_make_check_runs_the_fast_lane_after_lint() -> None:
    makefile = (TESTS.parent / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^check:(.*)\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert target is not None, "the Makefile has no check target"
    assert "lint" in target.group(1).split()
    assert "-m pytest --fast" in target.group(2)
