"""Running a scenario and writing its files: the ``run_scenario`` API (ODD 7.9, outputs).

Files written by :func:`write_run` into the output folder:

* ``series.parquet``: one row per step, model-level indicators;
* ``territories.parquet``: one row per recorded territory per step (``terrisim run`` streams
  them to the file step by step: ``run_scenario(..., territories_file=...)``);
* ``events.csv``: the narrative log (shocks and institutions, with step and text);
* ``summary.json``: run-level indicators; ``manifest.json``: the resolved scenario, the seed,
  versions of the package and its dependencies;
* ``summary.png``: satisfaction by kind, exchange volume by good, trust (shocks marked).
"""

from __future__ import annotations

import json
import platform
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim.files import naming
from terrisim.model import TerriModel
from terrisim.scenario.loading import ScenarioError, load_scenario
from terrisim.scenario.schema import Scenario
from terrisim.summary import equity_over_time, run_summary

DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "networkx", "matplotlib")


@dataclass
class RunResult:
    """What a run gives back.

    Attributes:
        series: One row per step, model-level indicators.
        territories: One row per recorded territory per step (None if not recorded).
        summary: Run-level indicators (flat dict).
        events: The narrative log as a DataFrame (step, kind, text_fr, text_en...).
        model: The model after the run (for inspection; not picklable across processes).
        territories_file: The Parquet file the per-territory records were streamed to, if
            ``run_scenario`` was given one (``territories`` is then None).
    """

    series: pd.DataFrame
    territories: pd.DataFrame | None
    summary: dict[str, Any]
    events: pd.DataFrame
    model: TerriModel | None = field(default=None, repr=False)
    territories_file: Path | None = None

    def territory_records(self) -> pd.DataFrame | None:
        """The per-territory records, kept in memory or read back from their streamed file."""
        if self.territories is None and self.territories_file is not None:
            return _read_records(self.territories_file)
        return self.territories

    def equity(self) -> pd.DataFrame:
        """Every equity indicator of the summary, per recorded step (``docs/metrics.md``).

        The series has ``gini`` and ``theil`` per step; this adds Theil T's decompositions,
        Theil L, Atkinson, Palma, maximin and the urban/rural ratio, from the per-territory
        records (:func:`terrisim.summary.equity_over_time`).

        Raises:
            ValueError: the run kept no per-territory records or no model.
        """
        territories = self.territory_records()
        if territories is None or self.model is None:
            raise ValueError(
                "equity(): needs per-territory records and the model "
                "(run_scenario(..., record_territories='all', keep_model=True))"
            )
        s = self.model.state
        ids = s.ids.astype(str)
        return equity_over_time(
            territories, pd.Series(s.population, index=ids), pd.Series(s.urban, index=ids)
        )


def check_run_length(scenario: Scenario, steps: int | None = None, what: str = "steps") -> None:
    """Refuse a run longer than a scenario file may ask for, or a shock after its last step.

    A scheduled shock is checked against the scenario's own ``steps`` only (``steps`` None):
    a file whose shock starts after its last step contradicts itself, while a shorter run
    asked for (``steps``, ``--steps 2`` of the demo) leaves a later shock out on purpose.

    Args:
        scenario: The scenario.
        steps: The run's steps (None: the scenario's ``steps``).
        what: What gave ``steps``, named in the message (``"--steps"`` for the command line).

    Raises:
        ScenarioError: ``steps`` above :data:`~terrisim.scenario.schema.MAX_STEPS`, or a
            scheduled shock's ``at`` after the scenario's last step (pointed at its line).
    """
    from terrisim.scenario.loading import locate_errors
    from terrisim.scenario.schema import MAX_STEPS
    from terrisim.shocks import check_schedule

    if steps is not None:
        if steps > MAX_STEPS:
            raise ScenarioError(
                f"{what}: at most {MAX_STEPS:,}, as in a scenario file (got {steps:,})"
            )
        return
    try:
        check_schedule([s.model_dump() for s in scenario.shocks], scenario.steps)
    except ScenarioError as exc:
        raise ScenarioError(locate_errors(scenario, str(exc))) from None


