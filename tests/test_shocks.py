"""Shocks (ODD 7.8): each kind's effect, timing, targets, randomness, custom kinds, errors."""

from __future__ import annotations

import gc
import textwrap
from typing import Any

import numpy as np
import pytest
from conftest import FOOD, HEALTH, TOWN, pair, production
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terrisim.model import STREAMS, TerriModel
from terrisim.scenario import ScenarioError, apply_overrides, scenario_from_dict
from terrisim.scenario.schema import Scenario
from terrisim.shocks import ShockKind, shock_kinds

# 6 territories: metropolis T0, town T1 (urban), periurban T2, rural T3 T4, mountain T5
COUNTS = {"metropolis": 1, "town": 1, "periurban": 1, "rural": 2, "mountain": 1}
BASE = apply_overrides(Scenario(), {"steps": 16, "territories.generator.counts": COUNTS})


def model_with(*shocks: dict, **overrides) -> TerriModel:
    """A small model with these ``[[shocks]]`` tables (and scenario overrides)."""
    scenario = apply_overrides(BASE, {"shocks": list(shocks), **overrides})
    return TerriModel(scenario, record_territories=False)


def run_to(model: TerriModel, step: int) -> TerriModel:
    """Step ``model`` until ``model.steps == step`` (modifiers then hold that step's shocks)."""
    while model.steps < step:
        model.step()
    return model


def good(model: TerriModel, name: str) -> int:
    return model.state.goods.index(name)


def kind_mask(model: TerriModel, *names: str) -> np.ndarray:
    s = model.state
    return np.isin(np.asarray(s.kinds, dtype=object)[s.kind], names)


# --------------------------------------------------------------------------------------------
# Each kind has the effect it claims
# --------------------------------------------------------------------------------------------
def test_drought_lowers_food_and_water_production_of_targets_only():
    m = run_to(
        model_with({"kind": "drought", "at": 3, "magnitude": 0.4, "kinds": ["rural", "mountain"]}),
        3,
    )
    factor = m.state.production_factor
    hit = kind_mask(m, "rural", "mountain")
    for g in ("food", "water"):
        assert np.allclose(factor[hit, good(m, g)], 0.6)
        assert np.allclose(factor[~hit, good(m, g)], 1.0)
    others = [j for j, g in enumerate(m.state.goods) if g not in ("food", "water")]
    assert np.allclose(factor[:, others], 1.0)
    assert np.allclose(m.state.need_factor, 1.0) and np.allclose(m.state.grant_factor, 1.0)


def test_drought_lowers_food_satisfaction_while_it_lasts():
    calm = model_with()
    dry = model_with({"kind": "drought", "at": 5, "duration": 4, "magnitude": 0.9})
    calm.run()
    dry.run()
    a, b = calm.recorder.series(), dry.recorder.series()
    during = (a["step"] >= 5) & (a["step"] <= 8)
    assert (b.loc[during, "satisfaction_food"] < a.loc[during, "satisfaction_food"] - 0.01).all()
    before = a["step"] < 5
    assert np.allclose(b.loc[before, "satisfaction"], a.loc[before, "satisfaction"])


def test_energy_crisis_lowers_energy_production():
    m = run_to(model_with({"kind": "energy_crisis", "at": 2, "magnitude": 0.7}), 2)
    factor = m.state.production_factor
    assert np.allclose(factor[:, good(m, "energy")], 0.3)
    assert np.allclose(np.delete(factor, good(m, "energy"), axis=1), 1.0)


def test_health_crisis_raises_health_need_of_urban_territories_by_default():
    m = run_to(model_with({"kind": "health_crisis", "at": 2, "magnitude": 0.5}), 2)
    need = m.state.need_factor[:, good(m, "health")]
    assert np.allclose(need[m.state.urban], 1.5)
    assert np.allclose(need[~m.state.urban], 1.0)
    assert m.shocks.history[0]["targets"] == "urban"
    assert m.shocks.history[0]["territories"] == int(m.state.urban.sum())


def test_ageing_makes_health_needs_drift_up_step_after_step():
    m = model_with({"kind": "ageing", "at": 3, "permanent": True, "magnitude": 0.6})
    needs = []
    for step in range(3, 9):
        run_to(m, step)
        needs.append(float(m.state.need_factor[0, good(m, "health")]))
    k = np.arange(6)
    assert np.allclose(needs, 1 + 0.6 * (k + 1) / 12)
    assert np.all(np.diff(needs) > 0)


