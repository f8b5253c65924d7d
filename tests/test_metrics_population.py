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


def test_the_recorders_group_means_follow_a_changed_population() -> None:
    # the recorder keeps each group's populations: a population written in place (a
    # script) must give the weighted mean of the new populations
    from conftest import pair

    model = pair()
    model.step()
    s = model.state
    s.satisfaction[:] = [[1.0, 0.5], [0.0, 0.25]]
    s.population[:] = [3000.0, 1000.0]
    row = model.recorder.indicators()
    sat = s.satisfaction_mean
    assert row["satisfaction"] == (sat * s.population).sum() / 4000.0
    s.population[:] = [1000.0, 1000.0]
    row = model.recorder.indicators()
    assert row["satisfaction"] == (sat * s.population).sum() / 2000.0
    assert row["satisfaction_class_urban"] == sat[s.urban][0]
