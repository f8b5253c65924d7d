"""Collapse threshold of the model: the smallest shock it no longer recovers from (docs/shocks.md).

Ecological resilience (Holling 1973) is the size of the disturbance a system can absorb before
it flips to another regime. :func:`collapse_threshold_for` measures it on the model: it runs a
scenario with one shock whose magnitude varies, judges after each run whether the chosen
performance series (population-weighted satisfaction by default) came back within the
tolerance band of its pre-shock level by the end of the shock's analysed window (as the run
summary does, ``terrisim.summary.shock_resilience``), and finds by bisection
(:func:`terrisim.metrics.collapse_threshold`) the smallest magnitude after which it does not.

With ``reference="counterfactual"`` the series is judged against the same seed's run without
the shock instead of its pre-shock level: a trend the model follows anyway (the first steps'
spin-up, slow drifts under an institution) then no longer counts as a failure to recover.

With several seeds, a magnitude counts as *recovered* when at least ``quorum`` of the seeds
recover (default one half: the threshold is then the median one). The same seeds are used at
every magnitude (common random numbers), so each seed's outcome is a deterministic function of
the magnitude and the bisection does not chase noise.

Example::

    from terrisim.collapse import collapse_threshold_for
    result = collapse_threshold_for("configs/demo.toml", "drought", permanent=True, seeds=3)
    print(result.status, result.threshold)
    result.runs        # one row per run: magnitude, seed, recovered, resistance...
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from terrisim.metrics import collapse_threshold, resilience_report
from terrisim.model import TerriModel
from terrisim.scenario.loading import apply_overrides, load_scenario
from terrisim.scenario.schema import Scenario
from terrisim.shocks import ShockSchedule, resolve_kind
from terrisim.summary import (
    RESILIENCE_TOLERANCE,
    RESILIENCE_WINDOW,
    report_record,
    shock_resilience,
)

__all__ = [
    "CollapseResult",
    "CollapseSearch",
    "collapse_threshold_for",
    "recovery_curve",
    "shock_table",
]

#: Outcome of the search (as in the sweeps' bisection design): threshold found; no recovery
#: already at ``low``; recovery still at ``high``.
STATUSES = ("found", "below_low", "above_high")
_RUN_KEYS = (
    "recovered",
    "recovery_time",
    "resistance",
    "resilience_loss",
    "normalised_resilience_loss",
    "baseline",
)


@dataclass
class CollapseResult:
    """What :func:`collapse_threshold_for` found.

    Attributes:
        threshold: The smallest magnitude observed *not* to recover, with
            ``m* <= threshold < m* + tol`` for the true threshold ``m*`` (``status ==
            "found"``); ``None`` otherwise.
        status: ``"found"``; ``"above_high"`` (the system recovers even at ``high``: the
            threshold is above it); ``"below_low"`` (it does not recover at ``low``).
        last_recovered: The largest magnitude observed to recover (``None`` if none).
        low: Lower end of the search bracket.
        high: Upper end of the search bracket.
        tol: Width of the final bracket.
        shock: The ``[[shocks]]`` table used (its magnitude is what varies).
        series: The performance series judged.
        tolerance: Relative tolerance of the recovery band.
        reference: ``"pre_shock"`` or ``"counterfactual"`` (what recovery is judged against).
        quorum: Share of seeds that must recover for a magnitude to count as recovered.
        seeds: The seeds (the same at every magnitude).
        steps: Steps per run.
        monotone: Whether the outcomes are consistent with one threshold (no magnitude
            recovered above one that did not).
        evaluations: One row per magnitude tried, in order: ``magnitude``,
            ``recovered_share``, ``recovers``.
        runs: One row per run: ``magnitude``, ``seed``, ``recovered``, ``recovery_time``,
            ``resistance``, ``resilience_loss``, ``normalised_resilience_loss``,
            ``baseline``, ``seconds``.
        seconds: Wall-clock time of the search.
        note: Why the search could not bracket a threshold, when it can say (``None``
            otherwise).
    """

    threshold: float | None
    status: str
    last_recovered: float | None
    low: float
    high: float
    tol: float
    shock: dict[str, Any]
    series: str
    tolerance: float
    reference: str
    quorum: float
    seeds: list[int]
    steps: int
    monotone: bool
    evaluations: pd.DataFrame = field(repr=False)
    runs: pd.DataFrame = field(repr=False)
    seconds: float = 0.0
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the runs; ``evaluations`` as a list of records)."""
        out = {
            k: getattr(self, k)
            for k in (
                "threshold",
                "status",
                "last_recovered",
                "low",
                "high",
                "tol",
                "shock",
                "series",
                "tolerance",
                "reference",
                "quorum",
                "seeds",
                "steps",
                "monotone",
                "seconds",
                "note",
            )
        }
        out["runs"] = len(self.runs)
        out["evaluations"] = self.evaluations.to_dict(orient="records")
        return out


