"""Trust changes in one place, or the docs say where else: every write to trust is declared.

The trust rule computes the new trust each step; institutions also change it (a conference's
meetings, a merger's set-up and its acting as one, a contract's new links). Each declares
where (``Governance.changes_trust``), and ``terrisim describe`` prints it under the trust
phase, so that a student who replaces the trust rule knows what it does not cover. This test
reads the governance package: a write to ``trust`` (or ``trust_baseline``) in a function that
no institution declares fails it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

from terrisim.agents import Territory
from terrisim.describe import describe_model
from terrisim.governance.base import Governance
from terrisim.model import TerriModel
from terrisim.rules.base import registered
from terrisim.scenario import load_scenario

GOVERNANCE = ROOT / "src" / "terrisim" / "governance"


def _trust_writes(path: Path) -> set[str]:
    """Names of the functions of a module that assign to ``x.trust`` or ``x.trust[...]``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign)
                else []
            )
            for target in targets:
                base = target.value if isinstance(target, ast.Subscript) else target
                if isinstance(base, ast.Attribute) and base.attr in ("trust", "trust_baseline"):
                    found.add(func.name)
    return found


def test_every_write_to_trust_in_governance_is_declared_by_an_institution() -> None:
    declared: set[str] = set()
    for cls in registered("governance").values():
        for method, _phase, what in cls.changes_trust:
            declared.add(f"{Path(cls.__module__.replace('.', '/')).name}.{method}")
            declared.update(
                w.strip("(),;").removeprefix("governance.") for w in what.split() if "common." in w
            )
    writes = {
        f"{path.stem}.{name}"
        for path in sorted(GOVERNANCE.glob("*.py"))
        for name in _trust_writes(path)
    }
    assert writes  # the reader finds the known writes (conference, merger, common.connect)
    assert writes - declared == set()


def test_describe_says_which_other_code_changes_trust() -> None:
    text = describe_model(TerriModel(load_scenario(ROOT / "configs" / "combined.toml")))
    trust_phase = text.split("update_trust", 1)[1].split("close_step", 1)[0]
    assert "trust also changes in terrisim.governance.conference.Conference.meet" in trust_phase
    assert "Merger.act_as_one" in trust_phase
    plain = describe_model(TerriModel(None))
    assert "no other code changes trust in this scenario" in plain


def test_describe_says_a_per_agent_rule_may_change_trust_too() -> None:
    class Trusting(Territory):
        """A per-agent rule that raises its trust in every partner."""

        def step(self) -> None:
            for partner in self.partners():
                self.set_trust(partner, 1.0)

    text = describe_model(TerriModel(None, territory_class=Trusting))
    trust_phase = text.split("update_trust", 1)[1].split("close_step", 1)[0]
    assert "trust may also change in " in trust_phase
    assert "Trusting.step" in trust_phase and "phase act" in trust_phase
    assert "no other code changes trust" not in trust_phase


def test_declarations_name_real_methods_and_phases() -> None:
    phases = {*TerriModel.PHASES, "set-up"}
    for cls in registered("governance").values():
        assert issubclass(cls, Governance)
        for method, phase, what in cls.changes_trust:
            assert callable(getattr(cls, method)), (cls, method)
            assert phase in phases and what