def test_grant_cut_first_cuts_investment_then_public_capital_and_services():
    # the DGF is smaller than every kind's savings (ODD Table 1): operations stay paid
    cut = {"kind": "grant_cut", "at": 3, "duration": 8, "magnitude": 1.0}
    calm, poor = model_with(), model_with(cut)
    run_to(calm, 3)
    run_to(poor, 3)
    assert np.allclose(poor.state.grant_factor, 0.0)
    assert np.array_equal(poor.state.fiscal_health, calm.state.fiscal_health)
    assert (poor.state.investment < calm.state.investment).all()
    calm.run(5)
    poor.run(5)
    assert (poor.state.capital < calm.state.capital).all()
    a, b = calm.recorder.series(), poor.recorder.series()
    public = [g for g, spec in BASE.goods.items() if spec.public]
    later = a["step"] >= 4  # public production uses the previous step's capital
    for g in public:
        assert (
            b.loc[later, f"satisfaction_{g}"] <= a.loc[later, f"satisfaction_{g}"] + 1e-12
        ).all()
    assert (b.loc[later, "satisfaction_health"] < a.loc[later, "satisfaction_health"]).any()


def test_grant_cut_lowers_fiscal_health_where_grants_exceed_savings_and_reserves_run_out():
    # a rural kind living on grants, with no reserve: the cut leaves spending unpaid
    cut = {"kind": "grant_cut", "at": 3, "duration": 8, "magnitude": 1.0}
    kinds = {"kinds.rural.grant": 40.0, "kinds.rural.fiscal_base": 35.0}
    dry = {"kinds.rural.reserve_steps": 0.0}
    calm, poor = model_with(**kinds, **dry), model_with(cut, **kinds, **dry)
    run_to(calm, 3)
    run_to(poor, 3)
    rural = kind_mask(poor, "rural")
    assert (poor.state.fiscal_health[rural] < calm.state.fiscal_health[rural] - 1e-9).all()
    assert (poor.state.fiscal_health[~rural] == calm.state.fiscal_health[~rural]).all()
    # with six months of reserve, the same cut is paid from the reserve at first
    buffered = run_to(model_with(cut, **kinds), 3)
    assert (buffered.state.fiscal_health[rural] == 1.0).all()
    assert (buffered.state.reserve[rural] < buffered.state.reserve_target[rural]).all()


def test_energy_prices_raise_spending_by_the_energy_share_and_cut_investment_first():
    surge = {"kind": "energy_prices", "at": 3, "duration": 8, "magnitude": 1.0}
    calm, dear = model_with(), model_with(surge)
    run_to(calm, 3)
    run_to(dear, 3)
    np.testing.assert_allclose(dear.state.spending_factor, 1.042)  # ADEME 2012: 4.2 %
    # a doubled energy bill is smaller than every kind's savings: operations stay paid
    assert np.array_equal(dear.state.fiscal_health, calm.state.fiscal_health)
    assert (dear.state.investment < calm.state.investment).all()
    calm.run(5)
    dear.run(5)
    assert (dear.state.capital < calm.state.capital).all()


def test_energy_prices_lower_fiscal_health_where_savings_are_thin_and_reserves_gone():
    surge = {
        "kind": "energy_prices",
        "at": 3,
        "duration": 8,
        "magnitude": 1.0,
        "params": {"energy_share": 0.3},
    }
    thin = {"kinds.rural.fiscal_base": 60.0, "kinds.rural.reserve_steps": 0.0}
    calm, dear = model_with(**thin), model_with(surge, **thin)
    run_to(calm, 3)
    run_to(dear, 3)
    rural = kind_mask(dear, "rural")
    assert (dear.state.fiscal_health[rural] < calm.state.fiscal_health[rural] - 1e-9).all()


