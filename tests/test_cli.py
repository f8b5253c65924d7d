"""The ``terrisim`` command (run, validate, describe) and the ``run_scenario`` API (issue 2).

``terrisim run`` writes the files the issue lists, with what they promise inside; ``validate``
checks a file without running it; bad input of every sort gives one clear line (file, line,
field, bad value, what is allowed) and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, TERRISIM
from typer.testing import CliRunner

from terrisim import RunResult, kernels, load_scenario, run_scenario
from terrisim.cli import app
from terrisim.scenario import Scenario, ScenarioError, scenario_from_dict
from terrisim.summary import EQUITY_KEYS

RUN_FILES = {
    "series.parquet",
    "territories.parquet",
    "summary.json",
    "manifest.json",
    "summary.png",
    "events.csv",
}


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, str]:
    """``terrisim run`` with no scenario (the demo), 30 steps, so that its drought (step 24)
    is in the run."""
    out = tmp_path_factory.mktemp("demo")
    result = invoke("run", "--steps", 30, "--seed", 3, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result.output


# --------------------------------------------------------------------------------------------
# terrisim run
# --------------------------------------------------------------------------------------------
def test_run_without_a_scenario_runs_the_demo_and_writes_every_file(demo_run):
    out, printed = demo_run
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert "wrote 6 files" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == "demo"
    assert manifest["scenario"]["shocks"][0]["kind"] == "drought"


def test_the_series_has_one_row_per_step_with_the_model_level_indicators(demo_run):
    series = pd.read_parquet(demo_run[0] / "series.parquet")
    assert series["step"].tolist() == list(range(1, 31))
    for column in (
        "satisfaction",
        "satisfaction_metropolis",
        "satisfaction_food",
        "volume_food",
        "deals",
        "trust_within_kind",
        "trust_urban_rural",
        "reciprocity_balance",
        "gini",
        "shocks",
    ):
        assert column in series, column
    assert series.loc[series["step"] == 24, "shocks"].item() == "drought"


def test_territories_has_one_row_per_territory_per_step(demo_run):
    territories = pd.read_parquet(demo_run[0] / "territories.parquet")
    assert len(territories) == 15 * 30
    assert territories.groupby("step")["territory"].nunique().eq(15).all()
    for column in ("satisfaction", "stock_food", "reserve", "deals"):
        assert column in territories, column


def test_the_summary_has_equity_and_resilience_of_the_runs_shocks(demo_run):
    out, printed = demo_run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 30 and summary["seed"] == 3
    for key in EQUITY_KEYS:
        assert key in summary, key
    assert summary["shock_count"] == 1 and summary["shock_kind"] == "drought"
    assert 0 < summary["shock_resistance"] < 1
    assert summary["shocks"][0]["step"] == 24
    for label in ("satisfaction (final, mean)", "Gini of satisfaction", "first shock"):
        assert label in printed, label


def test_the_manifest_has_the_seed_and_versions_and_reproduces_the_run(demo_run, tmp_path):
    out = demo_run[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["steps"] == 30
    for package in ("python", "terrisim", "mesa", "numpy", "pandas", "pyarrow"):
        assert manifest["versions"][package] not in ("", "not installed"), package
    scenario = scenario_from_dict(manifest["scenario"])
    again = run_scenario(scenario, steps=manifest["steps"], seed=manifest["seed"])
    pd.testing.assert_frame_equal(again.series, pd.read_parquet(out / "series.parquet"))


def test_the_manifest_of_a_csv_scenario_names_its_files_so_it_can_run_again(tmp_path):
    result = invoke(
        "run", ROOT / "configs" / "sample_csv.toml", "--steps", 3, "--out", tmp_path, "--no-figure"
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    files = manifest["scenario"]["territories"]["csv"]
    assert Path(files["territories"]).is_file() and Path(files["links"]).is_file()
    again = run_scenario(scenario_from_dict(manifest["scenario"]), steps=3, seed=manifest["seed"])
    pd.testing.assert_frame_equal(again.series, pd.read_parquet(tmp_path / "series.parquet"))
    assert "summary.png" not in {p.name for p in tmp_path.iterdir()}


def test_run_with_territories_off_writes_no_territories_file(tmp_path):
    path = tmp_path / "none.toml"
    path.write_text('steps = 2\n[output]\nterritories = "none"\n')
    result = invoke("run", path, "--out", tmp_path / "out", "--no-figure")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / "territories.parquet").exists()
    assert (tmp_path / "out" / "series.parquet").exists()


def test_a_scenario_without_urban_territories_prints_n_a_for_them(tmp_path):
    path = tmp_path / "rural_only.toml"
    path.write_text(
        "steps = 2\n[territories.generator.counts]\nmetropolis = 0\ntown = 0\n"
        "periurban = 0\nrural = 3\nmountain = 1\n"
    )
    result = invoke("run", path, "--out", tmp_path / "out", "--no-figure")
    assert result.exit_code == 0, result.output
    assert "n/a" in result.output


def test_a_single_territory_from_csv_without_links_is_valid(tmp_path):
    (tmp_path / "t.csv").write_text("id,name,kind,population,x_km,y_km\nA,Alone,rural,1000,0,0\n")
    path = tmp_path / "one.toml"
    path.write_text(
        'steps = 2\n[territories]\nsource = "csv"\n[territories.csv]\nterritories = "t.csv"\n'
    )
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert "1 territories, 0 links" in result.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--steps", "0", "--steps: must be >= 1"),
        ("--steps", "-3", "--steps: must be >= 1"),
        ("--seed", "-1", "--seed: must be >= 0"),
    ],
)
def test_a_bad_number_of_steps_or_seed_is_refused(tmp_path, option, value, message):
    result = invoke("run", option, value, "--out", tmp_path)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "taken"
    target.write_text("")
    result = invoke("run", "--steps", 1, "--out", target)
    assert result.exit_code == 2
    assert f"--out: {target} is a file, not a folder" in result.output


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps: must be an integer >= 1"),
        ({"steps": 2.5}, "steps: must be an integer >= 1"),
        ({"seed": -1}, "seed: must be an integer >= 0"),
    ],
)
def test_run_scenario_refuses_bad_steps_and_seeds(kwargs, message):
    with pytest.raises(ScenarioError, match=message):
        run_scenario(None, **kwargs)


# --------------------------------------------------------------------------------------------
# terrisim validate and describe
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "configs").glob("*.toml")))
def test_every_shipped_scenario_is_valid(name):
    result = invoke("validate", ROOT / "configs" / name)
    assert result.exit_code == 0, result.output
    assert "valid (" in result.output


def test_describe_prints_the_step_schedule_with_the_active_rules():
    result = invoke("describe")
    assert result.exit_code == 0, result.output
    phases = (
        "apply_shocks",
        "produce",
        "govern",
        "negotiate",
        "deliver",
        "consume",
        "update_budgets",
        "update_trust",
        "close_step",
        "collect",
    )
    positions = [result.output.index(f". {phase} ") for phase in phases]
    assert positions == sorted(positions)
    assert "trust: reinforcement(alpha=0.05" in result.output
    assert (
        "code: terrisim.rules.trust.Reinforcement.update (src/terrisim/rules/trust.py)"
        in result.output
    )


def test_describe_prints_plain_text_without_restructuredtext_markup():
    result = invoke("describe")
    assert result.exit_code == 0, result.output
    assert "available = stock + capacity * skill * production_factor * h" in result.output
    assert "``" not in result.output and ":class:" not in result.output


def test_describe_names_the_compiled_kernels_and_the_rule_code_that_feeds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for engine, negotiation in (
        ("numpy", "code: terrisim.model.TerriModel.negotiate"),
        ("numba", "code: compiled terrisim.kernels.negotiate_links"),
    ):
        if engine == "numba" and not kernels.HAVE_NUMBA:
            continue
        monkeypatch.setenv("TERRISIM_KERNEL", engine)
        result = invoke("describe")
        assert result.exit_code == 0, result.output
        assert f"engine {engine}:" in result.output
        assert negotiation in result.output
        if engine == "numba":
            assert "fed by terrisim.rules.partners.TrustWeighted.factors" in result.output
            assert "terrisim.rules.valuation.MarketValuation.unit_values" in result.output
    assert (
        "drought at step 24 for 6 steps, magnitude 0.6, everywhere (15 territories)"
        in result.output
    )


def test_describe_gives_each_shock_its_targets_and_parameters():
    result = invoke("describe", str(ROOT / "configs" / "sample_csv.toml"))
    assert result.exit_code == 0, result.output
    assert (
        "drought at step 12 for 6 steps, magnitude 0.5, on rural,mountain (6 territories)"
        in result.output
    )


_EVERY_KIND = "{ metropolis = 1, town = 1, periurban = 1, rural = 1, mountain = 1 }"
BAD_TOML = {  # file text -> what the one-line message must contain
    "stepz = 10\n": ("bad.toml:1: stepz: unknown key", "got 10"),
    'steps = "ten"\n': ("bad.toml:1: steps:", "valid integer", "got 'ten'"),
    "steps = 10\n[trust]\ninitial = 1.5\n": (
        "bad.toml:3: trust.initial:",
        "less than or equal to 1",
        "got 1.5",
    ),
    "[kinds.rural]\npopulation = -5\n": (
        "bad.toml:2: kinds.rural.population:",
        "greater than 0",
        "got -5",
    ),
    "[territories.generator.counts]\nvillage = 3\n": (
        "territories.generator.counts: unknown kind 'village'",
        "allowed: ['metropolis'",
    ),
    "[goods.food.need]\nvillage = 1.0\n": ("goods.food.need: unknown kind 'village'",),
    "[goods.hydrogen]\nstorable = true\n": ("goods.hydrogen.need:", "required"),
    '[trust.bias]\n"urban->forest" = 0.2\n': ("trust.bias: bad key 'urban->forest'",),
    "steps = = 3\n": ("bad.toml:1: malformed TOML",),
    '[rules]\ntrust = "nope"\n': (
        "bad.toml:2: rules.trust",
        "'nope' is unknown",
        "registered: ['reinforcement']",
    ),
    '[[governance]]\nrule = "parliament"\n': ("governance.0", "'parliament'"),
    '[output]\nterritories = "some"\n': ("bad.toml:2: output.territories:", "'all'", "got 'some'"),
    "[goods.food.capacity]\nrural = inf\n": (
        "bad.toml:2: goods.food.capacity.rural:",
        "finite number",
        "got inf",
    ),
    "[kinds.rural]\nspending = nan\n": ("kinds.rural.spending:", "finite number"),
    'replace_goods = "yes"\n': ("replace_goods: must be true or false",),
    "[territories.generator]\ncounts = { metropolis = 0, town = 0, periurban = 0, "
    "rural = 0, mountain = 0 }\n": ("no territory to generate",),
    # names whose series columns would overwrite others (ODD 7.9)
    f"[goods.min]\nstorable = false\nneed = {_EVERY_KIND}\ncapacity = {_EVERY_KIND}\n": (
        "goods.min: 'min' is reserved",
        "satisfaction_min",
    ),
    f"[goods.value]\nstorable = false\nneed = {_EVERY_KIND}\ncapacity = {_EVERY_KIND}\n": (
        "goods.value: a good cannot be called 'value'",
    ),
}


@pytest.mark.parametrize("text", list(BAD_TOML), ids=range(len(BAD_TOML)))
def test_a_bad_scenario_gives_one_clear_line_and_status_2(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    for command in ("validate", "run"):
        result = invoke(command, path, *(["--out", tmp_path / "o"] if command == "run" else []))
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
        assert result.output.startswith("error: ")
        for part in BAD_TOML[text]:
            assert part in result.output, (part, result.output)
    assert not (tmp_path / "o").exists()


TERRITORIES = "id,name,kind,population,x_km,y_km\nA,a,rural,100,0,0\nB,b,town,200,9,9\n"
BAD_CSV = {  # (territories file, links file) -> what the message must contain
    ("id,name,kind,population,x_km,y_km,capacity_fod\nA,a,rural,100,0,0,1\n", None): (
        "territories.csv: unknown column 'capacity_fod'",
    ),
    ("id,name,kind,population,x_km\nA,a,rural,100,0\n", None): (
        "territories.csv: missing column 'y_km'",
    ),
    ("id;name;kind;population;x_km;y_km\nA;a;rural;100;0;0\n", None): ("separated by ';'",),
    ("id,name,kind,population,x_km,y_km\nA,a,village,100,0,0\n", None): (
        "territories.csv:2: column 'kind': bad value 'village'",
        "allowed: ['metropolis'",
    ),
    ("id,name,kind,population,x_km,y_km\nA,a,rural,-4,0,0\n", None): (
        "territories.csv:2: column 'population': bad value -4",
        "must be positive",
    ),
    ("id,name,kind,population,x_km,y_km\nA,a,rural,100,0,0\nA,b,town,5,1,1\n", None): (
        "territories.csv:3: column 'id'",
        "unique",
    ),
    ('id,name,kind,population,x_km,y_km\nA,a,rural,"100,0,0\n', None): (
        "territories.csv: malformed CSV",
    ),
    (TERRITORIES, "source,target\nA,C\n"): (
        "links.csv:2: column 'target': bad value 'C'",
        "no territory has this id",
    ),
    (TERRITORIES, "source,target,kind\nA,B,highway\n"): (
        "links.csv:2: column 'kind': bad value 'highway'",
    ),
    (TERRITORIES, "source,target,distance_km\nA,B,far\n"): (
        "links.csv:2: column 'distance_km': bad value 'far'",
    ),
}


@pytest.mark.parametrize("files", list(BAD_CSV), ids=range(len(BAD_CSV)))
def test_a_bad_csv_file_gives_one_clear_line_and_status_2(tmp_path, files):
    territories, links = files
    (tmp_path / "territories.csv").write_text(territories)
    text = '[territories]\nsource = "csv"\n[territories.csv]\nterritories = "territories.csv"\n'
    if links is not None:
        (tmp_path / "links.csv").write_text(links)
        text += 'links = "links.csv"\n'
    (tmp_path / "s.toml").write_text(text)
    result = invoke("validate", tmp_path / "s.toml")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for part in BAD_CSV[files]:
        assert part in result.output, (part, result.output)


def test_missing_files_are_named(tmp_path):
    result = invoke("validate", tmp_path / "nowhere.toml")
    assert result.exit_code == 2 and "nowhere.toml: file not found" in result.output
    (tmp_path / "s.toml").write_text(
        '[territories]\nsource = "csv"\n[territories.csv]\nterritories = "gone.csv"\n'
    )
    result = invoke("validate", tmp_path / "s.toml")
    assert result.exit_code == 2 and "gone.csv: file not found" in result.output
    (tmp_path / "t.toml").write_text('[territories]\nsource = "csv"\n')
    result = invoke("validate", tmp_path / "t.toml")
    assert result.exit_code == 2 and "[territories.csv]" in result.output


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[exchange]\nreciprocity_tolerance = 2\n")
    done = subprocess.run(
        [str(TERRISIM), "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"error: {path}:2: exchange.reciprocity_tolerance")
    assert "Traceback" not in done.stderr + done.stdout


# --------------------------------------------------------------------------------------------
# The Python API
# --------------------------------------------------------------------------------------------
def test_run_scenario_returns_pandas_objects_and_the_same_numbers_as_the_command(demo_run):
    result = run_scenario(load_scenario(ROOT / "configs" / "demo.toml"), steps=30, seed=3)
    assert isinstance(result, RunResult)
    assert isinstance(result.series, pd.DataFrame)
    assert isinstance(result.territories, pd.DataFrame)
    assert isinstance(result.summary, dict)
    pd.testing.assert_frame_equal(result.series, pd.read_parquet(demo_run[0] / "series.parquet"))
    assert result.summary == json.loads((demo_run[0] / "summary.json").read_text())


def test_the_model_is_constructible_with_no_arguments_and_seeded_with_rng():
    from terrisim import TerriModel

    a, b = TerriModel(), TerriModel(rng=42)
    assert a.config == Scenario() and a.seed == 42
    np.testing.assert_array_equal(a.state.xy, b.state.xy)
    assert not np.array_equal(TerriModel(rng=5).state.xy, a.state.xy)


def test_the_package_ships_the_demo_for_installs_without_the_repository(monkeypatch, tmp_path):
    import terrisim.cli as cli

    assert cli.PACKAGED_DEMO.read_bytes() == (ROOT / "configs" / "demo.toml").read_bytes(), (
        "src/terrisim/data/demo.toml must be a copy of configs/demo.toml"
    )
    monkeypatch.setattr(cli, "DEMO", tmp_path / "absent.toml")
    assert cli.demo_path() == cli.PACKAGED_DEMO
    result = invoke("run", "--steps", 2, "--out", tmp_path / "out", "--no-figure")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenario"]["shocks"][0]["kind"] == "drought"


def test_a_misspelt_rule_parameter_lists_that_rules_own_parameters(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text('[rules]\ntrust = { name = "reinforcement", alpah = 0.1 }\n')
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "typo.toml:2: rules.trust.alpah: unknown key" in result.output
    assert "allowed: name, alpha, delta, lam, mu" in result.output


def test_an_experiment_file_given_to_run_says_to_sweep_it(tmp_path: Path) -> None:
    path = tmp_path / "compare.toml"
    path.write_text(
        'name = "compare"\nscenario = "base.toml"\nseed = 1\n[design]\nmethod = "grid"\n'
    )
    result = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: an experiment file (it has [design] or [factors]), not a scenario: "
        f"run it with terrisim sweep {path} --out DIR"
    )


def test_a_rule_module_that_cannot_be_imported_suggests_pythonpath(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[rules]\ntrust = { name = "no_such_module_here:MyTrust" }\n')
    result = invoke("run", str(path), "--steps", "1", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "cannot import module 'no_such_module_here'" in result.output
    assert "put the folder of no_such_module_here.py on PYTHONPATH" in result.output


BROKEN_RULES = """
import numpy as np
from terrisim.rules.trust import TrustUpdate
from terrisim.rules.valuation import BasketValuation


