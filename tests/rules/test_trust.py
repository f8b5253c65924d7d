"""The reinforcement trust rule, equation by equation (ODD 7.7), on two territories.

``t' = t + alpha (1 - t) q D - lam t (1 - q) D - mu t s + delta (t0 - t)``, clipped to [0, 1],
with the defaults alpha = 0.05, lam = 0.1, mu = 0.25, delta = 0.02.
"""

from __future__ import annotations

import numpy as np
import pytest
from two_territories import outcome, two_territories

from terrisim.rules.trust import Reinforcement

RULE = Reinforcement()


def test_a_balanced_deal_moves_trust_towards_one_by_alpha():
    new = RULE.update(two_territories(), outcome(True, (1.0, 1.0)))
    np.testing.assert_allclose(new, 0.5 + 0.05 * 0.5)


def test_an_unbalanced_deal_costs_the_side_that_received_less():
    new = RULE.update(two_territories(), outcome(True, (0.5, 1.0)))
    assert new[0] == pytest.approx(0.5 + 0.05 * 0.5 * 0.5 - 0.1 * 0.5 * 0.5)
    assert new[1] == pytest.approx(0.525)


def test_without_a_deal_trust_drifts_back_to_its_baseline_by_delta():
    state = two_territories(trust=[0.8, 0.2])
    new = RULE.update(state, outcome(False, (1.0, 1.0)))
    np.testing.assert_allclose(new, [0.8 - 0.02 * 0.3, 0.2 + 0.02 * 0.3])


def test_an_undelivered_promise_erodes_the_trust_of_the_side_let_down_by_mu():
    new = RULE.update(two_territories(), outcome(False, (1.0, 1.0), shortfall=(1.0, 0.0)))
    np.testing.assert_allclose(new, [0.5 - 0.25 * 0.5, 0.5])


def test_trust_stays_in_the_unit_interval_at_its_bounds():
    state = two_territories(trust=[1.0, 0.0], trust_baseline=[1.0, 0.0])
    for deal, q, s in ((True, 1.0, 0.0), (True, 0.0, 1.0), (False, 1.0, 1.0)):
        new = RULE.update(state, outcome(deal, (q, q), shortfall=(s, s)))
        assert ((new >= 0.0) & (new <= 1.0)).all()
