"""The model's schedule and its own phases (``terrisim.model``, ODD 3, 7.1 and 7.2), on two
territories.

The pair is ``conftest.pair``: per step the town makes 20 health and no food, the village 20
food and no health, and each needs 10 of both. With exchange switched off nothing moves between
them, so each equation can be checked by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import FOOD, HEALTH, TOWN, VILLAGE, pair, production, step_watching

from terrisim.model import TerriModel

ALONE = {"exchange": {"enabled": False}}


def alone(**tables: Any) -> TerriModel:
    """The pair with no exchange, and these scenario tables on top."""
    return pair(**{**ALONE, **tables})


def storable_food(**food: Any) -> dict[str, Any]:
    """The ``goods`` table of the pair with food made storable, and these fields of food."""
    good = {"price": 1.0, "need": {"town": 1.0, "rural": 1.0}}
    return {"food": {**good, "capacity": good["need"], "storable": True, **food}}


# ---------------------------------------------------------------------------- schedule (ODD 3)
def test_a_step_runs_every_phase_once_in_the_order_phases_lists() -> None:
    model = alone()
    order: list[str] = []
    for phase in model.PHASES:
        method = getattr(model, phase)
        setattr(model, phase, lambda m=method, p=phase: (order.append(p), m()))
    model.step()
    assert order == list(TerriModel.PHASES)
    assert model.steps == 1


# ---------------------------------------------------------------------------- production (7.1)
def test_a_private_good_is_produced_at_the_territorys_capacity() -> None:
    made = production(alone())
    np.testing.assert_allclose(made, [[0.0, 20.0], [20.0, 0.0]])


def test_a_public_service_is_produced_in_proportion_to_fiscal_health_times_capital() -> None:
    model = alone(public_health=True)
    model.state.fiscal_health[TOWN] = 0.5  # as if the previous step had left them so
    model.state.capital[TOWN] = 0.8
    made = production(model)
    assert made[TOWN, HEALTH] == pytest.approx(20.0 * 0.5 * 0.8)
    assert made[VILLAGE, FOOD] == 20.0  # food is not public: untouched


def test_what_is_available_is_the_stock_plus_this_steps_production() -> None:
    model = alone(goods=storable_food(storage_steps=3.0))
    model.step()  # the village keeps what it did not eat
    seen = step_watching(model, "produce")
    stock = seen["before produce"].state.stock[VILLAGE, FOOD]
    assert stock > 0
    assert seen["after produce"].state.available[VILLAGE, FOOD] == pytest.approx(stock + 20.0)


# ---------------------------------------------------------------------------- consumption (7.2)
def test_a_territory_consumes_up_to_its_need_and_satisfaction_is_the_share_met() -> None:
    model = alone(town={"capacity_food": 4.0})
    model.step()
    s = model.state
    np.testing.assert_allclose(s.consumed[TOWN], [4.0, 10.0])
    np.testing.assert_allclose(s.satisfaction[TOWN], [0.4, 1.0])
    np.testing.assert_allclose(s.satisfaction[VILLAGE], [1.0, 0.0])


def test_a_good_nobody_needs_counts_as_fully_satisfied() -> None:
    model = alone(town={"need_food": 0.0, "capacity_food": 0.0})
    model.step()
    assert model.state.satisfaction[TOWN, FOOD] == 1.0
    assert model.state.consumed[TOWN, FOOD] == 0.0


def test_a_storable_leftover_is_kept_after_decay() -> None:
    model = alone(goods=storable_food(decay=0.1))
    start = model.state.stock[VILLAGE, FOOD]  # the stock held at set-up (ODD 5.4)
    model.step()
    leftover = start + 20.0 - 10.0
    assert model.state.stock[VILLAGE, FOOD] == pytest.approx(leftover * (1 - 0.1))


def test_the_stock_is_capped_at_storage_steps_times_capacity() -> None:
    model = alone(goods=storable_food(storage_steps=0.25))
    model.step()
    assert model.state.stock[VILLAGE, FOOD] == pytest.approx(0.25 * 20.0)


def test_an_unused_service_is_lost_at_the_end_of_the_step() -> None:
    model = alone()
    model.step()
    assert model.state.stock[TOWN, HEALTH] == 0.0  # 10 units of health were left over


# ---------------------------------------------------------------------------- transfer (7.5)
@pytest.mark.parametrize("held", [0.0, 1e-20, 1.0, 1e6])
def test_a_giver_asked_a_rounding_more_than_it_has_gives_what_it_has_and_creates_nothing(
    held: float,
) -> None:
    model = alone()
    s = model.state
    s.available = np.array([[held, 5.0], [3.0, 7.0]])
    before = s.available.sum(axis=0)
    asked = held * (1 + 9e-10) + 5e-13  # within transfer's tolerance
    half = np.array([[asked / 2, 0.0], [asked / 2, 0.0]])
    model.transfer(np.array([TOWN, TOWN]), np.array([VILLAGE, VILLAGE]), half, "test")
    assert s.available[TOWN, FOOD] == 0.0
    assert s.available.sum(axis=0)[FOOD] <= before[FOOD] * (1 + 1e-15)
    assert s.available[VILLAGE, FOOD] == pytest.approx(3.0 + held, rel=1e-15, abs=1e-300)


def test_a_giver_asked_clearly_more_than_it_has_is_refused() -> None:
    model = alone()
    model.state.available = np.array([[1.0, 5.0], [3.0, 7.0]])
    with pytest.raises(ValueError, match="more than it has"):
        model.transfer(np.array([TOWN]), np.array([VILLAGE]), np.array([[1.01, 0.0]]), "test")
