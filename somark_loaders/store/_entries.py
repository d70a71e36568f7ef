"""The entries of the cache. A result file: one JSON object whose ``data`` line carries a
checksum of its exact text, so that a torn or changed entry is never returned (version 1
entries, one line with a checksum over the re-serialized data, are still read). A ledger
entry: what :meth:`TaskLedger.get` reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["ENTRY_VERSION", "LedgerEntry", "_checksum_v1", "_entry_data", "_entry_text"]

ENTRY_VERSION = 2  # of a result file; version 1 entries are still read
_DATA_LINE = '"data": '


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    state: str  # "submitting" or "submitted"
    task_id: str | None
    file_name: str
    created: float


def _checksum_v1(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _entry_text(header: dict[str, Any], data: dict[str, Any]) -> str:
    """A result file: one JSON object whose first line holds everything but ``data``.

    ``data`` comes last, on its own line, and the header's ``checksum`` is the sha256 of
    exactly its text: checking an entry hashes bytes instead of re-serializing the result.
    """
    body = json.dumps(data, ensure_ascii=False)
    head = json.dumps(
        {**header, "checksum": hashlib.sha256(body.encode()).hexdigest()}, ensure_ascii=False
    )
    return f"{head[:-1]},\n{_DATA_LINE}{body}}}\n"


def _entry_data(text: str) -> dict[str, Any] | None:
    """The ``data`` of a result file if it is whole and unchanged, else ``None``."""
    head, _, rest = text.partition("\n")
    if head.endswith(","):  # ENTRY_VERSION 2
        rest = rest.rstrip()
        if not (rest.startswith(_DATA_LINE) and rest.endswith("}")):
            return None
        body = rest[len(_DATA_LINE) : -1]
        try:
            header = json.loads(head[:-1] + "}")
            if header.get("version") != ENTRY_VERSION or header.get("checksum") != (
                hashlib.sha256(body.encode()).hexdigest()
            ):
                return None
            data = json.loads(body)
        except (json.JSONDecodeError, AttributeError, RecursionError):
            return None
    else:  # version 1: one line, the checksum over the re-serialized data
        try:
            payload = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(payload, dict) or payload.get("version") != 1:
            return None
        data = payload.get("data")
        if payload.get("checksum") != _checksum_v1(data):
            return None
    return data if isinstance(data, dict) else None
