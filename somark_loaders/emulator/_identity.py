"""What the emulator needs to run, and what determines its answers.

:func:`require_extra` stops an emulator without its extra before it listens: without it
the server would fail on the first upload, and the client would see a dropped
connection. :func:`identity` names what its results depend on (the package version and
the engines installed), the key of its cached results in place of its random port.
"""

from __future__ import annotations

import hashlib
import importlib.util
from importlib import metadata

from .._errors import ConfigurationError
from .._version import __version__

# import name -> distribution of the `emulator` extra (pyproject.toml)
REQUIRED = {
    "python_multipart": "python-multipart",
    "pdfplumber": "pdfplumber",
    "pypdfium2": "pypdfium2",
    "PIL": "pillow",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "openpyxl": "openpyxl",
}
# Installed or not, these change what the emulator reads (OCR of images and scans).
OPTIONAL = {"rapidocr_onnxruntime": "rapidocr-onnxruntime"}

INSTALL = 'pip install "somark-loaders[emulator]"'


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a blocked module
        return False


def missing() -> list[str]:
    """The distributions of the ``emulator`` extra that cannot be imported."""
    return [dist for module, dist in REQUIRED.items() if not _present(module)]


def require_extra() -> None:
    """Raise :class:`ConfigurationError` naming the extra when a part of it is missing."""
    absent = missing()
    if absent:
        raise ConfigurationError(
            f"The emulator needs the `emulator` extra ({', '.join(absent)} "
            f"{'is' if len(absent) == 1 else 'are'} not installed): {INSTALL}."
        )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def identity() -> str:
    """``somark-loaders-emulator/<version>+<digest of its engines' versions>``."""
    engines = ",".join(
        f"{dist}={_version(dist) if _present(module) else '-'}"
        for module, dist in {**REQUIRED, **OPTIONAL}.items()
    )
    digest = hashlib.sha256(engines.encode()).hexdigest()[:12]
    return f"somark-loaders-emulator/{__version__}+{digest}"
