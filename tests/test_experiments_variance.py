"""Variance shares: how much of an outcome's run-to-run variance the factors explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from terrisim.experiments.formatting import percent, sig
from terrisim.experiments.variance import (
    FACTORS_SHARE_WARNING,
    variance_row,
    variance_shares,
    variance_warnings,
)


def results(effect: float, seed_sd: float, noise_sd: float, *, crn: bool, reps: int = 4):
    """A synthetic results table: 20 points of one factor x, ``reps`` replicates each."""
    rng = np.random.default_rng(1)
    points, x = np.arange(20), np.linspace(0.0, 1.0, 20)
    seed_effect = rng.normal(0.0, seed_sd, reps)
    rows = []
    for p in points:
        for r in range(reps):
            y = effect * x[p] + (seed_effect[r] if crn else rng.normal(0.0, seed_sd))
            rows.append(
                {
                    "point": p,
                    "replicate": r,
                    "seed": r if crn else 1000 * p + r,
                    "status": "ok",
                    "x": x[p],
                    "y": y + rng.normal(0.0, noise_sd),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("crn", [False, True])
def test_a_factor_without_effect_explains_about_nothing_and_is_warned_about(crn):
    df = results(effect=0.0, seed_sd=1.0, noise_sd=0.1, crn=crn, reps=2)
    table = variance_shares(df, ["y"])
    row = table.iloc[0]
    assert row["factors_share"] < FACTORS_SHARE_WARNING
    if not crn:  # the raw ratio of the variances is about 1 / 2 with 2 independent replicates
        assert row["point_means_var"] / row["total_var"] > 0.3
    assert row["seeds_share"] == pytest.approx(1.0 - row["factors_share"])
    warnings = variance_warnings(table)
    assert len(warnings) == 1 and warnings[0].startswith("y: the factors explain")


@pytest.mark.parametrize("crn", [False, True])
def test_a_factor_that_drives_the_outcome_explains_most_of_it_and_is_not_warned_about(crn):
    df = results(effect=10.0, seed_sd=0.3, noise_sd=0.1, crn=crn)
    table = variance_shares(df, ["y"])
    # var(10 x) over 20 equally spaced x in [0, 1] is about 9.2; seeds add about 0.1
    assert table.iloc[0]["factors_share"] == pytest.approx(9.2 / (9.2 + 0.1), abs=0.02)
    assert variance_warnings(table) == []


def test_common_random_numbers_separate_the_seed_own_effect_from_its_interaction():
    df = results(effect=1.0, seed_sd=1.0, noise_sd=0.05, crn=True, reps=8)
    row = variance_row(df, "y")
    assert row["layout"].startswith("common seeds")
    assert row["seed_alone_share"] > 0.8 * row["seeds_share"]
    # the point means average the same seeds: their variance is the factor's alone
    assert row["point_means_var"] == pytest.approx(np.var(np.linspace(0, 1, 20), ddof=1), rel=0.05)


def test_the_sobol_trust_case_reads_as_a_fraction_of_a_percent():
    # the Gini of sobol_trust: point means vary by 2.0e-7, runs by 1.4e-4 (issue 20)
    rng = np.random.default_rng(2)
    seed_effect = rng.normal(0.0, 1.4e-4**0.5, 2)
    rows = [
        {"point": p, "replicate": r, "seed": r, "status": "ok", "y": seed_effect[r] + f}
        for p, f in enumerate(rng.normal(0.0, 2.0e-7**0.5, 500))
        for r in range(2)
    ]
    table = variance_shares(pd.DataFrame(rows), ["y"])
    assert table.iloc[0]["factors_share"] < FACTORS_SHARE_WARNING
    assert "% of the run-to-run variance" in variance_warnings(table, sobol=True)[0]


def test_failed_runs_and_missing_values_are_left_out_and_one_replicate_gives_no_share():
    df = results(effect=1.0, seed_sd=0.1, noise_sd=0.1, crn=False)
    df.loc[0, "status"] = "failed"
    df.loc[1, "y"] = None
    assert variance_row(df, "y")["runs"] == len(df) - 2
    single = df[df["replicate"] == 0]
    assert np.isnan(variance_row(single, "y")["factors_share"])


def test_printed_numbers_keep_three_significant_digits():
    assert (
        sig(2e-4) == "0.0002" and sig(0.12345) == "0.123" and sig(-0.0081, signed=True) == "-0.0081"
    )
    assert sig(float("nan")) == "n/a" and percent(0.0015) == "0.15 %" and percent(1.0) == "100 %"