# --------------------------------------------------------------------------------------------
# Timing: start, end, permanence, overlaps, triggers
# --------------------------------------------------------------------------------------------
def test_a_scheduled_shock_is_active_on_exactly_its_steps():
    m = model_with({"kind": "drought", "at": 4, "duration": 3, "magnitude": 0.5})
    food = good(m, "food")
    active = []
    for step in range(1, 11):
        run_to(m, step)
        active.append(bool(m.state.production_factor[0, food] < 1))
    assert active == [s in (4, 5, 6) for s in range(1, 11)]
    series = m.recorder.series()
    assert list(series.loc[series["shocks"] != "", "step"]) == [4, 5, 6]
    record = m.shocks.history[0]
    assert (record["step"], record["duration"], record["last_step"]) == (4, 3, 6)
    assert record["source"] == "scheduled" and record["table"] == 0


def test_a_shock_at_step_one_hits_the_first_step():
    m = run_to(model_with({"kind": "energy_crisis", "at": 1, "duration": 1}), 1)
    assert (m.state.production_factor[:, good(m, "energy")] < 1).all()
    run_to(m, 2)
    assert np.allclose(m.state.production_factor, 1.0)


def test_a_permanent_shock_never_ends():
    m = model_with({"kind": "drought", "at": 2, "permanent": True, "magnitude": 0.2})
    m.run()
    series = m.recorder.series()
    assert (series.loc[series["step"] >= 2, "shocks"] == "drought").all()
    assert series.loc[series["step"] == 1, "shocks"].item() == ""
    assert m.shocks.history[0]["duration"] is None
    assert m.shocks.history[0]["last_step"] is None
    assert len(m.shocks.active) == 1


def test_default_duration_is_six_steps():
    m = model_with({"kind": "drought", "at": 2})
    m.run()
    series = m.recorder.series()
    assert (series["shocks"] != "").sum() == 6


def test_overlapping_shocks_compound():
    m = model_with(
        {"kind": "drought", "at": 3, "duration": 4, "magnitude": 0.5},
        {"kind": "drought", "at": 5, "duration": 4, "magnitude": 0.4},
        {"kind": "energy_crisis", "at": 5, "duration": 1, "magnitude": 0.3},
    )
    food, energy = good(m, "food"), good(m, "energy")
    expected = {3: 0.5, 4: 0.5, 5: 0.3, 6: 0.3, 7: 0.6, 8: 0.6, 9: 1.0}
    for step, value in expected.items():
        run_to(m, step)
        assert m.state.production_factor[0, food] == pytest.approx(value)
        assert m.state.production_factor[0, energy] == pytest.approx(0.7 if step == 5 else 1)
    series = m.recorder.series().set_index("step")
    assert series.loc[5, "shocks"] == "drought,drought,energy_crisis"
    assert series.loc[9, "shocks"] == ""


def test_triggered_shock_hits_from_the_next_step():
    m = run_to(model_with(), 3)
    m.trigger_shock("drought", 0.5, duration=2)
    assert np.allclose(m.state.production_factor, 1.0)  # step 3 is over and untouched
    record = m.shocks.history[0]
    assert (record["step"], record["source"], record["table"]) == (4, "triggered", None)
    food = good(m, "food")
    seen = {}
    for step in (4, 5, 6):
        run_to(m, step)
        seen[step] = float(m.state.production_factor[0, food])
    assert seen == {4: 0.5, 5: 0.5, 6: 1.0}
    assert [e["step"] for e in m.events if e["kind"] == "shock"] == [4]


def test_triggered_permanent_shock_and_targets():
    m = run_to(model_with(), 2)
    active = m.shocks.start("energy_crisis", 0.2, duration=None, ids=["T3"])
    assert active.end is None and active.mask.sum() == 1
    run_to(m, 8)
    factor = m.state.production_factor[:, good(m, "energy")]
    assert factor[3] == pytest.approx(0.8) and np.allclose(np.delete(factor, 3), 1.0)


def test_scheduled_shocks_survive_garbage_collection():
    """Mesa keeps event callbacks by weak reference: the shocks object keeps them alive."""
    m = model_with(
        {"kind": "drought", "at": 2, "duration": 1}, {"kind": "drought", "at": 5, "duration": 1}
    )
    gc.collect()
    m.run(6)
    assert [h["step"] for h in m.shocks.history] == [2, 5]


def test_shocks_are_in_the_narrative_log():
    m = model_with({"kind": "drought", "at": 2, "duration": 1, "magnitude": 0.25})
    m.run(3)
    (event,) = [e for e in m.events if e["kind"] == "shock"]
    assert event["step"] == 2 and event["shock"] == "drought"
    assert "sécheresse" in event["text_fr"] and "25%" in event["text_en"]
    assert event["text_fr"].endswith("sur tous les territoires.")
    assert event["text_en"].endswith("on all territories.")


