"""Pure modules: retry policy, Retry-After, envelopes, transport error mapping, error tree."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import httpx
import pytest

import somark_loaders
from somark_loaders import (
    AmbiguousSubmitError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    RateLimitError,
    ResponseValidationError,
    SoMarkClient,
    TaskFailedError,
    TaskStatus,
    TaskTimeoutError,
)
from somark_loaders._errors import error_for_code, redact
from somark_loaders.models import ParseResult
from somark_loaders.service._protocol import (
    Reply,
    map_transport_error,
    read_check,
    read_envelope,
    retry_after_seconds,
)
from somark_loaders.service._retry import PollPolicy, RateLimiter, RetryPolicy

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


def _reply(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, headers or {}, raw)


# --- retry policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "submitting", "retried"),
    [
        (RateLimitError("x", code=1124), True, True),
        (RateLimitError("x", code=1101), False, True),
        (APIStatusError("x", status_code=429), True, True),
        (APIStatusError("x", status_code=503), True, True),
        (APIStatusError("x", status_code=500), True, False),
        (APIStatusError("x", status_code=500), False, True),
        (APIStatusError("x", status_code=502), False, True),
        (APIStatusError("x", status_code=504), False, True),
        (APIStatusError("x", status_code=400), False, False),
        (APIStatusError("x", status_code=404), False, False),
        (APIConnectionError("x"), False, True),
        (APITimeoutError("x"), False, True),
        (AuthenticationError("x", code=1107), False, False),
    ],
)
def test_what_is_retried(error: somark_loaders.APIError, submitting: bool, retried: bool) -> None:
    delay = RetryPolicy().delay(
        error, attempt=0, failures=0, elapsed=0, rng=random.Random(1), submitting=submitting
    )
    assert (delay is not None) is retried


def test_backoff_table_without_jitter() -> None:
    policy = RetryPolicy(initial=1, cap=10, jitter=0)
    assert [policy.backoff(n, random.Random()) for n in range(6)] == [1, 2, 4, 8, 10, 10]


def test_attempt_and_time_bounds() -> None:
    policy = RetryPolicy(max_retries=3, max_time=20, jitter=0)
    server = APIStatusError("x", status_code=503)
    rng = random.Random()
    assert policy.delay(server, attempt=3, failures=3, elapsed=0, rng=rng) is None
    assert policy.delay(server, attempt=2, failures=2, elapsed=0, rng=rng) == 4
    limited = RateLimitError("x", code=1124)
    # rate limits do not use up max_retries, only time
    assert policy.delay(limited, attempt=9, failures=9, elapsed=0, rng=rng) == 10
    assert policy.delay(limited, attempt=9, failures=9, elapsed=15, rng=rng) is None


def test_retry_after_wins_unless_absurd() -> None:
    policy = RetryPolicy(jitter=0)
    rng = random.Random()
    hinted = APIStatusError("x", status_code=429, retry_after=3)
    assert policy.delay(hinted, attempt=0, failures=0, elapsed=0, rng=rng) == 3
    absurd = APIStatusError("x", status_code=429, retry_after=86400)
    assert policy.delay(absurd, attempt=0, failures=0, elapsed=0, rng=rng) == 1


def test_rate_limiter_spaces_slots_and_a_pause_holds_booked_ones() -> None:
    pace = RateLimiter(per_second=1)  # the account's pace, 2% for the network's jitter
    assert [round(pace.reserve(100.0), 6) for _ in range(3)] == [0, 1.02, 2.04]
    pace.pause(until=110.0)  # one worker was told 1124 at ~100 and backs off to 110
    assert pace.held(101.02) == pytest.approx(8.98)  # the slot booked for 101.02 waits too
    assert pace.reserve(105.0) == pytest.approx(5.0)  # new slots start after the pause
    assert pace.reserve(105.0) == pytest.approx(6.02)
    assert pace.held(110.0) == 0
    with pytest.raises(ValueError, match="> 0"):
        RateLimiter(0)


def test_checks_keep_their_cadence_when_the_answers_are_slow() -> None:
    """A check answered late does not push every later check back: each is due one
    interval after the last one was due, and never sooner than half an interval after an
    answer (a very slow one)."""
    from somark_loaders.service._config import Secret
    from somark_loaders.service._flow import Context, Send, Sleep
    from somark_loaders.service._retry import ServiceHints
    from somark_loaders.service._wait import wait_flow

    ctx = Context(
        Secret("k"),
        RetryPolicy(jitter=0),
        PollPolicy(interval=3.0, max_wait=600),
        random.Random(0),
        hints=ServiceHints(poll_chosen=True),
    )
    flow = wait_flow(ctx, "t-1", first_sleep=True)
    pending = _reply({"code": 0, "data": {"task_id": "t-1", "status": "PROCESSING"}})

    def check_at(now: float) -> None:
        step = flow.send(now)
        if step == Sleep(0):  # the check reads the clock
            step = flow.send(now)
        assert isinstance(step, Send)

    assert next(flow) == Sleep(3.0)  # the task was just submitted, at 100
    check_at(103.0)  # the first check is due at 103
    assert flow.send((pending, 103.4)) == Sleep(pytest.approx(2.6))  # answered 0.4 s late
    check_at(106.0)  # due at 106: the cadence holds
    assert flow.send((pending, 106.1)) == Sleep(pytest.approx(2.9))
    check_at(109.05)  # woke a little late: the next is still due at 112
    assert flow.send((pending, 110.0)) == Sleep(pytest.approx(2.0))
    check_at(112.0)
    assert flow.send((pending, 116.0)) == Sleep(pytest.approx(1.5))  # 4 s: half an interval


def test_a_1124_on_one_submit_pauses_the_submits_of_the_whole_batch() -> None:
    """Flow level: worker A's 1124 holds worker B's already booked submit."""
    from somark_loaders.files._files import Upload
    from somark_loaders.options import ParseOptions
    from somark_loaders.service._config import Secret
    from somark_loaders.service._flow import Context, Send, Sleep, submit_flow

    pace = RateLimiter(per_second=10)
    ctx = Context(Secret("k"), RetryPolicy(jitter=0), PollPolicy(), random.Random(0), pace)
    upload = Upload.from_input(b"%PDF-1.4", file_name="a.pdf")
    a, b = submit_flow(ctx, upload, ParseOptions()), submit_flow(ctx, upload, ParseOptions())
    assert next(a) == Sleep(0) and next(b) == Sleep(0)  # both read the clock
    assert a.send(100.0) == Sleep(0)  # A's slot is free (the clock read: when it goes)
    assert isinstance(a.send(100.0), Send)
    assert b.send(100.0) == Sleep(0)  # B books the next one, and reads the clock
    assert b.send(100.0) == Sleep(pytest.approx(0.102))
    limited = _reply({"code": 1124, "message": "QPS limit exceeded"})
    assert a.send((limited, 100.05)) == Sleep(0)
    assert a.send(100.05) == Sleep(pytest.approx(1.0))  # A backs off to 101.05
    # B wakes for its slot at 100.102, but the service said "too many": B takes a new
    # slot after the pause, one interval after A's retry
    assert b.send(100.102) == Sleep(0)
    assert b.send(100.102) == Sleep(pytest.approx(0.948 + 0.102))
    assert a.send(101.05) == Sleep(0)
    assert isinstance(a.send(101.05), Send)
    assert b.send(101.152) == Sleep(0)
    assert isinstance(b.send(101.152), Send)


def test_a_submit_goes_at_its_booked_slot_however_long_the_booking_took() -> None:
    """The slot is a time: a booking answered late (a round trip to the account's Ray
    actor on a loaded machine) does not send the submit that much past it, closer than
    the pace to the next worker's, which went on time. A slot free at once is not asked
    about again (its booking saw any pause)."""
    from somark_loaders.files._files import Upload
    from somark_loaders.options import ParseOptions
    from somark_loaders.service._config import Secret
    from somark_loaders.service._flow import Context, Send, Sleep, submit_flow

    class Pace(RateLimiter):
        asked = 0

        def held(self, now: float) -> float:
            self.asked += 1
            return super().held(now)

    pace = Pace(per_second=10)
    ctx = Context(Secret("k"), RetryPolicy(jitter=0), PollPolicy(), random.Random(0), pace)
    upload = Upload.from_input(b"%PDF-1.4", file_name="a.pdf")
    a, b = submit_flow(ctx, upload, ParseOptions()), submit_flow(ctx, upload, ParseOptions())
    assert next(a) == Sleep(0) and next(b) == Sleep(0)
    assert a.send(100.0) == Sleep(0)  # free: A reads the clock and goes
    assert isinstance(a.send(100.0), Send)
    assert pace.asked == 0
    assert b.send(100.0) == Sleep(0)  # B's slot is 100.102; its booking answers at 100.06
    assert b.send(100.06) == Sleep(pytest.approx(0.042))  # until the slot, not 0.102 more
    assert b.send(100.102) == Sleep(0)
    assert pace.asked == 1  # after its sleep: a pause may have started meanwhile
    assert isinstance(b.send(100.102), Send)
    c = submit_flow(ctx, upload, ParseOptions())
    assert next(c) == Sleep(0)
    assert c.send(100.0) == Sleep(0)  # C's slot is 100.204, its booking answered past it
    assert c.send(100.3) == Sleep(0)  # no sleep: it goes at once
    assert isinstance(c.send(100.3), Send)


def test_a_submit_sent_late_spaces_the_slots_booked_after_it_from_when_it_went() -> None:
    """Eleven submits of a 10-a-second pace, the first one late (its worker woke late on
    a loaded machine): spaced from their slots, the eleventh would reach the service's
    one-second window with the ten before it (1101). Measured from when the first went,
    it does not."""
    pace = RateLimiter(per_second=10)  # slots 0.102 s apart
    slots = [100.0 + pace.reserve(100.0) for _ in range(10)]  # 100.0 ... 100.918
    pace.sent(slots[0], 100.05)  # 50 ms late
    for slot in slots[1:]:
        pace.sent(slot, slot)  # on time
    assert 100.0 + pace.reserve(100.0) == pytest.approx(100.05 + 1.02)  # not 101.02
    assert pace.reserve(100.0) == pytest.approx(1.07 + 0.102)  # the pace goes on from it
    late = RateLimiter(per_second=10)
    assert late.reserve(200.0) == 0
    late.sent(200.0, 200.3)  # a slot free at once, sent 0.3 s after its booking
    assert late.reserve(200.0) == pytest.approx(0.402)  # one interval after it went
    late.sent(123.0, 124.0)  # a slot it never booked (or forgot): nothing changes
    assert late.reserve(200.0) == pytest.approx(0.504)


def test_a_submit_past_its_slot_and_not_said_sent_goes_now_at_the_earliest() -> None:
    """Its worker is late, or its word on the way (to the account's actor, which knows
    the time): the next slot counts it as going now."""
    from somark_loaders.service._retry import SendLog

    log = SendLog()
    log.book(300.0, 0.102)
    assert log.earliest(0.102) == pytest.approx(300.102)  # the time unknown
    assert log.earliest(0.102, now=300.5) == pytest.approx(300.602)  # 300.0's goes at 300.5
    log.sent(300.0, float("-inf"), 0.102)  # given up (a pause, a load stopped): never sent
    assert log.earliest(0.102, now=300.5) == pytest.approx(300.102)
    log.book(301.0, 0.102)
    log.sent(301.0, 301.0, 0.102)  # on time
    assert log.earliest(0.102, now=305.0) == pytest.approx(301.102)


def test_an_endless_pace_books_nothing_and_a_fast_one_keeps_a_short_log() -> None:
    """``requests_per_second=inf`` (an interval of 0) paces nothing: it raised
    ZeroDivisionError once the log of sends sized itself by the interval. A very fast
    pace keeps at most SEND_LOG_MOST slots, which every booking walks (a log of a
    second's slots made 20,000 bookings at 100,000 a second take 39 s)."""
    from somark_loaders.service._retry import SEND_LOG_MOST

    endless = RateLimiter(per_second=float("inf"))
    assert [endless.reserve(5.0) for _ in range(3)] == [0, 0, 0]
    fast = RateLimiter(per_second=100_000)
    for _ in range(10 * SEND_LOG_MOST):
        fast.reserve(0.0)
    assert len(fast._sends._slots) == SEND_LOG_MOST


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"retry-after": "0.5"}, 0.5),
        (
            {
                "Retry-After": "Sun, 29 Nov 2026 10:00:30 GMT",
                "Date": "Sun, 29 Nov 2026 10:00:00 GMT",
            },
            30.0,
        ),
        ({"Retry-After": "Sun, 29 Nov 2026 10:00:30 GMT"}, None),  # no Date to measure against
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(headers) == seconds


