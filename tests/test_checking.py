"""``terrisim check-rule``: built-in rules hold every invariant; broken rules are caught.

Each broken rule below breaks one invariant on purpose (trust leaving [0, 1], goods created
from nothing, NaN valuations, negative stocks, hidden randomness, a special case for the first
territory...). The checker must name that invariant in plain words and give the smallest
failing scenario, as a scenario file that reproduces the problem.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, TERRISIM

import terrisim.model  # noqa: F401  (registers the built-in rules)
from terrisim.checking import (
    INVARIANTS,
    CheckReport,
    check_rule,
    check_scenario,
    example_scenario,
)
from terrisim.governance.base import Governance
from terrisim.governance.merger import Merger
from terrisim.model import TerriModel
from terrisim.rules.base import ROLES, registered
from terrisim.rules.outputs import RuleOutputError, unguarded
from terrisim.rules.trust import Reinforcement, TrustUpdate
from terrisim.rules.valuation import BasketValuation
from terrisim.scenario import ScenarioError, scenario_from_dict
from terrisim.shocks import ShockKind

# Few scenarios per invariant: the broken rules below fail on every scenario. The built-in
# rules get more (TERRISIM_EXAMPLES raises it, as for the property tests; all of them pass
# `terrisim check-rule` at its default of 50).
EXAMPLES = 5
BUILTIN_EXAMPLES = int(os.environ.get("TERRISIM_EXAMPLES", "10"))
# Steps of each random scenario: the broken rules below break at once; the built-in rules get
# more (check-rule's default is 60: tests/test_checking_truth.py checks a bug after step 8).
STEPS = 12
BUILTIN_STEPS = int(os.environ.get("TERRISIM_CHECK_STEPS", "24"))


# ------------------------------------------------------------------- deliberately broken rules
class Overtrust(TrustUpdate):
    """Broken: adds 0.5 to every trust, with no clipping (leaves [0, 1])."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Trust plus one half."""
        return state.trust + 0.5


