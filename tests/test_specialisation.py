"""Specialisation (ODD 7.12): producers' skill follows their sales on the market."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrisim.errors import ScenarioError
from terrisim.model import TerriModel
from terrisim.scenario import load_scenario, scenario_from_dict
from terrisim.specialisation import update_skill


def _run(steps: int = 60, **overrides) -> TerriModel:
    model = TerriModel(
        scenario_from_dict({"steps": steps, **overrides}), rng=3, record_territories="none"
    )
    model.run()
    return model


def _food_skill(model: TerriModel, kinds: tuple[str, ...]) -> float:
    s = model.state
    mask = np.isin(np.asarray(s.kinds)[s.kind], kinds)
    return float(s.skill[mask, s.goods.index("food")].mean())


def test_skill_moves_by_the_share_sold_minus_the_share_left_over():
    model = TerriModel(scenario_from_dict({"specialisation": {"rate": 0.1}}), rng=1)
    model.step()
    s, spec = model.state, model.config.specialisation
    food, water = s.goods.index("food"), s.goods.index("water")
    produced = s.production[:2, food]
    s.sold[:2, food] = [0.5 * produced[0], 0.0]
    s.available[:2, food] = s.consumed[:2, food] + [0.0, 0.25 * produced[1]]
    before = s.skill.copy()
    update_skill(s, spec)
    np.testing.assert_allclose(s.skill[:2, food], before[:2, food] * [1.05, 0.975])
    assert (s.skill[:, water] == before[:, water]).all()  # water is not on the market


def test_skill_grows_where_the_market_takes_the_surplus_and_erodes_where_it_is_unsold():
    learning = {"specialisation": {"rate": 0.01}}
    sold = _run(**learning)
    unsold = _run(**learning, market={"enabled": False})
    assert _food_skill(sold, ("rural", "mountain")) > 1.1
    assert _food_skill(unsold, ("rural", "mountain")) < 0.9
    # the metropolis has no food surplus: nothing sold, nothing left over, skill kept
    assert _food_skill(sold, ("metropolis",)) == 1.0


def test_a_specialising_scope_imports_less_food():
    learning = _run(specialisation={"rate": 0.01})
    plain = _run()
    food = plain.state.goods.index("food")
    assert learning.market.imports[food] < 0.9 * plain.market.imports[food]


def test_with_rate_zero_specialisation_changes_nothing():
    model, skipped = _run(24), TerriModel(scenario_from_dict({"steps": 24}), rng=3)
    skipped.specialise = lambda: None
    skipped.run()
    assert (model.state.skill == 1.0).all()
    np.testing.assert_array_equal(model.state.available, skipped.state.available)
    np.testing.assert_array_equal(model.state.reserve, skipped.state.reserve)


@settings(max_examples=15, deadline=None)
@given(
    rate=st.floats(0.0, 1.0),
    floor=st.floats(0.1, 1.0),
    ceiling=st.floats(1.0, 3.0),
    market=st.booleans(),
)
def test_skill_stays_within_its_bounds(rate, floor, ceiling, market):
    spec = {"rate": rate, "floor": floor, "ceiling": ceiling}
    model = _run(12, specialisation=spec, market={"enabled": market})
    skill = model.state.skill
    assert np.isfinite(skill).all()
    assert (skill >= floor).all() and (skill <= ceiling).all()


def test_a_floor_above_one_is_refused_with_the_field_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[specialisation]\nrate = 0.01\nfloor = 1.5\n")
    with pytest.raises(ScenarioError, match=r"specialisation\.floor"):
        load_scenario(path)
