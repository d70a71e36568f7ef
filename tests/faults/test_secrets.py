"""The key appears nowhere a user or a log collector can see: a canary key
without the ``sk-`` prefix goes through loads that fail in every way the fault suite
knows, and everything visible is searched for it: logs at DEBUG of every logger, stdout
and stderr (progress bars and the CLI included), ``str``/``repr`` of every error,
tracebacks formatted with their frames' local variables, reprs and pickles of the public
objects a user keeps (errors, reports, results, documents), the cache and ledger files.

Not searched, on purpose: pickles of loaders and readers, which must carry the key to the
worker processes of ``SimpleDirectoryReader(num_workers=N)`` (treat them as the key)."""

from __future__ import annotations

import asyncio
import enum
import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import (
    AsyncSoMarkClient,
    ConfigurationError,
    ParseOptions,
    SoMarkClient,
    SoMarkError,
)
from somark_loaders.cli import main
from somark_loaders.emulator import BusinessError, Drop, Emulator, HTTPError, Reply, Status
from somark_loaders.langchain import SoMarkLoader, SoMarkParser
from somark_loaders.llama_index import SoMarkReader

from ..fixtures import FAST, distinct_pdfs

CANARY = "canary7Q2x9Lw3pZ"  # no sk- prefix: redaction must go by value
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


# --- reprs at every stage of construction -----------------------------------------------

_HALF_BUILT: dict[str, Any] = {
    "http to a remote host": lambda: SoMarkClient(
        api_key=CANARY, base_url="http://example.com/api/v1"
    ),
    "async, not a URL": lambda: AsyncSoMarkClient(api_key=CANARY, base_url="ftp://x"),
    "loader, bad feature_config": lambda: SoMarkLoader(
        ["a.pdf"], api_key=CANARY, feature_config={"bogus": True}
    ),
    "parser, bad feature_config": lambda: SoMarkParser(
        api_key=CANARY, feature_config={"keep_header_footer": "yes"}
    ),
    "reader, bad feature_config": lambda: SoMarkReader(
        api_key=CANARY, feature_config={"bogus": True}
    ),
    "options, bad element format": lambda: ParseOptions(element_formats={"image": "gif"}),
    "client, bad cache": lambda: SoMarkClient(api_key=CANARY, cache=3.5),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(_HALF_BUILT))
def test_construction_errors_format_with_their_locals(case: str) -> None:
    """A setting refused half-way through a constructor: the traceback with its frames'
    local variables (``self`` half-built among them) formats, and shows no key."""
    with pytest.raises(SoMarkError) as raised:
        _HALF_BUILT[case]()
    assert not [text for text in _visible(raised.value) if CANARY in text]


