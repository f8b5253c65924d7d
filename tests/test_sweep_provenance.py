"""Provenance and validation of sweeps: code identity, strict types, failing sweeps exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    exp: Path, out: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from terrisim.cli import main; main()", "sweep", str(exp), "--out", str(out),
         "--engine", "serial", "--quiet"],
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
