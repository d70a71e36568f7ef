"""Settings are checked by name and by type when an entry point is built, before any
request: a misspelt name is refused with the closest
known one, a wrong value raises ConfigurationError, and the service sees nothing.

Every entry point is driven the way a user drives it (built, then loading a file from
the emulator), so a check that only happens after the uploads fails here."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.document_loaders.blob_loaders import Blob

from somark_loaders import AsyncSoMarkClient, ConfigurationError, SoMarkClient, to_chunks
from somark_loaders._checks import setting_names
from somark_loaders._loading import CLIENT_OPTIONS, LoaderSettings
from somark_loaders.cli import main
from somark_loaders.convert import ConvertOptions
from somark_loaders.emulator import Emulator
from somark_loaders.langchain import SoMarkLoader, SoMarkParser
from somark_loaders.llama_index import SoMarkReader
from somark_loaders.options import ParseOptions

from .conftest import KEY, ONE_PAGE_PDF
from .fixtures import FAST, paper

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {f.name for f in dataclasses.fields(LoaderSettings) if f.init}
Run = Callable[[Emulator, dict[str, Any]], object]


class _BuiltError(Exception):
    """read_somark got past its settings (raised instead of starting Ray)."""


def _common(emulator: Emulator, settings: dict[str, Any]) -> dict[str, Any]:
    base = {"base_url": emulator.base_url, "api_key": KEY, "requests_per_second": 50}
    options = {**base, **settings}
    options["client_options"] = {**FAST, **(settings.get("client_options") or {})}
    return options


def _loader(emulator: Emulator, settings: dict[str, Any]) -> object:
    return SoMarkLoader(ONE_PAGE_PDF, **_common(emulator, settings)).load()


def _parser(emulator: Emulator, settings: dict[str, Any]) -> object:
    parser = SoMarkParser(**_common(emulator, settings))
    return list(parser.lazy_parse(Blob.from_path(ONE_PAGE_PDF)))


def _reader(emulator: Emulator, settings: dict[str, Any]) -> object:
    return SoMarkReader(**_common(emulator, settings)).load_data(ONE_PAGE_PDF)


def _read_somark(emulator: Emulator, settings: dict[str, Any]) -> object:
    pytest.importorskip("ray")
    from somark_loaders import ray as somark_ray

    def reached(*args: Any, **kwargs: Any) -> None:
        raise _BuiltError

    patch = pytest.MonkeyPatch()
    patch.setattr(somark_ray, "account_actor", reached)
    try:
        return somark_ray.read_somark([str(ONE_PAGE_PDF)], **_common(emulator, settings))
    finally:
        patch.undo()


def _client(emulator: Emulator, settings: dict[str, Any]) -> object:
    kwargs = {"base_url": emulator.base_url, "api_key": KEY, **FAST, **settings}
    with SoMarkClient(**kwargs) as client:
        return client.parse(ONE_PAGE_PDF)


def _async_client(emulator: Emulator, settings: dict[str, Any]) -> object:
    async def run() -> object:
        kwargs = {"base_url": emulator.base_url, "api_key": KEY, **FAST, **settings}
        async with AsyncSoMarkClient(**kwargs) as client:
            return await client.parse(ONE_PAGE_PDF)

    return asyncio.run(run())


def _to_chunks(emulator: Emulator, settings: dict[str, Any]) -> object:
    return to_chunks(paper(), **settings)


LOADERS: dict[str, Run] = {
    "SoMarkLoader": _loader,
    "SoMarkParser": _parser,
    "SoMarkReader": _reader,
    "read_somark": _read_somark,
}
CLIENTS: dict[str, Run] = {"SoMarkClient": _client, "AsyncSoMarkClient": _async_client}

# (settings, what the message must say): each is wrong for every loader entry point
BAD_LOADER_SETTINGS = [
    ({"tokenizer": "cl100k"}, "did you mean 'cl100k_base'"),
    ({"mode": "chunks"}, "mode"),
    ({"chunk_size": 0}, "chunk_size"),
    ({"chunk_size": "big"}, "chunk_size"),
    ({"chunk_overlap": -1}, "chunk_overlap"),
    ({"client_options": {"timeout": "abc"}}, "timeout"),
    ({"client_options": {"timout": 5}}, "did you mean 'timeout'"),
    ({"feature_config": {"enable_title_level": True}}, "enable_title_level_recognition"),
    ({"feature_config": {"keep_header_footer": "maybe"}}, "keep_header_footer"),
    ({"ordered": "maybe"}, "ordered"),
    ({"max_concurrency": "many"}, "max_concurrency"),
    ({"max_concurency": 8, "on_eror": "skip"}, "did you mean 'max_concurrency'"),
]
BAD_CLIENT_SETTINGS = [
    ({"timeout": "abc"}, "timeout"),
    ({"max_retries": "3"}, "max_retries"),
    ({"allow_insecure_http": "yes"}, "allow_insecure_http"),
    ({"timout": 5}, "did you mean 'timeout'"),
]
BAD_CONVERT_SETTINGS = [
    ({"tokenizer": "cl100k"}, "did you mean 'cl100k_base'"),
    ({"mode": "chunks"}, "did you mean 'chunk'"),
    ({"chunk_size": "big"}, "chunk_size"),
    ({"chunk_overlap": -1}, "chunk_overlap"),
    ({"chunk_sise": 100}, "did you mean 'chunk_size'"),
    ({"prepend_heading_path": "yes"}, "prepend_heading_path"),
]


def _cases(
    entries: dict[str, Run], bad: list[tuple[dict[str, Any], str]]
) -> list[tuple[Run, dict[str, Any], str]]:
    return [
        pytest.param(run, settings, message, id=f"{name}-{'-'.join(settings)}")
        for name, run in entries.items()
        for settings, message in bad
    ]


@pytest.mark.parametrize(
    ("run", "settings", "message"),
    _cases(LOADERS, BAD_LOADER_SETTINGS)
    + _cases(CLIENTS, BAD_CLIENT_SETTINGS)
    + _cases({"to_chunks": _to_chunks}, BAD_CONVERT_SETTINGS),
)
def test_a_bad_setting_is_refused_before_any_upload(
    emulator: Emulator, run: Run, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        run(emulator, settings)
    assert emulator.requests == []  # refused when built: nothing uploaded, nothing paid
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("run", "misspelt", "meant"),
    [(run, "chunk_sise", "chunk_size") for run in (*LOADERS.values(), _to_chunks)]
    + [(run, "max_retrys", "max_retries") for run in CLIENTS.values()],
)
def test_every_entry_point_refuses_an_unknown_name_with_a_suggestion(
    emulator: Emulator, run: Run, misspelt: str, meant: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"{misspelt}' \\(did you mean '{meant}'"):
        run(emulator, {misspelt: 3})
    # a name close to none: the message lists what the entry point takes
    with pytest.raises(ConfigurationError, match=f"'zzzz'. Its settings are: .*{meant}"):
        run(emulator, {"zzzz": 1})
    assert emulator.requests == []


def test_every_entry_point_refuses_an_unknown_name_with_a_suggestion_in_options() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'feature_config'"):
        ParseOptions.coerce({"feature_cfg": {}})  # what parse(file, options) does with a dict
    with pytest.raises(ConfigurationError, match="did you mean 'table'"):
        ParseOptions(element_formats={"tables": "html"})


# --- parity: every entry point takes the names it documents --------------------------


def _documented_loader_arguments() -> set[str]:
    """The names of the README's "Loader arguments:" paragraph (wherever the docs keep it)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    for page in pages:
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        if "Loader arguments:" in text:
            paragraph = text.split("Loader arguments:", 1)[1].split("Settings are checked")[0]
            return set(re.findall(r"`([a-z_]+)`", paragraph))
    raise AssertionError("the docs no longer list the loader arguments")


