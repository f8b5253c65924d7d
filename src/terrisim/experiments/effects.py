"""Effects of factor levels on paired runs: per level, per level of another factor, interactions.

Runs are *paired* when they share the replicate (hence the seed, with common random numbers)
and every factor not compared: a difference is taken within each pair, which removes the
variation due to the other factors and, with common random numbers, most of the random
noise. Each mean difference gets a Student-t 95 % interval and a two-sided paired t-test
p-value (``scipy.stats.ttest_1samp`` of the differences against 0), and every table corrects
its p-values for multiple comparisons with Holm's step-down method (:func:`holm`), one family
per outcome and table.

* :func:`paired_differences`: each level of a factor against its first (reference) level,
  pooled over the other factors or, with ``by``, within each level of another factor (the
  question of a study: "at what trust level does a contract stop helping?").
* :func:`interaction_effects`: for two factors ``A`` and ``B`` with reference levels ``a0``
  and ``b0``, the difference of differences
  ``[y(a, b) - y(a0, b)] - [y(a, b0) - y(a0, b0)]`` within each pair: how much the effect of
  ``a`` changes at ``b`` (0 without interaction).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.formatting import sig

#: Family-wise error rate of the Holm correction: ``significant`` is ``p_holm < ALPHA``.
ALPHA = 0.05


def holm(pvalues: Any) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (Holm 1979), NaN left out of the family and kept.

    With the ``m`` p-values sorted, ``p_(1) <= ... <= p_(m)``, the adjusted value of the
    ``k``-th is ``min(1, max_{j <= k} (m - j + 1) p_(j))``: rejecting the hypotheses whose
    adjusted p-value is below ``alpha`` keeps the family-wise error rate at ``alpha``, under
    any dependence between the tests. Same values as ``statsmodels``'
    ``multipletests(method="holm")``.

    Reference: Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6(2), 65-70.

    Args:
        pvalues: The raw p-values (any shape is flattened).

    Returns:
        The adjusted p-values, in the input order.
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    out = np.full(p.shape, math.nan)
    finite = np.flatnonzero(~np.isnan(p))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def paired_test(values: Any, level: float = 0.95) -> dict[str, float]:
    """Mean of paired differences, its Student-t interval and the paired t-test p-value.

    Args:
        values: The differences (missing values dropped).
        level: Confidence level of the interval.

    Returns:
        ``pairs, mean_diff, ci_low, ci_high, p``; the interval and ``p`` are NaN with fewer
        than 2 pairs; differences that are all equal get ``p = 0`` (all non-zero) or ``1``.
    """
    from scipy import stats

    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(float)
    n = len(x)
    row = {"pairs": n, "mean_diff": float(x.mean()) if n else math.nan}
    if n < 2:
        return {**row, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    if sd == 0.0:
        p = 1.0 if row["mean_diff"] == 0.0 else 0.0
    else:
        p = float(stats.ttest_1samp(x, 0.0).pvalue)
    return {**row, "ci_low": row["mean_diff"] - half, "ci_high": row["mean_diff"] + half, "p": p}


def _levels(df: pd.DataFrame, column: str) -> list[Any]:
    """The levels of a factor in design order (the results are sorted by point)."""
    return list(dict.fromkeys(df[column].dropna()))


def _pair_keys(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    return df[keys].astype(str).agg("|".join, axis=1)


def _with_holm(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a table with ``p_holm`` and ``significant``, one family per outcome."""
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = math.nan
    for _, idx in table.groupby("outcome", sort=False).groups.items():
        table.loc[idx, "p_holm"] = holm(table.loc[idx, "p"])
    table["significant"] = table["p_holm"] < ALPHA
    return table


def paired_differences(
    df: pd.DataFrame,
    factor: str,
    outcomes: list[str],
    by: str | None = None,
    keys: list[str] | None = None,
    factors: list[str] | None = None,
) -> pd.DataFrame:
    """Effect of each level of a factor against its first level, on paired runs.

    Args:
        df: Results of a grid or list design (successful runs are used).
        factor: The factor (its first level in design order is the reference).
        outcomes: Outcome columns.
        by: Also split the differences by the levels of this factor.
        keys: Columns that define a pair (default: the replicate and every other factor of
            ``factors``; a list design pairs its points by replicate only).
        factors: The factor columns (default: ``df.attrs["experiment"]["factors"]``).

    Returns:
        Long table: ``factor, level, baseline, [by, group,] outcome, pairs, mean_diff,
        ci_low, ci_high, p, p_holm, significant`` (Holm over the rows of each outcome).
    """
    ok = df[df["status"] == "ok"]
    levels = _levels(df, factor)
    if len(levels) < 2:
        return pd.DataFrame()
    baseline = levels[0]
    if keys is None:
        names = factors if factors is not None else df.attrs.get("experiment", {}).get("factors")
        keys = [f for f in (names or []) if f != factor and f in df.columns] + ["replicate"]
    groups: list[Any] = _levels(df, by) if by else [None]
    key = _pair_keys(ok, keys)
    rows = []
    for outcome in outcomes:
        values = pd.to_numeric(ok[outcome], errors="coerce")
        table = ok.assign(_y=values, _key=key).pivot_table(
            index="_key", columns=factor, values="_y", aggfunc="first"
        )
        if baseline not in table.columns:
            continue
        for group in groups:
            rows_g = table
            if group is not None:
                rows_g = table[table.index.isin(set(key[ok[by] == group]))]
            for level in levels[1:]:
                if level not in rows_g.columns:
                    continue
                row = {"factor": factor, "level": str(level), "baseline": str(baseline)}
                if by:
                    row.update({"by": by, "group": str(group)})
                row["outcome"] = outcome
                row.update(paired_test(rows_g[level] - rows_g[baseline]))
                rows.append(row)
    return _with_holm(rows)


