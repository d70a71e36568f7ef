"""The emulator itself: honest answers, no HTTP 500 on bad input, parity of the two clients."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import httpx
import pytest

from somark_loaders import AsyncSoMarkClient, SoMarkClient, SoMarkError, TaskFailedError
from somark_loaders.emulator import BusinessError, Emulator, FailTask, HTTPError, Status
from somark_loaders.emulator.engines import IMAGE_EXTENSIONS

from .conftest import KEY, ONE_PAGE_PDF, PDF, PNG
from .fixtures import HTTP_TIMEOUT

CORPUS = PDF.parents[2] / "tests" / "data"


def _post(emu: Emulator, route: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http:
        return http.post(route, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("route", "kwargs", "code"),
    [
        ("/parse/async", {"data": {"api_key": KEY}}, 1133),  # no file
        (
            "/parse/async",
            {
                "content": b"--x\r\ngarbage",
                "headers": {"Content-Type": "multipart/form-data; boundary=x"},
            },
            1107,
        ),
        (
            "/parse/async",
            {"content": b"abc", "headers": {"Content-Type": "multipart/form-data"}},
            1133,
        ),
        (
            "/parse/async",
            {
                "data": {"api_key": KEY, "feature_config": "{not json"},
                "files": {"file": ("a.png", b"x")},
            },
            1133,
        ),
        (
            "/parse/async",
            {"data": {"api_key": KEY, "feature_config": "[1]"}, "files": {"file": ("a.png", b"x")}},
            1133,
        ),
        (
            "/parse/async",
            {
                "data": {"api_key": KEY, "element_formats": '{"table": "xlsx"}'},
                "files": {"file": ("a.png", b"x")},
            },
            1133,
        ),
        (
            "/parse/async",
            {
                "data": {"api_key": KEY, "output_formats": "docx"},
                "files": {"file": ("a.png", b"x")},
            },
            1133,
        ),
        ("/parse/async", {"data": {"api_key": KEY}, "files": {"file": ("a.txt", b"hello")}}, 1104),
        (
            "/parse/async",
            {"data": {"api_key": KEY}, "files": {"file": ("a.pdf", b"not a pdf")}},
            1106,
        ),
        ("/parse/async", {"data": {"api_key": KEY}, "files": {"file": ("a.pdf", b"")}}, 1106),
        (
            "/parse/async",
            {"data": {"api_key": "sk-nope"}, "files": {"file": ("a.png", b"x")}},
            1107,
        ),
        ("/parse/async_check", {"data": {"api_key": KEY}}, 1133),  # no task id
        ("/parse/async_check", {"data": {"api_key": KEY, "task_id": "nope"}}, 1133),
        (
            "/parse/async_check",
            {
                "content": b"\xff\xfe%%%",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            1107,
        ),
        ("/usage", {"data": {}}, 1107),
    ],
)
def test_bad_requests_get_business_codes_never_500(
    emulator: Emulator, route: str, kwargs: dict[str, object], code: int
) -> None:
    response = _post(emulator, route, **kwargs)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["data"] is None
    assert body["message"]


def test_check_accepts_multipart_and_urlencoded(emulator: Emulator) -> None:
    submitted = _post(
        emulator, "/parse/async", data={"api_key": KEY}, files={"file": ("a.png", PNG.read_bytes())}
    )
    task_id = submitted.json()["data"]["task_id"]
    emulator.service.tasks[task_id].parsed.wait()  # parsed at submit, in a worker
    as_form = _post(emulator, "/parse/async_check", data={"api_key": KEY, "task_id": task_id})
    as_multipart = _post(
        emulator,
        "/parse/async_check",
        files={"api_key": (None, KEY), "task_id": (None, task_id)},
    )
    assert as_form.json()["data"]["status"] == as_multipart.json()["data"]["status"] == "SUCCESS"


def test_documented_envelopes(emulator: Emulator) -> None:
    emulator.set(queue_seconds=60)
    submitted = _post(
        emulator, "/parse/async", data={"api_key": KEY}, files={"file": ("a.png", PNG.read_bytes())}
    ).json()
    assert submitted["code"] == 0 and submitted["data"]["status"] == "QUEUING"
    task_id = submitted["data"]["task_id"]
    assert len(task_id) == 32
    checked = _post(
        emulator, "/parse/async_check", data={"api_key": KEY, "task_id": task_id}
    ).json()["data"]
    assert checked["status"] == "QUEUING" and checked["result"] is None
    assert isinstance(checked["record_id"], int)
    assert checked["metadata"] == {"page_num": 1, "file_type": ".png"}
    usage = _post(emulator, "/usage", data={"api_key": KEY}).json()
    assert set(usage["data"]) == {
        "remaining_paid_pages",
        "remaining_free_pages_today",
        "remaining_free_pages_this_month",
        "dashboard_url",
    }


def test_get_and_unknown_paths(emulator: Emulator) -> None:
    with httpx.Client(base_url=emulator.base_url, timeout=HTTP_TIMEOUT) as http:
        assert http.get("/parse/async").status_code == 405
        assert http.post("/parse/nothing", data={}).status_code == 404


def test_chunked_uploads_are_read(emulator: Emulator) -> None:
    def body() -> object:
        yield PNG.read_bytes()

    class Unsized:
        name = "scan.png"

        def __init__(self) -> None:
            self._data = PNG.read_bytes()
            self._sent = False

        def read(self, size: int = -1) -> bytes:
            if self._sent:
                return b""
            self._sent = True
            return self._data

        def seekable(self) -> bool:
            return False

    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        result = client.parse(Unsized())  # type: ignore[arg-type]
    (request,) = emulator.requests_to("/parse/async")
    assert request.files[0].size == PNG.stat().st_size
    assert result.pages[0].page_size is not None


def test_sync_endpoint(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY) as client:
        result = client.parse_sync(ONE_PAGE_PDF)
    assert result.page_count == 1
    assert any("5.1 Hyper Parameter Optimization" in b.content for b in result.pages[0].blocks)
    assert emulator.requests_to("/parse/async_check") == []


def test_title_levels_only_when_recognition_is_on(emulator: Emulator) -> None:
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        plain = client.parse(ONE_PAGE_PDF)
        leveled = client.parse(
            ONE_PAGE_PDF, {"feature_config": {"enable_title_level_recognition": True}}
        )
    assert all(b.title_level is None for p in plain.pages for b in p.blocks)
    titles = [b for p in leveled.pages for b in p.blocks if b.type == "title"]
    assert titles and all(b.title_level and b.title_level >= 1 for b in titles)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("unreadablemetadata.pdf", "corrupted"), ("2206.01062_pg3.pdf", "encrypted")],
)
def test_broken_pdfs_are_refused_with_1106(emulator: Emulator, name: str, fragment: str) -> None:
    path = CORPUS / name
    with (
        SoMarkClient(base_url=emulator.base_url, api_key=KEY) as client,
        pytest.raises(SoMarkError) as caught,
    ):
        client.submit(path)
    assert caught.value.code == 1106
    assert fragment in str(caught.value).lower()


def test_a_page_without_text_layer_is_read_by_ocr(emulator: Emulator) -> None:
    path = CORPUS / "sample_with_rotation_mismatch.pdf"  # a scanned page
    with SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05) as client:
        result = client.parse(path)
    (page,) = result.pages
    assert page.blocks and {b.type for b in page.blocks} == {"text"}
    assert sum(len(b.content) for b in page.blocks) > 100
    assert page.page_size is not None
    for block in page.blocks:
        assert block.bbox is not None
        assert 0 <= block.bbox[0] < block.bbox[2] <= page.page_size.w + 1


def test_without_the_ocr_extra_an_image_fails_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from somark_loaders.emulator import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    # workers=0: parsed in this process, where the patch applies
    with Emulator(api_keys={KEY}, workers=0) as emulator:
        client = SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05)
        with client, pytest.raises(TaskFailedError, match=r"somark-loaders\[ocr\]"):
            client.parse(PNG.read_bytes() + b" ", file_name="x.png")  # not memoised


def test_unreadable_office_files_are_refused_with_1106(emulator: Emulator) -> None:
    client = SoMarkClient(base_url=emulator.base_url, api_key=KEY, poll_interval=0.05)
    with client, pytest.raises(SoMarkError, match="cannot be read") as caught:
        client.parse(b"PK\x03\x04 fake", file_name="slides.pptx")
    assert caught.value.code == 1106


def test_qps_limit_answers_1101(emulator: Emulator) -> None:
    emulator.set(qps=1)
    codes = [
        _post(
            emulator,
            "/parse/async",
            data={"api_key": KEY},
            files={"file": ("a.png", PNG.read_bytes())},
        ).json()["code"]
        for _ in range(2)
    ]
    assert codes == [0, 1101]
    assert [r.answered for r in emulator.requests_to("/parse/async")] == codes  # kept


def test_submits_per_second_count_as_they_arrived_whatever_order_they_are_handled_in(
    emulator: Emulator,
) -> None:
    """A submit counts when it arrived, not once its pages were counted: the emulator's
    own load (a slow PDF, a busy machine) does not bring two submits closer than their
    client sent them."""
    over = emulator.service._over_rate
    assert [over(KEY, t, 2) for t in (10.0, 10.5, 11.0)] == [False, False, False]
    assert over(KEY, 10.6, 2)  # arrived before 11.0 but handled after it: 3 in 10.0-10.6
    assert not over(KEY, 11.5, 2)  # 10.5, 11.0, 11.5: a second apart, end to end
    assert not over(KEY, 11.9, 2.5)  # 2.5 a second: 3 (11.0, 11.5, 11.9), not 4
    assert over(KEY, 11.95, 2.5)
    assert not over("another key", 11.9, 2)


def test_seeded_faults_are_reproducible() -> None:
    def run() -> list[int | str]:
        seen: list[int | str] = []
        with (
            Emulator(error_rate=0.3, drop_rate=0.3, seed=11) as emu,
            httpx.Client(base_url=emu.base_url, timeout=HTTP_TIMEOUT) as http,
        ):
            for _ in range(12):
                try:
                    seen.append(http.post("/usage", data={}).status_code)
                except httpx.TransportError:
                    seen.append("drop")
        return seen

    first, second = run(), run()
    assert first == second
    assert {200, 503, "drop"} <= set(first)


def test_image_engine_covers_the_documented_image_types() -> None:
    assert {".png", ".jpg", ".jpeg", ".bmp", ".tiff", ".gif", ".webp"} <= IMAGE_EXTENSIONS


def test_the_emulator_binds_loopback_only(emulator: Emulator) -> None:
    host = emulator.base_url.split("//")[1].split(":")[0]
    assert host == "127.0.0.1"
    with socket.create_connection(
        ("127.0.0.1", int(emulator.base_url.split(":")[2].split("/")[0]))
    ):
        pass


# --- parity -----------------------------------------------------------------------------


def test_sync_and_async_clients_agree(emulator: Emulator) -> None:
    """The same script gives the same outcomes, the same requests and the same results."""

    def script() -> None:
        emulator.script("/parse/async", BusinessError(1124), HTTPError(503))
        emulator.script("/parse/async_check", Status("PROCESSING"), HTTPError(502))

    kwargs = {
        "base_url": emulator.base_url,
        "api_key": KEY,
        "poll_interval": 0.01,
        "seed": 3,
        "cache": False,
    }
    sleeps_sync: list[float] = []
    sleeps_async: list[float] = []
    # The emulator extracts a document once per process: parsed cold, the first run would
    # see more PROCESSING checks than the second (a test run alone, or first on its worker).
    with SoMarkClient(**kwargs) as client:  # type: ignore[arg-type]
        client.parse(ONE_PAGE_PDF)
    start = len(emulator.requests)

    script()
    with SoMarkClient(**kwargs, sleep=sleeps_sync.append) as client:  # type: ignore[arg-type]
        sync_result = client.parse(ONE_PAGE_PDF)
        emulator.script("/parse/async", FailTask("nope"))
        with pytest.raises(SoMarkError) as sync_error:
            client.parse(PNG)
    sync_routes = [r.route for r in emulator.requests][start:]

    async def recorder(seconds: float) -> None:
        sleeps_async.append(seconds)

    async def run() -> tuple[object, BaseException]:
        script()
        async with AsyncSoMarkClient(**kwargs, sleep=recorder) as client:  # type: ignore[arg-type]
            result = await client.parse(ONE_PAGE_PDF)
            emulator.script("/parse/async", FailTask("nope"))
            try:
                await client.parse(PNG)
            except SoMarkError as err:
                return result, err
        raise AssertionError("expected a failure")

    async_result, async_error = asyncio.run(run())
    async_routes = [r.route for r in emulator.requests][start + len(sync_routes) :]

    assert sync_routes == async_routes
    # the same waits, but for the time each check took (real clock, recorded sleeps)
    assert sleeps_sync == pytest.approx(sleeps_async, abs=0.006)
    assert type(sync_error.value) is type(async_error)
    assert sync_result.pages == async_result.pages  # type: ignore[attr-defined]
    assert sync_result.markdown == async_result.markdown  # type: ignore[attr-defined]
    assert json.dumps([p.model_dump() for p in sync_result.pages])  # serialisable


def test_answers_leave_without_waiting_for_an_ack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers and body are two writes: with Nagle's algorithm on, the body of every answer
    on a kept-alive connection waited for the client's delayed ACK (40 ms on Linux), which
    made each finished task look 40 ms slower than the service. The emulator's connections
    send at once, as web servers' do."""
    from somark_loaders.emulator.server import _Handler

    no_delay: list[int] = []
    real = _Handler.setup

    def setup(self: _Handler) -> None:
        real(self)
        no_delay.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(_Handler, "setup", setup)
    with Emulator(api_keys={KEY}) as emu, httpx.Client(timeout=HTTP_TIMEOUT) as http:
        for _ in range(2):  # a kept-alive connection
            answer = http.post(f"{emu.base_url}/parse/async_check", data={"task_id": "x"})
            assert answer.status_code == 200
    assert no_delay and all(no_delay), no_delay


