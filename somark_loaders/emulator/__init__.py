"""A local SoMark-compatible HTTP server for tests, notebooks and offline development.

Needs the ``emulator`` extra: ``pip install "somark-loaders[emulator]"``.
"""

from __future__ import annotations

from ._options import EmulatorConfig
from .scripting import (
    BusinessError,
    Delay,
    Drop,
    FailTask,
    HTTPError,
    RecordedFile,
    RecordedRequest,
    Reply,
    Status,
)
from .server import Emulator

__all__ = [
    "BusinessError",
    "Delay",
    "Drop",
    "Emulator",
    "EmulatorConfig",
    "FailTask",
    "HTTPError",
    "RecordedFile",
    "RecordedRequest",
    "Reply",
    "Status",
]
