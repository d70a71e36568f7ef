"""Client settings: explicit argument > environment variable > default.

Environment variables (all optional):

=============================  ==========================================================
``SOMARK_API_KEY``             API key (``sk-...``), sent only as the ``api_key`` form field
``SOMARK_BASE_URL``            base URL, e.g. ``https://somark.cn/api/v1`` or a self-hosted one
``SOMARK_REGION``              ``cn`` (default, somark.cn) or ``global`` (somark.ai)
``SOMARK_TIMEOUT``             seconds per HTTP request (default 120)
``SOMARK_MAX_RETRIES``         retries of a failed request (default 5)
``SOMARK_RETRY_MAX_TIME``      seconds that retries of one request may take (default 600)
``SOMARK_POLL_INTERVAL``       seconds between status checks (default 3)
``SOMARK_MAX_WAIT``            seconds ``wait()`` waits for a task (default 1800)
``SOMARK_ALLOW_INSECURE_HTTP`` ``1`` to allow sending the key over plain HTTP to a remote host
``SOMARK_MAX_RESPONSE_BYTES``  largest answer read, once decompressed (default 512 MiB)
=============================  ==========================================================
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .._checks import as_secret, build, check_fields
from .._errors import ConfigurationError
from .._redact import Secret
from ..store.cache import CacheSetting

__all__ = ["REGIONS", "ClientConfig", "ClientSettings", "Secret", "as_secret"]

REGIONS: dict[str, str] = {
    "cn": "https://somark.cn/api/v1",
    "global": "https://somark.ai/api/v1",
}
DEFAULT_REGION = "cn"
# Hosts of the public (billed) service: a key is required there.
PUBLIC_HOSTS = frozenset({"somark.cn", "somark.ai", "somark.tech"})

DEFAULT_TIMEOUT = 120.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_MAX_TIME = 600.0
DEFAULT_POLL_INTERVAL = 3.0
DEFAULT_MAX_WAIT = 1800.0
DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # decoded; a 300-page result is far smaller
# the largest picture kept (here, not in _images: the loaders' settings name it at import)
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024


def _is_public_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in PUBLIC_HOSTS)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env_float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds.") from None


def _env_bool(env: Mapping[str, str], name: str) -> bool | None:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean; use 1 or 0.")


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if not ok or math.isnan(value) or math.isinf(value):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigurationError(f"{name} must be a finite number {bound}, got {value!r}.")
    return value


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """The settings of a client, as given: the one declaration both clients take their
    arguments from (see :class:`somark_loaders.SoMarkClient` for what each does). A
    setting left ``None`` falls back to its environment variable, then to its default
    (:class:`ClientConfig` holds the resolved values). Types are checked when built.
    """

    api_key: str | Secret | None = field(default=None, repr=False)  # a Secret once built
    base_url: str | None = None
    region: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    retry_max_time: float | None = None
    poll_interval: float | None = None
    max_wait: float | None = None
    allow_insecure_http: bool | None = None
    max_response_bytes: int | None = None
    seed: int | None = None  # of the retry jitter (tests)
    cache: CacheSetting = True  # where parse() caches results and records its tasks
    resubmit_ambiguous: bool = False  # upload again a file whose upload may be billed

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_key", as_secret(self.api_key))
        check_fields(self, skip={"api_key"})


@dataclass(frozen=True)
class ClientConfig:
    """Resolved settings of a client. The key is kept out of ``repr``."""

    base_url: str
    api_key: Secret | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_max_time: float = DEFAULT_RETRY_MAX_TIME
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_wait: float = DEFAULT_MAX_WAIT
    allow_insecure_http: bool = False
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    poll_chosen: bool = False  # poll_interval came from the user, not the default

    @property
    def service_id(self) -> str:
        """The service identity in cache keys: the base URL, port included. Two local
        servers on two ports (a scripted emulator, a test double, a proxy to the real
        service) are two services: one's results are never served for the other's.
        The command-line emulator listens on a stable port (8765) for that reason."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}".rstrip("/")

    @property
    def is_public_service(self) -> bool:
        """True when the base URL is SoMark's hosted (billed) service."""
        return _is_public_host(urlsplit(self.base_url).hostname or "")

    @classmethod
    def resolve(
        cls,
        settings: ClientSettings | None = None,
        /,
        *,
        env: Mapping[str, str] | None = None,
        **options: Any,
    ) -> ClientConfig:
        """Merge the settings (or ``options``, the fields of :class:`ClientSettings`),
        the environment and the defaults, and validate the result.

        Raises:
            ConfigurationError: on an unknown setting (with the closest known one), a
                missing key for the public service, a malformed URL, an unknown region, a
                non-positive number, or a key that would travel over plain HTTP to a
                remote host.
        """
        given = settings or build(ClientSettings, "ClientConfig.resolve", options)
        del settings, options
        source = os.environ if env is None else env
        key = as_secret(
            given.api_key if given.api_key is not None else source.get("SOMARK_API_KEY")
        )
        # the settings without the key: this frame's locals show in some tracebacks
        env = {k: v for k, v in source.items() if k.startswith("SOMARK_") and "KEY" not in k}
        del source

        url = given.base_url or env.get("SOMARK_BASE_URL", "").strip() or None
        if url is None:
            reg = (given.region or env.get("SOMARK_REGION", "").strip() or DEFAULT_REGION).lower()
            if reg not in REGIONS:
                raise ConfigurationError(
                    f"Unknown region {reg!r}; use one of {sorted(REGIONS)} "
                    "(argument `region` or SOMARK_REGION), or set base_url."
                )
            url = REGIONS[reg]
        url = url.rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError(
                f"base_url {url!r} is not an http(s) URL; use e.g. https://somark.cn/api/v1."
            )
        if parts.path.rstrip("/").endswith(("/parse/async", "/parse/sync", "/extract")):
            raise ConfigurationError(
                f"base_url {url!r} should stop at the API root (e.g. .../api/v1), "
                "not name an endpoint."
            )

        insecure = given.allow_insecure_http
        if insecure is None:
            insecure = _env_bool(env, "SOMARK_ALLOW_INSECURE_HTTP") or False

        def pick(name: str, arg: float | None, var: str, default: float) -> float:
            value = arg if arg is not None else _env_float(env, var)
            return _positive(name, float(default if value is None else value))

        retries_raw = (
            given.max_retries
            if given.max_retries is not None
            else _env_float(env, "SOMARK_MAX_RETRIES")
        )
        retries = DEFAULT_MAX_RETRIES if retries_raw is None else retries_raw
        if retries < 0 or int(retries) != retries:
            raise ConfigurationError(f"max_retries must be a whole number >= 0, got {retries!r}.")

        config = cls(
            base_url=url,
            api_key=key,
            timeout=pick("timeout", given.timeout, "SOMARK_TIMEOUT", DEFAULT_TIMEOUT),
            max_retries=int(retries),
            retry_max_time=pick(
                "retry_max_time",
                given.retry_max_time,
                "SOMARK_RETRY_MAX_TIME",
                DEFAULT_RETRY_MAX_TIME,
            ),
            poll_interval=pick(
                "poll_interval", given.poll_interval, "SOMARK_POLL_INTERVAL", DEFAULT_POLL_INTERVAL
            ),
            max_wait=pick("max_wait", given.max_wait, "SOMARK_MAX_WAIT", DEFAULT_MAX_WAIT),
            poll_chosen=given.poll_interval is not None
            or _env_float(env, "SOMARK_POLL_INTERVAL") is not None,
            allow_insecure_http=insecure,
            max_response_bytes=int(
                pick(
                    "max_response_bytes",
                    given.max_response_bytes,
                    "SOMARK_MAX_RESPONSE_BYTES",
                    DEFAULT_MAX_RESPONSE_BYTES,
                )
            ),
        )
        config._check_key_safety()
        return config

    def _check_key_safety(self) -> None:
        parts = urlsplit(self.base_url)
        if self.api_key is None:
            if self.is_public_service:
                raise ConfigurationError(
                    f"No API key for {self.base_url}. Pass api_key='sk-...' or set "
                    "SOMARK_API_KEY (get one at https://somark.cn/workbench/apikey); "
                    "self-hosted servers (SOMARK_BASE_URL) may run without one."
                )
            return
        host = parts.hostname or ""
        if parts.scheme == "http" and not _is_loopback(host) and not self.allow_insecure_http:
            raise ConfigurationError(
                f"Refusing to send the API key over plain HTTP to {host}. Use https, or pass "
                "allow_insecure_http=True (SOMARK_ALLOW_INSECURE_HTTP=1) on a trusted network."
            )
