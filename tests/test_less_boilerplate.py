"""Less boilerplate for students: ``extends``, ``terrisim run --set``, a rule's step and stream.

A scenario file can extend another (``extends = "../configs/demo.toml"``, relative to the
file) and change only what differs; ``--set dotted.path=value`` overrides a field on the
command line (TOML-typed values); a rule knows the step (``self.step``) and draws from its own
random stream (``self.rng``), which changes no other stream's draws.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, TERRISIM

from terrisim.experiments.runner import prepare_sweep
from terrisim.model import STREAMS, TerriModel
from terrisim.rules.trust import Reinforcement
from terrisim.scenario import ScenarioError, load_scenario
from terrisim.scenario.loading import apply_settings, parse_settings

DEMO = ROOT / "configs" / "demo.toml"


# ---------------------------------------------------------------------------------- extends
def test_a_scenario_extends_another_and_changes_only_what_differs(tmp_path: Path) -> None:
    child = tmp_path / "mine.toml"
    child.write_text(
        f'extends = "{os.path.relpath(DEMO, tmp_path)}"\nname = "mine"\n[exchange]\nmoney = true\n',
        encoding="utf-8",
    )
    base, mine = load_scenario(DEMO), load_scenario(child)
    assert mine.name == "mine" and mine.exchange.money is True
    # tables merge key by key: the rest of [exchange] and everything else is the demo's
    assert mine.exchange.reciprocity_tolerance == base.exchange.reciprocity_tolerance
    assert mine.territories == base.territories and mine.shocks == base.shocks
    assert mine.steps == base.steps and mine.seed == base.seed


def test_extends_chains_and_lists_replace_not_append(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        'steps = 5\n[[shocks]]\nkind = "drought"\nat = 2\n[[governance]]\nrule = "conference"\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(
        'extends = "a.toml"\nseed = 3\n[[shocks]]\nkind = "grant_cut"\nat = 3\n', encoding="utf-8"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "c.toml").write_text('extends = "../b.toml"\nsteps = 7\n', encoding="utf-8")
    c = load_scenario(sub / "c.toml")
    assert (c.steps, c.seed) == (7, 3)
    assert [s.kind for s in c.shocks] == ["grant_cut"]  # b's list replaced a's
    assert [g.rule for g in c.governance] == ["conference"]  # kept from a


def test_an_extended_files_csv_paths_stay_relative_to_that_file(tmp_path: Path) -> None:
    child = tmp_path / "csv_child.toml"
    target = ROOT / "configs" / "sample_csv.toml"
    child.write_text(f'extends = "{target}"\nsteps = 2\n', encoding="utf-8")
    TerriModel(load_scenario(child), record_territories=False).run()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"a.toml": 'extends = "nowhere.toml"\n'},
            r"a\.toml:1: extends: file not found: .*nowhere",
        ),
        (
            {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'},
            r"extends: a cycle: a\.toml -> b\.toml -> a\.toml",
        ),
        ({"a.toml": 'extends = "a.toml"\n'}, r"extends: a cycle: a\.toml -> a\.toml"),
        ({"a.toml": "extends = 3\n"}, r"a\.toml:1: extends: must be a path to a scenario file"),
    ],
)
def test_extends_errors_are_one_clear_line(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected) as error:
        load_scenario(tmp_path / "a.toml")
    assert "\n" not in str(error.value)


# ------------------------------------------------------------------------------------- --set
def test_settings_are_toml_typed() -> None:
    assert parse_settings(["exchange.money=true", "steps=12", "rules.trust.name=my:Rule"]) == {
        "exchange.money": True,
        "steps": 12,
        "rules.trust.name": "my:Rule",
    }
    with pytest.raises(ScenarioError, match=r"--set 'steps': expected dotted.path=value"):
        parse_settings(["steps"])


def _run(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TERRISIM), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=300,
        check=False,
    )


def test_run_overrides_fields_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _run(
        "run",
        str(DEMO),
        "--steps",
        "3",
        "--out",
        str(out),
        "--no-figure",
        "--set",
        "exchange.money=true",
        "--set",
        "rules.trust.name=forgetting_trust:ForgettingTrust",
        PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT / "examples"), os.environ.get("PYTHONPATH")) if p
        ),
    )
    assert proc.returncode == 0, proc.stderr
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert "forgetting_trust:ForgettingTrust" in manifest and '"money": true' in manifest


def test_a_bad_setting_names_the_field_and_what_is_allowed(tmp_path: Path) -> None:
    proc = _run("run", str(DEMO), "--out", str(tmp_path / "o"), "--set", "exchange.mony=true")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--set exchange.mony=true" in proc.stderr and "allowed:" in proc.stderr
    assert "money" in proc.stderr
    proc = _run("run", str(DEMO), "--out", str(tmp_path / "o"), "--set", "exchange.money=3")
    assert proc.returncode == 2 and "exchange.money" in proc.stderr


def test_a_misspelt_rule_parameter_in_set_is_named_with_its_option_and_the_rules_keys() -> None:
    with pytest.raises(ScenarioError) as error:
        apply_settings(
            load_scenario(DEMO),
            ["rules.trust.name=reinforcement", "rules.trust.alfa=0.1", "exchange.money=true"],
        )
    assert str(error.value) == (
        "--set rules.trust.alfa=0.1: rules.trust.alfa: unknown key (check the spelling); "
        "allowed: name, alpha, delta, lam, mu (got 0.1)"
    )  # not the scenario file's name: the file has no such key
    with pytest.raises(
        ScenarioError, match=r"^--set rules.valuation.name=nowhere:Rule: .*PYTHONPATH"
    ):
        apply_settings(load_scenario(DEMO), ["rules.valuation.name=nowhere:Rule"])


# ------------------------------------------------------------------- a rule's step and stream
class NoisyTrust(Reinforcement):
    """Reinforcement plus a small noise from the rule's own stream, from step 3 on."""

    name = "noisy_test"

    def update(self, state: Any, outcome: Any) -> np.ndarray:
        """Noise only after step 2 (the step number is the rule's)."""
        new = super().update(state, outcome)
        if self.step < 3:
            return new
        return np.clip(new + 0.01 * self.rng.standard_normal(new.size), 0.0, 1.0)


