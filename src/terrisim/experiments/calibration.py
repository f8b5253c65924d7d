"""Calibration against observed targets (``[design] method = "calibration"``).

A calibration fits the experiment's factors (each with a ``range``) to observed values of
run-level indicators: the patterns of ``docs/patterns.md``, figures from data, or the output
of a synthetic run at known values. It runs on the sweep machinery: the candidates an
optimizer proposes are design points, each run on the same ``replicates`` seeds (common random
numbers: the distance is then a deterministic function of the factors, so the optimizer does
not chase noise), on the local pool or Dask, into the crash-safe store of
:mod:`.store`, with the provenance of :mod:`.provenance` in ``experiment.json``.

The distance of a candidate is a weighted sum of squared scaled errors::

    d(theta) = sum_k w_k ((m_k(theta) - o_k) / s_k)^2

where ``m_k`` is the mean of indicator ``k`` over the replicates, ``o_k`` the observed value,
``w_k`` its weight and ``s_k`` its scale (default ``|o_k|``: relative errors). A candidate with
a failed run has an infinite distance. The optimizers are scipy's:

* ``differential_evolution`` (Storn and Price 1997): a population of ``popsize x D``
  candidates (Latin hypercube start) evolved generation by generation; each generation is one
  round of runs in parallel (``updating = "deferred"``), no gradient polish;
* ``nelder_mead``: the simplex method on the factors scaled to ``[0, 1]``, starting from
  ``start`` (default: the middle of the ranges) with a simplex of a quarter of each range;
  one candidate per round (its replicates run in parallel).

The optimizer is seeded from the root seed and the runs' results are a pure function of the
candidates, so a killed calibration resumes by replaying the optimizer on the stored runs (a
candidate already stored is not run again). ``DIR/calibration/result.json`` holds the best
candidate, its distance and indicators; ``DIR/calibration/trace.csv`` (and ``.parquet``) one
row per candidate evaluated.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from terrisim.experiments.seeds import design_seed
from terrisim.experiments.spec import CalibrationDesign, Experiment, ExperimentError, Target
from terrisim.experiments.store import (
    CALIBRATION,
    atomic_write_bytes,
    atomic_write_table,
    frame_table,
)

if TYPE_CHECKING:
    from terrisim.experiments.runner import PreparedSweep, _Session
    from terrisim.experiments.store import ResultStore

#: Sub-folder of the sweep directory with the calibration's result and trace.
FOLDER = CALIBRATION


def distance(simulated: Mapping[str, float], targets: Mapping[str, Target]) -> float:
    """The weighted sum of squared scaled errors of the simulated means against the targets.

    Args:
        simulated: Mean of each target indicator over a candidate's replicates.
        targets: The observed values, weights and scales.

    Returns:
        ``sum_k w_k ((simulated_k - observed_k) / scale_k)^2``; infinite when an indicator
        is missing or not a number.
    """
    total = 0.0
    for name, target in targets.items():
        value = simulated.get(name)
        if value is None or not math.isfinite(value):
            return math.inf
        total += target.weight * ((value - target.observed) / target.unit) ** 2
    return total


def observe(
    scenario: Any,
    values: Mapping[str, Any],
    outcomes: Iterable[str],
    seeds: Iterable[int],
    *,
    steps: int | None = None,
) -> dict[str, float]:
    """Synthetic targets: the mean of indicators over runs at known factor values.

    Args:
        scenario: A scenario file or a loaded scenario (the calibration's base).
        values: The known factor values (dotted paths), e.g. ``{"trust.initial": 0.65}``.
        outcomes: Run-level indicators to observe.
        seeds: The runs' seeds (best not those of the calibration's replicates).
        steps: Steps per run (default: the scenario's own).

    Returns:
        ``{indicator: mean over the seeds}``.
    """
    from terrisim import apply_overrides, load_scenario, run_scenario

    base = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    chosen = apply_overrides(base, dict(values)) if values else base
    names = list(outcomes)
    rows = []
    for seed in seeds:
        summary = run_scenario(
            chosen, steps=steps, seed=seed, record_territories=False, keep_model=False
        ).summary
        rows.append([float(summary[name]) for name in names])
    return dict(zip(names, np.mean(rows, axis=0).tolist(), strict=True))


@dataclass
class CalibrationResult:
    """What a calibration found.

    Attributes:
        best: The factor values of the candidate with the smallest distance.
        distance: Its distance (infinite if every candidate failed).
        simulated: Its mean indicators, by target.
        observed: The targets' observed values.
        evaluations: Candidates evaluated.
        runs: Runs those candidates took (candidates x replicates).
        rounds: Rounds of runs (generations of differential evolution, or candidates of
            Nelder-Mead).
        converged: Whether the optimizer met its tolerance (else it hit ``maxiter``).
        message: The optimizer's own message.
        optimizer: The optimizer's name.
        trace: One row per candidate: ``evaluation, round``, the factors, ``runs_ok``, the
            mean of each target (``sim.<name>``) and ``distance``.
    """

    best: dict[str, Any]
    distance: float
    simulated: dict[str, float]
    observed: dict[str, float]
    evaluations: int
    runs: int
    rounds: int
    converged: bool
    message: str
    optimizer: str
    trace: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The result without the trace, as written to ``result.json``."""
        return {
            "optimizer": self.optimizer,
            "best": self.best,
            "distance": self.distance if math.isfinite(self.distance) else None,
            "simulated": self.simulated,
            "observed": self.observed,
            "evaluations": self.evaluations,
            "runs": self.runs,
            "rounds": self.rounds,
            "converged": self.converged,
            "message": self.message,
        }

    def text(self) -> str:
        """A printable summary: best factors, distance, each target simulated vs observed."""
        state = "converged" if self.converged else "stopped at maxiter"
        head = (
            f"calibration ({self.optimizer}, {state}): {self.evaluations} candidates, "
            f"{self.runs} runs in {self.rounds} rounds; best distance {self.distance:.4g}"
        )
        lines = [head]
        lines.extend(f"  {name} = {value:.6g}" for name, value in self.best.items())
        lines.append("  target: simulated against observed")
        for name, observed in self.observed.items():
            sim = self.simulated.get(name, math.nan)
            lines.append(f"    {name:<32} {sim:>12.6g} {observed:>12.6g}")
        return "\n".join(lines)


class _Stop(Exception):  # noqa: N818 - not an error of its own: it carries one
    """Carries an error out of scipy's optimizer, which rewraps a ValueError of its map."""


class _Evaluations:
    """Runs the optimizer's candidates as design points and turns their runs into distances."""

    def __init__(self, prep: PreparedSweep, store: ResultStore, session: _Session) -> None:
        self.prep, self.store, self.session = prep, store, session
        exp = prep.experiment
        assert isinstance(exp.design, CalibrationDesign)
        self.targets = exp.design.targets
        self.names = exp.factor_names
        self.types = {name: exp.factors[name].type for name in self.names}
        self.done = store.completed_ids()
        self.seen: set[str] = set()
        self.by_point: dict[int, list[pd.DataFrame]] = {}
        self.columns: set[str] = set()
        self._read_new_parts()
        self.rows: list[dict[str, Any]] = []
        self.rounds = 0

    def _read_new_parts(self) -> None:
        """Add the runs of the parts not read yet (each part is read once)."""
        import pyarrow.parquet as pq

        assert self.store.runs is not None
        for part in self.store.runs.parts():
            if part.name in self.seen:
                continue
            self.seen.add(part.name)
            frame = pq.read_table(part).to_pandas()
            self.columns.update(c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]))
            for point, rows in frame.groupby("point"):
                self.by_point.setdefault(int(point), []).append(rows)

    def _values(self, x: Sequence[float]) -> dict[str, Any]:
        return {
            name: round(v) if self.types[name] == "int" else float(v)
            for name, v in zip(self.names, x, strict=True)
        }

    def __call__(self, candidates: Iterable[Sequence[float]]) -> list[float]:
        """Distances of the candidates (one round: their runs go to the engine together)."""
        try:
            return self._round(candidates)
        except (TypeError, ValueError) as err:
            raise _Stop(err) from err

    def _round(self, candidates: Iterable[Sequence[float]]) -> list[float]:
        prep = self.prep
        first = len(prep.points)
        prep.points.extend(self._values(x) for x in candidates)
        new = list(range(first, len(prep.points)))
        self.store.write_design([prep.columns(i) for i in range(len(prep.points))], self.names)
        tasks = [t for t in prep.tasks(new) if t.run_id not in self.done]
        if tasks:
            self.session.execute(tasks, len(tasks))
            self._read_new_parts()
        out = [self._distance(i) for i in new]
        self.rounds += 1
        return out

    def map(self, _func: Any, candidates: Iterable[Sequence[float]]) -> list[float]:
        """The ``workers`` map of differential evolution: one generation per call."""
        return self(candidates)

    def one(self, x: Sequence[float]) -> float:
        """The distance of one candidate (one round)."""
        return self([x])[0]

    def _distance(self, point: int) -> float:
        from terrisim.experiments.runner import SweepError

        values = self.prep.points[point]
        if point not in self.by_point:
            raise SweepError(f"candidate {point} has no runs stored")
        runs = pd.concat(self.by_point[point]).drop_duplicates("run_id", keep="last")
        for name, value in values.items():
            if (runs[name] != value).any():
                raise SweepError(
                    f"candidate {point}: the stored runs have {name} = {runs[name].iloc[0]}, "
                    f"the optimizer now proposes {value}; the sweep directory does not match "
                    "this calibration's replay (scipy changed?). Use another --out"
                )
        ok = runs[runs["status"] == "ok"]
        simulated: dict[str, float] = {}
        for name in self.targets:
            if name not in runs.columns:
                if len(ok):
                    raise ExperimentError(self._unknown(name))
                continue
            simulated[name] = float(pd.to_numeric(ok[name]).mean()) if len(ok) else math.nan
        complete = len(ok) == len(runs) == self.prep.experiment.replicates
        d = distance(simulated, self.targets) if complete else math.inf
        self.rows.append(
            {
                "evaluation": point,
                "round": self.rounds,
                **values,
                "runs_ok": len(ok),
                **{f"sim.{k}": v for k, v in simulated.items()},
                "distance": d,
            }
        )
        return d

    def _unknown(self, name: str) -> str:
        skip = {"run_id", "point", "replicate", "seed", "status", "error", "worker"}
        known = sorted(c for c in self.columns if c not in skip and c not in self.names)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (
            f"{self.prep.source}: design.targets.{name}: not a numeric indicator of the runs"
            f"{hint} (indicators: {', '.join(known)})"
        )


