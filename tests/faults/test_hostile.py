"""Hostile or broken servers on 127.0.0.1: a request never outlives its deadline, an
answer never grows past its cap, odd but meaningful answers are understood. Each test is
bounded in time."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import (
    APIError,
    APIStatusError,
    AsyncSoMarkClient,
    ResponseValidationError,
    SoMarkClient,
    TaskTimeoutError,
)
from somark_loaders.convert.tables import parse_html_table
from somark_loaders.emulator import BusinessError, Delay, Emulator, Reply, Status

from ..conftest import KEY, PNG
from .helpers import child, distinct_pdfs, loader
from .hostile import gzip_bomb, hang, hostile_server, huge_json, trickle

SUBMIT, CHECK = "/parse/async", "/parse/async_check"
STATUS = b'{"code": 0, "message": "ok", "data": {"task_id": "t1", "status": "PROCESSING"}}'


def _run(kind: str, method: str, *args: Any, **settings: Any) -> Any:
    settings = {"api_key": KEY, "cache": False, **settings}
    if kind == "sync":
        with SoMarkClient(**settings) as client:
            return getattr(client, method)(*args)

    async def go() -> Any:
        async with AsyncSoMarkClient(**settings) as client:
            return await getattr(client, method)(*args)

    return asyncio.run(go())


# --- 1. deadlines ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_server_that_never_answers_is_given_max_wait_not_retries_times_timeout(
    kind: str,
) -> None:
    with hostile_server(hang) as (url, arrivals):
        started = time.monotonic()
        with pytest.raises((TaskTimeoutError, APIError)):
            _run(kind, "wait", "t1", base_url=url, timeout=2, max_wait=3, poll_interval=1)
        elapsed = time.monotonic() - started
    assert elapsed < 12, elapsed  # before: 5 retries of 2 s and their backoff (~27 s)
    assert len(arrivals) <= 3


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_trickled_answer_is_cut_at_the_request_deadline(kind: str) -> None:
    with hostile_server(trickle(STATUS, every=0.05)) as (url, arrivals):
        started = time.monotonic()
        with pytest.raises((TaskTimeoutError, APIError)):
            _run(kind, "wait", "t1", base_url=url, timeout=1, max_wait=4, poll_interval=1)
        elapsed = time.monotonic() - started
    assert elapsed < 12, elapsed  # one answer alone takes ~8 s at this pace
    assert arrivals


# --- 4. resource caps --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(
    "behaviour", [gzip_bomb(300_000_000), huge_json(60_000_000)], ids=["gzip-bomb", "huge-json"]
)
def test_an_answer_over_the_cap_is_refused_without_reading_it_whole(
    kind: str, behaviour: Any
) -> None:
    tracemalloc.start()
    try:
        with (
            hostile_server(behaviour) as (url, _arrivals),
            pytest.raises(ResponseValidationError, match="max_response_bytes"),
        ):
            _run(kind, "check", "t1", base_url=url, max_response_bytes=5_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20, peak / 2**20  # the answer inflates to 300 / 60 MB


def test_a_span_bomb_is_expanded_only_up_to_the_cell_cap() -> None:
    bomb = (
        "<table><tr>"
        + '<td rowspan="1000" colspan="1000">x</td>' * 3
        + "</tr>"
        + "<tr><td>a</td></tr>" * 60
        + "</table>"
    )
    table = parse_html_table(bomb)
    assert table is not None
    assert len(table.rows) * table.width <= 250_000  # tables.MAX_TABLE_CELLS


# --- 5. answers read tolerantly ------------------------------------------------------------


def test_a_business_code_sent_as_a_string_is_understood(emulator: Emulator, tmp_path: Path) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(SUBMIT, Reply({"code": "1124", "message": "busy", "data": None}))
    load = loader(pdf, emulator)
    assert load.load()  # 1124 is "wait and retry", whatever its JSON type
    assert len(emulator.requests_to(SUBMIT)) == 2


def test_an_unknown_status_is_logged_once(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.script(CHECK, *[Status("REVIEWING")] * 6)
    with caplog.at_level(logging.WARNING, logger="somark_loaders"):
        _run("sync", "parse", PNG, base_url=emulator.base_url, poll_interval=0.05)
    assert sum("unknown status" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_404_says_check_base_url_and_is_not_retried(emulator: Emulator, kind: str) -> None:
    root = emulator.base_url.removesuffix("/api/v1")
    with pytest.raises(APIStatusError) as caught:
        _run(kind, "usage", base_url=root)
    assert "check base_url" in str(caught.value)
    assert "retried" not in str(caught.value)
    assert len(emulator.requests) == 1


# --- 2. a rate limit that outlasts the retry window stops the load ---------------------


def test_a_1124_storm_costs_one_retry_window_not_one_per_file(
    emulator: Emulator, tmp_path: Path
) -> None:
    pdfs = distinct_pdfs(tmp_path, 4)
    emulator.script(SUBMIT, *[BusinessError(1124, "QPS limit exceeded")] * 200)
    load = loader(
        pdfs,
        emulator,
        on_error="collect",
        client_options={"poll_interval": 0.05, "retry_max_time": 3},
    )
    started = time.monotonic()
    assert load.load() == []
    elapsed = time.monotonic() - started
    report = load.last_report
    assert [f.status for f in report.files] == [
        "failed",
        "not_started",
        "not_started",
        "not_started",
    ]
    assert all(f.code == 1124 for f in report.files)
    assert elapsed < 3 * 3, elapsed  # before: 3 s per file, one file after another


# --- 3. Ctrl-C does not wait for a poll in flight ----------------------------------------


def test_ctrl_c_interrupts_a_sync_load_while_a_poll_hangs(
    emulator: Emulator, tmp_path: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path / "docs", 1)
    emulator.script(CHECK, Delay(60))  # the first status check hangs for a minute
    process = child(
        "-m", "somark_loaders.cli", "load", str(pdf), "--base-url", emulator.base_url,
        "--api-key", KEY, "--poll-interval", "0.05", "-q", "--out", str(tmp_path / "o.jsonl"),
        cache=tmp_path / "cache",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not emulator.requests_to(CHECK):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=40)
    assert process.returncode == 130, err
    assert time.monotonic() - interrupted < 15  # not the minute the poll would have taken
    assert "cancelled" in err and emulator.accepted_tasks[0] in err
