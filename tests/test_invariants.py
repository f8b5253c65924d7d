"""Invariants of the core over random scenarios (hypothesis): what must hold at every step.

Each property runs small random scenarios (see ``conftest.scenario_dicts``: any mix of kinds,
trust, tension, cleavage, representation bias, tolerance, distance scale, engineering, money,
rules and shocks) and checks the state between every two phases with the one implementation of
the invariants, :func:`terrisim.checking.watch_invariants` (the code ``check-rule`` runs on a
student's rule): goods and money conserved, deals within surplus, reserve, trust, tolerance and
engineering, stocks non-negative and within their cap, trust in [0, 1], indicators in range.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from conftest import ENGINES, PROPERTY, make_model, scenarios
from hypothesis import given, settings

from terrisim.checking import RUN_INVARIANTS, watch_invariants
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, apply_overrides

TOL = 1e-9


@pytest.mark.parametrize("engine", ENGINES)
@settings(PROPERTY, max_examples=3 * PROPERTY.max_examples)
@given(scenario=scenarios())
def test_every_run_invariant_holds_between_every_two_phases_of_every_step(
    scenario: Scenario, engine: str | None
) -> None:
    model = make_model(scenario, engine)
    violations = watch_invariants(model)
    model.run(scenario.steps)
    assert [f"{v.invariant}: {v.message}" for v in violations] == []
    assert {v.invariant for v in violations} <= set(RUN_INVARIANTS)


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


def _tampered(phase: str, change) -> list[str]:
    """The invariants broken in 3 demo steps when ``change(model)`` follows ``phase``."""
    # near-threshold acceptance, no transaction cost, no defection: where the reciprocity
    # tolerance is exact (smooth acceptance may accept a deal below it, ODD 7.4.3, 7.4.6)
    scenario = apply_overrides(
        Scenario(),
        {
            "exchange.acceptance_width": 1e-9,
            "exchange.tension_cost": 0.0,
            "exchange.cleavage_cost": 0.0,
            "rules.defection": {"name": "shadow_of_the_future", "horizon": 1e12},
        },
    )
    model = TerriModel(scenario, record_territories=False)
    method = getattr(model, phase)

    def tampered() -> None:
        method()
        change(model)

    setattr(model, phase, tampered)
    violations = watch_invariants(model)
    with contextlib.suppress(ValueError):  # the recorder refuses what follows a broken deal
        model.run(3)
    return sorted({v.invariant for v in violations})


def _below_tolerance(model: TerriModel) -> None:
    model.outcome.perceived_balance[np.tile(model.outcome.deal, 2)] = 0.0


def _over_engineering(model: TerriModel) -> None:
    model.outcome.engineering[:] = model.state.engineering + 1.0


def _beyond_surplus(model: TerriModel) -> None:
    model.outcome.flow *= 1e6


def _above_cap(model: TerriModel) -> None:
    model.state.stock[:] = model.state.stock_cap + 1.0


@pytest.mark.parametrize(
    ("phase", "change", "broken"),
    [
        ("negotiate", _below_tolerance, "exchange"),
        ("negotiate", _over_engineering, "exchange"),
        ("negotiate", _beyond_surplus, "exchange"),
        ("consume", _above_cap, "non_negative"),
    ],
)
def test_the_invariants_catch_a_deal_or_a_stock_that_breaks_them(phase, change, broken) -> None:
    assert _tampered("negotiate", lambda model: None) == []
    assert broken in _tampered(phase, change)