def _optimise(exp: Experiment, evaluate: _Evaluations) -> Any:
    """Run scipy's optimizer on the candidates' distances; its ``OptimizeResult``."""
    from scipy import optimize

    design = exp.design
    assert isinstance(design, CalibrationDesign)
    names = exp.factor_names
    lows = np.array([exp.factors[n].range[0] for n in names], dtype=float)  # type: ignore[index]
    highs = np.array([exp.factors[n].range[1] for n in names], dtype=float)  # type: ignore[index]
    rng = np.random.default_rng(design_seed(exp.seed))
    if design.optimizer == "differential_evolution":
        integers = [exp.factors[n].type == "int" for n in names]
        return optimize.differential_evolution(
            evaluate.one,
            bounds=list(zip(lows, highs, strict=True)),
            popsize=design.popsize,
            maxiter=design.maxiter,
            tol=design.tol,
            atol=design.atol,
            rng=rng,
            polish=False,
            init="latinhypercube",
            updating="deferred",
            workers=evaluate.map,
            integrality=integers if any(integers) else None,
        )
    width = highs - lows
    start = design.start or {}
    u0 = np.array(
        [
            (start[n] - lo) / w if n in start else 0.5
            for n, lo, w in zip(names, lows, width, strict=True)
        ]
    )
    simplex = [u0] + [
        np.where(np.arange(len(names)) == i, u0[i] + (0.25 if u0[i] <= 0.5 else -0.25), u0)
        for i in range(len(names))
    ]
    result = optimize.minimize(
        lambda u: evaluate.one(lows + np.clip(u, 0.0, 1.0) * width),
        u0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * len(names),
        options={
            "maxiter": design.maxiter,
            "maxfev": design.max_points(len(names)),
            "xatol": design.tol,
            "fatol": design.atol or design.tol,
            "initial_simplex": np.array(simplex),
        },
    )
    result.x = lows + np.clip(result.x, 0.0, 1.0) * width
    return result


