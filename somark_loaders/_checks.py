"""Settings checked by name and by type before any request.

An unknown name is refused with the closest known one (``max_concurency``: did you mean
``max_concurrency``?) and a value of the wrong type with what the setting takes, both as
:class:`ConfigurationError`. Nothing here lists settings: the names and types are read
from where each setting is declared (a signature, a dataclass's fields), so a setting
added there is checked with no other change.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar, Union, get_args, get_origin

from ._errors import ConfigurationError
from ._redact import Secret

__all__ = [
    "as_secret",
    "build",
    "check_fields",
    "check_value",
    "checked",
    "refuse_unknown",
    "setting_names",
    "shows",
    "takes",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
D = TypeVar("D")

# Checked by the code that wraps them (as_secret): a message must never show the value.
SECRET_NAMES = frozenset({"api_key"})
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def refuse_unknown(given: Iterable[str], known: Iterable[str], owner: str) -> None:
    """Raise :class:`ConfigurationError` naming every name of ``given`` that ``owner``
    does not take, each with the closest known name when one is close."""
    names = sorted(set(known))
    unknown = [name for name in given if name not in names]
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(str(name), names, n=1)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    plural = "s" if len(unknown) > 1 else ""
    message = f"{owner} has no setting{plural} {', '.join(parts)}."
    if len(parts) > sum("did you mean" in p for p in parts):
        message += f" Its settings are: {', '.join(names)}."
    raise ConfigurationError(message)


def setting_names(func: Callable[..., Any]) -> frozenset[str]:
    """The names ``func`` takes as keyword arguments (``self``/``cls`` and ``*args``,
    ``**kwargs`` left out)."""
    params = inspect.signature(func).parameters
    return frozenset(n for n, p in params.items() if p.kind in _NAMED and n not in {"self", "cls"})


def _describe(hint: Any) -> str:
    """What a value of ``hint`` is, in words."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        words = [_describe(arg) for arg in get_args(hint)]
        return " or ".join(dict.fromkeys(words))
    if origin is Literal:
        return "one of " + ", ".join(repr(arg) for arg in get_args(hint))
    kind = origin or hint
    named = {
        type(None): "None",
        bool: "True or False",
        int: "a whole number",
        float: "a number",
        str: "a string",
        collections.abc.Callable: "a function",
    }
    if kind in named:
        return named[kind]
    if isinstance(kind, type) and issubclass(kind, collections.abc.Mapping):
        return "a dict"
    if isinstance(kind, type) and issubclass(kind, collections.abc.Iterable):
        return "a list"
    return f"a {getattr(kind, '__name__', kind)}"


def _accepts(hint: Any, value: object) -> bool:
    """Whether ``value`` is of ``hint`` (the outer type only: what is inside a list or a
    dict is the setting's own check)."""
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_accepts(arg, value) for arg in get_args(hint))
    if origin is Literal:
        return any(isinstance(value, type(arg)) and value == arg for arg in get_args(hint))
    kind = origin or hint
    if kind is collections.abc.Callable:
        return callable(value)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(kind, type):
        return isinstance(value, kind)
    return True  # a hint this check cannot read: the setting's own check decides


def _shown(value: object) -> str:
    if isinstance(value, (str, int, float, bool, type(None))):
        return f"{value!r} ({type(value).__name__})"
    return f"a {type(value).__name__}"


def check_value(name: str, value: object, hint: Any) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is of type ``hint``."""
    if name in SECRET_NAMES or _accepts(hint, value):
        return
    message = f"{name} must be {_describe(hint)}, got {_shown(value)}"
    choices = [
        a
        for arg in _flat(hint)
        if get_origin(arg) is Literal
        for a in get_args(arg)
        if isinstance(a, str)
    ]
    close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
    raise ConfigurationError(message + (f"; did you mean {close[0]!r}?" if close else "."))


def _flat(hint: Any) -> tuple[Any, ...]:
    return get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)


_HINTS: dict[object, dict[str, Any]] = {}


def _hints(owner: object) -> dict[str, Any]:
    """The resolved type hints of ``owner``, read on first use (its module is complete
    by then: a hint may name a class defined after the decorated function). A class
    whose module imports some of its fields' types only when needed (to keep its own
    import cheap) names them in a ``_lazy_hints()`` classmethod: name -> type."""
    if owner not in _HINTS:
        lazy = getattr(owner, "_lazy_hints", None)
        _HINTS[owner] = typing.get_type_hints(owner, localns=lazy() if lazy else None)
    return _HINTS[owner]


def check_fields(obj: Any, skip: Iterable[str] = ()) -> None:
    """Check every init field of the dataclass ``obj`` against its declared type."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        if f.init and f.name not in skip and f.name in hints:
            check_value(f.name, getattr(obj, f.name), hints[f.name])


