"""``check-rule`` tells the whole truth: long runs, the student's own scenario, coverage.

The broken rules of issue 19 that a clean report used to hide: a bug that appears only after
step 8 (check-rule's scenarios lasted 1 to 8 steps), a rule that never acts in the checked
scenarios, a rule that breaks only on the student's own (larger) scenario. And the report says
which invariants it checked, which it could not, and which lines of the rule never ran.
"""

from __future__ import annotations

import subprocess
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, TERRISIM

from terrisim.checking import check_rule, check_scenario
from terrisim.governance.base import Governance
from terrisim.model import TerriModel
from terrisim.rule_coverage import RuleLines
from terrisim.rules.outputs import RuleOutputError
from terrisim.rules.trust import Reinforcement
from terrisim.scenario import apply_overrides, load_scenario

EXAMPLES = 3


# ------------------------------------------------------------------- deliberately broken rules
class LateOvertrust(Reinforcement):
    """Broken after step 8: from its 9th call on, trust grows by 0.02 a step, unclipped."""

    name = "late_overtrust"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.calls = 0

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement for 8 steps, then a drift that leaves [0, 1]."""
        self.calls += 1
        new = super().update(state, outcome)
        if self.calls > 8:
            new = new + 0.02 * (self.calls - 8)
        return new


class LateCall(Governance):
    """Never acts in 60 steps: a call for projects whose first call is at step 100."""

    name = "late_call"

    def end_step(self, model: Any) -> None:
        """From step 100 on, every territory gets one unit of trust... never reached."""
        if model.steps < 100:
            return
        model.state.trust = np.minimum(model.state.trust + 0.1, 1.0)
        model.log_event("start", n=model.state.n, links=model.state.n_links)


class ForgetfulTrust(Reinforcement):
    """Acts every step: reinforcement, then trust fades by a share."""

    name = "forgetful_test"

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Reinforcement times 0.95."""
        return super().update(state, outcome) * 0.95


# -------------------------------------------------------------------------- long runs
def test_a_bug_that_appears_after_step_8_is_found_in_the_default_60_steps() -> None:
    report = check_rule(LateOvertrust, examples=EXAMPLES)
    result = report.result("trust_range")
    assert not result.passed, report.text()
    assert result.violation is not None and result.violation.step > 8
    # the failing scenario file stops at the step where trust left [0, 1]
    data = tomllib.loads(result.scenario_toml or "")
    assert data["steps"] == result.violation.step
    # and terrisim run on it stops at the rule's output
    scenario = apply_overrides(load_scenario(None), {"steps": 30})
    model = TerriModel(scenario, record_territories=False)
    model.trust_rule = LateOvertrust()
    with pytest.raises(RuleOutputError, match=r"LateOvertrust\.update"):
        model.run()


def test_check_rule_runs_as_many_steps_as_asked() -> None:
    report = check_rule(LateOvertrust, examples=EXAMPLES, steps=8)
    assert report.passed, report.text()  # 8 steps: the bug is not reached...
    assert "8 steps each" in report.text()  # ... and the report says how long it ran


def test_a_given_scenario_runs_its_own_length(tmp_path: Path) -> None:
    scenario = tmp_path / "long.toml"
    scenario.write_text(
        f'steps = 30\n[rules]\ntrust = {{ name = "{__name__}:LateOvertrust" }}\n', encoding="utf-8"
    )
    report = check_scenario(f"{__name__}:LateOvertrust", scenario)
    assert not report.result("trust_range").passed, report.text()
    assert "(30 steps)" in report.text()


# ------------------------------------------------------------------------------ coverage
def test_a_rule_that_never_acts_gets_a_warning_and_its_unreached_lines() -> None:
    report = check_rule(LateCall, examples=EXAMPLES)
    text = report.text()
    assert report.passed  # nothing broke, because nothing ran
    assert report.acted == 0 and report.acted_share == 0.0
    assert "warning: your rule never acted in the checked scenarios" in text
    assert "never ran" in text and "LateCall.end_step" in text
    missed = report.coverage.missed["LateCall.end_step"]
    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    assert any("model.state.trust = np.minimum" in source[line - 1] for line in missed)


