"""Configuration, options and file inputs: everything checked before any request."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from somark_loaders import (
    ConfigurationError,
    InvalidFileError,
    ParseOptions,
    SoMarkClient,
)
from somark_loaders.emulator import Emulator
from somark_loaders.service._config import ClientConfig

from .conftest import KEY, ONE_PAGE_PDF, PNG, Somark
from .fixtures import HTTP_TIMEOUT

# --- configuration ------------------------------------------------------------------


def test_defaults_point_at_the_cn_service_and_need_a_key() -> None:
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig.resolve(env={})
    assert "SOMARK_API_KEY" in str(caught.value)
    config = ClientConfig.resolve(api_key="sk-abc", env={})
    assert config.base_url == "https://somark.cn/api/v1"
    assert config.poll_interval == 3.0 and config.max_wait == 1800.0


def test_region_global_selects_somark_ai() -> None:
    assert (
        ClientConfig.resolve(api_key="sk-a", region="global", env={}).base_url
        == "https://somark.ai/api/v1"
    )
    env = {"SOMARK_REGION": "global", "SOMARK_API_KEY": "sk-a"}
    assert ClientConfig.resolve(env=env).base_url == "https://somark.ai/api/v1"
    with pytest.raises(ConfigurationError, match="region"):
        ClientConfig.resolve(api_key="sk-a", region="mars", env={})


def test_argument_beats_environment_beats_default() -> None:
    env = {
        "SOMARK_API_KEY": "sk-env",
        "SOMARK_BASE_URL": "https://parse.example.com/api/v1/",
        "SOMARK_TIMEOUT": "30",
        "SOMARK_POLL_INTERVAL": "4",
        "SOMARK_MAX_WAIT": "60",
        "SOMARK_MAX_RETRIES": "1",
    }
    from_env = ClientConfig.resolve(env=env)
    assert from_env.api_key is not None and from_env.api_key.reveal() == "sk-env"
    assert from_env.base_url == "https://parse.example.com/api/v1"
    assert (from_env.timeout, from_env.poll_interval, from_env.max_wait, from_env.max_retries) == (
        30,
        4,
        60,
        1,
    )
    explicit = ClientConfig.resolve(
        api_key="sk-arg", base_url="https://other.example/api/v1", poll_interval=5, env=env
    )
    assert explicit.api_key is not None and explicit.api_key.reveal() == "sk-arg"
    assert explicit.base_url == "https://other.example/api/v1"
    assert explicit.poll_interval == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://x/api/v1"}, "http"),
        ({"base_url": "https://somark.cn/api/v1/parse/async"}, "API root"),
        ({"timeout": 0}, "timeout"),
        ({"poll_interval": -1}, "poll_interval"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ClientConfig.resolve(api_key="sk-a", env={}, **kwargs)  # type: ignore[arg-type]


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="SOMARK_TIMEOUT"):
        ClientConfig.resolve(api_key="sk-a", env={"SOMARK_TIMEOUT": "soon"})


def test_self_hosted_runs_without_a_key_and_sends_none(emulator_no_keys: Emulator) -> None:
    with SoMarkClient(base_url=emulator_no_keys.base_url, poll_interval=0.05) as client:
        client.parse(ONE_PAGE_PDF)
    for request in emulator_no_keys.requests:
        assert "api_key" not in request.fields


def test_key_is_never_sent_over_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        ClientConfig.resolve(api_key="sk-a", base_url="http://parse.example.com/api/v1", env={})
    allowed = ClientConfig.resolve(
        api_key="sk-a", base_url="http://parse.example.com/api/v1", allow_insecure_http=True, env={}
    )
    assert allowed.base_url.startswith("http://")
    env = {"SOMARK_ALLOW_INSECURE_HTTP": "1"}
    assert ClientConfig.resolve(api_key="sk-a", base_url="http://10.0.0.5/api/v1", env=env)
    # loopback is fine, and no key means nothing to protect
    assert ClientConfig.resolve(api_key="sk-a", base_url="http://localhost:8765/api/v1", env={})
    assert ClientConfig.resolve(base_url="http://parse.example.com/api/v1", env={})


def test_client_reads_the_environment(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    monkeypatch.setenv("SOMARK_API_KEY", KEY)
    monkeypatch.setenv("SOMARK_BASE_URL", emulator.base_url)
    with SoMarkClient() as client:
        assert client.usage().remaining_paid_pages > 0
    assert emulator.requests_to("/usage")[0].fields["api_key"] == [KEY]


# --- options ------------------------------------------------------------------------


def test_default_options_are_the_documented_ones() -> None:
    fields = ParseOptions().form_fields()
    assert fields["output_formats"] == ["markdown", "json"]
    assert json.loads(str(fields["element_formats"])) == {
        "image": "url",
        "formula": "latex",
        "table": "html",
        "cs": "image",
    }
    features = json.loads(str(fields["feature_config"]))
    assert features["enable_table_image"] is True and features["keep_header_footer"] is False
    assert len(features) == 7


@pytest.mark.parametrize(
    ("kwargs", "allowed"),
    [
        ({"output_formats": ["markdwon"]}, "json"),
        ({"element_formats": {"table": "xlsx"}}, "markdown"),
        ({"element_formats": {"picture": "url"}}, "image"),
        ({"feature_config": {"keep_header_footers": True}}, "keep_header_footer"),
        ({"feature_config": {"keep_header_footer": "yes"}}, "true or false"),
        ({"output_formats": ["json", "json"]}, "twice"),
        ({"output_formats": []}, "empty"),
        ({"element_formats": {"image": "file"}}, "zip"),
        ({"output_formats": ["zip"], "element_formats": {"image": "url"}}, "file"),
    ],
)
def test_typos_are_caught_before_any_request(kwargs: dict[str, object], allowed: str) -> None:
    with pytest.raises(ConfigurationError, match=allowed):
        ParseOptions(**kwargs)  # type: ignore[arg-type]


def test_zip_switches_images_to_file_when_not_chosen() -> None:
    options = ParseOptions(output_formats=["zip", "json"])
    assert options.element_formats.image == "file"


def test_extract_config_is_accepted_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="feature_config"):
        options = ParseOptions(extract_config={"keep_header_footer": True})
    assert options.feature_config.keep_header_footer is True


def test_equal_options_have_equal_fingerprints() -> None:
    a = ParseOptions(output_formats=["json", "markdown"])
    b = ParseOptions(
        output_formats=("markdown", "json"), feature_config={"enable_table_image": True}
    )
    assert a.fingerprint() == b.fingerprint()
    assert (
        a.fingerprint() != ParseOptions(feature_config={"keep_header_footer": True}).fingerprint()
    )


def test_options_as_dict_are_accepted_by_the_client(somark: Somark, emulator: Emulator) -> None:
    somark.submit(PNG, {"output_formats": ["json"]})
    assert emulator.requests_to("/parse/async")[0].fields["output_formats"] == ["json"]


def test_zip_output_is_a_download_url(somark: Somark) -> None:
    import httpx

    result = somark.parse(ONE_PAGE_PDF, {"output_formats": ["zip"]})
    assert result.zip_url is not None and result.zip_url.endswith(".zip")
    assert httpx.get(result.zip_url, timeout=HTTP_TIMEOUT).content[:2] == b"PK"


# --- files --------------------------------------------------------------------------


def test_bytes_and_file_objects_carry_a_name(somark: Somark, emulator: Emulator) -> None:
    data = PNG.read_bytes()
    somark.submit(data, file_name="scan.png")
    with PNG.open("rb") as handle:
        somark.submit(handle)
    buffer = io.BytesIO(data)
    somark.submit(buffer, file_name="dir/inner.PNG")
    names = [r.files[0].filename for r in emulator.requests_to("/parse/async")]
    assert names == ["scan.png", PNG.name, "inner.PNG"]
    assert {r.files[0].size for r in emulator.requests_to("/parse/async")} == {len(data)}


def test_a_retried_upload_sends_the_whole_file_again(somark: Somark, emulator: Emulator) -> None:
    from somark_loaders.emulator import HTTPError

    emulator.script("/parse/async", HTTPError(503))
    with PNG.open("rb") as handle:
        handle.read(100)  # a seekable file object is always sent whole
        somark.submit(handle)
    uploads = [r.files[0] for r in emulator.requests_to("/parse/async")]
    assert [u.size for u in uploads] == [PNG.stat().st_size] * 2
    assert uploads[0].sha256 == uploads[1].sha256


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.pdf", "not found"),
        (lambda tmp: tmp, "directory"),
        (lambda tmp: _write(tmp / "empty.pdf", b""), "empty"),
        (lambda tmp: _write(tmp / "notes.txt", b"hello"), "not supported"),
        (lambda tmp: _write(tmp / "noext", b"%PDF"), "no extension"),
        (lambda tmp: b"%PDF-1.4", "file name"),
        (lambda tmp: io.BytesIO(b"%PDF-1.4"), "no name"),
        (lambda tmp: 42, "Cannot upload"),
    ],
    ids=[
        "missing",
        "directory",
        "empty",
        "txt",
        "no-extension",
        "bytes-no-name",
        "stream-no-name",
        "int",
    ],
)
def test_bad_files_fail_before_any_request(
    somark: Somark, emulator: Emulator, tmp_path: Path, make: object, message: str
) -> None:
    with pytest.raises(InvalidFileError, match=message):
        somark.submit(make(tmp_path))  # type: ignore[operator]
    assert emulator.requests == []


def test_files_over_the_size_limit_fail_before_any_request(tmp_path: Path) -> None:
    from somark_loaders.files._files import Upload

    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024 + 1)  # sparse: no disk used
    with pytest.raises(InvalidFileError, match="200 MB"):
        Upload.from_input(big)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Run in a fresh interpreter: tracemalloc counts every thread of the process, and in the
# suite's process another test's leftover thread (a parse finishing after its emulator
# closed) was once counted against this upload (45 MB on a loaded machine).
_UPLOAD_PEAK = """
import asyncio, sys, tracemalloc
from somark_loaders import AsyncSoMarkClient, SoMarkClient, SoMarkError
from somark_loaders.emulator import Emulator

