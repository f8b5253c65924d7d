"""The territories' state (``terrisim.state``, ODD 2): the arithmetic every phase relies on, on
two territories joined by one link.

Arc 0 goes from the town (0) to the village (1), arc 1 back (ODD 2, "Link and arc state
variables").
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FOOD, HEALTH, TOWN, VILLAGE, pair

from terrisim.state import TerritoryState


@pytest.fixture
def state() -> TerritoryState:
    return pair(exchange={"enabled": False}).state


def test_arc_zero_leaves_the_first_end_of_the_link_and_arc_one_comes_back(state) -> None:
    assert state.n == 2 and state.n_links == 1
    np.testing.assert_array_equal(state.arc_from, [TOWN, VILLAGE])
    np.testing.assert_array_equal(state.arc_to, [VILLAGE, TOWN])


def test_arc_values_are_summed_at_their_origin_and_at_their_end(state) -> None:
    flows = np.array([[1.0, 2.0], [3.0, 4.0]])  # arc 0 carries (1, 2), arc 1 carries (3, 4)
    np.testing.assert_allclose(state.sum_by_origin(flows), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(state.sum_by_end(flows), [[3.0, 4.0], [1.0, 2.0]])
    np.testing.assert_allclose(state.sum_by_origin(np.array([5.0, 7.0])), [5.0, 7.0])


def test_territory_values_are_read_at_each_arcs_origin_and_end(state) -> None:
    values = np.array([10.0, 20.0])
    np.testing.assert_allclose(state.at_origin(values), [10.0, 20.0])
    np.testing.assert_allclose(state.at_end(values), [20.0, 10.0])


def test_the_reverse_of_an_arc_is_the_other_direction_of_its_link(state) -> None:
    np.testing.assert_allclose(state.reverse(np.array([1.0, 2.0])), [2.0, 1.0])


def test_a_territory_without_links_has_degree_one_so_that_shares_stay_finite(state) -> None:
    np.testing.assert_allclose(state.degree, [1.0, 1.0])
    state.src, state.dst = state.src[:0], state.dst[:0]
    state._index_arcs()
    np.testing.assert_allclose(state.degree, [1.0, 1.0])


def test_the_effective_need_is_the_need_times_the_shocks_need_factor(state) -> None:
    state.need_factor = np.array([[1.0, 1.5], [1.0, 1.0]])
    np.testing.assert_allclose(state.effective_need, [[10.0, 15.0], [10.0, 10.0]])


def test_overall_satisfaction_is_the_good_weighted_mean(state) -> None:
    state.satisfaction = np.array([[0.4, 1.0], [1.0, 0.0]])
    state.good_weight = np.array([3.0, 1.0])
    np.testing.assert_allclose(state.satisfaction_mean, [(3 * 0.4 + 1.0) / 4, 3 / 4])
    np.testing.assert_allclose(state.mean_satisfaction(np.array([VILLAGE])), [3 / 4])


def test_production_scales_only_public_goods_by_fiscal_health_and_capital(state) -> None:
    state.public = np.array([False, True])
    state.fiscal_health = np.array([0.5, 1.0])
    state.capital = np.array([0.5, 1.0])
    made = state.production
    assert made[TOWN, HEALTH] == pytest.approx(20.0 * 0.25)
    assert made[VILLAGE, FOOD] == pytest.approx(20.0)


def test_the_urban_and_rural_classes_and_the_kinds_select_their_territories(state) -> None:
    np.testing.assert_array_equal(state.kind_mask("urban"), [True, False])
    np.testing.assert_array_equal(state.kind_mask("rural"), [False, True])
    np.testing.assert_array_equal(state.kind_mask("town"), [True, False])