def calibrate(prep: PreparedSweep, store: ResultStore, session: _Session) -> CalibrationResult:
    """Run a calibration design on the sweep's engine and store its result and trace.

    Called by :func:`terrisim.experiments.run_sweep` for ``method = "calibration"``.

    Args:
        prep: The prepared sweep (its ``points`` grow with the candidates).
        store: The open result store.
        session: The sweep's session (engine, progress, log).

    Returns:
        The best candidate and the trace (also in ``DIR/calibration/``).
    """
    exp = prep.experiment
    design = exp.design
    assert isinstance(design, CalibrationDesign)
    evaluate = _Evaluations(prep, store, session)
    try:
        outcome = _optimise(exp, evaluate)
    except _Stop as stop:
        raise stop.args[0] from None
    trace = pd.DataFrame(evaluate.rows)
    best_row = trace.loc[trace["distance"].idxmin()] if len(trace) else None
    best = {} if best_row is None else prep.points[int(best_row["evaluation"])]
    simulated = (
        {}
        if best_row is None
        else {k: float(best_row[f"sim.{k}"]) for k in design.targets if f"sim.{k}" in best_row}
    )
    result = CalibrationResult(
        best=dict(best),
        distance=float(best_row["distance"]) if best_row is not None else math.inf,
        simulated=simulated,
        observed={k: t.observed for k, t in design.targets.items()},
        evaluations=len(trace),
        runs=len(trace) * exp.replicates,
        rounds=evaluate.rounds,
        converged=bool(outcome.success),
        message=str(outcome.message),
        optimizer=design.optimizer,
        trace=trace,
    )
    write_result(store.directory, result)
    from terrisim.experiments.runner import log

    log.info("calibration: %s", result.text().replace("\n", "; "))
    return result


