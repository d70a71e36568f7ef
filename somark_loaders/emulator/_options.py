"""The emulator's settings and the service's request options (``output_formats``,
``element_formats``, ``feature_config``), checked as the service checks them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..files._files import MAX_FILE_BYTES
from ..options import ELEMENT_CHOICES, FeatureConfig

# The service's vocabulary (extensions, element formats, feature switches) is the one the
# client validates against: one source, in _files.py and options.py.
FEATURE_KEYS: dict[str, bool] = asdict(FeatureConfig())


@dataclass
class EmulatorConfig:
    """Behaviour switches of the emulator.

    Args:
        api_keys: keys accepted (anything else gets 1107); ``None`` accepts any key or none.
        queue_seconds: time a task stays QUEUING.
        seconds_per_page: service time per page while PROCESSING.
        qps: submits per second per key before 1101 (``None``: unlimited).
        max_in_flight: unfinished tasks per key before 1124 (``None``: unlimited).
        quota_pages: pages the account may still parse (1123 past it; ``None``: unlimited).
        max_pages, max_bytes: per-file limits (1132 / 1118).
        fail_rate, error_rate, drop_rate, slow_rate: seeded probabilities of a FAILED
            task, an HTTP 503, a dropped connection and a slow answer (``slow_seconds``).
        lowercase_status: answer ``queuing``/``success``... like the older docs.
        seed: seed of the fault dice.
        workers: parse worker processes (``None``: all cores; ``0``: parse in a thread of
            the server's own process, as before workers, for comparisons).
    """

    api_keys: frozenset[str] | None = None
    queue_seconds: float = 0.0
    seconds_per_page: float = 0.0
    qps: float | None = None
    max_in_flight: int | None = None
    quota_pages: int | None = None
    max_pages: int = 300
    max_bytes: int = MAX_FILE_BYTES
    fail_rate: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    lowercase_status: bool = False
    seed: int = 0
    workers: int | None = None


def parse_options(
    fields: dict[str, list[str]], legacy: bool
) -> tuple[dict[str, Any] | None, str | None]:
    problems: list[str] = []
    formats = fields.get("output_formats") or ["markdown", "json"]
    for fmt in formats:
        if fmt not in {"markdown", "json", "zip"}:
            problems.append(f"output_formats={fmt!r} is not one of json, markdown, zip")
    elements: dict[str, Any] = {
        "image": "url",
        "formula": "latex",
        "table": "html",
        "cs": "image",
    }
    features: dict[str, Any] = dict(FEATURE_KEYS)
    config_fields = ["feature_config"] + (["extract_config"] if legacy else [])
    targets: list[tuple[str, dict[str, Any], str]] = [
        ("element_formats", elements, "element"),
        *((f, features, "feature") for f in config_fields),
    ]
    for name, target, check in targets:
        raw = (fields.get(name) or [""])[0]
        if raw == "":
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            problems.append(f"{name} must be a JSON object")
            continue
        if not isinstance(value, dict):
            problems.append(f"{name} must be a JSON object")
            continue
        for key, item in value.items():
            if key not in target:
                continue  # the service ignores unknown keys
            if check == "element" and item not in ELEMENT_CHOICES[key]:
                problems.append(
                    f"{name}.{key}={item!r} is not one of {sorted(ELEMENT_CHOICES[key])}"
                )
            elif check == "feature" and not isinstance(item, bool):
                problems.append(f"{name}.{key} must be a boolean")
            else:
                target[key] = item
    if "zip" in formats and elements["image"] not in {"file", "none"}:
        problems.append("with output_formats=zip, element_formats.image must be file or none")
    if elements["image"] == "file" and "zip" not in formats:
        problems.append("element_formats.image=file requires output_formats=zip")
    if problems:
        return None, "参数错误: " + "；".join(problems)
    return {
        "output_formats": formats,
        "element_formats": elements,
        "feature_config": features,
    }, None
