"""Threshold search by bisection: finds the collapse threshold, resumes, reports edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

import terrisim
from terrisim.experiments.bisection import max_points, plan, threshold_table
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.spec import ExperimentError, parse_experiment
from terrisim.experiments.store import RUNS


def experiment_file(
    tmp_path: Path, *, low=0.0, high=1.0, tol=0.01, grid=True, outcome=None, replicates=3
) -> Path:
    body = [
        'name = "collapse"',
        "seed = 3",
        f"replicates = {replicates}",
        'run_function = "terrisim.experiments.testing:fake_collapse"',
        "[design]",
        'method = "bisection"',
        'factor = "m"',
        f"low = {low}",
        f"high = {high}",
        f"tol = {tol}",
    ]
    if outcome:
        body.append(f'outcome = "{outcome}"')
    if grid:
        body += ["[factors]", "shift = { levels = [0.0, 0.2] }"]
    path = tmp_path / "collapse.toml"
    path.write_text("\n".join(body) + "\n")
    return path


def test_bisection_finds_each_threshold_within_tol(tmp_path):
    report = run_sweep(experiment_file(tmp_path), tmp_path / "out", engine="serial", progress=False)
    df = terrisim.load_results(tmp_path / "out")
    exp = parse_experiment(df.attrs["experiment"]["experiment"])
    table = threshold_table(df, exp)
    assert list(table["status"]) == ["found", "found"]
    assert table["threshold"].tolist() == pytest.approx([0.37, 0.57], abs=0.03)
    assert ((table["hi"] - table["lo"]) <= 0.01).all()
    assert report.done == len(df) <= max_points(exp) * 3
    assert df["run_id"].is_unique


def test_replicates_share_seeds_across_the_values_searched(tmp_path):
    run_sweep(
        experiment_file(tmp_path, grid=False), tmp_path / "out", engine="serial", progress=False
    )
    df = terrisim.load_results(tmp_path / "out")
    assert df.groupby("replicate")["seed"].nunique().eq(1).all()


def test_a_bracket_that_does_not_bracket_is_reported_not_searched(tmp_path):
    run_sweep(
        experiment_file(tmp_path, low=0.6, high=0.9, grid=False),
        tmp_path / "out",
        engine="serial",
        progress=False,
    )
    df = terrisim.load_results(tmp_path / "out")
    table = threshold_table(df, parse_experiment(df.attrs["experiment"]["experiment"]))
    assert table["status"].tolist() == ["below_low"] and table["threshold"].isna().all()
    assert len(df) == 2 * 3  # only the two end points


def test_an_interrupted_search_resumes_with_the_same_run_ids(tmp_path):
    exp = experiment_file(tmp_path)
    run_sweep(exp, tmp_path / "full", engine="serial", progress=False)
    run_sweep(exp, tmp_path / "cut", engine="serial", progress=False, compact=False)
    parts = sorted((tmp_path / "cut" / RUNS).glob("part-*.parquet"))
    assert len(parts) > 2
    for part in parts[len(parts) // 2 :]:  # as if killed half-way
        part.unlink()
    run_sweep(exp, tmp_path / "cut", engine="local", workers=2, progress=False)
    full = terrisim.load_results(tmp_path / "full").drop(columns=["duration_s", "worker"])
    cut = terrisim.load_results(tmp_path / "cut").drop(columns=["duration_s", "worker"])
    assert full["run_id"].tolist() == cut["run_id"].tolist()
    assert full["shock_recovered"].tolist() == cut["shock_recovered"].tolist()


def test_an_unknown_outcome_stops_the_search_with_the_available_indicators(tmp_path):
    with pytest.raises(ExperimentError, match=r"design.outcome = 'recovered'.*shock_recovered"):
        run_sweep(
            experiment_file(tmp_path, outcome="recovered"),
            tmp_path / "out",
            engine="serial",
            progress=False,
        )


def test_plan_halves_the_bracket_like_collapse_threshold():
    from terrisim.metrics import collapse_threshold

    exp = parse_experiment(
        {
            "name": "p",
            "seed": 1,
            "replicates": 1,
            "run_function": "m:f",
            "design": {"method": "bisection", "factor": "m", "low": 0.0, "high": 1.0, "tol": 0.001},
        }
    )
    answers: dict[int, float] = {}
    while True:
        points, pending, searches = plan(exp, answers.get)
        if not pending:
            break
        for i in pending:
            answers[i] = float(points[i]["m"] < 0.4242)
    expected = collapse_threshold(lambda m: m < 0.4242, 0.0, 1.0, tol=0.001)
    assert searches[0].threshold == pytest.approx(expected)


def test_bisection_design_is_validated():
    with pytest.raises(ExperimentError, match="low must be below high"):
        parse_experiment(
            {
                "name": "b",
                "seed": 1,
                "scenario": "s",
                "design": {"method": "bisection", "factor": "m", "low": 1, "high": 0, "tol": 0.1},
            }
        )
    with pytest.raises(ExperimentError, match="remove it from"):
        parse_experiment(
            {
                "name": "b",
                "seed": 1,
                "scenario": "s",
                "factors": {"m": {"levels": [1]}},
                "design": {"method": "bisection", "factor": "m", "low": 0, "high": 1, "tol": 0.1},
            }
        )


def test_analyze_reports_the_thresholds_found(tmp_path):
    from terrisim.experiments.analysis import analyze

    run_sweep(experiment_file(tmp_path), tmp_path / "out", engine="serial", progress=False)
    report = analyze(tmp_path / "out")
    assert "threshold search" in report.text()
    assert (tmp_path / "out" / "analysis" / "thresholds.png").exists()
    assert len(report.tables["thresholds"]) == 2
