"""The cache and the ledger are never the reason a load fails: an unwritable home, a full
disk, a broken cache directory, someone else's directory, poisoned entries, two local
servers."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from somark_loaders import ResultCache, SoMarkClient
from somark_loaders.convert import file_sha256
from somark_loaders.emulator import Emulator, Reply
from somark_loaders.options import ParseOptions
from somark_loaders.store.cache import cache_key

from ..conftest import KEY
from .helpers import FAST, distinct_pdfs, loader

ROOT = Path(__file__).resolve().parents[2]
CHECK, SUBMIT = "/parse/async_check", "/parse/async"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every user may read (the child may run without root's powers)."""
    folder = Path(tempfile.mkdtemp(prefix="somark-faults-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_load(
    emulator: Emulator,
    files: list[Path],
    env: dict[str, str],
    *,
    limit: Callable[[], None] | None = None,
    wrapper: list[str] | None = None,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SOMARK_", "XDG_"))}
    command = [
        *(wrapper or []),
        sys.executable,
        "-m",
        "tests.faults.load_script",
        emulator.base_url,
        *extra,
        *map(str, files),
    ]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**base, "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def without_root_powers() -> list[str]:
    """A prefix that runs a command as this user but bound by file permissions (root
    normally ignores them); empty when this user is bound by them already."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


# --- 9. a home directory that is not writable ------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_read_only_home_loads_without_a_cache(
    emulator: Emulator, shared_dir: Path, mode: str
) -> None:
    home = shared_dir / "home"
    home.mkdir()
    pdfs = distinct_pdfs(shared_dir / "docs", 2)
    home.chmod(0o555)  # containers run with --user and a home they may not write
    extra = ("--async",) if mode == "async" else ()
    result = run_load(
        emulator, pdfs, {"HOME": str(home)}, wrapper=without_root_powers(), extra=extra
    )
    assert result["statuses"] == ["loaded", "loaded"]
    assert result["documents"] > 0
    cache_warnings = [w for w in result["warnings"] if "result cache" in w]
    assert len(cache_warnings) == 1, result["warnings"]  # warned once, not per file
    assert not list(home.iterdir())


def test_a_read_only_cache_directory_loads_without_a_cache(
    emulator: Emulator, shared_dir: Path
) -> None:
    cache = shared_dir / "cache"
    cache.mkdir(mode=0o555)
    cache.chmod(0o555)
    pdfs = distinct_pdfs(shared_dir / "docs", 2)
    result = run_load(
        emulator, pdfs, {"SOMARK_CACHE_DIR": str(cache)}, wrapper=without_root_powers()
    )
    assert result["statuses"] == ["loaded", "loaded"]
    assert sum("result cache" in w for w in result["warnings"]) == 1


def test_a_cache_directory_that_is_a_file_loads_without_a_cache(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("SOMARK_CACHE_DIR", str(blocker / "cache"))
    pdfs = distinct_pdfs(tmp_path, 2)
    load = loader(pdfs, emulator)
    assert load.load()
    assert [f.status for f in load.last_report.files] == ["loaded", "loaded"]
    assert sum("result cache" in r.getMessage() for r in caplog.records) == 1


# --- 5. a full disk while caching -------------------------------------------------------


def _small_files_only() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write raises, not kills
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_full_disk_while_caching_still_delivers_every_result(
    emulator: Emulator, tmp_path: Path, mode: str
) -> None:
    pdfs = distinct_pdfs(tmp_path, 3)
    extra = ("--async",) if mode == "async" else ()
    result = run_load(
        emulator,
        pdfs,
        {"SOMARK_CACHE_DIR": str(tmp_path / "cache")},
        limit=_small_files_only,  # the ledger fits; the first result entry does not
        extra=extra,
    )
    assert result["statuses"] == ["loaded", "loaded", "loaded"]
    assert result["documents"] > 0
    assert sum("result cache" in w for w in result["warnings"]) == 1
    assert len(emulator.accepted_tasks) == 3


# --- 10. directories the package did not create keep their modes ------------------------


def test_the_cache_never_changes_the_mode_of_a_directory_it_did_not_create(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    monkeypatch.setenv("SOMARK_CACHE_DIR", str(shared))
    assert loader(distinct_pdfs(tmp_path / "docs", 1), emulator).load()
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert (shared / "results").stat().st_mode & 0o777 == 0o700  # what it made is private
    inner = tmp_path / "outer" / "inner"
    monkeypatch.setenv("SOMARK_CACHE_DIR", str(inner))
    (tmp_path / "outer").mkdir(mode=0o755)
    (tmp_path / "outer").chmod(0o755)
    assert loader(distinct_pdfs(tmp_path / "docs2", 1), emulator).load()
    assert (tmp_path / "outer").stat().st_mode & 0o777 == 0o755
    assert inner.stat().st_mode & 0o777 == 0o700


# --- 11. poisoned answers and entries ---------------------------------------------------


def _success(outputs: dict[str, Any] | None) -> Reply:
    result: dict[str, Any] = {"file_name": "x.pdf"}
    if outputs is not None:
        result["outputs"] = outputs
    return Reply(
        {
            "code": 0,
            "message": "ok",
            "data": {"task_id": "t", "status": "SUCCESS", "result": result},
        }
    )


@pytest.mark.parametrize(
    "outputs", [None, {"markdown": "# only markdown"}], ids=["no-outputs", "markdown-only"]
)
def test_a_success_without_json_is_not_cached_and_the_rerun_resumes_the_task(
    emulator: Emulator, tmp_path: Path, outputs: dict[str, Any] | None
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    emulator.script(CHECK, _success(outputs))
    first = loader(pdf, emulator, on_error="collect")
    assert first.load() == []
    (outcome,) = first.last_report.files
    assert outcome.status == "failed" and outcome.error_type == "ResponseValidationError"
    again = loader(pdf, emulator)
    assert again.load()  # fetched again (the same task: nothing paid twice)
    assert len(emulator.accepted_tasks) == 1


def test_an_entry_with_a_good_checksum_but_no_json_is_dropped_and_fetched_again(
    emulator: Emulator, tmp_path: Path, _private_cache: Path
) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    service = SoMarkClient(base_url=emulator.base_url, api_key=KEY).config.service_id
    key = cache_key(file_sha256(pdf), ParseOptions().fingerprint(), service)
    ResultCache(_private_cache).results.put(
        key,
        {"task_id": "old", "status": "SUCCESS", "result": {"outputs": {"markdown": "x"}}},
        file_name=pdf.name,
        file_sha256=file_sha256(pdf),
        options={},
        task_id="old",
    )
    docs = loader(pdf, emulator).load()
    assert docs and docs[0].metadata["task_id"] != "old"
    assert len(emulator.accepted_tasks) == 1
    assert loader(pdf, emulator).load()  # and the good result is cached now
    assert len(emulator.accepted_tasks) == 1


# --- 12. two local servers are two services ---------------------------------------------


def test_a_result_from_one_local_server_is_not_served_for_another(tmp_path: Path) -> None:
    (pdf,) = distinct_pdfs(tmp_path, 1)
    cache = tmp_path / "cache"
    with Emulator(api_keys={KEY}) as first, Emulator(api_keys={KEY}) as second:
        for emulator in (first, second):
            # scripted (with nothing queued): two test servers, as a proxy or a double would
            # be; two unscripted bundled emulators are one service (tests/test_bundled_emulator.py)
            emulator.script("/parse/async")
            with SoMarkClient(
                base_url=emulator.base_url, api_key=KEY, cache=cache, **FAST
            ) as client:
                client.parse(pdf)
        assert len(first.accepted_tasks) == 1
        assert len(second.accepted_tasks) == 1, "the second server's answer came from the cache"
