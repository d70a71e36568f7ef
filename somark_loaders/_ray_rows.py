"""The rows of the Ray datasets (:mod:`somark_loaders.ray`): their schemas, a chunk as a
row and back, and a batch of rows as LangChain or LlamaIndex documents.

Needs the ``ray`` extra (pyarrow): imported only by :mod:`somark_loaders.ray`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .convert import Chunk

__all__ = [
    "CHUNK_SCHEMA",
    "FILE_SCHEMA",
    "METADATA_KEYS",
    "to_documents",
    "to_llama_documents",
]

_LINKS = [("id", pa.string()), ("text", pa.string())] + [
    (name, pa.string()) for name in ("prev_id", "next_id", "parent_id")
]
_METADATA = [
    ("source", pa.string()),
    ("file_name", pa.string()),
    ("task_id", pa.string()),
    ("doc_id", pa.string()),
    ("mode", pa.string()),
    ("chunk_index", pa.int64()),
    ("page_number", pa.int64()),
    ("page_end", pa.int64()),
    ("heading_path", pa.string()),
    ("element_types", pa.string()),
    ("token_count", pa.int64()),
    ("element_type", pa.string()),
    ("title_level", pa.int64()),
    ("table_html", pa.string()),
    ("table_caption", pa.string()),
    ("oversized", pa.bool_()),
    ("boxes", pa.string()),
    # image documents (include_images, issue 23); null on text rows
    ("image_path", pa.string()),
    ("image_mime_type", pa.string()),
    ("image_width", pa.int64()),
    ("image_height", pa.int64()),
    ("chunk_id", pa.string()),
]
METADATA_KEYS = [name for name, _ in _METADATA]
CHUNK_SCHEMA = pa.schema(_LINKS + _METADATA)
FILE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("status", pa.string()),
        ("task_id", pa.string()),
        ("pages", pa.int64()),
        ("documents", pa.int64()),
        ("seconds", pa.float64()),
        ("error", pa.string()),
        ("error_type", pa.string()),
        ("code", pa.int64()),
        ("cached", pa.bool_()),
        ("images_not_kept", pa.list_(pa.string())),  # include_images: pictures missing
        ("chunks", pa.string()),  # the file's chunk rows, as JSON
    ]
)
_OUTCOME_FIELDS = [name for name in FILE_SCHEMA.names if name != "chunks"]


def _chunk_row(chunk: Chunk) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": chunk.id,
        "text": chunk.text,
        "prev_id": chunk.prev_id,
        "next_id": chunk.next_id,
        "parent_id": chunk.parent_id,
    }
    for key in METADATA_KEYS:
        row[key] = chunk.metadata.get(key)
    return row


def _chunk_of(row: Mapping[str, Any]) -> Chunk:
    metadata = {k: row[k] for k in METADATA_KEYS if row.get(k) is not None}
    return Chunk(
        text=row["text"],
        metadata=metadata,
        id=row["id"],
        prev_id=row.get("prev_id"),
        next_id=row.get("next_id"),
        parent_id=row.get("parent_id"),
    )


def to_documents(batch: Mapping[str, Any]) -> list[Any]:
    """LangChain ``Document``s from a batch of chunk rows (``dict`` of columns, or a
    ``pyarrow.Table``), with the ids and metadata the loader gives."""
    from .langchain import to_document

    return [to_document(_chunk_of(row)) for row in _rows(batch)]


def to_llama_documents(batch: Mapping[str, Any]) -> list[Any]:
    """LlamaIndex ``Document``s (text nodes with ``page_label`` and prev/next/parent
    relationships; ``ImageDocument`` for image rows) from a batch of chunk rows, as
    :class:`SoMarkReader` gives them."""
    from .llama_index import to_llama_document

    return [to_llama_document(_chunk_of(row)) for row in _rows(batch)]


def _rows(batch: Any) -> list[dict[str, Any]]:
    if isinstance(batch, pa.Table):
        return list(batch.to_pylist())
    columns = {k: list(v) for k, v in dict(batch).items()}
    count = len(next(iter(columns.values()), []))
    return [{k: _plain(v[i]) for k, v in columns.items()} for i in range(count)]


def _plain(value: Any) -> Any:
    """A numpy scalar (``map_batches`` with numpy batches) as the Python value; a null
    of an integer column (NaN once it is numpy) as ``None``."""
    item = getattr(value, "item", None)
    plain = item() if callable(item) else value
    return None if isinstance(plain, float) and math.isnan(plain) else plain
