"""Outcomes over time: quantile envelopes and time to recovery per factor level."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import terrisim
from terrisim.experiments.analysis import analyze, load_series
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.spec import ExperimentError
from terrisim.experiments.timeseries import (
    choose_series,
    envelopes,
    plot_envelopes,
    recovery_by_level,
    run_levels,
)

DEMO = Path(__file__).resolve().parents[1] / "configs" / "demo.toml"


def results_of(times: dict[str, list[float | None]]) -> pd.DataFrame:
    """Runs of levels ``g`` with the given first-shock recovery times (None: never)."""
    rows = []
    for level, values in times.items():
        for k, t in enumerate(values):
            rows.append(
                {
                    "run_id": f"{level}{k}",
                    "status": "ok",
                    "g": level,
                    "shock_step": 12,
                    "shock_reason": None,
                    "shock_recovery_time": t,
                }
            )
    return pd.DataFrame(rows)


def test_recovery_per_level_counts_never_recovered_runs_as_infinitely_long():
    results = results_of({"fast": [2, 3, 3, 5], "slow": [8, None, None, 10], "never": [None] * 3})
    table = recovery_by_level(results, run_levels(results, "g")).set_index("level")
    assert list(table.index) == ["fast", "slow", "never"]  # design order of text levels
    fast, slow, never = table.loc["fast"], table.loc["slow"], table.loc["never"]
    assert (fast["runs"], fast["recovered"], fast["median"], fast["q75"]) == (4, 4, 3, 3)
    assert fast["mean_recovered"] == pytest.approx(13 / 4)
    # 2 of 4 never recover: the lower median is the slowest recovered run, q75 is "never"
    assert slow["recovered_share"] == 0.5 and slow["median"] == 10 and math.isnan(slow["q75"])
    assert never["recovered"] == 0 and math.isnan(never["median"])
    assert math.isnan(never["mean_recovered"])


def test_recovery_leaves_out_failed_runs_and_shocks_that_were_not_measured():
    results = results_of({"a": [4, 4, 4]})
    results.loc[0, "status"] = "failed"
    results.loc[1, "shock_reason"] = "no pre-shock step: the shock hits the first recorded step"
    results.loc[1, "shock_recovery_time"] = None
    table = recovery_by_level(results, run_levels(results, "g"))
    assert table["runs"].tolist() == [1] and table["recovered"].tolist() == [1]


def test_envelopes_are_the_quantiles_of_each_level_at_each_step(tmp_path):
    rng = np.random.default_rng(3)
    rows, runs = [], []
    for k in range(9):
        level = "a" if k < 5 else "b"
        runs.append({"run_id": f"r{k}", "status": "ok", "g": level})
        for step in range(1, 4):
            rows.append({"run_id": f"r{k}", "step": step, "y": float(rng.normal())})
    series, results = pd.DataFrame(rows), pd.DataFrame(runs)
    table = envelopes(series, run_levels(results, "g"), "y")
    assert len(table) == 6 and set(table["series"]) == {"y"} and set(table["factor"]) == {"g"}
    for (level, step), row in table.set_index(["level", "step"]).iterrows():
        ids = results.loc[results["g"] == level, "run_id"]
        y = series[(series["step"] == step) & series["run_id"].isin(ids)]["y"].to_numpy()
        assert row["runs"] == len(y)
        assert row["median"] == pytest.approx(np.median(y))
        assert row["q05"] == pytest.approx(np.quantile(y, 0.05))
        assert row["q95"] == pytest.approx(np.quantile(y, 0.95))
    one = table[table["level"] == "a"]
    assert plot_envelopes(one, tmp_path / "e.png").stat().st_size > 0


def test_continuous_factors_are_split_into_quantile_bins_in_increasing_order():
    results = pd.DataFrame({"run_id": [f"r{k}" for k in range(40)], "x": np.linspace(0, 1, 40)})
    levels = run_levels(results, "x", bins=4)
    assert len(levels.cat.categories) == 4 and levels.cat.categories[0].startswith("(")
    assert (
        levels.iloc[0] == levels.cat.categories[0] and levels.iloc[-1] == levels.cat.categories[3]
    )


def test_series_drawn_are_those_the_outcomes_are_named_after_unless_asked():
    series = pd.DataFrame(
        {"run_id": ["a"], "step": [1], "g": ["x"], "gini": [0.1], "satisfaction": [0.9]}
    )
    results = pd.DataFrame({"run_id": ["a"], "g": ["x"]})
    assert choose_series(series, results, ["gini_mean", "shock_resistance"]) == ["gini"]
    assert choose_series(series, results, ["shock_resistance"]) == ["satisfaction"]
    assert choose_series(series, results, [], ["gini"]) == ["gini"]
    with pytest.raises(ExperimentError, match=r"series 'ginni'.*available: gini, satisfaction"):
        choose_series(series, results, [], ["ginni"])


def sweep_file(tmp_path: Path, keep_series: bool) -> Path:
    path = tmp_path / "shocks.toml"
    path.write_text(
        f'name = "shocks"\nscenario = "{DEMO}"\nsteps = 40\nreplicates = 2\nseed = 11\n'
        f"common_random_numbers = true\nkeep_series = {str(keep_series).lower()}\n"
        '[design]\nmethod = "grid"\n[factors.shocks]\nlabels = ["drought", "energy"]\n'
        "levels = [\n"
        '  [{ kind = "drought", at = 20, duration = 6, magnitude = 0.6 }],\n'
        '  [{ kind = "energy_crisis", at = 20, duration = 8, magnitude = 0.5 }],\n]\n'
    )
    return path


@pytest.fixture(scope="module")
def shock_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shocks")
    run_sweep(sweep_file(tmp, True), tmp / "out", engine="serial", progress=False)
    return tmp / "out"


def test_analyze_reports_recovery_per_level_from_the_runs_own_indicators(shock_sweep):
    report = analyze(shock_sweep, outcomes=["shock_recovery_time"], plots=False)
    recovery = report.tables["recovery"]
    overall = recovery[recovery["series"] == "satisfaction"].set_index("level")
    runs = terrisim.load_results(shock_sweep)
    for level, group in runs.groupby("shocks"):
        times = group["shock_recovery_time"].dropna()
        assert overall.loc[level, "runs"] == 2 and overall.loc[level, "recovered"] == len(times)
        if len(times) == 2:
            assert overall.loc[level, "median"] == min(times)  # the lower median of two
    assert (shock_sweep / "analysis" / "recovery.csv").exists()
    assert "time to recovery after the first shock" in report.text()


def test_analyze_draws_envelopes_of_the_stored_series_per_level(shock_sweep, tmp_path):
    report = analyze(shock_sweep, outcomes=["satisfaction_mean"], out=tmp_path, series=None)
    table = report.tables["envelopes"]
    assert set(table["series"]) == {"satisfaction"} and set(table["level"]) == {"drought", "energy"}
    series = load_series(shock_sweep)
    at = series[(series["shocks"] == "drought") & (series["step"] == 22)]["satisfaction"]
    row = table[(table["level"] == "drought") & (table["step"] == 22)].iloc[0]
    assert row["median"] == pytest.approx(at.median()) and row["runs"] == 2
    assert (tmp_path / "envelope_satisfaction_by_shocks.png").stat().st_size > 0
    trust = analyze(shock_sweep, outcomes=["satisfaction_mean"], out=tmp_path, series=["trust"])
    assert set(trust.tables["envelopes"]["series"]) == {"trust"}


def test_series_asked_of_a_sweep_without_stored_series_is_one_line_exit_2(tmp_path):
    run_sweep(sweep_file(tmp_path, False), tmp_path / "out", engine="serial", progress=False)
    report = analyze(tmp_path / "out", plots=False)
    assert "recovery" in report.tables and "envelopes" not in report.tables
    assert any("keep_series = true" in n for n in report.notes)
    proc = subprocess.run(
        [
            *(sys.executable, "-c", "from terrisim.cli import main; main()", "analyze"),
            *(str(tmp_path / "out"), "--no-plots", "--series", "satisfaction"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "stored no per-step series" in proc.stderr and "Traceback" not in proc.stderr
