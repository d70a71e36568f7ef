"""Pictures kept before their URLs expire (issue 23, deliverable 4): the image store
(content-addressed files and a manifest of URLs), the downloader (https or loopback only,
redirects re-checked, a size cap, the client's deadlines, never the key) and the keeper
that a load runs when ``include_images=True``.

Every download goes to a real server on 127.0.0.1: the emulator, which serves the
pictures of its results, or a scripted image host (``tests/image_host.py``) that records
every request it gets.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import dataclasses
import io
import json
import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from somark_loaders import ConfigurationError, SoMarkClient
from somark_loaders.cli import main
from somark_loaders.emulator import Emulator
from somark_loaders.emulator.scripting import Reply
from somark_loaders.langchain import SoMarkLoader, SoMarkParser
from somark_loaders.llama_index import SoMarkReader
from somark_loaders.models import ParseResult
from somark_loaders.report import FileOutcome, LoadReport
from somark_loaders.service._images import ImageFetcher
from somark_loaders.service._keeper import ImageKeeper
from somark_loaders.store import _sniff
from somark_loaders.store._images import ImageStore
from somark_loaders.store._sniff import NotAnImageError, sniff

from .conftest import KEY, ONE_PAGE_PDF
from .fixtures import FAST, HTTP_TIMEOUT, block, loader, page, paper_data
from .image_host import Answer, ImageHost

Image = pytest.importorskip("PIL.Image")

SUBMIT, CHECK = "/parse/async", "/parse/async_check"
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}
FORMATS.update({"WEBP": "image/webp", "BMP": "image/bmp", "TIFF": "image/tiff"})


def picture(kind: str = "PNG", size: tuple[int, int] = (37, 23), shade: int = 0) -> bytes:
    """A small real picture of ``kind`` (``shade`` makes different bytes)."""
    out = io.BytesIO()
    Image.new("RGB", size, (shade, 120, 200)).save(out, kind)
    return out.getvalue()


def result_of(*blocks: tuple[str, str]) -> ParseResult:
    """A one-page result whose blocks are ``(type, img_url)``, in that order."""
    made = [block(i, kind, "", 100 + 60 * i, img_url=url) for i, (kind, url) in enumerate(blocks)]
    data = paper_data(json_as_string=False)
    data["result"]["outputs"]["json"] = {"pages": [page(0, made)]}
    return ParseResult.from_data(data)


def keeper(folder: Path, **fetcher: Any) -> ImageKeeper:
    return ImageKeeper(ImageStore(folder), ImageFetcher(**fetcher))


def pictures_in(folder: Path) -> list[Path]:
    """The picture files of an image directory (not the manifest, not temporary files)."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.parent.parent == folder and p.suffix
    )


# --- what a picture is ----------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_the_type_and_size_are_read_from_the_header_without_pillow(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sniff, "_pillow_size", lambda data: None)  # the header alone
    found = sniff(picture(kind, (37, 23)))
    assert (found.mime_type, found.width, found.height) == (FORMATS[kind], 37, 23)
    assert found.extension.lstrip(".") in {kind.lower(), "jpg", "tif"}


def test_bytes_that_are_no_picture_are_refused() -> None:
    for data in (b"<html>expired</html>", b"", b"\x89PNG\r\n\x1a\n"):  # the last: truncated
        with pytest.raises(NotAnImageError):
            sniff(data)


