"""The bundled emulators running in this process, known by their base URL.

An :class:`~somark_loaders.emulator.Emulator` left as it comes (no scripted answers, no
fault dice) answers the same file with the same options the same way whatever port it
listens on, and never bills anyone. It registers here while it serves, so that a client:

* keys its cached results by what determines them (the emulator's identity: its version
  and engines) instead of the random port in the base URL, and a second run of an example
  is served from the cache;
* never treats a lost answer from it as a billing question (an upload that "may have been
  accepted" by a local test server costs nothing to send again).

A scripted emulator (or one throwing fault dice) is unregistered: tests that script it
keep one service per port, and its lost answers stay ambiguous like the real service's.

The registration is also written to a small file (by the emulator's host and port, with its
process id), so that another process loading through the same emulator (a child worker, a
CLI run) keys its results the same way; a file left by a dead process is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

_LOCK = threading.Lock()
_RUNNING: dict[str, str] = {}  # service id -> identity of an unscripted emulator
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _folder() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"somark-loaders-emulators-{uid}"


def _file(service: str) -> Path:
    return _folder() / f"{hashlib.sha256(service.encode()).hexdigest()[:24]}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _published(service: str) -> str | None:
    """The identity another process published for ``service`` (loopback only)."""
    if not is_loopback(service):
        return None
    try:
        entry = json.loads(_file(service).read_text(encoding="utf-8"))
        pid, name = int(entry["pid"]), str(entry["identity"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if entry.get("service") == service and _alive(pid) else None


def service_id(base_url: str) -> str:
    """A base URL as a service identity: scheme, host (lowercase), port and path."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}".rstrip("/")


def is_loopback(base_url: str) -> bool:
    """Whether ``base_url`` names this machine (127.0.0.1, localhost, ::1)."""
    return (urlsplit(base_url).hostname or "") in _LOOPBACK


def register(base_url: str, identity: str) -> None:
    """``base_url`` is served by an unscripted emulator of this process named ``identity``."""
    service = service_id(base_url)
    with _LOCK:
        _RUNNING[service] = identity
    entry = {"service": service, "identity": identity, "pid": os.getpid()}
    with contextlib.suppress(OSError):  # other processes then key by the URL: still correct
        _folder().mkdir(mode=0o700, exist_ok=True)
        part = _file(service).with_suffix(f".{os.getpid()}.tmp")
        part.write_text(json.dumps(entry), encoding="utf-8")
        part.replace(_file(service))


def unregister(base_url: str) -> None:
    """``base_url`` is no longer served by an unscripted emulator (stopped or scripted)."""
    service = service_id(base_url)
    with _LOCK:
        known = _RUNNING.pop(service, None)
    if known is not None:
        with contextlib.suppress(OSError):
            _file(service).unlink()


def identity(base_url: str) -> str | None:
    """The identity of the unscripted emulator serving ``base_url``, or ``None``."""
    service = service_id(base_url)
    with _LOCK:
        known = _RUNNING.get(service)
    return known if known is not None else _published(service)


def results_source(base_url: str) -> str:
    """What determines the results of ``base_url`` in a cache key: the identity of an
    unscripted bundled emulator, else the service's URL (port included)."""
    return identity(base_url) or service_id(base_url)
