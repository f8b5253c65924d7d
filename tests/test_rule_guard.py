"""Rules cannot corrupt the model: each silent mistake of issue 19 is caught, in plain words.

Each broken rule below was, before read-only views, a silent corruption: ``terrisim run``
printed plausible numbers and ``check-rule`` reported every invariant as holding. Now a plain
run stops at the write with one line naming the rule, the array and the line, and
``check-rule`` reports the ``read_only`` invariant broken.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, TERRISIM
from pydantic import BaseModel, ConfigDict

from terrisim.checking import check_rule
from terrisim.governance.base import Governance
from terrisim.model import TerriModel
from terrisim.rules.guard import (
    FIXED,
    RuleCrashError,
    RuleWriteError,
    call_rule,
    raised_at,
    read_only,
)
from terrisim.rules.outputs import unguarded
from terrisim.rules.partners import TrustWeighted
from terrisim.rules.trust import Reinforcement
from terrisim.rules.valuation import MarketValuation
from terrisim.scenario import ScenarioError, apply_overrides, load_scenario, scenario_from_dict
from terrisim.shocks import ShockKind

THIS_FILE = Path(__file__).name


# ------------------------------------------------------------------- deliberately broken rules
class InflatingPrices(MarketValuation):
    """Broken: raises the prices through a view (prices x18.7 after 60 steps, before)."""

    name = "inflating_prices"

    def unit_values(self, state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Reference prices, inflated in place."""
        p = state.price[None, :]
        p *= 1.05
        return p, p


class GrowingCapacity(MarketValuation):
    """Broken: grows every capacity by 2 % a step (satisfaction 0.826 -> 0.992, before)."""

    name = "growing_capacity"

    def unit_values(self, state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Market values, and capacities grown as a side effect."""
        state.capacity *= 1.02
        return super().unit_values(state)


class ShrinkingNeeds(TrustWeighted):
    """Broken: a partner rule that shrinks needs by 2 % a step as a side effect (x0.3)."""

    name = "shrinking_needs"

    def factors(self, state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Trust-weighted factors, and needs shrunk."""
        state.need *= 0.98
        return super().factors(state)


class RewrittenBaseline(Reinforcement):
    """Broken: a trust rule that moves the baseline to today's trust (no pull back)."""

    name = "rewritten_baseline"

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement, after replacing the baseline."""
        state.trust_baseline = state.trust.copy()
        return super().update(state, outcome)


class OverwrittenBaseline(Reinforcement):
    """Broken: the same, writing into the baseline array."""

    name = "overwritten_baseline"

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement, after overwriting the baseline."""
        state.trust_baseline[:] = state.trust
        return super().update(state, outcome)


class TrustInPlace(Reinforcement):
    """Broken: changes the trust array it was given (the model stores what it returns)."""

    name = "trust_in_place"

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement written into state.trust."""
        state.trust[:] = super().update(state, outcome)
        return state.trust


class CapacityCouncil(Governance):
    """Broken: an institution that raises every capacity at the end of each step."""

    name = "capacity_council"

    def end_step(self, model: Any) -> None:
        """Capacities up 2 %."""
        s = model.state
        s.capacity *= 1.02


class HiddenViewCouncil(Governance):
    """Broken: keeps a view of the capacities from set-up and raises them through it.

    A view made before the rule's call would escape the read-only flag of the hooks: the
    model makes the views its rules kept from set-up read-only once set-up is over.
    """

    name = "hidden_view_council"

    def setup(self, model: Any) -> None:
        """Keep a view of the capacities."""
        self.capacity = model.state.capacity[:]

    def end_step(self, model: Any) -> None:
        """Capacities up 50 % through the view."""
        self.capacity *= 1.5


class DeeplyHiddenViewCouncil(Governance):
    """Broken: hides the view one object deeper, where the model does not look for it.

    The last net: check-rule compares what set-up fixed after every phase, and production
    against set-up's capacities.
    """

    name = "deeply_hidden_view_council"

    def setup(self, model: Any) -> None:
        """Keep a view of the capacities inside an object of its own."""
        self.box = types.SimpleNamespace(capacity=model.state.capacity[:])

    def end_step(self, model: Any) -> None:
        """Capacities up 50 % through the view."""
        self.box.capacity *= 1.5


class NeedShock(ShockKind):
    """Broken: a shock kind that lowers the needs themselves, not the need modifier."""

    name = "need_cut"

    def apply(self, state: Any, mask: np.ndarray, magnitude: float, elapsed: int) -> None:
        """Needs of the targets down."""
        state.need[mask] *= 1.0 - magnitude


class CrashingTrust(Reinforcement):
    """Broken: reads an attribute it never set (a crash, not a corruption)."""

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """An attribute error."""
        return self.y


class NumpyCrash(MarketValuation):
    """Broken: asks numpy for an impossible shape (the error is raised inside numpy)."""

    def unit_values(self, state: Any) -> tuple[np.ndarray, np.ndarray]:
        """A reshape numpy refuses."""
        return np.reshape(state.price, (7, 11)), None


class CrashingCouncil(Governance):
    """Broken: its set-up reads an array the state does not have."""

    def setup(self, model: Any) -> None:
        """An attribute error while the model is built."""
        self.members = model.state.no_such_array


class Forgetting(Reinforcement):
    """A student's rule with a parameter of its own (a misspelling names this rule's keys)."""

    class Params(BaseModel):
        """Only how fast trust fades."""

        model_config = ConfigDict(extra="forbid")
        forget: float = 0.1


def _line_of(cls: type, code: str) -> str:
    """``FILE:LINE`` of the line of ``cls``'s source that contains ``code``."""
    lines, start = inspect.getsourcelines(cls)
    offset = next(i for i, line in enumerate(lines) if code in line)
    return f"{THIS_FILE}:{start + offset}"


