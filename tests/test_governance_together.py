"""Governance rules together (ODD 7.5): conservation, several at once, outside rules, defaults."""

from __future__ import annotations

import itertools
import json
import re
import textwrap
import tomllib

import numpy as np
import pytest
from conftest import ROOT, demo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terrisim import apply_overrides
from terrisim.governance import Merger
from terrisim.model import TerriModel
from terrisim.rules.base import registered
from terrisim.scenario import Scenario, ScenarioError, load_scenario

RULES = ("reciprocity_contract", "conference", "merger")
CONFIGS = ("reciprocity_contract", "conference", "merger_voluntary", "merger_forced", "combined")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    rules=st.lists(st.sampled_from(RULES), min_size=1, max_size=3, unique=True),
    forced=st.booleans(),
    commitment=st.floats(0.0, 1.0),
    drought=st.floats(0.0, 1.0),
)
def test_goods_are_conserved_by_every_channel(seed, rules, forced, commitment, drought):
    """Every transfer leaves the total of each good unchanged and gives only what the giver
    has; over the govern phase totals change only by a merger's economies of scale."""
    params = {
        "merger": {"forced": forced, "radius_km": float("inf")},  # always two members or more
        "reciprocity_contract": {"commitment": commitment, "sign_rule": "always"},
        "conference": {"period": 2},
    }
    scenario = demo(
        [{"rule": r, **params[r]} for r in rules],
        steps=10,
        shocks=[{"kind": "drought", "at": 3, "duration": 4, "magnitude": drought}],
    )
    model = TerriModel(scenario, rng=seed, record_territories=False)
    s = model.state
    original = model.transfer
    channels: set[str] = set()

    def checked(giver, receiver, amounts, channel):
        before = s.available.sum(axis=0)
        original(giver, receiver, amounts, channel)
        assert s.available.sum(axis=0) == pytest.approx(before, rel=1e-9, abs=1e-9)
        assert (s.available >= -1e-9).all()
        channels.add(channel)

    model.transfer = checked
    for _ in range(scenario.steps):
        model.open_step()
        model.apply_shocks()
        model.produce()
        before = s.available.sum(axis=0)
        model.govern()
        made = sum(
            (i.step_scale_units for i in model.institutions if isinstance(i, Merger)),
            np.zeros(len(s.goods)),
        )
        assert s.available.sum(axis=0) == pytest.approx(before + made, rel=1e-9, abs=1e-9)
        for phase in model.PHASES[3:]:
            getattr(model, phase)()
        assert ((s.trust >= 0) & (s.trust <= 1)).all() and ((s.bias >= 0) & (s.bias <= 1)).all()
        assert ((s.cost_discount >= 0) & (s.cost_discount <= 1)).all()
    expected = {"reciprocity_contract": "contract", "conference": "conference", "merger": "merger"}
    assert channels <= {expected[r] for r in rules}


def test_several_rules_at_once():
    model = TerriModel(ROOT / "configs" / "combined.toml", record_territories=False)
    model.run(30)
    series = model.recorder.series()
    for channel in ("contract", "conference", "merger", "bilateral"):
        assert series[f"volume_value_{channel}"].sum() > 0
    for column in ("contracts_active", "conference_attendance", "merger_members"):
        assert column in series
    contract, merger = model.institutions[1], model.institutions[0]
    assert merger.is_member[contract.b[0]]  # the intercommunality's member holds the contract
    assert series["contracts_active"].iloc[-1] == 1


def test_the_same_rule_twice_keeps_its_columns_apart_with_labels():
    scenario = demo(
        [
            {"rule": "conference", "radius_km": 30.0, "label": "north"},
            {"rule": "conference", "radius_km": 80.0, "label": "all"},
        ]
    )
    model = TerriModel(scenario, rng=1, record_territories=False)
    model.run(3)
    row = model.recorder.series().iloc[-1]
    assert row["conference_members_north"] < row["conference_members_all"]