class NaNValuation(BasketValuation):
    """Broken: what is received is worth NaN."""

    def unit_values(self, state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Price given, NaN received."""
        price = state.price[None, :]
        return price, price * np.nan


class MintingCouncil(Governance):
    """Broken: an institution that adds one unit of the first good to everyone, from nothing."""

    def before_exchange(self, model: Any) -> None:
        """One unit of the first good for every territory, recorded nowhere."""
        model.state.available[:, 0] += 1.0


class ShreddingCouncil(Governance):
    """Broken: an institution that destroys half of what territories have at hand."""

    def before_exchange(self, model: Any) -> None:
        """Halve every available quantity."""
        model.state.available *= 0.5


class IdleCouncil(Governance):
    """Sound: an institution that moves nothing, through an empty transfer every step."""

    def before_exchange(self, model: Any) -> None:
        """An empty transfer (no giver, no receiver), as a rule with nothing to give makes."""
        model.transfer(np.zeros(0, int), np.zeros(0, int), np.zeros((0, 0)), "idle")


class MintingMerger(Merger):
    """Broken: the built-in merger, plus goods beyond the economies of scale it declares."""

    def before_exchange(self, model: Any) -> None:
        """The merger's pooling, then ten undeclared units of the first good for each member."""
        super().before_exchange(model)
        model.state.available[self.members, 0] += 10.0


class Windfall(ShockKind):
    """Broken: a 'shock' that adds five units to every stock."""

    name = "windfall"

    def apply(self, state: Any, mask: np.ndarray, magnitude: float, elapsed: int) -> None:
        """Five more units of everything in stock."""
        state.stock[mask] += 5.0


class Abyss(ShockKind):
    """Broken: a shock that takes away more than the stocks hold (negative stocks)."""

    name = "abyss"

    def apply(self, state: Any, mask: np.ndarray, magnitude: float, elapsed: int) -> None:
        """Stocks minus 1000 units."""
        state.stock[mask] -= 1000.0


class DiceTrust(TrustUpdate):
    """Broken: trust drawn from an unseeded generator (not reproducible)."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """A fresh random trust on every arc."""
        return np.random.default_rng().uniform(0.0, 1.0, state.trust.shape)


class FirstIsSpecial(TrustUpdate):
    """Broken: the territory listed first trusts everyone fully (depends on the order)."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Unchanged trust, except full trust from territory number 0."""
        trust = np.array(state.trust, copy=True)
        trust[state.arc_from == 0] = 1.0
        return trust


class HalfTrust(TrustUpdate):
    """Broken: returns the trust of only half of the arcs (wrong shape)."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """The first half of the trust array."""
        return state.trust[: state.trust.size // 2]


class InfiniteTrust(TrustUpdate):
    """Broken: divides by zero (numpy gives inf, not an error)."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Trust divided by zero."""
        return state.trust / 0


class RaisingTrust(TrustUpdate):
    """Broken: raises an error at the first step."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Raise KeyError."""
        return state.trust * {"alpha": 1.0}["beta"]


class OverjoyedCouncil(Governance):
    """Broken: reports a satisfaction indicator of 1.5 (out of [0, 1])."""

    def state_summary(self) -> dict[str, Any]:
        """A satisfaction above 1."""
        return {"satisfaction_council": 1.5}


# (rule, invariant it breaks first, words the report must contain)
BROKEN = [
    (Overtrust, "trust_range", "trust outside [0, 1]"),
    (NaNValuation, "rule_outputs", "values must be finite and >= 0"),
    (MintingCouncil, "conservation", "goods created from nothing"),
    (ShreddingCouncil, "conservation", "vanished"),
    (MintingMerger, "conservation", "goods created from nothing"),
    (Windfall, "conservation", "a shock may destroy stocks, never create them"),
    (Abyss, "non_negative", "negative or invalid stock"),
    (DiceTrust, "determinism", "two runs with the same seed"),
    (FirstIsSpecial, "agent_order", "results depend on the order of territories"),
    (HalfTrust, "rule_outputs", "it must return the new trust of every arc"),
    (InfiniteTrust, "trust_range", "is inf"),
    (RaisingTrust, "runs", "KeyError"),
    (OverjoyedCouncil, "indicators", "'satisfaction_council' is 1.5"),
]


def _check(rule: Any, **kwargs: Any) -> CheckReport:
    return check_rule(rule, examples=EXAMPLES, **{"steps": STEPS, **kwargs})


# ------------------------------------------------------------------------- built-in rules
# real_epci runs only on real communes, which generated scenarios are not (tests/test_france.py)
BUILTIN = [
    (role, name)
    for role in ROLES
    for name, cls in sorted(registered(role).items())
    if not getattr(cls, "needs_real_territories", False)
]


@pytest.mark.parametrize(("role", "name"), BUILTIN, ids=[f"{r}:{n}" for r, n in BUILTIN])
def test_every_builtin_rule_holds_every_invariant(role: str, name: str) -> None:
    report = check_rule(name, examples=BUILTIN_EXAMPLES, steps=BUILTIN_STEPS)
    assert report.role == role
    assert [r.name for r in report.results] == list(INVARIANTS)
    assert report.passed, report.text()
    assert report.exit_code == 0
    assert report.text().endswith(f"all {len(INVARIANTS)} invariants hold")


def test_a_rule_class_is_checked_like_its_module_name() -> None:
    by_class = _check(Reinforcement)
    assert by_class.passed, by_class.text()
    assert by_class.rule == "terrisim.rules.trust:Reinforcement"


# ------------------------------------------------------------------------- broken rules
@pytest.mark.parametrize(
    ("rule", "invariant", "words"), BROKEN, ids=[rule.__name__ for rule, _, _ in BROKEN]
)
def test_a_broken_rule_fails_with_a_plain_words_report(
    rule: type, invariant: str, words: str
) -> None:
    report = _check(rule)
    assert not report.passed
    assert report.exit_code == 1
    assert invariant in [r.name for r in report.failed], report.text()
    result = report.result(invariant)
    assert result.violation is not None and words in result.violation.message
    text = report.text()
    assert f"FAIL {invariant}: " in text and words in text
    assert "smallest failing scenario" in text
    assert result.scenario_toml is not None
    assert textwrap.indent(result.scenario_toml, "    ") in text + "\n"


@pytest.mark.parametrize(
    "rule", [Overtrust, MintingCouncil, NaNValuation, DiceTrust, FirstIsSpecial]
)
def test_the_failing_scenario_is_shrunk_to_two_territories_and_stops_at_step_1(rule: type) -> None:
    report = _check(rule)
    example = report.failed[0].example
    assert example is not None
    assert example.n == 2 and example.seed == 0
    toml = report.failed[0].scenario_toml
    assert toml is not None and "counts = { metropolis = 0, town = 1" in toml
    # every example runs STEPS steps; the scenario file stops where the violation happened
    assert example.steps == STEPS and tomllib.loads(toml)["steps"] == 1


def test_the_reported_scenario_file_reproduces_trust_above_one() -> None:
    report = _check(Overtrust)
    toml = report.result("trust_range").scenario_toml
    assert toml is not None
    data = tomllib.loads(toml)
    assert data["rules"]["trust"]["name"] == report.rule
    reported = scenario_from_dict(data, "<reported>")
    # a plain run stops at the rule's bad output, naming the rule's file and line
    with pytest.raises(RuleOutputError, match=r"trust must be finite and in \[0, 1\]") as error:
        TerriModel(reported, record_territories=False).run()
    assert "test_checking.py:" in str(error.value) and "Overtrust.update" in str(error.value)
    # unguarded, as check-rule runs it, the trust goes above 1
    with unguarded():
        model = TerriModel(reported, record_territories=False)
        model.run()
    assert model.state.trust.max() > 1.0
    # the same scenario as a dict, with every drawn setting (defaults included)
    full = example_scenario(report, "trust_range")
    assert full["rules"]["trust"]["name"] == report.rule
    assert full["steps"] == data["steps"] and full["seed"] == data["seed"]


def test_a_fixed_rule_is_checked_again_on_the_scenario_that_broke_it(tmp_path: Path) -> None:
    toml = _check(Overtrust).result("trust_range").scenario_toml
    assert toml is not None
    failing = tmp_path / "failing.toml"
    failing.write_text(toml, encoding="utf-8")
    again = check_scenario(Overtrust, failing)
    assert [r.name for r in again.failed] == ["trust_range"]
    assert again.result("agent_order").checked is False
    assert "(not checked on a given scenario)" in again.text()
    spec = again.rule
    failing.write_text(toml.replace(spec, "terrisim.rules.trust:Reinforcement"), encoding="utf-8")
    fixed = check_scenario(Reinforcement, failing)
    assert fixed.passed, fixed.text()
    assert fixed.text().endswith("all 9 invariants hold (1 not checked)")
    with pytest.raises(ScenarioError, match="does not use rule"):
        check_scenario(Overtrust, failing)


def test_a_merger_declaring_its_economies_of_scale_passes_but_minting_more_fails() -> None:
    assert _check("merger").result("conservation").passed
    minted = _check(MintingMerger).result("conservation")
    assert not minted.passed and minted.violation is not None
    assert "phase 'govern'" in minted.violation.message


def test_an_empty_transfer_is_accepted() -> None:
    report = _check(IdleCouncil)
    assert report.passed, report.text()


def test_the_same_arguments_give_the_same_report() -> None:
    assert _check(Overtrust).text() == _check(Overtrust).text()


def test_a_rule_defined_inside_a_function_can_be_checked() -> None:
    class Frozen(TrustUpdate):
        """Trust never changes (sound, if dull)."""

        def update(self, state: Any, outcome: Any) -> np.ndarray:
            """The same trust."""
            return np.array(state.trust, copy=True)

    report = _check(Frozen)
    assert report.passed, report.text()


def test_parameters_are_checked_and_bad_ones_named() -> None:
    assert _check("reinforcement", params={"alpha": 0.2}).params == {"alpha": 0.2}
    with pytest.raises(ScenarioError, match="alpha"):
        _check("reinforcement", params={"alpha": 2.0})
    with pytest.raises(ScenarioError, match="gamma"):
        _check("reinforcement", params={"gamma": 0.1})


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ScenarioError, match=r"cannot import module 'no_such_module'.*PYTHONPATH"):
        check_rule("no_such_module:Rule")
    with pytest.raises(ScenarioError, match="has no 'Nope'"):
        check_rule("terrisim.rules.trust:Nope")
    with pytest.raises(ScenarioError, match="not a terrisim rule"):
        check_rule("terrisim.state:TerritoryState")
    with pytest.raises(ScenarioError, match="not a registered rule"):
        check_rule("no_such_rule")
    with pytest.raises(ScenarioError, match="examples"):
        check_rule("reinforcement", examples=0)


