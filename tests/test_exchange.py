"""Ad hoc bilateral exchange (``terrisim.exchange``, ODD 7.4), each mechanism checked on a case
small enough to compute by hand.

Most tests use a pair read from CSV (``conftest.pair``): a town with a health
surplus and a food deficit, a rural area the other way round, two non-storable goods at price
1, so that on the first step each side offers 10 units and asks for 10 units, and every deal
size is ``min(t_ij, t_ji) * exp(-d / d0)`` times the trims of reciprocity and engineering.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from conftest import (
    ENGINES,
    FOOD,
    HEALTH,
    PROPERTY,
    TOWN,
    VILLAGE,
    first_step_volume,
    pair,
    scenario_dicts,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from terrisim import exchange
from terrisim.acceptance import acceptance_share
from terrisim.model import EXCHANGE_SPAWN_KEY, TerriModel
from terrisim.scenario import Scenario, apply_overrides, scenario_from_dict


# ---------------------------------------------------------------------------- trust
@PROPERTY
@given(data=scenario_dicts())
def test_with_zero_trust_nothing_is_ever_exchanged(data: dict[str, Any]) -> None:
    data["trust"]["initial"] = 0.0
    data["exchange"]["enabled"] = True
    model = TerriModel(scenario_from_dict(data))
    model.run()
    series = model.recorder.series()
    assert (series["deals"] == 0).all()
    assert (series["volume_value"] == 0).all()
    assert (series["money"] == 0).all()
    assert (model.state.trust == 0).all()


def test_one_side_distrusting_is_enough_to_block_the_link() -> None:
    model = pair()
    model.state.trust[TOWN] = 0.0  # arc 0 is town -> village: the town no longer trusts
    model.step()
    assert not model.outcome.deal.any()
    assert model.outcome.flow.sum() == 0


def test_balanced_deals_build_trust_and_a_felt_imbalance_erodes_it() -> None:
    fair = pair()
    start = fair.state.trust.copy()
    fair.run(5)
    assert (fair.state.trust > start).all()
    # the town under-values what the village offers (bias 0.2, within the tolerance of 0.25):
    # the deal goes ahead, the town feels short-changed, the village does not
    biased = pair(bias=(0.2, 0.0))
    biased.run(5)
    assert biased.outcome.deal.all()
    town_trusts_village, village_trusts_town = biased.state.trust
    assert town_trusts_village < start[0] < village_trusts_town


# ---------------------------------------------------------------------------- complementarity
def test_complementary_territories_are_better_off_with_exchanges_than_alone() -> None:
    alone = pair(exchange={"enabled": False})
    trading = pair()
    alone.run(12)
    trading.run(12)
    solo, together = alone.recorder.series(), trading.recorder.series()
    assert (solo["volume_value"] == 0).all()
    assert (together["satisfaction"] > solo["satisfaction"] + 0.1).all()
    assert (trading.state.satisfaction_mean > alone.state.satisfaction_mean).all()
    # alone, each lacks exactly the good the other has in surplus
    assert np.allclose(alone.state.satisfaction, [[0.0, 1.0], [1.0, 0.0]])


@PROPERTY
@given(
    distance=st.floats(0.0, 300.0),
    trust=st.floats(0.0, 1.0),
    surplus=st.floats(0.0, 30.0),
    tolerance=st.floats(0.0, 1.0),
)
def test_exchange_never_lowers_anyones_satisfaction_in_any_good(
    distance: float, trust: float, surplus: float, tolerance: float
) -> None:
    rows = {"town": {"capacity_health": 10.0 + surplus}, "village": {"capacity_food": 10.0}}
    kwargs: dict[str, Any] = {
        "trust": {"initial": trust},
        "exchange": {"reciprocity_tolerance": tolerance},
    }
    alone = pair(distance, **rows, **{**kwargs, "exchange": {"enabled": False}})
    trading = pair(distance, **rows, **kwargs)
    for _ in range(4):
        alone.step()
        trading.step()
        assert (trading.state.satisfaction >= alone.state.satisfaction - 1e-12).all()


# ---------------------------------------------------------------------------- distance
def test_transaction_costs_shrink_deals_exactly_as_exp_minus_distance_over_d0() -> None:
    near, far = pair(10.0), pair(70.0)
    v_near, v_far = first_step_volume(near), first_step_volume(far)
    # each side gives 10 units, both trust 0.8: volume = 2 * 10 * 0.8 * exp(-d / 60)
    assert v_near == pytest.approx(2 * 10 * 0.8 * math.exp(-10 / 60))
    assert v_far / v_near == pytest.approx(math.exp(-60 / 60))


@PROPERTY
@given(d1=st.floats(0.0, 400.0), gap=st.floats(1.0, 400.0), d0=st.floats(5.0, 200.0))
def test_the_same_pair_moved_further_apart_trades_less(d1: float, gap: float, d0: float) -> None:
    exchange = {"distance_scale_km": d0}
    v1 = first_step_volume(pair(d1, exchange=exchange))
    v2 = first_step_volume(pair(d1 + gap, exchange=exchange))
    assume(v1 > 1e-9)
    assert v2 < v1


# ---------------------------------------------------------------------------- representations
def first_acceptance_draw(model: TerriModel) -> float:
    """The draw of the pair's link at the first step: the exchange stream of ODD 5.3."""
    sequence = np.random.SeedSequence(model.seed, spawn_key=EXCHANGE_SPAWN_KEY)
    return float(np.random.default_rng(sequence).random(1)[0])