def _own_classes() -> list[type]:
    import importlib
    import pkgutil

    import somark_loaders

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(somark_loaders.__path__, "somark_loaders."):
        if info.name.endswith((".ray", ".emulator")) or ".emulator." in info.name:
            continue  # ray is optional; the emulator is not the package's API
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _hand_built(cls: type) -> bool:
    """Whether ``cls`` is built by its own ``__init__`` (a dataclass's generated one
    sets every field before any check runs, so its repr never meets a half-built object)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is not None and params.init:
        return "__init__" not in cls.__dict__ and not any(
            "__init__" in base.__dict__ and getattr(base, "__dataclass_params__", None) is None
            for base in cls.__mro__[1:-1]
            if base.__module__.startswith("somark_loaders")
        )
    return True


def test_every_repr_survives_a_half_built_object() -> None:
    """repr of an object whose constructor has not set anything yet (what a traceback
    with locals shows when that constructor raises) works for every class of the package."""
    broken = []
    for cls in _own_classes():
        if issubclass(cls, enum.Enum) or not _hand_built(cls):
            continue
        try:
            bare = cls.__new__(cls)  # type: ignore[call-overload]
        except TypeError:
            continue  # needs arguments to exist at all
        try:
            repr(bare)
        except Exception as err:  # any failure is the finding
            broken.append(f"{cls.__module__}.{cls.__qualname__}: {type(err).__name__}: {err}")
    assert not broken, broken


# --- the key cut in half, and raw server text in frames and chains ----------------------


def _runs(key: str, size: int = 8) -> list[str]:
    """Every ``size``-character run of ``key``: none may show anywhere."""
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def _chain(error: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _shown_everywhere(error: BaseException) -> list[str]:
    """What a user, a log collector or a pickle of ``error`` can see: its text, its
    traceback with locals, and every exception chained to it (suppressed ones too)."""
    seen = _visible(error)
    for linked in _chain(error)[1:]:
        seen += [repr(linked), repr(vars(linked)), repr(pickle.dumps(linked))]
        seen += [repr(getattr(linked, name, "")) for name in ("doc", "object", "args")]
    return seen


def _leaks(texts: list[str], key: str = CANARY) -> list[str]:
    return [f"{run!r} in {text[:300]!r}" for text in texts for run in _runs(key) if run in text]


# Server texts that echo the key where a cut falls: 200 characters of an HTTP error
# body, 120 of a non-JSON answer, 40 of a bad code; and a 10-character piece of it.
_ECHOES = {
    "http error body": HTTPError(400, body="e" * 195 + CANARY + " tail"),
    "non-JSON answer": Reply("<html>" + "h" * 107 + CANARY + "</html>"),
    "bad code field": Reply({"code": "c" * 30 + CANARY, "message": "x", "data": None}),
    "piece of the key": Reply({"code": 1105, "message": f"bad {CANARY[3:13]}", "data": None}),
    "1107 echo": BusinessError(1107, f"key {CANARY} is not valid"),
    "1124 echo": BusinessError(1124, f"too many tasks for {CANARY}"),
    "JSON string echo": Reply(f'"refused: {CANARY}"'),
    "data not an object": Reply({"code": 0, "message": "ok", "data": f"{CANARY}"}),
}


@pytest.mark.parametrize("case", sorted(_ECHOES))
def test_no_run_of_the_key_survives_a_cut_a_frame_or_a_chain(case: str, tmp_path: Path) -> None:
    """Redaction comes before any cut, covers any 8-character run of the key, and leaves
    nothing raw in the frames of the traceback (``body``...) or in a chained exception
    (a JSONDecodeError's ``doc``); the load report shows no run of it either."""
    with Emulator(api_keys={CANARY}) as key_emulator:
        # (the key is passed as a global: this frame's locals show in the traceback)
        url = key_emulator.base_url
        key_emulator.script(CHECK, _ECHOES[case])
        with (
            SoMarkClient(
                api_key=CANARY, base_url=url, max_retries=0, retry_max_time=0.01, cache=False
            ) as client,
            pytest.raises(SoMarkError) as raised,
        ):
            client.check("t-1")
        seen = _shown_everywhere(raised.value)
        key_emulator.script(SUBMIT, _ECHOES[case])
        load = SoMarkLoader(
            distinct_pdfs(tmp_path, 1), api_key=CANARY, base_url=url, on_error="collect",
            cache=False, client_options={"max_retries": 0, "retry_max_time": 0.01, **FAST},
        )  # fmt: skip
        assert load.load() == []
        report = load.last_report
    assert report.files[0].error  # the answer really failed the file
    seen += [report.summary(), report.table(), repr(report), repr(pickle.dumps(report))]
    assert not _leaks(seen)


def test_redaction_hides_every_run_of_the_key_and_reads_only_what_a_cut_needs() -> None:
    """Any 8 characters of the key in a row are hidden (7 are ordinary text), wherever
    they are and however often; a cut reads the start of a huge answer only."""
    from somark_loaders._redact import redact, redact_cut, remember_secret

    remember_secret(CANARY)
    assert redact(f"a{CANARY[5:13]}b{CANARY[:7]}c") == f"a***b{CANARY[:7]}c"
    assert redact(CANARY * 10_000 + " tail") == "*** tail"  # one span, found in one pass
    assert redact_cut("e" * 195 + CANARY, 200) == "e" * 195 + "***"

    class Recorded(bytes):
        read: list[int]

        def __getitem__(self, key: Any) -> Any:
            self.read.append(key.stop)
            return bytes.__getitem__(self, key)

    body = Recorded(b"<html>" + b"x" * 5_000_000)
    body.read = []
    assert redact_cut(body, 120) == "<html>" + "x" * 114
    assert max(body.read) < 1_000
