"""Typed, tolerant view of SoMark's JSON.

The service's JSON is read as it is documented (``reference/somark-api.md`` b.1-b.2) and
tolerated where it varies: missing optional fields get defaults, extra fields are kept,
``outputs.json`` may arrive as a JSON string, ``idx`` may be unsorted, statuses may be
lowercase. A result that cannot be read raises :class:`ResponseValidationError` naming the
task id and the field.
"""

from __future__ import annotations

import enum
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ._errors import ResponseValidationError
from ._gc import collector_paused

__all__ = [
    "Block",
    "ElementType",
    "Page",
    "PageSize",
    "ParseResult",
    "TaskInfo",
    "TaskStatus",
    "UnknownElementTypeWarning",
    "Usage",
]


class TaskStatus(str, enum.Enum):
    """Task status; the service's spelling is compared case-insensitively."""

    QUEUING = "QUEUING"
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"

    @classmethod
    def parse(cls, raw: object) -> TaskStatus | None:
        """Map a raw status to a member; ``None`` when it is not one we know."""
        text = str(raw or "").strip().upper()
        if text in {"FAILURE", "ERROR"}:
            return cls.FAILED
        try:
            return cls(text)
        except ValueError:
            return None

    @property
    def is_final(self) -> bool:
        return self in (TaskStatus.SUCCESS, TaskStatus.FAILED)


class UnknownElementTypeWarning(UserWarning):
    """The service sent a block type this version does not know (it is read as text)."""


class ElementType(str, enum.Enum):
    """Canonical element types (the 21 documented ones), whatever the service's spelling.

    :meth:`parse` maps legacy and variant spellings (``chemical_structure``,
    ``chemical_equation``, ``chemical_formula``, ``sidebar``, upper case, dashes...).
    An unknown type is read as :attr:`TEXT` with a warning, never an error.
    """

    TITLE = "title"
    TEXT = "text"
    FIGURE = "figure"
    FIGURE_CAPTION = "figure_caption"
    TABLE = "table"
    TABLE_CAPTION = "table_caption"
    EQUATION = "equation"
    HEADER = "header"
    FOOTER = "footer"
    SIDEBAR = "sider"
    FOOTNOTE = "footnote"
    TOC = "cate"
    TOC_ITEM = "cate_item"
    CHOICE = "choice"
    CODE = "code"
    BLANK = "blank"
    REFERENCE = "reference"
    QRCODE = "qrcode"
    STAMP = "stamp"
    CHEMICAL_STRUCTURE = "cs"
    CHEMICAL_EQUATION = "cs_equation"

    @classmethod
    def parse(cls, raw: str, content: str = "") -> ElementType:
        """The canonical type of a raw ``block.type`` (content decides ``chemical_formula``)."""
        found = _PARSED.get(raw) if type(raw) is str else None  # asked for every block
        if found is not None:
            return found
        key = _TYPE_KEY.sub("_", str(raw).strip().lower())
        found = _TYPE_ALIASES.get(key)
        if found is not None:
            if type(raw) is str and len(_PARSED) < 1024:
                _PARSED[raw] = found
            return found
        if key == "chemical_formula":  # the newer name of both chemical types
            return cls.CHEMICAL_EQUATION if "\\ce" in content else cls.CHEMICAL_STRUCTURE
        warnings.warn(
            f"Unknown SoMark element type {raw!r}; it is read as text.",
            UnknownElementTypeWarning,
            stacklevel=2,
        )
        return cls.TEXT

    @property
    def is_caption(self) -> bool:
        return self in (ElementType.TABLE_CAPTION, ElementType.FIGURE_CAPTION)

    @property
    def is_image_like(self) -> bool:
        """Elements whose payload is an image (text is their caption or description)."""
        return self in _IMAGE_LIKE