def test_poll_policy_cuts_the_last_sleep_to_the_deadline() -> None:
    policy = PollPolicy(interval=3, max_wait=10)
    assert policy.next_check(due=0, now=0, deadline=10) == 3
    assert policy.next_check(due=9, now=9, deadline=10) == 10  # 1 s, not 3
    assert policy.next_check(due=10, now=10, deadline=10) is None


# --- envelopes ------------------------------------------------------------------------


def test_envelope_business_error_maps_to_class_and_redacts() -> None:
    with pytest.raises(AuthenticationError) as caught:
        read_envelope(
            _reply({"code": 1107, "message": "Invalid API Key sk-abcdef123", "data": None})
        )
    assert caught.value.code == 1107
    assert "sk-abcdef123" not in str(caught.value)


def test_envelope_not_json_or_not_object() -> None:
    with pytest.raises(ResponseValidationError, match="not JSON"):
        read_envelope(_reply(b"<html>bad gateway</html>"))
    with pytest.raises(ResponseValidationError):
        read_envelope(_reply([1, 2]))
    with pytest.raises(APIStatusError) as caught:
        read_envelope(_reply(b"oops", status=503, headers={"Retry-After": "2"}))
    assert caught.value.retry_after == 2 and caught.value.status_code == 503


def test_envelope_accepts_msg_and_string_zero() -> None:
    data, message = read_envelope(_reply({"code": "0", "msg": "ok", "data": {"a": 1}}))
    assert data == {"a": 1} and message == "ok"


