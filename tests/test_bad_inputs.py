"""Bad input, as a careless user gives it, through the real command line (issue 21).

Every case runs ``python -m terrisim ...`` in a subprocess and must give exit status 2, one
line on stderr, no traceback, and name the file, the field and the bad value. One
parametrised test per class of case: student rule modules that fail, values beyond the
bounds, values of the wrong type, inputs that used to be accepted without a word, and
messages that used to be vague.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import terrisim

#: The folder holding the terrisim package under test (a worktree's src/ or site-packages).
PACKAGE_ROOT = Path(terrisim.__file__).resolve().parents[1]


def terrisim_cli(
    *args: str, cwd: Path, pythonpath: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m terrisim *args`` in ``cwd``; ``pythonpath`` is added for student modules."""
    paths = [str(PACKAGE_ROOT), *([str(pythonpath)] if pythonpath else [])]
    return subprocess.run(
        [sys.executable, "-m", "terrisim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths), **(env or {})},
        timeout=300,
        check=False,
    )


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], *named: str) -> str:
    """Exit 2, exactly one line on stderr, no traceback, and every string of ``named`` in it."""
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(lines) == 1, proc.stderr
    for part in named:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# A student's rule module that fails, in every slot that takes one
# --------------------------------------------------------------------------------------------
STUDENT_MODULES = {
    "raising": 'raise RuntimeError("boom at import")\n',
    "broken_syntax": "def f(:\n",
    "raising_init": textwrap.dedent(
        """
        from terrisim.governance.conference import Conference
        from terrisim.rules.trust import Reinforcement
        from terrisim.shocks import ShockKind


        class Trust(Reinforcement):
            def __init__(self, **params):
                raise ValueError("init boom")


        class Flood(ShockKind):
            def __init__(self, **params):
                raise ValueError("init boom")

            def apply(self, state, mask, magnitude, elapsed):
                pass


        class Council(Conference):
            def __init__(self, *args, **params):
                raise ValueError("init boom")
        """
    ),
}

#: The slot of a scenario that names a rule: the TOML that puts ``{spec}`` there, the field.
SLOTS = {
    "trust": ('[rules]\ntrust = "{spec}"\n', "rules.trust"),
    "shock": ('[[shocks]]\nkind = "{spec}"\nat = 2\n', "shocks.0.kind"),
    "governance": ('[[governance]]\nrule = "{spec}"\n', "governance.0"),
    "agents": ('[agents]\nterritory = "{spec}"\n', "agents.territory"),
}
FAILURES = {
    "raises on import": ("raising:{cls}", "boom at import"),
    "has a syntax error": ("broken_syntax:{cls}", "SyntaxError"),
    "has an empty module name": (":{cls}", "expected 'module:Class'"),
    "has an __init__ that raises": ("raising_init:{cls}", "init boom"),
}
CLASS_OF_SLOT = {"trust": "Trust", "shock": "Flood", "governance": "Council", "agents": "T"}


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("slot", SLOTS)
def test_a_student_rule_module_that_fails_is_one_line_naming_the_file_field_and_rule(
    tmp_path: Path, slot: str, failure: str
) -> None:
    if slot == "agents" and failure == "has an __init__ that raises":
        pytest.skip("a Territory's __init__ runs with the model: tests/test_per_agent.py")
    for name, text in STUDENT_MODULES.items():
        write(tmp_path, f"{name}.py", text)
    spec_form, reason = FAILURES[failure]
    spec = spec_form.format(cls=CLASS_OF_SLOT[slot])
    toml, field = SLOTS[slot]
    write(tmp_path, "scenario.toml", toml.format(spec=spec))
    # validate sets the model up as run does (tests/test_cli.py runs both on bad files)
    proc = terrisim_cli("validate", "scenario.toml", cwd=tmp_path, pythonpath=tmp_path)
    assert_one_clear_line(proc, "scenario.toml", field, spec, reason)