def _defaults(func: Callable[..., Any]) -> dict[str, Any]:
    params = inspect.signature(func).parameters.values()
    return {p.name: p.default for p in params if p.default is not p.empty}


def _setting_defaults() -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(LoaderSettings):
        if f.init:
            out[f.name] = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    return out


def test_the_entry_points_take_the_same_settings() -> None:
    """One declaration (LoaderSettings) and its copies: a setting added there and not in
    an entry point (or the other way round) fails here."""
    assert setting_names(SoMarkLoader.__init__) == (SETTINGS - {"log_summary"}) | {
        "file_path",
        "recursive",
    }
    reader = set(SoMarkReader.model_fields)
    assert reader == (SETTINGS - {"client", "parse_options", "log_summary"}) | {
        "is_remote",
        "show_extra_info",
    }
    assert setting_names(SoMarkClient.__init__) == setting_names(AsyncSoMarkClient.__init__)
    assert setting_names(SoMarkClient.__init__) > CLIENT_OPTIONS
    convert = {f.name for f in dataclasses.fields(ConvertOptions)}
    assert convert - {"exclude_types", "merge_cross_page"} < SETTINGS
    documented = _documented_loader_arguments()
    assert documented - CLIENT_OPTIONS <= SETTINGS, documented - CLIENT_OPTIONS - SETTINGS
    assert documented & CLIENT_OPTIONS  # the client options are documented there too


