"""Population-weighted indicators of one step, computed without a BLAS call.

The recorder computes them every step at the scale of France: the formulas and operations of
:func:`terrisim.metrics.gini` and :func:`terrisim.metrics.theil_t` (same values), with numpy's
own sums instead of BLAS dot products, whose threads and rounding depend on the machine.
"""

from __future__ import annotations

import numpy as np

from terrisim.metrics.equity import gini, theil_t, theil_t_terms


def weighted_mean(values: np.ndarray, weights: np.ndarray, total: float | None = None) -> float:
    """Weighted mean, NaN when the weights sum to zero.

    ``sum(values * weights) / sum(weights)`` with numpy's own (pairwise) sums: no BLAS call,
    so no thread start-up and the same rounding whatever the number of BLAS threads.
    ``total`` is ``weights.sum()`` when the caller has it already (the recorder keeps it).
    """
    total = weights.sum() if total is None else total
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def stable_order(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, kind="stable")``, by the faster (vectorised) default sort.

    The default sort puts equal values next to each other in some order; the stable sort
    puts them by ascending index. So only the runs of equal values are put in order: their
    positions sorted by (run, index). Satisfactions tie rarely (at the scale of France, the
    hundred or so territories fully satisfied), so this sorts a few values again instead of
    all of them. NaNs (which compare unequal) go to the stable sort itself.
    """
    order = np.argsort(x)
    xs = x[order]
    if np.isnan(xs[-1:]).any():
        return np.argsort(x, kind="stable")
    tie = xs[1:] == xs[:-1]
    if tie.any():
        in_run = np.zeros(x.size, bool)
        in_run[1:] = tie
        in_run[:-1] |= tie
        at = np.flatnonzero(in_run)  # positions, in sorted order, of values that tie
        run = np.cumsum(~np.concatenate(([False], tie)))[at]  # which run each belongs to
        order[at] = order[at][np.lexsort((order[at], run))]
    return order


def population_shares(x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Population shares ``p = w / sum(w)`` and the mean ``sum(p * x)``, in the usual case.

    The usual case: at least two values, all finite and >= 0, every weight > 0 with a finite
    sum, a positive mean; otherwise None (the callers then hand the input to
    :mod:`terrisim.metrics`, which raises or copes as documented there). The mean is numpy's
    own sum, not a BLAS dot product: a multi-threaded BLAS starts its threads on every call
    (at 35,000 territories on a busy 2-core machine that tripled the time of a step) and its
    rounding depends on the number of threads.
    """
    if x.size < 2 or not (np.isfinite(x).all() and (x >= 0).all() and (weights > 0).all()):
        return None
    total = weights.sum()
    if not np.isfinite(total):
        return None
    p = weights / total
    mu = float((p * x).sum())
    return (p, mu) if mu > 0 else None


def population_gini(x: np.ndarray, weights: np.ndarray) -> float:
    """:func:`terrisim.metrics.gini` with weights, without a BLAS call.

    The formula and operations of ``gini`` (the mean as in :func:`population_shares`), with
    :func:`stable_order` for the sort; unusual input goes to ``gini`` itself.
    """
    shares = population_shares(x, weights)
    if shares is None:
        return gini(x, weights=weights)
    p, mu = shares
    order = stable_order(x)
    xs, ps = x[order], p[order]
    below = np.cumsum(ps)[:-1]
    above = np.cumsum(ps[::-1])[::-1][1:]
    g = float(np.sum(np.diff(xs) * below * above) / mu)
    return min(max(g, 0.0), 1.0)


def population_theil(x: np.ndarray, weights: np.ndarray) -> float:
    """:func:`terrisim.metrics.theil_t` with weights, same value, without a BLAS call.

    ``theil_t`` computes its mean with a BLAS dot product only to check that it is positive;
    here :func:`population_shares` checks it, then the same terms are summed. Unusual input goes
    to ``theil_t`` itself.
    """
    shares = population_shares(x, weights)
    if shares is None:
        return theil_t(x, weights=weights)
    return max(float(theil_t_terms(x, shares[0])[1].sum()), 0.0)
