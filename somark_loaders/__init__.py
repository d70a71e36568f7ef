"""somark_loaders: LangChain and LlamaIndex document loaders for the SoMark parsing service.

The package imports no framework: ``somark_loaders.langchain`` and
``somark_loaders.llama_index`` load theirs when imported.
"""

from __future__ import annotations

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
from .convert import Chunk, ConvertOptions, file_sha256, to_chunks
from .files._files import SUPPORTED_EXTENSIONS
from .models import Block, ElementType, Page, ParseResult, TaskInfo, TaskStatus, Usage
from .options import ElementFormats, FeatureConfig, ParseOptions
from .service.client import AsyncSoMarkClient, SoMarkClient
from .store.cache import ResultCache

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