def test_failed_status_variants() -> None:
    for raw in ("FAILED", "failed", "Failure", "ERROR"):
        assert TaskStatus.parse(raw) is TaskStatus.FAILED
    assert TaskStatus.parse("weird") is None
    info = read_check({"task_id": "t", "status": "mystery"}, "t")
    assert info.status is None and not info.is_final


def test_success_without_result_is_a_validation_error() -> None:
    with pytest.raises(ResponseValidationError, match=r"data\.result"):
        read_check({"task_id": "t", "status": "SUCCESS", "result": None}, "t")


def test_malformed_result_names_the_task_and_the_field() -> None:
    data = {
        "task_id": "abc",
        "status": "SUCCESS",
        "result": {"outputs": {"json": {"pages": [{"page_num": 0, "blocks": [{"idx": "first"}]}]}}},
    }
    with pytest.raises(ResponseValidationError) as caught:
        read_check(data, "abc")
    assert caught.value.task_id == "abc"
    assert "pages[0].blocks.0.idx" in str(caught.value)


@pytest.mark.parametrize(
    "sample",
    [
        "docs-async-check-success.json",
        "docs-sync-success.json",
        "real-dmxapi-proxied-sync-response.json",
    ],
)
def test_official_and_real_samples_are_read(sample: str) -> None:
    body = json.loads((SAMPLES / sample).read_text(encoding="utf-8"))
    data, _message = read_envelope(_reply(body))
    result = ParseResult.from_data(data)
    assert result.task_id == body["data"]["task_id"]
    assert result.pages[0].page_num == 0
    assert result.pages[0].blocks[0].bbox is not None
    assert result.file_type == ".pdf"


