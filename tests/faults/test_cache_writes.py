"""A cache that cannot be written keeps reading, and what a run learned is never
contradicted by what it failed to write: a failed write leaves the cache on (cached files
are not uploaded again) and leaves no "submitting" entry in the ledger behind (the next
run does not call a delivered file ambiguous)."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import ResultCache
from somark_loaders.emulator import Delay, Emulator
from somark_loaders.store._folder import CacheFolder

from .helpers import distinct_pdfs, loader
from .test_cache_faults import _small_files_only, run_load, shared_dir, without_root_powers

__all__ = ["shared_dir"]  # the fixture, used by name

SUBMIT = "/parse/async"


# --- 1. a cache that cannot be written still answers its hits --------------------------


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@pytest.mark.parametrize(("fault", "mode"), [("read-only", "sync"), ("full-disk", "async")])
def test_a_cache_that_cannot_be_written_still_answers_its_hits(
    emulator: Emulator, shared_dir: Path, fault: str, mode: str
) -> None:
    cache = shared_dir / "cache"
    env = {"SOMARK_CACHE_DIR": str(cache)}
    kept = distinct_pdfs(shared_dir / "kept", 10, "kept")
    fresh = distinct_pdfs(shared_dir / "fresh", 10, "fresh")
    assert run_load(emulator, kept, env)["statuses"] == ["loaded"] * 10
    assert len(emulator.accepted_tasks) == 10
    extra = ("--async",) if mode == "async" else ()
    if fault == "read-only":
        _read_only(cache)
        result = run_load(emulator, fresh + kept, env, wrapper=without_root_powers(), extra=extra)
    else:  # every result entry is over the file size limit: none can be written
        result = run_load(emulator, fresh + kept, env, limit=_small_files_only, extra=extra)
    assert result["statuses"] == ["loaded"] * 20
    assert len(emulator.accepted_tasks) == 20, "cached files were uploaded again"
    assert result["cached"] == [False] * 10 + [True] * 10
    not_kept = result["not_kept"]
    assert all(not_kept[:10]) and not any(not_kept[10:]), not_kept  # the report says which
    # a read-only ledger keeps no task id; on the full disk, the small ledger entries fit
    then = "a re-run pays again" if fault == "read-only" else "a re-run polls it"
    assert all(then in reason for reason in not_kept[:10]), not_kept
    assert sum("result cache" in w for w in result["warnings"]) == 1, result["warnings"]
    assert any("10 result(s)" in w and "fresh000.pdf" in w for w in result["warnings"])


# --- 2. a full disk after the ledger's "submitting" write -------------------------------

Fault = Callable[[Path, Any, int], bool]  # (path, payload, how many task-id writes so far)


def _failing_writes(monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    real = CacheFolder.write
    task_id_writes = [0]

    def write(self: CacheFolder, path: Path, payload: dict[str, Any] | str) -> None:
        if isinstance(payload, dict) and payload.get("state") == "submitted":
            task_id_writes[0] += 1
        if fault(path, payload, task_id_writes[0]):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, path, payload)

    monkeypatch.setattr(CacheFolder, "write", write)


def _is_result(path: Path) -> bool:
    return path.parent.parent.name == "results"


def _is_task_id(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("state") == "submitted"


FAULTS: dict[str, Fault] = {
    # the task-id write fails once; the result is cached
    "task-id-once": lambda path, payload, n: _is_task_id(payload) and n == 1,
    # the task-id write fails once and no result fits: the task id is written again
    "task-id-once-no-result": lambda path, payload, n: (
        _is_result(path) or (_is_task_id(payload) and n == 1)
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_task_id_write_never_makes_a_delivered_file_ambiguous(
    emulator: Emulator,
    tmp_path: Path,
    _private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    with monkeypatch.context() as patch:
        _failing_writes(patch, FAULTS[fault])
        first = loader(pdf, emulator, on_error="collect")
        assert first.load()
    assert len(emulator.accepted_tasks) == 1
    (outcome,) = first.last_report.files
    if fault == "task-id-once-no-result":
        assert outcome.not_kept and "a re-run polls it" in outcome.not_kept
    else:
        assert outcome.not_kept is None
    again = loader(pdf, emulator, on_error="collect")
    assert again.load(), again.last_report.files
    assert again.last_report.files[0].status == "loaded"
    assert len(emulator.accepted_tasks) == 1, "the file was uploaded again"
    assert ResultCache(_private_cache).ledger.pending_tasks() == []


def test_when_neither_result_nor_task_id_can_be_written_the_entry_goes(
    emulator: Emulator, tmp_path: Path, _private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills right after the "submitting" write: the file is delivered, reported
    not kept, and its stale entry removed (removing a file needs no space). The next run
    uploads it again, as with no cache: nothing on disk says it was paid for."""
    (pdf,) = distinct_pdfs(tmp_path, 1)
    with monkeypatch.context() as patch:
        _failing_writes(patch, lambda path, payload, n: _is_result(path) or _is_task_id(payload))
        first = loader(pdf, emulator, on_error="collect")
        assert first.load()
    (outcome,) = first.last_report.files
    assert outcome.status == "loaded" and outcome.not_kept and "No space" in outcome.not_kept
    assert "a re-run pays again" in outcome.not_kept
    assert "1 not kept by the cache" in first.last_report.summary()
    assert ResultCache(_private_cache).ledger.pending_tasks() == []  # no stale "submitting"
    again = loader(pdf, emulator, on_error="collect")
    assert again.load()
    assert again.last_report.files[0].status == "loaded"  # never "ambiguous"
    assert len(emulator.accepted_tasks) == 2


def test_a_run_stopped_after_a_failed_task_id_write_leaves_its_task_to_resume(
    emulator: Emulator, tmp_path: Path, _private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Delay(0.5))

    async def cancelled() -> None:
        load = asyncio.ensure_future(loader(pdf, emulator).aload())
        while not emulator.requests_to(SUBMIT):
            await asyncio.sleep(0.01)
        load.cancel()  # takes effect once the answer is read and its task id written
        with pytest.raises(asyncio.CancelledError):
            await load

    with monkeypatch.context() as patch:
        _failing_writes(patch, lambda path, payload, n: _is_task_id(payload) and n == 1)
        asyncio.run(cancelled())
    assert len(emulator.accepted_tasks) == 1
    (entry,) = ResultCache(_private_cache).ledger.pending_tasks()
    assert entry.task_id == emulator.accepted_tasks[0]
    assert loader(pdf, emulator).load()  # polls the task
    assert len(emulator.accepted_tasks) == 1