def run_scenario(
    scenario: Scenario | str | Path | None = None,
    *,
    steps: int | None = None,
    seed: int | None = None,
    record_territories: bool | str | None = None,
    keep_model: bool = True,
    territories_file: str | Path | None = None,
) -> RunResult:
    """Run a scenario and return its series, territories and summary as pandas objects.

    Args:
        scenario: A Scenario, a TOML path, or None for the demo.
        steps: Steps to run (default: the scenario's ``steps``).
        seed: Seed (default: the scenario's ``seed``).
        record_territories: Per-territory records: True/"all", False/"none", "sample";
            default: the scenario's ``output.territories``.
        keep_model: Keep the model in the result (set False in sweeps).
        territories_file: Write the per-territory records to this Parquet file step by step
            as they are collected instead of keeping them in memory (folder created if needed);
            ``RunResult.territories`` is then None. The summary reads them back only if it
            needs them (a shock, and every territory recorded at every step).

    Returns:
        A :class:`RunResult`.

    Raises:
        ScenarioError: an invalid scenario, ``steps < 1`` or above 100,000, ``seed < 0``, or
            a scheduled shock after the last step (:func:`check_run_length`).
    """
    if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 1):
        raise ScenarioError(f"steps: must be an integer >= 1 (got {steps!r})")
    if seed is not None and (isinstance(seed, bool) or int(seed) != seed or seed < 0):
        raise ScenarioError(f"seed: must be an integer >= 0 (got {seed!r})")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_run_length(scenario, steps)
    model = TerriModel(scenario, rng=seed, record_territories=record_territories)
    path = None if territories_file is None else Path(territories_file)
    if path is not None:
        model.recorder.stream_to(path)
    try:
        model.run(steps)
    finally:
        model.recorder.close()
    series = model.recorder.series()
    territories = model.recorder.territories()
    records = territories
    if path is not None and model.shocks.history and model.recorder.sample.size == model.state.n:
        records = _read_records(path)  # run_summary may use them (group resilience)
    events = pd.DataFrame(model.events)
    return RunResult(
        series,
        territories,
        run_summary(model, series, records),
        events,
        model if keep_model else None,
        territories_file=path,
    )


def _read_records(path: Path) -> pd.DataFrame | None:
    """Per-territory records streamed to ``path`` (None if no step was recorded)."""
    return pd.read_parquet(path) if path.is_file() else None


def versions() -> dict[str, str]:
    """Versions of Python, terrisim and its main dependencies."""
    found = {"python": platform.python_version()}
    for name in ("terrisim", *DEPENDENCIES):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def resolved_scenario(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict that runs again from anywhere (the manifest's).

    Every key is resolved (defaults included); the CSV files, given relative to the scenario
    file, become absolute paths, so that ``scenario_from_dict(manifest["scenario"])`` reads the
    same files wherever it is called from.
    """
    data = scenario.model_dump(mode="json")
    csv = scenario.territories.csv
    if csv is not None:
        files = data["territories"]["csv"]
        files["territories"] = str(scenario.resolve(csv.territories).resolve())
        if csv.links is not None:
            files["links"] = str(scenario.resolve(csv.links).resolve())
    return data


def write_run(
    result: RunResult, out: Path, scenario: Scenario, seed: int, figure: bool = True
) -> list[Path]:
    """Write a run's files into ``out`` (created if needed); return the paths written.

    The files are written in place, over any of the same name: ``terrisim run`` calls it on a
    fresh hidden folder that it then puts in place whole (:mod:`terrisim.run_folder`).

    Raises:
        OSError: A file could not be written (a full disk...); ``filename`` names it.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = [
        out / "series.parquet",
        out / "summary.json",
        out / "manifest.json",
        out / "events.csv",
    ]
    with naming(written[0]):
        result.series.to_parquet(written[0], index=False)
    territories = out / "territories.parquet"
    if result.territories is not None:
        with naming(territories):
            result.territories.to_parquet(territories, index=False)
        written.append(territories)
    elif result.territories_file is not None and result.territories_file.is_file():
        if not territories.exists() or not territories.samefile(result.territories_file):
            with naming(territories):
                shutil.copyfile(result.territories_file, territories)  # streamed elsewhere
        written.append(territories)
    with naming(written[1]):
        written[1].write_text(
            json.dumps(result.summary, indent=2, default=_json_default, allow_nan=True) + "\n"
        )
    manifest = {
        "scenario": resolved_scenario(scenario),
        "seed": seed,
        "steps": int(result.series["step"].max()) if len(result.series) else 0,
        "versions": versions(),
        "command": "terrisim run",
    }
    with naming(written[2]):
        written[2].write_text(json.dumps(manifest, indent=2, default=_json_default) + "\n")
    with naming(written[3]):
        result.events.to_csv(written[3], index=False)
    if figure:
        from terrisim.plots import summary_figure

        path = out / "summary.png"
        with naming(path):
            summary_figure(result, scenario.name).savefig(path, dpi=110)
        written.append(path)
    return written
