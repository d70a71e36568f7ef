"""The package's import graph read from its source (no import runs): every module's
imports of other modules of the package, at the top, in functions and under
``TYPE_CHECKING`` alike (a circle there is still a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "somark_loaders"


def module_name(path: Path) -> str:
    """``somark_loaders/batch/_session.py`` -> ``batch._session``; the package is ``""``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    where = PACKAGE.joinpath(*dotted.split(".")) if dotted else PACKAGE
    return where.with_suffix(".py").is_file() or where.is_dir()


def imports(path: Path, text: str | None = None) -> set[str]:
    """The package's modules that module ``path`` (or ``text`` in its place) imports, as
    names relative to the package (``""`` is the package itself). ``from . import x``
    names module ``x`` when ``x`` is one, else the package it is read from."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    found: set[str] = set()
    source = path.read_text(encoding="utf-8") if text is None else text
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "somark_loaders":
                base = []
            else:
                continue
            module = node.module or ""
            if not node.level:
                module = module.removeprefix("somark_loaders").lstrip(".")
            stem = ".".join([*base, module] if module else base)
            for alias in node.names:
                inner = f"{stem}.{alias.name}" if stem else alias.name
                found.add(inner if _is_module(inner) else stem)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "somark_loaders":
                    found.add(alias.name.removeprefix("somark_loaders").lstrip("."))
    return found - {name}


def graph() -> dict[str, set[str]]:
    """Every module of the package -> the package's modules it imports."""
    return {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """The modules ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(edges.get(module, ()))
    return seen