def write_result(directory: Path, result: CalibrationResult) -> Path:
    """Write ``result.json``, ``trace.csv`` and ``trace.parquet`` into ``DIR/calibration``.

    Args:
        directory: The sweep directory.
        result: The calibration's result.

    Returns:
        The folder written.
    """
    folder = Path(directory) / FOLDER
    folder.mkdir(exist_ok=True)
    blob = json.dumps(result.as_dict(), indent=2, default=str)
    atomic_write_bytes(folder / "result.json", blob.encode())
    atomic_write_bytes(folder / "trace.csv", result.trace.to_csv(index=False).encode())
    atomic_write_table(folder / "trace.parquet", frame_table(result.trace))
    return folder


def load_calibration(directory: str | Path) -> dict[str, Any]:
    """The result of a finished calibration (``DIR/calibration/result.json``).

    Args:
        directory: The sweep directory of a calibration.

    Returns:
        Best factors, distance, simulated and observed targets, counts, optimizer message.

    Raises:
        ExperimentError: No calibration result in ``directory``.
    """
    path = Path(directory) / FOLDER / "result.json"
    if not path.is_file():
        raise ExperimentError(
            f"{directory}: no {FOLDER}/result.json; run 'terrisim calibrate' on it first"
        )
    return json.loads(path.read_text())
