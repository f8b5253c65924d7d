"""The run summary (ODD 7.9): equity and resilience indicators, shocks' windows, edge cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrisim.metrics import (
    atkinson,
    gini,
    maximin,
    palma,
    resilience_report,
    theil_l,
    theil_t,
    theil_t_decomposition,
)
from terrisim.output import run_scenario, write_run
from terrisim.plots import kind_series, resilience_figure, shock_spans, summary_figure
from terrisim.scenario import apply_overrides
from terrisim.scenario.schema import Scenario
from terrisim.summary import (
    EQUITY_KEYS,
    RESILIENCE_KEYS,
    RESILIENCE_TOLERANCE,
    equity_indicators,
    equity_over_time,
    group_resilience,
    group_series,
    resilience_indicators,
    shock_resilience,
)

COUNTS = {"metropolis": 1, "town": 2, "periurban": 2, "rural": 3, "mountain": 1}
BASE = apply_overrides(Scenario(), {"steps": 30, "territories.generator.counts": COUNTS})
BIG_DROUGHT = {"kind": "drought", "at": 12, "duration": 5, "magnitude": 0.9}


def run(*shocks: dict, steps: int | None = None, **overrides):
    scenario = apply_overrides(BASE, {"shocks": list(shocks), **overrides})
    return run_scenario(scenario, steps=steps, record_territories=True)


@pytest.fixture(scope="module")
def big_shock():
    return run(BIG_DROUGHT)


# --------------------------------------------------------------------------------------------
# Equity
# --------------------------------------------------------------------------------------------
def test_summary_equity_is_consistent_with_the_metrics_on_the_final_state(big_shock):
    summary, s = big_shock.summary, big_shock.model.state
    sat, pop = s.satisfaction_mean, s.population
    kinds = np.asarray(s.kinds, dtype=object)[s.kind].astype(str)
    parts = theil_t_decomposition(sat, kinds, pop)
    assert summary["gini"] == pytest.approx(gini(sat, pop))
    assert summary["theil"] == pytest.approx(theil_t(sat, pop))
    assert summary["theil_between_kinds"] == pytest.approx(parts.between)
    assert summary["theil_within_kinds"] == pytest.approx(parts.within)
    assert summary["theil_l"] == pytest.approx(theil_l(sat, pop))
    assert summary["atkinson"] == pytest.approx(atkinson(sat, 1.0, pop))
    assert summary["palma"] == pytest.approx(palma(sat, pop))
    assert summary["maximin"] == pytest.approx(maximin(sat))
    urban = np.average(sat[s.urban], weights=pop[s.urban])
    rural = np.average(sat[~s.urban], weights=pop[~s.urban])
    assert summary["urban_rural_ratio"] == pytest.approx(urban / rural)
    assert summary["urban_rural_ratio"] == pytest.approx(
        summary["satisfaction_class_urban_final"] / summary["satisfaction_class_rural_final"]
    )


def test_summary_equity_indicators_are_in_range(big_shock):
    summary = big_shock.summary
    assert 0 <= summary["gini"] < 1
    assert summary["theil"] >= 0 and summary["theil_l"] >= 0
    assert summary["theil_within_kinds"] + summary["theil_between_kinds"] == pytest.approx(
        summary["theil"], abs=1e-12
    )
    assert 0 <= summary["theil_between_classes"] <= summary["theil"] + 1e-12
    assert 0 <= summary["atkinson"] <= 1
    assert summary["palma"] >= 0.25 - 1e-12
    assert 0 <= summary["maximin"] <= summary["satisfaction_final"]


def test_equity_means_over_steps_come_from_the_series(big_shock):
    series = big_shock.series
    assert big_shock.summary["gini_mean"] == pytest.approx(series["gini"].mean())
    assert big_shock.summary["theil_mean"] == pytest.approx(series["theil"].mean())


def test_equity_over_time_matches_the_recorders_per_step_indicators(big_shock):
    s = big_shock.model.state
    ids = s.ids.astype(str)
    per_step = equity_over_time(
        big_shock.territories, pd.Series(s.population, index=ids), pd.Series(s.urban, index=ids)
    )
    assert list(per_step["step"]) == list(big_shock.series["step"])
    assert list(per_step.columns) == ["step", *EQUITY_KEYS]
    assert np.allclose(per_step["gini"], big_shock.series["gini"])
    assert np.allclose(per_step["theil"], big_shock.series["theil"])
    last = per_step.iloc[-1]
    for key in EQUITY_KEYS:
        assert last[key] == pytest.approx(big_shock.summary[key])
    during = per_step["step"].between(12, 16)
    assert per_step.loc[during, "gini"].max() > per_step.loc[per_step["step"] < 12, "gini"].max()


def test_per_kind_satisfaction_is_not_confused_with_the_class_of_the_same_name(big_shock):
    summary, s = big_shock.summary, big_shock.model.state
    sat, pop = s.satisfaction_mean, s.population
    for k, name in enumerate(s.kinds):
        mask = s.kind == k
        assert summary[f"satisfaction_kind_{name}_final"] == pytest.approx(
            np.average(sat[mask], weights=pop[mask])
        )
    # the default catalogue has a kind called "rural"; the class "rural" is every non-urban one
    assert summary["satisfaction_class_rural_final"] == pytest.approx(
        np.average(sat[~s.urban], weights=pop[~s.urban])
    )
    assert summary["satisfaction_kind_rural_final"] != pytest.approx(
        summary["satisfaction_class_rural_final"]
    )


def test_the_series_has_a_column_for_each_kind_and_one_for_each_class(big_shock):
    series, s = big_shock.series, big_shock.model.state
    rural = s.kinds.index("rural")
    np.testing.assert_allclose(
        series["satisfaction_rural"], _weighted_by_step(big_shock, s.kind == rural)
    )
    np.testing.assert_allclose(
        series["satisfaction_class_rural"], _weighted_by_step(big_shock, ~s.urban)
    )
    np.testing.assert_allclose(
        series["satisfaction_class_urban"], _weighted_by_step(big_shock, s.urban)
    )
    assert not np.allclose(series["satisfaction_rural"], series["satisfaction_class_rural"])


def test_equity_of_an_all_zero_profile_is_undefined_not_a_crash():
    out = equity_indicators(
        np.zeros(3), np.ones(3), np.array(["a", "b", "b"]), np.array([True, False, False])
    )
    assert out["maximin"] == 0.0
    assert all(out[k] is None for k in EQUITY_KEYS if k != "maximin")


def test_a_territory_with_zero_satisfaction_makes_theil_l_undefined_and_atkinson_one():
    out = equity_indicators(
        np.array([0.0, 0.5, 1.0]),
        np.array([1.0, 2.0, 3.0]),
        np.array(["a", "b", "b"]),
        np.array([True, False, False]),
    )
    assert out["theil_l"] is None
    assert out["atkinson"] == 1.0
    assert out["gini"] is not None and out["urban_rural_ratio"] == 0.0


def test_a_mean_that_underflows_to_zero_is_undefined_not_a_crash():
    """Found by hypothesis: S = [0, 5e-324] has a positive sum but a zero weighted mean."""
    out = equity_indicators(
        np.array([0.0, 5e-324]), np.ones(2), np.array(["a", "a"]), np.array([False, False])
    )
    assert out["gini"] is None and out["theil"] is None and out["maximin"] == 0.0


def test_urban_rural_ratio_needs_both_classes():
    out = equity_indicators(
        np.array([0.4, 0.5]), np.ones(2), np.array(["a", "a"]), np.array([True, True])
    )
    assert out["urban_rural_ratio"] is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 1.0),
            st.floats(1.0, 1e6),
            st.booleans(),
            st.sampled_from(["metropolis", "rural", "mountain"]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_equity_indicators_are_in_range_for_any_profile(rows):
    sat, pop, urban, kinds = (np.array(c) for c in zip(*rows, strict=True))
    out = equity_indicators(sat, pop, kinds, urban)
    assert out["maximin"] == pytest.approx(sat.min())
    if out["gini"] is None:  # every S_i is 0, or so small that the mean underflows
        assert sat.max() < 1e-300
        return
    assert 0 <= out["gini"] < 1
    assert out["theil"] >= -1e-12
    assert out["theil_within_kinds"] + out["theil_between_kinds"] == pytest.approx(
        out["theil"], abs=1e-9
    )
    assert -1e-12 <= out["theil_between_classes"] <= out["theil"] + 1e-9
    assert 0 <= out["atkinson"] <= 1 + 1e-12
    assert out["theil_l"] is None or out["theil_l"] >= -1e-12


# --------------------------------------------------------------------------------------------
# Resilience
# --------------------------------------------------------------------------------------------
def test_a_big_shock_shows_resistance_below_one_and_a_recovery(big_shock):
    summary = big_shock.summary
    assert summary["shock_count"] == 1
    assert summary["shock_step"] == 12 and summary["shock_kind"] == "drought"
    assert summary["shock_resistance"] < 0.95
    assert summary["shock_recovered"] is True
    assert 1 <= summary["shock_recovery_time"] <= 6
    assert summary["shock_resilience_loss"] > 0
    assert 0 < summary["shock_normalised_resilience_loss"] < 1
    for prefix in ("urban_", "rural_"):
        assert summary[f"shock_{prefix}resistance"] < 1
        assert summary[f"shock_{prefix}recovered"] is True
    (shock,) = summary["shocks"]
    for prefix in ("", "urban_", "rural_"):
        for key in RESILIENCE_KEYS:
            assert summary[f"shock_{prefix}{key}"] == shock[f"{prefix}{key}"]


def test_summary_resilience_matches_the_metrics_on_the_series(big_shock):
    series, (shock,) = big_shock.series, big_shock.summary["shocks"]
    position = int(np.flatnonzero(series["step"] == 12)[0])
    for prefix, column in (
        ("", "satisfaction"),
        ("urban_", "satisfaction_class_urban"),
        ("rural_", "satisfaction_class_rural"),
    ):
        report = resilience_report(
            series[column].to_numpy(), position, tolerance=RESILIENCE_TOLERANCE
        )
        assert shock[f"{prefix}resistance"] == pytest.approx(report.resistance)
        assert shock[f"{prefix}recovery_time"] == report.recovery_time
        assert shock[f"{prefix}resilience_loss"] == pytest.approx(report.resilience_loss)
        assert shock[f"{prefix}baseline"] == pytest.approx(report.baseline)
    assert shock["end_step"] is None and shock["analysed_steps"] == 30 - 12 + 1


def _weighted_by_step(result, mask: np.ndarray) -> np.ndarray:
    """Population-weighted mean satisfaction of the territories in ``mask``, per step."""
    s, frame = result.model.state, result.territories
    pop = pd.Series(s.population, index=s.ids)
    out = []
    for _, rows in frame.groupby("step", sort=True):
        rows = rows[np.isin(rows["territory"], s.ids[mask])]
        w = pop.loc[rows["territory"]].to_numpy()
        out.append(float(rows["satisfaction"].to_numpy() @ w / w.sum()))
    return np.array(out)


def test_each_kinds_resilience_is_the_metrics_on_that_kinds_satisfaction(big_shock):
    s, (shock,) = big_shock.model.state, big_shock.summary["shocks"]
    assert set(shock["by_kind"]) == set(s.kinds)
    position = int(np.flatnonzero(big_shock.series["step"] == 12)[0])
    for k, name in enumerate(s.kinds):
        report = resilience_report(
            _weighted_by_step(big_shock, s.kind == k), position, tolerance=RESILIENCE_TOLERANCE
        )
        mine = shock["by_kind"][name]
        assert mine["resistance"] == pytest.approx(report.resistance), name
        assert mine["recovery_time"] == report.recovery_time, name
        assert mine["resilience_loss"] == pytest.approx(report.resilience_loss), name
    # the kind "rural" is the kind, not the class of the same name
    rural = resilience_report(
        _weighted_by_step(big_shock, ~s.urban), position, tolerance=RESILIENCE_TOLERANCE
    )
    assert shock["rural_resilience_loss"] == pytest.approx(rural.resilience_loss)
    assert shock["by_kind"]["rural"]["resilience_loss"] != pytest.approx(rural.resilience_loss)


def test_each_territorys_resilience_is_the_metrics_on_its_own_satisfaction(big_shock):
    s = big_shock.model.state
    population = pd.Series(s.population, index=s.ids)
    table = group_resilience(
        big_shock.territories, population, big_shock.model.shocks.history, by="territory"
    )
    assert len(table) == s.n and set(table["territory"]) == set(s.ids)
    position = int(np.flatnonzero(big_shock.series["step"] == 12)[0])
    for i in range(s.n):
        own = big_shock.territories.query("territory == @s.ids[@i]").sort_values("step")
        report = resilience_report(
            own["satisfaction"].to_numpy(), position, tolerance=RESILIENCE_TOLERANCE
        )
        row = table[table["territory"] == s.ids[i]].iloc[0]
        assert row["resistance"] == pytest.approx(report.resistance)
        assert row["resilience_loss"] == pytest.approx(report.resilience_loss)
        assert (row["recovery_time"] is None or math.isnan(row["recovery_time"])) == (
            report.recovery_time is None
        )
    with pytest.raises(ValueError, match="by: must be 'kind' or 'territory'"):
        group_series(big_shock.territories, population, by="class")


def test_resilience_by_kind_needs_every_territory_at_every_step():
    sampled = run(BIG_DROUGHT, **{"output.every": 2})
    assert "by_kind" not in sampled.summary["shocks"][0]
    unrecorded = run_scenario(
        apply_overrides(BASE, {"shocks": [BIG_DROUGHT]}), record_territories=False
    )
    assert "by_kind" not in unrecorded.summary["shocks"][0]
    assert unrecorded.summary["shock_resistance"] == sampled.summary["shock_resistance"]


def test_a_shock_that_never_ends_is_never_recovered_explicitly(tmp_path):
    result = run({**BIG_DROUGHT, "permanent": True, "duration": None})
    summary = result.summary
    assert summary["shock_recovered"] is False
    assert summary["shock_recovery_time"] is None
    assert summary["shocks_never_recovered"] == 1
    write_run(result, tmp_path, BASE, BASE.seed, figure=False)
    text = (tmp_path / "summary.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    saved = json.loads(text)
    assert saved["shock_recovery_time"] is None and saved["shock_recovered"] is False
    assert saved["shocks"][0]["last_step"] is None


def test_the_window_of_a_shock_ends_at_the_next_shocks_start():
    first = {"kind": "drought", "at": 8, "duration": 3, "magnitude": 0.8}
    second = {"kind": "energy_crisis", "at": 20, "duration": 3, "magnitude": 0.8}
    result = run(second, first)  # table order does not matter, start steps do
    one, two = result.summary["shocks"]
    assert (one["step"], one["end_step"], one["analysed_steps"]) == (8, 20, 12)
    assert (two["step"], two["end_step"], two["analysed_steps"]) == (20, None, 11)
    series = result.series["satisfaction"].to_numpy()
    report = resilience_report(series, 7, tolerance=RESILIENCE_TOLERANCE, end=19)
    assert one["resilience_loss"] == pytest.approx(report.resilience_loss)
    assert one["recovery_time"] == report.recovery_time
    # a window running to the end would have charged the second shock to the first
    whole = resilience_report(series, 7, tolerance=RESILIENCE_TOLERANCE)
    assert whole.resilience_loss > report.resilience_loss
    assert result.summary["shocks_resilience_loss"] == pytest.approx(
        one["resilience_loss"] + two["resilience_loss"]
    )


def test_the_baseline_does_not_reach_back_into_an_earlier_shock():
    result = run(
        {"kind": "drought", "at": 5, "duration": 6, "magnitude": 0.8},
        {"kind": "energy_crisis", "at": 14, "duration": 3, "magnitude": 0.8},
        {"kind": "grant_cut", "at": 3, "permanent": True, "magnitude": 0.1},
    )
    by_kind = {s["shock"]: s for s in result.summary["shocks"]}
    crisis = by_kind["energy_crisis"]
    assert crisis["baseline_steps"] == 3  # steps 11..13, after the drought (5..10)
    series = result.series.set_index("step")["satisfaction"]
    assert crisis["baseline"] == pytest.approx(series.loc[11:13].mean())
    assert crisis["baseline_clean"] is False  # the permanent grant cut is still on
    assert by_kind["grant_cut"]["baseline_clean"] is True


def test_shocks_starting_together_share_their_window():
    result = run(
        {"kind": "drought", "at": 10, "duration": 2},
        {"kind": "health_crisis", "at": 10, "duration": 2},
        {"kind": "energy_crisis", "at": 20, "duration": 2},
    )
    a, b, c = result.summary["shocks"]
    assert a["end_step"] == b["end_step"] == 20 and c["end_step"] is None
    assert a["resistance"] == b["resistance"]


def test_a_shock_at_step_one_is_unmeasured_with_a_reason_not_a_crash():
    result = run({"kind": "drought", "at": 1, "duration": 3, "magnitude": 0.9})
    summary = result.summary
    assert summary["shock_count"] == 1 and summary["shock_step"] == 1
    assert "no pre-shock step" in summary["shock_reason"]
    for prefix in ("", "urban_", "rural_"):
        for key in RESILIENCE_KEYS:
            assert summary[f"shock_{prefix}{key}"] is None
    assert summary["shocks_never_recovered"] == 0 and summary["shocks_resilience_loss"] is None
    json.dumps(summary, allow_nan=False)


def test_a_shock_at_the_last_step_is_measured_on_one_step():
    result = run({"kind": "drought", "at": 30, "duration": 3, "magnitude": 0.9})
    (shock,) = result.summary["shocks"]
    assert shock["analysed_steps"] == 1 and shock["reason"] is None
    assert shock["resistance"] < 1
    assert shock["recovered"] is False and shock["recovery_time"] is None


def test_a_shock_triggered_after_the_last_step_is_listed_but_unmeasured():
    result = run(steps=10)
    result.model.trigger_shock("drought", 0.5)
    from terrisim.summary import run_summary

    summary = run_summary(result.model, result.series)
    assert summary["shock_count"] == 1 and summary["shock_step"] == 11
    assert "not in the recorded series" in summary["shock_reason"]
    assert summary["shocks"][0]["analysed_steps"] == 0


def test_without_shocks_the_shock_keys_are_present_and_null():
    summary = run().summary
    assert summary["shock_count"] == 0 and summary["shocks"] == []
    assert summary["shock_resistance"] is None and summary["shock_urban_recovered"] is None
    assert summary["shock_step"] is None and summary["shocks_resilience_loss"] is None


def test_resilience_indicators_explain_missing_values():
    nan = resilience_indicators([0.5, 0.5, math.nan, 0.4], 2, prefix="urban_")
    assert nan["urban_resistance"] is None and "NaN" in nan["urban_reason"]
    zero = resilience_indicators([0.0, 0.0, 0.0], 1)
    assert zero["resistance"] is None and "baseline" in zero["reason"]
    ok = resilience_indicators([1.0, 1.0, 0.5, 1.0], 2)
    assert ok["resistance"] == 0.5 and ok["recovery_time"] == 1 and ok["reason"] is None


def test_shock_resilience_can_judge_other_columns():
    series = pd.DataFrame({"step": [1, 2, 3, 4], "budget": [2.0, 2.0, 1.0, 2.0]})
    (record,) = shock_resilience(
        series, [{"step": 3, "shock": "x", "last_step": 3}], columns={"": "budget"}
    )
    assert record["resistance"] == 0.5 and record["recovered"] is True


def test_random_shocks_are_all_in_the_summary():
    result = run({"kind": "drought", "frequency": 0.3, "duration": 1, "magnitude": 0.5})
    history = result.model.shocks.history
    assert len(history) > 2
    assert [s["step"] for s in result.summary["shocks"]] == [h["step"] for h in history]
    assert result.summary["shock_count"] == len(history)


# --------------------------------------------------------------------------------------------
# Plots mark the shocks
# --------------------------------------------------------------------------------------------
def test_plots_shade_every_shock_from_its_first_to_its_last_step(tmp_path):
    result = run(
        {"kind": "drought", "at": 5, "duration": 3},
        {"kind": "grant_cut", "at": 20, "permanent": True},
    )
    spans = shock_spans(result.series, result.summary["shocks"])
    assert spans == [("drought", 4.5, 7.5), ("grant_cut", 19.5, 30.5)]
    assert shock_spans(result.series, None)[:3] == [
        ("drought", 4.5, 5.5),
        ("drought", 5.5, 6.5),
        ("drought", 6.5, 7.5),
    ]
    summary_figure(result, "test").savefig(tmp_path / "summary.png")
    resilience_figure(result).savefig(tmp_path / "resilience.png")
    assert (tmp_path / "summary.png").stat().st_size > 1000


def test_the_figure_draws_every_kind_even_one_named_like_a_class(big_shock):
    """The kind ``rural`` (``satisfaction_rural``) and the class ``rural``
    (``satisfaction_class_rural``) are both drawn, as different lines."""
    s = big_shock.model.state
    by_kind = kind_series(big_shock)
    assert list(by_kind.columns) == ["step", *s.kinds]
    rural = s.kinds.index("rural")
    np.testing.assert_allclose(by_kind["rural"], _weighted_by_step(big_shock, s.kind == rural))
    np.testing.assert_allclose(by_kind["town"], big_shock.series["satisfaction_town"])
    lines = {line.get_label(): line for line in summary_figure(big_shock).axes[0].get_lines()}
    assert set(lines) >= {*s.kinds, "rural (class)", "urban (class)"}
    assert not np.allclose(lines["rural"].get_ydata(), lines["rural (class)"].get_ydata())


def test_the_run_result_gives_every_equity_indicator_per_step(big_shock):
    equity = big_shock.equity()
    assert equity["step"].tolist() == big_shock.series["step"].tolist()
    np.testing.assert_allclose(equity["gini"], big_shock.series["gini"])
    last = equity.iloc[-1]
    for key in EQUITY_KEYS:
        assert last[key] == pytest.approx(big_shock.summary[key]), key
    with pytest.raises(ValueError, match="needs per-territory records"):
        run_scenario(BASE, steps=2, record_territories=False).equity()
