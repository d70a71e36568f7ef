"""The transport seam: the sync client's own transport bounds every request through public
httpx/httpcore API (proxies from the environment included), a user's own httpx client is
bounded as far as public API allows and never altered, and no module of the package writes
a private attribute of another object."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from somark_loaders import APITimeoutError, AsyncSoMarkClient, SoMarkClient
from somark_loaders.emulator import Emulator
from somark_loaders.service._client_base import _default_ssl_context
from somark_loaders.service._proxies import environment_proxies
from somark_loaders.service._scope import request_scope
from somark_loaders.service._transport import BoundedTransport, bounded_client

from .conftest import KEY
from .faults.hostile import hang, hostile_server, trickle

PACKAGE = Path(__file__).resolve().parents[1] / "somark_loaders"
STATUS = b'{"code": 0, "message": "ok", "data": {"task_id": "t1", "status": "PROCESSING"}}'
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests set the proxy variables they need, and only those."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# --- no private attribute of another object is written ----------------------------------


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _names_setattr(func: ast.expr) -> bool:
    """``setattr``, ``delattr`` or ``X.__setattr__``/``X.__delattr__``."""
    if isinstance(func, ast.Name):
        return func.id in {"setattr", "delattr"}
    return isinstance(func, ast.Attribute) and func.attr in {"__setattr__", "__delattr__"}


def _private_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, code)`` of each write of ``obj._name`` where ``obj`` is not ``self``/``cls``:
    assignments, augmented and annotated ones, ``del``, and ``setattr``/``delattr``."""
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if (
                    isinstance(part, ast.Attribute)
                    and _private(part.attr)
                    and ast.unparse(part.value) not in {"self", "cls"}
                ):
                    yield part.lineno, ast.unparse(part)
        if (
            isinstance(node, ast.Call)
            and _names_setattr(node.func)
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and ast.unparse(node.args[0]) not in {"self", "cls"}
        ):
            yield node.lineno, ast.unparse(node)


def test_no_module_writes_a_private_attribute_of_another_object() -> None:
    """httpx's and httpcore's internals (``_transport``, ``_pool._network_backend``...) are
    theirs to move: the package works through their public API, its own objects through
    their methods."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {code}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, code in _private_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, "\n".join(found)


def test_the_scan_sees_each_form_of_private_write() -> None:
    code = (
        "pool._network_backend = b\nclient._mounts['x'] = t\nsetattr(c, '_transport', t)\n"
        "a.b._c += 1\nself._ok = 1\ncls._ok = 2\nexc.__cause__ = None\nsetattr(c, 'public', 1)"
    )
    assert sorted(line for line, _code in _private_writes(ast.parse(code))) == [1, 2, 3, 4]


# --- the sync client's own transport -------------------------------------------------------


def _bounded_get(url: str, seconds: float, cancel: threading.Event | None = None) -> None:
    transport = BoundedTransport(verify=_default_ssl_context())
    with httpx.Client(transport=transport, timeout=30) as client, request_scope(seconds, cancel):
        client.get(url)


def test_the_transport_cuts_an_answer_trickled_from_its_first_byte_at_the_deadline() -> None:
    """Headers included: a byte every 0.05 s never trips httpx's 30 s read timeout, and
    the whole answer would take about 8 s."""
    with (
        hostile_server(trickle(STATUS, every=0.05)) as (url, arrivals),
        pytest.raises(httpx.ReadTimeout),
    ):
        _bounded_get(url, seconds=0.5)
    assert arrivals


def test_a_cancelled_request_stops_waiting_and_a_billable_one_waits_for_its_deadline() -> None:
    cancel = threading.Event()
    cancel.set()
    with hostile_server(hang) as (url, _arrivals):
        with pytest.raises(httpx.ReadError) as caught:
            _bounded_get(url, seconds=30, cancel=cancel)
        assert "cancelled" in str(caught.value)
        transport = BoundedTransport(verify=_default_ssl_context())
        with (
            httpx.Client(transport=transport, timeout=30) as client,
            request_scope(0.5, cancel, billable=True),
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get(url)


def test_the_transport_carries_a_whole_exchange_with_the_emulator(emulator: Emulator) -> None:
    with SoMarkClient(api_key=KEY, base_url=emulator.base_url, cache=False) as client:
        assert client.usage() is not None
    assert emulator.requests_to("/usage")


def test_a_proxy_named_by_the_environment_is_used_and_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The trickling server is the proxy: the request reaches it although the base URL
    names another port, and its answer is cut by the deadline."""
    with hostile_server(trickle(STATUS, every=0.05)) as (proxy, arrivals):
        monkeypatch.setenv("HTTP_PROXY", proxy.removesuffix("/api/v1"))
        client = SoMarkClient(
            api_key=KEY, base_url="http://127.0.0.1:9/api/v1", cache=False, timeout=1, max_retries=0
        )
        with client, pytest.raises(APITimeoutError):
            client.check("t1")
    assert arrivals


