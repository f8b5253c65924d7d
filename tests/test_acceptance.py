"""Acceptance of ad hoc deals is smooth: no step that the reciprocity tolerance flips (ODD 7.4.3).

Before acceptance was smooth, urban-rural deals were feasible only when
``(1 - 0.25)(1 - 0.15) >= (1 - tau)^2``, i.e. ``tau >= 0.2016``: the demo's volume was 0.004
at ``tau = 0.200`` and 58.6 at ``tau = 0.205`` (issue 17 measured 0.01 and 90.2 on its
scenario), and a sensitivity analysis read that step as the tolerance explaining everything.
"""

from __future__ import annotations

import numpy as np

from terrisim.model import TerriModel
from terrisim.scenario import Scenario, apply_overrides

#: tau from 0.19 to 0.21 by 0.0025, across the old step at 0.2016
TOLERANCES = np.round(np.arange(0.19, 0.2101, 0.0025), 4)
SEEDS = (1, 2, 3)
#: the largest change of the mean volume allowed between two neighbouring tolerances, as a
#: share of the mean volume at tau = 0.21 (the old step was 100 % of it)
MAX_JUMP = 0.15


def mean_volume(tau: float, **exchange: float) -> float:
    """Units exchanged ad hoc per step, over 36 steps and the seeds (the demo)."""
    overrides = {"exchange.reciprocity_tolerance": float(tau), "steps": 36}
    overrides.update({f"exchange.{k}": v for k, v in exchange.items()})
    scenario = apply_overrides(Scenario(), overrides)
    total = 0.0
    for seed in SEEDS:
        model = TerriModel(scenario, rng=seed, record_territories=False)
        model.run()
        total += float(model.recorder.series()["volume_value_bilateral"].mean())
    return total / len(SEEDS)


def largest_jump(**exchange: float) -> tuple[float, float]:
    volume = np.array([mean_volume(tau, **exchange) for tau in TOLERANCES])
    return float(np.abs(np.diff(volume)).max()), float(volume[-1])


def test_volume_varies_continuously_as_the_tolerance_crosses_the_old_step() -> None:
    jump, top = largest_jump()
    assert top > 0
    assert jump <= MAX_JUMP * top, f"a jump of {jump:.2f} for a volume of {top:.2f}"


def test_a_near_threshold_acceptance_brings_the_step_back() -> None:
    # the same sweep with a very narrow acceptance (w = 0.0005): the test above would fail
    jump, top = largest_jump(acceptance_width=0.0005)
    assert jump > 0.5 * top