def test_a_rule_knows_the_step_and_draws_from_its_own_stream() -> None:
    seen = []

    class Watching(Reinforcement):
        name = "watching_test"

        def update(self, state: Any, outcome: Any) -> np.ndarray:
            seen.append(self.step)
            return super().update(state, outcome)

    model = TerriModel(None, record_territories=False)
    model.trust_rule = Watching()
    model.seed_rules()
    model.run(3)
    assert seen == [1, 2, 3]
    assert isinstance(model.trust_rule.rng, np.random.Generator)


def test_a_rules_stream_changes_no_other_stream_and_replays_with_the_seed() -> None:
    def run(rule: Any) -> TerriModel:
        model = TerriModel(None, rng=5, record_territories=False)
        if rule is not None:
            model.trust_rule = rule
            model.seed_rules()
        model.run(4)
        return model

    plain, noisy, again = run(None), run(NoisyTrust()), run(NoisyTrust())
    assert np.array_equal(noisy.state.trust, again.state.trust)  # the same seed replays
    assert not np.array_equal(noisy.state.trust, plain.state.trust)  # the noise acted
    # the model's own streams drew the same numbers with and without the rule's draws
    for name in STREAMS:
        assert plain.streams[name].bit_generator.state == noisy.streams[name].bit_generator.state


def test_each_rule_slot_has_its_own_stream_from_the_seed_sequence() -> None:
    model = TerriModel(None, rng=11, record_territories=False)
    rules = [model.valuation, model.partners, model.trust_rule, *model.institutions]
    for slot, rule in enumerate(rules):
        expected = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(len(STREAMS), slot)))
        assert rule.rng.random() == expected.random()


# ---------------------------------------------------- --set on every command taking a scenario
def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from terrisim.cli import app

    return CliRunner().invoke(app, list(args))


def test_validate_and_describe_take_set_too() -> None:
    result = _cli("validate", str(DEMO), "--set", "governance=[]", "--set", "shocks=[]")
    assert result.exit_code == 0, result.output
    assert "0 institutions, 0 shocks" in result.output
    plain = _cli("describe", str(DEMO))
    changed = _cli("describe", str(DEMO), "--set", "rules.trust.alpha=0.12")
    assert plain.exit_code == changed.exit_code == 0, changed.output
    assert "reinforcement(alpha=0.05," in plain.output
    assert "reinforcement(alpha=0.12," in changed.output


@pytest.mark.parametrize("command", ["validate", "describe"])
def test_a_bad_set_on_validate_or_describe_is_one_line_exit_2(command: str) -> None:
    result = _cli(command, str(DEMO), "--set", "exchange.mony=true")
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "--set exchange.mony=true" in line and "allowed:" in line


def test_check_rule_takes_set_with_its_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        'steps = 40\n[rules]\ntrust = { name = "reinforcement" }\n', encoding="utf-8"
    )
    result = _cli("check-rule", "reinforcement", "--scenario", str(scenario), "--set", "steps=2")
    assert result.exit_code == 0, result.output
    assert "2 steps" in result.output and "40 steps" not in result.output
    bad = _cli("check-rule", "reinforcement", "--scenario", str(scenario), "--set", "stepz=2")
    assert bad.exit_code == 2 and "--set stepz=2" in bad.output and "allowed:" in bad.output
    alone = _cli("check-rule", "reinforcement", "--set", "steps=2")
    assert alone.exit_code == 2 and "--set: only with --scenario" in alone.output


def test_sweep_takes_set_into_every_run(tmp_path: Path) -> None:
    experiment = tmp_path / "tiny.toml"
    experiment.write_text(
        f'name = "tiny"\nscenario = "{DEMO.as_posix()}"\nsteps = 2\nseed = 1\n'
        '[design]\nmethod = "grid"\n[factors]\n"trust.initial" = { levels = [0.4, 0.8] }\n',
        encoding="utf-8",
    )
    out = tmp_path / "sweep"
    result = _cli(
        "sweep", str(experiment), "--out", str(out), "--engine", "serial", "--quiet",
        "--set", "exchange.money=true",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 runs" in result.output
    stored = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert stored["experiment"]["fixed"] == {"exchange.money": True}
    plain = prepare_sweep(experiment).meta
    assert plain["experiment"]["fixed"] == {} and plain["hash"] != stored["hash"]
    bad = _cli("sweep", str(experiment), "--out", str(tmp_path / "b"), "--set", "exchange.x=1")
    assert bad.exit_code == 2 and "--set exchange.x=1" in bad.output and "allowed:" in bad.output
