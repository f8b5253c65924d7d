"""Resilience indicators of a performance series around a shock, and the collapse threshold.

Usable on any 1-D performance series (one value per step; *higher is better*: production,
satisfaction, budget... For a "lower is better" quantity pass e.g. its negative shifted to be
positive, or its inverse). Conventions shared by every function:

- **Shock step**: ``series[shock_step]`` is the first value affected by the shock. The
  pre-shock period is ``series[:shock_step]``, the analysed post-shock period is
  ``series[shock_step:end]`` (``end`` defaults to the length of the series; pass the step of the
  next shock, or a fixed horizon, to analyse one shock among several).
- **Baseline** (pre-shock level ``b``): given explicitly with ``baseline=``, otherwise the mean
  of the ``window`` values just before the shock, ``mean(series[shock_step - window:
  shock_step])`` (truncated at the start of the series; ``window=1`` takes the value just
  before). A shock at step 0 therefore needs an explicit ``baseline``.
- **Tolerance band**: a value ``y`` is *recovered* when ``y >= b - tolerance * |b|`` (relative
  tolerance, one-sided: doing better than before counts as recovered); with
  ``two_sided=True`` it must also satisfy ``y <= b + tolerance * |b|``.

ODD: Design concepts - Observation (indicators computed on the model's outputs).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from terrisim.metrics._input import finite_1d

__all__ = [
    "DEFAULT_TOLERANCE",
    "DEFAULT_WINDOW",
    "ResilienceReport",
    "collapse_threshold",
    "normalised_resilience_loss",
    "recovery_time",
    "resilience_loss",
    "resilience_report",
    "resistance",
]

DEFAULT_WINDOW = 10
"""Default number of pre-shock steps averaged into the baseline."""

DEFAULT_TOLERANCE = 0.05
"""Default relative tolerance of the recovery band (5% of the baseline)."""


# --------------------------------------------------------------------------------------------
# Validation and the post-shock window
# --------------------------------------------------------------------------------------------
def _window(
    series: ArrayLike,
    shock_step: int,
    baseline: float | None,
    window: int,
    end: int | None,
) -> tuple[NDArray[np.float64], float]:
    """Return ``(post-shock values, baseline)`` after validating every argument."""
    y = finite_1d(series, name="series", nonnegative=False)
    n = y.size
    if isinstance(shock_step, bool) or not isinstance(shock_step, int | np.integer):
        raise ValueError(f"shock_step must be an integer step, got {shock_step!r}")
    stop = n if end is None else int(end)
    if not 0 <= shock_step < n:
        raise ValueError(f"shock_step={shock_step} is outside the series (steps 0..{n - 1})")
    if not shock_step < stop <= n:
        raise ValueError(f"end={end} must satisfy shock_step < end <= len(series) ({n})")
    if baseline is None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if shock_step == 0:
            raise ValueError(
                "shock_step=0 leaves no pre-shock values to compute the baseline: "
                "pass baseline= explicitly"
            )
        b = float(y[max(0, shock_step - window) : shock_step].mean())
    else:
        b = float(baseline)
        if not math.isfinite(b):
            raise ValueError(f"baseline must be finite, got {baseline!r}")
    return y[shock_step:stop], b


def _positive(b: float, what: str) -> None:
    """Raise ``ValueError`` if the baseline ``b`` is not positive (``what`` needs a ratio)."""
    if not b > 0:
        raise ValueError(f"{what} is relative to the baseline, which must be > 0 (got {b:g})")


def _recovery_offset(
    post: NDArray[np.float64], b: float, tolerance: float, two_sided: bool
) -> int | None:
    """Steps after the shock until ``post`` enters the band and stays there, or ``None``."""
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    margin = tolerance * abs(b)
    inside = post >= b - margin
    if two_sided:
        inside &= post <= b + margin
    outside = np.flatnonzero(~inside)
    if outside.size == 0:
        return 0
    last_out = int(outside[-1])
    return None if last_out == post.size - 1 else last_out + 1


def _loss(post: NDArray[np.float64], b: float) -> float:
    """Resilience loss of the post-shock values: ``sum_t max(b - y_t, 0)``."""
    return float(np.maximum(b - post, 0.0).sum())


# --------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------
def resistance(
    series: ArrayLike,
    shock_step: int,
    *,
    baseline: float | None = None,
    window: int = DEFAULT_WINDOW,
    end: int | None = None,
) -> float:
    """Resistance: the lowest post-shock level relative to the pre-shock level.

    ``R = min_{shock_step <= t < end} y_t / b``.

    Range: ``[0, inf)`` for a non-negative series; 1 means the series never fell below the
    baseline (fully resistant), 0 a collapse to zero; values above 1 mean it stayed above.

    Reference: Bruneau, M. et al. (2003). A framework to quantitatively assess and enhance the
    seismic resilience of communities. *Earthquake Spectra*, 19(4), 733-752 (robustness);
    Martin, R. (2012). Regional economic resilience, hysteresis and recessionary shocks.
    *Journal of Economic Geography*, 12(1), 1-32.

    Args:
        series: Performance, one value per step (higher is better).
        shock_step: First step affected by the shock.
        baseline: Pre-shock level; default: mean of the ``window`` steps before the shock.
        window: Number of pre-shock steps averaged when ``baseline`` is not given.
        end: End (exclusive) of the analysed post-shock period; default: end of the series.

    Returns:
        The resistance ratio.

    Raises:
        ValueError: On an empty or non-finite series, a shock step outside it, no pre-shock
            step without a ``baseline``, or a baseline that is not positive.
    """
    post, b = _window(series, shock_step, baseline, window, end)
    _positive(b, "resistance")
    return float(post.min()) / b


def recovery_time(
    series: ArrayLike,
    shock_step: int,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    two_sided: bool = False,
    baseline: float | None = None,
    window: int = DEFAULT_WINDOW,
    end: int | None = None,
) -> int | None:
    """Recovery time: steps from the shock until the series is back within tolerance *for good*.

    With ``inside_t = y_t >= b - tolerance |b|`` (and ``y_t <= b + tolerance |b|`` if
    ``two_sided``), the recovery step is ``r = 1 + max{t >= shock_step : not inside_t}``, the
    first step after the last one outside the band, and the recovery time is
    ``r - shock_step``. A series that recovers, dips out again and re-enters is therefore timed
    to its *final* re-entry. 0 means the series never left the band.

    **Never recovered**: if the last analysed value is outside the band, the series has not
    recovered by the end of the observation and ``None`` is returned (not a sentinel number).
    "Stays" can only be judged up to ``end``: the result is right-censored by the horizon.

    Range: ``{0, 1, ..., end - shock_step - 1}`` or ``None``.

    Reference: Bruneau, M. et al. (2003). *Earthquake Spectra*, 19(4), 733-752 (rapidity);
    Martin, R. (2012). *Journal of Economic Geography*, 12(1), 1-32.

    Args:
        series: Performance, one value per step (higher is better).
        shock_step: First step affected by the shock.
        tolerance: Relative width of the recovery band, as a fraction of ``|baseline|``.
        two_sided: If true, values above ``b + tolerance |b|`` also count as not recovered.
        baseline: Pre-shock level; default: mean of the ``window`` steps before the shock.
        window: Number of pre-shock steps averaged when ``baseline`` is not given.
        end: End (exclusive) of the analysed post-shock period; default: end of the series.

    Returns:
        The number of steps, or ``None`` if the series has not recovered by ``end``.

    Raises:
        ValueError: On an empty or non-finite series, a shock step outside it, no pre-shock
            step without a ``baseline``, or a negative tolerance.
    """
    post, b = _window(series, shock_step, baseline, window, end)
    return _recovery_offset(post, b, tolerance, two_sided)


def resilience_loss(
    series: ArrayLike,
    shock_step: int,
    *,
    baseline: float | None = None,
    window: int = DEFAULT_WINDOW,
    end: int | None = None,
) -> float:
    """Resilience loss (Bruneau's resilience triangle): area between baseline and series.

    ``RL = sum_{t = shock_step}^{end - 1} max(b - y_t, 0)``: a *step sum* (each recorded value
    holds for one step), from the shock to the end of the analysed period (``end``, default the
    end of the series) whether or not the series recovers, so runs with the same horizon are
    comparable; after recovery only the small within-tolerance deficits still add up. Values
    above the baseline do not offset losses. In units of "performance x steps".

    Range: ``[0, inf)``; 0 for a series that never falls below the baseline (e.g. flat).

    Reference: Bruneau, M. et al. (2003). A framework to quantitatively assess and enhance the
    seismic resilience of communities. *Earthquake Spectra*, 19(4), 733-752.

    Args:
        series: Performance, one value per step (higher is better).
        shock_step: First step affected by the shock.
        baseline: Pre-shock level; default: mean of the ``window`` steps before the shock.
        window: Number of pre-shock steps averaged when ``baseline`` is not given.
        end: End (exclusive) of the analysed post-shock period; default: end of the series.

    Returns:
        The resilience loss.

    Raises:
        ValueError: On an empty or non-finite series, a shock step outside it, or no pre-shock
            step without a ``baseline``.
    """
    post, b = _window(series, shock_step, baseline, window, end)
    return _loss(post, b)


def normalised_resilience_loss(
    series: ArrayLike,
    shock_step: int,
    *,
    baseline: float | None = None,
    window: int = DEFAULT_WINDOW,
    end: int | None = None,
) -> float:
    """Resilience loss divided by its maximum, ``baseline x duration``.

    ``RL_n = RL / (b (end - shock_step))`` with ``RL`` from :func:`resilience_loss`: the mean
    relative shortfall over the analysed period. ``1 - RL_n`` is the usual normalised
    resilience (area under the relative performance curve).

    Range: ``[0, 1]`` for any non-negative series (0: no loss; 1: zero performance throughout).

    Reference: Bruneau, M. et al. (2003). *Earthquake Spectra*, 19(4), 733-752; Ouyang, M.,
    Dueñas-Osorio, L. & Min, X. (2012). A three-stage resilience analysis framework for urban
    infrastructure systems. *Structural Safety*, 36-37, 23-31.

    Args:
        series: Performance, one value per step (higher is better).
        shock_step: First step affected by the shock.
        baseline: Pre-shock level; default: mean of the ``window`` steps before the shock.
        window: Number of pre-shock steps averaged when ``baseline`` is not given.
        end: End (exclusive) of the analysed post-shock period; default: end of the series.

    Returns:
        The normalised resilience loss.

    Raises:
        ValueError: As :func:`resilience_loss`, and if the baseline is not positive.
    """
    post, b = _window(series, shock_step, baseline, window, end)
    _positive(b, "normalised_resilience_loss")
    return _loss(post, b) / (b * post.size)


@dataclass(frozen=True, slots=True)
class ResilienceReport:
    """All resilience indicators of one series around one shock.

    Attributes:
        shock_step: First step affected by the shock.
        end: End (exclusive) of the analysed post-shock period.
        baseline: Pre-shock level used.
        tolerance: Relative tolerance of the recovery band.
        minimum: Lowest post-shock value.
        trough_step: Step of the lowest post-shock value (first one if tied).
        resistance: ``minimum / baseline`` (see :func:`resistance`).
        recovery_time: Steps to recover for good, ``None`` if not recovered by ``end``.
        resilience_loss: Area between baseline and series (see :func:`resilience_loss`).
        normalised_resilience_loss: ``resilience_loss / (baseline x (end - shock_step))``.
    """

    shock_step: int
    end: int
    baseline: float
    tolerance: float
    minimum: float
    trough_step: int
    resistance: float
    recovery_time: int | None
    resilience_loss: float
    normalised_resilience_loss: float

    @property
    def recovered(self) -> bool:
        """Whether the series recovered (for good) before ``end``."""
        return self.recovery_time is not None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``recovery_time`` is ``None``/null if never recovered)."""
        return {**asdict(self), "recovered": self.recovered}


def resilience_report(
    series: ArrayLike,
    shock_step: int,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    two_sided: bool = False,
    baseline: float | None = None,
    window: int = DEFAULT_WINDOW,
    end: int | None = None,
) -> ResilienceReport:
    """Compute every resilience indicator of ``series`` around the shock at once.

    Same conventions and arguments as :func:`resistance`, :func:`recovery_time`,
    :func:`resilience_loss` and :func:`normalised_resilience_loss`.

    Args:
        series: Performance, one value per step (higher is better).
        shock_step: First step affected by the shock.
        tolerance: Relative width of the recovery band, as a fraction of ``|baseline|``.
        two_sided: If true, values above ``b + tolerance |b|`` also count as not recovered.
        baseline: Pre-shock level; default: mean of the ``window`` steps before the shock.
        window: Number of pre-shock steps averaged when ``baseline`` is not given.
        end: End (exclusive) of the analysed post-shock period; default: end of the series.

    Returns:
        A :class:`ResilienceReport`.

    Raises:
        ValueError: On invalid input (see the individual functions), including a baseline
            that is not positive.
    """
    post, b = _window(series, shock_step, baseline, window, end)
    _positive(b, "resilience_report")
    loss = _loss(post, b)
    trough = int(np.argmin(post))
    return ResilienceReport(
        shock_step=int(shock_step),
        end=int(shock_step) + post.size,
        baseline=b,
        tolerance=float(tolerance),
        minimum=float(post[trough]),
        trough_step=int(shock_step) + trough,
        resistance=float(post[trough]) / b,
        recovery_time=_recovery_offset(post, b, tolerance, two_sided),
        resilience_loss=loss,
        normalised_resilience_loss=loss / (b * post.size),
    )


def collapse_threshold(
    recovers: Callable[[float], bool],
    low: float,
    high: float,
    *,
    tol: float = 1e-3,
    max_iter: int = 60,
) -> float:
    """Collapse threshold: the smallest shock magnitude after which the system does not recover.

    Ecological resilience (Holling 1973): the size of the disturbance the system can absorb
    before it flips to another regime. Found by bisection on ``[low, high]``, assuming that
    ``recovers(m)`` is true below some threshold ``m*`` and false from it on: the bracket
    ``(lo, hi]`` with ``recovers(lo)`` and ``not recovers(hi)`` is halved until
    ``hi - lo <= tol``; ``hi`` is returned, so ``m* <= result < m* + tol`` (up to the
    resolution of ``recovers``). It costs ``2 + ceil(log2((high - low) / tol))`` calls.

    The function is generic: ``recovers`` can run a whole simulation with the given shock
    magnitude and return e.g. ``recovery_time(...) is not None``. If it is stochastic, fix its
    seed (common random numbers), otherwise the bisection may chase noise.

    Reference: Holling, C. S. (1973). Resilience and stability of ecological systems. *Annual
    Review of Ecology and Systematics*, 4, 1-23.

    Args:
        recovers: Callable taking a shock magnitude and returning whether the system recovers.
        low: A magnitude at which the system recovers.
        high: A magnitude at which it does not (``high > low``).
        tol: Width of the final bracket (absolute, in magnitude units), ``> 0``.
        max_iter: Maximum number of bisection steps (calls beyond the two bracket checks).

    Returns:
        The smallest magnitude found at which the system does not recover.

    Raises:
        ValueError: If ``low``/``high``/``tol``/``max_iter`` are invalid, or the bracket is not
            a bracket: the system does not recover at ``low`` (threshold below ``low``) or still
            recovers at ``high`` (threshold above ``high``).

    Warns:
        RuntimeWarning: If ``max_iter`` steps do not narrow the bracket to ``tol``; the upper
            end of the bracket reached is returned.
    """
    lo, hi = float(low), float(high)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"need finite low < high, got low={low!r}, high={high!r}")
    if not (math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter!r}")
    if not recovers(lo):
        raise ValueError(
            f"invalid bracket: the system does not recover at low={lo:g}, so the collapse "
            "threshold is at or below low; choose a smaller low"
        )
    if recovers(hi):
        raise ValueError(
            f"invalid bracket: the system still recovers at high={hi:g}, so the collapse "
            "threshold is above high; choose a larger high"
        )
    for _ in range(max_iter):
        if hi - lo <= tol:
            return hi
        mid = lo + (hi - lo) / 2
        if mid <= lo or mid >= hi:  # bracket at floating-point resolution
            return hi
        if recovers(mid):
            lo = mid
        else:
            hi = mid
    if hi - lo > tol:
        warnings.warn(
            f"collapse_threshold: max_iter={max_iter} reached with bracket ({lo:g}, {hi:g}] "
            f"wider than tol={tol:g}; returning {hi:g}",
            RuntimeWarning,
            stacklevel=2,
        )
    return hi
