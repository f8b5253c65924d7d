"""Whether Sobol indices have converged: the indices at N/2 and N, and S1 above ST.

SALib's Saltelli sample (``SALib.sample.sobol``) is written base point by base point: for
each of the ``N`` rows ``i`` of the base Sobol sequence it writes a block of ``D + 2`` rows
(``2 D + 2`` with second order): ``A_i``, the ``D`` rows ``AB_i^j``, (the ``BA_i^j``,) ``B_i``;
``SALib.analyze.sobol`` reads them back with that stride. The first ``N / 2`` blocks are
therefore a complete Saltelli design of size ``N / 2`` (the first half of a Sobol sequence,
itself balanced), and :func:`sobol_convergence` analyses it beside the whole.

An estimate has *converged* (this project's criterion, documented in docs/experiments.md) when
every index moved by at most :data:`CHANGE_TOLERANCE` between ``N / 2`` and ``N`` and every
95 % bootstrap half-width (``S1_conf``, ``ST_conf``) is at most :data:`CONF_TOLERANCE`.
``S1 <= ST`` holds for the true indices (the total effect contains the first-order one); an
estimate with ``S1 - S1_conf > ST + ST_conf`` (intervals apart) says the sample is too small
for that factor.

Reference: Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
Design and estimator for the total sensitivity index. *Computer Physics Communications*,
181(2), 259-270.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.formatting import sig
from terrisim.extras import require

#: Largest change of an index between N/2 and N for it to count as converged.
CHANGE_TOLERANCE = 0.05
#: Largest 95 % bootstrap half-width of an index for it to count as converged.
CONF_TOLERANCE = 0.10
#: Smallest N whose half is analysed (SALib's bootstrap needs a few base points).
MIN_SAMPLES = 8


def _analyze(problem: dict[str, Any], y: np.ndarray, second_order: bool, seed: int) -> Any:
    sobol = require("SALib.analyze.sobol", "sweep", "Sobol indices")
    return sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)


def sobol_convergence(
    problem: dict[str, Any], y: np.ndarray, *, second_order: bool = False, seed: int = 0
) -> pd.DataFrame:
    """S1 and ST with their 95 % half-widths, at N and at N/2, and the flags.

    Args:
        problem: The SALib problem (``names``, ``bounds``, ``num_vars``).
        y: One value per design point, in the order of SALib's sample.
        second_order: The design has the second-order rows.
        seed: Seed of SALib's bootstrap.

    Returns:
        One row per factor: ``factor, S1, S1_conf, ST, ST_conf`` (all N base points),
        ``S1_half, ST_half`` (the first N/2; NaN when N < :data:`MIN_SAMPLES`),
        ``change`` (the larger of ``|S1 - S1_half|`` and ``|ST - ST_half|``) and
        ``s1_above_st`` (``S1 - S1_conf > ST + ST_conf``).
    """
    d = problem["num_vars"]
    step = 2 * d + 2 if second_order else d + 2
    n = len(y) // step
    full = _analyze(problem, y, second_order, seed)
    table = pd.DataFrame(
        {
            "factor": problem["names"],
            "S1": full["S1"],
            "S1_conf": full["S1_conf"],
            "ST": full["ST"],
            "ST_conf": full["ST_conf"],
        }
    )
    if n >= MIN_SAMPLES:
        half = _analyze(problem, y[: (n // 2) * step], second_order, seed)
        table["S1_half"], table["ST_half"] = half["S1"], half["ST"]
    else:
        table["S1_half"] = table["ST_half"] = math.nan
    table.attrs["samples"] = n
    return convergence_flags(table)


def convergence_flags(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``change`` and ``s1_above_st`` to a table of S1, ST, their half-widths and halves.

    Args:
        table: Columns ``S1, S1_conf, ST, ST_conf, S1_half, ST_half``.

    Returns:
        ``table`` with ``change = max(|S1 - S1_half|, |ST - ST_half|)`` and
        ``s1_above_st = S1 - S1_conf > ST + ST_conf``.
    """
    table["change"] = np.maximum(
        (table["S1"] - table["S1_half"]).abs(), (table["ST"] - table["ST_half"]).abs()
    )
    table["s1_above_st"] = (table["S1"] - table["S1_conf"]) > (table["ST"] + table["ST_conf"])
    return table


def convergence_warnings(table: pd.DataFrame, outcome: str) -> list[str]:
    """Warning lines for indices that have not converged or have S1 above ST.

    Args:
        table: Output of :func:`sobol_convergence`.
        outcome: The outcome (named in the lines).

    Returns:
        The lines (without a ``warning:`` prefix); none when converged.
    """
    n = table.attrs.get("samples", "?")
    lines = []
    change = float(table["change"].max())
    conf = float(np.nanmax(table[["S1_conf", "ST_conf"]].to_numpy(float)))
    problems = []
    if math.isnan(change):
        problems.append(f"N = {n} is too small to compare with N/2 (at least {MIN_SAMPLES})")
    elif change > CHANGE_TOLERANCE:
        worst = table.loc[table["change"].idxmax(), "factor"]
        problems.append(
            f"indices moved by up to {sig(change)} between N/2 = {n // 2} and N = {n} "
            f"({worst}; tolerance {sig(CHANGE_TOLERANCE)})"
        )
    if conf > CONF_TOLERANCE:
        problems.append(
            f"the widest 95 % half-width is {sig(conf)} (tolerance {sig(CONF_TOLERANCE)})"
        )
    if problems:
        lines.append(
            f"sobol of {outcome}: not converged: {'; '.join(problems)}; raise [design] samples"
        )
    for _, r in table[table["s1_above_st"]].iterrows():
        lines.append(
            f"sobol of {outcome}: {r['factor']}: S1 = {sig(r['S1'])} +- {sig(r['S1_conf'])} "
            f"exceeds ST = {sig(r['ST'])} +- {sig(r['ST_conf'])} beyond their 95 % intervals "
            f"(impossible for the true indices): N = {n} is too small for this factor"
        )
    return lines
