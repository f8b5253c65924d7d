"""Calibration against targets: recovers known parameters, follows its targets, resumes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import terrisim
from terrisim.cli import app
from terrisim.experiments.calibration import distance, load_calibration, observe
from terrisim.experiments.runner import prepare_sweep, run_sweep
from terrisim.experiments.spec import ExperimentError, Target, load_experiment, parse_experiment
from terrisim.experiments.store import RUNS

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "experiments" / "calibrate_synthetic.toml"
TRUTH = {"x": 0.3, "y": 0.6}  # u = x + y / 2 = 0.6, v = x - y = -0.3 (noise-free)


def toy_file(tmp_path: Path, *, u=0.6, v=-0.3, optimizer="differential_evolution", extra=""):
    body = f"""
name = "toy"
seed = 11
replicates = 3
run_function = "terrisim.experiments.testing:linear_pair"
[factors]
x = {{ range = [-1.0, 1.0] }}
y = {{ range = [-1.0, 1.0] }}
[design]
method = "calibration"
optimizer = "{optimizer}"
popsize = 6
maxiter = 30
tol = 0.001
atol = 0.001
{extra}
[design.targets]
u = {{ observed = {u} }}
v = {{ observed = {v} }}
"""
    path = tmp_path / "toy.toml"
    path.write_text(body)
    return path


def calibrated(path: Path, out: Path, **kw):
    report = run_sweep(path, out, engine="serial", progress=False, **kw)
    assert report.calibration is not None
    return report


def test_differential_evolution_recovers_the_parameters_of_a_synthetic_model(tmp_path):
    report = calibrated(toy_file(tmp_path), tmp_path / "out")
    best = report.calibration.best
    # noise of sd 0.02 on 3 replicates: the estimate lies within a few hundredths
    assert best["x"] == pytest.approx(TRUTH["x"], abs=0.04)
    assert best["y"] == pytest.approx(TRUTH["y"], abs=0.04)
    assert report.calibration.distance < 0.01
    assert report.calibration.evaluations == len(terrisim.load_results(tmp_path / "out")) / 3


def test_a_wrong_target_moves_the_estimate_where_the_equations_say(tmp_path):
    # u raised by 0.3: y = 2 (u - v) / 3 rises by 0.2, x = v + y by 0.2
    report = calibrated(toy_file(tmp_path, u=0.9), tmp_path / "out")
    best = report.calibration.best
    assert best["x"] == pytest.approx(TRUTH["x"] + 0.2, abs=0.04)
    assert best["y"] == pytest.approx(TRUTH["y"] + 0.2, abs=0.04)


def test_nelder_mead_recovers_the_parameters_too(tmp_path):
    report = calibrated(toy_file(tmp_path, optimizer="nelder_mead"), tmp_path / "out")
    best = report.calibration.best
    assert best["x"] == pytest.approx(TRUTH["x"], abs=0.04)
    assert best["y"] == pytest.approx(TRUTH["y"], abs=0.04)
    assert report.calibration.rounds == report.calibration.evaluations  # one at a time


def test_every_candidate_runs_on_the_same_seeds_and_result_trace_provenance_are_written(
    tmp_path,
):
    report = calibrated(toy_file(tmp_path), tmp_path / "out")
    out = tmp_path / "out"
    df = terrisim.load_results(out)
    assert df.groupby("replicate")["seed"].nunique().eq(1).all()
    assert df["seed"].nunique() == 3
    result = load_calibration(out)
    assert result["best"] == report.calibration.best
    trace = (out / "calibration" / "trace.csv").read_text().splitlines()
    assert trace[0].split(",") == [
        "evaluation",
        "round",
        "x",
        "y",
        "runs_ok",
        "sim.u",
        "sim.v",
        "distance",
    ]
    assert len(trace) - 1 == result["evaluations"]
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["design"] == "calibration"
    assert "numpy" in meta["versions"] and meta["code"]["hash"]


def test_a_killed_calibration_resumes_by_replaying_the_optimizer(tmp_path):
    path, out = toy_file(tmp_path), tmp_path / "out"
    first = calibrated(path, out)
    parts = sorted((out / RUNS).glob("part-*.parquet"))
    for part in parts[len(parts) // 2 :]:
        part.unlink()  # as if killed half-way
    kept = len(terrisim.load_results(out))
    assert 0 < kept < first.ok
    second = calibrated(path, out)
    assert second.skipped == kept and second.ok == first.ok - kept
    assert second.calibration.best == first.calibration.best
    assert second.calibration.distance == first.calibration.distance


def test_a_target_that_is_no_indicator_is_named_with_a_suggestion(tmp_path):
    path = toy_file(tmp_path)
    path.write_text(path.read_text().replace("u = {", "uu = {"))
    with pytest.raises(ExperimentError, match=r"design\.targets\.uu: .*did you mean 'u'"):
        calibrated(path, tmp_path / "out")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("x = { range = [-1.0, 1.0] }", "x = { levels = [0, 1] }"), "needs 'range"),
        (("u = { observed = 0.6 }", "u = { observed = 0 }"), "give a 'scale'"),
        (('optimizer = "differential_evolution"', 'optimizer = "annealing"'), "optimizer"),
        (
            ("atol = 0.001", "atol = 0.001\nstart = { x = 2.0, y = 0.0 }"),
            "outside the factor's range",
        ),
        (("atol = 0.001", "atol = 0.001\nstart = { x = 0.0 }"), "one value per factor"),
    ],
)
def test_bad_calibration_designs_are_refused_in_one_line(tmp_path, change, message):
    path = toy_file(tmp_path)
    path.write_text(path.read_text().replace(*change))
    with pytest.raises(ExperimentError, match=message):
        load_experiment(path)


def test_the_distance_sums_weighted_scaled_squared_errors():
    targets = {"a": Target(observed=2.0), "b": Target(observed=0.0, scale=0.5, weight=3.0)}
    assert distance({"a": 2.2, "b": 0.1}, targets) == pytest.approx(0.01 + 3 * 0.04)
    assert distance({"a": 2.2}, targets) == float("inf")


def test_terrisim_calibrate_prints_the_best_and_refuses_other_designs(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["calibrate", str(toy_file(tmp_path)), "--out", str(out), "--engine", "serial"]
    )
    assert result.exit_code == 0, result.output
    assert "calibration (differential_evolution" in result.output
    assert "x = 0.3" in result.output or "x = 0.2" in result.output
    smoke = ROOT / "experiments" / "smoke.toml"
    refused = runner.invoke(app, ["calibrate", str(smoke), "--out", str(tmp_path / "s")])
    assert refused.exit_code == 2
    assert "needs method = 'calibration'" in refused.output


def test_the_shipped_synthetic_targets_are_those_of_the_known_values():
    data = tomllib.loads(SYNTHETIC.read_text())
    targets = data["design"]["targets"]
    observed = observe(
        ROOT / "configs" / "demo.toml",
        {"exchange.reciprocity_tolerance": 0.35, "trust.initial": 0.65},
        list(targets),
        range(1001, 1009),
        steps=data["steps"],
    )
    for name, target in targets.items():
        assert observed[name] == pytest.approx(target["observed"], rel=1e-9), name


@pytest.mark.slow
def test_the_model_calibration_recovers_known_values_at_reduced_size(tmp_path):
    exp = load_experiment(SYNTHETIC)
    truth = {"exchange.reciprocity_tolerance": 0.35, "trust.initial": 0.65}
    targets = observe(
        ROOT / "configs" / "demo.toml", truth, list(exp.design.targets), range(1001, 1005), steps=20
    )
    data = exp.model_dump(mode="json")
    data.update(steps=20, replicates=2)
    data["design"].update(popsize=5, maxiter=6)
    data["design"]["targets"] = {k: {"observed": v} for k, v in targets.items()}
    prep = prepare_sweep(parse_experiment(data), source=str(SYNTHETIC))
    report = run_sweep(prep, tmp_path / "out", engine="serial", progress=False)
    best = report.calibration.best
    assert best["exchange.reciprocity_tolerance"] == pytest.approx(0.35, abs=0.08)
    assert best["trust.initial"] == pytest.approx(0.65, abs=0.08)