def interaction_effects(
    df: pd.DataFrame,
    first: str,
    second: str,
    outcomes: list[str],
    factors: list[str] | None = None,
) -> pd.DataFrame:
    """Interaction of two factors: the difference of differences on paired runs.

    For each level ``a`` of ``first`` (not its reference ``a0``) and ``b`` of ``second`` (not
    ``b0``): ``[y(a, b) - y(a0, b)] - [y(a, b0) - y(a0, b0)]`` within each pair (same
    replicate and other factors), its mean, 95 % interval and p-value, Holm-corrected over
    the rows of each outcome.

    Args:
        df: Results of a grid design.
        first: The factor whose effect is compared.
        second: The factor it may depend on.
        outcomes: Outcome columns.
        factors: The factor columns (default: ``df.attrs["experiment"]["factors"]``).

    Returns:
        Long table: ``first, level, baseline, second, second_level, second_baseline, outcome,
        pairs, mean_diff, ci_low, ci_high, p, p_holm, significant``.
    """
    ok = df[df["status"] == "ok"]
    a_levels, b_levels = _levels(df, first), _levels(df, second)
    if len(a_levels) < 2 or len(b_levels) < 2:
        return pd.DataFrame()
    a0, b0 = a_levels[0], b_levels[0]
    names = factors if factors is not None else df.attrs.get("experiment", {}).get("factors")
    keys = [f for f in (names or []) if f not in (first, second) and f in df.columns]
    key = _pair_keys(ok, [*keys, "replicate"])
    cell = ok[first].astype(str) + "\x1f" + ok[second].astype(str)
    rows = []
    for outcome in outcomes:
        values = pd.to_numeric(ok[outcome], errors="coerce")
        table = ok.assign(_y=values, _key=key, _cell=cell).pivot_table(
            index="_key", columns="_cell", values="_y", aggfunc="first"
        )

        def y(a: Any, b: Any, table: pd.DataFrame = table) -> pd.Series:
            name = f"{a}\x1f{b}"
            return table[name] if name in table.columns else pd.Series(math.nan, table.index)

        for a in a_levels[1:]:
            for b in b_levels[1:]:
                diff = (y(a, b) - y(a0, b)) - (y(a, b0) - y(a0, b0))
                rows.append(
                    {
                        "first": first,
                        "level": str(a),
                        "baseline": str(a0),
                        "second": second,
                        "second_level": str(b),
                        "second_baseline": str(b0),
                        "outcome": outcome,
                        **paired_test(diff),
                    }
                )
    return _with_holm(rows)


def _short(name: str) -> str:
    """The last part of a dotted factor path (``trust.initial`` -> ``initial``)."""
    return name.rsplit(".", 1)[-1]


def _row_text(label: str, r: pd.Series) -> str:
    ci = f"[{sig(r['ci_low'], signed=True)}, {sig(r['ci_high'], signed=True)}]"
    mark = " *" if r["significant"] else ""
    return (
        f"    {label[:34]:<34} {sig(r['mean_diff'], signed=True):>10} {ci:>22} "
        f"p_holm={sig(r['p_holm'])}{mark} (n={r['pairs']})"
    )


def effects_text(name: str, table: pd.DataFrame) -> list[str]:
    """A ``paired_*`` or ``interaction_*`` table as printed by ``terrisim analyze``.

    Args:
        name: The table's name (``paired_<factor>[_by_<other>]`` or ``interaction_...``).
        table: Output of :func:`paired_differences` or :func:`interaction_effects`.

    Returns:
        The lines: mean difference, its 95 % interval, the Holm-adjusted p-value, ``*`` when
        below :data:`ALPHA`, and the number of pairs, 3 significant digits.
    """
    if table.empty:
        return []
    first = table.iloc[0]
    note = "  (paired runs; mean [95% CI]; p Holm-corrected per outcome; * p_holm < 0.05)"
    if name.startswith("interaction_"):
        head = (
            f"\ninteraction {first['first']} x {first['second']}: change of the effect of "
            f"{first['first']} (against {first['baseline']!r}) from {first['second']} = "
            f"{first['second_baseline']!r} to each other level"
        )
        lines = [head, note]
    else:
        where = f", within each level of {first['by']}" if "by" in table.columns else ""
        lines = [f"\n{first['factor']}: paired difference against {first['baseline']!r}{where}"]
        lines.append(note)
    for outcome, group in table.groupby("outcome", sort=False):
        lines.append(f"  {outcome}")
        for _, r in group.iterrows():
            if name.startswith("interaction_"):
                label = f"{r['level']} at {_short(r['second'])} = {r['second_level']}"
            elif "by" in table.columns:
                label = f"{r['level']} at {_short(r['by'])} = {r['group']}"
            else:
                label = str(r["level"])
            lines.append(_row_text(label, r))
    return lines
