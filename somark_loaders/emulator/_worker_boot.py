"""Parse workers never run the user's script again.

A worker process made with ``forkserver`` or ``spawn`` first imports the parent's
``__main__`` (multiprocessing's "safe importing of the main module"). A user's script
that starts an :class:`~somark_loaders.emulator.Emulator` at its top level, as the
README's examples do, would then run again inside every parse worker: a second emulator,
a second load, and a batch that hangs. The workers need nothing from ``__main__``: a job
is :func:`~somark_loaders.emulator._parse_job.run` and its picklable arguments.

The fork server imports this module before it forks any worker (it is one of the fork
server's preloads, never imported by the server's own process). It wraps
``multiprocessing.spawn.prepare`` so that a process named as a parse worker
(:data:`WORKER_PREFIX`, the name of the pool's process class) keeps the parent's
``sys.path``, working directory and authentication key but does not import
``__main__``. Every other process the fork server starts (the user's own pools) is
prepared as before.
"""

from __future__ import annotations

import multiprocessing.spawn
from collections.abc import Mapping
from typing import Any

WORKER_PREFIX = "SoMarkParseWorker-"
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_original = multiprocessing.spawn.prepare


def prepare(data: Mapping[str, Any]) -> None:
    """``multiprocessing.spawn.prepare``, without the main module for parse workers."""
    if str(data.get("name", "")).startswith(WORKER_PREFIX):
        data = {key: value for key, value in data.items() if key not in _MAIN_KEYS}
    _original(data)


if multiprocessing.spawn.prepare is not prepare:  # importing twice wraps once
    multiprocessing.spawn.prepare = prepare
