"""Every entry point takes the settings of its group with the declared defaults.

Client settings are declared once (``ClientSettings``), loader settings once
(``LoaderSettings``). Both clients, ``SoMarkLoader``, ``SoMarkParser``, ``SoMarkReader``
(whose pydantic fields are their own copy), ``read_somark`` and the CLI's flags must take
the same names with the same defaults, show them to ``inspect.signature`` and ``help()``,
and refuse an unknown name with the closest known one. Nothing is sent: every entry point
is only built (against a loopback URL that no test serves).
"""

from __future__ import annotations

import dataclasses
import inspect
import pydoc
from collections.abc import Callable
from typing import Any

import pytest

from somark_loaders import AsyncSoMarkClient, ConfigurationError, SoMarkClient
from somark_loaders._loading import CLIENT_OPTIONS, LoaderSettings
from somark_loaders.cli import build_parser, main
from somark_loaders.langchain import SoMarkLoader, SoMarkParser
from somark_loaders.llama_index import SoMarkReader
from somark_loaders.service._config import ClientSettings

from .conftest import ONE_PAGE_PDF

LOCAL: dict[str, Any] = {"base_url": "http://127.0.0.1:9/api/v1"}  # built only: no request is made
REQUIRED = object()


def _declared(declaration: type[Any]) -> dict[str, Any]:
    """The init fields of a dataclass and their defaults."""
    out = {}
    for f in dataclasses.fields(declaration):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = REQUIRED
    return out