_TYPE_KEY = re.compile(r"[\s\-]+")
_TYPE_ALIASES: dict[str, ElementType] = {t.value: t for t in ElementType}
_TYPE_ALIASES.update(
    {
        "sidebar": ElementType.SIDEBAR,
        "toc": ElementType.TOC,
        "cate_item": ElementType.TOC_ITEM,
        "toc_item": ElementType.TOC_ITEM,
        "qr_code": ElementType.QRCODE,
        "chemical_structure": ElementType.CHEMICAL_STRUCTURE,
        "chemical_equation": ElementType.CHEMICAL_EQUATION,
        "formula": ElementType.EQUATION,
        "tcaption": ElementType.TABLE_CAPTION,
        "fcaption": ElementType.FIGURE_CAPTION,
        "footenote": ElementType.FOOTNOTE,
        "picture": ElementType.FIGURE,
        "image": ElementType.FIGURE,
        "page_header": ElementType.HEADER,
        "page_footer": ElementType.FOOTER,
        "code_block": ElementType.CODE,
        "paragraph": ElementType.TEXT,
    }
)
# raw types already read (not chemical_formula's, which the content decides), bounded
_PARSED: dict[str, ElementType] = {}
_IMAGE_LIKE = frozenset(
    {ElementType.FIGURE, ElementType.STAMP, ElementType.QRCODE, ElementType.CHEMICAL_STRUCTURE}
)


def _none_to_default(value: Any, default: Any) -> Any:
    return default if value is None else value


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Block(_Tolerant):
    """One layout element of a page, in reading order."""

    idx: int = 0
    type: str = "text"
    bbox: tuple[float, float, float, float] | None = None
    content: str = ""
    format: str = "text"
    captions: list[Any] = []
    img_url: str = ""
    title_level: int | None = None
    display: bool | None = None
    code_language: str | None = None

    @property
    def element_type(self) -> ElementType:
        """The canonical type (``type`` keeps the service's own spelling)."""
        return ElementType.parse(self.type, self.content)

    @field_validator("content", "format", "img_url", "type", mode="before")
    @classmethod
    def _str_or_empty(cls, value: Any) -> Any:
        return _none_to_default(value, "")

    @field_validator("captions", mode="before")
    @classmethod
    def _list_or_empty(cls, value: Any) -> Any:
        return _none_to_default(value, [])

    @field_validator("bbox", mode="before")
    @classmethod
    def _bbox(cls, value: Any) -> Any:
        if value is None or value == []:
            return None
        return value


class PageSize(_Tolerant):
    """Pixel size of the page raster that ``bbox`` refers to."""

    w: float
    h: float


