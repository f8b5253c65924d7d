"""The effects of docs/governance.md: printed as measured, and still measured.

``docs/governance_effects.json`` is written by ``python -m terrisim.experiments.governance_effects``.
The first test reads no model: every row of the JSON file (the effects' medians, mean paired
difference with its 95 % interval and seeds in the claimed direction; the contracts' renewal
counts) must be printed in docs/governance.md. The second measures everything again (about
30 s of CPU) and fails when any figure moved: regenerate the file and the tables then.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from terrisim.experiments import governance_effects as ge


def test_every_row_of_governance_effects_json_is_printed_in_governance_md():
    text = (ge.DOCS / "governance.md").read_text(encoding="utf-8")
    data = json.loads(ge.EFFECTS_FILE.read_text())
    rows = [e["row"] for e in data["effects"].values()] + [
        r["row"] for r in data["renewal"].values()
    ]
    assert len(data["effects"]) >= 10 and len(data["renewal"]) == 2
    assert [row for row in rows if row not in text] == []
    assert data["command"] in text


def test_an_effect_is_the_mean_paired_difference_with_its_t_interval_and_sign_count():
    effect = ge.Effect("x", "lower", 2)
    without, with_ = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 1.0, 3.5, 3.0])
    m = ge.Measured.of(effect, without, with_)
    diff = with_ - without  # -0.5, -1, +0.5, -1
    half = 3.182446305284263 * diff.std(ddof=1) / 2.0  # t(0.975, 3) s / sqrt(4)
    assert m.diff == pytest.approx(-0.5) and m.high == pytest.approx(-0.5 + half)
    assert (m.without, m.with_, m.agree, m.seeds) == (2.5, 2.0, 3, 4)
    assert m.row(effect) == "| x | 2.50 | 2.00 | -0.50 [-1.63, +0.63] | 3/4 |"


def test_a_moved_figure_is_reported_and_an_identical_one_is_not():
    old = {"effects": {"a": {"diff": 0.1, "row": "r"}}, "renewal": {"c": {"counts": [1, 2]}}}
    same = json.loads(json.dumps(old))
    assert ge.differences(old, same) == []
    moved = json.loads(json.dumps(old))
    moved["effects"]["a"]["diff"] = 0.1 + 1e-6
    moved["renewal"]["c"]["counts"] = [1, 3]
    lines = ge.differences(old, moved)
    assert len(lines) == 2 and "diff 0.1 documented" in lines[0] and "[1, 2]" in lines[1]


@pytest.mark.slow
def test_the_documented_effects_are_measured_again_exactly():
    documented = json.loads(ge.EFFECTS_FILE.read_text())
    assert ge.differences(documented, ge.measure_all()) == []