def _signature(entry: Callable[..., Any]) -> dict[str, Any]:
    """The named parameters ``inspect.signature`` shows for ``entry`` and their defaults."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {
        name: REQUIRED if p.default is p.empty else p.default
        for name, p in inspect.signature(entry).parameters.items()
        if p.kind in named and name != "self"
    }


CLIENT = _declared(ClientSettings)
LOADER = _declared(LoaderSettings)


def test_the_declarations_are_what_the_issue_counts() -> None:
    assert len(CLIENT) == 13
    assert LOADER["chunk_size"] == 512
    assert set(CLIENT) > CLIENT_OPTIONS  # what client_options passes on to the client


@pytest.mark.parametrize("kind", [SoMarkClient, AsyncSoMarkClient])
def test_both_clients_take_the_client_settings(kind: type[Any]) -> None:
    shown = _signature(kind)
    assert {name: shown.get(name, "missing") for name in CLIENT} == CLIENT
    assert set(shown) - set(CLIENT) == {"http_client", "sleep", "clock"}  # its own
    client = kind(**LOCAL)
    assert {name: getattr(client.settings, name) for name in CLIENT} == {**CLIENT, **LOCAL}


def test_the_clients_differ_only_in_their_own_arguments() -> None:
    sync, concurrent = _signature(SoMarkClient), _signature(AsyncSoMarkClient)
    assert list(sync) == list(concurrent)
    assert {k: v for k, v in sync.items() if k != "sleep"} == {
        k: v for k, v in concurrent.items() if k != "sleep"
    }


def test_the_loaders_take_the_loader_settings() -> None:
    loader = _signature(SoMarkLoader)
    assert loader.pop("file_path") is REQUIRED
    assert loader.pop("recursive") is True
    assert loader == LOADER
    assert _signature(SoMarkParser) == LOADER


def test_the_reader_fields_match_the_declaration() -> None:
    """The pydantic fields are a copy (serialisable types): this is what keeps it true."""
    fields = {name: info.default for name, info in SoMarkReader.model_fields.items()}
    assert fields.pop("is_remote") is True
    assert fields.pop("show_extra_info") is False
    not_serialisable = {"client", "parse_options"}
    assert fields == {k: v for k, v in LOADER.items() if k not in not_serialisable}


def test_read_somark_takes_the_loader_settings() -> None:
    pytest.importorskip("ray")
    from somark_loaders import ray as somark_ray

    ray_own = {"files_per_task", "workers", "num_cpus", "file_extensions", "filesystem"}
    # Ray collects failures as rows and draws its own progress
    expected = {
        **{k: v for k, v in LOADER.items() if k != "client"},
        "on_error": "collect",
        "show_progress": False,
    }
    for entry in (somark_ray.read_somark_files, somark_ray.read_somark):
        shown = _signature(entry)
        assert shown.pop("paths") is REQUIRED
        assert {k: v for k, v in shown.items() if k not in ray_own} == expected
    assert set(_signature(somark_ray.read_somark_files)) >= ray_own


def _comparable(settings: LoaderSettings) -> dict[str, Any]:
    out = {name: getattr(settings, name) for name in LOADER}
    return {**out, "parsed": settings.parsed, "convert": settings.convert}


def test_every_loader_checks_its_settings_into_the_same_form() -> None:
    """Built with no settings, the loader, the parser and the reader load alike."""
    loader = _comparable(SoMarkLoader(ONE_PAGE_PDF, **LOCAL)._settings)
    parser = _comparable(SoMarkParser(**LOCAL)._settings)
    reader = _comparable(SoMarkReader(**LOCAL)._loader_settings())
    assert loader == parser
    assert loader == reader
    assert _comparable(LoaderSettings(**LOCAL)) == loader


# CLI flag (dest) -> the loader setting it sets
CLI_FLAGS = {
    "mode": "mode",
    "chunk_size": "chunk_size",
    "chunk_overlap": "chunk_overlap",
    "min_chunk_tokens": "min_chunk_tokens",
    "formats": "output_formats",
    "element_formats": "element_formats",
    "feature_config": "feature_config",
    "concurrency": "max_concurrency",
    "rps": "requests_per_second",
    "pages_per_part": "pages_per_part",
    "max_pages": "max_pages",
    "strict_page_budget": "strict_page_budget",
    "resubmit_ambiguous": "resubmit_ambiguous",
    "include_images": "include_images",
    "image_dir": "image_dir",
    "api_key": "api_key",
    "base_url": "base_url",
}


def test_the_cli_flags_default_to_the_declared_defaults() -> None:
    parser = build_parser()
    for command in ("load", "parse"):
        sub = parser.commands[command]
        defaults = {a.dest: a.default for a in sub._actions}
        for dest, setting in CLI_FLAGS.items():
            if dest in defaults:
                assert defaults[dest] == LOADER[setting], (command, dest)
        assert defaults["poll_interval"] == CLIENT["poll_interval"]
        if command == "load":
            assert set(CLI_FLAGS) <= set(defaults)


ENTRY_POINTS: dict[str, Callable[..., object]] = {
    "SoMarkClient": SoMarkClient,
    "AsyncSoMarkClient": AsyncSoMarkClient,
    "SoMarkLoader": lambda **kw: SoMarkLoader(ONE_PAGE_PDF, **kw),
    "SoMarkParser": SoMarkParser,
    "SoMarkReader": SoMarkReader,
}


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_an_unknown_name_is_refused_with_the_closest_known_one(name: str) -> None:
    misspelt, meant = (
        ("max_retrys", "max_retries") if "Client" in name else ("chunk_sise", "chunk_size")
    )
    with pytest.raises(ConfigurationError, match=f"'{misspelt}' \\(did you mean '{meant}'\\?\\)"):
        ENTRY_POINTS[name](**LOCAL, **{misspelt: 3})


def test_read_somark_refuses_an_unknown_name_with_the_closest_known_one() -> None:
    pytest.importorskip("ray")
    from somark_loaders import ray as somark_ray

    with pytest.raises(ConfigurationError, match="'chunk_sise' \\(did you mean 'chunk_size'"):
        somark_ray.read_somark("nowhere/", **LOCAL, chunk_sise=3)


def test_the_cli_refuses_an_unknown_flag_with_the_closest_known_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["load", str(ONE_PAGE_PDF), "--chunk-sise", "3"])
    assert done.value.code == 2
    assert "did you mean --chunk-size?" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        (SoMarkClient, "max_retries: 'int | None' = None"),
        (AsyncSoMarkClient, "timeout: 'float | None' = None"),
        (SoMarkLoader, "chunk_size: 'int' = 512"),
        (SoMarkParser, "chunk_size: 'int' = 512"),
    ],
)
def test_help_shows_the_real_parameters(entry: type[Any], shown: str) -> None:
    text = pydoc.plain(pydoc.render_doc(entry))  # what help() prints
    assert shown in text
    assert "**options" not in text.split("|  Methods")[0]


def test_a_positional_setting_is_refused_in_the_entry_point_s_name() -> None:
    with pytest.raises(TypeError, match=r"^SoMarkClient\(\) takes 1 positional argument"):
        SoMarkClient("sk-not-by-position")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^SoMarkLoader\(\) missing 1 required .*'file_path'"):
        SoMarkLoader()  # type: ignore[call-arg]