def test_the_narrative_names_a_shocks_targets_in_words():
    m = model_with({"kind": "drought", "at": 1, "classes": ["urban"], "kinds": ["rural"]})
    m.run(1)
    (event,) = [e for e in m.events if e["kind"] == "shock"]
    assert event["text_fr"].endswith("sur les territoires urbains et les territoires rural.")
    assert event["text_en"].endswith("on urban territories and territories rural.")


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------
def test_kind_names_win_over_class_names_and_classes_are_explicit():
    by_kind = run_to(model_with({"kind": "drought", "at": 1, "kinds": ["rural"]}), 1)
    by_class = run_to(model_with({"kind": "drought", "at": 1, "classes": ["rural"]}), 1)
    food = good(by_kind, "food")
    assert np.array_equal(by_kind.state.production_factor[:, food] < 1, kind_mask(by_kind, "rural"))
    assert np.array_equal(by_class.state.production_factor[:, food] < 1, ~by_class.state.urban)


@pytest.mark.parametrize("targets", [{"classes": ["rural"]}, {"ids": ["T3"]}])
def test_given_targets_replace_the_default_targets_of_the_kind(targets):
    """A health crisis aimed at rural areas (or one id) does not also hit the cities."""
    m = run_to(model_with({"kind": "health_crisis", "at": 1, "magnitude": 0.5, **targets}), 1)
    hit = m.state.need_factor[:, good(m, "health")] > 1
    expected = ~m.state.urban if "classes" in targets else np.arange(m.state.n) == 3
    assert np.array_equal(hit, expected)
    triggered = model_with()
    triggered.shocks.start("health_crisis", 0.5, **targets)
    run_to(triggered, 1)
    assert np.array_equal(triggered.state.need_factor[:, good(m, "health")] > 1, expected)


def test_a_triggered_shock_can_target_a_class_as_a_scheduled_one_can():
    by_class = model_with()
    active = by_class.trigger_shock("drought", 0.5, duration=1, classes=["rural"])
    assert active is by_class.shocks.active[-1]
    by_kind = model_with()
    by_kind.trigger_shock("drought", 0.5, duration=1, kinds=["rural"])
    food = good(by_class, "food")
    hit = run_to(by_class, 1).state.production_factor[:, food] < 1
    assert np.array_equal(hit, ~by_class.state.urban)
    assert np.array_equal(
        run_to(by_kind, 1).state.production_factor[:, food] < 1, kind_mask(by_kind, "rural")
    )
    assert hit.sum() > kind_mask(by_kind, "rural").sum()  # the class is more than the kind
    union = model_with()
    union.trigger_shock("drought", 0.5, duration=1, kinds=["metropolis"], classes=["rural"])
    hit = run_to(union, 1).state.production_factor[:, food] < 1
    assert np.array_equal(hit, ~union.state.urban | kind_mask(union, "metropolis"))
    with pytest.raises(ScenarioError, match="suburban"):
        model_with().trigger_shock("drought", 0.5, classes=["suburban"])


def test_targets_by_id_add_to_kinds():
    m = run_to(model_with({"kind": "drought", "at": 1, "kinds": ["metropolis"], "ids": ["T5"]}), 1)
    hit = m.state.production_factor[:, good(m, "food")] < 1
    assert list(np.flatnonzero(hit)) == [0, 5]
    assert m.shocks.history[0]["targets"] == "metropolis,T5"


# --------------------------------------------------------------------------------------------
# Random shocks
# --------------------------------------------------------------------------------------------
RANDOM = {"kind": "drought", "frequency": 0.25, "duration": 2, "magnitude": 0.3}


def starts(seed: int) -> list[int]:
    m = TerriModel(
        apply_overrides(BASE, {"shocks": [RANDOM], "steps": 40}), rng=seed, record_territories=False
    )
    m.run()
    assert all(h["source"] == "random" for h in m.shocks.history)
    return [h["step"] for h in m.shocks.history]


def test_random_shocks_are_reproducible_under_a_fixed_seed_and_differ_across_seeds():
    first = starts(7)
    assert first == starts(7)
    assert len(first) > 3
    assert first != starts(8)


