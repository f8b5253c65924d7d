"""Outcomes over time per factor level: quantile envelopes and time to recovery.

* :func:`envelopes`: per level of a factor and per step, the median and the 5, 25, 75 and 95 %
  quantiles of a series column over the level's runs (sweeps with ``keep_series = true``).
* :func:`recovery_by_level`: per level, how many runs recovered from their first shock and the
  quartiles of their time to recovery, read from the run-level indicators
  ``shock_[urban_|rural_]recovery_time`` of the run summary (``docs/metrics.md``: back inside
  the tolerance band of the pre-shock level, for good, before the next shock), so that a
  sweep needs no stored series for it. A run that never recovers counts as infinitely long:
  the median is then "never" (NaN) when half of the level's runs or more never recover.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.formatting import sig
from terrisim.experiments.spec import ExperimentError, check_requested
from terrisim.summary import RESILIENCE_SERIES

#: Quantiles of the envelopes, and their column names.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "median", "q75", "q95")

#: Suffixes of run-level indicators named after a series column (``gini_mean`` -> ``gini``).
_SUFFIXES = ("_final", "_mean")


def run_levels(results: pd.DataFrame, factor: str, bins: int = 5) -> pd.Series:
    """The level of ``factor`` of each run, indexed by run id (quantile bins if continuous).

    Args:
        results: Output of :func:`terrisim.experiments.analysis.load_results`.
        factor: A factor column.
        bins: Quantile bins for continuous factors.

    Returns:
        Level text per ``run_id``, in the levels' order (numbers and bins increasing).
    """
    from terrisim.experiments.analysis import _level_text, factor_groups

    groups = factor_groups(results, factor, bins)
    order = sorted(groups.dropna().unique(), key=_sort_key)
    text = groups.map(_level_text)
    categories = list(dict.fromkeys(_level_text(v) for v in order))
    return pd.Series(
        pd.Categorical(text, categories=categories, ordered=True),
        index=results["run_id"].to_numpy(),
        name=factor,
    )


def _sort_key(level: Any) -> tuple[int, Any]:
    if isinstance(level, pd.Interval):
        return (0, level.left)
    if isinstance(level, (int, float, np.number)) and not isinstance(level, bool):
        return (0, float(level))
    return (1, 0)  # text levels keep the design order (a stable sort)


def series_columns(series: pd.DataFrame, results: pd.DataFrame) -> list[str]:
    """The numeric series columns of a sweep's stored series (not its keys or factors)."""
    skip = {"run_id", "point", "replicate", "step", *results.columns.intersection(series.columns)}
    return [c for c in series.columns if c not in skip and pd.api.types.is_numeric_dtype(series[c])]


def choose_series(
    series: pd.DataFrame,
    results: pd.DataFrame,
    outcomes: list[str],
    requested: list[str] | None = None,
) -> list[str]:
    """The series columns to draw: those requested, else those the outcomes are named after.

    Args:
        series: Output of :func:`terrisim.experiments.analysis.load_series`.
        results: The runs (for the factor columns to leave out).
        outcomes: The run-level outcomes analysed (``gini_mean`` stands for ``gini``).
        requested: Columns asked for (``--series``, ``[analysis] series``).

    Returns:
        Column names; ``satisfaction`` when no outcome is named after a series column.

    Raises:
        ExperimentError: A requested column is not a numeric series column.
    """
    available = series_columns(series, results)
    if requested:
        check_requested(requested, available, "series", "a numeric series column of this sweep")
        return list(dict.fromkeys(requested))
    chosen = []
    for outcome in outcomes:
        name = outcome
        for suffix in _SUFFIXES:
            name = name.removesuffix(suffix)
        if name in available:
            chosen.append(name)
    if not chosen and "satisfaction" in available:
        chosen = ["satisfaction"]
    return list(dict.fromkeys(chosen))


