"""Defection on ad hoc deals and its sanctions: partner's trust and reputation (ODD 7.4.6)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ENGINES, make_model

from terrisim.errors import ScenarioError
from terrisim.model import TerriModel
from terrisim.rules.defection import Defection
from terrisim.scenario import Scenario, apply_overrides


def demo(**defection: float) -> Scenario:
    """The demo with the default defection rule and these parameters."""
    rule = {"name": "shadow_of_the_future", **defection}
    return apply_overrides(Scenario(), {"rules.defection": rule})


def stepped(scenario: Scenario, engine: str | None = None) -> TerriModel:
    """A model after one step."""
    model = make_model(scenario, engine, rng=3)
    model.step()
    return model


@pytest.mark.parametrize("engine", ENGINES)
def test_with_no_shadow_of_the_future_every_giver_keeps_its_goods(engine: str) -> None:
    model = stepped(demo(horizon=0.0), engine)
    out, s = model.outcome, model.state
    dealt = np.tile(out.deal, 2)
    assert dealt.any()
    # every arc of a deal that had something to give defected, so nothing moved
    assert out.defected[dealt].sum() > 0
    assert out.flow.sum() == 0 and out.money.sum() == 0
    assert model.recorder.series()["defections"].iloc[0] == out.defected.sum()
    assert (out.shortfall[s.reverse(out.defected)] == 1).all()


def test_the_partner_and_third_parties_lose_trust_in_a_defector() -> None:
    honest = stepped(demo(horizon=1e9))
    cheated = stepped(demo(horizon=0.0))
    s, out = cheated.state, cheated.outcome
    assert not honest.outcome.defected.any()
    victims = s.reverse(out.defected)  # j -> i where i defected on i -> j
    assert (cheated.state.trust[victims] < honest.state.trust[victims]).all()
    # arcs into a defector from partners it did not deal with: only reputation acts there
    defector = np.zeros(s.n, bool)
    defector[s.arc_from[out.defected]] = True
    heard = defector[s.arc_to] & ~victims & ~np.tile(out.deal, 2)
    assert heard.any()
    assert (cheated.state.trust[heard] < honest.state.trust[heard]).all()
    assert (out.shortfall[heard] > 0).all() and (out.shortfall[heard] <= 0.5).all()


def test_without_reputation_third_parties_learn_nothing() -> None:
    model = stepped(demo(horizon=0.0, reputation=0.0))
    s, out = model.state, model.outcome
    victims = s.reverse(out.defected)
    assert (out.shortfall[~victims] == 0).all()


def test_a_long_shadow_of_the_future_keeps_every_promise_in_the_demo() -> None:
    model = TerriModel(demo(), rng=1, record_territories=False)
    model.run(60)
    series = model.recorder.series()
    assert series["deals"].sum() > 0
    assert series["defections"].sum() == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_defections_conserve_goods(engine: str) -> None:
    model = make_model(demo(horizon=3.0), engine, rng=2)
    for _ in range(6):
        for phase in model.PHASES:
            if phase == "deliver":
                before = model.state.available.sum(axis=0)
            getattr(model, phase)()
            if phase == "deliver":
                assert model.state.available.sum(axis=0) == pytest.approx(before, rel=1e-12)
    assert model.recorder.series()["defections"].sum() > 0


class EveryoneDefects(Defection):
    """A rule of one's own: every arc defects."""

    name = "everyone_defects"

    def defects(self, state, outcome):
        return np.ones(2 * state.n_links, bool)


class WrongShape(Defection):
    name = "wrong_shape"

    def defects(self, state, outcome):
        return np.ones(3, bool)


def test_a_defection_rule_of_ones_own_is_named_by_module_and_class() -> None:
    scenario = apply_overrides(
        Scenario(), {"rules.defection": {"name": "test_defection:EveryoneDefects"}}
    )
    model = TerriModel(scenario, rng=1, record_territories=False)
    model.step()
    assert model.outcome.flow.sum() == 0


def test_a_defection_rule_returning_the_wrong_shape_stops_with_one_line() -> None:
    scenario = apply_overrides(
        Scenario(), {"rules.defection": {"name": "test_defection:WrongShape"}}
    )
    model = TerriModel(scenario, rng=1, record_territories=False)
    with pytest.raises(ScenarioError, match=r"defection rule.*shape \(3,\)"):
        model.step()