def test_a_random_shock_is_active_from_the_step_it_is_drawn():
    m = model_with({**RANDOM, "frequency": 1.0, "duration": 1})
    run_to(m, 1)
    assert m.shocks.history[0]["step"] == 1
    assert (m.state.production_factor[:, good(m, "food")] < 1).all()


def test_random_shocks_do_not_change_the_layout_or_other_streams():
    calm = TerriModel(BASE, record_territories=False)
    shaky = model_with(RANDOM)
    assert np.array_equal(calm.state.capacity, shaky.state.capacity)
    assert np.array_equal(calm.state.trust, shaky.state.trust)
    calm.run()
    shaky.run()
    assert shaky.shocks.history  # shocks were drawn, from their own stream only
    for name, stream in calm.streams.items():
        same = stream.bit_generator.state == shaky.streams[name].bit_generator.state
        assert same == (name != "shocks"), name


# --------------------------------------------------------------------------------------------
# Custom kinds
# --------------------------------------------------------------------------------------------
FLOOD = textwrap.dedent('''
    from pydantic import BaseModel, ConfigDict
    from terrisim.shocks import ShockKind

    class Flood(ShockKind):
        """Flood: every good's production falls; water need rises by `extra`."""
        name = "flood"
        label = {"fr": "inondation", "en": "flood"}

        class Params(BaseModel):
            model_config = ConfigDict(extra="forbid")
            extra: float = 0.1

        def apply(self, state, mask, magnitude, elapsed):
            state.production_factor[mask] *= 1 - magnitude
            state.need_factor[mask, state.goods.index("water")] *= 1 + self.params.extra

    class NotAShock:
        role = "shock"
''')


@pytest.fixture
def flood_module(tmp_path, monkeypatch):
    (tmp_path / "my_floods.py").write_text(FLOOD)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_floods"


def test_custom_shock_kind_loads_from_outside_the_package(flood_module):
    m = model_with(
        {
            "kind": f"{flood_module}:Flood",
            "at": 2,
            "magnitude": 0.5,
            "ids": ["T1"],
            "params": {"extra": 0.25},
        }
    )
    run_to(m, 2)
    assert np.allclose(m.state.production_factor[1], 0.5)
    assert np.allclose(np.delete(m.state.production_factor, 1, axis=0), 1.0)
    assert m.state.need_factor[1, good(m, "water")] == pytest.approx(1.25)
    assert m.shocks.history[0]["shock"] == "flood"
    assert "inondation" in next(e for e in m.events if e["kind"] == "shock")["text_fr"]


def test_custom_shock_kind_can_be_triggered(flood_module):
    m = run_to(model_with(), 1)
    m.trigger_shock(f"{flood_module}:Flood", 0.2, duration=1)
    run_to(m, 2)
    assert np.allclose(m.state.production_factor, 0.8)


def test_a_class_that_is_not_a_shock_kind_is_refused(flood_module):
    with pytest.raises(ScenarioError, match=r"shocks\.0\.kind: .*not a subclass of .*ShockKind"):
        model_with({"kind": f"{flood_module}:NotAShock", "at": 2})


def test_invalid_params_of_a_custom_kind_are_refused(flood_module):
    with pytest.raises(ScenarioError, match=r"shocks\.0\.params\.extra"):
        model_with({"kind": f"{flood_module}:Flood", "at": 2, "params": {"extra": "lots"}})


def test_built_in_kinds_are_registered_and_are_shock_kinds():
    from terrisim.rules.base import registered

    builtin = {"grant_cut", "drought", "energy_crisis", "energy_prices", "health_crisis", "ageing"}
    assert builtin <= set(shock_kinds())
    assert all(issubclass(cls, ShockKind) for cls in registered("shock").values())