def _accepts_each(
    build: Callable[..., object], names: dict[str, Any], common: dict[str, Any]
) -> None:
    """``build`` with each name at its default in turn (and ``common``): no error."""
    for name, default in names.items():
        built = build(**{**common, name: default} if name not in common else common)
        if isinstance(built, SoMarkClient):
            built.close()
        elif isinstance(built, AsyncSoMarkClient):
            asyncio.run(built.aclose())


def test_each_entry_point_accepts_each_of_its_names(emulator: Emulator) -> None:
    common = {"base_url": emulator.base_url, "api_key": KEY}
    loader = _defaults(SoMarkLoader.__init__)
    _accepts_each(lambda **kw: SoMarkLoader(ONE_PAGE_PDF, **kw), loader, common)
    _accepts_each(SoMarkParser, _setting_defaults(), common)
    reader = {name: info.default for name, info in SoMarkReader.model_fields.items()}
    _accepts_each(SoMarkReader, reader, common)
    options = {name: None for name in CLIENT_OPTIONS}
    _accepts_each(lambda **kw: SoMarkLoader(ONE_PAGE_PDF, **common, client_options=kw), options, {})
    for kind in (SoMarkClient, AsyncSoMarkClient):
        _accepts_each(kind, _defaults(kind.__init__), common)
    convert = {f.name: f.default for f in dataclasses.fields(ConvertOptions)}
    _accepts_each(ConvertOptions, convert, {})
    assert emulator.requests == []


def test_read_somark_accepts_each_of_its_names(emulator: Emulator) -> None:
    pytest.importorskip("ray")
    from somark_loaders import ray as somark_ray

    names = {**_setting_defaults(), **_defaults(somark_ray.read_somark_files)}
    del names["client"]  # each Ray worker makes its own (refused with a reason)
    for name, default in names.items():
        with pytest.raises(_BuiltError):
            _read_somark(emulator, {name: default})
    with pytest.raises(ConfigurationError, match="did you mean 'files_per_task'"):
        _read_somark(emulator, {"files_per_tsk": 2})
    with pytest.raises(ConfigurationError, match="files_per_task"):
        _read_somark(emulator, {"files_per_task": 0})


# --- the command line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--concurency", "4"], "did you mean --concurrency?"),
        (["--chunk-size", "0"], "chunk_size"),
        (["--chunk-size", "big"], "--chunk-size"),
        (["--chunk-overlap", "-1"], "chunk_overlap"),
        (["--mode", "chunks"], "--mode"),
        (["--feature-config", '{"enable_title_level": true}'], "enable_title_level_recognition"),
        (["--feature-config", "{bad"], "--feature-config is not JSON"),
        (["--feature-config", "[1]"], "--feature-config must be a JSON object"),
        (["--poll-interval", "-1"], "poll_interval"),
    ],
)
def test_a_cli_usage_error_is_one_line_and_exit_2(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    argv = ["load", str(ONE_PAGE_PDF), "--base-url", emulator.base_url, "--api-key", KEY, *flags]
    try:
        code = main(argv)
    except SystemExit as done:  # argparse's own refusals
        code = done.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err
    assert emulator.requests == []


def test_a_misspelt_cli_flag_never_shows_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["load", str(ONE_PAGE_PDF), "--api-kye=canary7Q2x9Lw3pZ"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "did you mean --api-key?" in err
    assert "canary7Q2x9Lw3pZ" not in err
