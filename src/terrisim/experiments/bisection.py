"""Threshold search by bisection over runs (``method = "bisection"``), e.g. the collapse threshold.

The collapse threshold is the smallest shock magnitude after which the system no longer
recovers: ecological resilience (Holling 1973). For every combination of the grid factors, the
searched value is bisected exactly as :func:`terrisim.metrics.collapse_threshold` does, but the
searches advance together, one round at a time, so each round's runs (replicates x searches)
execute in parallel:

* round 0 evaluates ``low`` and ``high``: a search whose ``low`` does not recover stops
  ("below low"), one whose ``high`` still recovers stops ("above high");
* every later round evaluates the midpoint of each open bracket ``(lo, hi]`` and keeps the half
  where the change happens, until ``hi - lo <= tol``; the threshold is ``hi``.

A value *recovers* when at least ``share`` of its replicates have a true ``outcome``. The plan
is a pure function of the results on disk, so the point numbers (and run ids) are stable and a
killed search resumes where it stopped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from terrisim.experiments.spec import BisectionDesign, Experiment, ExperimentError


@dataclass
class Search:
    """One threshold search (one combination of the grid factors).

    Attributes:
        combo: Values of the grid factors.
        lo: Highest value known to recover.
        hi: Lowest value known not to recover.
        status: ``running``, ``found``, ``below_low``, ``above_high`` or ``failed``.
        evaluations: ``(value, share of replicates that recovered)`` in evaluation order.
    """

    combo: dict[str, Any]
    lo: float
    hi: float
    status: str = "running"
    evaluations: list[tuple[float, float]] = field(default_factory=list)

    @property
    def threshold(self) -> float | None:
        """The threshold found (``hi``), or None if the search did not bracket one."""
        return self.hi if self.status == "found" else None


def grid_combinations(experiment: Experiment) -> list[dict[str, Any]]:
    """Full factorial of the grid factors of a bisection (``[{}]`` when there are none)."""
    names = list(experiment.factors)
    levels = [experiment.factors[n].levels or [] for n in names]
    return [dict(zip(names, c, strict=True)) for c in itertools.product(*levels)]


def max_points(experiment: Experiment) -> int:
    """Most design points a bisection can take: searches x (2 + bisection steps)."""
    design = experiment.design
    assert isinstance(design, BisectionDesign)
    return len(grid_combinations(experiment)) * (2 + design.steps)


def plan(
    experiment: Experiment, share_of: Callable[[int], float | None]
) -> tuple[list[dict[str, Any]], list[int], list[Search]]:
    """Replay the searches on the results known so far and say which points come next.

    Args:
        experiment: A bisection experiment.
        share_of: For a design point, the share of its replicates that recovered; None while
            some of its replicates are not done; NaN if every replicate failed.

    Returns:
        ``(points, pending, searches)``: every design point so far (factor values, in point
        order), the points of the current round still to be run (empty when all searches are
        over), and the searches.
    """
    design = experiment.design
    assert isinstance(design, BisectionDesign)
    searches = [Search(c, design.low, design.high) for c in grid_combinations(experiment)]
    points: list[dict[str, Any]] = []

    def add(search: Search, value: float) -> int:
        points.append({**search.combo, design.factor: value})
        return len(points) - 1

    round_points = []
    for s in searches:
        round_points += [(s, "low", add(s, design.low)), (s, "high", add(s, design.high))]
    while round_points:
        pending = [i for _, _, i in round_points if share_of(i) is None]
        if pending:
            return points, pending, searches
        for s, role, i in round_points:
            share = share_of(i)
            assert share is not None
            value = float(points[i][design.factor])
            s.evaluations.append((value, share))
            if s.status != "running":
                continue
            if math.isnan(share):
                s.status = "failed"
                continue
            recovers = share >= design.share
            if role == "low" and not recovers:
                s.status = "below_low"
            elif role == "high" and recovers:
                s.status = "above_high"
            elif role == "mid":
                s.lo, s.hi = (value, s.hi) if recovers else (s.lo, value)
        round_points = []
        for s in searches:
            if s.status != "running":
                continue
            if s.hi - s.lo <= design.tol:
                s.status = "found"
            else:
                round_points.append((s, "mid", add(s, (s.lo + s.hi) / 2.0)))
    return points, [], searches


def _truthy(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def shares_from_results(df: pd.DataFrame, experiment: Experiment) -> Callable[[int], float | None]:
    """The ``share_of`` function of :func:`plan`, read from a results frame.

    Args:
        df: Results (from :func:`terrisim.experiments.analysis.load_results` or the store).
        experiment: The bisection experiment.

    Returns:
        A function of the design point.

    Raises:
        ExperimentError: The outcome is not an indicator of the successful runs.
    """
    design = experiment.design
    assert isinstance(design, BisectionDesign)
    if df.empty:
        return lambda point: None
    ok = df[df["status"] == "ok"]
    if len(ok) and design.outcome not in df.columns:
        indicators = [c for c in df.columns if c not in ok.columns[:8]]
        raise ExperimentError(
            f"design.outcome = {design.outcome!r}: not an indicator of the runs; "
            f"available: {', '.join(indicators[:40])}"
        )
    counts = df.groupby("point").size().to_dict()
    recovered = ok[design.outcome].map(_truthy) if len(ok) else pd.Series(dtype=bool)
    shares = recovered.groupby(ok["point"]).mean().to_dict() if len(ok) else {}

    def share_of(point: int) -> float | None:
        if counts.get(point, 0) < experiment.replicates:
            return None
        return float(shares.get(point, math.nan))

    return share_of


def threshold_table(df: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """One row per search: grid factor values, status, threshold and final bracket.

    Args:
        df: Results of a bisection experiment.
        experiment: The experiment.

    Returns:
        Columns: the grid factors, ``status``, ``threshold``, ``lo``, ``hi``, ``evaluations``.
    """
    _, pending, searches = plan(experiment, shares_from_results(df, experiment))
    rows = []
    for s in searches:
        status = s.status if not (pending and s.status == "running") else "unfinished"
        rows.append(
            {
                **{n: experiment.factors[n].label(v) for n, v in s.combo.items()},
                "status": status,
                "threshold": s.threshold,
                "lo": s.lo,
                "hi": s.hi,
                "evaluations": len(s.evaluations),
            }
        )
    return pd.DataFrame(rows)
