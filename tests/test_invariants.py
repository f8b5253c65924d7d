"""Invariants of the core over random scenarios (hypothesis): what must hold at every step.

Each property runs small random scenarios (see ``conftest.scenario_dicts``: any mix of kinds,
trust, tension, cleavage, representation bias, tolerance, distance scale, engineering, money,
rules and shocks) phase by phase and checks the state between phases.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ENGINES, PROPERTY, make_model, scenarios, step_watching
from hypothesis import given

from terrisim.model import TerriModel
from terrisim.scenario import Scenario

TOL = 1e-9


def close_sums(before: np.ndarray, after: np.ndarray) -> bool:
    """Sums equal up to float rounding relative to the amounts involved."""
    scale = np.maximum(np.abs(before), 1.0)
    return bool(np.all(np.abs(after - before) <= 1e-9 * scale))


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_delivery_conserves_every_good_and_money(scenario: Scenario, engine: str | None) -> None:
    model = make_model(scenario, engine)
    for _ in range(scenario.steps):
        seen = step_watching(model, "deliver")
        before, after = seen["before deliver"].state, seen["after deliver"].state
        assert close_sums(before.available.sum(axis=0), after.available.sum(axis=0))
        assert close_sums(np.array([before.reserve.sum()]), np.array([after.reserve.sum()]))
        # what moved is what the ledger says moved
        moved = seen["after deliver"].outcome.flow.sum(axis=0)
        assert np.allclose(model.volume_by_good("bilateral"), moved)


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_nobody_gives_more_than_its_surplus_nor_pays_more_than_its_reserve(
    scenario: Scenario, engine: str | None
) -> None:
    model = make_model(scenario, engine)
    for _ in range(scenario.steps):
        seen = step_watching(model, "deliver")["before deliver"]
        s, out = seen.state, seen.outcome
        surplus = np.maximum(s.available - s.effective_need, 0.0)
        assert (out.flow >= 0).all()
        assert (out.money >= 0).all()
        assert (s.sum_by_origin(out.flow) <= surplus * (1 + TOL) + TOL).all()
        assert (s.sum_by_origin(out.money) <= s.reserve * (1 + TOL) + TOL).all()


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_every_deal_honours_the_reciprocity_tolerance_as_each_side_perceives_it(
    scenario: Scenario, engine: str | None
) -> None:
    model = make_model(scenario, engine)
    floor = 1.0 - scenario.exchange.reciprocity_tolerance
    e = model.state.n_links
    for _ in range(scenario.steps):
        trust = step_watching(model, "negotiate")["before negotiate"].state.trust
        out = model.outcome
        dealt = np.tile(out.deal, 2)
        assert (out.perceived_balance[dealt] >= floor - 1e-9).all()
        # a deal needs trust on both sides, as it was when they negotiated
        assert (np.minimum(trust[:e], trust[e:])[out.deal] > 0).all()


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_no_stock_available_amount_or_reserve_ever_goes_negative(
    scenario: Scenario, engine: str | None
) -> None:
    model = make_model(scenario, engine)
    for _ in range(scenario.steps):
        for snapshot in step_watching(model).values():
            s = snapshot.state
            assert (s.available >= -TOL).all()
            assert (s.stock >= -TOL).all()
            assert (s.reserve >= -TOL).all()
        s = model.state
        # stocks respect their cap and exist only for storable goods
        assert (s.stock <= s.stock_cap * (1 + TOL) + TOL).all()
        assert (s.stock[:, ~s.storable] == 0).all()


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_trust_stays_within_zero_and_one_on_every_arc(
    scenario: Scenario, engine: str | None
) -> None:
    model = make_model(scenario, engine)
    assert ((model.state.trust >= 0) & (model.state.trust <= 1)).all()
    for _ in range(scenario.steps):
        model.step()
        assert np.isfinite(model.state.trust).all()
        assert ((model.state.trust >= 0) & (model.state.trust <= 1)).all()


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(scenario=scenarios())
def test_indicators_stay_in_their_ranges(scenario: Scenario, engine: str | None) -> None:
    model = make_model(scenario, engine)
    left: list[np.ndarray] = []  # what the deals may use: the engineering left at negotiation
    negotiate = model.negotiate
    model.negotiate = lambda: (left.append(model.engineering_left()), negotiate())
    for _ in range(scenario.steps):
        model.step()
        assert (model.outcome.engineering <= left[-1] * (1 + TOL) + TOL).all()
    s, out = model.state, model.outcome
    assert ((s.satisfaction >= 0) & (s.satisfaction <= 1 + TOL)).all()
    assert ((s.fiscal_health >= 0) & (s.fiscal_health <= 1)).all()
    assert ((out.perceived_balance >= 0) & (out.perceived_balance <= 1)).all()
    series = model.recorder.series()
    assert len(series) == scenario.steps
    for column in [c for c in series.columns if c.startswith("satisfaction")]:
        values = series[column].dropna()
        assert ((values >= 0) & (values <= 1 + TOL)).all(), column
    assert ((series["gini"] >= 0) & (series["gini"] < 1)).all()
    balance = series["reciprocity_balance"].dropna()
    assert ((balance >= 0) & (balance <= 1)).all()
    for column in ("trust", "trust_within_kind", "trust_urban_rural", "fiscal_health"):
        values = series[column].dropna()
        assert ((values >= 0) & (values <= 1 + TOL)).all(), column
    assert (series["deals"] >= 0).all() and (series["deals"] <= s.n_links).all()
    assert (series[[c for c in series.columns if c.startswith("volume_")]] >= 0).all().all()
    # no deal, no reciprocity balance; a deal has one
    assert (series["reciprocity_balance"].isna() == (series["deals"] == 0)).all()


@PROPERTY
@given(scenario=scenarios())
def test_territory_records_match_the_state_and_stay_in_range(scenario: Scenario) -> None:
    model = TerriModel(scenario, record_territories=True)
    model.run()
    records = model.recorder.territories()
    assert records is not None
    assert len(records) == scenario.steps * model.state.n
    assert ((records["satisfaction"] >= 0) & (records["satisfaction"] <= 1 + TOL)).all()
    assert (records[["given_value", "received_value", "reserve"]] >= -TOL).all().all()
    last = records[records["step"] == records["step"].max()]
    assert list(last["territory"]) == list(model.state.ids)
    assert np.allclose(last["satisfaction"], model.state.satisfaction_mean)
    # what all territories gave is what all received
    assert np.isclose(last["given_value"].sum(), last["received_value"].sum())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("trust", [5e-324, 1e-308, 1e-200])
def test_vanishing_trust_gives_vanishing_deals_not_nan(engine: str | None, trust: float) -> None:
    # trust decays geometrically towards a zero baseline: tiny values must stay harmless
    scenario = Scenario.model_validate(
        {
            "steps": 3,
            "seed": 0,
            "territories": {
                "generator": {
                    "counts": {
                        "metropolis": 0,
                        "town": 0,
                        "periurban": 1,
                        "rural": 0,
                        "mountain": 2,
                    },
                    "spacing_km": 2.0,
                    "proximity_k": 1,
                }
            },
            "trust": {"initial": trust, "tension_share": 0.0, "cleavage_weight": 0.0},
        }
    )
    model = make_model(scenario, engine)
    model.run()
    assert np.isfinite(model.outcome.flow).all()
    assert np.isfinite(model.state.available).all()
    assert np.isfinite(model.state.satisfaction).all()
    assert model.outcome.flow.sum() <= 1e-100


@pytest.mark.parametrize("steps", [1, 3])
def test_a_model_with_one_isolated_territory_runs_and_exchanges_nothing(steps: int) -> None:
    scenario = Scenario.model_validate(
        {
            "territories": {
                "generator": {
                    "counts": {
                        "rural": 1,
                        "metropolis": 0,
                        "town": 0,
                        "periurban": 0,
                        "mountain": 0,
                    }
                }
            }
        }
    )
    model = TerriModel(scenario)
    model.run(steps)
    assert model.state.n_links == 0
    series = model.recorder.series()
    assert (series["deals"] == 0).all() and (series["volume_value"] == 0).all()
