"""Equity and resilience indicators on plain arrays, usable on any data.

Equity (:mod:`terrisim.metrics.equity`): :func:`gini`, :func:`theil_t`,
:func:`theil_t_decomposition`, :func:`theil_l`, :func:`atkinson`, :func:`palma`,
:func:`maximin`, :func:`group_ratio`, all optionally population-weighted.

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
    "recovery_time",
    "resilience_loss",
    "resilience_report",
    "resistance",
    "theil_l",
    "theil_t",
    "theil_t_decomposition",
]
