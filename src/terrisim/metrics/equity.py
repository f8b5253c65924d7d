"""Equity (inequality) indicators on plain arrays, optionally population-weighted.

One small function per indicator, usable on any data (not only on terrisim's outputs). Every
function takes a 1-D array-like ``x`` of non-negative values (incomes, satisfactions, budgets
per head...) and optional non-negative ``weights`` (e.g. populations): a unit of weight ``w_i``
stands for ``w_i`` people who all have the value ``x_i``. Hence *weighting a unit by an integer
k gives exactly the same result as repeating it k times*, and replicating the whole population
leaves every indicator unchanged. Units of weight zero are ignored.

Notation used in the docstrings: ``p_i = w_i / sum(w)`` (population shares, ``1/n`` when
unweighted), ``mu = sum_i p_i x_i`` (the mean), ``s_i = x_i / mu`` (relative values).

Errors (``ValueError``, the message names the argument and the problem): empty input, input that
is not 1-D, NaN or infinite values, negative values, a zero mean (all values zero: inequality is
undefined), weights of the wrong length, negative or non-finite weights, weights summing to zero.
A single unit (or all units equal) gives no inequality: 0 for Gini, Theil and Atkinson (Palma's
equality value is 1/4, see :func:`palma`).

ODD: Design concepts - Observation (indicators computed on the model's outputs).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from terrisim.metrics._input import finite_1d

__all__ = [
    "TheilDecomposition",
    "TheilGroup",
    "atkinson",
    "gini",
    "group_ratio",
    "maximin",
    "palma",
    "theil_l",
    "theil_t",
    "theil_t_decomposition",
]

FloatArray = NDArray[np.float64]

_SNAP = 1e-12  # cumulative population shares this close to a Palma cut-off count as on it


# --------------------------------------------------------------------------------------------
# Input validation (shared by every indicator)
# --------------------------------------------------------------------------------------------
def _shares(weights: ArrayLike | None, n: int) -> FloatArray:
    """Return population shares ``p`` (summing to 1) from optional ``weights`` for ``n`` units."""
    if weights is None:
        return np.full(n, 1.0 / n)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weights must be a 1-D array of numbers: {exc}") from exc
    if w.ndim != 1 or w.size != n:
        raise ValueError(f"weights must have one value per unit: expected {n}, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain NaN or infinite values")
    if np.any(w < 0):
        raise ValueError(f"weights must be >= 0 (min {w.min():g})")
    total = w.sum()
    if not total > 0:
        raise ValueError("weights sum to zero: at least one unit must have a positive weight")
    return w / total


def _prepare(
    x: ArrayLike, weights: ArrayLike | None, *, nonnegative: bool = True
) -> tuple[FloatArray, FloatArray, float]:
    """Validate ``x`` and ``weights``; drop zero-weight units; return ``(x, p, mean)``."""
    arr = finite_1d(x, nonnegative=nonnegative)
    p = _shares(weights, arr.size)
    keep = p > 0
    if not np.all(keep):
        arr, p = arr[keep], p[keep]
        p = p / p.sum()
    mu = float(np.dot(p, arr))
    if nonnegative and not mu > 0:
        raise ValueError("x has a zero mean (all values are 0): inequality is undefined")
    return arr, p, mu


def theil_t_terms(arr: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the income shares ``v_i = p_i x_i / sum_j p_j x_j`` and Theil T summands.

    The summand is ``v_i ln(v_i / p_i)`` (``= p_i s_i ln s_i``) with ``0 ln 0 = 0``, computed as
    a difference of logarithms so that no ratio ``x_i / mu`` can overflow, even for extreme
    population shares: Theil T is the Kullback-Leibler divergence of income shares from
    population shares.
    """
    amounts = p * arr
    v = amounts / amounts.sum()
    pos = v > 0
    terms = np.zeros_like(v)
    terms[pos] = v[pos] * (np.log(v[pos]) - np.log(p[pos]))
    return v, terms


