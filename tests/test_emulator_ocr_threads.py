"""Each parse worker's OCR may use every core (issue 27: an OCR page in under 3 s on 2
cores): a page read alone has the whole machine, and workers reading side by side share
the cores through the system's scheduler, their OCR threads sleeping while they wait
(they no longer spin: ``test_ocr_engine.py``)."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

import httpx
import pytest

from somark_loaders.emulator import Emulator, _pool, ocr

from . import _worker_hooks
from .conftest import KEY, ONE_PAGE_PDF
from .fixtures import HTTP_TIMEOUT


@pytest.mark.parametrize("workers", [1, 2])
def test_each_worker_s_ocr_may_use_every_core(tmp_path: Path, workers: int) -> None:
    log = tmp_path / "threads.log"
    hook = partial(_worker_hooks.ocr_threads, log)
    content = ONE_PAGE_PDF.read_bytes() + f"\n% {uuid.uuid4().hex}\n".encode()
    with (
        Emulator(api_keys={KEY}, workers=workers, worker_hook=hook) as emu,
        httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http,
    ):
        answer = http.post(
            "/parse/async", data={"api_key": KEY}, files={"file": ("one.pdf", content)}
        ).json()
        emu.service.tasks[answer["data"]["task_id"]].parsed.wait()
    cores = _pool._cores()
    assert log.read_text(encoding="utf-8").split() == [str(cores)]
    assert _pool.ocr_share(workers) == cores


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
def test_the_ocr_engine_runs_with_the_threads_it_is_given() -> None:
    try:
        ocr.set_threads(1)
        engine = ocr._engine()
        for session in (engine.text_det.infer.session, engine.text_rec.session.session):
            options = session.get_session_options()
            assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
    finally:
        ocr.set_threads(None)
    assert ocr._THREADS is None and ocr._ENGINE is None
