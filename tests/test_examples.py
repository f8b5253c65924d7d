"""The custom rules of ``examples/``: each one runs, holds every invariant, and does what it says.

The rules live outside the package, as a student's would: the tests put ``examples/`` on
``sys.path`` (what ``PYTHONPATH=examples`` does on the command line). Every rule class found in
``examples/*.py`` is checked by ``check_rule``, so a new example is checked without editing
this file.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from terrisim import apply_overrides, load_scenario, run_scenario
from terrisim.checking import check_rule
from terrisim.describe import describe_model
from terrisim.experiments import load_experiment
from terrisim.model import TerriModel
from terrisim.rules.base import Rule

EXAMPLES = ROOT / "examples"
MODULES = sorted(p.stem for p in EXAMPLES.glob("*.py"))
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.toml") if not p.stem.startswith("compare"))


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``PYTHONPATH=examples``, for this process only."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield


def _rules() -> list[str]:
    """``module:Class`` of every rule class defined in ``examples/*.py``."""
    import sys

    sys.path.insert(0, str(EXAMPLES))
    try:
        found = []
        for name in MODULES:
            module = importlib.import_module(name)
            found += [
                f"{name}:{cls.__name__}"
                for cls in vars(module).values()
                if inspect.isclass(cls)
                and issubclass(cls, Rule)
                and cls.__module__ == name
                and cls.role
            ]
        return found
    finally:
        sys.path.remove(str(EXAMPLES))


RULES = _rules()


def test_there_are_a_valuation_a_trust_rule_and_a_shock_with_their_scenarios() -> None:
    roles = {
        spec: importlib.import_module(spec.split(":")[0]).__dict__[spec.split(":")[1]].role
        for spec in RULES
    }
    assert {"valuation", "trust", "shock"} <= set(roles.values())
    named = {spec for spec in RULES if any(spec in p.read_text() for p in SCENARIOS)}
    assert named == set(RULES), "every example rule is used by a scenario file"


@pytest.mark.parametrize("rule", RULES)
def test_every_example_rule_holds_every_invariant(rule: str) -> None:
    report = check_rule(rule, examples=10)
    assert report.passed, report.text()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_example_scenario_runs_with_its_custom_rule(path: Path) -> None:
    result = run_scenario(path)
    scenario = load_scenario(path)
    assert len(result.series) == scenario.steps
    assert np.isfinite(result.series["satisfaction"]).all()
    schedule = describe_model(result.model)
    custom = [spec for spec in RULES if spec in path.read_text()]
    assert custom, f"{path.name} names no example rule"
    for spec in custom:
        module, _, cls = spec.partition(":")
        assert getattr(importlib.import_module(module), cls).name in schedule


def test_compare_trust_sweep_names_the_builtin_and_the_forgetting_rule() -> None:
    experiment = load_experiment(EXAMPLES / "compare_trust.toml")
    levels = [level["name"] for level in experiment.factors["rules.trust"].levels]
    assert levels[0] == "reinforcement"
    assert set(levels[1:]) == {"forgetting_trust:ForgettingTrust"}


# ----------------------------------------------------------------- each rule's equation
def test_forgetting_trust_halves_every_half_life_without_deals() -> None:
    scenario = apply_overrides(
        load_scenario(EXAMPLES / "forgetting_trust.toml"),
        {
            "exchange.enabled": False,
            "shocks": [],
            "rules.trust": {"name": "forgetting_trust:ForgettingTrust", "half_life": 4},
        },
    )
    model = TerriModel(scenario, record_territories=False)
    before = model.state.trust.copy()
    model.run(4)
    np.testing.assert_allclose(model.state.trust, before / 2, rtol=1e-12)


def test_forgetting_trust_toward_the_baseline_returns_to_it() -> None:
    scenario = apply_overrides(
        load_scenario(EXAMPLES / "forgetting_trust.toml"),
        {
            "exchange.enabled": False,
            "shocks": [],
            "rules.trust": {
                "name": "forgetting_trust:ForgettingTrust",
                "half_life": 2,
                "toward": "baseline",
            },
        },
    )
    model = TerriModel(scenario, record_territories=False)
    model.state.trust[:] = 1.0
    model.run(2)
    baseline = model.state.trust_baseline
    np.testing.assert_allclose(model.state.trust, baseline + (1.0 - baseline) / 2, rtol=1e-12)


def test_loss_aversion_of_one_is_the_market_valuation() -> None:
    path = EXAMPLES / "loss_aversion.toml"
    neutral = apply_overrides(
        load_scenario(path),
        {"rules.valuation": {"name": "loss_aversion:LossAverseValuation", "aversion": 1.0}},
    )
    market = apply_overrides(load_scenario(path), {"rules.valuation": {"name": "market"}})
    a = run_scenario(neutral, steps=24).series
    b = run_scenario(market, steps=24).series
    np.testing.assert_allclose(a["satisfaction"], b["satisfaction"], rtol=1e-12)
    np.testing.assert_array_equal(a["deals"], b["deals"])


def test_loss_aversion_makes_giving_dearer_where_the_margin_is_thin() -> None:
    model = TerriModel(load_scenario(EXAMPLES / "loss_aversion.toml"), record_territories=False)
    model.produce()
    give, receive = model.valuation.unit_values(model.state)
    price = model.state.price[None, :]
    assert (give >= price - 1e-12).all() and (give <= 2.25 * price + 1e-12).all()
    np.testing.assert_allclose(
        np.broadcast_to(receive, give.shape), np.broadcast_to(price, give.shape)
    )
    s = model.state
    thin = s.effective_need >= s.available  # they need all they have: the full aversion
    assert thin.any() and (~thin).any()
    np.testing.assert_allclose(give[thin], np.broadcast_to(2.25 * price, give.shape)[thin])


def test_flood_destroys_stocks_near_the_river_once_and_creates_nothing() -> None:
    from flood import Flood, distance_to_polyline

    model = TerriModel(load_scenario(EXAMPLES / "flood.toml"), record_territories=False)
    s = model.state
    s.stock[:] = 10.0
    flood = Flood(
        width_km=20,
        river_km=[(-1e3, float(np.median(s.xy[:, 1]))), (1e3, float(np.median(s.xy[:, 1])))],
    )
    near = np.abs(s.xy[:, 1] - np.median(s.xy[:, 1])) <= 20
    assert near.any() and (~near).any()
    everyone = np.ones(s.n, dtype=bool)
    flood.apply(s, everyone, 0.5, elapsed=0)
    np.testing.assert_allclose(s.stock[near], 5.0)
    np.testing.assert_allclose(s.stock[~near], 10.0)
    waste = list(s.goods).index("waste_treatment")
    assert (s.production_factor[near, waste] == 0.5).all()
    assert (s.production_factor[~near, waste] == 1.0).all()
    flood.apply(s, everyone, 0.5, elapsed=1)  # later steps: no more stock lost
    np.testing.assert_allclose(s.stock[near], 5.0)
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    np.testing.assert_allclose(
        distance_to_polyline(np.array([[5.0, 3.0], [13.0, 4.0]]), line), [3.0, 5.0]
    )


def test_mutual_aid_gives_a_share_of_surplus_to_trusted_partners_in_need() -> None:
    model = TerriModel(load_scenario(EXAMPLES / "mutual_aid.toml"), record_territories=False)
    model.apply_shocks()
    model.produce()
    pact, s = model.institutions[0], model.state
    p = pact.params
    surplus = np.maximum(s.available - s.effective_need, 0.0)
    deficit = np.maximum(s.effective_need - s.available, 0.0)
    gift = pact.gifts(model)
    assert gift.sum() > 0
    assert (gift[s.trust < p.min_trust] == 0).all()
    others = [g for g, good in enumerate(s.goods) if good not in p.goods]
    assert (gift[:, others] == 0).all()
    assert (gift[s.at_end(deficit) == 0] == 0).all()
    # a giver with a trusted partner in need gives exactly `share` of its surplus, else nothing
    helps = s.sum_by_origin((s.trust >= p.min_trust)[:, None] * s.at_end(deficit)) > 0
    given = s.sum_by_origin(gift)
    np.testing.assert_allclose(
        given, np.where(helps, p.share * surplus, 0.0) * pact.pact, atol=1e-9
    )
    before = s.available.sum(axis=0)
    model.govern()
    np.testing.assert_allclose(s.available.sum(axis=0), before)
    np.testing.assert_allclose(model.volume_by_good("mutual_aid"), gift.sum(axis=0))
