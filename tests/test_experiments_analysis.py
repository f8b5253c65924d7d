"""Analysis of a sweep: confidence intervals, Sobol and Morris indices, tables and plots."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import terrisim
from terrisim.experiments.analysis import (
    analyze,
    choose_outcomes,
    mean_ci,
    morris_indices,
    sobol_indices,
    summarise,
)
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.spec import ExperimentError


def write(tmp_path: Path, name: str, body: str, run_function: str = "ishigami") -> Path:
    path = tmp_path / f"{name}.toml"
    function = f'run_function = "terrisim.experiments.testing:{run_function}"'
    path.write_text(f'name = "{name}"\nseed = 5\n{function}\n{body}')
    return path


def test_mean_ci_is_the_student_t_interval():
    n, mean, sd, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert (n, mean) == (4, 2.5)
    half = 3.182446305284263 * sd / 2.0  # t(0.975, 3) * s / sqrt(4)
    assert lo == pytest.approx(2.5 - half) and hi == pytest.approx(2.5 + half)
    assert math.isnan(mean_ci([1.0])[3]) and mean_ci([])[0] == 0


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    exp = write(
        tmp,
        "grid",
        'replicates = 4\n[design]\nmethod = "grid"\n[factors]\nx = { levels = [0.0, 1.0] }\n'
        'rule = { levels = ["none", "conference"] }\nfail = { levels = [false, true] }\n',
        run_function="fake_model",
    )
    run_sweep(exp, tmp / "out", engine="serial", progress=False)
    return tmp / "out"


def test_summary_has_mean_and_ci_per_level_from_successful_runs_only(grid_sweep):
    df = terrisim.load_results(grid_sweep)
    table = summarise(df, ["outcome"])
    row = table[(table["factor"] == "x") & (table["level"] == "1.0")].iloc[0]
    ok = df[(df["status"] == "ok") & (df["x"] == 1.0)]["outcome"]
    assert row["n"] == len(ok) == 8 and row["failed"] == 8
    assert row["mean"] == pytest.approx(ok.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    levels = table[table["factor"] == "rule"]["level"].tolist()
    assert levels == ["none", "conference"]  # design order, not alphabetical


def test_outcomes_are_chosen_among_varying_indicators_and_unknown_ones_are_refused(grid_sweep):
    df = terrisim.load_results(grid_sweep)
    assert choose_outcomes(df) == ["outcome"]
    with pytest.raises(ExperimentError, match=r"available: .*outcome"):
        choose_outcomes(df, ["nope"])


def test_analyze_writes_tables_and_plots_and_compares_categorical_levels(grid_sweep):
    report = analyze(grid_sweep, outcomes=["outcome", "noise"])
    files = {p.name for p in (grid_sweep / "analysis").iterdir()}
    assert {"summary.csv", "by_point.csv", "effects_outcome.png", "compare_rule.png"} <= files
    by_point = pd.read_csv(grid_sweep / "analysis" / "by_point.csv")
    assert len(by_point) == 8 and {"outcome_mean", "outcome_ci_low"} <= set(by_point.columns)
    assert "16 failed" in report.text()


def test_analyze_reports_the_variance_explained_and_warns_when_the_factors_explain_little(
    grid_sweep,
):
    report = analyze(grid_sweep, outcomes=["outcome", "noise"], plots=False)
    table = pd.read_csv(grid_sweep / "analysis" / "variance.csv").set_index("outcome")
    assert table.loc["outcome", "factors_share"] > 0.9  # x and the rule, sd 0.1 of noise
    assert table.loc["noise", "factors_share"] < 0.05  # the seed's draw only
    text = report.text()
    assert "share explained by the factors vs by the seeds" in text
    assert [w.split(":")[0] for w in report.warnings] == ["noise"]
    assert "warning: noise: the factors explain" in text


def test_analyze_gives_effects_per_level_of_another_factor_and_interactions_of_a_grid(grid_sweep):
    report = analyze(grid_sweep, outcomes=["outcome"], plots=False)
    files = {p.name for p in (grid_sweep / "analysis").iterdir()}
    assert {"paired_x_by_rule.csv", "paired_rule_by_x.csv", "interaction_x_x_rule.csv"} <= files
    within = report.tables["paired_rule_by_x"].set_index("group")
    # fake_model: the conference adds 1 at every x (no interaction), sd 0.1 of noise
    assert within["mean_diff"].to_numpy() == pytest.approx([1.0, 1.0], abs=0.15)
    assert within["significant"].all()
    interaction = report.tables["interaction_x_x_rule"]
    assert interaction["mean_diff"].abs().max() < 0.3 and not interaction["significant"].any()
    assert "p_holm=" in report.text()


def test_analyze_cli_prints_the_table(grid_sweep):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from terrisim.cli import main; main()",
            "analyze",
            str(grid_sweep),
            "--no-plots",
            "-y",
            "outcome",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "outcome: mean [95% CI]" in proc.stdout and "conference" in proc.stdout


def test_analyze_refuses_a_directory_that_is_not_a_sweep(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "from terrisim.cli import main; main()", "analyze", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "not a sweep directory" in proc.stderr


ISHIGAMI = (
    "[factors]\n"
    "x1 = { range = [-3.141592653589793, 3.141592653589793] }\n"
    "x2 = { range = [-3.141592653589793, 3.141592653589793] }\n"
    "x3 = { range = [-3.141592653589793, 3.141592653589793] }\n"
)


@pytest.mark.slow
def test_sobol_indices_of_the_ishigami_function_match_the_known_values(tmp_path):
    exp = write(tmp_path, "ishigami", '[design]\nmethod = "sobol"\nsamples = 1024\n' + ISHIGAMI)
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    table = sobol_indices(terrisim.load_results(tmp_path / "out"), "f").set_index("factor")
    assert table["S1"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.06)
    assert table["ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.06)
    assert (table["ST_conf"] > 0).all()
    report = analyze(tmp_path / "out")
    assert (tmp_path / "out" / "analysis" / "sobol_f.png") in report.figures


def test_morris_ranks_the_ishigami_factors(tmp_path):
    exp = write(tmp_path, "morris", '[design]\nmethod = "morris"\ntrajectories = 30\n' + ISHIGAMI)
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    table = morris_indices(terrisim.load_results(tmp_path / "out"), "f").set_index("factor")
    assert table["mu_star"].idxmax() == "x2" or table["mu_star"].idxmax() == "x1"
    assert np.all(table["mu_star"] > 0)
    assert table.loc["x3", "sigma"] > table.loc["x3", "mu"]  # x3 acts through x1 only
    analyze(tmp_path / "out")
    assert (tmp_path / "out" / "analysis" / "morris_f.png").exists()


def test_sobol_analysis_of_an_unfinished_sweep_says_what_is_missing(tmp_path):
    exp = write(tmp_path, "partial", '[design]\nmethod = "sobol"\nsamples = 8\n' + ISHIGAMI)
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False, compact=False)
    parts = sorted((tmp_path / "out" / "runs").glob("part-*.parquet"))
    parts[0].unlink()
    with pytest.raises(ExperimentError, match="design points have no value"):
        sobol_indices(terrisim.load_results(tmp_path / "out"), "f")
    report = analyze(tmp_path / "out", plots=False)
    assert any("no value" in note for note in report.notes)


def test_analyze_warns_that_sobol_indices_of_a_small_sample_have_not_converged(tmp_path):
    exp = write(tmp_path, "small", '[design]\nmethod = "sobol"\nsamples = 8\n' + ISHIGAMI)
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    report = analyze(tmp_path / "out", plots=False)
    table = pd.read_csv(tmp_path / "out" / "analysis" / "sobol_f.csv")
    assert {"S1_half", "ST_half", "change", "s1_above_st"} <= set(table.columns)
    assert any(w.startswith("sobol of f: not converged") for w in report.warnings)
    assert "warning: sobol of f: not converged" in report.text()


def test_numeric_levels_are_tabulated_in_increasing_order_and_bins_read_cleanly():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "status": "ok",
            "m": [0.0, 1.0, 0.5, 0.25, 0.375] * 4,  # a bisection's order of evaluation
            "u": rng.uniform(-0.000664, 0.4, 20),  # continuous: quantile bins
            "y": rng.normal(size=20),
        }
    )
    table = summarise(df, ["y"], ["m", "u"], bins=4)
    assert table[table["factor"] == "m"]["level"].tolist() == ["0.0", "0.25", "0.375", "0.5", "1.0"]
    bins = table[table["factor"] == "u"]["level"].tolist()
    assert len(bins) == 4 and all(len(b) < 25 and b.startswith("(") for b in bins), bins