def test_a_rule_named_module_colon_class_loads_from_outside_the_package(tmp_path, monkeypatch):
    (tmp_path / "my_institutions.py").write_text(
        textwrap.dedent('''
        from pydantic import BaseModel, ConfigDict
        from terrisim.governance import Governance

        class Subsidy(Governance):
            """Each step, the largest territory gives one unit of its first good to the smallest."""

            class Params(BaseModel):
                model_config = ConfigDict(extra="forbid")
                units: float = 1.0

            def setup(self, model):
                pop = model.state.population
                self.rich, self.poor = int(pop.argmax()), int(pop.argmin())
                self.steps = 0

            def before_exchange(self, model):
                amounts = [[self.params.units] + [0.0] * (len(model.state.goods) - 1)]
                model.transfer([self.rich], [self.poor], amounts, "subsidy")
                self.steps += 1

            def state_summary(self):
                return {"subsidy_steps": self.steps}
    ''')
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    scenario = demo([{"rule": "my_institutions:Subsidy", "units": 2.0}])
    model = TerriModel(scenario, rng=1, record_territories=False)
    model.run(3)
    series = model.recorder.series()
    assert series["subsidy_steps"].tolist() == [1, 2, 3]
    assert series["volume_value_subsidy"].iloc[-1] == pytest.approx(2.0 * model.state.price[0])
    assert "my_institutions:Subsidy" not in registered("governance")


def test_an_unknown_parameter_is_a_scenario_error_naming_it():
    with pytest.raises(ScenarioError, match="comitment"):
        TerriModel(demo([{"rule": "reciprocity_contract", "comitment": 0.5}]))


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_runs_with_its_defaults_on_the_demo(rule):
    """The trainers' page builds ``{"rule": name}`` on any scenario."""
    scenario = apply_overrides(Scenario(), {"governance": [{"rule": rule}]})
    model = TerriModel(scenario, record_territories=False)
    model.run(30)
    assert len(model.recorder.series()) == 30
    assert any(e["kind"].startswith(rule.split("_")[-1]) for e in model.events)


@pytest.mark.parametrize("name", CONFIGS)
def test_example_scenarios_are_reproducible(name):
    scenario = load_scenario(ROOT / "configs" / f"{name}.toml")
    runs = []
    for _ in range(2):
        model = TerriModel(scenario, rng=7, record_territories=False)
        model.run(24)
        runs.append(model.recorder.series())
    assert runs[0].equals(runs[1])
    other = TerriModel(scenario, rng=8, record_territories=False)
    other.run(24)
    assert not other.recorder.series().equals(runs[0])


# ---------------------------------------------------------------------- the documentation
GOVERNANCE_MD = ROOT / "docs" / "governance.md"
ODD_MD = ROOT / "docs" / "ODD.md"
SECTIONS = {
    "reciprocity_contract": "7.5.1",
    "conference": "7.5.2",
    "merger": "7.5.3",
    "call_for_projects": "7.5.4",
}


def specification(text: str, begin: str, end: str) -> str:
    """The text between two marker lines."""
    start = text.index(begin) + len(begin)
    return text[start : text.index(end, start)].strip("\n")


def doc_section(rule: str) -> str:
    """The section of docs/governance.md on one rule (up to the next heading)."""
    text = GOVERNANCE_MD.read_text(encoding="utf-8")
    start = text.index(f"### {SECTIONS[rule]} ")
    return text[start : text.index("\n### ", start + 1)]


def parse_default(cell: str) -> object:
    """A default as written in a table cell: `[...]`, `""`, true/false, a number."""
    cell = cell.strip().strip("`")
    if cell in ("true", "false"):
        return cell == "true"
    if cell.startswith(("[", '"')):
        return json.loads(cell)
    return float(cell)


def test_every_documented_default_is_the_codes_default():
    """Each rule's parameter table in docs/governance.md lists exactly the fields of its
    ``Params`` class, with the code's defaults."""
    rules = registered("governance")
    for rule in SECTIONS:
        lines = doc_section(rule).split("**Parameters**")[1].splitlines()[2:]
        table = "\n".join(itertools.takewhile(lambda line: line.startswith("|"), lines))
        rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table, flags=re.M)
        fields = rules[rule].Params.model_fields
        documented = {name: parse_default(default) for name, default in rows}
        assert set(documented) == set(fields), rule
        for name, value in documented.items():
            default = fields[name].get_default(call_default_factory=True)
            expected = [list(x) for x in default] if name == "pairs" else default
            assert value == expected, f"{rule}.{name}: documented {value!r}, code {default!r}"


def test_every_documented_series_column_is_recorded():
    """The "Series columns" paragraph of each rule names exactly its ``state_summary`` keys."""
    for rule in SECTIONS:
        model = TerriModel(demo([{"rule": rule}]), rng=1, record_territories=False)
        model.run(2)
        paragraph = doc_section(rule).split("**Series columns:**")[1].split("Events:")[0]
        prefix = {
            "reciprocity_contract": "contract",
            "conference": "conference",
            "merger": "merger",
            "call_for_projects": "calls",
        }[rule]
        named = {n for n in re.findall(r"`(\w+)`", paragraph) if n.startswith(prefix)}
        assert named == set(model.institutions[0].state_summary()), rule


def test_odd_section_7_5_is_the_governance_specification():
    """docs/ODD.md 7.5 holds the specification of docs/governance.md, one heading level down,
    so that the ODD is self-contained and the two never disagree."""
    doc = specification(
        GOVERNANCE_MD.read_text(encoding="utf-8"), "<!-- ODD-7.5-BEGIN -->", "<!-- ODD-7.5-END -->"
    )
    odd = ODD_MD.read_text(encoding="utf-8")
    begin = next(line for line in odd.splitlines() if line.startswith("<!-- GOVERNANCE-SECTION"))
    pasted = specification(odd, begin, "<!-- /GOVERNANCE-SECTION -->")
    assert pasted == re.sub(r"^###", "####", doc, flags=re.M)


def test_the_documented_example_rule_runs_from_outside_the_package(tmp_path, monkeypatch):
    text = GOVERNANCE_MD.read_text(encoding="utf-8").split("## Writing your own rule")[1]
    code = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    table = re.search(r"```toml\n(.*?)```", text, flags=re.S).group(1)
    (tmp_path / "food_strategy.py").write_text(code, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    governance = tomllib.loads(table)["governance"]
    assert governance[0]["rule"] == "food_strategy:FoodStrategy"
    model = TerriModel(demo(governance), rng=1, record_territories=False)
    pole = model.institutions[0].pole
    model.run(6)
    series = model.recorder.series()
    assert series["food_strategy_units"].sum() > 0
    assert "volume_value_food_strategy" in series
    assert model.institutions[0].members.size > 0 and pole not in model.institutions[0].members
