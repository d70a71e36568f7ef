"""The OCR engine as the emulator runs it: RapidOCR's models on onnxruntime sessions set
for a parse worker, and its line recogniser run over the cores.

Where a scanned page's time went (issue 27: about 8 s a page on 2 cores): three quarters
in the recognition model, over the page's lines in batches of six, one batch after the
other. Three changes, none of which changes what is read:

* onnxruntime's memory arena is on (RapidOCR turns it off): each batch of lines has its
  own width, and without the arena every run planned and allocated its buffers anew;
* the recognition batches run side by side, one per thread and each on one core, instead
  of one after the other with the cores splitting each layer of a 48-pixel-high line
  (which gains little): the same batches, so the same lines and the same text;
* threads waiting for work sleep instead of spinning, so parse workers reading pictures
  side by side, or another program, do not burn the cores they wait for.

Each model is loaded once, with these options, as RapidOCR builds its engine (it used to
load all three with its own options and then again with ours: 0.3-0.5 s of a parse
worker's first OCR page), and the models named in :data:`FUSED` load with their
activations fused (:mod:`.ocr_model`: about 0.7x the CPU; the same text, the scores
within float rounding).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["FUSED", "Recogniser", "build", "session_options"]

FUSED = frozenset({"Det", "Cls", "Rec"})  # RapidOCR's models (its config's sections), fused
logger = logging.getLogger("somark_loaders.emulator")
_BUILDING = threading.Lock()  # RapidOCR's session class is ours while an engine is built


def session_options(threads: int) -> Any:
    """onnxruntime options for one model: ``threads`` inside each operator, the memory
    arena on, no spinning."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_cpu_mem_arena = True
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def build(threads: int | None) -> Any:
    """A RapidOCR engine that uses ``threads`` cores (``None``: all of them): detection
    with that many threads inside its one run, recognition with that many batches at a
    time, one thread each. Each model is loaded once, by RapidOCR, through
    :func:`_sessions`."""
    from rapidocr_onnxruntime import RapidOCR
    from rapidocr_onnxruntime.utils import infer_engine

    count = max(1, threads or os.cpu_count() or 1)
    with _BUILDING:
        shipped = infer_engine.InferenceSession
        infer_engine.InferenceSession = _sessions(count)
        try:
            engine = RapidOCR()
        finally:
            infer_engine.InferenceSession = shipped
    engine.text_rec = Recogniser(engine.text_rec, count)
    return engine


def _sessions(count: int) -> Any:
    """What RapidOCR calls to load a model (onnxruntime's ``InferenceSession``), made to
    load it with :func:`session_options`: ``count`` threads for the detector, one for
    the others, and the models of :data:`FUSED` fused."""
    import onnxruntime
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path

    from .ocr_model import fused

    config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
    paths = {
        str(Path(config[part]["model_path"]).resolve()): part for part in ("Det", "Cls", "Rec")
    }

    def session(model_path: Any, sess_options: Any = None, providers: Any = None) -> Any:
        part = paths.get(str(Path(model_path).resolve()))
        options = session_options(count if part == "Det" else 1)
        if part in FUSED:
            try:
                return onnxruntime.InferenceSession(
                    fused(Path(model_path).read_bytes()),
                    sess_options=options,
                    providers=["CPUExecutionProvider"],
                )
            except Exception as err:  # a rewrite onnxruntime refuses: the model as shipped
                logger.warning("OCR model %s loads unfused (%s)", part, err)
        return onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    return session


class Recogniser:
    """RapidOCR's ``TextRecognizer`` with its batches run ``threads`` at a time. The lines
    are sorted and cut into batches exactly as it does (each batch padded to its widest
    line), so each line is read from the same input: only the order of the runs changes.
    """

    def __init__(self, inner: Any, threads: int) -> None:
        self.inner = inner
        self.session = inner.session  # the model's session, as on RapidOCR's recogniser
        self.threads = threads
        self._pool = (
            ThreadPoolExecutor(threads, thread_name_prefix="somark-ocr") if threads > 1 else None
        )

    def __call__(self, images: Any, return_word_box: bool = False) -> tuple[list[Any], float]:
        import numpy as np

        if isinstance(images, np.ndarray):
            images = [images]
        begin = time.perf_counter()
        order = np.argsort(np.array([image.shape[1] / float(image.shape[0]) for image in images]))
        size = int(self.inner.rec_batch_num)
        starts = range(0, len(images), size)
        runs: dict[int, Future[tuple[Any, list[float], float]]] = {}
        for start in reversed(starts):  # the widest first: the last to finish is short
            batch = [images[i] for i in order[start : start + size]]
            if self._pool is None:
                done: Future[tuple[Any, list[float], float]] = Future()
                done.set_result(self._run(batch))
                runs[start] = done
            else:
                runs[start] = self._pool.submit(self._run, batch)
        read: list[Any] = [("", 0.0)] * len(images)
        for start in starts:
            predictions, ratios, widest = runs[start].result()
            decoded = self.inner.postprocess_op(
                predictions, return_word_box, wh_ratio_list=ratios, max_wh_ratio=widest
            )
            for offset, one in enumerate(decoded):
                read[order[start + offset]] = one
        return read, time.perf_counter() - begin

    def _run(self, batch: list[Any]) -> tuple[Any, list[float], float]:
        """One batch through the model: its lines resized to the batch's widest ratio,
        as RapidOCR pads them."""
        import numpy as np

        _channels, height, width = self.inner.rec_image_shape[:3]
        ratios = [image.shape[1] * 1.0 / image.shape[0] for image in batch]
        widest = max([width / height, *ratios])
        pixels = np.concatenate(
            [self.inner.resize_norm_img(image, widest)[np.newaxis, :] for image in batch]
        ).astype(np.float32)
        return self.session(pixels)[0], ratios, widest
