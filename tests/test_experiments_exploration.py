"""Scenario discovery: PRIM and CART find the region where the outcome holds; clear errors."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from terrisim.cli import app
from terrisim.experiments.exploration import discover, interest
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.spec import ExperimentError
from terrisim.scenario import ScenarioError

pytest.importorskip("ema_workbench")


def synthetic_table(n=400, seed=0, cut=0.7):
    """Outcome true exactly where x1 > cut; x2, x3 and the rule are noise."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x1": rng.random(n),
            "x2": rng.random(n),
            "x3": rng.random(n),
            "rule": rng.choice(["none", "contract", "conference"], n),
        }
    )
    df["collapsed"] = df["x1"] > cut
    return df


FACTORS = ["x1", "x2", "x3", "rule"]


def test_prim_finds_the_box_x1_above_0_7_and_nothing_else():
    found = discover(synthetic_table(), "collapsed", factors=FACTORS)
    box = found.prim[0]
    assert list(box.limits) == ["x1"]  # the only restricted dimension
    low = float(box.limits["x1"].split(" <= ")[0])
    assert 0.65 <= low <= 0.72
    assert box.density >= 0.95 and box.coverage >= 0.95
    assert box.quasi_p["x1"] < 1e-6


def test_prim_follows_the_box_when_it_moves():
    found = discover(synthetic_table(cut=0.4), "collapsed", factors=FACTORS)
    low = float(found.prim[0].limits["x1"].split(" <= ")[0])
    assert 0.35 <= low <= 0.42


def test_cart_gives_the_rule_and_x1_scores_highest():
    found = discover(synthetic_table(), "collapsed", factors=FACTORS)
    leaf = found.cart[0]
    assert list(leaf.limits) == ["x1"] and leaf.density == 1.0
    assert 0.65 <= float(leaf.limits["x1"].split(" <= ")[0]) <= 0.72
    assert found.scores["factor"].iloc[0] == "x1"
    assert found.scores["score"].iloc[0] > 2 * found.scores["score"].iloc[1]


def test_a_categorical_factor_is_found_as_a_set_of_levels():
    df = synthetic_table()
    df["collapsed"] = df["rule"] == "none"
    found = discover(df, "collapsed", factors=FACTORS)
    assert found.prim[0].limits == {"rule": "rule in {none}"}
    assert found.scores["factor"].iloc[0] == "rule"


def test_an_outcome_that_never_holds_says_there_is_nothing_to_discover():
    found = discover(synthetic_table(), "x1 > 2", factors=FACTORS)
    assert found.cases == 0 and not found.prim
    assert "nothing to discover" in found.text()


@pytest.mark.parametrize("where", ["x9 > 1", "x1 +", "x1 * 2"])
def test_a_bad_condition_is_one_line_naming_it(where):
    with pytest.raises(ExperimentError, match="--where") as err:
        interest(synthetic_table(), where)
    assert "\n" not in str(err.value)


def test_without_the_extra_the_error_names_the_pip_command(monkeypatch):
    real = builtins.__import__

    def no_workbench(name, *args, **kwargs):
        if name.startswith("ema_workbench"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    for name in [m for m in sys.modules if m.startswith("ema_workbench")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_workbench)
    with pytest.raises(ScenarioError, match=r"pip install 'terrisim\[explore\]'"):
        discover(synthetic_table(), "collapsed", factors=FACTORS)


def test_terrisim_explore_prints_boxes_rules_scores_of_a_sweep(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(
        "\n".join(
            [
                'name = "e"',
                "seed = 5",
                'run_function = "terrisim.experiments.testing:fake_model"',
                "[design]",
                'method = "lhs"',
                "samples = 200",
                "[factors]",
                "x = { range = [0.0, 1.0] }",
                "y = { range = [0.0, 1.0] }",
            ]
        )
    )
    out = tmp_path / "out"
    run_sweep(exp, out, engine="serial", progress=False)
    # outcome = x + 2y + xy + noise: above 2.5 needs a large y (and x)
    result = CliRunner().invoke(app, ["explore", str(out), "--where", "outcome > 2.5"])
    assert result.exit_code == 0, result.output
    assert "PRIM boxes:" in result.output and "CART leaves" in result.output
    assert "feature scores" in result.output
    box = result.output.split("box 0:")[1].splitlines()[0]
    assert "<= y" in box
    assert (out / "analysis" / "explore_prim_boxes.csv").is_file()
    bad = CliRunner().invoke(app, ["explore", str(out), "--where", "outcom > 1"])
    assert bad.exit_code == 2 and "--where" in bad.output
