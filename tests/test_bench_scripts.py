"""The benchmarks are not run by `make test` (they time things), but they must not rot:
each script imports, and the private hooks bench/polling.py wraps still exist."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def _load(path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_each_benchmark_imports(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load(path, monkeypatch)
    if path.name.startswith("retrieval_qa"):
        return  # question data, no entry point
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"


def test_the_polling_bench_counts_checks_through_the_wait_flow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bench/polling.py wraps the wait flow's status check to count checks per task (it
    broke once when the check moved from service/_flow.py to service/_wait.py)."""
    from somark_loaders.service import _wait

    monkeypatch.setattr(_wait, "_check", _wait._check)  # restored after the test
    polling = _load(BENCH / "polling.py", monkeypatch)
    counter = polling.Counted()
    assert _wait._check is not counter._check


def test_the_polling_bench_turns_the_forecast_off_as_the_loader_calls_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The "before" rounds replace PaceModel.forecast: the stand-in must take the
    arguments the wait flow passes (``may_probe`` broke it once)."""
    from somark_loaders.service._pace import PaceModel

    monkeypatch.setattr(PaceModel, "forecast", PaceModel.forecast)  # restored after the test
    polling = _load(BENCH / "polling.py", monkeypatch)
    model = PaceModel()
    model.observe(2, 1.0, 1.2)
    with polling.forecast_off():
        assert model.forecast(2, may_probe=False) is None
        assert model.forecast(2) is None
    assert model.forecast(2) is not None


def test_the_coverage_bench_counts_words_as_a_reader_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/coverage.py: a word hyphenated over a line (a hyphen, a soft hyphen or the
    mark PDFium gives) is one word; a sheet counts words with letters only."""
    coverage = _load(BENCH / "coverage.py", monkeypatch)
    assert coverage.words("Fundamen-\r\ntal und Fundamen\ufffetal") == {"fundamental": 2, "und": 1}
    assert coverage.words("k-means is 0.4") == {"k": 1, "means": 1, "is": 1, "0": 1, "4": 1}
    assert coverage.words("Total 0.4 40%", letters_only=True) == {"total": 1}
    assert coverage.words("公路技术 a") == {"公": 1, "路": 1, "技": 1, "术": 1, "a": 1}