def envelopes(series: pd.DataFrame, levels: pd.Series, column: str) -> pd.DataFrame:
    """Median and quantile bands of ``column`` per level and per step.

    Args:
        series: Output of :func:`terrisim.experiments.analysis.load_series` (one row per run
            and step).
        levels: Level of each run, indexed by run id (:func:`run_levels`).
        column: A numeric series column.

    Returns:
        Long table: ``factor, level, series, step, runs, q05, q25, median, q75, q95`` (levels in
        their order, then steps).
    """
    values = pd.to_numeric(series[column], errors="coerce")
    level = series["run_id"].map(levels)
    level = pd.Categorical(level, categories=levels.cat.categories, ordered=True)
    grouped = values.groupby([level, series["step"].to_numpy()], observed=True, sort=True)
    table = grouped.quantile(list(QUANTILES)).unstack()
    table.columns = list(QUANTILE_COLUMNS)
    table.insert(0, "runs", grouped.count())
    table.index.names = ["level", "step"]
    table = table.reset_index()
    table["level"] = table["level"].astype(str)
    table.insert(0, "factor", levels.name)
    table.insert(2, "series", column)
    return table


def recovery_by_level(results: pd.DataFrame, levels: pd.Series) -> pd.DataFrame:
    """Time to recovery after each run's first shock, per level, overall and per class.

    Args:
        results: Output of :func:`terrisim.experiments.analysis.load_results` (the run
            summary's ``shock_[urban_|rural_]recovery_time`` and ``shock_reason``).
        levels: Level of each run, indexed by run id (:func:`run_levels`).

    Returns:
        One row per level and series (``satisfaction``, ``satisfaction_class_urban``,
        ``satisfaction_class_rural``, those the results hold): ``factor, level, series,
        runs`` (successful runs whose first shock was measured), ``recovered``,
        ``recovered_share``, ``q25``, ``median``, ``q75`` (steps from the shock's first step;
        NaN: "never", a quarter, half or three quarters of the runs or more never recovered),
        ``mean_recovered`` (mean over the runs that recovered). Empty when no run has a
        measured shock.
    """
    ok = results[results["status"] == "ok"]
    if "shock_reason" in ok:
        ok = ok[ok["shock_reason"].isna()]
    if "shock_step" in ok:
        ok = ok[ok["shock_step"].notna()]
    level = ok["run_id"].map(levels)
    rows = []
    for prefix, column in RESILIENCE_SERIES.items():
        key = f"shock_{prefix}recovery_time"
        if key not in ok or ok.empty:
            continue
        times = pd.to_numeric(ok[key], errors="coerce").fillna(math.inf).to_numpy(float)
        for name in levels.cat.categories:
            x = times[(level == name).to_numpy()]
            if len(x) == 0:
                continue
            finite = x[np.isfinite(x)]
            q = np.quantile(x, [0.25, 0.5, 0.75], method="lower")
            rows.append(
                {
                    "factor": levels.name,
                    "level": str(name),
                    "series": column,
                    "runs": len(x),
                    "recovered": len(finite),
                    "recovered_share": len(finite) / len(x),
                    **{
                        k: float(v) if math.isfinite(v) else math.nan
                        for k, v in zip(("q25", "median", "q75"), q, strict=True)
                    },
                    "mean_recovered": float(finite.mean()) if len(finite) else math.nan,
                }
            )
    return pd.DataFrame(rows)


def recovery_text(table: pd.DataFrame) -> list[str]:
    """The recovery table as printed by ``terrisim analyze`` (3 significant digits)."""
    if table.empty:
        return []
    head = "time to recovery after the first shock (steps; never: not back within the run"
    lines = [f"\n{head} or before the next shock)"]
    for (factor, column), group in table.groupby(["factor", "series"], sort=False):
        lines.append(f"  {column} by {factor}")
        lines.append(
            f"    {'level':<30} {'recovered':>12} {'q25':>6} {'median':>7} {'q75':>6} "
            f"{'mean if rec.':>12}"
        )
        for _, r in group.iterrows():

            def steps(v: float) -> str:
                return "never" if math.isnan(v) else sig(v)

            count = f"{r['recovered']}/{r['runs']}"
            lines.append(
                f"    {str(r['level'])[:30]:<30} {count:>12} {steps(r['q25']):>6} "
                f"{steps(r['median']):>7} {steps(r['q75']):>6} {sig(r['mean_recovered']):>12}"
            )
    return lines