# --------------------------------------------------------------------------------------------
# Invalid tables: refused, naming the field and what is allowed
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "pattern"),
    [
        (
            {"kind": "flood", "at": 3},
            (
                r"shocks\.0\.kind: unknown shock kind 'flood'; allowed: \['ageing', 'drought', "
                r"'energy_crisis', 'energy_prices', 'grant_cut', 'health_crisis'.*module:Class"
            ),
        ),
        ({"kind": "drought", "at": 3, "magnitude": 1.5}, r"shocks\.0\.magnitude: .*1.*got 1\.5"),
        ({"kind": "drought", "at": 0}, r"shocks\.0\.at: .*greater than or equal to 1"),
        ({"kind": "drought", "at": 3, "duration": 0}, r"shocks\.0\.duration"),
        ({"kind": "drought"}, r"shocks\.0: .*exactly one of 'at' .* or 'frequency'"),
        ({"kind": "drought", "at": 3, "frequency": 0.1}, r"exactly one of 'at'"),
        ({"kind": "drought", "frequency": 1.5}, r"shocks\.0\.frequency"),
        (
            {"kind": "drought", "at": 3, "duration": 4, "permanent": True},
            r"'duration' and 'permanent = true' contradict",
        ),
        ({"kind": "drought", "at": 3, "magnitud": 0.2}, r"shocks\.0\.magnitud: unknown key"),
        (
            {"kind": "drought", "at": 3, "kinds": ["forest"]},
            (
                r"shocks\.0\.kinds: unknown kind 'forest'; allowed: \['metropolis', 'town', "
                r"'periurban', 'rural', 'mountain', 'urban'\]"
            ),
        ),
        (
            {"kind": "drought", "at": 3, "classes": ["suburb"]},
            r"classes: unknown class 'suburb'; allowed: \['urban', 'rural'\]",
        ),
        (
            {"kind": "drought", "at": 3, "ids": ["T99"]},
            r"shocks\.0\.ids: no territory has id 'T99'; ids are T0, T1",
        ),
        ({"kind": "drought", "at": 3, "params": {"x": 1}}, r"shocks\.0\.params\.x: unknown key"),
    ],
)
def test_invalid_shock_tables_are_refused_with_a_clear_message(table, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        model_with(table)


def test_the_index_of_the_bad_table_is_named():
    with pytest.raises(ScenarioError, match=r"shocks\.1\.magnitude"):
        model_with({"kind": "drought", "at": 2}, {"kind": "drought", "at": 3, "magnitude": -1})


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"kind": "flood", "magnitude": 0.2}, r"shock\.kind: unknown shock kind 'flood'"),
        ({"kind": "drought", "magnitude": 2.0}, r"shock\.magnitude: must be in \[0, 1\]"),
        ({"kind": "drought", "magnitude": 0.2, "duration": 0}, r"shock\.duration: must be"),
        ({"kind": "drought", "magnitude": 0.2, "kinds": ["forest"]}, r"unknown kind 'forest'"),
    ],
)
def test_invalid_triggered_shocks_are_refused(kwargs, pattern):
    m = model_with()
    kind = kwargs.pop("kind")
    with pytest.raises(ScenarioError, match=pattern):
        m.trigger_shock(kind, **kwargs)
    assert m.shocks.history == []


