"""Failures: retries, what is never retried, deadlines, failed tasks, the key kept secret."""

from __future__ import annotations

import logging
import pickle
import socket

import pytest

from somark_loaders import (
    AmbiguousSubmitError,
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    FileTooLargeError,
    InvalidParameterError,
    QuotaExceededError,
    RateLimitError,
    ResponseValidationError,
    SoMarkError,
    TaskFailedError,
    TaskNotFoundError,
    TaskTimeoutError,
    UnsupportedFileError,
)
from somark_loaders.emulator import (
    BusinessError,
    Delay,
    Drop,
    Emulator,
    FailTask,
    HTTPError,
    Reply,
    Status,
)

from .conftest import KEY, ONE_PAGE_PDF, PNG, Somark


@pytest.mark.parametrize(
    "action",
    [
        BusinessError(1101, "Parsing requests too frequent"),
        BusinessError(1124, "QPS limit exceeded"),
        HTTPError(429),
        HTTPError(503),
    ],
    ids=["1101", "1124", "429", "503"],
)
def test_submit_retries_answers_that_say_nothing_was_accepted(
    somark: Somark, emulator: Emulator, action: object
) -> None:
    emulator.script("/parse/async", action, action)  # type: ignore[arg-type]
    task_id = somark.submit(PNG)
    assert len(emulator.requests_to("/parse/async")) == 3
    assert emulator.accepted_tasks == [task_id]
    assert len(somark.time.sleeps) == 2


@pytest.mark.parametrize(
    "action",
    [
        BusinessError(1124),
        HTTPError(429),
        HTTPError(500),
        HTTPError(502),
        HTTPError(503),
        HTTPError(504),
        Drop(),
        Drop(process=True),
    ],
    ids=["1124", "429", "500", "502", "503", "504", "drop", "drop-after"],
)
def test_check_is_always_retried(somark: Somark, emulator: Emulator, action: object) -> None:
    task_id = somark.submit(ONE_PAGE_PDF)
    emulator.script("/parse/async_check", action, action)  # type: ignore[arg-type]
    result = somark.wait(task_id)
    assert result.task_id == task_id
    assert len(emulator.requests_to("/parse/async_check")) == 3


def test_retry_after_is_honoured(somark: Somark, emulator: Emulator) -> None:
    emulator.script("/parse/async", HTTPError(429, retry_after=7))
    somark.submit(PNG)
    assert somark.time.sleeps == [7.0]


def test_backoff_grows_and_is_capped(somark: Somark, emulator: Emulator) -> None:
    emulator.script("/parse/async", *[BusinessError(1124)] * 6)
    somark.submit(PNG)
    waits = somark.time.sleeps
    assert len(waits) == 6
    bases = [1, 2, 4, 8, 10, 10]
    for wait, base in zip(waits, bases, strict=True):
        assert base <= wait <= base + 0.5  # jitter adds at most 0.5 s


def test_rate_limit_gives_up_after_retry_max_time(somark: Somark, emulator: Emulator) -> None:
    emulator.script("/parse/async", *[BusinessError(1124, "QPS limit exceeded")] * 50)
    with pytest.raises(RateLimitError) as caught:
        somark.call("submit", PNG, client_kwargs={"retry_max_time": 30})
    assert caught.value.code == 1124
    assert sum(somark.time.sleeps) <= 30
    assert emulator.accepted_tasks == []


def test_server_errors_give_up_after_max_retries(somark: Somark, emulator: Emulator) -> None:
    task_id = somark.submit(PNG)
    emulator.script("/parse/async_check", *[HTTPError(502)] * 10)
    with pytest.raises(APIStatusError) as caught:
        somark.call("check", task_id, client_kwargs={"max_retries": 2})
    assert caught.value.status_code == 502
    assert len(emulator.requests_to("/parse/async_check")) == 3


