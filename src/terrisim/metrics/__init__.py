"""Equity and resilience indicators on plain arrays, usable on any data.

Equity (:mod:`terrisim.metrics.equity`): :func:`gini`, :func:`theil_t`,
:func:`theil_t_decomposition`, :func:`theil_l`, :func:`atkinson`, :func:`palma`,
:func:`maximin`, :func:`group_ratio`, all optionally population-weighted.

Every step (:mod:`terrisim.metrics.population`): :func:`population_gini`,
:func:`population_theil` and :func:`weighted_mean`, the same values without a BLAS call.

Resilience (:mod:`terrisim.metrics.resilience`): :func:`resistance`, :func:`recovery_time`,
:func:`resilience_loss`, :func:`normalised_resilience_loss`, :func:`resilience_report` of a
performance series around a shock, and :func:`collapse_threshold` (bisection over shock
magnitudes).

Formulas, ranges and references: ``docs/metrics.md``.
"""

from terrisim.metrics.equity import (
    TheilDecomposition,
    TheilGroup,
    atkinson,
    gini,
    group_ratio,
    maximin,
    palma,
    theil_l,
    theil_t,
    theil_t_decomposition,
    theil_t_terms,
)
from terrisim.metrics.population import (
    population_gini,
    population_shares,
    population_theil,
    stable_order,
    weighted_mean,
)
from terrisim.metrics.resilience import (
    DEFAULT_TOLERANCE,
    DEFAULT_WINDOW,
    ResilienceReport,
    collapse_threshold,
    normalised_resilience_loss,
    recovery_time,
    resilience_loss,
    resilience_report,
    resistance,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "DEFAULT_WINDOW",
    "ResilienceReport",
    "TheilDecomposition",
    "TheilGroup",
    "atkinson",
    "collapse_threshold",
    "gini",
    "group_ratio",
    "maximin",
    "normalised_resilience_loss",
    "palma",
    "population_gini",
    "population_shares",
    "population_theil",
    "recovery_time",
    "resilience_loss",
    "resilience_report",
    "resistance",
    "stable_order",
    "theil_l",
    "theil_t",
    "theil_t_decomposition",
    "theil_t_terms",
    "weighted_mean",
]
