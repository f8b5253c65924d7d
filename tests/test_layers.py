"""Layers import downwards only: no import cycle in the package, read from the source with ast.

An import under ``if TYPE_CHECKING:`` counts (a cycle for the type checker is a cycle of the
design); an import inside a function does not count for the package-wide cycle check (it runs
late, when called), but the parts the model builds must not import the model even there: they
are typed against :mod:`terrisim.services`.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest
from conftest import ROOT

SRC = ROOT / "src"
PACKAGE = SRC / "terrisim"
#: What the model builds and runs: typed against terrisim.services, never the model.
BUILT_BY_THE_MODEL = ("governance", "shocks", "recorder", "agents", "per_agent", "services")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The package module an imported name lives in (a module, or the one defining it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


class _Imports(ast.NodeVisitor):
    """The terrisim modules a module imports; inside functions too if ``functions``."""

    def __init__(self, module: str, is_package: bool, functions: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.functions = functions
        self.found: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if self.functions:
            self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 (ast.NodeVisitor names it so)

    def visit_Import(self, node: ast.Import) -> None:
        self.found |= {m for a in node.names if (m := _resolve(a.name))}

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*parts, *([base] if base else [])])
        for alias in node.names:
            target = _resolve(f"{base}.{alias.name}") if base else None
            if target != f"{base}.{alias.name}":
                target = _resolve(base)
            if target:
                self.found.add(target)


def imports(module: str, *, functions: bool = False) -> set[str]:
    """The terrisim modules ``module`` imports (itself excluded)."""
    path = MODULES[module]
    visitor = _Imports(module, path.name == "__init__.py", functions)
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return visitor.found - {module}


def test_the_reader_finds_the_imports_of_a_module_and_of_a_type_checking_block() -> None:
    found = imports("terrisim.governance.base")
    assert "terrisim.rules.base" in found  # a plain import
    assert "terrisim.services" in found  # an import under TYPE_CHECKING
    assert "terrisim.model" in imports("terrisim.cli", functions=True)  # inside a function


def test_the_package_has_no_import_cycle_even_under_type_checking() -> None:
    graph = {module: imports(module) for module in MODULES}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        pytest.fail(f"import cycle: {cycle}")


@pytest.mark.parametrize("part", BUILT_BY_THE_MODEL)
def test_what_the_model_builds_never_imports_the_model(part: str) -> None:
    modules = [m for m in MODULES if m == f"terrisim.{part}" or m.startswith(f"terrisim.{part}.")]
    assert modules
    for module in modules:
        assert "terrisim.model" not in imports(module, functions=True), module