# --- the store --------------------------------------------------------------------------
def test_the_same_bytes_kept_at_once_by_many_end_in_one_whole_file(tmp_path: Path) -> None:
    data = picture("PNG", (300, 200))
    start = threading.Barrier(8)
    kept = []

    def keep() -> None:
        store = ImageStore(tmp_path)  # one store each, as separate processes would have
        start.wait()
        kept.append(store.put(data))

    threads = [threading.Thread(target=keep) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({k.path for k in kept}) == 1
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [Path(kept[0].path)]  # no temporary file left either
    assert files[0].read_bytes() == data and files[0].suffix == ".png"


def test_inline_pictures_are_decoded_without_any_request(tmp_path: Path) -> None:
    png, gif = picture("PNG"), picture("GIF")
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    bare = base64.b64encode(gif).decode()  # element_formats.image = "base64"
    with ImageHost() as host, keeper(tmp_path) as saver:
        got = saver.keep(result_of(("figure", data_uri), ("stamp", bare)))
    assert got.problems == [] and host.seen == []
    assert got.images[data_uri].mime_type == "image/png"
    assert Path(got.images[bare].path).read_bytes() == gif


@pytest.mark.parametrize("url", ["static/fig_0001_page3", "images/2024/figure-12.png"])
def test_a_relative_url_is_reported_as_one_not_as_bad_base64(tmp_path: Path, url: str) -> None:
    with keeper(tmp_path) as saver:
        got = saver.keep(result_of(("figure", url)))
    assert got.images == {}
    (problem,) = got.problems
    assert "relative URL" in problem and "base64" not in problem


# --- the keeper and the downloader, against a scripted host ----------------------------
def test_an_expired_url_is_reported_by_its_figure_and_the_rest_are_kept(
    tmp_path: Path,
) -> None:
    with ImageHost() as host:
        good = host.answer("/a.png", Answer(body=picture("PNG")))
        expired = host.url("/gone.png")  # 404
        html = host.answer("/err.png", Answer(body=b"<html>AccessDenied</html>"))
        with keeper(tmp_path) as saver:
            got = saver.keep(
                result_of(("figure", good), ("qrcode", expired), ("cs", html), ("text", expired))
            )
    assert list(got.images) == [good]
    assert got.problems[0].startswith("page 1, block 1 (qrcode): HTTP 404 from 127.0.0.1")
    assert "expired" in got.problems[0]
    assert got.problems[1].startswith("page 1, block 2 (cs): not a picture")
    assert len(got.problems) == 2  # a text block is no picture to keep


def test_a_picture_over_the_cap_is_refused_and_its_download_stopped(tmp_path: Path) -> None:
    big = picture("BMP", (400, 400))  # ~480 KB
    with ImageHost() as host:
        said = host.answer("/said.bmp", Answer(body=big))  # Content-Length says it
        # no length: 64 MB sent a piece at a time, unless the client stops reading
        piece = big[:65536]
        streamed = host.answer("/stream.bmp", Answer(body=piece, stream=1024))
        with keeper(tmp_path, max_bytes=100_000) as saver:
            got = saver.keep(result_of(("figure", said), ("figure", streamed)))
        assert host.streamed.wait(60)  # the host saw the download stop (or end)
    assert got.images == {}
    assert all("larger than max_image_bytes=100000" in p for p in got.problems)
    assert len(got.problems) == 2
    assert host.sent["/stream.bmp"] < 1024 * len(piece) / 2  # stopped long before the end


def test_a_server_that_never_answers_ends_at_the_clients_timeout(tmp_path: Path) -> None:
    client = SoMarkClient(base_url="http://127.0.0.1:9/api/v1", timeout=0.3, cache=False)
    with ImageHost() as host:
        url = host.answer("/slow.png", Answer(hang=True))
        with ImageKeeper(ImageStore(tmp_path), ImageFetcher.like(client)) as saver:
            got = saver.keep(result_of(("figure", url)))
        client.close()
    assert got.images == {}
    assert got.problems == [
        "page 1, block 0 (figure): no answer from 127.0.0.1 within 0.3 s (the client's timeout)"
    ]


def test_redirects_are_followed_only_to_https_or_loopback(tmp_path: Path) -> None:
    png = picture("PNG")
    with ImageHost() as host:
        host.answer("/a.png", Answer(body=png))
        relative = host.answer("/r1", Answer(302, headers={"Location": "/a.png"}))
        absolute = host.answer("/r2", Answer(307, headers={"Location": host.url("/r1")}))
        away = host.answer("/r3", Answer(301, headers={"Location": "http://example.com/a.png"}))
        odd = host.answer("/r4", Answer(302, headers={"Location": "file:///etc/passwd"}))
        loop = host.answer("/loop", Answer(302, headers={"Location": "/loop"}))
        with keeper(tmp_path) as saver:
            got = saver.keep(
                result_of(
                    ("figure", relative),
                    ("figure", absolute),
                    ("figure", away),
                    ("figure", odd),
                    ("figure", loop),
                    ("figure", "http://example.com/b.png"),  # plain http off loopback
                    ("figure", "ftp://127.0.0.1/c.png"),
                )
            )
        loops = len(host.requests_to("/loop"))
    assert set(got.images) == {relative, absolute}
    assert got.images[relative] == got.images[absolute]
    problems = "\n".join(got.problems)
    assert "block 2 (figure): not fetched (redirected to): a plain-http URL on example.com" in (
        problems
    )
    assert "block 3 (figure): not fetched (redirected to): a file URL" in problems
    assert "block 4 (figure): more than 5 redirects" in problems and loops == 6
    assert "block 5 (figure): not fetched: a plain-http URL on example.com" in problems
    assert "block 6 (figure): not fetched: a ftp URL" in problems


def test_a_kept_url_is_found_again_without_a_request_until_its_file_is_gone(
    tmp_path: Path,
) -> None:
    with ImageHost() as host:
        url = host.answer("/a.png", Answer(body=picture("PNG")))
        with keeper(tmp_path) as saver:
            first = saver.keep(result_of(("figure", url), ("stamp", url)))
        with keeper(tmp_path) as saver:  # a new process, say
            again = saver.keep(result_of(("figure", url)))
        assert len(host.requests_to("/a.png")) == 1  # once for both blocks, none again
        assert again.images == first.images and len(pictures_in(tmp_path)) == 1
        Path(first.images[url].path).unlink()  # the user cleaned the folder
        with keeper(tmp_path) as saver:
            third = saver.keep(result_of(("figure", url)))
        assert len(host.requests_to("/a.png")) == 2
    assert Path(third.images[url].path).is_file()


# --- a whole load -------------------------------------------------------------------------
def _script_paper(emulator: Emulator, host: ImageHost) -> dict[str, str]:
    """Script the emulator to answer the paper, its pictures on ``host``."""
    urls = {
        "https://img.example/f1.png": host.answer("/f1.png", Answer(body=picture("PNG"))),
        "https://img.example/cs.png": host.answer("/cs", Answer(body=picture("GIF"))),
        "https://img.example/b.png": host.answer("/b.jpg", Answer(body=picture("JPEG")))
        + "?X-Signature=abc",
    }
    text = json.dumps(paper_data(json_as_string=False))
    for old, new in urls.items():
        text = text.replace(old, new)
    data = json.loads(text)
    emulator.script(SUBMIT, Reply({"code": 0, "message": "", "data": {"task_id": data["task_id"]}}))
    emulator.script(CHECK, Reply({"code": 0, "message": "", "data": copy.deepcopy(data)}))
    return urls


def test_a_load_keeps_the_pictures_never_sends_the_key_and_a_rerun_asks_nothing(
    emulator: Emulator, _private_cache: Path
) -> None:
    with ImageHost() as host:
        urls = _script_paper(emulator, host)
        # a user's own httpx client that carries the key: never used for an image host
        own = httpx.Client(headers={"X-Api-Key": KEY}, params={"api_key": KEY})
        client = SoMarkClient(base_url=emulator.base_url, api_key=KEY, http_client=own, **FAST)
        first = SoMarkLoader(
            ONE_PAGE_PDF, client=client, include_images=True, requests_per_second=50
        )
        docs = first.load()
        seen = list(host.seen)
        again = SoMarkLoader(
            ONE_PAGE_PDF, client=client, include_images=True, requests_per_second=50
        )
        redocs = again.load()
        client.close()
        own.close()
    assert docs and [(d.id, d.page_content, d.metadata) for d in redocs] == [
        (d.id, d.page_content, d.metadata) for d in docs
    ]
    figures = [d for d in docs if "image_path" in d.metadata]
    assert sorted(d.metadata["element_type"] for d in figures) == ["cs", "cs", "figure"]
    for figure in figures:  # the image documents' files open, at the size they say
        with Image.open(figure.metadata["image_path"]) as opened:
            assert opened.size == (figure.metadata["image_width"], figure.metadata["image_height"])
    assert sorted(s.path for s in seen) == ["/b.jpg", "/cs", "/f1.png"]
    assert [s.query for s in seen if s.path == "/b.jpg"] == ["X-Signature=abc"]
    for request in seen:
        assert KEY not in request.text() and KEY[8:] not in request.text()
        assert request.body == b"" and set(request.headers) <= {
            "host",
            "user-agent",
            "accept",
            "accept-encoding",
            "connection",
        }
    assert len(host.seen) == len(seen)  # the re-run, from the cache, asked nothing
    assert again.last_report.files[0].cached and again.last_report.files[0].images_not_kept == []
    images = _private_cache / "images"
    kinds = sorted(p.suffix for p in pictures_in(images))
    assert kinds == [".gif", ".jpg", ".png"]
    assert len(list((images / "urls").rglob("*.json"))) == len(urls)


def test_a_picture_that_cannot_be_kept_leaves_the_file_loaded_and_reported(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    with ImageHost() as host:
        _script_paper(emulator, host)
        del host.answers["/cs"]  # expired
        with caplog.at_level(logging.WARNING, logger="somark_loaders"):
            load = loader(ONE_PAGE_PDF, emulator, include_images=True, image_dir=tmp_path)
            docs = load.load()
    entry = load.last_report.files[0]
    assert docs and entry.status == "loaded"
    figures = [d.metadata["element_type"] for d in docs if "image_path" in d.metadata]
    assert sorted(figures) == ["cs", "figure"]  # the expired one has no image document
    assert entry.images_not_kept == [
        "page 2, block 8 (cs): HTTP 404 from 127.0.0.1 (the URL may have expired)"
    ]
    assert "1 picture not kept" in load.last_report.summary()
    assert "picture not kept: page 2, block 8 (cs)" in load.last_report.table()
    warned = [r.getMessage() for r in caplog.records if "not kept" in r.getMessage()]
    assert len(warned) == 1 and "page 2, block 8 (cs)" in warned[0]
    assert len(pictures_in(tmp_path)) == 2


def test_the_emulators_figures_are_kept_and_found_again_from_the_cache(
    emulator: Emulator, tmp_path: Path, _private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture_file = tmp_path / "gradient.png"
    Image.linear_gradient("L").resize((320, 200)).save(picture_file)
    fetched: list[str] = []
    real = ImageFetcher.fetch
    monkeypatch.setattr(
        ImageFetcher, "fetch", lambda self, url: fetched.append(url) or real(self, url)
    )
    first = loader(picture_file, emulator, include_images=True)
    (figure,) = [d for d in first.load() if "image_path" in d.metadata]
    assert (figure.metadata["image_width"], figure.metadata["image_height"]) == (320, 200)
    assert len(fetched) == 1 and fetched[0].startswith("http://127.0.0.1:")
    kept = pictures_in(_private_cache / "images")
    served = httpx.get(fetched[0], timeout=HTTP_TIMEOUT).content  # what the emulator serves
    assert [p.read_bytes() for p in kept] == [served]
    again = loader(picture_file, emulator, include_images=True)
    redocs = asyncio.run(again.aload())  # the async driver keeps them the same way
    assert [d.metadata for d in redocs if "image_path" in d.metadata] == [figure.metadata]
    assert len(fetched) == 1 and again.last_report.files[0].cached
    assert again.last_report.files[0].images_not_kept == []


def test_the_command_line_keeps_pictures_into_the_image_dir(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ImageHost() as host:
        _script_paper(emulator, host)
        flags = ["--base-url", emulator.base_url, "--api-key", KEY, "--poll-interval", "0.05"]
        pictures = tmp_path / "pictures"
        args = ["load", str(ONE_PAGE_PDF), "--include-images", "--image-dir", str(pictures)]
        assert main([*args, "--rps", "50", "--no-cache", *flags]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    paths = sorted(r["metadata"]["image_path"] for r in records if "image_path" in r["metadata"])
    assert paths == sorted(str(p) for p in pictures_in(pictures)) and len(paths) == 3
    # without a cache, pictures need a folder: a usage error (2), nothing uploaded
    assert main(["load", str(ONE_PAGE_PDF), "--include-images", "--no-cache", *flags]) == 2
    assert "pass image_dir=" in capsys.readouterr().err


@pytest.mark.slow  # local Ray starts in about 20 s
@pytest.mark.filterwarnings("ignore:The maximum number of concurrent tasks:UserWarning")
def test_read_somark_keeps_pictures_and_reports_those_it_could_not(
    emulator: Emulator, tmp_path: Path
) -> None:
    ray = pytest.importorskip("ray")
    from somark_loaders.ray import chunks_of, read_somark_files, report_of

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        with ImageHost() as host:
            _script_paper(emulator, host)
            del host.answers["/cs"]  # expired
            files = read_somark_files(
                [str(ONE_PAGE_PDF)],
                api_key=KEY,
                base_url=emulator.base_url,
                client_options=FAST,
                requests_per_second=50,
                include_images=True,
                image_dir=str(tmp_path),
            ).materialize()
            report = report_of(files)
            rows = chunks_of(files).take_all()
    finally:
        ray.shutdown()
    assert report.files[0].status == "loaded"
    assert report.files[0].images_not_kept == [
        "page 2, block 8 (cs): HTTP 404 from 127.0.0.1 (the URL may have expired)"
    ]
    kept = sorted(r["image_path"] for r in rows if r.get("image_path"))
    assert kept == sorted(str(p) for p in pictures_in(tmp_path)) and len(kept) == 2


# --- settings ---------------------------------------------------------------------------
LOCAL = {"base_url": "http://127.0.0.1:9/api/v1"}


@pytest.mark.parametrize(
    "build",
    [
        lambda **kw: SoMarkLoader(ONE_PAGE_PDF, **LOCAL, **kw),
        lambda **kw: SoMarkParser(**LOCAL, **kw),
        lambda **kw: SoMarkReader(**LOCAL, **kw),
    ],
)
def test_pictures_need_a_place_to_go(build: Any, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="pass image_dir="):
        build(include_images=True, cache=False)
    with pytest.raises(ConfigurationError, match="max_image_bytes"):
        build(include_images=True, max_image_bytes=0)
    build(include_images=True, cache=False, image_dir=str(tmp_path))  # fine
    build(cache=False)  # without pictures, no folder is needed


def test_the_image_dir_defaults_to_images_in_the_cache(tmp_path: Path) -> None:
    settings = SoMarkLoader(ONE_PAGE_PDF, **LOCAL, include_images=True, cache=tmp_path)
    batch = settings._settings.batch_settings()
    assert batch.image_dir == tmp_path / "images" and batch.max_image_bytes == 20 * 1024 * 1024
    assert batch.convert_options.include_images


def test_pictures_not_kept_travel_with_the_report_entry() -> None:
    entry = FileOutcome(source="a.pdf", status="loaded", images_not_kept=["page 1, block 2: x"])
    as_json = json.loads(json.dumps(dataclasses.asdict(entry)))
    assert FileOutcome(**as_json) == entry
    report = LoadReport(files=[entry, FileOutcome(source="b.pdf", status="loaded")])
    assert report.images_not_kept == [entry]
