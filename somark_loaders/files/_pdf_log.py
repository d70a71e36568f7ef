"""pypdf's messages about a damaged PDF, named after the file and kept quiet.

pypdf logs what it repairs while reading (``Object 172 0 not defined``, ``Data-loss while
decompressing corrupted data``) on the ``pypdf`` logger. With logging unconfigured,
Python printed those lines on stderr, above the progress bar, without saying which file
they were about. While :func:`reading` a file, they are logged again on the
``somark_loaders`` logger at INFO, with the file's name: pypdf read the file anyway, it
only counts pages and cuts parts here, and SoMark parses the file itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["reading"]

logger = logging.getLogger("somark_loaders")
_FILE: ContextVar[str | None] = ContextVar("somark_loaders_pdf", default=None)
_INSTALL = threading.Lock()


class _NameTheFile(logging.Handler):
    """On the ``pypdf`` logger: a message about the file being read, with its name.

    Being a handler there also keeps Python's last-resort printer from writing pypdf's
    bare lines to stderr; a handler the application configured still gets them."""

    def __repr__(self) -> str:  # logging.Handler's reads ``level``, unset until __init__
        return f"<{type(self).__name__} on pypdf>"

    def emit(self, record: logging.LogRecord) -> None:
        name = _FILE.get()
        if name is not None:
            logger.info("%s: pypdf: %s", name, record.getMessage())


def _install() -> None:
    pypdf_logger = logging.getLogger("pypdf")
    with _INSTALL:
        if not any(isinstance(h, _NameTheFile) for h in pypdf_logger.handlers):
            pypdf_logger.addHandler(_NameTheFile())


@contextmanager
def reading(name: str) -> Iterator[None]:
    """pypdf's messages while this block reads ``name`` carry its name (thread-safe)."""
    _install()
    token = _FILE.set(name)
    try:
        yield
    finally:
        _FILE.reset(token)
