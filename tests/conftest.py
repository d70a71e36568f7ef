"""Shared fixtures: a fresh emulator on 127.0.0.1 per test, and both clients behind one face.

``somark`` runs each client method either on :class:`SoMarkClient` or, inside its own event
loop, on :class:`AsyncSoMarkClient`; every scenario written against it runs on both.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import AsyncSoMarkClient, SoMarkClient
from somark_loaders.emulator import Emulator

TESTS = Path(__file__).resolve().parent
DATA = TESTS.parent / "examples" / "data"
PDF = DATA / "multi-column.pdf"
ONE_PAGE_PDF = DATA / "2305.03393v1-pg9.pdf"
PNG = DATA / "table-multi-row-column-cells.png"
KEY = "sk-test-0123456789abcdef"


# --- the fast lane (`make check`) -------------------------------------------------------
# `pytest --fast` collects only these files (the pure modules and the quick client tests)
# and leaves out their tests marked `slow`; `make test` runs everything. A file joins the
# lane by being named here: the lane stays under two minutes on a 2-core machine. Tests
# whose result the emulator reads by OCR are marked slow (about 4 s of CPU per task).
FAST_LANE = frozenset(
    {
        "test_batch_session.py",
        "test_bench_qa.py",
        "test_client_failures.py",
        "test_client_protocol.py",
        "test_config_options_files.py",
        "test_convert.py",
        "test_convert_gc.py",
        "test_convert_properties.py",
        "test_fast_lane.py",
        "test_ids.py",
        "test_in_flight.py",
        "test_layers.py",
        "test_retry_and_errors.py",
        "test_setting_parity.py",
        "test_settings.py",
        "test_table_properties.py",
        "test_tables.py",
        "test_tokenizer_offline.py",
        "test_transport.py",
        "test_window.py",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast",
        action="store_true",
        help="the fast lane (make check): the files of FAST_LANE in tests/conftest.py, "
        "without their tests marked slow",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not config.getoption("--fast") or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    in_lane = collection_path.parent == TESTS and collection_path.name in FAST_LANE
    return None if in_lane else True


# Tests that start a local Ray cluster (2 CPUs each): `make test` runs them one after the
# other on one xdist worker (`--dist loadgroup`), so that two clusters never share the
# machine's two cores with the rest of the suite.
RAY_FILES = frozenset({"test_ray.py", "test_ray_output.py", "test_images_store.py"})


def _starts_ray(item: pytest.Item) -> bool:
    return item.path.name in RAY_FILES and (
        item.path.name != "test_images_store.py" or "read_somark" in item.name
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _starts_ray(item):
            item.add_marker(pytest.mark.xdist_group("ray"))
    if not config.getoption("--fast"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:

    for name in list(os.environ):
        if name.startswith("SOMARK_"):
            monkeypatch.delenv(name)
    # The many short-lived emulators of the suite parse in their own process (no pool to
    # start per test); the worker pool has its own tests (test_emulator_service.py),
    # which name their workers.
    monkeypatch.setenv("SOMARK_EMULATOR_WORKERS", "0")


@pytest.fixture(autouse=True)
def _private_cache(
    _clean_env: None, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own empty result cache (never the user's)."""
    folder = tmp_path_factory.mktemp("somark-cache")
    monkeypatch.setenv("SOMARK_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may open a connection to anything but loopback."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple):
            host = str(address[0])
            if host not in {"127.0.0.1", "::1", "localhost"}:
                raise AssertionError(f"test tried to reach {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_keys={KEY}) as emu:
        yield emu


@pytest.fixture
def emulator_no_keys() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


class FakeTime:
    """Virtual clock: sleeps are recorded and advance it (with a tiny real pause)."""

    def __init__(self, settle: Callable[[], object] = lambda: None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.settle = settle  # what must be done once virtual time has passed

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.settle()
        time.sleep(0.001)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.to_thread(self.settle)
        await asyncio.sleep(0.001)


class Somark:
    """One face for both clients: ``somark.parse(...)`` runs on the chosen kind."""

    def __init__(
        self,
        kind: str,
        base_url: str,
        settle: Callable[[], object] = lambda: None,
        **defaults: Any,
    ) -> None:
        self.kind = kind
        self.time = FakeTime(settle)  # settle: the emulator's parses end as time passes
        self.defaults = {
            "base_url": base_url,
            "api_key": KEY,
            "poll_interval": 0.5,
            "seed": 7,
            "clock": self.time.clock,
            **defaults,
        }

    def client(self, **overrides: Any) -> SoMarkClient:
        return SoMarkClient(**{"sleep": self.time.sleep, **self.defaults, **overrides})

    def aclient(self, **overrides: Any) -> AsyncSoMarkClient:
        return AsyncSoMarkClient(**{"sleep": self.time.asleep, **self.defaults, **overrides})

    def call(
        self, method: str, *args: Any, client_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        overrides = client_kwargs or {}
        if self.kind == "sync":
            with self.client(**overrides) as client:
                return getattr(client, method)(*args, **kwargs)

        async def run() -> Any:
            async with self.aclient(**overrides) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    def __getattr__(self, method: str) -> Any:
        if method in {"submit", "check", "wait", "parse", "parse_sync", "usage"}:
            return lambda *a, **k: self.call(method, *a, **k)
        raise AttributeError(method)


@pytest.fixture(params=["sync", "async"])
def somark(request: pytest.FixtureRequest, emulator: Emulator) -> Somark:
    return Somark(request.param, emulator.base_url, emulator.wait_parsed)


@pytest.fixture
def fresh_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's result memos start empty for this test: one that patches an engine
    sees its patch used, never a result an earlier test left for the same bytes."""
    from collections import OrderedDict

    from somark_loaders.emulator import _pool, engines

    monkeypatch.setattr(_pool, "_MEMO", OrderedDict())
    monkeypatch.setattr(engines, "_MEMO", OrderedDict())