def checked(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` with its keyword arguments checked first: an unknown name (unless it
    takes ``**kwargs``) and a value of the wrong type raise :class:`ConfigurationError`.
    An ``api_key`` is wrapped in a :class:`Secret` before anything else, so that no
    frame holds it as a plain string."""
    signature = inspect.signature(func)
    names = setting_names(func)
    open_ended = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    owner = func.__qualname__.removesuffix(".__init__")

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if "api_key" in kwargs:
            kwargs["api_key"] = as_secret(kwargs["api_key"])  # type: ignore[arg-type]
        if not open_ended:
            refuse_unknown(kwargs, names, owner)
        try:
            given = signature.bind_partial(*args, **kwargs).arguments
        except TypeError:  # too many positional arguments: Python says so below
            given = kwargs
        hints = _hints(func)
        for name, value in given.items():
            if name in hints:
                check_value(name, value, hints[name])
        return func(*args, **kwargs)

    return wrapper


def build(
    declaration: Callable[..., D],
    owner: str,
    options: MutableMapping[str, Any],
    args: tuple[Any, ...] = (),
) -> D:
    """``declaration(*args, **options)`` (a dataclass of settings, which checks the types
    of its fields), once every name of ``options`` is known to it: an unknown one is
    refused as ``owner``'s, with the closest known name. An ``api_key`` is wrapped in a
    :class:`Secret` first, in ``options`` itself, so that no frame holds it in plain text."""
    if "api_key" in options:
        options["api_key"] = as_secret(options["api_key"])
    refuse_unknown(options, setting_names(declaration), owner)
    try:
        return declaration(*args, **options)
    except TypeError as err:  # a missing or an extra positional argument: say whose
        own = f"{getattr(declaration, '__qualname__', '')}.__init__()"
        if not str(err).startswith(own):
            raise
        raise TypeError(str(err).replace(own, f"{owner}()", 1)) from None


def takes(
    declaration: Callable[P, D],
) -> Callable[[Callable[[S, D], None]], Callable[Concatenate[S, P], None]]:
    """Make ``__init__(self, settings)`` take the fields of ``declaration`` as its own
    arguments: type checkers and IDEs see the declaration's parameters, ``help()`` and
    ``inspect.signature`` show them with their defaults, and the call builds the
    settings (:func:`build`) and hands them to the decorated ``__init__``. The settings
    are so written once, in the declaration."""

    def decorate(init: Callable[[S, D], None]) -> Callable[Concatenate[S, P], None]:
        owner = init.__qualname__.removesuffix(".__init__")

        def built(self: S, /, *args: P.args, **kwargs: P.kwargs) -> None:
            init(self, build(declaration, owner, kwargs, args))

        self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
        params = [self_param, *inspect.signature(declaration).parameters.values()]
        built.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(built, name, getattr(init, name))
        return built

    return decorate


def shows(
    func: Callable[P, R], declaration: Callable[..., Any], defaults: dict[str, Any], drop: set[str]
) -> Callable[P, R]:
    """``func`` (which takes ``**options`` for ``declaration``) with a signature that shows
    the declaration's parameters in place of ``**options``: ``defaults`` are ``func``'s own
    (what it sets when the caller does not), ``drop`` what it refuses."""
    own = [p for p in inspect.signature(func).parameters.values() if p.kind is not p.VAR_KEYWORD]
    named = {p.name for p in own}
    params = [
        p.replace(default=defaults.get(p.name, p.default))
        for p in inspect.signature(declaration).parameters.values()
        if p.name not in drop and p.name not in named
    ]
    func.__signature__ = inspect.signature(func).replace(parameters=own + params)  # type: ignore[attr-defined]
    return func


def as_secret(value: str | Secret | None) -> Secret | None:
    """``value`` wrapped (stripped; ``None`` when empty); a Secret is kept as it is."""
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(f"api_key must be a string, got a {type(value).__name__}.")
    stripped = value.strip()
    return Secret(stripped) if stripped else None
