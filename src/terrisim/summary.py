"""Run-level indicators: outcomes, equity and resilience of a run (ODD 7.9; docs/metrics.md).

Equity indicators are population-weighted over territories' final-step satisfaction and, with
the suffix ``_mean``, averaged over steps. Resilience indicators are computed on the
population-weighted satisfaction series for the first shock of the run (``shock_*`` keys), and
per shock in ``shocks`` (a list kept in ``summary.json``; flat keys are what sweeps store).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from terrisim.metrics import (
    atkinson,
    gini,
    maximin,
    palma,
    resilience_report,
    theil_l,
    theil_t_decomposition,
)

if TYPE_CHECKING:
    from terrisim.model import TerriModel

RESILIENCE_TOLERANCE = 0.02


def equity_indicators(satisfaction: np.ndarray, population: np.ndarray, kinds: np.ndarray,
                      urban: np.ndarray) -> dict[str, float]:
    """Population-weighted equity of one satisfaction profile (docs/metrics.md).

    Returns gini, theil (with ``theil_between_kinds`` and ``theil_within_kinds``), theil_l,
    atkinson (epsilon = 1), palma, maximin and ``urban_rural_ratio`` (urban mean over rural
    mean satisfaction). Theil L and Atkinson are NaN when a territory has zero satisfaction.
    """
    out: dict[str, float] = {"gini": gini(satisfaction, weights=population)}
    if satisfaction.sum() > 0:
        parts = theil_t_decomposition(satisfaction, kinds, weights=population)
        out.update(theil=parts.total, theil_between_kinds=parts.between,
                   theil_within_kinds=parts.within)
    else:
        out.update(theil=math.nan, theil_between_kinds=math.nan, theil_within_kinds=math.nan)
    positive = bool((satisfaction > 0).all())
    out["theil_l"] = theil_l(satisfaction, weights=population) if positive else math.nan
    out["atkinson"] = atkinson(satisfaction, epsilon=1.0, weights=population) if positive \
        else math.nan
    out["palma"] = palma(satisfaction, weights=population) if satisfaction.sum() > 0 \
        else math.nan
    out["maximin"] = maximin(satisfaction)
    if urban.any() and (~urban).any():
        u = np.average(satisfaction[urban], weights=population[urban])
        r = np.average(satisfaction[~urban], weights=population[~urban])
        out["urban_rural_ratio"] = float(u / r) if r > 0 else math.nan
    else:
        out["urban_rural_ratio"] = math.nan
    return out


def resilience_indicators(series: pd.Series, shock_step: int, steps: np.ndarray) -> dict:
    """Resistance, recovery time, resilience loss of a series for a shock at ``shock_step``."""
    position = int(np.searchsorted(steps, shock_step))
    if position < 1 or position >= len(series):
        return {"resistance": None, "recovery_time": None, "resilience_loss": None,
                "normalised_resilience_loss": None, "recovered": None}
    report = resilience_report(series.to_numpy(float), position,
                               tolerance=RESILIENCE_TOLERANCE)
    return {
        "resistance": report.resistance,
        "recovery_time": report.recovery_time,
        "recovered": report.recovery_time is not None,
        "resilience_loss": report.resilience_loss,
        "normalised_resilience_loss": report.normalised_resilience_loss,
    }


def run_summary(model: TerriModel, series: pd.DataFrame) -> dict[str, Any]:
    """The run-level indicators written to ``summary.json`` (flat, JSON-ready)."""
    s = model.state
    sat = s.satisfaction_mean
    kinds = np.asarray(s.kinds, dtype=object)[s.kind]
    summary: dict[str, Any] = {
        "scenario": model.config.name,
        "seed": model.seed,
        "steps": int(model.steps),
        "territories": int(s.n),
        "links": int(s.n_links),
        "kinds": list(s.kinds),
        "satisfaction_final": float(series["satisfaction"].iloc[-1]),
        "satisfaction_mean": float(series["satisfaction"].mean()),
        "satisfaction_urban_final": float(series["satisfaction_urban"].iloc[-1]),
        "satisfaction_rural_final": float(series["satisfaction_rural"].iloc[-1]),
    }
    for name in s.kinds:
        summary[f"satisfaction_{name}_final"] = float(series[f"satisfaction_{name}"].iloc[-1])
    summary.update(equity_indicators(sat, s.population, kinds, s.urban))
    summary["gini_mean"] = float(series["gini"].mean())
    summary.update(
        volume_value_mean=float(series["volume_value"].mean()),
        deals_mean=float(series["deals"].mean()),
        reciprocity_balance_mean=float(series["reciprocity_balance"].mean()),
        trust_final=float(series["trust"].iloc[-1]),
        trust_urban_rural_final=float(series["trust_urban_rural"].iloc[-1]),
        misperception_final=float(series["misperception"].iloc[-1]),
        reserve_final=float(series["reserve"].iloc[-1]),
    )
    shocks = model.shocks.history
    summary["shock_count"] = len(shocks)
    per_shock = []
    steps = series["step"].to_numpy()
    for shock in shocks:
        per_shock.append({**shock, **resilience_indicators(series["satisfaction"], shock["step"],
                                                            steps)})
    first = per_shock[0] if per_shock else resilience_indicators(series["satisfaction"], 0,
                                                                 steps)
    for key in ("resistance", "recovery_time", "recovered", "resilience_loss",
                "normalised_resilience_loss"):
        summary[f"shock_{key}"] = first.get(key)
    summary["shocks"] = per_shock
    return {k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in summary.items()}
