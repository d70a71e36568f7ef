"""Parse workers share the cores for OCR (issue 27: pages per second): each worker's
recognitions use its share of the cores, so that workers reading pictures side by side
do not run more onnxruntime threads than there are cores (they spin waiting for each
other; the lines read are the same)."""

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
def test_each_worker_s_ocr_takes_its_share_of_the_cores(tmp_path: Path, workers: int) -> None:
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
    assert log.read_text(encoding="utf-8").split() == [str(max(1, cores // workers))]
    assert _pool.ocr_share(workers) == max(1, cores // workers)


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
