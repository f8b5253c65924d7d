"""The valuation rules (ODD 7.4.2) on two territories: what a unit given or received is worth.

Prices are 1 (food) and 2 (health); territory 0 has 0 of the 3 health units it needs,
territory 1 none of its 5 food units (``two_territories``).
"""

from __future__ import annotations

import numpy as np
from two_territories import two_territories

from terrisim.rules.valuation import MarketValuation, NeedWeightedValuation

STATE = two_territories()


def test_the_market_values_every_unit_at_its_reference_price():
    give, receive = MarketValuation().unit_values(STATE)
    np.testing.assert_array_equal(np.broadcast_to(give, (2, 2)), [[1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_array_equal(give, receive)


def test_need_weighting_adds_urgency_times_the_unmet_share_to_what_is_received():
    give, receive = NeedWeightedValuation(urgency=0.5).unit_values(STATE)
    np.testing.assert_array_equal(np.broadcast_to(give, (2, 2)), [[1.0, 2.0], [1.0, 2.0]])
    # unmet shares: territory 0 food 0 (4 >= 2), health 1; territory 1 food 1, health 0
    np.testing.assert_allclose(receive, [[1.0, 2.0 * 1.5], [1.0 * 1.5, 2.0]])
