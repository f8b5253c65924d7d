"""Specification of the resilience indicators in terrisim.metrics (any performance series)."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terrisim.metrics import (
    DEFAULT_WINDOW,
    ResilienceReport,
    collapse_threshold,
    normalised_resilience_loss,
    recovery_time,
    resilience_loss,
    resilience_report,
    resistance,
)

V_SHAPE = [1.0, 1.0, 1.0, 0.5, 0.7, 1.0, 1.0]  # shock at step 3, back at step 5
NEVER = [1.0, 1.0, 1.0, 0.5, 0.6, 0.7, 0.7]
DIP_AGAIN = [1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.8, 1.0, 1.0]  # shock at 2, out at 2, 5, 6

series_st = st.lists(
    st.floats(min_value=0.0, max_value=1e3, allow_subnormal=False), min_size=2, max_size=60
)


@st.composite
def shocked_series(draw):
    y = draw(series_st)
    shock = draw(st.integers(1, len(y) - 1))
    return np.array(y), shock


# --------------------------------------------------------------------------------------------
# Baseline conventions
# --------------------------------------------------------------------------------------------
def test_default_baseline_is_the_mean_of_the_window_before_the_shock():
    y = [0.0] * 5 + [2.0] * DEFAULT_WINDOW + [1.0, 2.0]
    shock = 5 + DEFAULT_WINDOW
    assert resilience_report(y, shock).baseline == 2.0
    assert resilience_report(y, shock, window=DEFAULT_WINDOW + 5).baseline == pytest.approx(
        2.0 * DEFAULT_WINDOW / (DEFAULT_WINDOW + 5)
    )
    # A short history is averaged as far as it goes; window=1 is the value just before.
    assert resilience_report([1.0, 3.0, 0.0], 2).baseline == 2.0
    assert resilience_report([1.0, 3.0, 0.0], 2, window=1).baseline == 3.0


def test_explicit_baseline_overrides_the_window():
    assert resistance([5.0, 5.0, 1.0], 2, baseline=2.0) == 0.5


# --------------------------------------------------------------------------------------------
# Resistance
# --------------------------------------------------------------------------------------------
def test_resistance_is_the_lowest_post_shock_level_relative_to_baseline():
    assert resistance(V_SHAPE, 3) == 0.5
    assert resistance([2.0, 2.0, 2.0, 2.0], 2) == 1.0
    assert resistance([2.0, 2.0, 3.0, 4.0], 2) == 1.5


def test_resistance_can_be_restricted_to_a_window_before_the_next_shock():
    y = [1.0, 1.0, 0.8, 1.0, 1.0, 0.2, 0.3]
    assert resistance(y, 2, end=5) == pytest.approx(0.8)
    assert resistance(y, 2) == pytest.approx(0.2)


# --------------------------------------------------------------------------------------------
# Recovery time
# --------------------------------------------------------------------------------------------
def test_recovery_time_of_a_v_shape():
    assert recovery_time(V_SHAPE, 3) == 2


def test_a_series_that_never_recovers_gives_none():
    assert recovery_time(NEVER, 3) is None
    report = resilience_report(NEVER, 3)
    assert report.recovery_time is None and not report.recovered


def test_recovery_time_counts_the_final_re_entry_after_a_second_dip():
    assert recovery_time(DIP_AGAIN, 2) == 5  # last outside at step 6, back for good at 7
    # The first re-entry alone (before the second dip) would have been 1 step.
    assert recovery_time(DIP_AGAIN, 2, end=5) == 1


def test_a_series_that_never_leaves_the_band_recovers_in_zero_steps():
    assert recovery_time([1.0, 1.0, 0.97, 1.0], 2) == 0
    assert recovery_time([1.0, 1.0, 1.0, 1.0], 2) == 0


def test_tolerance_is_relative_to_the_baseline_and_one_sided_by_default():
    y = [10.0, 10.0, 5.0, 9.4, 9.6, 9.6]
    assert recovery_time(y, 2, tolerance=0.05) == 2  # 9.6 >= 9.5 but 9.4 < 9.5
    assert recovery_time(y, 2, tolerance=0.1) == 1  # 9.4 >= 9.0
    assert recovery_time(y, 2, tolerance=0.0) is None
    # Overshooting the baseline counts as recovered, unless two_sided.
    up = [10.0, 10.0, 5.0, 12.0, 12.0]
    assert recovery_time(up, 2) == 1
    assert recovery_time(up, 2, two_sided=True) is None
    assert recovery_time(up, 2, two_sided=True, tolerance=0.25) == 1


def test_shock_at_the_last_step():
    assert recovery_time([1.0, 1.0, 0.2], 2) is None
    assert recovery_time([1.0, 1.0, 1.0], 2) == 0
    report = resilience_report([1.0, 1.0, 0.2], 2)
    assert report.resistance == pytest.approx(0.2)
    assert report.resilience_loss == pytest.approx(0.8)
    assert report.normalised_resilience_loss == pytest.approx(0.8)


# --------------------------------------------------------------------------------------------
# Resilience loss
# --------------------------------------------------------------------------------------------
def test_resilience_loss_of_a_flat_series_is_zero():
    assert resilience_loss([3.0] * 10, 4) == 0.0
    assert normalised_resilience_loss([3.0] * 10, 4) == 0.0


def test_resilience_loss_is_the_step_sum_of_deficits_to_the_end():
    # deficits after the shock at 3: 0.5, 0.3, 0, 0
    assert resilience_loss(V_SHAPE, 3) == pytest.approx(0.8)
    assert normalised_resilience_loss(V_SHAPE, 3) == pytest.approx(0.8 / 4)
    # Gains above the baseline do not offset losses.
    assert resilience_loss([1.0, 1.0, 0.5, 1.5], 2) == pytest.approx(0.5)
    # Stopping at `end` (e.g. the next shock) leaves out later deficits.
    assert resilience_loss([1.0, 1.0, 0.5, 1.0, 0.0], 2, end=4) == pytest.approx(0.5)


def test_total_collapse_has_normalised_loss_one():
    assert normalised_resilience_loss([2.0, 2.0, 0.0, 0.0, 0.0], 2) == 1.0


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def test_report_agrees_with_the_individual_functions():
    r = resilience_report(DIP_AGAIN, 2, tolerance=0.1)
    assert isinstance(r, ResilienceReport)
    assert r.resistance == resistance(DIP_AGAIN, 2)
    assert r.recovery_time == recovery_time(DIP_AGAIN, 2, tolerance=0.1)
    assert r.resilience_loss == resilience_loss(DIP_AGAIN, 2)
    assert r.normalised_resilience_loss == normalised_resilience_loss(DIP_AGAIN, 2)
    assert (r.shock_step, r.end, r.minimum, r.trough_step) == (2, 9, 0.5, 2)
    assert r.recovered


def test_report_serialises_never_recovered_as_null():
    d = resilience_report(NEVER, 3).to_dict()
    text = json.dumps(d)
    assert '"recovery_time": null' in text
    assert d["recovered"] is False


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
ALL = [resistance, recovery_time, resilience_loss, normalised_resilience_loss, resilience_report]


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("series", "shock", "kwargs", "message"),
    [
        ([], 0, {}, "empty"),
        ([[1.0, 2.0]], 0, {}, "1-D"),
        ([1.0, float("nan"), 1.0], 1, {}, "NaN or infinite"),
        ([1.0, 1.0], 2, {}, "outside the series"),
        ([1.0, 1.0], -1, {}, "outside the series"),
        ([1.0, 1.0], 1.5, {}, "integer"),
        ([1.0, 1.0, 1.0], 0, {}, "pass baseline="),
        ([1.0, 1.0, 1.0], 1, {"end": 1}, "end=1"),
        ([1.0, 1.0, 1.0], 1, {"end": 4}, "end=4"),
        ([1.0, 1.0, 1.0], 1, {"window": 0}, "window"),
        ([1.0, 1.0, 1.0], 1, {"baseline": float("nan")}, "baseline must be finite"),
    ],
)
def test_invalid_series_raise_a_clear_value_error(f, series, shock, kwargs, message):
    with pytest.raises(ValueError, match=message):
        f(series, shock, **kwargs)


@pytest.mark.parametrize(
    "f", [resistance, normalised_resilience_loss, resilience_report], ids=lambda f: f.__name__
)
def test_ratios_to_a_non_positive_baseline_raise(f):
    with pytest.raises(ValueError, match="must be > 0"):
        f([0.0, 0.0, 1.0], 2)


def test_a_shock_at_step_zero_works_with_an_explicit_baseline():
    assert recovery_time([0.5, 0.8, 1.0], 0, baseline=1.0) == 2


def test_negative_tolerance_raises():
    with pytest.raises(ValueError, match="tolerance"):
        recovery_time(V_SHAPE, 3, tolerance=-0.1)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------
@given(ys=shocked_series(), tol=st.floats(0.0, 0.5))
def test_recovery_time_means_inside_the_band_for_good(ys, tol):
    y, shock = ys
    b = y[max(0, shock - DEFAULT_WINDOW) : shock].mean()
    inside = y >= b - tol * abs(b)
    t = recovery_time(y, shock, tolerance=tol)
    if t is None:
        assert not inside[-1]
    else:
        assert 0 <= t < len(y) - shock
        assert inside[shock + t :].all()
        if t > 0:
            assert not inside[shock + t - 1]


@given(ys=shocked_series())
def test_normalised_loss_is_in_unit_interval_and_consistent(ys):
    y, shock = ys
    b = y[max(0, shock - DEFAULT_WINDOW) : shock].mean()
    if b <= 0:
        return
    rl = resilience_loss(y, shock)
    nrl = normalised_resilience_loss(y, shock)
    assert 0.0 <= nrl <= 1.0
    assert nrl == pytest.approx(rl / (b * (len(y) - shock)))
    assert resistance(y, shock) >= 0.0
    # Resistance and loss agree: no loss iff the series never dips below the baseline.
    assert (rl == 0.0) == (y[shock:] >= b).all()


@given(ys=shocked_series(), scale=st.floats(1e-3, 1e3))
def test_relative_indicators_are_scale_invariant(ys, scale):
    y, shock = ys
    b = y[max(0, shock - DEFAULT_WINDOW) : shock].mean()
    if b <= 0:
        return
    a, s = resilience_report(y, shock), resilience_report(y * scale, shock)
    assert s.resistance == pytest.approx(a.resistance, rel=1e-9)
    assert s.normalised_resilience_loss == pytest.approx(
        a.normalised_resilience_loss, rel=1e-9, abs=1e-12
    )
    assert s.resilience_loss == pytest.approx(a.resilience_loss * scale, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------------------------
# Collapse threshold
# --------------------------------------------------------------------------------------------
def test_collapse_threshold_finds_a_step_function_threshold_within_tol():
    calls = []

    def recovers(m):
        calls.append(m)
        return m < 0.37

    found = collapse_threshold(recovers, 0.0, 1.0, tol=1e-4)
    assert 0.37 <= found < 0.37 + 1e-4
    assert len(calls) == 2 + math.ceil(math.log2(1.0 / 1e-4))


@given(
    threshold=st.floats(0.001, 9.999),
    tol=st.floats(1e-9, 0.5),
)
def test_collapse_threshold_property(threshold, tol):
    found = collapse_threshold(lambda m: m < threshold, 0.0, 10.0, tol=tol)
    assert threshold <= found <= threshold + tol


def test_collapse_threshold_on_a_simulated_recovery():
    # A toy system that loses `m` then regrows logistically; beyond m = 0.6 it collapses.
    def run(m):
        level = 1.0 - m
        y = [1.0] * 5 + [level]
        for _ in range(50):
            level = level + 0.5 * level * (1 - level) if level > 0.4 else level * 0.9
            y.append(level)
        return recovery_time(y, 5) is not None

    found = collapse_threshold(run, 0.1, 0.9, tol=1e-3)
    assert 0.6 <= found <= 0.6 + 1e-3


def test_collapse_threshold_checks_the_bracket():
    with pytest.raises(ValueError, match=r"does not recover at low=0\.5"):
        collapse_threshold(lambda m: m < 0.3, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"still recovers at high=0\.2"):
        collapse_threshold(lambda m: m < 0.3, 0.0, 0.2)
    with pytest.raises(ValueError, match="low < high"):
        collapse_threshold(lambda m: m < 0.3, 1.0, 0.0)
    with pytest.raises(ValueError, match="tol"):
        collapse_threshold(lambda m: m < 0.3, 0.0, 1.0, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        collapse_threshold(lambda m: m < 0.3, 0.0, 1.0, max_iter=0)


def test_collapse_threshold_warns_when_max_iter_is_too_small():
    with pytest.warns(RuntimeWarning, match="max_iter=3"):
        found = collapse_threshold(lambda m: m < 0.3, 0.0, 1.0, tol=1e-6, max_iter=3)
    assert 0.3 <= found <= 0.3 + 1.0 / 2**3
