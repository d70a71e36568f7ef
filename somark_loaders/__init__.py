"""somark_loaders: LangChain and LlamaIndex document loaders for the SoMark parsing service.

The package imports no framework: ``somark_loaders.langchain`` and
``somark_loaders.llama_index`` load theirs when imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    AmbiguousSubmitError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    FileTooLargeError,
    InvalidFileError,
    InvalidParameterError,
    PageBudgetError,
    QuotaExceededError,
    RateLimitError,
    ResponseValidationError,
    SoMarkError,
    TaskFailedError,
    TaskNotFoundError,
    TaskTimeoutError,
    UnsupportedFileError,
)
from ._version import __version__

if TYPE_CHECKING:
    from .convert import Chunk, ConvertOptions, file_sha256, to_chunks
    from .files._files import SUPPORTED_EXTENSIONS
    from .models import Block, ElementType, Page, ParseResult, TaskInfo, TaskStatus, Usage
    from .options import ElementFormats, FeatureConfig, ParseOptions
    from .service.client import AsyncSoMarkClient, SoMarkClient
    from .store.cache import ResultCache

# The public names a load does not need yet, imported on first use (PEP 562): importing
# the package (or an adapter, which imports it first) loads no client, HTTP library,
# conversion or result model until something asks for them.
_LAZY = {
    "Chunk": "convert",
    "ConvertOptions": "convert",
    "file_sha256": "convert",
    "to_chunks": "convert",
    "SUPPORTED_EXTENSIONS": "files._files",
    "Block": "models",
    "ElementType": "models",
    "Page": "models",
    "ParseResult": "models",
    "TaskInfo": "models",
    "TaskStatus": "models",
    "Usage": "models",
    "ElementFormats": "options",
    "FeatureConfig": "options",
    "ParseOptions": "options",
    "AsyncSoMarkClient": "service.client",
    "SoMarkClient": "service.client",
    "ResultCache": "store.cache",
}


def __getattr__(name: str) -> Any:
    """A lazily imported public name (see ``_LAZY``), kept in the module once imported."""
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "SUPPORTED_EXTENSIONS",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousSubmitError",
    "AsyncSoMarkClient",
    "AuthenticationError",
    "Block",
    "Chunk",
    "ConfigurationError",
    "ConvertOptions",
    "ElementFormats",
    "ElementType",
    "FeatureConfig",
    "FileTooLargeError",
    "InvalidFileError",
    "InvalidParameterError",
    "Page",
    "PageBudgetError",
    "ParseOptions",
    "ParseResult",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseValidationError",
    "ResultCache",
    "SoMarkClient",
    "SoMarkError",
    "TaskFailedError",
    "TaskInfo",
    "TaskNotFoundError",
    "TaskStatus",
    "TaskTimeoutError",
    "UnsupportedFileError",
    "Usage",
    "__version__",
    "file_sha256",
    "to_chunks",
]
