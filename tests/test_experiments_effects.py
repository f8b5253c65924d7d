"""Paired effects per level, within levels of another factor, interactions, Holm correction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from terrisim.experiments.effects import (
    effects_text,
    holm,
    interaction_effects,
    paired_differences,
    paired_test,
)

FACTORS = ["a", "b"]


def grid(interaction: float, *, seed_sd: float = 5.0, reps: int = 12) -> pd.DataFrame:
    """A 3 x 2 grid with common random numbers: y = a + interaction [a = 2 and b = y] + seed."""
    rng = np.random.default_rng(4)
    seed_effect = rng.normal(0.0, seed_sd, reps)
    rows = []
    point = 0
    for a in (0, 1, 2):
        for b in ("x", "y"):
            for r in range(reps):
                y = a + interaction * (a == 2 and b == "y") + seed_effect[r]
                rows.append(
                    {
                        "point": point,
                        "replicate": r,
                        "status": "ok",
                        "a": a,
                        "b": b,
                        "y": y + rng.normal(0.0, 0.05),
                    }
                )
            point += 1
    return pd.DataFrame(rows).sort_values(["replicate", "point"], kind="stable")


def test_holm_adjusts_p_values_as_the_textbook_example():
    # Holm (1979): sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, then running maximum
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    with_nan = holm([0.01, math.nan, 0.02])
    assert math.isnan(with_nan[1]) and with_nan[[0, 2]] == pytest.approx([0.02, 0.02])


def test_a_paired_test_has_the_t_interval_and_p_value():
    row = paired_test([0.1, 0.2, 0.3, 0.4])
    assert row["pairs"] == 4 and row["mean_diff"] == pytest.approx(0.25)
    half = 3.182446305284263 * np.std([0.1, 0.2, 0.3, 0.4], ddof=1) / 2.0
    assert row["ci_low"] == pytest.approx(0.25 - half)
    t = 0.25 / (np.std([0.1, 0.2, 0.3, 0.4], ddof=1) / 2.0)  # 3.87 on 3 degrees of freedom
    assert row["p"] == pytest.approx(2 * stats.t.sf(t, 3)) and row["p"] == pytest.approx(
        0.0305, abs=1e-4
    )
    assert paired_test([0.2, 0.2])["p"] == 0.0 and paired_test([0.0, 0.0])["p"] == 1.0
    assert math.isnan(paired_test([0.2])["p"])


def test_pairing_by_seed_removes_the_seed_noise_from_the_effect_of_each_level():
    table = paired_differences(grid(0.0), "a", ["y"], factors=FACTORS).set_index("level")
    assert table.loc["1", "mean_diff"] == pytest.approx(1.0, abs=0.05)
    assert table.loc["2", "ci_high"] - table.loc["2", "ci_low"] < 0.1  # seed sd is 5
    assert table["significant"].all() and (table["pairs"] == 24).all()
    assert (table["p_holm"] >= table["p"]).all()


def test_the_effect_of_a_level_is_given_within_each_level_of_another_factor():
    table = paired_differences(grid(2.0), "a", ["y"], by="b", factors=FACTORS)
    effect = table.set_index(["level", "group"])["mean_diff"]
    assert effect[("2", "x")] == pytest.approx(2.0, abs=0.05)
    assert effect[("2", "y")] == pytest.approx(4.0, abs=0.05)
    assert (table["pairs"] == 12).all()


def test_a_known_interaction_is_detected_and_its_absence_is_not():
    table = interaction_effects(grid(2.0), "a", "b", ["y"], factors=FACTORS)
    rows = table.set_index("level")
    assert rows.loc["2", "mean_diff"] == pytest.approx(2.0, abs=0.05)
    assert rows.loc["2", "ci_low"] < 2.0 < rows.loc["2", "ci_high"]
    assert rows.loc["2", "significant"]
    assert not rows.loc["1", "significant"]  # a = 1 adds the same at both levels of b
    none = interaction_effects(grid(0.0), "a", "b", ["y"], factors=FACTORS)
    assert not none["significant"].any()
    text = "\n".join(effects_text("interaction_a_x_b", table))
    assert "interaction a x b" in text and "2 at b = y" in text and "*" in text


def test_printed_effects_keep_significant_digits():
    df = grid(0.0, seed_sd=0.0)
    df["y"] = df["y"] * 1e-4  # a Gini-sized effect
    text = "\n".join(effects_text("paired_a", paired_differences(df, "a", ["y"], factors=FACTORS)))
    assert "+0.0001" in text and "0.000 " not in text
