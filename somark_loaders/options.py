"""What to ask SoMark for: output formats, element formats and feature switches.

``ParseOptions`` validates everything before a request is sent and encodes it the way the
service expects: ``output_formats`` as repeated form fields, ``element_formats`` and
``feature_config`` as JSON strings.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ._checks import checked, refuse_unknown
from ._errors import ConfigurationError

__all__ = ["ElementFormats", "FeatureConfig", "ParseOptions"]

OUTPUT_FORMATS = ("markdown", "json", "zip")
ELEMENT_CHOICES: dict[str, tuple[str, ...]] = {
    "image": ("url", "base64", "file", "none"),
    "formula": ("latex", "mathml", "ascii"),
    "table": ("html", "markdown", "image"),
    "cs": ("image",),
}


@dataclass(frozen=True)
class ElementFormats:
    """How elements come back (one choice per key; documented defaults)."""

    image: str = "url"
    formula: str = "latex"
    table: str = "html"
    cs: str = "image"

    def __post_init__(self) -> None:
        for key, allowed in ELEMENT_CHOICES.items():
            value = getattr(self, key)
            if value not in allowed:
                raise ConfigurationError(
                    f"element_formats[{key!r}]={value!r} is not allowed; choose one of "
                    f"{list(allowed)}."
                )


@dataclass(frozen=True)
class FeatureConfig:
    """The seven feature switches, with the defaults of the SoMark docs."""

    enable_text_cross_page: bool = False
    enable_table_cross_page: bool = False
    enable_title_level_recognition: bool = False
    enable_inline_image: bool = False
    enable_table_image: bool = True
    enable_image_understanding: bool = True
    keep_header_footer: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, bool):
                raise ConfigurationError(
                    f"feature_config[{f.name!r}] must be true or false, got {value!r}."
                )


def _from_mapping(cls: type[Any], name: str, value: Any) -> Any:
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"{name} must be a dict or {cls.__name__}, got {type(value).__name__}."
        )
    refuse_unknown(value, [f.name for f in fields(cls)], name)
    return cls(**value)


@dataclass(frozen=True, init=False, repr=False)
class ParseOptions:
    """Validated request options.

    Args:
        output_formats: any of ``"markdown"``, ``"json"``, ``"zip"`` (default markdown + json).
            The loaders need ``json``. With ``zip``, images can only be ``file`` or ``none``;
            when ``element_formats`` is not given, ``image`` then defaults to ``file``.
        element_formats: dict or :class:`ElementFormats` (image, formula, table, cs).
        feature_config: dict or :class:`FeatureConfig` (the seven booleans).
        extract_config: deprecated old name of ``feature_config``.

    Raises:
        ConfigurationError: a value is not allowed; the message lists the allowed ones.
    """

    output_formats: tuple[str, ...]
    element_formats: ElementFormats
    feature_config: FeatureConfig

    @checked
    def __init__(
        self,
        output_formats: Iterable[str] | str | None = None,
        element_formats: ElementFormats | Mapping[str, str] | None = None,
        feature_config: FeatureConfig | Mapping[str, bool] | None = None,
        *,
        extract_config: FeatureConfig | Mapping[str, bool] | None = None,
    ) -> None:
        if extract_config is not None:
            warnings.warn(
                "`extract_config` was renamed `feature_config` by SoMark; use feature_config.",
                DeprecationWarning,
                stacklevel=2,
            )
            if feature_config is not None:
                raise ConfigurationError("Pass feature_config or extract_config, not both.")
            feature_config = extract_config

        formats = _normalize_formats(output_formats)
        elements = _from_mapping(ElementFormats, "element_formats", element_formats)
        if "zip" in formats:
            if element_formats is None:
                elements = replace(elements, image="file")
            elif elements.image not in ("file", "none"):
                raise ConfigurationError(
                    "With output_formats containing 'zip', element_formats['image'] must be "
                    f"'file' or 'none' (got {elements.image!r})."
                )
        elif elements.image == "file":
            raise ConfigurationError(
                "element_formats['image']='file' needs 'zip' in output_formats."
            )
        object.__setattr__(self, "output_formats", formats)
        object.__setattr__(self, "element_formats", elements)
        object.__setattr__(
            self, "feature_config", _from_mapping(FeatureConfig, "feature_config", feature_config)
        )

    def __repr__(self) -> str:
        # the fields that are set: a refused option raises before any is (and a traceback
        # with locals shows this half-built `self`)
        shown = (
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if hasattr(self, f.name)
        )
        return f"ParseOptions({', '.join(shown)})"

    @classmethod
    def coerce(cls, value: ParseOptions | Mapping[str, Any] | None) -> ParseOptions:
        """Accept ``None`` (defaults), a dict of keyword arguments, or a ParseOptions."""
        if value is None:
            return cls()
        if isinstance(value, ParseOptions):
            return value
        if isinstance(value, Mapping):
            return cls(**value)
        raise ConfigurationError(
            f"options must be ParseOptions or a dict, got {type(value).__name__}."
        )

    def to_dict(self) -> dict[str, Any]:
        """A plain, normalized dict (sorted formats): equal options give equal dicts."""
        return {
            "output_formats": sorted(self.output_formats),
            "element_formats": asdict(self.element_formats),
            "feature_config": asdict(self.feature_config),
        }

    def fingerprint(self) -> str:
        """sha256 of the normalized options (used as part of cache keys)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def form_fields(self) -> dict[str, str | list[str]]:
        """The form fields as SoMark reads them (``output_formats`` repeated)."""
        return {
            "output_formats": list(self.output_formats),
            "element_formats": json.dumps(asdict(self.element_formats), separators=(",", ":")),
            "feature_config": json.dumps(asdict(self.feature_config), separators=(",", ":")),
        }


def _normalize_formats(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ("markdown", "json")
    items = [value] if isinstance(value, str) else list(value)
    if not items:
        raise ConfigurationError(f"output_formats is empty; choose from {list(OUTPUT_FORMATS)}.")
    out: list[str] = []
    for item in items:
        name = str(item).strip().lower()
        if name not in OUTPUT_FORMATS:
            raise ConfigurationError(
                f"output_formats value {item!r} is not allowed; choose from {list(OUTPUT_FORMATS)}."
            )
        if name in out:
            raise ConfigurationError(f"output_formats lists {name!r} twice.")
        out.append(name)
    return tuple(out)