# --------------------------------------------------------------------------------------------
# Values beyond what a machine can hold or floats can count
# --------------------------------------------------------------------------------------------
BOUNDS = {
    "a billion rural territories": (
        "[territories.generator]\ncounts = { rural = 1000000000 }\n",
        ("territories.generator.counts.rural", "1000000000", "less than or equal to 1000000"),
    ),
    "over a million territories in all": (
        "[territories.generator]\ncounts = { rural = 600000, town = 600000 }\n",
        ("territories.generator.counts", "1,200,007", "at most 1,000,000"),
    ),
    "neighbours 1e308 km apart": (
        "[territories.generator]\nspacing_km = 1e308\n",
        ("territories.generator.spacing_km", "1e+308", "less than or equal to 10000"),
    ),
    "a kind's median population of 1e300": (
        "[kinds.rural]\npopulation = 1e300\n",
        ("kinds.rural.population", "1e+300", "less than or equal to 10000000000"),
    ),
    "stocks of 1e308 steps": (
        "[goods.food]\nstorage_steps = 1e308\n",
        ("goods.food.storage_steps", "1e+308", "less than or equal to 100000"),
    ),
}


@pytest.mark.parametrize("case", BOUNDS)
def test_a_value_beyond_its_bound_is_one_line_naming_the_bound(tmp_path: Path, case: str) -> None:
    toml, named = BOUNDS[case]
    write(tmp_path, "scenario.toml", toml)
    proc = terrisim_cli("validate", "scenario.toml", cwd=tmp_path)
    assert_one_clear_line(proc, "scenario.toml:", *named)


CSV_SCENARIO = """
[territories]
source = "csv"
[territories.csv]
territories = "territories.csv"
links = "links.csv"
"""
GOOD_TERRITORIES = "id,name,kind,population,x_km,y_km\na,A,town,1000,0,0\nb,B,rural,500,10,0\n"
GOOD_LINKS = "source,target\na,b\n"
CSV_BOUNDS = {
    "a population of inf": (
        "id,name,kind,population,x_km,y_km\na,A,town,inf,0,0\nb,B,rural,500,10,0\n",
        GOOD_LINKS,
        ("territories.csv:2", "'population'", "inf", "at most 1e+10"),
    ),
    "a population of 1e300": (
        "id,name,kind,population,x_km,y_km\na,A,town,1e300,0,0\nb,B,rural,500,10,0\n",
        GOOD_LINKS,
        ("territories.csv:2", "'population'", "1e+300", "at most 1e+10"),
    ),
    "an x_km of inf": (
        "id,name,kind,population,x_km,y_km\na,A,town,1000,0,0\nb,B,rural,500,inf,0\n",
        GOOD_LINKS,
        ("territories.csv:3", "'x_km'", "inf", "finite"),
    ),
    "an engineering of -inf": (
        "id,name,kind,population,x_km,y_km,engineering\na,A,town,1000,0,0,-inf\nb,B,rural,500,10,0,\n",
        GOOD_LINKS,
        ("territories.csv:2", "'engineering'", "-inf", "finite number >= 0"),
    ),
    "a distance_km of inf": (
        GOOD_TERRITORIES,
        "source,target,distance_km\na,b,inf\n",
        ("links.csv:2", "'distance_km'", "inf", "finite number >= 0"),
    ),
}


@pytest.mark.parametrize("case", CSV_BOUNDS)
def test_a_csv_number_beyond_its_bound_is_one_line_naming_the_line(
    tmp_path: Path, case: str
) -> None:
    territories, links, named = CSV_BOUNDS[case]
    write(tmp_path, "scenario.toml", CSV_SCENARIO)
    (tmp_path / "territories.csv").write_text(territories, encoding="utf-8")
    (tmp_path / "links.csv").write_text(links, encoding="utf-8")
    proc = terrisim_cli("run", "scenario.toml", "--out", "out", cwd=tmp_path)
    assert_one_clear_line(proc, *named)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Values of the wrong type are refused, never converted (strict scenario files)
