"""The package's layers (design.md, "Layout"): every import runs down the list below or
stays inside its layer, no module lies on an import circle, and the package's
``__init__`` (the public surface) imports from the layers while none of them imports it.

Imports count wherever they are: at the top, inside a function, under ``TYPE_CHECKING``.
A new module is placed in a layer here; one that is not fails the first test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .import_graph import PACKAGE, graph, imports, module_name, reachable

# bottom up; a name is a root module or a subpackage (with everything in it)
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "vocabulary",
        frozenset(
            {
                "_redact",
                "_errors",
                "_checks",
                "options",
                "models",
                "report",
                "_bundled",
                "_version",
                "_gc",
            }
        ),
    ),
    ("files", frozenset({"files"})),
    ("convert", frozenset({"convert"})),
    ("store", frozenset({"store"})),
    ("service", frozenset({"service"})),
    ("batch", frozenset({"batch"})),
    ("emulator", frozenset({"emulator"})),
    (
        "adapters",
        frozenset(
            {
                "_loading",
                "_report_spool",
                "langchain",
                "llama_index",
                "ray",
                "_ray_rows",
                "cli",
                "_cli_args",
                "visualize",
            }
        ),
    ),
)
# The emulator's internal knots (engines and table finders importing each other inside
# functions or for types), left to the emulator's owners: this set may only shrink.
EMULATOR_KNOTS = frozenset(
    {
        "emulator._blocks",
        "emulator.aligned_tables",
        "emulator.ocr_tables",
        "emulator.office",
        "emulator.charts",
    }
)
SURFACE = ""  # the package's __init__: the public names, re-exported from the layers


def layer(module: str) -> int:
    """The position of ``module`` in LAYERS (KeyError for a module in none)."""
    first = module.split(".", maxsplit=1)[0]
    for index, (_, members) in enumerate(LAYERS):
        if first in members:
            return index
    raise KeyError(module)


def back_edges(edges: dict[str, set[str]]) -> list[str]:
    """``a -> b (layer > layer)`` for every import running up a layer or into the surface."""
    found = []
    for module, targets in sorted(edges.items()):
        if module == SURFACE:
            continue
        for target in sorted(targets):
            if target == SURFACE:
                found.append(f"{module} -> the package's __init__")
            elif layer(target) > layer(module):
                found.append(
                    f"{module} ({LAYERS[layer(module)][0]}) -> {target} ({LAYERS[layer(target)][0]})"
                )
    return found


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (each
    module of a group lies on an import circle with the others)."""
    reach = {module: reachable(edges, module) for module in edges}
    groups = {
        tuple(sorted(other for other in reach[module] if module in reach[other]))
        for module in edges
        if module in reach[module]
    }
    return sorted(list(group) for group in groups)


def test_every_module_has_a_layer() -> None:
    unplaced = []
    for module in graph():
        try:
            layer(module)
        except KeyError:
            unplaced.append(module)
    assert sorted(unplaced) == [""], f"modules in no layer of tests/test_layers.py: {unplaced}"


def test_imports_run_down_the_layers_only() -> None:
    assert back_edges(graph()) == []


def test_no_module_lies_on_an_import_circle() -> None:
    found = circles(graph())
    assert [group for group in found if group[0].split(".")[0] != "emulator"] == []
    knots = {module for group in found for module in group if module.startswith("emulator.")}
    assert knots <= EMULATOR_KNOTS, f"a new import circle in the emulator: {knots}"


def _with(path: Path, line: str) -> dict[str, set[str]]:
    edges = graph()
    edges[module_name(path)] = imports(path, path.read_text(encoding="utf-8") + line)
    return edges


@pytest.mark.parametrize(
    ("where", "line", "seen"),
    [
        # a store module reading the service's retry policy, for its types only
        (
            "store/_claims.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..service import _retry\n",
            "store._claims (store) -> service._retry (service)",
        ),
        # a vocabulary module importing an adapter inside a function
        (
            "models.py",
            "def f():\n    from .langchain import SoMarkLoader\n",
            "models (vocabulary) -> langchain (adapters)",
        ),
        (
            "files/pdfs.py",
            "from .. import ParseOptions\n",
            "files.pdfs -> the package's __init__",
        ),
    ],
)
def test_the_check_sees_an_import_back_up(where: str, line: str, seen: str) -> None:
    assert seen in back_edges(_with(PACKAGE / where, line))


def test_the_check_sees_a_circle_inside_a_layer() -> None:
    edges = _with(PACKAGE / "_errors.py", "def f():\n    from . import _checks\n")
    assert ["_checks", "_errors"] in circles(edges)