def _terrisim_run(scenario: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``terrisim run scenario`` in a subprocess, with ``tmp_path`` (the rule files) on the path."""
    return subprocess.run(
        [str(TERRISIM), "run", str(scenario), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p
            ),
        },
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _run(scenario: Any = None, steps: int = 3, **rules: Any) -> TerriModel:
    model = TerriModel(scenario, record_territories=False)
    for slot, rule in rules.items():
        setattr(model, slot, rule)
    model.run(steps)
    return model


# ------------------------------------------------------------------------------ terrisim run
@pytest.mark.parametrize(
    ("slot", "rule", "array", "code"),
    [
        ("valuation", InflatingPrices(), "state.price", "p *= 1.05"),
        ("valuation", GrowingCapacity(), "state.capacity", "state.capacity *= 1.02"),
        ("partners", ShrinkingNeeds(), "state.need", "state.need *= 0.98"),
        (
            "trust_rule",
            RewrittenBaseline(),
            "state.trust_baseline",
            "state.trust_baseline = state.trust.copy()",
        ),
        ("trust_rule", OverwrittenBaseline(), "state.trust_baseline", "state.trust_baseline[:]"),
        ("trust_rule", TrustInPlace(), "state.trust", "state.trust[:] ="),
    ],
)
def test_a_rule_that_writes_into_the_model_stops_the_run_naming_rule_array_and_line(
    slot: str, rule: Any, array: str, code: str
) -> None:
    with pytest.raises(RuleWriteError) as error:
        _run(**{slot: rule})
    message = str(error.value)
    assert "\n" not in message
    assert f"rule {type(rule).__name__}." in message
    assert f"changed {array} " in message
    assert f"{THIS_FILE}:" in message and code in message
    assert "compute on a copy" in message


class AliasWriter(Reinforcement):
    """Broken: writes into one of the model's arrays through a local name (``a = state.x``)."""

    def __init__(self, array: str) -> None:
        super().__init__()
        self.array = array

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement, after writing the array onto itself."""
        a = getattr(state, self.array)
        a[...] = a
        return super().update(state, outcome)


@pytest.mark.parametrize("array", FIXED)
def test_every_array_set_up_fixed_is_read_only_and_named_even_through_a_local_name(
    array: str,
) -> None:
    # distances, leanings and the rest, not only the arrays of the broken rules
    with pytest.raises(RuleWriteError) as error:
        _run(trust_rule=AliasWriter(array), steps=1)
    message = str(error.value)
    assert f"the trust rule AliasWriter.update changed state.{array} " in message
    assert _line_of(AliasWriter, "a[...] = a") in message


def test_after_a_refused_write_the_state_is_unchanged_and_writeable_again() -> None:
    model = TerriModel(None, record_territories=False)
    price, capacity = model.state.price.copy(), model.state.capacity.copy()
    model.valuation = InflatingPrices()
    with pytest.raises(RuleWriteError):
        model.run(1)
    assert np.array_equal(model.state.price, price)
    assert np.array_equal(model.state.capacity, capacity)
    assert model.state.price.flags.writeable and model.state.capacity.flags.writeable
    assert type(model.state).__name__ == "TerritoryState"
    model.state.trust_baseline = model.state.trust_baseline  # attributes free again


def test_an_institution_or_a_shock_cannot_change_what_set_up_fixed() -> None:
    scenario = apply_overrides(load_scenario(None), {"steps": 3})
    model = TerriModel(scenario, record_territories=False)
    model.institutions.append(CapacityCouncil())
    with pytest.raises(RuleWriteError, match=r"governance rule CapacityCouncil.end_step changed"):
        model.run()
    model = TerriModel(scenario, record_territories=False)
    model.trigger_shock(f"{__name__}:NeedShock", 0.5)
    with pytest.raises(RuleWriteError, match=r"shock kind NeedShock.apply changed state.need "):
        model.run()


class RenamedViewCouncil(HiddenViewCouncil):
    """Broken: the same hidden view under a name that is not the array's."""

    name = "renamed_view_council"

    def setup(self, model: Any) -> None:
        """Keep a view of the needs under another name."""
        self.mine = model.state.need[:]

    def end_step(self, model: Any) -> None:
        """Needs down through the view."""
        self.mine *= 0.5


@pytest.mark.parametrize(
    ("council", "array", "code"),
    [
        (HiddenViewCouncil, "state.capacity", "self.capacity *= 1.5"),
        (RenamedViewCouncil, "state.need", "self.mine *= 0.5"),
    ],
)
def test_a_view_kept_from_set_up_is_read_only_under_run_too(
    council: type, array: str, code: str
) -> None:
    scenario = scenario_from_dict(
        {"steps": 2, "governance": [{"rule": f"{__name__}:{council.__name__}"}]}, "<test>"
    )
    model = TerriModel(scenario, record_territories=False)
    capacity, need = model.state.capacity.copy(), model.state.need.copy()
    with pytest.raises(RuleWriteError) as error:
        model.run()
    message = str(error.value)
    assert f"governance rule {council.__name__}.end_step changed {array} " in message
    assert f"{THIS_FILE}:" in message and code in message
    assert np.array_equal(model.state.capacity, capacity)
    assert np.array_equal(model.state.need, need)


def test_a_view_kept_from_set_up_stops_terrisim_run(tmp_path: Path) -> None:
    (tmp_path / "hidden_council.py").write_text(
        "from terrisim.governance.base import Governance\n\n\n"
        "class Hidden(Governance):\n"
        "    def setup(self, model):\n"
        "        self.capacity = model.state.capacity[:]\n\n"
        "    def end_step(self, model):\n"
        "        self.capacity *= 1.5\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'steps = 2\n[[governance]]\nrule = "hidden_council:Hidden"\n', encoding="utf-8"
    )
    proc = _terrisim_run(scenario, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "changed state.capacity" in proc.stderr
    assert "hidden_council.py:9 (self.capacity *= 1.5)" in proc.stderr


def test_built_in_rules_and_institutions_run_under_the_guard() -> None:
    # every configuration of configs/ runs (institutions change trust, stocks, modifiers)
    for path in sorted((ROOT / "configs").glob("*.toml")):
        if path.name == "france_scale.toml":
            continue
        scenario = apply_overrides(load_scenario(path), {"steps": 4})
        TerriModel(scenario, record_territories=False).run()


def test_a_rule_may_return_a_view_of_what_it_received() -> None:
    # the market valuation returns state.price[None, :]: usable by the model afterwards
    model = TerriModel(None, record_territories=False)
    give, _receive = call_rule("valuation", model.valuation, "unit_values", model.state)
    assert give.flags.writeable and np.shares_memory(give, model.state.price)


def test_a_read_only_array_of_the_rules_own_is_its_own_error() -> None:
    class Frozen:
        def unit_values(self, state: Any) -> Any:
            mine = np.zeros(3)
            mine.flags.writeable = False
            mine[0] = 1.0

    model = TerriModel(None, record_territories=False)
    with pytest.raises(RuleCrashError, match=r"raised ValueError: .*read-only") as error:
        call_rule("valuation", Frozen(), "unit_values", model.state)
    assert not isinstance(error.value, RuleWriteError)
    assert f"{THIS_FILE}:" in str(error.value) and "(mine[0] = 1.0)" in str(error.value)
    assert isinstance(error.value.__cause__, ValueError)  # kept for a traceback in Python


def test_unguarded_a_rules_crash_raises_as_it_is() -> None:
    model = TerriModel(None, record_territories=False)
    with unguarded(), pytest.raises(AttributeError, match="no attribute 'y'"):
        call_rule("trust", CrashingTrust(), "update", model.state, outcome=model.outcome)


def test_raised_at_names_the_rules_line_not_numpys() -> None:
    model = TerriModel(None, record_territories=False)
    try:
        NumpyCrash().unit_values(model.state)
    except ValueError as exc:
        at = raised_at(exc)
    assert at.partition(":")[0].endswith(THIS_FILE), at
    assert at.endswith("(return np.reshape(state.price, (7, 11)), None)"), at


def test_read_only_blocks_nest_and_give_back_only_their_own_names() -> None:
    model = TerriModel(None, record_territories=False)
    s = model.state
    with (
        pytest.raises(RuleWriteError, match=r"the outer changed state\.price"),
        read_only("outer", {"state": s}, ("price",)),
    ):
        with read_only("inner", {"state": s}, ("capacity",)):
            assert not s.price.flags.writeable and not s.capacity.flags.writeable
        assert not s.price.flags.writeable and s.capacity.flags.writeable
        s.capacity = s.capacity  # released by the inner block
        s.price = s.price * 2
    assert s.price.flags.writeable
    assert set(FIXED) <= set(vars(s))


# ------------------------------------------------------------------------------ check-rule
@pytest.mark.parametrize(
    "rule",
    [InflatingPrices, GrowingCapacity, ShrinkingNeeds, RewrittenBaseline, CapacityCouncil],
)
def test_check_rule_reports_a_write_into_the_model_as_read_only_broken(rule: type) -> None:
    report = check_rule(rule, examples=3)
    assert report.failed and report.failed[0].name == "read_only", report.text()
    assert report.result("read_only").violation is not None
    text = report.text()
    assert "FAIL read_only: the " in text and f"{THIS_FILE}:" in text


def test_check_rule_catches_capacities_changed_through_a_view_kept_from_set_up() -> None:
    report = check_rule(HiddenViewCouncil, examples=3)
    broken = {r.name for r in report.failed}
    assert "read_only" in broken, report.text()
    message = report.result("read_only").violation.message
    assert "HiddenViewCouncil.end_step changed state.capacity" in message
    assert "self.capacity *= 1.5" in message


def test_check_rule_catches_capacities_changed_through_a_view_hidden_deeper() -> None:
    report = check_rule(DeeplyHiddenViewCouncil, examples=3)
    broken = {r.name for r in report.failed}
    assert "read_only" in broken, report.text()
    message = report.result("read_only").violation.message
    assert "state.capacity changed" in message and "fixed at set-up" in message


def test_check_rule_checks_production_against_the_capacities_of_set_up() -> None:
    # the run after the hidden view's first write: production beyond capacity x modifier is
    # reported too (a consequence here, so the report shows only the cause, read_only)
    from terrisim.checking import _plug, _run

    plug = _plug(DeeplyHiddenViewCouncil, {})
    data = {"steps": 2, "governance": [{"rule": plug.spec}]}
    trace = _run(scenario_from_dict(data, "<test>"), plug, check=True, stop_early=False)
    production = [v for v in trace.violations if v.invariant == "conservation"]
    assert production and production[0].phase == "produce" and production[0].step == 2
    assert "production made" in production[0].message
    assert "capacity x production modifier" in production[0].message


def test_terrisim_run_prints_one_line_and_exits_2_on_a_write(tmp_path: Path) -> None:
    (tmp_path / "student_rules.py").write_text(
        "from terrisim.rules.valuation import MarketValuation\n\n\n"
        "class Inflating(MarketValuation):\n"
        "    def unit_values(self, state):\n"
        "        p = state.price[None, :]\n"
        "        p *= 1.05\n"
        "        return p, p\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'steps = 2\n[rules]\nvaluation = { name = "student_rules:Inflating" }\n', encoding="utf-8"
    )
    proc = _terrisim_run(scenario, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "changed state.price" in proc.stderr and "student_rules.py:7 (p *= 1.05)" in proc.stderr


# ---------------------------------------------------------------- a rule that raises, a typo
def test_terrisim_run_names_the_students_line_when_a_rule_raises(tmp_path: Path) -> None:
    (tmp_path / "student_trust.py").write_text(
        "from terrisim.rules.trust import Reinforcement\n\n\n"
        "class MyTrust(Reinforcement):\n"
        "    def update(self, state, outcome):\n"
        "        return self.y\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'steps = 2\n[rules]\ntrust = { name = "student_trust:MyTrust" }\n', encoding="utf-8"
    )
    proc = _terrisim_run(scenario, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (
        "error: the trust rule MyTrust.update raised AttributeError: 'MyTrust' object has no "
        "attribute 'y' at "
    ) in proc.stderr
    assert "student_trust.py:6 (return self.y); fix the rule there" in proc.stderr


def test_a_crash_inside_numpy_is_located_at_the_rules_line() -> None:
    model = TerriModel(None, record_territories=False)
    model.valuation = NumpyCrash()
    with pytest.raises(RuleCrashError) as error:
        model.run(1)
    message = str(error.value)
    assert message.startswith("the valuation rule NumpyCrash.unit_values raised ValueError: ")
    assert f"{_line_of(NumpyCrash, 'np.reshape')} (return np.reshape(" in message


def test_an_institution_that_raises_while_set_up_is_one_line_naming_its_line() -> None:
    scenario = scenario_from_dict(
        {"steps": 2, "governance": [{"rule": "test_rule_guard:CrashingCouncil"}]}
    )
    with pytest.raises(RuleCrashError, match=r"the governance rule CrashingCouncil.setup raised"):
        TerriModel(scenario, record_territories=False)
    report = check_rule(CrashingCouncil, examples=2, steps=3)
    assert report.failed and report.failed[0].name == "runs", report.text()
    assert "while the model was set up" in report.failed[0].violation.message
    assert _line_of(CrashingCouncil, "no_such_array") in report.failed[0].violation.message


def test_check_rule_names_the_students_line_when_a_rule_raises() -> None:
    report = check_rule(CrashingTrust, examples=2, steps=3)
    assert report.failed and report.failed[0].name == "runs", report.text()
    message = report.failed[0].violation.message
    assert "the run stopped with AttributeError" in message
    assert f"{_line_of(CrashingTrust, 'return self.y')} (return self.y)" in message
    assert "Traceback" not in report.text()


def test_a_misspelt_parameter_of_a_students_rule_lists_that_rules_own_keys() -> None:
    scenario = scenario_from_dict(
        {"rules": {"trust": {"name": "test_rule_guard:Forgetting", "forgett": 0.2}}}
    )
    with pytest.raises(ScenarioError) as error:
        TerriModel(scenario, record_territories=False)
    assert str(error.value) == (
        "<scenario>: rules.trust.forgett: unknown key (check the spelling); allowed: name, "
        "forget (got 0.2)"
    )