def test_bad_key_is_not_retried(somark: Somark, emulator: Emulator) -> None:
    with pytest.raises(AuthenticationError) as caught:
        somark.call("submit", PNG, client_kwargs={"api_key": "sk-wrong-key-42"})
    assert caught.value.code == 1107
    assert len(emulator.requests_to("/parse/async")) == 1
    assert somark.time.sleeps == []
    assert "SOMARK_API_KEY" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1104, UnsupportedFileError),
        (1108, QuotaExceededError),
        (1118, FileTooLargeError),
        (1123, QuotaExceededError),
        (1132, FileTooLargeError),
        (1133, InvalidParameterError),
        (2000, InvalidParameterError),
        (1137, SoMarkError),
    ],
)
def test_other_codes_fail_at_once_with_their_class(
    somark: Somark, emulator: Emulator, code: int, error: type[Exception]
) -> None:
    emulator.script("/parse/async", BusinessError(code, "nope"))
    with pytest.raises(error) as caught:
        somark.submit(PNG)
    assert getattr(caught.value, "code", None) == code
    assert len(emulator.requests_to("/parse/async")) == 1


@pytest.mark.parametrize(
    "action",
    [Drop(process=True), HTTPError(500), HTTPError(502), HTTPError(504), Delay(1.0)],
    ids=["dropped-after-accept", "500", "502", "504", "read-timeout"],
)
def test_no_duplicate_submit_when_the_upload_may_have_been_accepted(
    somark: Somark, emulator: Emulator, action: object
) -> None:
    emulator.script("/parse/async", action)  # type: ignore[arg-type]
    with pytest.raises(AmbiguousSubmitError) as caught:
        somark.call("submit", PNG, client_kwargs={"timeout": 0.3})
    assert len(emulator.requests_to("/parse/async")) == 1
    assert "not sent again" in str(caught.value)


def test_dropped_connection_before_processing_on_check_is_retried_but_on_submit_is_not(
    somark: Somark, emulator: Emulator
) -> None:
    # The client cannot tell a drop before processing from one after: a submit is never resent.
    emulator.script("/parse/async", Drop(process=False))
    with pytest.raises(AmbiguousSubmitError):
        somark.submit(PNG)
    assert emulator.accepted_tasks == []


def test_connection_refused_is_retried_then_reported(somark: Somark) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(APIConnectionError) as caught:
        somark.call(
            "submit",
            PNG,
            client_kwargs={"base_url": f"http://127.0.0.1:{port}/api/v1", "max_retries": 2},
        )
    assert not isinstance(caught.value, AmbiguousSubmitError)
    # retried, but on a loopback address only for LOCAL_REFUSED_SECONDS (tests/test_bundled_emulator.py)
    assert 1 <= len(somark.time.sleeps) <= 2 and sum(somark.time.sleeps) <= 2.0


def test_failed_task_raises_with_its_task_id(somark: Somark, emulator: Emulator) -> None:
    emulator.script("/parse/async", FailTask("the scanner ate it"))
    with pytest.raises(TaskFailedError) as caught:
        somark.parse(PNG)
    assert caught.value.task_id == emulator.accepted_tasks[0]
    assert "the scanner ate it" in str(caught.value)
    assert not isinstance(caught.value, TaskTimeoutError)


def test_deadline_raises_task_timeout_and_wait_resumes(somark: Somark, emulator: Emulator) -> None:
    emulator.script("/parse/async_check", *[Status("PROCESSING")] * 100)
    with pytest.raises(TaskTimeoutError) as caught:
        somark.call("parse", ONE_PAGE_PDF, client_kwargs={"max_wait": 5, "poll_interval": 2})
    task_id = caught.value.task_id
    assert task_id == emulator.accepted_tasks[0]
    assert isinstance(caught.value, TaskFailedError)
    # 5 s of waiting at most, first interval included: the last sleep is cut so that the
    # last check falls on the deadline.
    assert somark.time.sleeps == [2, 2, 1]
    emulator.service._scripts.clear()
    result = somark.wait(task_id)
    assert result.task_id == task_id
    assert len(emulator.accepted_tasks) == 1


