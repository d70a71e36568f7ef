"""The emulator's OCR engine (issue 27: an OCR page in under 3 s on 2 cores): the line
recogniser's batches run side by side on the cores, its sessions keep onnxruntime's
memory arena and do not spin, and what is read stays exactly what RapidOCR reads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra is not installed")

from PIL import Image, ImageDraw, ImageFont

from somark_loaders.emulator import ocr

LINES = [
    "The rules in this subchapter apply",
    "to the competitive service and to",
    "positions in the excepted service",
    "as provided in section 1.2 of it.",
    "Dr. P. N. Cundall, Mining Surveys",
    "Telephone 945 13 51617 Telex",
    "Sugar Research Foundation, Inc.",
    "We could see him pretty clear,",
]  # eight lines: two recognition batches of six


def _page() -> Image.Image:
    image = Image.new("RGB", (560, 40 * len(LINES) + 20), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=24)
    for row, text in enumerate(LINES):
        draw.text((16, 12 + 40 * row), text, fill="black", font=font)
    return image


@pytest.fixture
def two_threads() -> Any:
    ocr.set_threads(2)
    try:
        yield ocr._engine()
    finally:
        ocr.set_threads(None)


def test_recognition_batches_run_side_by_side(two_threads: Any) -> None:
    """The first two batches meet at a barrier: run one after the other, the first would
    wait there alone and the barrier break (a minute later: no timing margin)."""
    engine = two_threads
    model = engine.text_rec.session
    meeting = threading.Barrier(2, timeout=60)
    runs: list[int] = []

    class Meeting:
        def __getattr__(self, name: str) -> Any:
            return getattr(model, name)

        def __call__(self, batch: Any) -> Any:
            runs.append(len(batch))
            if len(runs) <= 2:
                meeting.wait()
            return model(batch)

    engine.text_rec.session = Meeting()
    try:
        lines = ocr.read_lines(_page())
    finally:
        engine.text_rec.session = model
    assert sorted(runs[:2]) == [2, 6]  # the page's two batches
    assert len(lines) == len(LINES)


def test_the_models_keep_their_memory_arena_and_do_not_spin(two_threads: Any) -> None:
    engine = two_threads
    for session in (
        engine.text_det.infer.session,
        engine.text_cls.infer.session,
        engine.text_rec.session.session,
    ):
        options = session.get_session_options()
        assert options.enable_cpu_mem_arena
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_the_lines_read_are_rapidocr_s_own(two_threads: Any) -> None:
    """Same boxes, text, scores and character positions as RapidOCR's engine as shipped
    (batches one after the other, its own session options)."""
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    pixels = np.asarray(_page())[:, :, ::-1]
    ours, _ = two_threads(pixels, return_word_box=True)
    theirs, _ = RapidOCR()(pixels, return_word_box=True)
    assert len(ours) == len(LINES)
    assert ours == theirs


def test_a_rapidocr_of_other_insides_still_reads(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The tuned engine reaches into RapidOCR 1.4's recogniser; a version built otherwise
    gets RapidOCR's own engine and a warning, never a failed page."""
    from rapidocr_onnxruntime import RapidOCR

    from somark_loaders.emulator import ocr_engine

    def other_insides(threads: int | None) -> Any:
        raise AttributeError("'TextRecognizer' object has no attribute 'rec_batch_num'")

    monkeypatch.setattr(ocr_engine, "build", other_insides)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    with caplog.at_level("WARNING", logger="somark_loaders.emulator"):
        engine = ocr._engine()
    assert isinstance(engine, RapidOCR)
    assert "RapidOCR's own settings" in caplog.text
    read = [line.text.replace(" ", "") for line in ocr.read_lines(_page())]
    assert read[:2] == [line.replace(" ", "") for line in LINES[:2]]