# --------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------
def gini(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient (population-weighted), half the relative mean absolute difference.

    ``G = sum_i sum_j p_i p_j |x_i - x_j| / (2 mu)``, computed in O(n log n) on the sorted
    values as ``G = sum_k (x_(k+1) - x_(k)) P_k (1 - P_k) / mu`` where ``P_k`` is the population
    share of the k smallest values. This is the "population" Gini (no ``n/(n-1)`` small-sample
    correction), so replicating the population does not change it.

    Range: ``[0, 1)``; 0 when everyone has the same value, ``1 - 1/n`` (unweighted) when one unit
    holds everything. E.g. ``gini([0, 0, 0, 1]) == 0.75``.

    Reference: Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Cuppini.

    Args:
        x: Non-negative values, one per unit.
        weights: Optional non-negative population weights, one per unit.

    Returns:
        The Gini coefficient.

    Raises:
        ValueError: On invalid input (see the module docstring) or a zero mean.
    """
    arr, p, mu = _prepare(x, weights)
    order = np.argsort(arr, kind="stable")
    xs, ps = arr[order], p[order]
    below = np.cumsum(ps)[:-1]  # P_k, population share of the k smallest
    above = np.cumsum(ps[::-1])[::-1][1:]  # 1 - P_k, computed without cancellation
    g = float(np.sum(np.diff(xs) * below * above) / mu)
    return min(max(g, 0.0), 1.0)


def theil_t(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Theil T index (GE(1)), the entropy index sensitive to the top of the distribution.

    ``T = sum_i p_i s_i ln(s_i)`` with ``s_i = x_i / mu`` and the convention ``0 ln 0 = 0``
    (zeros are allowed).

    Range: ``[0, ln(1 / min_i p_i)]``, i.e. ``[0, ln n]`` unweighted; 0 for equality, ``ln n``
    when one of n units holds everything. Decomposable by groups, see
    :func:`theil_t_decomposition`.

    Reference: Theil, H. (1967). *Economics and Information Theory*. Amsterdam: North-Holland.

    Args:
        x: Non-negative values, one per unit.
        weights: Optional non-negative population weights, one per unit.

    Returns:
        The Theil T index.

    Raises:
        ValueError: On invalid input (see the module docstring) or a zero mean.
    """
    arr, p, _ = _prepare(x, weights)
    return max(float(theil_t_terms(arr, p)[1].sum()), 0.0)


def theil_l(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Theil L index (GE(0), mean log deviation), sensitive to the bottom of the distribution.

    ``L = sum_i p_i ln(mu / x_i)``.

    Range: ``[0, inf]``; 0 for equality. **Zeros**: if a unit with a positive weight has
    ``x_i = 0`` the index is ``+inf`` (the limit of ``ln(mu / x_i)``); ``math.inf`` is returned
    rather than raising, so it can be recorded.

    Reference: Theil, H. (1967). *Economics and Information Theory*. Amsterdam: North-Holland.

    Args:
        x: Non-negative values, one per unit.
        weights: Optional non-negative population weights, one per unit.

    Returns:
        The Theil L index (``math.inf`` if some value is zero).

    Raises:
        ValueError: On invalid input (see the module docstring) or a zero mean.
    """
    arr, p, mu = _prepare(x, weights)
    if np.any(arr == 0):
        return math.inf
    # ln(mu / x_i) as a difference of logs: no overflow for extreme ratios.
    return max(float(np.dot(p, math.log(mu) - np.log(arr))), 0.0)


def atkinson(x: ArrayLike, epsilon: float = 0.5, weights: ArrayLike | None = None) -> float:
    """Atkinson index for inequality aversion ``epsilon``.

    ``A_eps = 1 - y_eps / mu`` where ``y_eps`` is the equally distributed equivalent:
    ``y_eps = (sum_i p_i x_i^(1 - eps))^(1 / (1 - eps))`` for ``eps != 1`` and the geometric mean
    ``y_1 = exp(sum_i p_i ln x_i)`` for ``eps = 1``. Computed on ``ln(x_i / mu)`` with a
    log-sum-exp, so large ``eps`` does not overflow. ``A_1 = 1 - exp(-L)`` (Theil L).

    Range: ``[0, 1]``; 0 for equality, and non-decreasing in ``eps`` (``A_0 = 0``). **Zeros**:
    with ``eps >= 1`` a zero value makes ``y_eps = 0`` so the index is exactly 1 (the limit);
    with ``eps < 1`` zeros are ordinary values.

    Reference: Atkinson, A. B. (1970). On the measurement of inequality. *Journal of Economic
    Theory*, 2(3), 244-263.

    Args:
        x: Non-negative values, one per unit.
        epsilon: Inequality aversion, ``>= 0`` (0.5, 1 and 2 are common choices).
        weights: Optional non-negative population weights, one per unit.

    Returns:
        The Atkinson index.

    Raises:
        ValueError: On invalid input (see the module docstring), a zero mean or
            ``epsilon < 0``.
    """
    if not (math.isfinite(epsilon) and epsilon >= 0):
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
    arr, p, mu = _prepare(x, weights)
    if epsilon == 0:
        return 0.0
    if epsilon >= 1 and np.any(arr == 0):
        return 1.0
    with np.errstate(divide="ignore"):
        log_s = np.log(arr) - math.log(mu)  # ln(x_i / mu); -inf for zeros (only if eps < 1)
    if epsilon == 1:
        log_ede = float(np.dot(p, log_s))
    else:
        a = (1.0 - epsilon) * log_s
        m = float(a.max())
        log_ede = (m + math.log(float(np.dot(p, np.exp(a - m))))) / (1.0 - epsilon)
    return min(max(1.0 - math.exp(log_ede), 0.0), 1.0)


def palma(
    x: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    top: float = 0.1,
    bottom: float = 0.4,
) -> float:
    """Palma ratio: the share of the total held by the top 10% over that of the bottom 40%.

    ``Palma = (1 - L(1 - top)) / L(bottom)`` where ``L`` is the Lorenz curve: ``L(q)`` is the
    share of the total held by the poorest fraction ``q`` of the *population*. ``L`` is
    piecewise linear between the points ``(P_k, cumulative share of the k smallest)``, so a
    weighted unit straddling a quantile is split: the part of its population below the quantile
    counts in the bottom group with its value ``x_i`` per head, the rest above. This is exactly
    what one gets by expanding each unit into its ``w_i`` people.

    Range: ``[1/4, inf]`` for the default cut-offs (``top / bottom`` in general); **equality
    gives 0.25, not 0**. ``math.inf`` is returned when the bottom 40% holds nothing.

    Reference: Palma, J. G. (2011). Homogeneous middles vs. heterogeneous tails. *Development
    and Change*, 42(1), 87-153; Cobham, A. & Sumner, A. (2013). Is it all about the tails? The
    Palma measure of income inequality. Center for Global Development, Working Paper 343.

    Args:
        x: Non-negative values, one per unit.
        weights: Optional non-negative population weights, one per unit.
        top: Population share of the top group (default 0.1).
        bottom: Population share of the bottom group (default 0.4).

    Returns:
        The Palma ratio.

    Raises:
        ValueError: On invalid input (see the module docstring), a zero mean, or cut-offs not
            satisfying ``0 < top``, ``0 < bottom`` and ``top + bottom <= 1``.
    """
    if not (0 < top < 1 and 0 < bottom < 1 and top + bottom <= 1):
        raise ValueError(
            f"need 0 < top, 0 < bottom and top + bottom <= 1, got top={top}, bottom={bottom}"
        )
    arr, p, _ = _prepare(x, weights)
    order = np.argsort(arr, kind="stable")
    xs, ps = arr[order], p[order]
    low_amount = _amount_below(xs, ps, bottom)
    top_amount = float(np.dot(ps, xs)) - _amount_below(xs, ps, 1.0 - top)
    if low_amount <= 0:
        return math.inf
    return max(top_amount, 0.0) / low_amount


def _amount_below(xs: FloatArray, ps: FloatArray, q: float) -> float:
    """Amount held by the poorest fraction ``q`` of the population (``xs`` sorted ascending).

    The unit straddling ``q`` contributes ``x_k`` per head for its population below ``q``. A
    cumulative share within ``1e-12`` of ``q`` counts as exactly ``q`` (floating-point noise in
    the cumulative sums must not move a whole unit across the cut-off).
    """
    cum = np.cumsum(ps)
    k = int(np.searchsorted(cum, q - _SNAP, side="left"))  # first unit reaching q
    if k >= cum.size:  # only by rounding: q is the whole population
        return float(np.dot(ps, xs))
    before = float(np.dot(ps[:k], xs[:k]))
    if cum[k] <= q + _SNAP:  # the cut-off falls on the boundary after unit k
        return before + float(ps[k] * xs[k])
    pop_before = float(cum[k - 1]) if k > 0 else 0.0
    return before + max(q - pop_before, 0.0) * float(xs[k])


def maximin(x: ArrayLike) -> float:
    """Maximin (Rawlsian) indicator: the lowest value, ``min_i x_i``.

    Higher is better (the worst-off unit does better). Weights play no role (any unit with a
    positive population counts), so none are taken. Any finite values are allowed.

    Reference: Rawls, J. (1971). *A Theory of Justice*. Cambridge, MA: Harvard University Press.

    Args:
        x: Values, one per unit.

    Returns:
        The minimum value.

    Raises:
        ValueError: On empty, non 1-D or non-finite input.
    """
    return float(finite_1d(x, nonnegative=False).min())


def _group_codes(groups: ArrayLike, n: int) -> tuple[list[Hashable], NDArray[np.intp]]:
    """Return the sorted distinct labels of ``groups`` and each unit's label index."""
    g = np.asarray(groups)
    if g.ndim != 1 or g.size != n:
        raise ValueError(f"groups must have one label per unit: expected {n}, got shape {g.shape}")
    labels, codes = np.unique(g, return_inverse=True)
    return labels.tolist(), codes.reshape(-1)


def group_ratio(
    x: ArrayLike,
    groups: ArrayLike,
    numerator: Hashable,
    denominator: Hashable,
    weights: ArrayLike | None = None,
) -> float:
    """Ratio of two groups' (population-weighted) means, e.g. urban / rural satisfaction.

    ``R = mu_num / mu_den`` with ``mu_g = sum_{i in g} w_i x_i / sum_{i in g} w_i``.

    Range: ``[0, inf)`` for non-negative values; 1 means parity between the two groups.

    Args:
        x: Values, one per unit (any finite values).
        groups: Group label of each unit (e.g. ``"urban"``, ``"rural"``).
        numerator: Label of the group in the numerator.
        denominator: Label of the group in the denominator.
        weights: Optional non-negative population weights, one per unit.

    Returns:
        The ratio of the two group means.

    Raises:
        ValueError: On invalid input, a label absent from ``groups`` (or with zero total
            weight), or a denominator group whose mean is zero.
    """
    arr = finite_1d(x, nonnegative=False)
    p = _shares(weights, arr.size)
    labels, codes = _group_codes(groups, arr.size)

    def mean_of(label: Hashable, role: str) -> float:
        if label not in labels:
            raise ValueError(f"{role} group {label!r} is not in groups (labels: {labels})")
        mask = codes == labels.index(label)
        pw = p[mask].sum()
        if not pw > 0:
            raise ValueError(f"{role} group {label!r} has zero total weight")
        return float(np.dot(p[mask], arr[mask]) / pw)

    num = mean_of(numerator, "numerator")
    den = mean_of(denominator, "denominator")
    if den == 0:
        raise ValueError(f"denominator group {denominator!r} has a zero mean: ratio undefined")
    return num / den


@dataclass(frozen=True, slots=True)
class TheilGroup:
    """One group's part in a Theil T decomposition.

    Attributes:
        label: The group label.
        population_share: ``P_g``, the group's share of the population (weights).
        income_share: ``V_g = P_g mu_g / mu``, the group's share of the total.
        mean: ``mu_g``, the group's (weighted) mean.
        theil: ``T_g``, the Theil T index within the group (0 if the group's mean is 0).
        within: ``V_g T_g``, the group's contribution to the within-group part.
        between: ``V_g ln(mu_g / mu)``, the group's term of the between-group part (can be
            negative for a group below the overall mean; the terms sum to a non-negative total).
    """

    label: Hashable
    population_share: float
    income_share: float
    mean: float
    theil: float
    within: float
    between: float


@dataclass(frozen=True, slots=True)
class TheilDecomposition:
    """Exact decomposition of Theil T into within-group and between-group inequality.

    ``total == within + between`` to floating-point tolerance.

    Attributes:
        total: Theil T of the whole population (:func:`theil_t`).
        within: ``sum_g V_g T_g``, inequality inside the groups.
        between: ``sum_g V_g ln(mu_g / mu)``, inequality between the group means (e.g. the
            urban-rural gap).
        groups: Per-group details, sorted by label.
    """

    total: float
    within: float
    between: float
    groups: tuple[TheilGroup, ...]

    @property
    def between_share(self) -> float:
        """Share of total inequality due to differences between groups (0 if total is 0)."""
        return self.between / self.total if self.total > 0 else 0.0

    def group(self, label: Hashable) -> TheilGroup:
        """Return the details of the group ``label``.

        Raises:
            KeyError: If no group has this label.
        """
        for g in self.groups:
            if g.label == label:
                return g
        raise KeyError(label)


def theil_t_decomposition(
    x: ArrayLike, groups: ArrayLike, weights: ArrayLike | None = None
) -> TheilDecomposition:
    """Decompose Theil T into within-group and between-group parts (exact, additive).

    ``T = sum_g V_g T_g + sum_g V_g ln(mu_g / mu)`` with, for each group g, ``P_g`` its
    population share, ``mu_g`` its mean, ``V_g = P_g mu_g / mu`` its share of the total and
    ``T_g`` its own Theil T. The first sum is the within-group part, the second the
    between-group part (the Theil T of the group means, weighted by ``P_g``).

    Range: both parts are ``>= 0`` and ``within + between == total``.

    Reference: Shorrocks, A. F. (1980). The class of additively decomposable inequality
    measures. *Econometrica*, 48(3), 613-625; Theil, H. (1967). *Economics and Information
    Theory*.

    Args:
        x: Non-negative values, one per unit.
        groups: Group label of each unit (e.g. territory kind).
        weights: Optional non-negative population weights, one per unit.

    Returns:
        A :class:`TheilDecomposition` (units and groups of zero weight are left out).

    Raises:
        ValueError: On invalid input (see the module docstring), a zero mean, or ``groups`` of
            the wrong length.
    """
    arr = finite_1d(x)
    p = _shares(weights, arr.size)
    labels, codes = _group_codes(groups, arr.size)
    total = theil_t(arr, p)  # validates the zero mean
    keep = p > 0
    arr, p, codes = arr[keep], p[keep] / p[keep].sum(), codes[keep]

    k = len(labels)
    v, terms = theil_t_terms(arr, p)  # income shares v_i and v_i ln(v_i / p_i)
    pop = np.bincount(codes, weights=p, minlength=k)  # P_g
    income = np.bincount(codes, weights=v, minlength=k)  # V_g
    present = pop > 0
    means = np.divide(
        np.bincount(codes, weights=p * arr, minlength=k), pop, out=np.zeros(k), where=present
    )
    # Between-group terms V_g ln(V_g / P_g) = V_g ln(mu_g / mu); the unit terms of a group sum
    # to its within part plus its between term, so within_g = sum_{i in g} terms_i - between_g.
    has_income = income > 0
    between_terms = np.zeros(k)
    between_terms[has_income] = income[has_income] * (
        np.log(income[has_income]) - np.log(pop[has_income])
    )
    within_terms = np.maximum(np.bincount(codes, weights=terms, minlength=k) - between_terms, 0.0)
    t_g = np.divide(within_terms, income, out=np.zeros(k), where=has_income)
    within = float(within_terms.sum())
    between = max(float(between_terms.sum()), 0.0)
    parts = tuple(
        TheilGroup(
            label=labels[g],
            population_share=float(pop[g]),
            income_share=float(income[g]),
            mean=float(means[g]),
            theil=float(t_g[g]),
            within=float(within_terms[g]),
            between=float(between_terms[g]),
        )
        for g in range(k)
        if present[g]
    )
    return TheilDecomposition(total=total, within=within, between=between, groups=parts)
