"""The emulator behaves like a service (issue 27, part 2): files are parsed at submit in
worker processes, so a check answers from the task's state while a parse runs; a task is
done only when both its service time and its parse are; the zip comes from the stored
result; a dead worker fails its task, not the server; stopping never waits for a parse.

Parses are held by a worker hook that waits for a file the test creates: no timing margins.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from somark_loaders.emulator import Emulator

from . import _worker_hooks
from .conftest import KEY, ONE_PAGE_PDF
from .fixtures import HTTP_TIMEOUT


def _unique_pdf() -> bytes:
    """The one-page PDF with different bytes: never served from the emulator's memo."""
    return ONE_PAGE_PDF.read_bytes() + f"\n% {uuid.uuid4().hex}\n".encode()


def _lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _wait_for_lines(log: Path, count: int) -> list[str]:
    """Until ``count`` parses have started (bounded by the test timeout, not a margin)."""
    while len(_lines(log)) < count:
        time.sleep(0.01)
    return _lines(log)


def _submit(http: httpx.Client, name: str, content: bytes, **fields: Any) -> str:
    data = {"api_key": KEY, **fields}
    answer = http.post("/parse/async", data=data, files={"file": (name, content)}).json()
    assert answer["code"] == 0, answer
    return str(answer["data"]["task_id"])


def _check(http: httpx.Client, task_id: str) -> dict[str, Any]:
    answer = http.post("/parse/async_check", data={"api_key": KEY, "task_id": task_id}).json()
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def _until_done(http: httpx.Client, task_id: str) -> dict[str, Any]:
    while (data := _check(http, task_id))["status"] in ("QUEUING", "PROCESSING"):
        time.sleep(0.01)
    return data


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Emulator, Path, Path]]:
    """An emulator with one worker whose parses wait for ``gate``; ``log`` lists them."""
    gate, log = tmp_path / "gate", tmp_path / "parses.log"
    hook = partial(_worker_hooks.hold, gate, log)
    with Emulator(api_keys={KEY}, workers=1, worker_hook=hook) as emu:
        yield emu, gate, log
        gate.touch()


def test_a_check_answers_from_the_task_state_while_its_parse_runs(
    held: tuple[Emulator, Path, Path],
) -> None:
    emu, gate, log = held
    with httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http:
        task_id = _submit(http, "held.pdf", _unique_pdf())
        _wait_for_lines(log, 1)  # the parse started at submit, in the worker
        # The service clock is done (no service time), the parse is not: still working.
        for _ in range(3):
            data = _check(http, task_id)
            assert data["status"] == "PROCESSING"
            assert data["result"] is None
        assert emu.service.tasks[task_id].result is None
        gate.touch()
        done = _until_done(http, task_id)
    assert done["status"] == "SUCCESS"
    assert done["result"]["file_name"] == "held.pdf"
    assert done["result"]["outputs"]["markdown"]


def test_success_needs_the_service_clock_as_well_as_the_parse(tmp_path: Path) -> None:
    with (
        Emulator(api_keys={KEY}, workers=1, queue_seconds=3600) as emu,
        httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http,
    ):
        task_id = _submit(http, "clock.pdf", _unique_pdf())
        task = emu.service.tasks[task_id]
        task.parsed.wait()  # the parse is done...
        assert task.result is not None and task.error is None
        assert _check(http, task_id)["status"] == "QUEUING"  # ...the service's time is not
        task.queued_until = task.done_at = time.monotonic()  # the clock runs out
        done = _check(http, task_id)
    assert done["status"] == "SUCCESS"
    assert json.loads(task.result) == done["result"]


def test_the_zip_is_the_stored_result_and_nothing_is_parsed_twice(
    held: tuple[Emulator, Path, Path],
) -> None:
    emu, gate, log = held
    gate.touch()  # parses run freely; the log counts them
    options = {"output_formats": ["markdown", "zip"], "element_formats": '{"image": "none"}'}
    with httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http:
        task_id = _submit(http, "zipped.pdf", _unique_pdf(), **options)
        done = _until_done(http, task_id)
        assert done["status"] == "SUCCESS"
        again = _check(http, task_id)
        packed = httpx.get(done["result"]["outputs"]["zip"], timeout=HTTP_TIMEOUT)
        assert packed.status_code == 200
    with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
        main = archive.read("main.md").decode()
    assert main == done["result"]["outputs"]["markdown"]
    assert again["result"] == done["result"]
    assert len(_lines(log)) == 1  # one parse: checks and the download read the stored result


def test_a_dead_worker_fails_its_task_with_the_task_id_and_the_server_goes_on(
    tmp_path: Path,
) -> None:
    log = tmp_path / "parses.log"
    hook = partial(_worker_hooks.crash_on, "crash", log)
    with (
        Emulator(api_keys={KEY}, workers=1, worker_hook=hook) as emu,
        httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http,
    ):
        crashed = _submit(http, "crash.pdf", _unique_pdf())
        failed = _until_done(http, crashed)
        fine = _until_done(http, _submit(http, "fine.pdf", _unique_pdf()))
    assert failed["status"] == "FAILED"
    assert crashed in failed["error"] and "worker" in failed["error"]
    assert fine["status"] == "SUCCESS"  # a fresh worker took over


def test_stopping_does_not_wait_for_a_parse_in_progress(
    held: tuple[Emulator, Path, Path],
) -> None:
    emu, _gate, log = held
    with httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http:
        task_id = _submit(http, "never.pdf", _unique_pdf())
    pid = int(_wait_for_lines(log, 1)[0].split()[0])
    emu.stop()  # the gate is still closed: the parse would never end by itself
    task = emu.service.tasks[task_id]
    assert task.parsed.is_set() and task.error is not None  # the task ended FAILED
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the worker is gone, not left running


def test_the_environment_chooses_the_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SOMARK_EMULATOR_WORKERS`` sets the default pool (0: in the server's process); a
    value that is not a count is refused with what to give instead."""
    from somark_loaders.emulator import _pool

    monkeypatch.setenv(_pool.WORKERS_ENV, "3")
    assert _pool.default_workers() == 3
    monkeypatch.setenv(_pool.WORKERS_ENV, "0")
    assert _pool.ParsePool().workers == 0
    monkeypatch.setenv(_pool.WORKERS_ENV, "")
    assert _pool.default_workers() >= 1
    monkeypatch.setenv(_pool.WORKERS_ENV, "many")
    with pytest.raises(ValueError, match="0 or more"):
        _pool.default_workers()