@PROPERTY
@given(b_town=st.floats(0.0, 1.0), b_village=st.floats(0.0, 1.0), tolerance=st.floats(0.0, 0.95))
def test_outdated_representations_lower_the_odds_of_the_deal_smoothly(
    b_town: float, b_village: float, tolerance: float
) -> None:
    # balanced baskets (10 units at price 1 each way): the joint margin is
    # P = (1 - b_ij)(1 - b_ji) / (1 - tau)^2 * (1 - kappa)^2, and the deal is made iff the
    # link's draw is below 1 / (1 + P ** (-1 / w)) (ODD 7.4.3)
    # (no defection: an unbalanced deal could make the side that gives more keep its goods)
    model = pair(
        bias=(b_town, b_village),
        exchange={"reciprocity_tolerance": tolerance},
        rules={"defection": {"name": "shadow_of_the_future", "horizon": 1e12}},
    )
    s, spec = model.state, model.config.exchange
    kappa = min(
        spec.tension_cost * s.tension[0]
        + spec.cleavage_cost * abs(s.leaning[0] - s.leaning[1]) / 2,
        1.0,
    )
    margin = (1 - b_town) * (1 - b_village) / (1 - tolerance) ** 2 * (1 - kappa) ** 2
    with np.errstate(divide="ignore", over="ignore"):
        share = 1 / (1 + margin ** (-1 / spec.acceptance_width))
    draw = first_acceptance_draw(model)
    assume(abs(draw - share) > 1e-9)
    model.step()
    assert bool(model.outcome.deal[0]) == (draw < share)
    if draw < share:
        # the side that perceives too little gives less: each side's perceived balance is
        # its ratio r capped at 1, times (1 - tau)
        r = [(1 - b) / (1 - tolerance) for b in (b_town, b_village)]
        trims = [min(1.0, x) for x in r]
        expected = [min(1.0, (1 - b_town) * trims[1] / trims[0])]
        assert model.outcome.perceived_balance[0] == pytest.approx(expected[0], rel=1e-9)
    else:
        assert model.outcome.flow.sum() == 0


def test_the_odds_of_a_deal_rise_smoothly_with_its_margin_not_at_a_threshold() -> None:
    # the share 1 / (1 + P ** (-1 / w)) is 1/2 where the deal just clears both tolerances
    # (P = 1), and moves continuously on either side of it
    share = [acceptance_share(p, 0.05) for p in (0.98, 0.99, 1.0, 1.01, 1.02)]
    assert share[2] == pytest.approx(0.5)
    assert all(b > a for a, b in itertools.pairwise(share))
    assert max(b - a for a, b in itertools.pairwise(share)) < 0.11
    assert acceptance_share(np.inf, 0.05) == 1.0
    assert acceptance_share(0.5, 0.05) < 1e-6


def test_the_side_that_feels_short_changed_gives_less() -> None:
    # the town perceives 0.5 of the village's basket: r_town = 0.5 / 0.75 = 2/3, and
    # r_village = 1 / 0.75 = 4/3: the margin is 8/9 < 1, with a narrow acceptance width
    # (0.005) no deal; with tolerance 0.4, r_town = 0.5 / 0.6 = 5/6, r_village = 1/0.6:
    # margin 25/18, the town gives 5/6
    narrow = {"acceptance_width": 0.005, "tension_cost": 0.0, "cleavage_cost": 0.0}
    blocked = pair(bias=(0.5, 0.0), exchange=narrow)
    blocked.step()
    assert not blocked.outcome.deal.any()
    model = pair(bias=(0.5, 0.0), exchange={**narrow, "reciprocity_tolerance": 0.4})
    model.step()
    town_gives = model.outcome.flow[0, HEALTH]  # arc 0: town -> village
    village_gives = model.outcome.flow[1, FOOD]
    assert town_gives / village_gives == pytest.approx(5 / 6)


# ---------------------------------------------------------------------------- engineering
def test_engineering_capacity_caps_the_value_of_deals() -> None:
    # unconstrained, the link trades 2 * 10 * 0.8 * exp(-1/6) = 13.5 units of value; with one
    # unit of engineering each and engineering_scale 3, it can run only 3
    scarce = {"engineering": 1.0}
    model = pair(town=scarce, village=scarce)
    assert first_step_volume(model) == pytest.approx(3.0)
    assert model.outcome.engineering == pytest.approx([1.0, 1.0])
    doubled = pair(town={"engineering": 2.0}, village={"engineering": 2.0})
    assert first_step_volume(doubled) == pytest.approx(6.0)
    # the scarcer side sets the limit
    lopsided = pair(town={"engineering": 1000.0}, village=scarce)
    assert first_step_volume(lopsided) == pytest.approx(3.0)