def shock_table(
    scenario: Scenario,
    shock: str | int | Mapping[str, Any] = "drought",
    *,
    at: int | None = None,
    duration: int | None = None,
    permanent: bool | None = None,
) -> tuple[dict[str, Any], int | None]:
    """The ``[[shocks]]`` table whose magnitude the search varies.

    Args:
        scenario: The scenario.
        shock: A kind name (the scenario's first scheduled table of that kind, or a new one
            on all territories), an index into ``scenario.shocks``, or a whole table.
        at: First step affected (replaces the table's; default for a new table:
            ``max(2, steps // 3)``).
        duration: Steps affected (replaces the table's, makes it non-permanent).
        permanent: Make the shock permanent (or not).

    Returns:
        ``(table, index)``: the table (validated, without ``magnitude``) and its index in
        ``scenario.shocks`` (``None`` if it is not one of the scenario's).

    Raises:
        ValueError: an index out of range, a random (``frequency``) table, or an invalid table.
    """
    tables = [s.model_dump() for s in scenario.shocks]
    index: int | None = None
    if isinstance(shock, Mapping):
        table = dict(shock)
    elif isinstance(shock, int) and not isinstance(shock, bool):
        if not 0 <= shock < len(tables):
            raise ValueError(f"shock={shock}: the scenario has {len(tables)} [[shocks]] tables")
        index, table = shock, dict(tables[shock])
    else:
        found = [i for i, t in enumerate(tables) if t.get("kind") == shock and "at" in t]
        if found:
            index, table = found[0], dict(tables[found[0]])
        else:
            table = {"kind": str(shock), "at": max(2, scenario.steps // 3)}
    if "frequency" in table and at is None:
        raise ValueError(
            f"shock {table.get('kind')!r} is random (frequency): give at= to "
            "schedule it at a fixed step for the search"
        )
    table.pop("frequency", None)
    if at is not None:
        table["at"] = int(at)
    if duration is not None:
        table["duration"] = int(duration)
        table.pop("permanent", None)
    if permanent is not None:
        table["permanent"] = bool(permanent)
        if permanent:
            table.pop("duration", None)
    table.pop("magnitude", None)
    try:
        ShockSchedule(**table)  # same validation as the model's, early
    except ValueError as exc:
        raise ValueError(f"invalid shock table {table}: {exc}") from None
    resolve_kind(table["kind"], "shock.kind", table.get("params"))
    return table, index


def _seeds(scenario: Scenario, seeds: int | Sequence[int] | None) -> list[int]:
    if seeds is None:
        return [scenario.seed]
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds={seeds}: need at least one seed")
        from terrisim.experiments.seeds import run_seed

        return [run_seed(scenario.seed, 0, r, common_random_numbers=True) for r in range(seeds)]
    out = [int(s) for s in seeds]
    if not out:
        raise ValueError("seeds: the list is empty")
    return out


@dataclass(frozen=True)
class CollapseSearch:
    """How :func:`collapse_threshold_for` searches and judges (every option of the search).

    Attributes:
        low: A magnitude expected to recover (checked).
        high: A magnitude expected not to recover (checked).
        tol: Width of the final bracket, in magnitude units.
        seeds: Seeds: a list, a number of seeds (derived from the scenario's seed as sweep
            replicates with common random numbers), or None for the scenario's seed.
        steps: Steps per run (default: the scenario's).
        at: First step of the shock (replaces the table's).
        duration: Steps the shock lasts (replaces the table's).
        permanent: Whether the shock is permanent (replaces the table's).
        series: The series judged: ``satisfaction`` (default), ``satisfaction_class_urban``,
            ``satisfaction_class_rural``, ``satisfaction_<kind>`` or any numeric series column
            (higher is better).
        tolerance: Relative tolerance of the recovery band (default that of the summary).
        window: Pre-shock steps averaged into the pre-shock level (at most).
        quorum: Share of seeds that must recover, in (0, 1].
        reference: What the series must come back to: ``"pre_shock"`` (default, as the run
            summary: the mean of the steps before the shock) or ``"counterfactual"``: the
            same seed's run without the shock (magnitude 0), step by step. The indicators of
            the runs' log are then those of the ratio shocked / counterfactual (baseline 1),
            so a trend the model follows anyway (spin-up, slow drifts of trust or budgets) is
            not mistaken for a failure to recover.
        keep_other_shocks: Keep the scenario's other shocks (default: the shock is run alone).
        overrides: Dotted-path overrides applied to the scenario first
            (:func:`terrisim.apply_overrides`), e.g. a governance rule.
        max_iter: Maximum bisection steps.

    Raises:
        ValueError: an unknown ``reference``, a ``quorum`` outside (0, 1], a bracket outside
            ``0 <= low < high <= 1``.
    """

    low: float = 0.0
    high: float = 1.0
    tol: float = 0.02
    seeds: int | Sequence[int] | None = None
    steps: int | None = None
    at: int | None = None
    duration: int | None = None
    permanent: bool | None = None
    series: str = "satisfaction"
    tolerance: float = RESILIENCE_TOLERANCE
    window: int = RESILIENCE_WINDOW
    quorum: float = 0.5
    reference: Literal["pre_shock", "counterfactual"] = "pre_shock"
    keep_other_shocks: bool = False
    overrides: Mapping[str, Any] | None = None
    max_iter: int = 60

    def __post_init__(self) -> None:
        if self.reference not in ("pre_shock", "counterfactual"):
            raise ValueError(
                f"reference={self.reference!r}: allowed: 'pre_shock', 'counterfactual'"
            )
        if not 0.0 < self.quorum <= 1.0:
            raise ValueError(f"quorum={self.quorum}: must be in (0, 1]")
        if not (0.0 <= self.low < self.high <= 1.0):
            raise ValueError(
                f"need 0 <= low < high <= 1 (magnitudes), got low={self.low}, high={self.high}"
            )


def collapse_threshold_for(
    scenario: Scenario | str | Path | None = None,
    shock: str | int | Mapping[str, Any] = "drought",
    search: CollapseSearch | None = None,
    *,
    progress: Callable[[float, float, bool], None] | None = None,
    **options: Any,
) -> CollapseResult:
    """Find the smallest magnitude of a shock after which the model no longer recovers.

    One call of the criterion at magnitude ``m`` runs the scenario once per seed with the shock
    table's ``magnitude = m`` and counts a seed as recovered when ``series`` is back within
    ``tolerance`` (relative) of its pre-shock level at the end of the shock's analysed window
    (the end of the run, or the next shock's start with ``keep_other_shocks``); ``m`` recovers
    when the share of recovered seeds is at least ``quorum``. The bracket ``[low, high]`` is
    checked first (both ends run once), then bisected down to ``tol``: ``2 + ceil(log2((high -
    low) / tol))`` magnitudes, each costing ``len(seeds)`` runs.

    Recovery can only be seen after the shock ends: a finite shock must end at least one step
    before the end of the run. A permanent shock never ends, so its threshold is the largest
    lasting disturbance the system absorbs within the tolerance (by exchanges and budgets).

    Args:
        scenario: A Scenario, a TOML path, or None for the built-in demo.
        shock: The shock: a kind name, an index into the scenario's shocks, or a table (see
            :func:`shock_table`).
        search: The options of the search (:class:`CollapseSearch`; default: its defaults).
        progress: Called after each magnitude with ``(magnitude, recovered_share, recovers)``.
        **options: Fields of :class:`CollapseSearch` replacing those of ``search``, a
            shorthand: ``collapse_threshold_for(s, "drought", tol=0.05)`` is
            ``collapse_threshold_for(s, "drought", CollapseSearch(tol=0.05))``.

    Returns:
        A :class:`CollapseResult` (threshold, status, every evaluation and run).

    Raises:
        ValueError: invalid options, a shock at step 1 (no pre-shock level) or ending too
            late to observe a recovery, an unknown series.
        TypeError: an option that is not a field of :class:`CollapseSearch`.
        ScenarioError: an invalid scenario, override or shock table.
    """
    search = replace(search or CollapseSearch(), **options)
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if search.overrides:
        scenario = apply_overrides(scenario, dict(search.overrides))
    criterion = _Criterion(scenario, shock, search, progress)
    low, high, series = search.low, search.high, search.series
    threshold: float | None = None
    note = None
    if not criterion.recovers(low):
        status = "below_low"
        if low == 0.0 and search.reference == "pre_shock":
            note = (
                f"{series} does not come back within {search.tolerance:.0%} of its pre-shock "
                "level even without the shock (magnitude 0): it drifts on its own, e.g. "
                "the first steps' spin-up is in the pre-shock window; start the shock "
                "later, or use reference='counterfactual'"
            )
    elif criterion.recovers(high):
        status = "above_high"
        note = f"{series} recovers even at magnitude {high:g}: the threshold, if any, is above it"
    else:
        status = "found"
        threshold = collapse_threshold(
            criterion.recovers, low, high, tol=search.tol, max_iter=search.max_iter
        )
    evals = pd.DataFrame(
        criterion.evaluations, columns=["magnitude", "recovered_share", "recovers"]
    )
    ok = evals[evals["recovers"]]["magnitude"]
    failed = evals[~evals["recovers"]]["magnitude"]
    monotone = not (len(ok) and len(failed) and ok.max() > failed.min())
    return CollapseResult(
        threshold=threshold,
        status=status,
        last_recovered=float(ok.max()) if len(ok) else None,
        low=float(low),
        high=float(high),
        tol=float(search.tol),
        shock=criterion.table,
        series=series,
        tolerance=float(search.tolerance),
        reference=search.reference,
        quorum=float(search.quorum),
        seeds=criterion.seeds,
        steps=criterion.steps,
        monotone=bool(monotone),
        evaluations=evals,
        runs=pd.DataFrame(criterion.rows, columns=["magnitude", "seed", *_RUN_KEYS, "seconds"]),
        seconds=time.perf_counter() - started,
        note=note,
    )


class _Criterion:
    """Whether the model recovers from the shock at a magnitude (runs memoised, logged)."""

    def __init__(
        self,
        scenario: Scenario,
        shock: str | int | Mapping[str, Any],
        search: CollapseSearch,
        progress: Callable[[float, float, bool], None] | None,
    ) -> None:
        self.scenario, self.search, self.progress = scenario, search, progress
        self.steps = scenario.steps if search.steps is None else int(search.steps)
        table, index = shock_table(
            scenario, shock, at=search.at, duration=search.duration, permanent=search.permanent
        )
        start = int(table["at"])
        if start < 2:
            raise ValueError(
                f"the shock starts at step {start}: at least one step before it is "
                "needed for a pre-shock level (use at >= 2)"
            )
        length = ShockSchedule(**table).steps  # None: permanent
        last = None if length is None else start + length - 1
        if start > self.steps or (last is not None and last >= self.steps):
            raise ValueError(
                f"the shock (steps {start}..{last or 'end'}) must end before the last "
                f"step ({self.steps}) for a recovery to be observable: raise steps"
            )
        others = [s.model_dump() for i, s in enumerate(scenario.shocks) if i != index]
        self.table = table
        self.shocks = [*(others if search.keep_other_shocks else []), table]
        self.position = len(self.shocks) - 1  # our table's index in the runs' scenario
        self.seeds = _seeds(scenario, search.seeds)
        self.rows: list[dict[str, Any]] = []
        self.evaluations: list[dict[str, Any]] = []
        self.memo: dict[float, bool] = {}
        self.calm: dict[int, np.ndarray] = {}  # counterfactual series (magnitude 0) by seed

    def simulate(self, magnitude: float, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
        """One run: its series and the shock's record (window and pre-shock indicators)."""
        search, series = self.search, self.search.series
        runs = apply_overrides(
            self.scenario, {"shocks": [*self.shocks[:-1], {**self.table, "magnitude": magnitude}]}
        )
        model = TerriModel(runs, rng=seed, record_territories=False)
        model.run(self.steps)
        frame = model.recorder.series()
        if series not in frame:
            raise ValueError(
                f"series={series!r}: not a column of the series; e.g. "
                "satisfaction, satisfaction_class_urban, satisfaction_class_rural"
            )
        records = [
            r
            for r in shock_resilience(
                frame,
                model.shocks.history,
                tolerance=search.tolerance,
                window=search.window,
                columns={"": series},
            )
            if r.get("table") == self.position
        ]
        if not records or records[0]["reason"] is not None:
            why = records[0]["reason"] if records else "the shock did not start"
            raise ValueError(
                f"magnitude {magnitude:g}, seed {seed}: cannot judge the recovery: {why}"
            )
        return frame, records[0]

    def judge(self, magnitude: float, seed: int) -> dict[str, Any]:
        """One seed's outcome at ``magnitude`` (against its pre-shock level or the calm run)."""
        series = self.search.series
        frame, record = self.simulate(magnitude, seed)
        if self.search.reference == "pre_shock":
            return {k: record[k] for k in _RUN_KEYS}
        if seed not in self.calm:
            calm = frame if magnitude == 0.0 else self.simulate(0.0, seed)[0]
            self.calm[seed] = calm[series].to_numpy(float)
        y, calm = frame[series].to_numpy(float), self.calm[seed]
        ratio = np.divide(y, calm, out=np.full_like(y, np.nan), where=calm > 0)
        start = int(np.flatnonzero(frame["step"].to_numpy() == record["step"])[0])
        stop = start + int(record["analysed_steps"])
        if not np.all(np.isfinite(ratio[start:stop])):
            raise ValueError(
                f"magnitude {magnitude:g}, seed {seed}: the counterfactual "
                f"{series} is 0 or missing after the shock"
            )
        record = report_record(
            resilience_report(ratio, start, tolerance=self.search.tolerance, baseline=1.0, end=stop)
        )
        return {k: record[k] for k in _RUN_KEYS}

    def recovers(self, magnitude: float) -> bool:
        """Whether at least ``quorum`` of the seeds recover at ``magnitude``."""
        magnitude = float(magnitude)
        if magnitude in self.memo:
            return self.memo[magnitude]
        recovered = 0
        for seed in self.seeds:
            t0 = time.perf_counter()
            outcome = self.judge(magnitude, seed)
            recovered += bool(outcome["recovered"])
            self.rows.append(
                {
                    "magnitude": magnitude,
                    "seed": seed,
                    **outcome,
                    "seconds": time.perf_counter() - t0,
                }
            )
        share = recovered / len(self.seeds)
        self.memo[magnitude] = ok = share >= self.search.quorum
        self.evaluations.append({"magnitude": magnitude, "recovered_share": share, "recovers": ok})
        if self.progress is not None:
            self.progress(magnitude, share, ok)
        return ok


def recovery_curve(result: CollapseResult | pd.DataFrame) -> pd.DataFrame:
    """Per magnitude tried: share of seeds recovered, mean resistance and mean normalised loss.

    Args:
        result: A search result, or its ``runs`` table.

    Returns:
        One row per magnitude, sorted: ``magnitude``, ``recovered_share``,
        ``resistance_mean``, ``normalised_resilience_loss_mean``.
    """
    runs = result.runs if isinstance(result, CollapseResult) else result
    if not len(runs):
        return pd.DataFrame(
            columns=[
                "magnitude",
                "recovered_share",
                "resistance_mean",
                "normalised_resilience_loss_mean",
            ]
        )
    grouped = runs.astype({"recovered": float}).groupby("magnitude", sort=True)
    return pd.DataFrame(
        {
            "recovered_share": grouped["recovered"].mean(),
            "resistance_mean": grouped["resistance"].mean(),
            "normalised_resilience_loss_mean": grouped["normalised_resilience_loss"].mean(),
        }
    ).reset_index()