def test_a_host_that_no_proxy_exempts_goes_direct(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "localhost, 127.0.0.1")
    with SoMarkClient(api_key=KEY, base_url=emulator.base_url, cache=False) as client:
        assert client.usage() is not None


def test_the_environment_proxies_as_mount_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("NO_PROXY", "localhost,10.0.0.1,::1,example.com,http://intra.net")
    assert environment_proxies() == {
        "https://": "http://proxy.example:3128",
        "all://": "socks5://127.0.0.1:1080",
        "all://localhost": None,
        "all://10.0.0.1": None,
        "all://[::1]": None,
        "all://*example.com": None,
        "http://intra.net": None,
    }
    monkeypatch.setenv("NO_PROXY", "example.com, *")
    assert environment_proxies() == {}
    bounded_client(timeout=httpx.Timeout(1), headers={}, verify=_default_ssl_context()).close()


def test_a_socks_proxy_without_socksio_is_refused_when_the_client_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As httpx does, not at the first request."""
    if importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed here")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ImportError, match="socksio"):
        SoMarkClient(api_key=KEY, base_url="http://127.0.0.1:9/api/v1", cache=False)


# --- a user's own httpx client -------------------------------------------------------------


def test_a_users_client_gets_each_operation_cut_to_the_request_deadline() -> None:
    """Its transport is left alone; the request carries httpx's public ``timeout``
    extension: the client's own timeouts, none longer than what the request has left."""
    seen: list[dict[str, float | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        body = b'{"code": 0, "message": "ok", "data": {"remaining_paid_pages": 5}}'
        return httpx.Response(200, stream=httpx.ByteStream(body))

    user = httpx.Client(transport=httpx.MockTransport(answer), timeout=httpx.Timeout(60, read=0.5))
    with user:
        with SoMarkClient(
            api_key=KEY,
            base_url="http://127.0.0.1:9/api/v1",
            http_client=user,
            cache=False,
            timeout=2,
        ) as client:
            client.usage()
        assert not user.is_closed  # not ours to close
    (timeouts,) = seen
    assert timeouts["read"] == 0.5  # the user's own, shorter than the deadline
    for name in ("connect", "write", "pool"):
        value = timeouts[name]
        assert value is not None and 0 < value <= 2


def test_a_users_client_does_not_wait_past_the_deadline_for_a_server_that_never_answers() -> None:
    """Its own read timeout is 60 s; the request's deadline (1 s) ends the wait."""
    with hostile_server(hang) as (url, _arrivals), httpx.Client(timeout=60) as user:
        client = SoMarkClient(
            api_key=KEY, base_url=url, http_client=user, cache=False, timeout=1, max_retries=0
        )
        with pytest.raises(APITimeoutError):
            client.check("t1")


def test_a_users_client_stops_reading_a_trickled_body_at_the_deadline() -> None:
    """The body would take about 4 s; it is cut between chunks once the 1 s have passed."""
    with (
        hostile_server(trickle(STATUS, every=0.05, head_at_once=True)) as (url, _arrivals),
        httpx.Client() as user,
    ):
        client = SoMarkClient(
            api_key=KEY, base_url=url, http_client=user, cache=False, timeout=1, max_retries=0
        )
        with pytest.raises(APITimeoutError):
            client.check("t1")


def test_a_users_async_client_is_bounded_as_a_whole() -> None:
    """``asyncio.wait_for`` ends the request on any transport, the user's included."""

    async def go(url: str) -> None:
        async with httpx.AsyncClient(timeout=60) as user:
            client = AsyncSoMarkClient(
                api_key=KEY, base_url=url, http_client=user, cache=False, timeout=1, max_retries=0
            )
            await client.check("t1")

    for behaviour in (hang, trickle(STATUS, every=0.05)):
        with hostile_server(behaviour) as (url, _arrivals), pytest.raises(APITimeoutError):
            asyncio.run(go(url))
