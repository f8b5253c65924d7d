"""Optional dependencies missing: one clear line naming the extra to install, no traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT

from terrisim.experiments.designs import design_points
from terrisim.experiments.spec import parse_experiment
from terrisim.extras import require
from terrisim.scenario import ScenarioError


def test_require_returns_the_module_when_installed():
    assert require("numpy.linalg", "dev", "linear algebra").__name__ == "numpy.linalg"


def test_a_sobol_design_without_salib_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)  # import now raises
    experiment = parse_experiment(
        {
            "name": "s",
            "seed": 1,
            "scenario": "s.toml",
            "design": {"method": "sobol", "samples": 8},
            "factors": {"trust.initial": {"range": [0.1, 0.9]}},
        }
    )
    with pytest.raises(ScenarioError, match=r"a Sobol design needs SALib.*'terrisim\[sweep\]'"):
        design_points(experiment)


def test_the_sweep_command_without_dask_prints_one_line_and_exits_2(tmp_path):
    """``terrisim sweep --engine dask`` in an environment where ``distributed`` is missing."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from terrisim.cli import main\n"
        f"sys.argv = ['terrisim', 'sweep', {str(ROOT / 'experiments' / 'smoke.toml')!r}, "
        f"'--out', {str(tmp_path / 'out')!r}, '--engine', 'dask']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "the Dask engine needs distributed" in done.stderr
    assert "pip install 'terrisim[sweep]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_rule_without_hypothesis_names_the_check_extra_the_tutorial_installs():
    """A student who installed only terrisim is told the one extra check-rule needs."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "from terrisim.cli import main\n"
        "sys.argv = ['terrisim', 'check-rule', 'reinforcement', '--examples', '1']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "terrisim check-rule needs hypothesis" in done.stderr
    assert "pip install 'terrisim[check]'" in done.stderr
    assert "Traceback" not in done.stderr
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("hypothesis") for d in extras["optional-dependencies"]["check"])
    assert '.venv/bin/pip install -e ".[check]"' in (ROOT / "docs" / "tutorial.md").read_text()
