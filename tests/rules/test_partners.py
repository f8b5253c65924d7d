"""The partner rules (ODD 7.4.1) on two territories: factors per arc, weights from them.

Territory 0 has a food surplus of 2 and a health deficit of 3; territory 1 a food deficit
of 5 and a health surplus of 5 (``two_territories``).
"""

from __future__ import annotations

import numpy as np
from two_territories import two_territories

from terrisim.rules.partners import Nearest, PartnerChoice, TrustWeighted

STATE = two_territories(trust=[0.8, 0.4])
SURPLUS = np.maximum(STATE.available - STATE.need, 0.0)
DEFICIT = np.maximum(STATE.need - STATE.available, 0.0)


def test_trust_weighted_offers_by_ones_trust_and_asks_by_the_partners():
    f_offer, f_request = TrustWeighted().factors(STATE)
    np.testing.assert_array_equal(f_offer, [0.8, 0.4])
    np.testing.assert_array_equal(f_request, [0.4, 0.8])


def test_weights_are_the_factors_times_the_partners_deficit_and_the_givers_surplus():
    offer, request = TrustWeighted().weights(STATE, SURPLUS, DEFICIT)
    # arc 0 -> 1: 0 offers what 1 lacks (food 5), 1 asks what 0 has (food 2)
    np.testing.assert_allclose(offer, [[0.8 * 5, 0.0], [0.0, 0.4 * 3]])
    np.testing.assert_allclose(request, [[0.4 * 2, 0.0], [0.0, 0.8 * 5]])


def test_nearest_weighs_partners_by_closeness_whatever_the_trust():
    f_offer, f_request = Nearest().factors(STATE)
    np.testing.assert_allclose(f_offer, [1 / (1 + 10 / 10)] * 2)
    np.testing.assert_array_equal(f_offer, f_request)


def test_a_rule_that_defines_factors_is_separable_and_one_that_overrides_weights_is_not():
    class Halved(TrustWeighted):
        def factors(self, state):
            f_offer, f_request = super().factors(state)
            return f_offer / 2, f_request / 2

    class Flat(PartnerChoice):
        def weights(self, state, surplus, deficit):
            return np.ones((2, 2)), np.ones((2, 2))

    assert Halved().separable
    assert not Flat().separable
    np.testing.assert_allclose(
        Halved().weights(STATE, SURPLUS, DEFICIT)[0],
        TrustWeighted().weights(STATE, SURPLUS, DEFICIT)[0] / 2,
    )
