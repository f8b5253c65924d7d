"""Collapse threshold of the model (terrisim.collapse): bisection over shock magnitudes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from terrisim.collapse import CollapseSearch, collapse_threshold_for, recovery_curve, shock_table
from terrisim.model import TerriModel
from terrisim.scenario import ScenarioError, apply_overrides
from terrisim.scenario.schema import Scenario
from terrisim.summary import RESILIENCE_TOLERANCE, shock_resilience

COUNTS = {"metropolis": 1, "town": 1, "periurban": 1, "rural": 2, "mountain": 1}
BASE = apply_overrides(
    Scenario(),
    {
        "steps": 24,
        "territories.generator.counts": COUNTS,
        "shocks": [{"kind": "drought", "at": 12, "duration": 3, "magnitude": 0.5}],
    },
)


def recovered_at(magnitude: float, *, seed: int | None = None, permanent: bool = True) -> bool:
    """Run the small scenario once and judge the drought's recovery directly."""
    table = {
        "kind": "drought",
        "at": 12,
        "magnitude": magnitude,
        **({"permanent": True} if permanent else {"duration": 3}),
    }
    model = TerriModel(
        apply_overrides(BASE, {"shocks": [table]}), rng=seed, record_territories=False
    )
    model.run()
    (record,) = shock_resilience(model.recorder.series(), model.shocks.history)
    return record["recovered"]


@pytest.fixture(scope="module")
def permanent_drought():
    return collapse_threshold_for(BASE, "drought", permanent=True, tol=0.02)


def test_collapse_threshold_is_found_within_tol(permanent_drought):
    result = permanent_drought
    assert result.status == "found" and result.monotone
    assert result.last_recovered < result.threshold <= result.last_recovered + 0.02
    # checked by independent runs on both sides of the bracket
    assert recovered_at(result.last_recovered) is True
    assert recovered_at(result.threshold) is False


def test_collapse_threshold_agrees_with_a_grid_scan(permanent_drought):
    grid = np.round(np.arange(0.0, 0.41, 0.02), 4)
    outcomes = [recovered_at(float(m)) for m in grid]
    first_failure = outcomes.index(False)
    assert all(outcomes[:first_failure]) and not any(outcomes[first_failure:])  # one threshold
    # every grid point agrees with the bisection: recovered up to last_recovered, not from
    # the threshold on; so both brackets hold the true threshold
    low, high = permanent_drought.last_recovered, permanent_drought.threshold
    for m, ok in zip(grid, outcomes, strict=True):
        if m <= low:
            assert ok
        if m >= high:
            assert not ok
    assert grid[first_failure - 1] < high and low < grid[first_failure]


def test_the_search_costs_what_bisection_promises(permanent_drought):
    evaluations = permanent_drought.evaluations
    assert list(evaluations["magnitude"][:2]) == [0.0, 1.0]  # the bracket is checked first
    assert len(evaluations) == 2 + int(np.ceil(np.log2(1.0 / 0.02)))
    assert len(permanent_drought.runs) == len(evaluations)  # one seed
    assert permanent_drought.seeds == [BASE.seed]


def test_the_log_of_runs_says_how_each_run_went(permanent_drought):
    runs = permanent_drought.runs
    assert {
        "magnitude",
        "seed",
        "recovered",
        "recovery_time",
        "resistance",
        "resilience_loss",
        "normalised_resilience_loss",
        "baseline",
        "seconds",
    } <= set(runs.columns)
    failed = runs[~runs["recovered"].astype(bool)]
    assert failed["recovery_time"].isna().all()
    assert (runs.sort_values("magnitude")["resistance"].diff().dropna() <= 1e-9).all()
    curve = recovery_curve(permanent_drought)
    assert list(curve["magnitude"]) == sorted(runs["magnitude"])
    json.dumps(permanent_drought.to_dict(), allow_nan=False)


def test_a_transient_shock_that_is_always_recovered_reports_no_collapse():
    result = collapse_threshold_for(BASE, "drought", tol=0.05)  # the table's 3-step drought
    assert result.status == "above_high" and result.threshold is None
    assert result.last_recovered == 1.0
    assert len(result.evaluations) == 2
    assert result.shock == {"kind": "drought", "at": 12, "duration": 3}
    assert "recovers even at magnitude 1" in result.note


def test_a_bracket_that_already_collapses_at_low_is_reported():
    result = collapse_threshold_for(BASE, "drought", permanent=True, low=0.6, tol=0.05)
    assert result.status == "below_low" and result.threshold is None
    assert result.last_recovered is None and len(result.evaluations) == 1


def test_several_seeds_use_common_random_numbers_and_a_quorum():
    strict = collapse_threshold_for(BASE, "drought", permanent=True, tol=0.05, seeds=3, quorum=1.0)
    lenient = collapse_threshold_for(
        BASE, "drought", permanent=True, tol=0.05, seeds=3, quorum=1 / 3
    )
    assert len(strict.seeds) == 3 and strict.seeds == lenient.seeds
    per_magnitude = strict.runs.groupby("magnitude")["seed"].apply(sorted)
    assert all(seeds == sorted(strict.seeds) for seeds in per_magnitude)
    # a share of recovered seeds per magnitude, in thirds; some magnitude splits the seeds
    shares = strict.evaluations.set_index("magnitude")["recovered_share"]
    assert np.allclose(shares * 3, np.round(shares * 3)) and shares.between(0, 1).all()
    split = shares[(shares > 0) & (shares < 1)]
    assert len(split) > 0
    # both searches ran the first such magnitude, on the same runs (common random numbers);
    # there the lenient quorum passes and the strict one fails: the strict threshold is lower
    lenient_shares = lenient.evaluations.set_index("magnitude")["recovered_share"]
    assert lenient_shares[split.index[0]] == split.iloc[0]
    assert strict.threshold < lenient.threshold


