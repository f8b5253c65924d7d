"""Budgets, reserves, investment and public capital (ODD 7.6), read as a specification."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model

from terrisim.budget import update_budgets
from terrisim.scenario import scenario_from_dict


def model(**overrides):
    return make_model(scenario_from_dict(overrides), None)


def test_the_default_set_up_is_a_steady_state_of_every_budget():
    m = model(steps=24)
    reserve, s = m.state.reserve.copy(), m.state
    m.run()
    assert s.reserve == pytest.approx(reserve)
    assert s.capital == pytest.approx(np.ones(s.n))
    assert s.investment == pytest.approx(s.upkeep, rel=0.01)
    assert (s.fiscal_health == 1.0).all()


def test_savings_beyond_the_reserve_target_are_invested_and_build_capital():
    m = model()
    s, spec = m.state, m.config.budget
    s.grant = s.grant * 2  # more revenue than the reference budget
    update_budgets(s, np.zeros(s.n), spec)
    assert s.reserve == pytest.approx(s.reserve_target)
    assert (s.investment > s.upkeep).all()
    assert (s.capital > 1.0).all()


def test_a_reserve_below_its_target_is_refilled_before_anything_is_invested():
    m = model()
    s, spec = m.state, m.config.budget
    s.reserve = np.zeros(s.n)
    update_budgets(s, np.zeros(s.n), spec)
    assert (s.investment < s.upkeep).all()
    assert (s.capital < 1.0).all()
    assert (s.reserve > 0).all()