# --------------------------------------------------------------------------------------------
WRONG_TYPES = {
    'steps = "10"': ('steps = "10"\n', ("scenario.toml:1", "steps", "'10'", "integer")),
    'urban = "no"': (
        '[kinds.rural]\nurban = "no"\n',
        ("scenario.toml:2", "kinds.rural.urban", "'no'", "true or false"),
    ),
    "enabled = 0": (
        "[exchange]\nenabled = 0\n",
        ("scenario.toml:2", "exchange.enabled", "(got 0)", "true or false"),
    ),
    'a shock\'s at = "24"': (
        '[[shocks]]\nkind = "drought"\nat = "24"\n',
        ("scenario.toml:3", "shocks.0.at", "'24'", "integer"),
    ),
    'a rule\'s alpha = "0.1"': (
        '[rules.trust]\nname = "reinforcement"\nalpha = "0.1"\n',
        ("scenario.toml:3", "rules.trust.alpha", "'0.1'", "number"),
    ),
    "an institution's duration = 36.0": (
        '[[governance]]\nrule = "reciprocity_contract"\nduration = 36.0\n',
        ("scenario.toml:3", "governance.0.duration", "36.0", "integer"),
    ),
    "proximity_k = 3.0": (
        "[territories.generator]\nproximity_k = 3.0\n",
        ("scenario.toml:2", "territories.generator.proximity_k", "3.0", "integer"),
    ),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_value_of_the_wrong_type_is_refused_not_converted(tmp_path: Path, case: str) -> None:
    toml, named = WRONG_TYPES[case]
    write(tmp_path, "scenario.toml", toml)
    proc = terrisim_cli("validate", "scenario.toml", cwd=tmp_path)
    assert_one_clear_line(proc, *named)


def test_every_shipped_scenario_still_loads_with_strict_types() -> None:
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "configs").glob("*.toml")) + sorted((root / "examples").glob("*.toml"))
    scenarios = [p for p in files if "[design]" not in p.read_text(encoding="utf-8")]
    assert len(scenarios) >= 10
    for path in scenarios:
        terrisim.load_scenario(path)


# --------------------------------------------------------------------------------------------
# Inputs that used to be accepted without a word
# --------------------------------------------------------------------------------------------
SILENT = {
    "an empty scenario file": ("", ("scenario.toml", "empty scenario file")),
    "a file of comments only": (
        "# steps = 10\n",
        ("scenario.toml", "empty scenario file"),
    ),
    "a links file of self-links": (
        CSV_SCENARIO,
        ("links.csv:2", "'target'", "'a'", "the same territory as the source"),
    ),
}

#: CSV files once refused with a vague message: the territories file and what to name.
VAGUE_CSV = {
    "a column named twice": (
        "id,name,kind,population,population,x_km,y_km\na,A,town,1000,1000,0,0\n",
        ("territories.csv:1", "'population'", "appears twice"),
    ),
    "a comma at the end of every row": (
        "id,name,kind,population,x_km,y_km\na,A,town,452000,0,0,\nb,B,rural,500,10,0,\n",
        ("territories.csv:2", "7 fields for 6 columns", "a comma at the end of every row"),
    ),
    "a comma at the end of every line, the header's too": (
        "id,name,kind,population,x_km,y_km,\na,A,town,452000,0,0,\nb,B,rural,500,10,0,\n",
        ("territories.csv:1", "column 7 of the header has no name", "a comma at the end"),
    ),
    "NA in a number column": (
        "id,name,kind,population,x_km,y_km,grant\na,A,town,1000,0,0,NA\nb,B,rural,500,10,0,\n",
        ("territories.csv:2", "'grant'", "'NA'", "leave the cell empty"),
    ),
}


