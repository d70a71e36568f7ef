"""The batch engine's layers: checked, frozen settings; a session per run that owns the
report; two drivers that use the session and nothing above it; a runner that holds the
settings and is never written to."""

from __future__ import annotations

import dataclasses

import pytest

from somark_loaders import ConfigurationError, InvalidFileError, SoMarkClient
from somark_loaders.batch import BatchRunner, BatchSettings, Source

from .conftest import KEY
from .import_graph import PACKAGE, graph, imports, reachable

SETTINGS, SESSION, THREADS, TASKS, BATCH = (
    "batch._batch_settings",
    "batch._session",
    "batch._threads",
    "batch._tasks",
    "batch",
)
# A closed port: nothing below may reach the network (no file here gets that far).
NOWHERE = "http://127.0.0.1:9"


def test_the_engine_modules_import_downwards_only() -> None:
    """settings <- session <- drivers <- batch: nothing imports back up, directly or
    through another module, so no engine module lies on an import circle."""
    edges = graph()
    assert SESSION in edges[THREADS] and SESSION in edges[TASKS]  # the drivers' one seam
    below = {
        SETTINGS: {SESSION, THREADS, TASKS, BATCH},
        SESSION: {THREADS, TASKS, BATCH},
        THREADS: {TASKS, BATCH},
        TASKS: {THREADS, BATCH},
    }
    wrong = {module: sorted(reachable(edges, module) & above) for module, above in below.items()}
    assert wrong == {module: [] for module in below}
    for module in (SETTINGS, SESSION, THREADS, TASKS, BATCH):
        assert module not in reachable(edges, module), f"{module} is on an import circle"


def test_the_import_check_sees_a_circle_under_type_checking() -> None:
    """The check above catches the old knot: a driver importing ``batch`` only for its
    types is still an edge, and puts the driver on a circle."""
    driver = PACKAGE / "batch" / "_threads.py"
    text = driver.read_text(encoding="utf-8")
    text += "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import Loaded\n"
    edges = graph()
    edges[THREADS] = imports(driver, text)
    assert BATCH in edges[THREADS] and THREADS in reachable(edges, THREADS)


def test_batch_settings_are_frozen_and_checked_again_when_varied() -> None:
    settings = BatchSettings(on_error="skip", max_concurrency=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.on_error = "raise"  # type: ignore[misc]
    strict = dataclasses.replace(settings, on_error="raise")
    assert (strict.on_error, strict.max_concurrency, settings.on_error) == ("raise", 2, "skip")
    with pytest.raises(ConfigurationError, match="on_error"):
        dataclasses.replace(settings, on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        dataclasses.replace(settings, max_concurrency=0)


def test_a_runner_takes_no_setting_by_assignment() -> None:
    """``runner.on_error = "raise"`` used to change a checked object behind its check; the
    runner now has nowhere to put it."""
    runner = BatchRunner(BatchSettings(on_error="skip"))
    with pytest.raises(AttributeError):
        runner.on_error = "raise"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        runner.settings = BatchSettings()  # type: ignore[misc]
    assert runner.settings.on_error == "skip"


def test_somark_parser_raises_whatever_on_error_it_was_given() -> None:
    """The parser's settings are built with on_error="raise" (one blob, one answer): a
    damaged PDF raises, even when the caller asked for "skip"."""
    from langchain_core.documents.base import Blob

    from somark_loaders.langchain import SoMarkParser

    parser = SoMarkParser(api_key=KEY, base_url=NOWHERE, on_error="skip", cache=False)
    assert parser._settings.runner().settings.on_error == "raise"
    blob = Blob.from_data(b"%PDF-1.7 not really", path="broken.pdf")
    with pytest.raises(InvalidFileError, match=r"broken\.pdf"):
        list(parser.lazy_parse(blob))


def test_each_run_has_its_own_report_and_the_first_is_the_one_read_before_it() -> None:
    """``runner.report`` read before a run is the report that run fills; a second run
    starts a new one and leaves the first as it was."""
    settings = BatchSettings(on_error="collect", log_summary=False, show_progress=False)
    runner = BatchRunner(settings)
    before = runner.report
    refused = [("missing.pdf", InvalidFileError("missing.pdf: no such file"))]
    with SoMarkClient(api_key=KEY, base_url=NOWHERE, cache=False) as client:
        assert list(runner.run(client, [], refused)) == []
        assert runner.report is before and [f.source for f in before.files] == ["missing.pdf"]
        again = [("other.pdf", InvalidFileError("other.pdf: no such file"))]
        assert list(runner.run(client, [], again)) == []
    assert runner.report is not before
    assert [f.source for f in before.files] == ["missing.pdf"]
    assert [f.source for f in runner.report.files] == ["other.pdf"]


def test_a_run_stopped_by_a_refused_input_reports_the_rest_as_not_started() -> None:
    """Under "raise" the first unreadable input stops the run before any upload; the
    session still accounts for the files after it."""
    runner = BatchRunner(BatchSettings(log_summary=False, show_progress=False))
    sources = [
        Source(source="broken.pdf", name="broken.pdf", data=b"%PDF-1.7 not really"),
        Source(source="later.pdf", name="later.pdf", data=b"%PDF-1.7 not either"),
    ]
    with (
        SoMarkClient(api_key=KEY, base_url=NOWHERE, cache=False) as client,
        pytest.raises(InvalidFileError),
    ):
        list(runner.run(client, sources))
    statuses = [(f.source, f.status) for f in runner.report.files]
    assert statuses == [("broken.pdf", "failed"), ("later.pdf", "not_started")]
    assert runner.report.stopped