def test_explicit_seeds_are_used_as_given():
    result = collapse_threshold_for(BASE, "drought", tol=0.25, seeds=[1, 2])
    assert result.seeds == [1, 2] and set(result.runs["seed"]) == {1, 2}


def test_other_shocks_are_dropped_unless_kept():
    scenario = apply_overrides(
        BASE,
        {
            "shocks": [
                {"kind": "drought", "at": 12, "permanent": True},
                {"kind": "energy_crisis", "at": 18, "duration": 2, "magnitude": 1.0},
            ]
        },
    )
    alone = collapse_threshold_for(scenario, "drought", tol=0.1)
    kept = collapse_threshold_for(scenario, "drought", tol=0.1, keep_other_shocks=True)
    assert alone.status == kept.status == "found"
    # with the energy crisis kept, the drought's window ends at step 18 (recovery judged then)
    assert not kept.runs.equals(alone.runs)


def test_overrides_change_the_scenario_searched():
    result = collapse_threshold_for(
        BASE, "drought", tol=0.25, overrides={"exchange.enabled": False}
    )
    assert result.status == "above_high"


def test_shock_table_picks_the_scenarios_table_or_builds_one():
    table, index = shock_table(BASE, "drought")
    assert (table, index) == ({"kind": "drought", "at": 12, "duration": 3}, 0)
    table, index = shock_table(BASE, "health_crisis")
    assert (table, index) == ({"kind": "health_crisis", "at": 8}, None)  # steps // 3
    table, _ = shock_table(BASE, 0, permanent=True, at=5)
    assert table == {"kind": "drought", "at": 5, "permanent": True}
    table, _ = shock_table(BASE, {"kind": "grant_cut", "at": 4, "classes": ["rural"]}, duration=2)
    assert table == {"kind": "grant_cut", "at": 4, "classes": ["rural"], "duration": 2}


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"at": 1}, ValueError, r"starts at step 1: .*pre-shock level"),
        ({"at": 22, "duration": 3}, ValueError, r"must end before the last step \(24\)"),
        ({"series": "happiness"}, ValueError, r"series='happiness': not a column"),
        ({"quorum": 0.0}, ValueError, r"quorum"),
        ({"reference": "yesterday"}, ValueError, r"reference='yesterday': allowed"),
        ({"low": 0.5, "high": 0.5}, ValueError, r"low < high"),
        ({"shock": 3}, ValueError, r"shock=3: the scenario has 1"),
        ({"shock": "tornado"}, ScenarioError, r"unknown shock kind 'tornado'"),
        ({"shock": {"kind": "drought", "frequency": 0.1}}, ValueError, r"random .*give at="),
        ({"shock": {"kind": "drought", "at": 4, "magnitud": 1}}, ValueError, r"invalid shock"),
    ],
)
def test_invalid_searches_are_refused_with_a_clear_message(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        collapse_threshold_for(BASE, **{"shock": "drought", "tol": 0.25, **kwargs})


def test_a_series_that_drifts_without_the_shock_is_diagnosed():
    early = apply_overrides(BASE, {"shocks": [{"kind": "drought", "at": 4, "permanent": True}]})
    result = collapse_threshold_for(early, "drought", tol=0.25)  # step 1 is a spin-up
    assert result.status == "below_low"
    assert "even without the shock" in result.note


def test_a_counterfactual_reference_separates_the_shock_from_the_drift():
    early = apply_overrides(BASE, {"shocks": [{"kind": "drought", "at": 4, "permanent": True}]})
    result = collapse_threshold_for(early, "drought", tol=0.05, reference="counterfactual")
    assert result.status == "found" and result.reference == "counterfactual"
    calm = result.runs[result.runs["magnitude"] == 0.0].iloc[0]
    assert calm["resistance"] == 1.0 and calm["recovery_time"] == 0 and calm["baseline"] == 1.0
    # the counterfactual is the magnitude-0 run: no extra run per seed
    assert len(result.runs) == len(result.evaluations)


def test_counterfactual_and_pre_shock_references_agree_after_the_spin_up(permanent_drought):
    result = collapse_threshold_for(
        BASE, "drought", permanent=True, tol=0.02, reference="counterfactual"
    )
    assert abs(result.threshold - permanent_drought.threshold) <= 0.02 + 1e-9


def test_the_tolerance_of_the_summary_is_the_default():
    result = collapse_threshold_for(BASE, "drought", tol=0.25)
    assert result.tolerance == RESILIENCE_TOLERANCE


def test_a_search_is_one_options_object_and_keywords_only_replace_its_fields():
    search = CollapseSearch(tol=0.25, seeds=[1, 2])
    given = collapse_threshold_for(BASE, "drought", search)
    shorthand = collapse_threshold_for(BASE, "drought", tol=0.25, seeds=[1, 2])
    replaced = collapse_threshold_for(
        BASE, "drought", CollapseSearch(tol=0.5), tol=0.25, seeds=[1, 2]
    )
    for other in (shorthand, replaced):
        assert (other.threshold, other.status, other.seeds) == (
            given.threshold,
            given.status,
            given.seeds,
        )
        assert other.evaluations.equals(given.evaluations)
    with pytest.raises(TypeError, match="toll"):
        collapse_threshold_for(BASE, "drought", toll=0.1)
    with pytest.raises(ValueError, match=r"quorum=1.5: must be in \(0, 1\]"):
        CollapseSearch(quorum=1.5)
