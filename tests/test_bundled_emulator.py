"""The bundled emulator as a newcomer meets it: it refuses to start without its extra, a
lost answer from it is never a billing question, and its results are cached by what
determines them, not by its random port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from somark_loaders import (
    AmbiguousSubmitError,
    APIConnectionError,
    APIError,
    ConfigurationError,
    SoMarkClient,
    SoMarkError,
)
from somark_loaders.emulator import Drop, Emulator
from somark_loaders.emulator._service import Service

from .conftest import ONE_PAGE_PDF

SUBMIT = "/parse/async"


@pytest.mark.parametrize("module", ["python_multipart", "pdfplumber", "docx"])
def test_emulator_without_its_extra_refuses_to_start(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r'pip install "somark-loaders\[emulator\]"'):
        Emulator()


def test_base_install_names_the_extra_in_a_fresh_process(tmp_path: Path) -> None:
    # A fresh interpreter where the extra's modules cannot be imported (the base install).
    code = (
        "import sys\n"
        "for name in ('python_multipart', 'pdfplumber', 'pypdfium2'):\n"
        "    sys.modules[name] = None\n"
        "from somark_loaders.emulator import Emulator\n"
        "try:\n"
        "    Emulator()\n"
        "except Exception as err:\n"
        "    print(type(err).__name__, err)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    ).stdout
    assert out.startswith("ConfigurationError")
    assert "python-multipart, pdfplumber, pypdfium2 are not installed" in out
    assert 'pip install "somark-loaders[emulator]"' in out


def _crash(*args: object, **kwargs: object) -> object:
    raise ModuleNotFoundError("No module named 'an_engine'")


def test_a_crashed_upload_to_the_bundled_emulator_is_not_billed_nor_remembered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with Emulator() as emu:
        with monkeypatch.context() as patch:
            patch.setattr(Service, "submit", _crash)  # the server drops the connection
            client = SoMarkClient(base_url=emu.base_url, max_retries=0, cache=cache)
            with client, pytest.raises(APIError) as caught:
                client.parse(ONE_PAGE_PDF)
        assert not isinstance(caught.value, AmbiguousSubmitError)
        assert "billed" not in str(caught.value)
        # the same file loads at once on the next run, no --resubmit-ambiguous needed
        with SoMarkClient(base_url=emu.base_url, cache=cache) as client:
            assert client.parse(ONE_PAGE_PDF).pages


def test_a_scripted_emulator_keeps_lost_uploads_ambiguous(tmp_path: Path) -> None:
    with Emulator() as emu, SoMarkClient(base_url=emu.base_url, cache=tmp_path) as client:
        emu.script(SUBMIT, Drop())  # scripted after the client was built
        with pytest.raises(AmbiguousSubmitError) as caught:
            client.parse(ONE_PAGE_PDF)
        with pytest.raises(AmbiguousSubmitError) as again:
            client.parse(ONE_PAGE_PDF)  # the ledger remembers it
    assert len(emu.requests_to(SUBMIT)) == 1
    for err in (caught.value, again.value):
        text = str(err)
        assert text.count("resubmit_ambiguous=True") == 1, text  # said once, not twice
        assert text.count("may have been accepted") == 1, text


def test_a_second_run_with_a_new_emulator_is_served_from_the_cache(tmp_path: Path) -> None:
    # Each run starts its own emulator on a random port, as the README's examples do.
    for run in range(2):
        with Emulator() as emu, SoMarkClient(base_url=emu.base_url, cache=tmp_path) as client:
            assert client.parse(ONE_PAGE_PDF).pages
            assert len(emu.requests_to(SUBMIT)) == (1 if run == 0 else 0)


def test_scripted_or_faulty_emulators_are_one_service_per_port(tmp_path: Path) -> None:
    with Emulator() as emu, SoMarkClient(base_url=emu.base_url, cache=tmp_path) as client:
        client.parse(ONE_PAGE_PDF)
    with Emulator(drop_rate=0.0, fail_rate=0.0) as emu:
        emu.script(SUBMIT)  # scripted (even with nothing queued): its answers are the test's
        with SoMarkClient(base_url=emu.base_url, cache=tmp_path) as client:
            client.parse(ONE_PAGE_PDF)
        assert len(emu.requests_to(SUBMIT)) == 1
    with Emulator(fail_rate=0.5, seed=3) as emu:
        client = SoMarkClient(base_url=emu.base_url, cache=tmp_path, max_retries=0)
        with client, contextlib.suppress(SoMarkError):  # the dice may fail the task
            client.parse(ONE_PAGE_PDF)
        assert len(emu.requests_to(SUBMIT)) == 1


def test_a_refused_loopback_connection_gives_up_within_two_seconds() -> None:
    """A wrong port on 127.0.0.1 (or an emulator not started): connection refused at
    once, every time. The retries meant for a remote link took 27 s to say so."""
    from somark_loaders.service._retry import LOCAL_REFUSED_SECONDS

    from .conftest import FakeTime

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeTime()
    client = SoMarkClient(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        cache=False,
        sleep=clock.sleep,
        clock=clock.clock,
    )
    with client, pytest.raises(APIConnectionError, match="ConnectError"):
        client.parse(ONE_PAGE_PDF)
    assert clock.sleeps, "a refused connection is still tried again once"
    assert sum(clock.sleeps) <= LOCAL_REFUSED_SECONDS
