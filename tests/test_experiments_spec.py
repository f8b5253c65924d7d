"""The experiment file: validation, clear errors, and the CLI refusing bad files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from terrisim.experiments.spec import (
    ExperimentError,
    experiment_hash,
    load_experiment,
    parse_experiment,
)
from terrisim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "experiments" / "smoke.toml"


def base(**over):
    data = {
        "name": "t",
        "seed": 1,
        "scenario": "s.toml",
        "design": {"method": "grid"},
        "factors": {"exchange.reciprocity_tolerance": {"levels": [0.1, 0.2]}},
    }
    data.update(over)
    return data


def message(data) -> str:
    with pytest.raises(ExperimentError) as info:
        parse_experiment(data, "exp.toml")
    return str(info.value)


def test_experiment_error_is_a_scenario_error_so_the_cli_prints_it_plainly():
    assert issubclass(ExperimentError, ScenarioError)


def test_shipped_smoke_experiment_is_valid():
    exp = load_experiment(SMOKE)
    assert exp.design.method == "grid"
    assert exp.replicates * 4 <= 20


def test_unknown_field_names_the_file_the_field_and_the_allowed_fields():
    msg = message(base(replicate=3))
    assert "exp.toml" in msg and "replicate" in msg and "replicates" in msg


def test_bad_value_names_field_and_value():
    msg = message(base(replicates=0))
    assert "exp.toml: replicates = 0" in msg


def test_unknown_design_method_lists_the_methods():
    msg = message(base(design={"method": "factorial"}))
    assert "'factorial'" in msg and "grid, list, lhs, sobol, morris" in msg


def test_sobol_needs_a_power_of_two():
    msg = message(
        base(design={"method": "sobol", "samples": 100}, factors={"a.b": {"range": [0, 1]}})
    )
    assert "samples = 100" in msg and "power of two" in msg and "64 or 128" in msg


def test_grid_refuses_ranges_and_sobol_refuses_levels():
    assert "needs 'levels" in message(base(factors={"a.b": {"range": [0, 1]}}))
    msg = message(
        base(design={"method": "sobol", "samples": 8}, factors={"a.b": {"levels": [0, 1]}})
    )
    assert "needs 'range" in msg


def test_factor_needs_levels_or_range_and_ordered_bounds():
    assert "either 'levels" in message(base(factors={"a.b": {}}))
    assert "low must be below high" in message(base(factors={"a.b": {"range": [2, 1]}}))


def test_levels_of_mixed_kinds_need_labels():
    assert "mix" in message(base(factors={"a.b": {"levels": [1, "x"]}}))
    exp = parse_experiment(base(factors={"a.b": {"levels": [1, "x"], "labels": ["one", "x"]}}))
    assert exp.factors["a.b"].label("x") == "x"


def test_list_points_must_set_the_same_factors():
    msg = message(base(design={"method": "list", "points": [{"a": 1}, {"b": 2}]}, factors={}))
    assert "design.points[1]" in msg


def test_missing_seed_is_reported_as_required():
    data = base()
    del data["seed"]
    assert "seed: missing" in message(data)


def test_invalid_toml_reports_line(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\nseed = \n')
    with pytest.raises(ExperimentError, match=r"bad.toml: invalid TOML.*line 2"):
        load_experiment(f)


def test_hash_ignores_description_and_batch_size_but_not_the_seed():
    a = parse_experiment(base())
    assert experiment_hash(a) == experiment_hash(
        parse_experiment(base(description="x", batch_size=7))
    )
    assert experiment_hash(a) != experiment_hash(parse_experiment(base(seed=2)))
    assert experiment_hash(a, "scenario-1") != experiment_hash(a, "scenario-2")


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from terrisim.cli import main; main()", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_cli_refuses_an_invalid_experiment_with_a_clear_message_and_exit_2(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        'name = "bad"\nseed = 1\nscenario = "x.toml"\nreplicates = -1\n'
        '[design]\nmethod = "sobol"\nsamples = 10\n'
        '[factors]\n"trust.initial" = { range = [0, 1] }\n'
    )
    proc = _cli("sweep", str(f), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.toml: replicates = -1" in proc.stderr
    assert "samples = 10" in proc.stderr
    assert not (tmp_path / "out").exists()


def _grid_on_demo(folder: Path, name: str, factor: str) -> Path:
    """``folder/<name>.toml``: a grid experiment on configs/demo.toml with one factor line."""
    f = folder / f"{name}.toml"
    f.write_text(
        f'name = "{name}"\nseed = 1\nscenario = "{ROOT / "configs" / "demo.toml"}"\n'
        f'[design]\nmethod = "grid"\n[factors]\n{factor}\n'
    )
    return f


def test_cli_refuses_an_unknown_scenario_path_in_a_factor(tmp_path):
    f = _grid_on_demo(tmp_path, "typo", '"exchange.reciprocity_tolerence" = { levels = [0.1] }')
    proc = _cli("sweep", str(f), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "reciprocity_tolerence" in proc.stderr and "reciprocity_tolerance" in proc.stderr


def test_cli_refuses_an_out_of_range_factor_value_before_running(tmp_path):
    f = _grid_on_demo(tmp_path, "range", '"trust.initial" = { levels = [0.5, 1.5] }')
    proc = _cli("sweep", str(f), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "range.toml: factors.'trust.initial' = 1.5" in proc.stderr
    assert not (tmp_path / "out").exists()  # refused before the first run


def test_cli_reports_a_missing_scenario_file_relative_to_the_experiment(tmp_path):
    f = tmp_path / "noscen.toml"
    f.write_text(
        'name = "n"\nseed = 1\nscenario = "nowhere.toml"\n[design]\nmethod = "grid"\n'
        '[factors]\n"trust.initial" = { levels = [0.5] }\n'
    )
    proc = _cli("sweep", str(f))
    assert proc.returncode == 2
    assert "nowhere.toml" in proc.stderr and "no such file" in proc.stderr


def test_cli_reports_a_missing_experiment_file(tmp_path):
    proc = _cli("sweep", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert "no such experiment file" in proc.stderr


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.name
)
def test_every_shipped_experiment_is_valid_on_its_scenario(path):
    from terrisim.experiments.runner import prepare_sweep

    prep = prepare_sweep(path)
    assert prep.total > 0 and prep.experiment.description