# ------------------------------------------------------------------------- the command
BROKEN_MODULE = '''
"""A student's rule with a bug: deals create food from nothing."""
from terrisim.governance.base import Governance


class GenerousCouncil(Governance):
    """Gives every territory one more unit of food each step, from nowhere."""

    def before_exchange(self, model):
        """One unit of food for everyone."""
        model.state.available[:, 0] += 1.0
'''


def _cli(*args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath) if pythonpath else ""}
    return subprocess.run(
        [str(TERRISIM), "check-rule", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_command_fails_a_rule_that_creates_goods_and_prints_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "student_rules.py").write_text(BROKEN_MODULE, encoding="utf-8")
    proc = _cli("student_rules:GenerousCouncil", "--examples", "3", pythonpath=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL conservation: goods created from nothing" in proc.stdout
    assert 'rule = "student_rules:GenerousCouncil"' in proc.stdout
    assert "1 of 10 invariants broken: conservation" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_command_passes_a_builtin_rule_with_a_parameter() -> None:
    proc = _cli("reinforcement", "--examples", "3", "--param", "alpha=0.1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checking trust rule reinforcement (alpha=0.1)" in proc.stdout
    assert "all 10 invariants hold" in proc.stdout


def test_command_checks_one_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "student_rules.py").write_text(BROKEN_MODULE, encoding="utf-8")
    scenario = tmp_path / "failing.toml"
    scenario.write_text(
        'steps = 2\n[[governance]]\nrule = "student_rules:GenerousCouncil"\n', encoding="utf-8"
    )
    proc = _cli("student_rules:GenerousCouncil", "--scenario", str(scenario), pythonpath=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"on scenario {scenario}" in proc.stdout
    assert "FAIL conservation: goods created from nothing" in proc.stdout
    proc = _cli("need_weighted", "--scenario", str(scenario), pythonpath=tmp_path)
    assert proc.returncode == 2 and "does not use rule 'need_weighted'" in proc.stderr


def test_command_explains_a_module_it_cannot_import() -> None:
    proc = _cli("student_rules:GenerousCouncil")
    assert proc.returncode == 2
    assert "cannot import module 'student_rules'" in proc.stderr
    assert "PYTHONPATH" in proc.stderr and "Traceback" not in proc.stderr
