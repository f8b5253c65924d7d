"""The sort behind the recorder's Gini index (terrisim.metrics.population)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from terrisim.metrics.population import stable_order

# few distinct values, so that ties are common; signed zeros, infinities and NaN included
VALUES = st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0, 1.0 + 2**-52, np.inf, -np.inf, np.nan])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        hnp.arrays(np.float64, st.integers(0, 60), elements=VALUES),
        hnp.arrays(np.float64, st.integers(0, 60), elements=st.floats(0, 1)),
    )
)
def test_stable_order_is_the_stable_sort_whatever_the_ties(x) -> None:
    assert np.array_equal(stable_order(x), np.argsort(x, kind="stable"))


def test_stable_order_orders_a_run_of_equal_values_by_index() -> None:
    x = np.array([1.0, 0.5, 1.0, 0.0, 1.0, 0.5, 1.0])
    assert stable_order(x).tolist() == [3, 1, 5, 0, 2, 4, 6]
