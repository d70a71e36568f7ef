"""One exception tree for the whole package.

::

    SoMarkError
    ├── ConfigurationError          no key, bad URL, bad option (raised before any request)
    ├── InvalidFileError            the local file cannot be sent (missing, empty, no name, ...)
    ├── PageBudgetError             a load would cost more pages than its max_pages
    ├── APIError                    the service or the network said no
    │   ├── APIConnectionError      the request did not get an answer
    │   │   ├── APITimeoutError
    │   │   └── AmbiguousSubmitError  the upload may have been accepted: never retried
    │   ├── APIStatusError          HTTP status other than 2xx
    │   ├── ResponseValidationError the answer is not what the protocol says
    │   ├── AuthenticationError     1107
    │   ├── QuotaExceededError      1108, 1123
    │   ├── RateLimitError          1101, 1124
    │   ├── UnsupportedFileError    1104
    │   ├── FileTooLargeError       1118, 1132
    │   ├── InvalidParameterError   1105, 1106, 1133, 2000
    │   └── TaskNotFoundError       1111, or 1133 "task not found" on a status check
    └── TaskFailedError             the task ended FAILED (carries task_id)
        └── TaskTimeoutError        our deadline passed (carries task_id: resume with wait())

The business-code table lives here and only here (:func:`error_for_code`). No message ever
contains the API key: server text is passed through :func:`redact` first.
"""

from __future__ import annotations

from ._redact import redact, redact_cut, remember_secret, scrub

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousSubmitError",
    "AuthenticationError",
    "ConfigurationError",
    "FileTooLargeError",
    "InvalidFileError",
    "InvalidParameterError",
    "PageBudgetError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseValidationError",
    "SoMarkError",
    "TaskFailedError",
    "TaskNotFoundError",
    "TaskTimeoutError",
    "UnsupportedFileError",
    "error_for_code",
    "redact",
    "redact_cut",
    "remember_secret",
    "scrub",
]


