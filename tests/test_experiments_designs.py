"""Designs and seeds: counts, determinism, stratification, independence from the engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terrisim.experiments.designs import count_points, design_points
from terrisim.experiments.seeds import run_id, run_seed
from terrisim.experiments.spec import parse_experiment


def experiment(design, factors, seed=3):
    return parse_experiment(
        {"name": "d", "seed": seed, "scenario": "s.toml", "design": design, "factors": factors}
    )


RANGES = {"a": {"range": [0.0, 1.0]}, "b": {"range": [10, 20], "type": "int"}}


def test_grid_is_the_full_factorial_in_file_order():
    exp = experiment(
        {"method": "grid"}, {"a": {"levels": [1, 2]}, "b": {"levels": ["x", "y", "z"]}}
    )
    points = design_points(exp)
    assert len(points) == count_points(exp) == 6
    assert points[0] == {"a": 1, "b": "x"} and points[1] == {"a": 1, "b": "y"}
    assert {(p["a"], p["b"]) for p in points} == {(a, b) for a in (1, 2) for b in "xyz"}


def test_list_design_keeps_the_points_in_order():
    exp = parse_experiment(
        {
            "name": "l",
            "seed": 1,
            "scenario": "s",
            "design": {"method": "list", "points": [{"a": 2, "b": {"x": 1}}, {"a": 1, "b": {}}]},
        }
    )
    assert design_points(exp) == [{"a": 2, "b": {"x": 1}}, {"a": 1, "b": {}}]


def test_lhs_puts_exactly_one_point_in_each_stratum_of_each_factor():
    exp = experiment({"method": "lhs", "samples": 20}, {"a": {"range": [0.0, 2.0]}})
    a = np.array([p["a"] for p in design_points(exp)])
    strata = np.floor(a / 2.0 * 20).astype(int)
    assert sorted(strata) == list(range(20))


def test_lhs_samples_levels_and_rounds_integer_factors():
    exp = experiment(
        {"method": "lhs", "samples": 30},
        {"rule": {"levels": ["p", "q", "r"]}, "n": {"range": [1, 5], "type": "int"}},
    )
    points = design_points(exp)
    assert {p["rule"] for p in points} == {"p", "q", "r"}
    assert all(isinstance(p["n"], int) and 1 <= p["n"] <= 5 for p in points)


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ({"method": "sobol", "samples": 8}, 8 * (2 + 2)),
        ({"method": "sobol", "samples": 8, "second_order": True}, 8 * (2 * 2 + 2)),
        ({"method": "morris", "trajectories": 5}, 5 * (2 + 1)),
    ],
)
def test_salib_designs_have_the_documented_size_and_stay_in_range(design, expected):
    exp = experiment(design, RANGES)
    points = design_points(exp)
    assert len(points) == count_points(exp) == expected
    assert all(0.0 <= p["a"] <= 1.0 and 10 <= p["b"] <= 20 for p in points)


@pytest.mark.parametrize(
    "design",
    [
        {"method": "lhs", "samples": 10},
        {"method": "sobol", "samples": 4},
        {"method": "morris", "trajectories": 4},
    ],
)
def test_sampled_designs_are_reproducible_and_depend_on_the_root_seed(design):
    assert design_points(experiment(design, RANGES)) == design_points(experiment(design, RANGES))
    assert design_points(experiment(design, RANGES)) != design_points(
        experiment(design, RANGES, seed=4)
    )


def test_run_ids_are_stable_and_sortable():
    assert run_id(12, 3) == "p000012r03"
    assert run_id(2, 0) < run_id(10, 0)


@given(st.integers(0, 2**63 - 1), st.integers(0, 10_000), st.integers(0, 500))
def test_run_seed_depends_only_on_root_point_and_replicate(root, point, rep):
    s = run_seed(root, point, rep)
    assert s == run_seed(root, point, rep)
    assert 0 <= s < 2**63
    assert s != run_seed(root, point, rep + 1)
    assert s != run_seed(root, point + 1, rep)


def test_common_random_numbers_share_seeds_across_points():
    assert run_seed(5, 0, 1, common_random_numbers=True) == run_seed(
        5, 9, 1, common_random_numbers=True
    )
    assert run_seed(5, 0, 1, common_random_numbers=True) != run_seed(
        5, 0, 2, common_random_numbers=True
    )