def test_unknown_task_id_is_task_not_found(somark: Somark) -> None:
    with pytest.raises(TaskNotFoundError) as caught:
        somark.wait("0" * 32)
    assert caught.value.code == 1133


def test_quota_and_limits_of_the_emulator_map_to_errors(somark: Somark, emulator: Emulator) -> None:
    emulator.set(quota_pages=0)
    with pytest.raises(QuotaExceededError):
        somark.submit(PNG)
    emulator.set(quota_pages=None, max_pages=0)
    with pytest.raises(FileTooLargeError) as caught:
        somark.submit(PNG)
    assert caught.value.code == 1132


def test_in_flight_limit_gives_1124_until_the_task_ends(somark: Somark, emulator: Emulator) -> None:
    emulator.set(max_in_flight=1, queue_seconds=0.6)
    somark.submit(PNG)
    # The fake clock does not move the emulator's: the second submit retries in real time
    # until the first task leaves the queue (1124 retries are bounded by time only).
    second = somark.call("submit", PNG, client_kwargs={"retry_max_time": 1e9})
    assert second == emulator.accepted_tasks[1]
    codes = [r.route for r in emulator.requests_to("/parse/async")]
    assert len(codes) > 2


def test_the_key_never_appears_in_logs_or_errors(
    somark: Somark, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.script(
        "/parse/async", HTTPError(503, body=f"echo {KEY}"), BusinessError(1124, f"bad {KEY}")
    )
    task_id = somark.submit(ONE_PAGE_PDF)
    emulator.script("/parse/async_check", Drop(), HTTPError(500, body=KEY))
    somark.wait(task_id)
    errors: list[BaseException] = []
    for client_kwargs in ({"api_key": KEY + "x"}, {"max_retries": 0}):
        emulator.script("/parse/async", HTTPError(500, body=f"key={KEY}"))
        try:
            somark.call("submit", ONE_PAGE_PDF, client_kwargs=client_kwargs)
        except SoMarkError as err:
            errors.append(err)
    assert len(errors) == 2
    texts = [caplog.text] + [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(pickle.loads(pickle.dumps(e))) for e in errors]
    with somark.client() as client:
        texts += [repr(client), repr(client.config), str(vars(client.config))]
    for text in texts:
        assert KEY not in text
        assert "sk-test" not in text


PORTAL = Reply("<html><body>Please sign in to the hotel Wi-Fi</body></html>")


def test_an_html_page_answering_a_check_is_retried(somark: Somark, emulator: Emulator) -> None:
    """A captive portal or a proxy's 200 error page answering a status check: the check
    is safe to repeat, so it is retried like a 5xx, and the file goes through."""
    task_id = somark.submit(ONE_PAGE_PDF)
    emulator.script("/parse/async_check", PORTAL, PORTAL, PORTAL)
    result = somark.wait(task_id)
    assert result.task_id == task_id
    assert len(emulator.requests_to("/parse/async_check")) == 4


def test_html_answers_give_up_after_max_retries_and_never_repeat_an_upload(
    somark: Somark, emulator: Emulator
) -> None:
    """Bounded by the retry policy; an upload answered with HTML is not sent again (it
    may have been accepted)."""
    task_id = somark.submit(PNG)
    emulator.script("/parse/async_check", *[PORTAL] * 10)
    with pytest.raises(ResponseValidationError):
        somark.call("check", task_id, client_kwargs={"max_retries": 2})
    assert len(emulator.requests_to("/parse/async_check")) == 3
    emulator.script("/parse/async", PORTAL)
    with pytest.raises(SoMarkError):
        somark.submit(PNG)
    assert len(emulator.requests_to("/parse/async")) == 2  # the first submit and this one