class SoMarkError(Exception):
    """Base class of every error raised by somark_loaders.

    Attributes:
        message: what happened and what to do next.
        code: SoMark business code when the service gave one, else ``None``.
        task_id: the SoMark task id when one is known, else ``None``.
    """

    hint: str = ""
    # class defaults: str/repr work on an error whose __init__ has not run (unpickling)
    message: str = ""
    code: int | None = None
    task_id: str | None = None

    def __init__(
        self, message: str, *, code: int | None = None, task_id: str | None = None
    ) -> None:
        self.message = redact(message)
        self.code = code
        self.task_id = task_id
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.hint and self.hint not in self.message:
            parts.append(self.hint)
        tags = []
        if self.code is not None:
            tags.append(f"code={self.code}")
        if self.task_id:
            tags.append(f"task_id={self.task_id}")
        if tags:
            parts.append(f"[{', '.join(tags)}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, task_id={self.task_id!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the keyword-only attributes when pickled (multiprocessing, batch reports).
        return (_rebuild, (type(self), self.message, self.code, self.task_id, self.__dict__))


def _rebuild(
    cls: type[SoMarkError],
    message: str,
    code: int | None,
    task_id: str | None,
    state: dict[str, object],
) -> SoMarkError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ConfigurationError(SoMarkError, ValueError):
    """A setting is missing or wrong; raised before any request is sent."""


def require_whole(name: str, value: object, minimum: int) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is an int >= ``minimum``."""
    if not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be a whole number >= {minimum}, got {value!r}.")


class InvalidFileError(SoMarkError, ValueError):
    """The local file cannot be sent: missing, empty, unnamed, unsupported or too large."""


class PageBudgetError(SoMarkError):
    """A load would parse more pages than its ``max_pages`` budget (nothing was uploaded)."""


class APIError(SoMarkError):
    """The SoMark service (or the network to it) did not do what was asked."""

    status_code: int | None = None
    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        task_id: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, task_id=task_id)
        self.status_code = status_code
        self.retry_after = retry_after


class APIConnectionError(APIError):
    """The request got no answer (connection refused, reset, dropped)."""

    hint = "Check the network and SOMARK_BASE_URL; transient failures were already retried."


class APITimeoutError(APIConnectionError):
    """The request timed out (raise ``timeout`` or SOMARK_TIMEOUT for slow links)."""

    hint = "Raise `timeout` (or SOMARK_TIMEOUT) if the link is slow."


class AmbiguousSubmitError(APIConnectionError):
    """The upload reached the service but no usable answer came back.

    The task may have been created (and its pages billed), and SoMark has no idempotency
    key to ask, so the upload is not repeated automatically. With a cache, the task ledger
    remembers it: a re-run reports the file as ``ambiguous`` instead of uploading it, unless
    ``resubmit_ambiguous=True`` says to pay again. Without a cache, a re-run uploads it.
    """

    hint = (
        "The upload may have been accepted (and billed), so it was not sent again. The task "
        "ledger remembers it: a re-run with the same cache does not upload it either, unless "
        "you pass resubmit_ambiguous=True (CLI: --resubmit-ambiguous) and accept that it may "
        "be billed twice; with the cache off, a re-run uploads it again. Look for the task in "
        "the SoMark workbench."
    )


class APIStatusError(APIError):
    """The service answered with an HTTP status other than 2xx."""

    hint = "5xx answers and 429 were retried; if this persists, try again later."


class ResponseValidationError(APIError):
    """The answer does not follow the SoMark protocol (not JSON, missing field...).

    ``not_json``: the answer was not JSON at all (an HTML page from a captive portal or
    a proxy): a request that is safe to repeat (a status check) is retried like a 5xx.
    """

    hint = "Check that SOMARK_BASE_URL points at a SoMark API (ending in /api/v1)."
    not_json: bool = False


class AuthenticationError(APIError):
    """1107: the API key was refused."""

    hint = (
        "Check SOMARK_API_KEY (format sk-...) at https://somark.cn/workbench/apikey "
        "(or somark.ai) and your subscription."
    )


class QuotaExceededError(APIError):
    """1108/1123: no active plan or not enough pages left."""

    hint = "Check your remaining pages with client.usage() and buy pages in the workbench."


class RateLimitError(APIError):
    """1101/1124: too many requests or tasks in flight for this account (retried first)."""

    hint = (
        "Retries with backoff were exhausted; lower the concurrency (the default account "
        "allows 1 request per second and 1 task in flight) or raise retry_max_time."
    )


class UnsupportedFileError(APIError):
    """1104: the service does not accept this file type."""

    hint = "Supported: PDF, images, Word, PowerPoint and Excel; check the file name's extension."


class FileTooLargeError(APIError):
    """1118/1132: the file is over 200 MB or 300 pages."""

    hint = "Split the file into parts of at most 300 pages and 200 MB each."


class InvalidParameterError(APIError):
    """1105/1106/1133/2000: a request parameter or the file content was refused."""

    hint = "Check the ParseOptions values and that the file is a valid, unencrypted document."


class TaskNotFoundError(APIError):
    """The service does not know this task id (expired or never created)."""

    hint = "The task id is unknown to the service; submit the file again."


class TaskFailedError(SoMarkError):
    """The task ended with status FAILED. ``task_id`` says which one."""

    hint = "The service could not parse this file; check that it opens locally."


class TaskTimeoutError(TaskFailedError):
    """Our deadline passed before the task ended. Resume with ``client.wait(err.task_id)``."""

    hint = "The task may still finish: call client.wait(task_id) later to pick up the result."


# code -> exception class: the only table of business codes in the package.
_CODE_TABLE: dict[int, type[APIError]] = {
    1107: AuthenticationError,
    1108: QuotaExceededError,
    1123: QuotaExceededError,
    1101: RateLimitError,
    1124: RateLimitError,
    1104: UnsupportedFileError,
    1118: FileTooLargeError,
    1132: FileTooLargeError,
    1105: InvalidParameterError,
    1106: InvalidParameterError,
    1133: InvalidParameterError,
    2000: InvalidParameterError,
    1111: TaskNotFoundError,
}


def error_for_code(
    code: int,
    message: str,
    *,
    task_id: str | None = None,
    checking_task: bool = False,
    status_code: int | None = 200,
) -> APIError:
    """Build the exception for a non-zero SoMark business ``code``.

    ``checking_task`` marks answers to a status check, where a parameter error that says
    the task was not found means the task id is unknown.
    """
    cls = _CODE_TABLE.get(code, APIError)
    if checking_task and cls is InvalidParameterError and "not found" in message.lower():
        cls = TaskNotFoundError
    text = message.strip() or "(no message)"
    return cls(
        f"SoMark answered code {code}: {text}.", code=code, task_id=task_id, status_code=status_code
    )
