"""The client follows the documented protocol field for field (both clients, real HTTP)."""

from __future__ import annotations

import asyncio
import json

import pytest

from somark_loaders import ParseOptions, TaskStatus
from somark_loaders.emulator import Emulator, Reply, Status

from .conftest import KEY, ONE_PAGE_PDF, PDF, PNG, Somark
from .fixtures import HTTP_TIMEOUT


def test_submit_sends_the_documented_multipart_fields(somark: Somark, emulator: Emulator) -> None:
    options = ParseOptions(
        output_formats=["json", "markdown"],
        element_formats={"table": "markdown", "formula": "mathml"},
        feature_config={"enable_title_level_recognition": True, "keep_header_footer": True},
    )
    task_id = somark.submit(ONE_PAGE_PDF, options)

    (request,) = emulator.requests_to("/parse/async")
    assert request.path == "/api/v1/parse/async"
    assert request.content_type.startswith("multipart/form-data; boundary=")
    assert request.fields["api_key"] == [KEY]
    assert request.fields["output_formats"] == ["json", "markdown"]  # repeated, not JSON
    assert json.loads(request.field("element_formats") or "") == {
        "image": "url",
        "formula": "mathml",
        "table": "markdown",
        "cs": "image",
    }
    features = json.loads(request.field("feature_config") or "")
    assert features == {
        "enable_text_cross_page": False,
        "enable_table_cross_page": False,
        "enable_title_level_recognition": True,
        "enable_inline_image": False,
        "enable_table_image": True,
        "enable_image_understanding": True,
        "keep_header_footer": True,
    }
    assert set(request.fields) == {"api_key", "output_formats", "element_formats", "feature_config"}
    (upload,) = request.files
    assert (upload.field_name, upload.filename, upload.content_type) == (
        "file",
        ONE_PAGE_PDF.name,
        "application/pdf",
    )
    assert upload.size == ONE_PAGE_PDF.stat().st_size
    # The key travels only in the body.
    assert KEY not in request.path
    assert all(KEY not in value for value in request.headers.values())
    assert task_id in emulator.accepted_tasks


def test_check_sends_task_id_and_key_in_the_form(somark: Somark, emulator: Emulator) -> None:
    task_id = somark.submit(ONE_PAGE_PDF)
    emulator.wait_parsed()  # the parse runs after the submit's answer (memoised: at once)
    info = somark.check(task_id)
    (request,) = emulator.requests_to("/parse/async_check")
    assert request.fields == {"task_id": [task_id], "api_key": [KEY]}
    assert all(KEY not in value for value in request.headers.values())
    assert info.task_id == task_id
    assert info.status is TaskStatus.SUCCESS
    assert info.record_id is not None and info.record_id > 0
    assert info.result is not None and info.result.task_id == task_id


def test_parse_returns_real_text_with_pixel_coordinates(somark: Somark) -> None:
    result = somark.parse(PDF)
    assert result.page_count == 13
    assert [p.page_num for p in result.pages] == list(range(13))
    first = result.pages[0]
    assert first.page_size is not None
    # A4 at 150 DPI.
    assert (first.page_size.w, first.page_size.h) == (1240, 1754)
    assert "Dense Passage Retrieval" in first.blocks[0].content
    for page in result.pages:
        assert page.page_size is not None
        for block in page.blocks:
            assert block.bbox is not None
            x1, y1, x2, y2 = block.bbox
            assert 0 <= x1 <= x2 <= page.page_size.w
            assert 0 <= y1 <= y2 <= page.page_size.h
    assert result.markdown and result.markdown.startswith("# Dense Passage Retrieval")


def test_polling_goes_through_queuing_and_processing(somark: Somark, emulator: Emulator) -> None:
    emulator.script(
        "/parse/async_check", Status("QUEUING"), Status("PROCESSING"), Status("PROCESSING")
    )
    result = somark.parse(PNG)
    assert len(emulator.requests_to("/parse/async_check")) == 4
    # parse() waits one interval before the first check, then one between checks.
    assert somark.time.sleeps == [0.5, 0.5, 0.5, 0.5]
    assert result.pages[0].blocks[0].type == "table"  # the scanned table, read by OCR


def test_only_requested_outputs_come_back(somark: Somark) -> None:
    result = somark.parse(PNG, {"output_formats": ["json"]})
    assert result.markdown is None
    assert len(result.pages) == 1
    md_only = somark.parse(PNG, {"output_formats": ["markdown"]})
    assert md_only.pages == ()
    assert md_only.markdown is not None


def test_image_page_has_the_pixel_size_of_the_image(somark: Somark) -> None:
    result = somark.parse(PNG)
    (page,) = result.pages
    assert page.page_size is not None
    assert (page.page_size.w, page.page_size.h) == (1377, 648)
    for block in page.blocks:  # pixels of the image itself
        assert block.bbox is not None
        assert 0 <= block.bbox[0] < block.bbox[2] <= 1377
        assert 0 <= block.bbox[1] < block.bbox[3] <= 648


