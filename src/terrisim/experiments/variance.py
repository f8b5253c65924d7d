"""How much of an outcome's run-to-run variance the factors explain, and how much the seeds do.

A sensitivity index or an effect per level describes the variance *between design points*;
when the random draw of each run (its synthetic territories and random streams, set by its
seed) moves an outcome far more than the factors do, "the Gini is driven by the tolerance" is
true of a tiny part of what varies. :func:`variance_shares` measures that part with the
method-of-moments variance components of an analysis of variance (Searle, Casella and
McCulloch 1992, *Variance Components*, ch. 3 and 4):

* **Independent seeds** (every run its own seed): one-way layout, design point ``p`` with
  ``n_p`` runs. ``MS_b = SS_between / (P - 1)``, ``MS_w = SS_within / (N - P)``,
  ``n0 = (N - sum n_p^2 / N) / (P - 1)``; the factors' component is
  ``s2_f = max(0, (MS_b - MS_w) / n0)``, the seeds' is ``s2_w = MS_w``.
* **Common random numbers** (replicate ``r`` has the same seed at every point, detected from
  the seeds): two-way layout without repetition, point by replicate, on the complete points.
  ``MS_p = R var(point means)``, ``MS_r = P var(replicate means)``, ``MS_e`` the residual
  mean square with ``(P - 1)(R - 1)`` degrees of freedom; ``s2_f = max(0, (MS_p - MS_e) / R)``,
  the seed's own effect ``s2_s = max(0, (MS_r - MS_e) / P)`` and the seed-by-factor part
  ``s2_e = MS_e``, so that the seeds' share is ``(s2_s + s2_e) / total``.

``factors_share = s2_f / (s2_f + seed components)``. Unlike the raw ratio of the variance of
point means to the variance over runs, it is about 0 when the factors have no effect, whatever
the number of replicates (a mean of ``R`` noisy runs still varies by ``s2_w / R``).

A share below :data:`FACTORS_SHARE_WARNING` gets a warning line in ``terrisim analyze``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.formatting import percent, sig

#: Below this share of the run-to-run variance explained by the factors, ``analyze`` warns that
#: indices and effects describe a small part of what varies (a convention of this project, not
#: a statistical test: 5 % leaves 95 % of the variance to the random draw of each run).
FACTORS_SHARE_WARNING = 0.05

COLUMNS = (
    "outcome",
    "runs",
    "points",
    "replicates",
    "layout",
    "total_var",
    "point_means_var",
    "within_point_var",
    "factors_share",
    "seeds_share",
    "seed_alone_share",
)


def _common_seeds(ok: pd.DataFrame) -> bool:
    """Whether replicate r has one seed at every point (common random numbers)."""
    if "seed" not in ok or ok["point"].nunique() < 2:
        return False
    return bool((ok.groupby("replicate")["seed"].nunique() == 1).all())


def _one_way(y: pd.Series, point: pd.Series) -> dict[str, float]:
    groups = y.groupby(point)
    n_p = groups.size().to_numpy(float)
    big_n, p = float(n_p.sum()), len(n_p)
    means = groups.mean().to_numpy(float)
    grand = float(y.mean())
    ss_b = float((n_p * (means - grand) ** 2).sum())
    ss_w = float(((y - groups.transform("mean")) ** 2).sum())
    if big_n - p < 1:
        return {"factors": math.nan, "seeds": math.nan, "seed_alone": math.nan}
    ms_b, ms_w = ss_b / (p - 1), ss_w / (big_n - p)
    n0 = (big_n - float((n_p**2).sum()) / big_n) / (p - 1)
    return {"factors": max(0.0, (ms_b - ms_w) / n0), "seeds": ms_w, "seed_alone": math.nan}


def _two_way(y: pd.Series, point: pd.Series, replicate: pd.Series) -> dict[str, float] | None:
    table = y.groupby([point, replicate]).mean().unstack()
    table = table.dropna()  # complete points only
    p, r = table.shape
    if p < 2 or r < 2:
        return None
    x = table.to_numpy(float)
    grand = x.mean()
    rows, cols = x.mean(axis=1), x.mean(axis=0)
    ms_p = r * float(((rows - grand) ** 2).sum()) / (p - 1)
    ms_r = p * float(((cols - grand) ** 2).sum()) / (r - 1)
    resid = x - rows[:, None] - cols[None, :] + grand
    ms_e = float((resid**2).sum()) / ((p - 1) * (r - 1))
    alone = max(0.0, (ms_r - ms_e) / p)
    return {"factors": max(0.0, (ms_p - ms_e) / r), "seeds": alone + ms_e, "seed_alone": alone}


def variance_row(df: pd.DataFrame, outcome: str) -> dict[str, Any]:
    """The variance shares of one outcome (successful runs; see the module docstring).

    Args:
        df: Results (columns ``point``, ``replicate``, ``seed``, ``status`` and ``outcome``).
        outcome: The outcome column.

    Returns:
        A row of :data:`COLUMNS`: ``total_var`` (variance over runs), ``point_means_var``
        (variance of the design points' means), ``within_point_var`` (mean variance within a
        point), ``factors_share``, ``seeds_share`` (``1 - factors_share``) and, with common
        random numbers, ``seed_alone_share`` (the seed's effect common to every point); NaN
        where a point has fewer than 2 runs everywhere or the outcome is constant.
    """
    ok = df[df["status"] == "ok"] if "status" in df else df
    y = pd.to_numeric(ok[outcome], errors="coerce")
    ok, y = ok[y.notna()], y[y.notna()]
    groups = y.groupby(ok["point"])
    crn = _common_seeds(ok)
    row: dict[str, Any] = {
        "outcome": outcome,
        "runs": len(y),
        "points": int(groups.ngroups),
        "replicates": int(ok["replicate"].nunique()) if len(ok) else 0,
        "layout": "common seeds (point x replicate)" if crn else "independent seeds",
        "total_var": float(y.var(ddof=1)) if len(y) > 1 else math.nan,
        "point_means_var": float(groups.mean().var(ddof=1)) if groups.ngroups > 1 else math.nan,
        "within_point_var": float(groups.var(ddof=1).mean()) if len(y) > 1 else math.nan,
    }
    parts = None
    if groups.ngroups > 1 and len(y) > groups.ngroups:
        parts = _two_way(y, ok["point"], ok["replicate"]) if crn else None
        parts = parts or _one_way(y, ok["point"])
    total = (parts["factors"] + parts["seeds"]) if parts else math.nan
    if parts is None or not total > 0:
        row.update(factors_share=math.nan, seeds_share=math.nan, seed_alone_share=math.nan)
    else:
        row.update(
            factors_share=parts["factors"] / total,
            seeds_share=parts["seeds"] / total,
            seed_alone_share=parts["seed_alone"] / total,
        )
    return row


def variance_shares(df: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """The variance shares of each outcome (:func:`variance_row`), one row each.

    Args:
        df: Results (from :func:`terrisim.experiments.analysis.load_results`).
        outcomes: Outcome columns.

    Returns:
        A table with the columns :data:`COLUMNS`.
    """
    return pd.DataFrame([variance_row(df, o) for o in outcomes], columns=list(COLUMNS))


def variance_warnings(table: pd.DataFrame, *, sobol: bool = False) -> list[str]:
    """One warning line per outcome whose factors explain less than the warning share.

    Args:
        table: Output of :func:`variance_shares`.
        sobol: The design is a Sobol one (the warning then says what its indices measure).

    Returns:
        The warning lines (without a ``warning:`` prefix).
    """
    lines = []
    for _, r in table.iterrows():
        share = r["factors_share"]
        if isinstance(share, float) and not math.isnan(share) and share < FACTORS_SHARE_WARNING:
            what = (
                "its Sobol indices split that small part"
                if sobol
                else "effects and indices of the factors describe that small part"
            )
            lines.append(
                f"{r['outcome']}: the factors explain {percent(share)} of the run-to-run "
                f"variance (variance of point means {sig(r['point_means_var'])}, over runs "
                f"{sig(r['total_var'])}); the rest comes with the seed (the random draw of "
                f"territories and streams): {what}, below the {percent(FACTORS_SHARE_WARNING)} "
                "warning share"
            )
    return lines


def _format(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return sig(float(value))
    return str(value)


def variance_text(table: pd.DataFrame) -> list[str]:
    """The table as printed by ``terrisim analyze`` (3 significant digits, shares in %)."""
    lines = ["\nvariance of each outcome: share explained by the factors vs by the seeds"]
    lines.append(
        f"  {'outcome':<28} {'runs':>6} {'total var':>10} {'point means':>12} "
        f"{'within point':>12} {'factors':>8} {'seeds':>8}"
    )
    for _, r in table.iterrows():
        lines.append(
            f"  {str(r['outcome'])[:28]:<28} {r['runs']:>6} {_format(r['total_var']):>10} "
            f"{_format(r['point_means_var']):>12} {_format(r['within_point_var']):>12} "
            f"{percent(r['factors_share']):>8} {percent(r['seeds_share']):>8}"
        )
    return lines
