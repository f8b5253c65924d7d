"""The package starts fast: its top level and the command line import only what they use (issue 14).

Times are measured by benchmarks/bench_startup.py, not here; these tests check the imports
that made start-up slow stay out.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import terrisim
from terrisim.engine import HAVE_NUMBA

HEAVY = ("mesa", "pandas", "numba", "matplotlib", "terrisim.model")


def loaded_after(statement: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``heavy`` modules a fresh interpreter has loaded after ``statement``."""
    probe = f"import sys\n{statement}\nprint(' '.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_a_rule_module_and_the_command_line_load_neither_the_model_nor_pandas_nor_mesa():
    assert loaded_after("import terrisim.rules.trust") == []
    assert loaded_after("import terrisim.cli") == []


def test_the_command_line_loads_no_scenario_schema_before_a_command_needs_it():
    # pydantic and the scenario schema are 0.1 s of the 0.3 s budget of terrisim --help
    assert loaded_after("import terrisim.cli", ("pydantic", "terrisim.scenario")) == []


def test_matplotlib_waits_for_the_figure_and_pyplot_is_never_imported():
    # matplotlib is 0.3 to 0.4 s of a run's start-up: only drawing summary.png needs it, and
    # the figures are matplotlib.figure.Figure objects saved with Agg, without pyplot
    assert loaded_after("import terrisim.output", ("matplotlib",)) == []
    assert loaded_after("import terrisim.plots", ("matplotlib.pyplot",)) == []
    assert loaded_after("import terrisim.plots", ("matplotlib.figure",)) == ["matplotlib.figure"]


def test_numba_loads_only_when_the_numba_engine_runs():
    # auto picks numpy below AUTO_NUMBA_LINKS links: the demo (29 links) never imports numba
    assert loaded_after("import terrisim.model", ("numba", "terrisim.kernels")) == []
    small = "import os; os.environ.pop('TERRISIM_KERNEL', None)\nfrom terrisim import TerriModel\n"
    assert loaded_after(small + "TerriModel().run(2)", ("numba",)) == []
    if HAVE_NUMBA:
        ran = loaded_after(small + "TerriModel(engine='numba').run(2)", ("numba",))
        assert ran == ["numba"]


def test_the_public_names_are_imported_on_first_use():
    assert loaded_after("import terrisim") == []
    assert "terrisim.model" in loaded_after("import terrisim; terrisim.TerriModel")
    assert sorted(terrisim.__all__) == sorted(["__version__", *terrisim._PUBLIC])
    assert set(terrisim.__all__) <= set(dir(terrisim))
    assert terrisim.run_scenario.__module__ == "terrisim.output"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        terrisim.no_such_name  # noqa: B018


def test_help_and_usage_errors_are_plain_text_without_loading_rich():
    # Rich's console and Markdown parser cost about 0.3 s of CPU: the help is click's plain text.
    probe = (
        "import sys\nfrom terrisim.cli import app\n"
        "for argv in (['--help'], ['run', '--seed', 'abc']):\n"
        "    try:\n        app(argv, prog_name='terrisim')\n    except SystemExit:\n        pass\n"
        "print('rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert "Usage: terrisim" in done.stdout
    assert "╭" not in done.stdout + done.stderr


def test_an_installed_numba_that_cannot_be_imported_leaves_auto_on_numpy(tmp_path):
    # numba built for another numpy raises ImportError on import: auto runs numpy (a traceback
    # at the first step before), and numba asked for by name is one line saying why
    fake = tmp_path / "numba"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise ImportError("Numba needs NumPy 2.2 or less")\n')
    probe = (
        "import os, sys; os.environ.pop('TERRISIM_KERNEL', None)\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from terrisim import TerriModel, apply_overrides, load_scenario\n"
        "from terrisim.engine import AUTO_NUMBA_LINKS, auto_reason\n"
        "big = apply_overrides(load_scenario(None), {'territories.generator.counts': {'rural': 120}})\n"
        "model = TerriModel(big)\n"
        "assert model.state.n_links >= AUTO_NUMBA_LINKS\n"
        "model.run(1)\n"
        "print(model.engine, '|', auto_reason(None, model.state.n_links))\n"
        "try:\n"
        "    TerriModel(big, engine='numba')\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    engine, refused = done.stdout.splitlines()
    assert engine == "numpy | auto: numba cannot be imported (Numba needs NumPy 2.2 or less)"
    assert refused == (
        "engine=numba: engine 'numba' asked for but numba cannot be imported "
        "(Numba needs NumPy 2.2 or less); use engine 'numpy'"
    )