def plot_envelopes(table: pd.DataFrame, path: Path) -> Path:
    """Median line, 25-75 % band and 5-95 % band of each level, one colour per level.

    Args:
        table: Output of :func:`envelopes` (one factor, one series).
        path: PNG file to write.

    Returns:
        ``path``.
    """
    from terrisim.experiments.analysis import _pyplot, _save

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    for k, (level, sub) in enumerate(table.groupby("level", sort=False)):
        color: Any = f"C{k % 10}"
        ax.fill_between(sub["step"], sub["q05"], sub["q95"], color=color, alpha=0.1, lw=0)
        ax.fill_between(sub["step"], sub["q25"], sub["q75"], color=color, alpha=0.25, lw=0)
        ax.plot(sub["step"], sub["median"], color=color, label=str(level)[:24])
    column, factor = table["series"].iloc[0], table["factor"].iloc[0]
    ax.set_xlabel("step")
    ax.set_ylabel(column)
    ax.set_title(f"{column} by {factor}: median, 25-75 % and 5-95 % of runs", fontsize=9)
    ax.legend(fontsize=7, title=factor[:30], title_fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def analyze_time(
    report: Any,
    directory: Path,
    results: pd.DataFrame,
    factors: list[str],
    outcomes: list[str],
    *,
    bins: int,
    requested: list[str] | None,
    plots: bool,
) -> None:
    """Recovery per level, and envelopes when series are stored, into ``report``.

    Adds the tables ``recovery`` (:func:`recovery_by_level` of every factor) and ``envelopes``
    (:func:`envelopes` of every chosen series column and factor) and the figures
    ``envelope_<series>_by_<factor>.png``.

    Args:
        report: The :class:`terrisim.experiments.analysis.AnalysisReport` being filled.
        directory: The sweep directory.
        results: Its runs.
        factors: Factor columns to split by (those with two levels or more are used).
        outcomes: The outcomes analysed (they choose the series columns by default).
        bins: Quantile bins for continuous factors.
        requested: Series columns asked for (an error if the sweep stored no series).
        plots: Also draw the figures.

    Raises:
        ExperimentError: Series requested from a sweep without stored series, or an unknown
            series column.
    """
    from terrisim.experiments.analysis import _slug, load_series

    split = [f for f in factors if results[f].nunique() > 1]
    levels = {f: run_levels(results, f, bins) for f in split}
    recovery = [recovery_by_level(results, levels[f]) for f in split]
    recovery = [t for t in recovery if not t.empty]
    if recovery:
        report.tables["recovery"] = pd.concat(recovery, ignore_index=True)
    series = load_series(directory)
    if series.empty or "step" not in series:
        if requested:
            raise ExperimentError(
                f"series {requested[0]!r}: {directory} stored no per-step series "
                "(set keep_series = true in the experiment file and sweep again)"
            )
        report.notes.append(
            "no envelopes over time: the sweep stored no series (keep_series = true stores them)"
        )
        return
    tables = []
    for column in choose_series(series, results, outcomes, requested):
        for factor in split:
            table = envelopes(series, levels[factor], column)
            tables.append(table)
            if plots:
                name = f"envelope_{_slug(column)}_by_{_slug(factor)}.png"
                report.figures.append(plot_envelopes(table, report.directory / name))
    if tables:
        report.tables["envelopes"] = pd.concat(tables, ignore_index=True)