def test_terrisim_validate_reports_a_bad_shock_table(tmp_path):
    from typer.testing import CliRunner

    from terrisim.cli import app

    path = tmp_path / "bad.toml"
    path.write_text('[[shocks]]\nkind = "tornado"\nat = 3\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "shocks.0.kind: unknown shock kind 'tornado'" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------------------------
# Property: compounding over any set of scheduled droughts
# --------------------------------------------------------------------------------------------
shock_tables = st.lists(
    st.tuples(
        st.integers(1, 10), st.integers(1, 6) | st.none(), st.floats(0.0, 1.0, allow_nan=False)
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=shock_tables)
def test_food_production_factor_is_the_product_over_active_droughts(tables):
    specs = [
        {
            "kind": "drought",
            "at": at,
            "magnitude": mag,
            **({"permanent": True} if duration is None else {"duration": duration}),
        }
        for at, duration, mag in tables
    ]
    m = model_with(*specs, steps=12)
    food = good(m, "food")
    for step in range(1, 13):
        run_to(m, step)
        expected = np.prod(
            [
                1 - mag
                for at, duration, mag in tables
                if at <= step and (duration is None or step < at + duration)
            ]
        )
        assert m.state.production_factor[0, food] == pytest.approx(expected, abs=1e-12)
        assert len(m.shocks.active_names()) == sum(
            at <= step and (duration is None or step < at + duration) for at, duration, _ in tables
        )


def test_each_shock_kind_has_its_own_stream_from_the_seed_sequence() -> None:
    # ODD 5.3: tables in file order, then triggered shocks in the order they are triggered
    scenario = scenario_from_dict(
        {"shocks": [{"kind": "drought", "at": 3}, {"kind": "grant_cut", "frequency": 0.1}]}
    )
    model = TerriModel(scenario, rng=9, record_territories=False)
    model.trigger_shock("energy_crisis", 0.5)
    kinds = model.shocks.kinds()
    assert [k.name for k in kinds] == ["drought", "grant_cut", "energy_crisis"]
    for k, kind in enumerate(kinds):
        key = (len(STREAMS) + 1, k)
        expected = np.random.default_rng(np.random.SeedSequence(9, spawn_key=key))
        assert kind.rng.random() == expected.random()


def test_a_shock_kinds_draws_change_no_other_stream_and_replay_with_the_seed() -> None:
    def run(kind: str) -> TerriModel:
        scenario = scenario_from_dict({"shocks": [{"kind": kind, "at": 2, "duration": 4}]})
        model = TerriModel(scenario, rng=4, record_territories=False)
        model.run(5)
        return model

    plain = run("drought")
    jittered, again = run("odd_shock_kind:JitteredDrought"), run("odd_shock_kind:JitteredDrought")
    assert np.array_equal(jittered.state.stock, again.state.stock)
    assert jittered.shocks.kinds()[0].step == 5  # a kind knows the step it applies at
    for name in STREAMS:
        assert plain.streams[name].bit_generator.state == jittered.streams[name].bit_generator.state


# ------------------------------------------------ effects on the town-and-village pair
def test_a_grant_cut_lowers_fiscal_health_and_the_production_of_public_goods() -> None:
    # no reserves: a territory whose grant is cut cannot cover its spending at once
    kwargs: dict[str, Any] = {
        "public_health": True,
        "exchange": {"enabled": False},
        "budget": {"initial_reserve_steps": 0.0},
    }
    base = pair(**kwargs)
    cut = pair(**kwargs)
    cut.trigger_shock("grant_cut", 1.0, duration=None)  # from step 1 on, for good
    made_base = [production(base) for _ in range(4)]
    made_cut = [production(cut) for _ in range(4)]
    # revenue of the town falls from 1.3 to 1.0 per 1,000 inhabitants, spending is 1.2
    assert cut.state.fiscal_health[TOWN] == pytest.approx(1.0 / 1.2)
    assert base.state.fiscal_health[TOWN] == 1.0
    last_base, last_cut = made_base[-1], made_cut[-1]
    # and its public capital wears out, since nothing is left to invest (ODD 7.6)
    worn = (1 - cut.config.budget.depreciation) ** 3
    assert last_cut[TOWN, HEALTH] == pytest.approx(last_base[TOWN, HEALTH] / 1.2 * worn)
    assert last_cut[:, FOOD] == pytest.approx(last_base[:, FOOD])  # not a public good
    series = cut.recorder.series()
    assert series["fiscal_health"].iloc[-1] < base.recorder.series()["fiscal_health"].iloc[-1]


def test_a_drought_lowers_food_production_of_the_rural_areas_it_hits() -> None:
    data = {
        "seed": 3,
        "territories": {
            "generator": {
                "counts": {"metropolis": 1, "town": 1, "periurban": 1, "rural": 3, "mountain": 1}
            }
        },
        "shocks": [
            {"kind": "drought", "at": 2, "duration": 2, "magnitude": 0.5, "kinds": ["rural"]}
        ],
    }
    model = TerriModel(scenario_from_dict(data))
    s = model.state
    food, water, energy = (s.goods.index(g) for g in ("food", "water", "energy"))
    rural = s.kind == s.kinds.index("rural")
    made = [production(model) for _ in range(4)]  # steps 1 to 4; drought on steps 2 and 3
    for step, factor in ((1, 1.0), (2, 0.5), (3, 0.5), (4, 1.0)):
        m = made[step - 1]
        assert m[rural, food] == pytest.approx(s.capacity[rural, food] * factor)
        assert m[rural, water] == pytest.approx(s.capacity[rural, water] * factor)
        assert m[~rural, food] == pytest.approx(s.capacity[~rural, food])
        assert m[:, energy] == pytest.approx(s.capacity[:, energy])
