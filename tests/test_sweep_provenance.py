"""Provenance and validation of sweeps: code identity, strict types, failing sweeps exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from terrisim import load_results
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.spec import ExperimentError, load_experiment


def _experiment(tmp_path: Path, *, replicates: str = "2", fail: str = "false") -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(
        f'name = "prov"\nseed = 3\nreplicates = {replicates}\n'
        'run_function = "terrisim.experiments.testing:fake_model"\n'
        '[design]\nmethod = "grid"\n[factors]\n'
        f"x = {{ levels = [0.0, 1.0] }}\nfail = {{ levels = [{fail}] }}\n"
    )
    return path


def _sweep(
    exp: Path, out: Path, env: dict[str, str] | None = None, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from terrisim.cli import main; main()", "sweep", str(exp), "--out", str(out),
         "--engine", "serial", "--quiet", *options],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


def test_replicates_given_as_a_string_is_refused(tmp_path):
    with pytest.raises(ExperimentError, match="replicates"):
        load_experiment(_experiment(tmp_path, replicates='"12"'))


def test_replicates_string_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    proc = _sweep(_experiment(tmp_path, replicates='"12"'), tmp_path / "out")
    assert proc.returncode == 2
    assert "replicates" in proc.stderr and "Traceback" not in proc.stderr


def test_a_sweep_whose_runs_fail_exits_1_with_a_summary(tmp_path):
    proc = _sweep(_experiment(tmp_path, fail="false, true"), tmp_path / "out")
    assert proc.returncode == 1, proc.stderr
    assert "error: 4 of 8 runs failed (first: ValueError: asked to fail" in proc.stderr
    assert str(tmp_path / "out" / "sweep.log") in proc.stderr


def test_a_sweep_without_failures_exits_0(tmp_path):
    proc = _sweep(_experiment(tmp_path), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr


# -- code identity -------------------------------------------------------------------------
def _user_experiment(tmp_path: Path, body: str = "") -> Path:
    (tmp_path / "my_model.py").write_text(
        "from terrisim.experiments.testing import fake_model\n\n\n"
        f"def run(task, ctx):\n    {body or 'pass'}\n    return fake_model(task, ctx)\n"
    )
    path = tmp_path / "user.toml"
    path.write_text(
        'name = "user"\nseed = 5\nreplicates = 2\nrun_function = "my_model:run"\n'
        '[design]\nmethod = "grid"\n[factors]\nx = { levels = [0.0, 1.0] }\n'
    )
    return path


def test_experiment_json_records_versions_and_the_code_identity(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    run_sweep(_user_experiment(tmp_path), tmp_path / "out", engine="serial", progress=False)
    meta = json.loads((tmp_path / "out" / "experiment.json").read_text())
    assert {"python", "numpy", "scipy", "pandas", "SALib"} <= set(meta["versions"])
    code = meta["code"]
    assert "my_model" in code["modules"] and "experiments/store.py" in code["files"]
    assert code["git"] is None or set(code["git"]) == {"commit", "dirty"}


def test_resuming_after_the_user_module_changed_is_refused_naming_the_module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    exp = _user_experiment(tmp_path)
    out = tmp_path / "out"
    run_sweep(exp, out, engine="serial", progress=False)
    _user_experiment(tmp_path, body="x = 1  # edited")
    with pytest.raises(ExperimentError, match=r"the code changed .*: module my_model \w+→\w+"):
        run_sweep(exp, out, engine="serial", progress=False)


def test_allow_code_change_resumes_and_records_the_change(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    exp = _user_experiment(tmp_path)
    out = tmp_path / "out"
    first = run_sweep(exp, out, engine="serial", progress=False)
    (out / "runs").joinpath(sorted(p.name for p in (out / "runs").iterdir())[0]).unlink()
    _user_experiment(tmp_path, body="x = 1  # edited")
    again = run_sweep(exp, out, engine="serial", progress=False, allow_code_change=True)
    meta = json.loads((out / "experiment.json").read_text())
    history = meta["code_history"]
    assert len(history) == 2 and history[0]["code"]["hash"] != history[1]["code"]["hash"]
    assert history[0]["runs"] == first.total - again.ok and again.ok > 0
    assert meta["code"] == history[1]["code"]
    assert "code changed (allowed): module my_model" in (out / "sweep.log").read_text()


def test_the_cli_refuses_a_code_change_in_one_line_with_exit_2(tmp_path):
    exp = _user_experiment(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    assert _sweep(exp, tmp_path / "out", env).returncode == 0
    _user_experiment(tmp_path, body="x = 1  # edited")
    proc = _sweep(exp, tmp_path / "out", env)
    assert proc.returncode == 2
    assert "the code changed since this experiment started: module my_model" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# -- validation of levels and fixed ----------------------------------------------------------
DEMO = Path(__file__).resolve().parents[1] / "src" / "terrisim" / "data" / "demo.toml"


def _model_experiment(tmp_path: Path, factors: str, fixed: str = "") -> Path:
    path = tmp_path / "levels.toml"
    path.write_text(
        f'name = "levels"\nscenario = "{DEMO.as_posix()}"\nsteps = 2\nseed = 1\n'
        f"fixed = {{ {fixed} }}\n"
        f'[design]\nmethod = "grid"\n[factors]\n{factors}\n'
    )
    return path


@pytest.mark.parametrize(
    ("factors", "fixed", "named", "why"),
    [
        (
            '"rules.trust" = { levels = [{ name = "reinforcement" }, { name = "nope" }] }',
            "",
            "factors.'rules.trust' = {'name': 'nope'}",
            "trust rule 'nope' is unknown",
        ),
        (
            '"rules.trust" = { levels = [{ name = "reinforcement", alpah = 0.1 }] }',
            "",
            "factors.'rules.trust'",
            "rules.trust.alpah: unknown key",
        ),
        (
            '"trust.initial" = { levels = [0.4] }',
            'shocks = [{ kind = "flood", at = 1 }]',
            "[fixed]",
            "unknown shock kind 'flood'",
        ),
    ],
)
def test_a_bad_level_or_fixed_value_is_named_with_the_experiment_file_before_any_run(
    tmp_path, factors, fixed, named, why
):
    exp = _model_experiment(tmp_path, factors, fixed)
    proc = _sweep(exp, tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert line.startswith(f"error: {exp}: ") and named in line and why in line
    assert "demo.toml" not in line  # the base scenario is not to blame
    assert not (tmp_path / "out" / "runs").exists()


# -- retry of failed runs --------------------------------------------------------------------
def test_retry_failed_reruns_a_transient_failure_in_place_and_each_run_is_stored_once(tmp_path):
    (tmp_path / "flaky.py").write_text(
        "import os\nfrom pathlib import Path\n\n"
        "from terrisim.experiments.testing import fake_model\n\n\n"
        "def run(task, ctx):\n"
        "    if task.run_id == 'p000001r01' and Path(os.environ['FLAKY_MARKER']).exists():\n"
        "        raise RuntimeError('transient failure')\n"
        "    return fake_model(task, ctx)\n"
    )
    exp = tmp_path / "flaky.toml"
    exp.write_text(
        'name = "flaky"\nseed = 5\nreplicates = 2\nrun_function = "flaky:run"\nbatch_size = 3\n'
        '[design]\nmethod = "grid"\n[factors]\nx = { levels = [0.0, 1.0] }\n'
    )
    marker = tmp_path / "fail-now"
    marker.touch()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
        "FLAKY_MARKER": str(marker),
    }
    out = tmp_path / "out"
    first = _sweep(exp, out, env)
    assert first.returncode == 1
    assert "1 of 4 runs failed (first: RuntimeError: transient failure)" in first.stderr
    marker.unlink()
    plain = _sweep(exp, out, env)  # a resume leaves failed runs alone
    assert plain.returncode == 0 and "all 4 runs already in" in plain.stdout
    retried = _sweep(exp, out, env, "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert "1 runs in" in retried.stdout and "resumed: 3 were already done" in retried.stdout
    df = load_results(out)
    assert sorted(df["run_id"]) == ["p000000r00", "p000000r01", "p000001r00", "p000001r01"]
    assert (df["status"] == "ok").all()
    assert "retrying 1 failed runs" in (out / "sweep.log").read_text()
    clean = tmp_path / "clean"
    assert _sweep(exp, clean, env).returncode == 0
    cols = ["run_id", "seed", "outcome"]
    pd.testing.assert_frame_equal(
        df[cols].sort_values("run_id").reset_index(drop=True),
        load_results(clean)[cols].sort_values("run_id").reset_index(drop=True),
    )