def test_lowercase_statuses_are_accepted(somark: Somark, emulator: Emulator) -> None:
    emulator.set(lowercase_status=True)
    emulator.script("/parse/async_check", Status("queuing"), Status("processing"))
    result = somark.parse(PNG)
    assert result.pages[0].blocks[0].type == "table"  # the scanned table, read by OCR
    info = somark.check(result.task_id)
    assert info.raw_status == "success" and info.status is TaskStatus.SUCCESS


def test_unknown_extra_fields_and_json_as_string_are_tolerated(
    somark: Somark, emulator: Emulator
) -> None:
    pages = {
        "pages": [
            {
                "page_num": 1,
                "page_size": {"w": 100, "h": 200, "dpi": 150},
                "blocks": [
                    {
                        "idx": 5,
                        "type": "text",
                        "bbox": [1, 2, 3, 4],
                        "content": "second",
                        "future": {"x": 1},
                    },
                    {
                        "idx": 2,
                        "type": "title",
                        "bbox": [1, 1, 9, 9],
                        "content": "first",
                        "title_level": 1,
                    },
                ],
                "new_page_field": True,
            },
            {"page_num": 0, "blocks": [], "merge_content_from_pre_page": None},
        ],
        "schema_version": 3,
    }
    body = {
        "code": 0,
        "message": "查询成功",
        "warnings": [],
        "trace_id": "abc",
        "data": {
            "record_id": 1,
            "task_id": "t-1",
            "status": "SUCCESS",
            "file_name": "x.pdf",
            "metadata": {"page_num": 2, "file_type": ".pdf", "token_count": 5},
            "result": {"file_name": "x.pdf", "outputs": {"json": json.dumps(pages)}, "novel": 1},
            "extra": [1, 2],
        },
    }
    emulator.script("/parse/async_check", Reply(body))
    info = somark.check("t-1")
    assert info.result is not None
    assert [p.page_num for p in info.result.pages] == [0, 1]
    assert [b.content for b in info.result.pages[1].blocks] == ["first", "second"]
    assert info.result.pages[1].blocks[1].model_extra == {"future": {"x": 1}}
    assert info.result.page_count == 2


@pytest.mark.parametrize("route", ["/extract/async", "/extract/async_check"])
def test_emulator_still_serves_the_deprecated_extract_paths(emulator: Emulator, route: str) -> None:
    import httpx

    with httpx.Client(base_url=emulator.base_url, timeout=HTTP_TIMEOUT) as http:
        submitted = http.post(
            "/extract/async",
            data={"api_key": KEY, "extract_config": "{}"},
            files={"file": ("a.pdf", ONE_PAGE_PDF.read_bytes(), "application/pdf")},
        )
        task_id = submitted.json()["data"]["task_id"]
        answer = (
            submitted
            if route == "/extract/async"
            else http.post(route, data={"api_key": KEY, "task_id": task_id})
        )
    body = answer.json()
    assert body["code"] == 0
    assert answer.headers["Deprecation"] == "true"
    assert any("2026-12-31" in w for w in body["warnings"])


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_upload_reaches_the_socket_in_a_few_large_writes(kind: str) -> None:
    """httpx yields every boundary, part header and field of a multipart body on its own
    (about 25 pieces for a one-page PDF and our fields), each a pass through h11 and a
    system call; the clients hand the socket 64 KiB at a time (but the last)."""
    from somark_loaders import AsyncSoMarkClient, SoMarkClient
    from somark_loaders.files._files import Upload
    from somark_loaders.service._client_base import WRITE_BYTES
    from somark_loaders.service._flow import Send

    upload = Upload.from_input(PDF)
    client = (SoMarkClient if kind == "sync" else AsyncSoMarkClient)(
        base_url="http://127.0.0.1:9", api_key=KEY
    )
    send = Send("/parse/async", client._ctx.fields(ParseOptions().form_fields()), upload)

    async def pieces() -> list[bytes]:
        with upload.open() as stream:
            body = client._request(send, stream).stream
            if isinstance(client, SoMarkClient):
                client.close()
                return list(body)  # type: ignore[arg-type]
            await client.aclose()
            return [piece async for piece in body]  # type: ignore[union-attr]

    with upload.open() as stream:
        length = int(client._request(send, stream).headers["content-length"])
    chunks = asyncio.run(pieces())
    assert sum(map(len, chunks)) == length
    assert all(len(chunk) >= WRITE_BYTES for chunk in chunks[:-1])
    assert len(chunks) == -(-length // WRITE_BYTES)  # ceil: nothing smaller but the last
    assert b"".join(chunks).count(upload.file_name.encode()) == 1
