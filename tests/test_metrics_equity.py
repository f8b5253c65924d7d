"""Specification of the equity indicators in terrisim.metrics (plain arrays, any data)."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from terrisim import metrics
from terrisim.metrics import (
    TheilDecomposition,
    atkinson,
    equity,
    gini,
    group_ratio,
    maximin,
    palma,
    population,
    resilience,
    theil_l,
    theil_t,
    theil_t_decomposition,
)

INEQUALITY = {
    "gini": gini,
    "theil_t": theil_t,
    "theil_l": theil_l,
    "atkinson_0.5": lambda x, w=None: atkinson(x, 0.5, w),
    "atkinson_1": lambda x, w=None: atkinson(x, 1.0, w),
    "atkinson_2": lambda x, w=None: atkinson(x, 2.0, w),
    "palma": palma,
}
ZERO_AT_EQUALITY = {k: f for k, f in INEQUALITY.items() if k != "palma"}

# Strategies: non-negative values with a positive mean, positive values, integer weights.
values = st.lists(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_subnormal=False),
    min_size=1,
    max_size=30,
).filter(lambda v: sum(v) > 0)
positive_values = st.lists(
    st.floats(min_value=1e-3, max_value=1e6, allow_nan=False), min_size=1, max_size=30
)


@st.composite
def weighted(draw, elements=values):
    x = draw(elements)
    w = draw(st.lists(st.integers(1, 6), min_size=len(x), max_size=len(x)))
    return np.array(x), np.array(w)


close = {"rel": 1e-9, "abs": 1e-12}


# --------------------------------------------------------------------------------------------
# Known values and closed forms
# --------------------------------------------------------------------------------------------
def test_package_exports_every_public_name():
    """Exactly the public classes, functions and constants of the equity, population and
    resilience modules, as the same objects."""
    defined = {
        name: value
        for module in (equity, population, resilience)
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (name.isupper() or getattr(value, "__module__", None) == module.__name__)
    }
    assert sorted(metrics.__all__) == sorted(defined)
    assert all(getattr(metrics, name) is value for name, value in defined.items())


@pytest.mark.parametrize("name", sorted(ZERO_AT_EQUALITY))
def test_equal_distribution_has_zero_inequality(name):
    f = ZERO_AT_EQUALITY[name]
    assert f([3.7] * 9) == pytest.approx(0.0, abs=1e-12)
    assert f([3.7] * 4, [1, 10, 100, 0.5]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(ZERO_AT_EQUALITY))
def test_single_territory_has_zero_inequality(name):
    assert ZERO_AT_EQUALITY[name]([42.0]) == pytest.approx(0.0, abs=1e-12)
    assert ZERO_AT_EQUALITY[name]([42.0], [1000]) == pytest.approx(0.0, abs=1e-12)


def test_palma_of_equal_distribution_is_one_quarter():
    assert palma([5.0] * 10) == pytest.approx(0.25)
    assert palma([5.0]) == pytest.approx(0.25)


def test_gini_known_values():
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([1, 3]) == pytest.approx(0.25)
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)  # mean abs difference 1.6 / (2 * 3)
    # One unit holding everything among n: 1 - 1/n.
    assert gini([0] * 9 + [5]) == pytest.approx(0.9)


def test_gini_weighted_equals_explicit_pairwise_formula():
    x = np.array([3.0, 1.0, 7.0, 7.0, 0.0])
    w = np.array([2.0, 0.5, 1.0, 3.0, 4.0])
    p = w / w.sum()
    mu = p @ x
    expected = (p[:, None] * p[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * mu)
    assert gini(x, w) == pytest.approx(expected, rel=1e-12)


def test_theil_known_values():
    # One of n holding everything: T = ln n (its maximum); zeros use 0 ln 0 = 0.
    assert theil_t([0, 0, 0, 1]) == pytest.approx(math.log(4))
    # [1, 3]: s = (1/2, 3/2)
    assert theil_t([1, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    assert theil_l([1, 3]) == pytest.approx(0.5 * math.log(4 / 3))


def test_theil_l_with_a_zero_is_infinite():
    assert theil_l([0.0, 1.0, 2.0]) == math.inf
    # ... unless the zero has no population.
    assert theil_l([0.0, 1.0, 3.0], [0, 1, 1]) == pytest.approx(theil_l([1, 3]))


def test_atkinson_known_values():
    # [1, 3]: EDE is the power mean of order 1 - eps.
    assert atkinson([1, 3], 0) == 0.0
    assert atkinson([1, 3], 0.5) == pytest.approx(1 - ((1 + math.sqrt(3)) / 2) ** 2 / 2)
    assert atkinson([1, 3], 1) == pytest.approx(1 - math.sqrt(3) / 2)  # geometric mean
    assert atkinson([1, 3], 2) == pytest.approx(1 - 1.5 / 2)  # harmonic mean


def test_atkinson_with_a_zero_is_one_for_eps_at_least_one():
    assert atkinson([0, 1, 2], 1.0) == 1.0
    assert atkinson([0, 1, 2], 3.0) == 1.0
    # For eps < 1 a zero is an ordinary value: EDE = (mean of sqrt)^2.
    assert atkinson([0, 4], 0.5) == pytest.approx(1 - (2 / 2) ** 2 / 2)


def test_atkinson_large_epsilon_does_not_overflow():
    x = [1e-3, 1.0, 1e3]
    a = atkinson(x, 200.0)
    assert 0 < a <= 1
    # Tends to 1 - min/mean as eps -> inf.
    assert a == pytest.approx(1 - 1e-3 / np.mean(x), rel=0.05)


def test_atkinson_eps_one_is_one_minus_exp_minus_theil_l():
    x, w = [1.0, 2.0, 5.0, 9.0], [3, 1, 1, 2]
    assert atkinson(x, 1.0, w) == pytest.approx(1 - math.exp(-theil_l(x, w)))


def test_palma_known_values():
    # 1..10: bottom 40% hold 1+2+3+4 = 10, top 10% hold 10.
    assert palma(list(range(1, 11))) == pytest.approx(1.0)
    assert palma([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]) == math.inf


def test_palma_splits_a_weighted_unit_straddling_the_quantiles():
    # Two units of 5 people each: the 40% and 90% cut-offs fall inside the units.
    # Expanded: [1]*5 + [3]*5 -> bottom 4 people hold 4, top person holds 3 (of 20).
    assert palma([1, 3], [5, 5]) == pytest.approx(0.75)
    assert palma([1, 3], [5, 5]) == pytest.approx(palma([1] * 5 + [3] * 5))
    # Unequal weights: 3 people with 2, 7 with 10 -> bottom 4 = 3*2 + 10 = 16, top 1 = 10.
    assert palma([10, 2], [7, 3]) == pytest.approx(10 / 16)


def test_maximin_is_the_minimum():
    assert maximin([0.4, -1.5, 3.0]) == -1.5
    assert maximin(np.array([2.0])) == 2.0


def test_group_ratio_is_the_ratio_of_weighted_group_means():
    x = [0.8, 0.6, 0.3, 0.5]
    kinds = ["urban", "urban", "rural", "rural"]
    w = [100, 300, 10, 30]
    urban = (0.8 * 100 + 0.6 * 300) / 400
    rural = (0.3 * 10 + 0.5 * 30) / 40
    assert group_ratio(x, kinds, "urban", "rural", w) == pytest.approx(urban / rural)
    assert group_ratio(x, kinds, "urban", "rural") == pytest.approx(0.7 / 0.4)


def test_group_ratio_errors_name_the_problem():
    with pytest.raises(ValueError, match="'peri-urban' is not in groups"):
        group_ratio([1, 2], ["urban", "rural"], "peri-urban", "rural")
    with pytest.raises(ValueError, match="zero mean"):
        group_ratio([1, 0], ["urban", "rural"], "urban", "rural")
    with pytest.raises(ValueError, match="zero total weight"):
        group_ratio([1, 2], ["urban", "rural"], "urban", "rural", [1, 0])
    with pytest.raises(ValueError, match="groups must have one label per unit"):
        group_ratio([1, 2], ["urban"], "urban", "rural")


def test_theil_decomposition_known_example():
    # Two groups with no inequality inside: everything is between-group.
    d = theil_t_decomposition([1, 1, 3, 3], ["rural", "rural", "urban", "urban"])
    assert isinstance(d, TheilDecomposition)
    assert d.within == pytest.approx(0.0, abs=1e-15)
    assert d.between == pytest.approx(theil_t([1, 3]))
    assert d.between_share == pytest.approx(1.0)
    urban = d.group("urban")
    assert urban.population_share == pytest.approx(0.5)
    assert urban.income_share == pytest.approx(0.75)
    assert urban.mean == pytest.approx(3.0)
    assert sum(g.between for g in d.groups) == pytest.approx(d.between)
    with pytest.raises(KeyError):
        d.group("coastal")


def test_theil_decomposition_is_frozen():
    d = theil_t_decomposition([1, 2], ["a", "b"])
    with pytest.raises(AttributeError):
        d.total = 0.0  # type: ignore[misc]


def test_theil_decomposition_group_with_zero_total_contributes_nothing():
    d = theil_t_decomposition([0, 0, 2, 4], ["a", "a", "b", "b"])
    a = d.group("a")
    assert (a.income_share, a.theil, a.within, a.between) == (0.0, 0.0, 0.0, 0.0)
    assert d.within + d.between == pytest.approx(d.total)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(INEQUALITY))
@pytest.mark.parametrize(
    ("x", "weights", "message"),
    [
        ([], None, "empty"),
        ([[1, 2], [3, 4]], None, "1-D"),
        ([1.0, float("nan")], None, "NaN or infinite"),
        ([1.0, -2.0], None, "negative"),
        ([0.0, 0.0], None, "zero mean"),
        ([1.0, 2.0], [1.0], "one value per unit"),
        ([1.0, 2.0], [1.0, -1.0], "weights must be >= 0"),
        ([1.0, 2.0], [0.0, 0.0], "weights sum to zero"),
        ([1.0, 2.0], [1.0, float("inf")], "weights contain NaN"),
    ],
)
def test_invalid_input_raises_a_clear_value_error(name, x, weights, message):
    with pytest.raises(ValueError, match=message):
        INEQUALITY[name](x, weights)


def test_theil_decomposition_rejects_bad_groups_and_bad_values():
    with pytest.raises(ValueError, match="groups must have one label per unit"):
        theil_t_decomposition([1, 2, 3], ["a", "b"])
    with pytest.raises(ValueError, match="zero mean"):
        theil_t_decomposition([0, 0], ["a", "b"])


def test_atkinson_rejects_negative_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        atkinson([1, 2], -0.5)


def test_palma_rejects_inconsistent_cutoffs():
    with pytest.raises(ValueError, match="top"):
        palma([1, 2], top=0.7, bottom=0.4)


def test_maximin_rejects_empty_input():
    with pytest.raises(ValueError, match="empty"):
        maximin([])


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(INEQUALITY))
@given(x=values, k=st.integers(2, 5))
def test_replicating_the_population_k_times_equals_weighting_by_k(name, x, k):
    f = INEQUALITY[name]
    replicated = f(np.tile(x, k))
    weighted_by_k = f(x, [k] * len(x))
    unweighted = f(x)
    if math.isinf(unweighted):
        assert math.isinf(replicated) and math.isinf(weighted_by_k)
    else:
        assert replicated == pytest.approx(unweighted, **close)
        assert weighted_by_k == pytest.approx(unweighted, **close)


@pytest.mark.parametrize("name", sorted(INEQUALITY))
@given(xw=weighted())
def test_integer_weights_equal_repeated_observations(name, xw):
    x, w = xw
    f = INEQUALITY[name]
    a, b = f(x, w), f(np.repeat(x, w))
    if math.isinf(b):
        assert math.isinf(a)
    else:
        assert a == pytest.approx(b, **close)


@pytest.mark.parametrize("name", sorted(INEQUALITY))
@given(xw=weighted(), scale=st.floats(1e-3, 1e3))
def test_inequality_is_scale_invariant(name, xw, scale):
    x, w = xw
    f = INEQUALITY[name]
    a, b = f(x, w), f(x * scale, w)
    if math.isinf(a):
        assert math.isinf(b)
    else:
        assert b == pytest.approx(a, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("name", sorted(INEQUALITY))
@given(xw=weighted(), data=st.data())
def test_inequality_does_not_depend_on_the_order_of_units(name, xw, data):
    x, w = xw
    perm = np.array(data.draw(st.permutations(range(len(x)))))
    a, b = INEQUALITY[name](x, w), INEQUALITY[name](x[perm], w[perm])
    assert b == pytest.approx(a, **close) or (math.isinf(a) and math.isinf(b))


@given(xw=weighted())
def test_ranges(xw):
    x, w = xw
    n_people = int(w.sum())
    g = gini(x, w)
    assert 0.0 <= g < 1.0
    assert g <= 1 - 1 / n_people + 1e-12
    t = theil_t(x, w)
    assert 0.0 <= t <= math.log(n_people) + 1e-9
    assert theil_l(x, w) >= 0.0
    for eps in (0.0, 0.5, 1.0, 2.0, 5.0):
        assert 0.0 <= atkinson(x, eps, w) <= 1.0
    assert palma(x, w) >= 0.25 - 1e-9


@given(xw=weighted(), e1=st.floats(0, 10), e2=st.floats(0, 10))
def test_atkinson_is_non_decreasing_in_epsilon(xw, e1, e2):
    x, w = xw
    lo, hi = sorted((e1, e2))
    assert atkinson(x, lo, w) <= atkinson(x, hi, w) + 1e-9


@given(xw=weighted(positive_values))
def test_a_transfer_from_richer_to_poorer_does_not_raise_gini_or_theil(xw):
    # Pigou-Dalton: move a little from the richest unit to the poorest (between their levels).
    x, w = xw
    assume(x.max() > x.min() * (1 + 1e-6))
    i, j = int(np.argmax(x)), int(np.argmin(x))
    y = x.astype(float).copy()
    delta = (x[i] - x[j]) * 0.25 * min(w[i], w[j])
    y[i] -= delta / w[i]
    y[j] += delta / w[j]
    assert gini(y, w) <= gini(x, w) + 1e-12
    assert theil_t(y, w) <= theil_t(x, w) + 1e-12
    assert theil_l(y, w) <= theil_l(x, w) + 1e-12


@settings(max_examples=200)
@given(
    data=st.data(),
    x=values,
)
def test_theil_decomposition_sums_exactly(data, x):
    n = len(x)
    groups = data.draw(
        st.lists(st.sampled_from(["urban", "rural", "peri"]), min_size=n, max_size=n)
    )
    # no subnormal weights, as for the values: a few bits of precision cannot sum to 1e-9
    w = data.draw(st.lists(st.floats(0.0, 1e4, allow_subnormal=False), min_size=n, max_size=n))
    # a positive weighted mean in floating point (x * w may underflow to 0: a 'zero mean' error)
    assume(sum(wi * xi for wi, xi in zip(w, x, strict=True)) > 0)
    assume(sum(w) > 0)
    d = theil_t_decomposition(x, groups, w)
    assert d.within >= 0.0 and d.between >= 0.0
    assert d.within + d.between == pytest.approx(d.total, rel=1e-9, abs=1e-12)
    assert d.total == pytest.approx(theil_t(x, w), rel=1e-12, abs=1e-15)
    assert sum(g.within for g in d.groups) == pytest.approx(d.within, rel=1e-9, abs=1e-12)
    assert sum(g.between for g in d.groups) == pytest.approx(d.between, rel=1e-9, abs=1e-12)
    assert sum(g.population_share for g in d.groups) == pytest.approx(1.0)
    assert sum(g.income_share for g in d.groups) == pytest.approx(1.0)
    means = [g.mean for g in d.groups]
    shares = [g.population_share for g in d.groups]
    assert d.between == pytest.approx(theil_t(means, shares), rel=1e-9, abs=1e-12)
    for g in d.groups:
        members = [i for i in range(n) if groups[i] == g.label and w[i] > 0]
        # a group whose mean is subnormal (hypothesis found the smallest normal value, 2.2e-308,
        # next to zeros in one group) has a few bits of precision left: rel=1e-9 cannot hold
        if g.mean > np.finfo(float).tiny:
            assert g.theil == pytest.approx(
                theil_t([x[i] for i in members], [w[i] for i in members]), rel=1e-9, abs=1e-12
            )


@given(xw=weighted())
def test_group_ratio_of_identical_groups_is_one(xw):
    x, w = xw
    assume(np.dot(x, w) > 0)
    xx, ww = np.concatenate([x, x]), np.concatenate([w, w])
    kinds = ["urban"] * len(x) + ["rural"] * len(x)
    assert group_ratio(xx, kinds, "urban", "rural", ww) == pytest.approx(1.0)