def test_a_rule_that_acts_almost_everywhere_is_reported_as_such() -> None:
    report = check_rule(ForgetfulTrust, examples=EXAMPLES)
    assert report.passed, report.text()
    # it acts wherever trust is not 0 (with trust.initial = 0, x 0.95 changes nothing)
    share = report.acted_share
    assert share is not None and 0.5 < share <= 1.0
    assert f"your rule acted in {100 * share:.0f} % of the {report.runs}" in report.text()
    assert "differed from the built-in rule reinforcement's" in report.text()
    assert not report.coverage.missed  # every line of its own file ran


def test_the_report_says_what_it_checked_and_what_it_could_not() -> None:
    report = check_rule(ForgetfulTrust, examples=EXAMPLES)
    text = report.text()
    assert "not checked by check-rule:" in text
    assert "more than 10 territories" in text
    assert "whether the rule does what you meant" in text


def test_line_coverage_counts_only_the_rules_own_file() -> None:
    lines = RuleLines(ForgetfulTrust)
    assert set(lines.lines) == {"ForgetfulTrust.update"}  # not Reinforcement's, elsewhere
    with lines:
        model = TerriModel(None, record_territories=False)
        model.trust_rule = ForgetfulTrust()
        model.run(1)
    assert not lines.missed


# ------------------------------------------------------------------ the student's scenario
RULE_MODULE = '''
"""A valuation that breaks only with more than 12 territories."""

import numpy as np

from terrisim.rules.valuation import MarketValuation


class BigOnly(MarketValuation):
    name = "big_only"

    def unit_values(self, state):
        price = state.price[None, :]
        if state.n > 12:
            return price, price * np.nan
        return price, price
'''


def test_check_rule_also_checks_the_students_own_scenario_next_to_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big_rules.py").write_text(textwrap.dedent(RULE_MODULE), encoding="utf-8")
    (tmp_path / "mine.toml").write_text(
        textwrap.dedent(
            """
            steps = 3
            [territories.generator]
            counts = { metropolis = 1, town = 3, periurban = 3, rural = 5, mountain = 2 }
            [rules]
            valuation = { name = "big_rules:BigOnly" }
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "other.toml").write_text("steps = 2\n", encoding="utf-8")  # does not name it
    monkeypatch.syspath_prepend(str(tmp_path))
    report = check_rule("big_rules:BigOnly", examples=EXAMPLES)
    assert [Path(p).name for p in report.own_scenarios] == ["mine.toml"]
    result = report.result("rule_outputs")
    assert not result.passed, report.text()
    assert "mine.toml" in result.violation.message
    assert "and on your scenario" in report.text()


def test_a_scenario_that_names_the_rule_through_the_file_it_extends_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a module name of its own: sys.modules keeps big_rules from the test above
    (tmp_path / "extended_rules.py").write_text(textwrap.dedent(RULE_MODULE), encoding="utf-8")
    rule = "extended_rules:BigOnly"
    (tmp_path / "small.toml").write_text(
        f'steps = 2\n[rules]\nvaluation = {{ name = "{rule}" }}\n', encoding="utf-8"
    )
    (tmp_path / "big.toml").write_text(  # breaks the rule: 14 territories; names it only via small
        'extends = "small.toml"\n[territories.generator]\n'
        "counts = { metropolis = 1, town = 3, periurban = 3, rural = 5, mountain = 2 }\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    report = check_rule(rule, examples=EXAMPLES, steps=2)
    assert [Path(p).name for p in report.own_scenarios] == ["big.toml", "small.toml"]
    result = report.result("rule_outputs")
    assert not result.passed and "big.toml" in result.violation.message


def test_an_experiment_file_next_to_the_rule_is_not_taken_for_a_broken_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a module name of its own: sys.modules keeps the test above's big_rules, next to its files
    (tmp_path / "swept_rules.py").write_text(textwrap.dedent(RULE_MODULE), encoding="utf-8")
    (tmp_path / "compare.toml").write_text(  # a sweep's file: it names the rule in a factor
        textwrap.dedent(
            """
            name = "compare"
            scenario = "mine.toml"
            seed = 1
            [design]
            method = "grid"
            [factors."rules.valuation"]
            levels = [{ name = "market" }, { name = "swept_rules:BigOnly" }]
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    report = check_rule("swept_rules:BigOnly", examples=EXAMPLES, steps=2)
    assert report.own_scenarios == []
    assert "cannot be read" not in report.text()


def test_command_reports_coverage_and_steps() -> None:
    proc = subprocess.run(
        [str(TERRISIM), "check-rule", "reinforcement", "--examples", "2", "--steps", "12"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "12 steps each" in proc.stdout
    assert "lines of" in proc.stdout and "ran" in proc.stdout
