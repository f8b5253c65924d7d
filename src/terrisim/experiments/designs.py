"""Sampling designs: which factor values each design point gets.

* ``grid``: full factorial of the factors' levels, in file order (the last factor varies fastest).
* ``list``: the explicit combinations of the file, in order.
* ``lhs``: a Latin hypercube of ``samples`` points (scipy ``qmc.LatinHypercube``): each factor's
  range is cut into ``samples`` equal strata and each stratum is sampled exactly once. Factors
  with ``levels`` get level ``floor(u * k)`` for a uniform ``u``.
* ``sobol``: Saltelli's extension of the Sobol sequence (SALib ``sample.sobol``), ``N (D + 2)``
  points, or ``N (2D + 2)`` with second-order indices (Saltelli et al. 2010).
* ``morris``: Morris trajectories (SALib ``sample.morris``), ``r (D + 1)`` points on a
  ``p``-level grid (Morris 1991; Campolongo et al. 2007).

Sampled designs are seeded from the experiment's root seed (:func:`.seeds.design_seed`), so the
same experiment file always gives the same points (ODD section 7, "Submodels").
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from terrisim.experiments.seeds import design_seed
from terrisim.experiments.spec import (
    BisectionDesign,
    CalibrationDesign,
    Experiment,
    GridDesign,
    LHSDesign,
    ListDesign,
    MorrisDesign,
    SobolDesign,
)
from terrisim.extras import require


def salib_problem(experiment: Experiment) -> dict[str, Any]:
    """The SALib problem definition of a Sobol or Morris experiment.

    Args:
        experiment: A validated experiment whose factors all have a ``range``.

    Returns:
        ``{"num_vars": D, "names": [...], "bounds": [[low, high], ...]}``.
    """
    names = experiment.factor_names
    bounds = []
    for name in names:
        factor = experiment.factors[name]
        if factor.range is None:
            raise ValueError(f"factor '{name}' has no range")
        bounds.append([float(factor.range[0]), float(factor.range[1])])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def unit_matrix(experiment: Experiment) -> np.ndarray | None:
    """The raw design matrix of a sampled design, before rounding integer factors.

    Args:
        experiment: A validated experiment.

    Returns:
        An array (points x factors) in the factors' own units, or None for grid and list.
    """
    design = experiment.design
    seed = design_seed(experiment.seed)
    if isinstance(design, SobolDesign):
        sobol = require("SALib.sample.sobol", "sweep", "a Sobol design")
        return sobol.sample(
            salib_problem(experiment),
            design.samples,
            calc_second_order=design.second_order,
            scramble=True,
            seed=seed,
        )
    if isinstance(design, MorrisDesign):
        morris = require("SALib.sample.morris", "sweep", "a Morris design")
        return morris.sample(
            salib_problem(experiment), design.trajectories, num_levels=design.levels, seed=seed
        )
    if isinstance(design, LHSDesign):
        from scipy.stats import qmc

        rng = np.random.default_rng(seed)
        return qmc.LatinHypercube(d=len(experiment.factors), rng=rng).random(design.samples)
    return None


def _to_value(name: str, experiment: Experiment, x: float, *, unit: bool) -> Any:
    factor = experiment.factors[name]
    if factor.levels is not None:
        k = len(factor.levels)
        return factor.levels[min(int(x * k), k - 1)]
    low, high = factor.range  # type: ignore[misc]
    value = low + x * (high - low) if unit else float(x)
    if factor.type == "int":
        return int(min(max(round(value), np.ceil(low)), np.floor(high)))
    return float(value)


def design_points(experiment: Experiment) -> list[dict[str, Any]]:
    """Every design point of the experiment, in a stable order.

    Args:
        experiment: A validated experiment.

    Returns:
        One dictionary ``{factor path: value}`` per design point. Point ``i`` of the list is
        design point ``i`` of the run ids and of the sensitivity analysis.
    """
    design = experiment.design
    names = experiment.factor_names
    if isinstance(design, ListDesign):
        return [{name: point[name] for name in names} for point in design.points]
    if isinstance(design, GridDesign):
        levels = [experiment.factors[n].levels or [] for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)]
    if isinstance(design, BisectionDesign | CalibrationDesign):
        raise ValueError(f"a {design.method}'s points depend on its results")
    matrix = unit_matrix(experiment)
    assert matrix is not None
    unit = isinstance(design, LHSDesign)
    return [
        {
            name: _to_value(name, experiment, x, unit=unit)
            for name, x in zip(names, row, strict=True)
        }
        for row in matrix
    ]


def count_points(experiment: Experiment) -> int:
    """Number of design points, without sampling them.

    Args:
        experiment: A validated experiment.

    Returns:
        The number of design points (runs = points x replicates); for a bisection or a
        calibration, the most it can take.
    """
    design = experiment.design
    d = len(experiment.factor_names)
    if isinstance(design, ListDesign):
        return len(design.points)
    if isinstance(design, GridDesign):
        return int(np.prod([len(experiment.factors[n].levels or []) for n in experiment.factors]))
    if isinstance(design, LHSDesign | SobolDesign | MorrisDesign):
        return _sampled_points(design, d)
    if isinstance(design, CalibrationDesign):
        return design.max_points(d)  # the most candidates the optimizer evaluates
    from terrisim.experiments.bisection import max_points

    return max_points(experiment)  # a bisection: the most it can take


def _sampled_points(design: LHSDesign | SobolDesign | MorrisDesign, d: int) -> int:
    """Points of a sampled design with ``d`` factors."""
    if isinstance(design, LHSDesign):
        return design.samples
    if isinstance(design, SobolDesign):
        return design.samples * (2 * d + 2 if design.second_order else d + 2)
    return design.trajectories * (d + 1)