kind, path, key = sys.argv[1:4]
with Emulator(api_keys={key}) as emu:
    tracemalloc.start()
    try:
        if kind == "sync":
            with SoMarkClient(base_url=emu.base_url, api_key=key) as client:
                client.submit(path)
        else:
            async def submit():
                async with AsyncSoMarkClient(base_url=emu.base_url, api_key=key) as client:
                    await client.submit(path)
            asyncio.run(submit())
    except SoMarkError as err:  # not a PDF: the emulator answers 1106 after receiving it all
        print("refused", err.code)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (request,) = emu.requests_to("/parse/async")
    print("size", request.files[0].size)
    print("peak", peak)
"""


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_large_uploads_are_streamed_not_read_into_memory(tmp_path: Path, kind: str) -> None:
    size = 40 * 1024 * 1024
    path = tmp_path / "large.pdf"
    with path.open("wb") as handle:
        chunk = os.urandom(1024 * 1024)
        for _ in range(size // len(chunk)):
            handle.write(chunk)
    done = subprocess.run(
        [sys.executable, "-c", _UPLOAD_PEAK, kind, str(path), KEY],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    said = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert said["refused"] == "1106"
    assert int(said["size"]) == size
    peak = int(said["peak"])
    # Client and emulator share that process: both stream in small chunks.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_bytes_input_uses_the_given_name(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        result = client.parse(ONE_PAGE_PDF.read_bytes(), file_name="page9.pdf")
    assert result.file_name == "page9.pdf"
    assert result.file_type == ".pdf"