@pytest.mark.parametrize("case", VAGUE_CSV)
def test_a_malformed_csv_file_is_one_line_saying_what_is_wrong(tmp_path: Path, case: str) -> None:
    territories, named = VAGUE_CSV[case]
    write(tmp_path, "scenario.toml", CSV_SCENARIO.replace('links = "links.csv"\n', ""))
    (tmp_path / "territories.csv").write_text(territories, encoding="utf-8")
    proc = terrisim_cli("validate", "scenario.toml", cwd=tmp_path)
    assert_one_clear_line(proc, *named)


@pytest.mark.parametrize("case", SILENT)
def test_an_input_once_accepted_silently_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    toml, named = SILENT[case]
    write(tmp_path, "scenario.toml", toml)
    (tmp_path / "territories.csv").write_text(GOOD_TERRITORIES, encoding="utf-8")
    (tmp_path / "links.csv").write_text("source,target\na,a\nb,b\n", encoding="utf-8")
    proc = terrisim_cli("run", "scenario.toml", "--out", "out", cwd=tmp_path)
    assert_one_clear_line(proc, *named)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Inputs that are valid and were refused with a vague message
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accepted:
    """A valid input once refused: the scenario text and what validate must print."""

    toml: str
    printed: str


ACCEPTED = {
    "a UTF-8 byte order mark before the first key": Accepted(
        "\ufeffname = 'bom'\nsteps = 10\n", "valid (15 territories"
    ),
    "a territory id NA and a name None": Accepted(
        CSV_SCENARIO.replace('links = "links.csv"\n', ""), "valid (2 territories"
    ),
}
TERRITORIES_OF_ACCEPTED = {
    "a territory id NA and a name None": (
        "id,name,kind,population,x_km,y_km\nNA,None,town,1000,0,0\nb,B,rural,500,10,0\n"
    ),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_valid_input_once_refused_is_accepted(tmp_path: Path, case: str) -> None:
    write(tmp_path, "scenario.toml", ACCEPTED[case].toml)
    if case in TERRITORIES_OF_ACCEPTED:
        (tmp_path / "territories.csv").write_text(TERRITORIES_OF_ACCEPTED[case], encoding="utf-8")
    proc = terrisim_cli("validate", "scenario.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert ACCEPTED[case].printed in proc.stdout


def test_a_territory_id_na_and_name_none_are_kept_as_text(tmp_path: Path) -> None:
    write(tmp_path, "scenario.toml", CSV_SCENARIO.replace('links = "links.csv"\n', ""))
    (tmp_path / "territories.csv").write_text(
        TERRITORIES_OF_ACCEPTED["a territory id NA and a name None"], encoding="utf-8"
    )
    model = terrisim.TerriModel(tmp_path / "scenario.toml", record_territories=False)
    assert list(model.state.ids[:1]) == ["NA"]
    assert list(model.state.names[:1]) == ["None"]


# --------------------------------------------------------------------------------------------
# Command-line options and the environment
# --------------------------------------------------------------------------------------------
EXPERIMENT = """
name = "tiny"
scenario = "scenario.toml"
steps = 3
replicates = 1
seed = 1
[design]
method = "grid"
[factors]
"trust.initial" = { levels = [0.4, 0.8] }
"""
OPTIONS = {
    "--seed abc": (["run", "--seed", "abc"], {}, ("--seed 'abc'", "valid integer", "run --help")),
    "--steps 2.5": (["run", "--steps=2.5"], {}, ("--steps '2.5'", "valid integer")),
    "--workers 0": (
        ["sweep", "experiment.toml", "--out", "sweep", "--workers", "0"],
        {},
        ("--workers '0'", "greater than or equal to 1", "sweep --help"),
    ),
    "a misspelt option": (["run", "--stpes", "3"], {}, ("--stpes", "--steps")),
    "--steps 1000000000": (
        ["run", "--steps", "1000000000", "--out", "out"],
        {},
        ("--steps", "1,000,000,000", "at most 100,000"),
    ),
    "a shock after the last step": (
        ["validate", "late_shock.toml"],
        {},
        ("late_shock.toml:4", "shocks.0.at", "step 500", "steps = 10", "allowed: 1 to 10"),
    ),
    "a shock after the last step, run": (
        ["run", "late_shock.toml", "--out", "out"],
        {},
        ("late_shock.toml:4", "shocks.0.at", "step 500", "steps = 10", "allowed: 1 to 10"),
    ),
    "ui --port 99999": (["ui", "--port", "99999"], {}, ("--port 99999", "0 to 65535")),
    "ui --port -5": (["ui", "--port", "-5"], {}, ("--port -5", "0 to 65535")),
    "ui --configs /nonexistent": (
        ["ui", "--configs", "/nonexistent"],
        {},
        ("--configs /nonexistent", "no such folder"),
    ),
    "TERRISIM_KERNEL=gpu": (
        ["run", "--steps", "2", "--out", "out"],
        {"TERRISIM_KERNEL": "gpu"},
        ("TERRISIM_KERNEL=gpu", "'gpu' is unknown", "numpy"),
    ),
}


@pytest.mark.parametrize("case", OPTIONS)
def test_a_bad_option_or_environment_is_one_line_naming_it_and_its_value(
    tmp_path: Path, case: str
) -> None:
    args, env, named = OPTIONS[case]
    write(tmp_path, "experiment.toml", EXPERIMENT)
    write(tmp_path, "scenario.toml", "name = 'tiny'\nsteps = 3\n")
    write(tmp_path, "late_shock.toml", "steps = 10\n[[shocks]]\nkind = 'drought'\nat = 500\n")
    proc = terrisim_cli(*args, cwd=tmp_path, env=env)
    assert_one_clear_line(proc, *named)
    assert not (tmp_path / "out").exists()


def test_a_sweep_into_a_read_only_place_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, "experiment.toml", EXPERIMENT)
    write(tmp_path, "scenario.toml", "name = 'tiny'\nsteps = 3\n")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    # root writes anywhere but in /sys
    out = Path("/sys/terrisim_bad_input") if os.geteuid() == 0 else locked / "sweep"
    proc = terrisim_cli("sweep", "experiment.toml", "--out", str(out), cwd=tmp_path)
    assert_one_clear_line(proc, "--out", str(out), "cannot write")


def test_a_sweep_whose_runs_all_fail_exits_non_zero(tmp_path: Path) -> None:
    write(tmp_path, "experiment.toml", EXPERIMENT)
    write(tmp_path, "scenario.toml", "name = 'tiny'\nsteps = 3\n[rules]\ntrust = 'crash:Trust'\n")
    write(
        tmp_path,
        "crash.py",
        """
        from terrisim.rules.trust import Reinforcement


        class Trust(Reinforcement):
            def update(self, state, outcome):
                raise RuntimeError("crash in update")
        """,
    )
    proc = terrisim_cli(
        "sweep",
        "experiment.toml",
        "--out",
        "sweep",
        "--workers",
        "1",
        cwd=tmp_path,
        pythonpath=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error: 2 of 2 runs failed" in proc.stderr.splitlines()[-1]


def test_a_configs_file_with_a_syntax_error_is_named_when_the_page_starts(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    write(configs, "good.toml", "name = 'good'\nsteps = 5\n")
    write(configs, "broken.toml", "name = 'broken\nsteps = 5\n")
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    command = [sys.executable, "-m", "terrisim", "ui", "--port", "0", "--configs", str(configs)]
    command += ["--data", str(tmp_path / "data")]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stderr is not None
            line = server.stderr.readline()  # the first line on stderr: the warning
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert line.startswith("warning: "), line
    assert "broken.toml" in line and "malformed TOML" in line
    assert "the page lists it as unavailable" in line