# --- transport errors -------------------------------------------------------------------

TRANSPORT_ERRORS = [
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.RemoteProtocolError,
    httpx.LocalProtocolError,
    httpx.CloseError,
    httpx.UnsupportedProtocol,
]


def test_every_transport_error_is_mapped() -> None:
    def leaves(cls: type) -> set[type]:
        subs = set(cls.__subclasses__())
        return {cls} if not subs else set().union(*(leaves(s) for s in subs))

    assert leaves(httpx.TransportError) <= set(TRANSPORT_ERRORS)


@pytest.mark.parametrize("exc", TRANSPORT_ERRORS)
def test_transport_errors_in_a_submit(exc: type[httpx.TransportError]) -> None:
    mapped = map_transport_error(exc("boom"), submitting=True, file_name="a.pdf")
    not_sent = exc in {
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
    }
    body_cut = exc in {httpx.WriteError, httpx.WriteTimeout}
    assert isinstance(mapped, AmbiguousSubmitError) is not (not_sent or body_cut)
    checking = map_transport_error(exc("boom"), submitting=False)
    assert isinstance(checking, APIConnectionError) and not isinstance(
        checking, AmbiguousSubmitError
    )
    assert isinstance(checking, APITimeoutError) is issubclass(exc, httpx.TimeoutException)


