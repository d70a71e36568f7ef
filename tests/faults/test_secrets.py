"""The key appears nowhere a user or a log collector can see (issue 11): a canary key
without the ``sk-`` prefix goes through loads that fail in every way the fault suite
knows, and everything visible is searched for it: logs at DEBUG of every logger, stdout
and stderr (progress bars and the CLI included), ``str``/``repr`` of every error,
tracebacks formatted with their frames' local variables, reprs and pickles of the public
objects a user keeps (errors, reports, results, documents), the cache and ledger files.

Not searched, on purpose: pickles of loaders and readers, which must carry the key to the
worker processes of ``SimpleDirectoryReader(num_workers=N)`` (treat them as the key)."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import ConfigurationError, SoMarkClient, SoMarkError
from somark_loaders.cli import main
from somark_loaders.emulator import Drop, Emulator, HTTPError, Reply, Status
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.llama_index import SoMarkReader

from .helpers import distinct_pdfs

CANARY = "canary7Q2x9Lw3pZ"  # no sk- prefix: redaction must go by value
FAST = {"poll_interval": 0.05}
SUBMIT, CHECK = "/parse/async", "/parse/async_check"


def _failed_with_echo() -> Reply:
    return Reply(
        {
            "code": 0,
            "message": f"ok {CANARY}",
            "data": {"task_id": "x", "status": "FAILED", "error": f"bad key {CANARY} here"},
        }
    )


def _visible(error: BaseException) -> list[str]:
    shown = traceback.TracebackException(
        type(error), error, error.__traceback__, capture_locals=True
    )
    return [str(error), repr(error), "".join(shown.format()), repr(pickle.dumps(error))]


def test_the_canary_key_appears_nowhere(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore, the emulator
    cache = tmp_path / "cache"
    monkeypatch.setenv("SOMARK_CACHE_DIR", str(cache))
    seen: list[str] = []
    kept: list[Any] = []
    pdfs = distinct_pdfs(tmp_path / "docs", 5)
    with Emulator(api_keys={CANARY}) as emulator:
        common: dict[str, Any] = {"base_url": emulator.base_url, "client_options": FAST}

        # a sync load with progress: one echoed key in a FAILED task, one ambiguous
        # upload, one refused status with the key in it, and the rest fine
        emulator.script(SUBMIT, HTTPError(503, body=f"busy {CANARY}"), Drop(process=True))
        emulator.script(CHECK, Status(f"WEIRD {CANARY}"), _failed_with_echo())
        load = SoMarkLoader(
            pdfs, api_key=CANARY, on_error="collect", show_progress=True,
            requests_per_second=50, **common,
        )  # fmt: skip
        kept += load.load()
        kept.append(load.last_report)
        seen += [load.last_report.table(), load.last_report.summary()]

        # the same failures under "raise", async
        emulator.script(CHECK, _failed_with_echo())
        async_load = SoMarkLoader(
            distinct_pdfs(tmp_path / "more", 1, "more"), api_key=CANARY,
            requests_per_second=50, **common,
        )  # fmt: skip
        with pytest.raises(SoMarkError) as raised:
            asyncio.run(async_load.aload())
        seen += _visible(raised.value)
        kept.append(raised.value)

        # a wrong setting of the reader, and a client error echoing the key
        with pytest.raises(ConfigurationError) as bad:
            SoMarkReader(api_key=CANARY, base_url=emulator.base_url, max_concurrency="many")
        seen += _visible(bad.value)
        seen.append(SoMarkReader(api_key=CANARY, base_url=emulator.base_url).to_json())
        seen.append(repr(SoMarkReader(api_key=CANARY, base_url=emulator.base_url)))
        emulator.script(CHECK, _failed_with_echo())
        with SoMarkClient(api_key=CANARY, base_url=emulator.base_url, **FAST) as client:
            seen.append(repr(client))
            with pytest.raises(SoMarkError) as parsed:
                client.parse(distinct_pdfs(tmp_path / "client", 1, "client")[0])
            seen += _visible(parsed.value)
            kept.append(client.parse(pdfs[1]))

        # the command line, with a failing file
        emulator.script(CHECK, _failed_with_echo())
        code = main(
            ["load", *map(str, distinct_pdfs(tmp_path / "cli", 2, "cli")),
             "--base-url", emulator.base_url, "--api-key", CANARY, "--rps", "50",
             "--poll-interval", "0.05", "--out", str(tmp_path / "out.jsonl")]
        )  # fmt: skip
        assert code == 1

    out, err = capsys.readouterr()
    seen += [out, err, caplog.text, (tmp_path / "out.jsonl").read_text()]
    seen += [repr(item) for item in kept] + [repr(pickle.dumps(item)) for item in kept]
    seen += [p.read_bytes().decode("utf-8", "replace") for p in cache.rglob("*") if p.is_file()]
    assert any("WEIRD" in text for text in seen)  # the scenarios really ran
    leaks = [text for text in seen if CANARY in text]
    where = [t[max(0, t.index(CANARY) - 700) : t.index(CANARY) + 100] for t in leaks]
    assert not leaks, where
