"""Per-route scripts for the emulator: what the next requests to a route get.

Each action applies to one request, in order; when a route's queue is empty the emulator
behaves normally. Tests read back what the emulator received from ``Emulator.requests``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Action",
    "BusinessError",
    "Delay",
    "Drop",
    "FailTask",
    "HTTPError",
    "RecordedFile",
    "RecordedRequest",
    "Reply",
    "Status",
]


@dataclass(frozen=True)
class Reply:
    """Answer with this body (a dict is sent as JSON) and status, without processing."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HTTPError:
    """Answer with an HTTP error status (and an optional ``Retry-After``).

    With ``process=True`` the request is handled first (a submit creates its task), as a
    service that fails after accepting an upload would.
    """

    status: int = 503
    retry_after: float | None = None
    body: str = ""
    process: bool = False


@dataclass(frozen=True)
class BusinessError:
    """Answer HTTP 200 with a non-zero SoMark code."""

    code: int
    message: str = ""


@dataclass(frozen=True)
class Drop:
    """Close the connection without an answer.

    With ``process=True`` the request is handled first (a submit creates its task), so
    the client cannot know whether it was accepted.
    """

    process: bool = False


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` and then handle the request normally."""

    seconds: float


@dataclass(frozen=True)
class FailTask:
    """On a submit route: accept the task, which will then end FAILED with ``message``."""

    message: str = "Document parsing failed."


@dataclass(frozen=True)
class Status:
    """On a check route: answer this raw status string for the task (result null)."""

    status: str


Action = Reply | HTTPError | BusinessError | Drop | Delay | FailTask | Status


@dataclass(frozen=True)
class RecordedFile:
    field_name: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received (bodies are summarised, never kept whole)."""

    method: str
    path: str
    route: str
    headers: dict[str, str]
    content_type: str
    fields: dict[str, list[str]]
    files: list[RecordedFile]
    chunked: bool = False
    received: float = 0.0  # time.monotonic() when the whole request had arrived
    # what it was answered: the JSON envelope's ``code`` (0: done, e.g. a task accepted),
    # else the HTTP status; ``None`` while unanswered, or when the connection was dropped
    answered: int | None = None

    def field(self, name: str) -> str | None:
        """The first value of a form field, or ``None``."""
        values = self.fields.get(name)
        return values[0] if values else None
