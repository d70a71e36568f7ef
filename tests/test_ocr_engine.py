"""The emulator's OCR engine (issue 27: an OCR page in under 3 s on 2 cores): the line
recogniser's batches run side by side on the cores, its sessions keep onnxruntime's
memory arena and do not spin, each model is loaded once, the recogniser's activations
are fused, and what is read stays what RapidOCR reads (its scores up to float rounding)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra is not installed")

from PIL import Image, ImageDraw, ImageFont

from somark_loaders.emulator import ocr, ocr_engine

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
    """Same boxes, text and character positions as RapidOCR's engine as shipped (batches
    one after the other, its own session options, the model unfused); the scores differ
    by the fused model's float rounding only."""
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    pixels = np.asarray(_page())[:, :, ::-1]
    ours, _ = two_threads(pixels, return_word_box=True)
    theirs, _ = RapidOCR()(pixels, return_word_box=True)
    assert len(ours) == len(LINES)
    # each line: box, text, score, character boxes, characters, character scores
    assert [[line[0], line[1], *line[3:5]] for line in ours] == [
        [line[0], line[1], *line[3:5]] for line in theirs
    ]
    scores = [[line[2], *line[5]] for line in theirs]
    assert [[line[2], *line[5]] for line in ours] == [pytest.approx(s, abs=1e-3) for s in scores]


def test_each_model_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """RapidOCR's three models are loaded once each, with the engine's options: not by
    RapidOCR with its own and then again with ours (half a second of a parse worker's
    first OCR page)."""
    import onnxruntime

    loads: list[int] = []
    shipped = onnxruntime.InferenceSession.__init__

    def counted(self: Any, model: Any, *args: Any, **kwargs: Any) -> None:
        options = kwargs.get("sess_options", args[0] if args else None)
        loads.append(options.intra_op_num_threads if options is not None else -1)
        shipped(self, model, *args, **kwargs)

    monkeypatch.setattr(onnxruntime.InferenceSession, "__init__", counted)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setattr(ocr, "_THREADS", 2)
    engine = ocr._engine()
    assert sorted(loads) == [1, 1, 2]  # the detector on 2 threads, the others on one
    assert engine.text_det.infer.session.get_session_options().intra_op_num_threads == 2
    assert len(ocr.read_lines(_page())) == len(LINES)
    assert len(loads) == 3


def _model(part: str) -> bytes:
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path

    config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
    return Path(config[part]["model_path"]).read_bytes()


def test_the_recogniser_s_activations_are_fused() -> None:
    """Its 28 hardswish chains (Add, Clip, Mul, Div) become HardSigmoid and Mul, and the
    scale and shift around its convolutions go into their weights; it reads the same."""
    from collections import Counter

    import numpy as np
    import onnxruntime

    from somark_loaders.emulator import ocr_model

    model = _model("Rec")
    fused = ocr_model.fused(model)
    before = Counter(node.op_type for node in ocr_model._Graph(model).nodes)
    after = Counter(node.op_type for node in ocr_model._Graph(fused).nodes)
    assert (before["Clip"], after["Clip"]) == (28, 0)
    assert after["HardSigmoid"] == before["HardSigmoid"] + 28
    assert after["Conv"] == before["Conv"]
    assert after["Add"] <= before["Add"] - 28 - 28 - 12

    line = np.asarray(_page().convert("RGB"))[12:44, :, ::-1]
    engine = ocr._engine()
    pixels = engine.text_rec.inner.resize_norm_img(line, line.shape[1] / line.shape[0])[None]
    runs = []
    for one in (model, fused):
        session = onnxruntime.InferenceSession(
            one, sess_options=ocr_engine.session_options(1), providers=["CPUExecutionProvider"]
        )
        runs.append(session.run(None, {session.get_inputs()[0].name: pixels})[0])
    assert np.abs(runs[0] - runs[1]).max() < 1e-3
    assert (runs[0].argmax(-1) == runs[1].argmax(-1)).all()


def test_a_model_that_cannot_be_fused_runs_as_it_is() -> None:
    from somark_loaders.emulator import ocr_model

    broken = _model("Rec")[:1000]
    assert ocr_model.fused(broken) is broken
    assert ocr_model.fused(b"") == b""


def test_a_rewritten_model_onnxruntime_refuses_loads_as_shipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from somark_loaders.emulator import ocr_model

    monkeypatch.setattr(ocr_model, "fused", lambda model: b"\x08\x07 not a model")
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setattr(ocr, "_THREADS", 2)
    with caplog.at_level("WARNING", logger="somark_loaders.emulator"):
        engine = ocr._engine()
    assert "loads unfused" in caplog.text
    assert isinstance(engine.text_rec, ocr_engine.Recogniser)
    assert len(ocr.read_lines(_page())) == len(LINES)


def test_the_page_reaches_the_engine_in_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenCV copies an image that is a reversed view (RGB read as BGR) whole each time it
    reads it: RapidOCR's crop of each line copied the whole page (15x the crops' CPU)."""
    seen: list[bool] = []

    def engine(pixels: Any, **kwargs: Any) -> tuple[None, float]:
        seen.append(bool(pixels.flags.c_contiguous))
        return None, 0.0

    monkeypatch.setattr(ocr, "_engine", lambda: engine)
    assert ocr.read_lines(_page()) == []
    assert seen == [True]


def test_a_rapidocr_of_other_insides_still_reads(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The tuned engine reaches into RapidOCR 1.4's recogniser; a version built otherwise
    gets RapidOCR's own engine and a warning, never a failed page."""
    from rapidocr_onnxruntime import RapidOCR

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


@pytest.mark.parametrize("colour", ["white", (200, 30, 30)])
def test_an_image_of_one_colour_is_read_as_nothing_without_the_engine(
    monkeypatch: pytest.MonkeyPatch, colour: Any
) -> None:
    """A blank page (a scan's empty verso, a page left blank) has no text: no model runs
    (about a second a page at 150 DPI) and the answer is the engine's own, nothing."""
    blank = Image.new("RGB", (640, 820), colour)
    with monkeypatch.context() as patched:
        patched.setattr(ocr, "_one_colour", lambda _rgb: False)
        assert ocr.read_lines(blank) == []  # what the engine reads there

    def engine(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the engine ran on a blank image")

    monkeypatch.setattr(ocr, "_engine", lambda: engine)
    assert ocr.read_lines(blank) == []
    assert ocr.read_lines(blank.convert("L")) == []
    page = _page()
    page.putpixel((0, 0), (254, 254, 254))
    with pytest.raises(AssertionError, match="engine ran"):
        ocr.read_lines(page)  # one pixel apart is not one colour
