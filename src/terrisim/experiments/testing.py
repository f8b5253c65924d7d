"""Stand-in run functions for testing and benchmarking the sweep machinery without the model.

They are importable by every worker (``run_function = "terrisim.experiments.testing:fake_model"``
in an experiment file), deterministic given the task's seed, and fast.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.worker import RunOutput, RunTask, SweepContext


def fake_model(task: RunTask, ctx: SweepContext) -> RunOutput:
    """A deterministic fake model driven by its parameters (factors over ``fixed``).

    Parameters: ``x``, ``y`` (numbers), ``rule`` (a string), ``sleep`` (seconds to wait),
    ``fail`` (raise ``ValueError`` if true), ``crash_once_dir`` and ``crash_point`` (the worker
    running design point ``crash_point`` dies once, leaving a marker file in the directory).

    Its indicators mix types as real ones do: ``outcome`` (float), ``recovery_time`` (int, or
    None when ``outcome < 1``), ``regime`` (string), ``steps`` (int).

    Args:
        task: The run.
        ctx: The sweep context (``fixed``, ``steps``, ``keep_series``).

    Returns:
        The indicators and, with ``keep_series``, a small per-step series.
    """
    p: dict[str, Any] = {**ctx.fixed, **task.factors}
    rng = np.random.default_rng(task.seed)
    if p.get("sleep"):
        time.sleep(float(p["sleep"]))
    if p.get("fail"):
        raise ValueError(f"asked to fail (point {task.point})")
    crash_dir = p.get("crash_once_dir")
    if crash_dir and task.point == int(p.get("crash_point", 0)):
        marker = Path(crash_dir) / f"crashed-{task.run_id}"
        if not marker.exists():
            marker.touch()
            os._exit(3)
    x, y = float(p.get("x", 0.0)), float(p.get("y", 0.0))
    bonus = {"none": 0.0, "contract": 0.5, "conference": 1.0}.get(str(p.get("rule", "none")), 0.0)
    noise = float(rng.normal(0.0, 0.1))
    outcome = x + 2.0 * y + x * y + bonus + noise
    steps = ctx.steps or 10
    indicators = {
        "outcome": outcome,
        "noise": noise,
        "recovery_time": None if outcome < 1 else int(1 + 10 * outcome),
        "regime": "high" if outcome > 1 else "low",
        "steps": steps,
    }
    series = None
    if ctx.keep_series:
        series = pd.DataFrame(
            {"step": np.arange(steps), "value": np.cumsum(rng.normal(outcome, 1.0, steps))}
        )
    return RunOutput(indicators, series)


def ishigami(task: RunTask, ctx: SweepContext) -> dict[str, float]:
    """The Ishigami function, a standard test of sensitivity analysis (a = 7, b = 0.1).

    ``f = sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``[-pi, pi]^3``; its Sobol indices are known:
    S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244) (Ishigami and Homma 1990).

    Args:
        task: The run (factors ``x1``, ``x2``, ``x3``).
        ctx: The sweep context (unused).

    Returns:
        ``{"f": value}``.
    """
    x1, x2, x3 = (float(task.factors[k]) for k in ("x1", "x2", "x3"))
    return {"f": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def fake_collapse(task: RunTask, ctx: SweepContext) -> dict[str, Any]:
    """A system that recovers from a shock of magnitude ``m`` below a threshold.

    The threshold is ``t`` (default 0.37) plus ``shift`` (a grid factor, default 0) plus a small
    seed-dependent jitter (sd 0.01), so replicates disagree only near the threshold.

    Args:
        task: The run (``m`` is the magnitude searched).
        ctx: The sweep context.

    Returns:
        ``shock_recovered`` and ``resistance`` (``1 - m``).
    """
    p: dict[str, Any] = {**ctx.fixed, **task.factors}
    jitter = float(np.random.default_rng(task.seed).normal(0.0, 0.01))
    threshold = float(p.get("t", 0.37)) + float(p.get("shift", 0.0)) + jitter
    m = float(p["m"])
    return {"shock_recovered": m < threshold, "resistance": 1.0 - m}


def linear_pair(task: RunTask, ctx: SweepContext) -> dict[str, float]:
    """Two indicators linear in two parameters, for testing calibrations.

    ``u = x + y / 2 + e1`` and ``v = x - y + e2``, with ``e1, e2`` normal noise of sd 0.02 drawn
    from the run's seed: given the noise-free ``u`` and ``v`` the parameters are
    ``y = 2 (u - v) / 3`` and ``x = v + y``.

    Args:
        task: The run (factors ``x`` and ``y``).
        ctx: The sweep context (unused).

    Returns:
        ``{"u": ..., "v": ...}``.
    """
    x, y = float(task.factors["x"]), float(task.factors["y"])
    e1, e2 = np.random.default_rng(task.seed).normal(0.0, 0.02, 2)
    return {"u": x + 0.5 * y + float(e1), "v": x - y + float(e2)}
