"""Soak: 300 files through the loader while the emulator fails tasks, answers 5xx, drops
connections and refuses with 1124 storms. Every file must end loaded or reported, no
accepted upload is sent again, and the key appears in no log line."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from pathlib import Path

import pytest

from somark_loaders.emulator import Emulator
from somark_loaders.emulator.samples import write_pdf
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.service import _client_base
from somark_loaders.service._retry import RetryPolicy

from .conftest import KEY

FILES = 300


@pytest.mark.slow
@pytest.mark.timeout(900)  # 300 files through faults: minutes on a loaded 2-core machine
def test_soak_300_files_under_faults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The promises under test are about fates, not about how long a retry waits: retries
    # back off from 50 ms instead of 1 s (the default's sleeps were 3/4 of this test's
    # 3.5 minutes). How long the backoff is has its own tests (test_retry_and_errors.py).
    monkeypatch.setattr(
        _client_base,
        "RetryPolicy",
        functools.partial(RetryPolicy, initial=0.05, cap=0.4, jitter=0.05),
    )
    caplog.set_level(logging.DEBUG)
    for i in range(FILES):
        write_pdf(tmp_path / f"doc{i:03d}.pdf", 1, note=f"document {i}")
    with Emulator(
        api_keys={KEY},
        fail_rate=0.05,
        error_rate=0.05,
        drop_rate=0.03,
        max_in_flight=4,  # the loader runs 8 at once: 1124 storms
        seed=2026,
    ) as emu:
        loader = SoMarkLoader(
            tmp_path,
            base_url=emu.base_url,
            api_key=KEY,
            max_concurrency=8,
            requests_per_second=400,
            on_error="collect",
            client_options={"poll_interval": 0.02, "max_retries": 8},
        )
        docs = loader.load()
        accepted = Counter(emu.service.tasks[t].sha256 for t in emu.accepted_tasks)
        rejected_1124 = sum(1 for r in emu.requests_to("/parse/async")) - len(emu.accepted_tasks)
    report = loader.last_report
    assert len(report.files) == FILES
    loaded = [f for f in report.files if f.ok]
    failed = [f for f in report.files if not f.ok]
    assert len(loaded) + len(failed) == FILES
    assert {d.metadata["source"] for d in docs} == {f.source for f in loaded}
    for outcome in failed:
        assert outcome.error and outcome.error_type
        # an upload whose answer was dropped may have been accepted: reported as such
        assert (outcome.status == "ambiguous") == (outcome.error_type == "AmbiguousSubmitError")
        assert outcome.status in ("failed", "ambiguous")
        if outcome.error_type == "TaskFailedError":
            assert outcome.task_id  # accepted, then failed: its task id is kept
    kinds = Counter(f.error_type for f in failed)
    assert kinds["TaskFailedError"] > 0  # the faults really happened
    assert max(accepted.values()) == 1  # no upload accepted twice
    assert rejected_1124 > 0
    assert KEY not in caplog.text
    assert len(loaded) >= FILES * 0.8, report.table()