def test_a_burst_of_connections_is_queued_not_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator listens with a backlog a burst of workers fits in: with socketserver's
    default (5) the kernel drops the SYNs of a 32-worker start on a busy machine, and those
    connections are answered a whole second late (the client's SYN retry)."""
    backlogs: list[int] = []
    real = socket.socket.listen

    def listen(self: socket.socket, backlog: int = 0, /) -> None:
        backlogs.append(backlog)
        real(self, backlog)

    monkeypatch.setattr(socket.socket, "listen", listen)
    with Emulator(api_keys={KEY}) as emu:
        assert httpx.get(
            emu.base_url.rsplit("/api", 1)[0] + "/", timeout=HTTP_TIMEOUT
        ).status_code in (200, 404)
    assert backlogs and min(backlogs) >= 128, backlogs


@pytest.mark.usefixtures("fresh_extraction")  # counts the reads of this test's picture
def test_a_picture_uploaded_twice_is_read_once_and_each_answer_names_its_own_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The extraction memo is keyed by content and the options that change what is read,
    not by the task or the image mode: the same picture in three tasks is read (OCR) once,
    and each result links its own task's crop (or holds it, base64)."""
    from PIL import Image

    from somark_loaders.emulator import engines

    blank = tmp_path / "blank.png"  # no text: the page is one figure of the whole image
    Image.new("RGB", (64, 48), "white").save(blank)
    reads = []
    real = engines._extract
    monkeypatch.setattr(engines, "_extract", lambda *a, **k: reads.append(a) or real(*a, **k))
    with (
        Emulator(api_keys={KEY}, workers=0) as emulator,  # parsed here, where the patch is
        SoMarkClient(
            base_url=emulator.base_url, api_key=KEY, poll_interval=0.05, cache=False
        ) as client,
    ):
        results = [
            client.parse(blank, {"element_formats": {"image": mode}})
            for mode in ("url", "url", "base64")
        ]
    assert len(reads) == 1
    urls = [r.pages[0].blocks[0].img_url for r in results]
    for result, url in zip(results[:2], urls[:2], strict=True):
        assert (
            url
            == f"{emulator.base_url.rsplit('/api/', 1)[0]}/files/{result.task_id}/img/0/0,0,64,48.png"
        )
    assert urls[2].startswith("data:image/png;base64,")