class ShortTrust(TrustUpdate):
    role = "trust"

    def update(self, state, outcome):
        return state.trust[:3]


class NanValues(BasketValuation):
    role = "valuation"

    def unit_values(self, state):
        price = state.price[None, :] * np.nan
        return price, price
"""


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'trust = { name = "broken_rules:ShortTrust" }',
            "the trust rule returned an array of shape (3,)",
        ),
        (
            'valuation = { name = "broken_rules:NanValues" }',
            "the valuation rule's give value of food",
        ),
    ],
)
def test_run_stops_at_a_rules_bad_output_with_one_line_naming_the_rules_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, expected: str
) -> None:
    (tmp_path / "broken_rules.py").write_text(BROKEN_RULES)
    monkeypatch.syspath_prepend(str(tmp_path))
    scenario = tmp_path / "broken.toml"
    scenario.write_text(f"[rules]\n{table}\n")
    result = invoke("run", str(scenario), "--steps", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "broken_rules.py:" in result.output
    assert "Traceback" not in result.output


def test_a_shorter_run_asked_with_set_steps_leaves_a_later_shock_out_as_steps_does(tmp_path):
    # the demo's drought starts at step 24: a 12-step run, asked on the command line, skips it
    for args in (["--steps", "12"], ["--set", "steps=12"]):
        out = tmp_path / args[0].strip("-")
        result = invoke("run", ROOT / "configs" / "demo.toml", *args, "--no-figure", "--out", out)
        assert result.exit_code == 0, result.output
        assert len(pd.read_parquet(out / "series.parquet")) == 12
    assert invoke("validate", ROOT / "configs" / "demo.toml", "--set", "steps=12").exit_code == 0
    # a scenario file whose own steps end before its shock still contradicts itself
    late = tmp_path / "late.toml"
    late.write_text('steps = 10\n[[shocks]]\nkind = "drought"\nat = 500\n', encoding="utf-8")
    refused = invoke("validate", late)
    assert refused.exit_code == 2 and "step 500" in refused.output