@PROPERTY
@given(e_town=st.floats(0.0, 10.0), e_village=st.floats(0.0, 10.0), scale=st.floats(0.1, 10.0))
def test_deal_value_never_exceeds_what_the_scarcer_engineering_can_run(
    e_town: float, e_village: float, scale: float
) -> None:
    model = pair(
        town={"engineering": e_town},
        village={"engineering": e_village},
        exchange={"engineering_scale": scale},
    )
    volume = first_step_volume(model)
    unconstrained = 2 * 10 * 0.8 * math.exp(-10 / 60)
    assert volume == pytest.approx(min(unconstrained, min(e_town, e_village) * scale), abs=1e-9)


def test_the_state_records_the_engineering_ad_hoc_deals_used() -> None:
    model = pair(town={"engineering": 1.0}, village={"engineering": 1.0})
    assert model.state.engineering_used == pytest.approx([0.0, 0.0])  # before any step
    first_step_volume(model)
    assert model.state.engineering_used == pytest.approx([1.0, 1.0])  # all of it (see above)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engineering_used_adds_contracts_to_ad_hoc_deals_within_capacity(seed: int) -> None:
    model = TerriModel(
        apply_overrides(
            Scenario(),
            {"governance": [{"rule": "reciprocity_contract", "sign_rule": "always"}], "shocks": []},
        ),
        rng=seed,
        record_territories=False,
    )
    contract = model.institutions[0]
    ends = np.concatenate([contract.a, contract.b])
    for _ in range(6):
        capacity = model.state.engineering * model.state.fiscal_health  # h of the step before
        model.step()
        used = model.state.engineering_used
        assert (used <= capacity * (1 + 1e-9)).all()
        assert (used[ends] > model.outcome.engineering[ends]).all()  # the contracts' share
        others = np.setdiff1d(np.arange(model.state.n), ends)
        assert used[others] == pytest.approx(model.outcome.engineering[others])


# ---------------------------------------------------------------------------- money
@pytest.mark.parametrize("engine", ENGINES)
def test_money_lets_a_one_way_flow_happen_only_when_allowed(engine: str | None) -> None:
    # the town has health to spare; the village needs health but has nothing the town needs
    rows = {"town": {"capacity_food": 10.0}, "village": {"capacity_food": 10.0}}
    barter = pair(**rows, exchange={"money": False, "money_share": 1.0}, engine=engine)
    barter.step()
    assert not barter.outcome.deal.any()
    paid = pair(**rows, exchange={"money": True, "money_share": 1.0}, engine=engine)
    reserve_before = paid.state.reserve.copy()
    for phase in paid.PHASES:
        getattr(paid, phase)()
        if phase == "deliver":
            reserve_after = paid.state.reserve.copy()
    out = paid.outcome
    assert out.deal.all()
    size = 0.8 * math.exp(-10 / 60)
    assert out.flow[0, HEALTH] == pytest.approx(10 * size)  # town -> village, health
    assert out.flow[1].sum() == 0  # nothing goes back in goods...
    # ...but money: the gap to the tolerance, (1 - 0.25) x 10, at the deal's size
    assert out.money[1] == pytest.approx(0.75 * 10 * size)
    assert out.money[0] == 0
    assert reserve_after - reserve_before == pytest.approx([out.money[1], -out.money[1]])
    assert paid.state.satisfaction[VILLAGE, HEALTH] > barter.state.satisfaction[VILLAGE, HEALTH]


def test_money_is_not_paid_beyond_the_share_of_reserves_allowed() -> None:
    # the village's reserve is 3 steps of spending: 3 x 1.1 x 5 = 16.5; a 10% share (1.65)
    # cannot cover the 7.5 gap
    rows = {"town": {"capacity_food": 10.0}, "village": {"capacity_food": 10.0}}
    model = pair(**rows, exchange={"money": True, "money_share": 0.1})
    model.step()
    assert not model.outcome.deal.any()


# ---------------------------------------------------------------------------- transaction cost
def test_the_share_kept_after_transaction_costs_follows_a_changed_tension_or_cost() -> None:
    # kept_share is cached on the state: a tension or leaning written in place (a script) or
    # a new cost must give the share of the formula again, (1 - kappa)^2 (ODD 7.4.3)
    model = pair()
    s, spec = model.state, model.config.exchange

    def expected(tension_cost: float) -> float:
        gap = abs(s.leaning[0] - s.leaning[1])
        return (1 - min(tension_cost * s.tension[0] + spec.cleavage_cost * gap / 2, 1.0)) ** 2

    assert exchange.kept_share(s, spec)[0] == expected(spec.tension_cost)
    s.tension[0] = not s.tension[0]
    assert exchange.kept_share(s, spec)[0] == expected(spec.tension_cost)
    s.leaning[0], s.leaning[1] = -0.75, 0.5
    assert exchange.kept_share(s, spec)[0] == expected(spec.tension_cost)
    dearer = spec.model_copy(update={"tension_cost": spec.tension_cost + 0.2})
    assert exchange.kept_share(s, dearer)[0] == expected(spec.tension_cost + 0.2)