class Page(_Tolerant):
    """One page: 0-based ``page_num`` and its blocks sorted by ``idx``."""

    page_num: int
    page_size: PageSize | None = None
    merge_content_from_pre_page: bool = False
    blocks: list[Block] = []

    @field_validator("blocks", mode="before")
    @classmethod
    def _blocks(cls, value: Any) -> Any:
        return _none_to_default(value, [])

    @field_validator("blocks", mode="after")
    @classmethod
    def _sorted(cls, value: list[Block]) -> list[Block]:
        return sorted(value, key=lambda b: b.idx)

    @field_validator("merge_content_from_pre_page", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return _none_to_default(value, False)


@dataclass(frozen=True)
class ParseResult:
    """The result of one parse.

    Attributes:
        task_id: SoMark task id.
        file_name: the name the service saw.
        file_type: extension with a dot, e.g. ``".pdf"`` (from ``metadata.file_type``).
        page_count: total pages of the document (``metadata.page_num``).
        markdown: ``outputs.markdown`` when requested.
        pages: ``outputs.json.pages`` in page order, when json was requested.
        catalog: ``result.catalog`` (table of contents) when the service sent one.
        images: ``result.imgs`` (image URLs).
        zip_url: ``outputs.zip`` when requested.
        raw: the ``data`` object of the answer, untouched.
    """

    task_id: str
    file_name: str
    file_type: str
    page_count: int
    markdown: str | None
    pages: tuple[Page, ...]
    catalog: tuple[dict[str, Any], ...] = ()
    images: tuple[str, ...] = ()
    zip_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any], *, task_id: str | None = None) -> ParseResult:
        """Read the ``data`` object of a sync answer or of a SUCCESS status check.

        The cyclic garbage collector is paused while the model is built: a result of
        thousands of pages makes hundreds of thousands of objects, none of them garbage,
        and each automatic collection would walk them all (3x slower at 6,000 pages)."""
        with collector_paused():
            return cls._from_data(data, task_id=task_id)

    @classmethod
    def _from_data(cls, data: dict[str, Any], *, task_id: str | None = None) -> ParseResult:
        tid = str(data.get("task_id") or task_id or "")
        result = data.get("result")
        if not isinstance(result, dict):
            raise ResponseValidationError(
                f"Field 'data.result' is {type(result).__name__}, expected an object.",
                task_id=tid or None,
            )
        outputs = result.get("outputs") or {}
        if not isinstance(outputs, dict):
            raise ResponseValidationError(
                "Field 'data.result.outputs' is not an object.", task_id=tid or None
            )
        doc = outputs.get("json")
        if isinstance(doc, str):
            problem = None
            try:
                doc = json.loads(doc)
            except json.JSONDecodeError as err:
                problem = str(err)  # where, not what: the error's .doc is the whole text
            if problem is not None:  # raised here, chained to no decoding error
                raise ResponseValidationError(
                    f"Field 'data.result.outputs.json' is a string but not JSON ({problem}).",
                    task_id=tid or None,
                )
        raw_pages: Any = []
        if doc is not None:
            if not isinstance(doc, dict):
                raise ResponseValidationError(
                    "Field 'data.result.outputs.json' is not an object.", task_id=tid or None
                )
            raw_pages = doc.get("pages") or []
        if not isinstance(raw_pages, list):
            raise ResponseValidationError(
                "Field 'data.result.outputs.json.pages' is not a list.", task_id=tid or None
            )
        pages = []
        for i, raw_page in enumerate(raw_pages):
            try:
                pages.append(Page.model_validate(raw_page))
            except ValidationError as err:
                first = err.errors()[0]
                loc = ".".join(str(p) for p in first["loc"])
                where = f"data.result.outputs.json.pages[{i}]" + (f".{loc}" if loc else "")
                raise ResponseValidationError(
                    f"Field '{where}' is invalid: {first['msg']}.", task_id=tid or None
                ) from None
        pages.sort(key=lambda p: p.page_num)

        meta = data.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        file_name = str(result.get("file_name") or data.get("file_name") or "")
        file_type = str(meta.get("file_type") or _suffix(file_name))
        page_count = meta.get("page_num")
        if not isinstance(page_count, int) or isinstance(page_count, bool):
            page_count = len(pages)
        catalog = result.get("catalog") or data.get("catalog") or []
        images = result.get("imgs") or []
        markdown = outputs.get("markdown")
        zip_url = outputs.get("zip")
        return cls(
            task_id=tid,
            file_name=file_name,
            file_type=file_type,
            page_count=page_count,
            markdown=markdown if isinstance(markdown, str) else None,
            pages=tuple(pages),
            catalog=tuple(c for c in catalog if isinstance(c, dict))
            if isinstance(catalog, list)
            else (),
            images=tuple(str(u) for u in images) if isinstance(images, list) else (),
            zip_url=zip_url if isinstance(zip_url, str) and zip_url else None,
            raw=data,
        )


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


@dataclass(frozen=True)
class TaskInfo:
    """One status check: where the task is and, at SUCCESS, its result.

    ``status`` is ``None`` when the service sent a status we do not know (``raw_status``
    keeps it); such a task is polled on until it ends or the deadline passes.
    """

    task_id: str
    status: TaskStatus | None
    raw_status: str
    record_id: int | None = None
    file_name: str | None = None
    page_count: int | None = None
    error: str | None = None
    message: str = ""
    result: ParseResult | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_final(self) -> bool:
        return self.status is not None and self.status.is_final


@dataclass(frozen=True)
class Usage:
    """Remaining quota of the account (``POST /usage``)."""

    remaining_paid_pages: int
    remaining_free_pages_today: int
    remaining_free_pages_this_month: int
    dashboard_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_quota(self) -> bool:
        """False when no paid pages and no free pages this month are left."""
        return self.remaining_paid_pages > 0 or self.remaining_free_pages_this_month > 0
