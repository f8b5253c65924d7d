"""The page and the student's rules: which scenarios run, and reloading edited rule files.

With ``terrisim ui --configs DIR``, the page offers the scenarios of ``DIR`` that run
(:func:`problem`: the file is valid and every rule it names, ``module:Class`` included, can be
found), and a student who edits a rule file reloads it from the page without restarting the
server (:func:`reload_rules`, route ``POST /api/reload``): the modules of the ``module:Class``
rules the scenarios name are reloaded with :func:`importlib.reload`, and the next run uses the
new code (runs already started keep theirs until they are reset).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

from terrisim.errors import ScenarioError

#: The package's own modules are never reloaded (other modules hold their classes).
PACKAGE = "terrisim"


def _specs(scenario: Any) -> list[tuple[str, dict[str, Any], str]]:
    """``(role, spec, field)`` of every rule a scenario names."""
    out = [
        (role, getattr(scenario.rules, role).model_dump(), f"rules.{role}")
        for role in ("valuation", "partners", "trust")
    ]
    out += [
        ("governance", g.model_dump(), f"governance.{i}") for i, g in enumerate(scenario.governance)
    ]
    out += [("shock", {"name": s.kind}, f"shocks.{i}.kind") for i, s in enumerate(scenario.shocks)]
    out.append(("agents", scenario.agents.model_dump(), "agents"))
    return out


def problem(path: Path | None) -> str | None:
    """Why the scenario file cannot run, in one line, or ``None`` when it can.

    Loads the file and finds every rule it names (building each with its parameters), without
    building the territories.
    """
    from terrisim.per_agent import territory_class
    from terrisim.rules.base import build_rule, resolve
    from terrisim.scenario.loading import load_scenario

    if path is None:
        return None
    try:
        scenario = load_scenario(path)
        import terrisim.model  # noqa: F401  (registers the built-in rules of every role)

        for role, spec, field in _specs(scenario):
            if role == "agents":
                territory_class(spec, field)
            elif role == "shock":
                resolve("shock", spec["name"])
            else:
                build_rule(role, spec, field)
    except ScenarioError as exc:
        return str(exc).splitlines()[0]
    return None


def modules(paths: list[Path]) -> list[str]:
    """The modules of the ``module:Class`` rules the scenario files name (outside the package)."""
    from terrisim.scenario.loading import load_scenario

    found: list[str] = []
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue
        for _role, spec, _field in _specs(scenario):
            name = str(spec.get("name") or spec.get("rule") or spec.get("territory") or "")
            module = name.partition(":")[0] if ":" in name else ""
            if module and module.split(".")[0] != PACKAGE and module not in found:
                found.append(module)
    return found


def reload_rules(paths: list[Path]) -> dict[str, Any]:
    """Reload the rule modules the scenario files name; what was reloaded, or the error.

    Returns:
        ``{"reloaded": [module, ...]}``: the modules reloaded (those not imported yet are
        imported on the next run anyway).

    Raises:
        ScenarioError: a module failed to reload (its file has an error): the message names
            the module, the error and the line; the old code stays in use.
    """
    reloaded = []
    for name in modules(paths):
        module = sys.modules.get(name)
        if module is None:
            continue
        try:
            importlib.reload(module)
        except Exception as exc:  # the student's file: any error, reported in one line
            frames = traceback.extract_tb(exc.__traceback__)
            where = next(
                (
                    f" ({Path(f.filename).name}, ligne {f.lineno})"
                    for f in reversed(frames)
                    if f.filename == getattr(module, "__file__", None)
                ),
                f" (ligne {exc.lineno})" if isinstance(exc, SyntaxError) else "",
            )
            raise ScenarioError(  # shown on the trainers' page: in French
                f"rechargement de {name} : {type(exc).__name__}: {exc}{where} ; l'ancien code "
                "reste en service"
            ) from None
        reloaded.append(name)
    return {"reloaded": reloaded}