def test_read_error_on_submit_through_a_mock_transport_is_not_resent() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("connection reset", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = SoMarkClient(
        base_url="http://127.0.0.1:9/api/v1", http_client=http, sleep=lambda s: None
    )
    with pytest.raises(AmbiguousSubmitError) as caught:
        client.submit(b"%PDF-1.4 tiny", file_name="a.pdf")
    assert len(calls) == 1
    assert isinstance(caught.value.__cause__, httpx.ReadError)


# --- error tree -------------------------------------------------------------------------


def test_error_tree_and_pickling() -> None:
    assert issubclass(TaskTimeoutError, TaskFailedError)
    assert issubclass(AmbiguousSubmitError, APIConnectionError)
    err = error_for_code(1124, "QPS limit exceeded", task_id="t1")
    assert isinstance(err, RateLimitError) and err.code == 1124
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is RateLimitError
    assert (clone.code, clone.task_id, clone.status_code, str(clone)) == (1124, "t1", 200, str(err))
    timeout = pickle.loads(pickle.dumps(TaskTimeoutError("late", task_id="t2")))
    assert timeout.task_id == "t2"
    assert "client.wait(task_id)" in str(timeout)


def test_unknown_task_on_check_is_task_not_found_but_other_1133_is_not() -> None:
    from somark_loaders import InvalidParameterError, TaskNotFoundError

    assert isinstance(
        error_for_code(1133, "Task not found: x", checking_task=True), TaskNotFoundError
    )
    assert type(error_for_code(1133, "参数错误: bad", checking_task=True)) is InvalidParameterError
    assert isinstance(error_for_code(1111, "File not found"), TaskNotFoundError)
    assert type(error_for_code(9999, "new")) is somark_loaders.APIError


def test_redact() -> None:
    assert redact("key sk-AbC_12-xyz leaked", None) == "key sk-*** leaked"
    assert redact("custom secret", "secret") == "custom ***"


def test_public_surface_imports_no_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, somark_loaders; "
        "mods = ('langchain_core', 'llama_index', 'tiktoken', 'pdfplumber'); "
        "bad = [m for m in mods if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    names = somark_loaders.__all__  # its order is ruff's (RUF022: constants first)
    assert len(set(names)) == len(names)
    assert all(hasattr(somark_loaders, name) for name in names)


def test_the_ray_module_without_ray_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    monkeypatch.delitem(sys.modules, "somark_loaders.ray", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'somark-loaders\[ray\]'"):
        importlib.import_module("somark_loaders.ray")
