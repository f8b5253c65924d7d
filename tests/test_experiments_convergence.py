"""Convergence of Sobol indices: N/2 against N, bootstrap widths, S1 above ST."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from terrisim.experiments.convergence import (
    CHANGE_TOLERANCE,
    convergence_flags,
    convergence_warnings,
    sobol_convergence,
)

pytest.importorskip("SALib")
from SALib.sample import sobol as sobol_sample

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}


def ishigami(n: int) -> np.ndarray:
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=3)
    return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_the_first_half_of_the_saltelli_sample_is_a_design_that_estimates_the_same_indices():
    table = sobol_convergence(PROBLEM, ishigami(4096), seed=1).set_index("factor")
    assert table.attrs["samples"] == 4096
    # known values (Ishigami and Homma 1990), at N and at N/2
    for column in ("S1", "S1_half"):
        assert table[column].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.04)
    for column in ("ST", "ST_half"):
        assert table[column].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.04)
    assert (table["change"] <= CHANGE_TOLERANCE).all() and not table["s1_above_st"].any()
    assert convergence_warnings(table.reset_index(), "f") == []


def test_a_small_sample_is_reported_as_not_converged():
    table = sobol_convergence(PROBLEM, ishigami(16), seed=1)
    lines = convergence_warnings(table, "f")
    assert lines and lines[0].startswith("sobol of f: not converged:") and "samples" in lines[0]


def test_a_sample_too_small_to_halve_says_so():
    table = sobol_convergence(PROBLEM, ishigami(4), seed=1)
    assert table["S1_half"].isna().all()
    assert "too small to compare with N/2" in convergence_warnings(table, "f")[0]


def test_s1_above_st_is_flagged_only_beyond_both_intervals():
    table = pd.DataFrame(
        {
            "factor": ["apart", "overlapping"],
            "S1": [0.019, 0.019],
            "S1_conf": [0.004, 0.010],
            "ST": [0.005, 0.005],
            "ST_conf": [0.002, 0.006],
            "S1_half": [0.02, 0.02],
            "ST_half": [0.005, 0.005],
        }
    )
    table.attrs["samples"] = 128
    flagged = convergence_flags(table)
    assert flagged["s1_above_st"].tolist() == [True, False]
    lines = convergence_warnings(flagged, "trust")
    assert len(lines) == 1 and lines[0].startswith("sobol of trust: apart: S1 = 0.019 +- 0.004")
