"""Reading and analysing a sweep's results: tables (mean and 95% CI per factor level) and plots.

* :func:`load_results`: one row per run (run id, design point, replicate, seed, status, error,
  factors, indicators) as a pandas DataFrame; works mid-sweep.
* :func:`summarise`: mean, standard deviation and the 95% confidence interval of the mean
  (Student t: ``mean +- t(0.975, n - 1) s / sqrt(n)``) of each outcome for each level of each
  factor. Continuous factors (LHS, Sobol, Morris) are cut into quantile bins.
* :func:`sobol_indices`: first-order and total Sobol indices with bootstrap confidence intervals
  (SALib ``analyze.sobol``; Saltelli et al. 2010), on the mean outcome over replicates.
* :func:`morris_indices`: Morris elementary effects, ``mu*`` (mean absolute effect, importance)
  and ``sigma`` (spread, interactions and non-linearity) (Morris 1991; Campolongo et al. 2007).
* :func:`analyze`: all of the above, written to ``DIR/analysis/`` as CSV and PNG.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.convergence import convergence_warnings, sobol_convergence
from terrisim.experiments.designs import salib_problem, unit_matrix
from terrisim.experiments.effects import (
    effects_text,
    interaction_effects,
    paired_differences,
)
from terrisim.experiments.formatting import sig
from terrisim.experiments.spec import (
    BisectionDesign,
    Experiment,
    ExperimentError,
    MorrisDesign,
    SobolDesign,
    check_requested,
    parse_experiment,
)
from terrisim.experiments.store import ANALYSIS, BASE_COLUMNS, RUNS, SERIES, PartDataset, read_meta
from terrisim.experiments.timeseries import analyze_time, recovery_text
from terrisim.experiments.variance import variance_shares, variance_text, variance_warnings
from terrisim.extras import require

#: Outcomes analysed by default, when present and not constant (equity, resilience, outcomes).
PREFERRED_OUTCOMES = (
    "satisfaction_mean",
    "gini",
    "shock_resilience_loss",
    "shock_resistance",
    "urban_rural_ratio",
    "trust_urban_rural_final",
    "theil_between_kinds",
    "outcome",
    "f",
)
#: Indicators that describe the run rather than its outcome (never chosen by default).
DESCRIPTIVE = {"steps", "territories", "links", "shock_count", "misperception_final"}


def _meta(directory: Path) -> dict[str, Any]:
    meta = read_meta(directory)
    if meta is None:
        raise ExperimentError(
            f"{directory}: not a sweep directory (no experiment.json); run 'terrisim sweep' first"
        )
    return meta


def load_results(
    directory: str | Path, *, status: str | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """The runs of a sweep, one row each (also while the sweep is still running).

    Columns: ``run_id, point, replicate, seed, status, error, duration_s, worker``, then the
    factors (their labels if they have some), then the run-level indicators. The parts are read
    as one Arrow dataset (200,000 runs in about a second: docs/performance.md).

    Args:
        directory: The sweep directory.
        status: Keep only runs with this status (``"ok"`` or ``"failed"``).
        columns: Read only these columns (``run_id``, ``point``, ``replicate`` and ``status``
            are always read; unknown names are left out).

    Returns:
        The runs, sorted by replicate and design point; ``df.attrs["experiment"]`` holds the
        content of ``experiment.json``.

    Raises:
        ExperimentError: ``directory`` is not a sweep directory.
    """
    directory = Path(directory)
    meta = _meta(directory)
    wanted = None if columns is None else list(dict.fromkeys([*BASE_COLUMNS[:5], *columns]))
    df = PartDataset(directory / RUNS).read(wanted)
    if df.empty:
        df = pd.DataFrame(columns=[*BASE_COLUMNS, *meta.get("factors", [])])
    else:
        df = df.drop_duplicates("run_id", keep="last")
        df = df.sort_values(["replicate", "point"], kind="stable").reset_index(drop=True)
    if status is not None:
        df = df[df["status"] == status].reset_index(drop=True)
    df.attrs["experiment"] = meta
    return df


def load_series(directory: str | Path) -> pd.DataFrame:
    """The per-step series of a sweep's runs (only with ``keep_series = true``), with factors.

    Args:
        directory: The sweep directory.

    Returns:
        One row per run and step: ``run_id``, ``point``, ``replicate``, the run's factor values
        (as in :func:`load_results`), ``step``, then the series columns.
    """
    directory = Path(directory)
    _meta(directory)
    series = PartDataset(directory / SERIES).read()
    if series.empty or "run_id" not in series:
        return series
    runs = load_results(directory)
    names = [c for c in ("point", "replicate", *factor_columns(runs)) if c not in series]
    joined = series.merge(runs[["run_id", *names]], on="run_id", how="left")
    first = ["run_id", *names, *(["step"] if "step" in joined else [])]
    return joined[[*first, *(c for c in joined.columns if c not in first)]]


def _experiment(df: pd.DataFrame) -> Experiment:
    return parse_experiment(df.attrs["experiment"]["experiment"], "experiment.json")


def factor_columns(df: pd.DataFrame) -> list[str]:
    """The factor columns of a results frame (and ``label`` for a labelled list design)."""
    meta = df.attrs.get("experiment", {})
    names = list(meta.get("factors", []))
    if "label" in df.columns and "label" not in names:
        names.insert(0, "label")
    return [n for n in names if n in df.columns]


def indicator_columns(df: pd.DataFrame) -> list[str]:
    """The numeric indicator columns of a results frame."""
    skip = {*BASE_COLUMNS, *factor_columns(df)}
    return [
        c
        for c in df.columns
        if c not in skip
        and (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]


def choose_outcomes(
    df: pd.DataFrame, requested: list[str] | None = None, limit: int = 4
) -> list[str]:
    """The outcomes to analyse: those requested, else preferred ones present, else the first.

    Args:
        df: Results (from :func:`load_results`).
        requested: Outcome names asked for (checked).
        limit: Most outcomes chosen automatically.

    Returns:
        Outcome column names.

    Raises:
        ExperimentError: A requested outcome is not a numeric indicator of the results.
    """
    numeric = indicator_columns(df)
    if requested:
        check_requested(
            requested,
            numeric,
            "outcome",
            "a numeric indicator of these results",
            none="(none: no successful run yet)",
        )
        return list(requested)
    ok = df[df["status"] == "ok"]

    def varies(c: str) -> bool:
        values = pd.to_numeric(ok[c], errors="coerce").dropna()
        return len(values) > 1 and values.nunique() > 1

    chosen = [c for c in PREFERRED_OUTCOMES if c in numeric and varies(c)]
    if not chosen:
        chosen = [c for c in numeric if c not in DESCRIPTIVE and varies(c)]
    return chosen[:limit]


def mean_ci(
    values: pd.Series | np.ndarray, level: float = 0.95
) -> tuple[int, float, float, float, float]:
    """Mean and Student-t confidence interval of the mean.

    Args:
        values: The sample (missing values are dropped).
        level: Confidence level.

    Returns:
        ``(n, mean, sd, ci_low, ci_high)``; the interval is NaN when ``n < 2``.
    """
    from scipy import stats

    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(float)
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def _numeric(values: pd.Series) -> bool:
    """Numbers on a scale: a numeric dtype, booleans excepted (they are two levels)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _is_discrete(series: pd.Series, max_levels: int = 12) -> bool:
    values = series.dropna()
    return not _numeric(values) or values.nunique() <= max_levels


def factor_groups(df: pd.DataFrame, factor: str, bins: int = 5) -> pd.Series:
    """The level of each run for a factor: its value, or a quantile bin for continuous ones.

    Args:
        df: Results.
        factor: Factor column.
        bins: Quantile bins for continuous factors.

    Returns:
        A series aligned with ``df`` (bins are ``pd.Interval``; ``.mid`` is the bin centre).
    """
    col = df[factor]
    if _is_discrete(col):
        return col
    return pd.qcut(pd.to_numeric(col), q=bins, duplicates="drop")


def _level_text(level: Any) -> str:
    """A level as text; a quantile bin as ``(low, high]`` with 4 significant digits."""
    if isinstance(level, pd.Interval):
        return f"({level.left:.4g}, {level.right:.4g}]"
    return str(level)


def summarise(
    df: pd.DataFrame, outcomes: list[str], factors: list[str] | None = None, bins: int = 5
) -> pd.DataFrame:
    """Mean and 95% CI of each outcome per level of each factor (successful runs only).

    Args:
        df: Results (from :func:`load_results`).
        outcomes: Outcome columns.
        factors: Factor columns (default: all).
        bins: Quantile bins for continuous factors.

    Returns:
        Long table: ``factor, level, outcome, n, failed, mean, sd, ci_low, ci_high``.
    """
    rows = []
    failed = df["status"] != "ok"
    for factor in factors if factors is not None else factor_columns(df):
        groups = factor_groups(df, factor, bins)
        binned = isinstance(groups.dtype, pd.CategoricalDtype)
        numeric = not _categorical(df, factor)  # numeric levels in increasing order
        ordered = binned or numeric  # categorical ones (rules...) in design order
        for level, idx in df.groupby(groups, observed=True, sort=ordered).groups.items():
            sub = df.loc[idx]
            ok = sub[sub["status"] == "ok"]
            for outcome in outcomes:
                n, mean, sd, lo, hi = mean_ci(ok[outcome])
                rows.append(
                    {
                        "factor": factor,
                        "level": _level_text(level),
                        "level_value": level.mid if isinstance(level, pd.Interval) else level,
                        "outcome": outcome,
                        "n": n,
                        "failed": int(failed.loc[idx].sum()),
                        "mean": mean,
                        "sd": sd,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
    return pd.DataFrame(rows)


def by_point(df: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean and 95% CI of each outcome per design point, over its replicates.

    Args:
        df: Results.
        outcomes: Outcome columns.

    Returns:
        One row per design point: the factors, then ``n``, ``failed`` and, per outcome,
        ``<outcome>_mean``, ``<outcome>_ci_low``, ``<outcome>_ci_high``.
    """
    factors = factor_columns(df)
    rows = []
    for point, sub in df.groupby("point", sort=True):
        ok = sub[sub["status"] == "ok"]
        row: dict[str, Any] = {"point": point, **{f: sub[f].iloc[0] for f in factors}}
        row["n"] = len(ok)
        row["failed"] = len(sub) - len(ok)
        for outcome in outcomes:
            _, mean, _, lo, hi = mean_ci(ok[outcome])
            row.update({f"{outcome}_mean": mean, f"{outcome}_ci_low": lo, f"{outcome}_ci_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def _point_means(df: pd.DataFrame, outcome: str, n_points: int) -> tuple[np.ndarray, int]:
    ok = df[df["status"] == "ok"]
    means = pd.to_numeric(ok[outcome], errors="coerce").groupby(ok["point"]).mean()
    y = means.reindex(range(n_points)).to_numpy(float)
    return y, int(np.isnan(y).sum())


def sobol_indices(df: pd.DataFrame, outcome: str, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% confidence intervals.

    Also the indices on the first half of the Saltelli sample and the convergence flags
    (:func:`terrisim.experiments.convergence.sobol_convergence`).

    Args:
        df: Results of a Sobol experiment (every design point needs a successful run).
        outcome: The outcome.
        seed: Seed of SALib's bootstrap.

    Returns:
        One row per factor: ``factor, S1, S1_conf, ST, ST_conf`` (``*_conf`` is the half-width
        of the 95% interval), then ``S1_half, ST_half, change, s1_above_st``;
        ``attrs["samples"]`` is N.

    Raises:
        ExperimentError: Not a Sobol experiment, or design points have no value.
    """
    require("SALib.analyze.sobol", "sweep", "Sobol indices")
    exp = _experiment(df)
    design = exp.design
    if not isinstance(design, SobolDesign):
        raise ExperimentError(f"Sobol indices need a sobol design, not {design.method}")
    problem = salib_problem(exp)
    y, missing = _point_means(df, outcome, df.attrs["experiment"]["n_points"])
    if missing:
        raise ExperimentError(
            f"Sobol indices of {outcome!r}: {missing} design points have no value (failed, not "
            "run yet, or the indicator is undefined); finish the sweep or pick another outcome"
        )
    return sobol_convergence(problem, y, second_order=design.second_order, seed=seed)


def morris_indices(df: pd.DataFrame, outcome: str, seed: int = 0) -> pd.DataFrame:
    """Morris screening: ``mu*`` (with its 95% CI), ``mu`` and ``sigma`` of each factor.

    Args:
        df: Results of a Morris experiment (every design point needs a successful run).
        outcome: The outcome.
        seed: Seed of SALib's bootstrap.

    Returns:
        One row per factor: ``factor, mu_star, mu_star_conf, mu, sigma``.

    Raises:
        ExperimentError: Not a Morris experiment, or design points have no value.
    """
    morris = require("SALib.analyze.morris", "sweep", "Morris indices")
    exp = _experiment(df)
    design = exp.design
    if not isinstance(design, MorrisDesign):
        raise ExperimentError(f"Morris indices need a morris design, not {design.method}")
    problem = salib_problem(exp)
    x = unit_matrix(exp)
    assert x is not None
    y, missing = _point_means(df, outcome, len(x))
    if missing:
        raise ExperimentError(
            f"Morris indices of {outcome!r}: {missing} design points have no value (failed, not "
            "run yet, or the indicator is undefined); finish the sweep or pick another outcome"
        )
    res = morris.analyze(problem, x, y, num_levels=design.levels, seed=seed)
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "mu": res["mu"],
            "sigma": res["sigma"],
        }
    )


# ------------------------------------------------------------------------------------------
# plots
def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "factor"


def _categorical(df: pd.DataFrame, factor: str) -> bool:
    return not _numeric(df[factor].dropna())


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the file-only Agg backend (imported when a plot is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    """Write ``fig`` to the PNG ``path`` (110 dpi), close it and return ``path``."""
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_effects(summary: pd.DataFrame, outcome: str, path: Path) -> Path:
    """Outcome against each factor: mean per level with its 95% CI (band or error bars).

    Args:
        summary: Output of :func:`summarise`.
        outcome: The outcome to plot.
        path: PNG file to write.

    Returns:
        ``path``.
    """
    plt = _pyplot()

    rows = summary[summary["outcome"] == outcome]
    factors = list(dict.fromkeys(rows["factor"]))
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False)
    for ax, factor in zip(axes.flat, factors, strict=False):
        sub = rows[rows["factor"] == factor]
        values = sub["level_value"]
        if _numeric(values) and len(sub) > 1:
            x = values.to_numpy(float)
            order = np.argsort(x)
            ax.plot(x[order], sub["mean"].to_numpy()[order], marker="o", color="C0")
            ax.fill_between(
                x[order],
                sub["ci_low"].to_numpy(float)[order],
                sub["ci_high"].to_numpy(float)[order],
                color="C0",
                alpha=0.25,
                label="95% CI",
            )
        else:
            x = np.arange(len(sub))
            err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            ax.errorbar(x, sub["mean"], yerr=np.nan_to_num(err), fmt="o", capsize=4)
            ax.set_xticks(x, [str(v)[:18] for v in sub["level"]], rotation=20, ha="right")
        ax.set_xlabel(factor)
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    fig.suptitle(f"{outcome}: mean and 95% CI per factor level")
    fig.tight_layout()
    return _save(fig, path)


def plot_compare(
    df: pd.DataFrame, factor: str, outcomes: list[str], path: Path, by: str | None = None
) -> Path:
    """Distributions of outcomes per level of a categorical factor (violins with boxes).

    This is the "governance rules compared on resilience and equity" figure when the factor is
    the governance rule. With ``by`` (another categorical factor, e.g. the kind of shock), each
    level gets one box per level of ``by``, side by side, so that effects are not averaged over
    very different conditions.

    Args:
        df: Results.
        factor: A categorical factor column (or ``label``).
        outcomes: Outcome columns (one panel each).
        path: PNG file to write.
        by: A second categorical factor to split each level by.

    Returns:
        ``path``.
    """
    plt = _pyplot()
    from matplotlib.patches import Patch

    ok = df[df["status"] == "ok"]
    levels = list(dict.fromkeys(df[factor].dropna()))
    groups = list(dict.fromkeys(df[by].dropna())) if by else [None]
    width = 0.8 / len(groups)
    ncols = min(2, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    size = min(9.0, max(4.5, (1.0 + 0.35 * (len(groups) - 1)) * len(levels) + 1.5))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, 3.6 * nrows), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        for k, group in enumerate(groups):
            sub = ok if group is None else ok[ok[by] == group]
            data = [
                pd.to_numeric(sub.loc[sub[factor] == lv, outcome], errors="coerce").dropna()
                for lv in levels
            ]
            offset = (k - (len(groups) - 1) / 2) * width
            positions = [i + offset for i, d in enumerate(data) if len(d)]
            present = [d.to_numpy(float) for d in data if len(d)]
            color = f"C{k % 10}"
            if any(len(d) > 1 and np.ptp(d) > 0 for d in present):
                parts = ax.violinplot(
                    present, positions=positions, widths=width * 0.9, showextrema=False
                )
                for body in parts["bodies"]:
                    body.set_facecolor(color)
                    body.set_alpha(0.3)
            if present:
                ax.boxplot(
                    present,
                    positions=positions,
                    widths=width * 0.25,
                    showfliers=False,
                    medianprops={"color": color if by else "C1"},
                )
        ax.set_xticks(range(len(levels)), [str(v)[:20] for v in levels], rotation=20, ha="right")
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    if by:
        handles = [Patch(color=f"C{k % 10}", alpha=0.4, label=str(g)) for k, g in enumerate(groups)]
        fig.legend(handles=handles, title=by, loc="upper right", fontsize=8)
    title = f"outcomes by {factor}" + (f" and {by}" if by else "")
    fig.suptitle(f"{title} ({len(ok)} runs)")
    fig.tight_layout(rect=(0, 0, 0.92 if by else 1, 1))
    return _save(fig, path)


def plot_sobol(indices: pd.DataFrame, outcome: str, path: Path) -> Path:
    """Bar chart of S1 and ST with their 95% confidence intervals.

    Args:
        indices: Output of :func:`sobol_indices`.
        outcome: Outcome name (title).
        path: PNG file to write.

    Returns:
        ``path``.
    """
    plt = _pyplot()

    x = np.arange(len(indices))
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(x) + 2), 3.8))
    ax.bar(
        x - 0.18, indices["S1"], 0.36, yerr=indices["S1_conf"], capsize=3, label="S1 (first order)"
    )
    ax.bar(x + 0.18, indices["ST"], 0.36, yerr=indices["ST_conf"], capsize=3, label="ST (total)")
    ax.set_xticks(x, indices["factor"], rotation=20, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("Sobol index")
    ax.set_title(f"Sobol indices of {outcome} (95% CI)")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _save(fig, path)


def plot_morris(indices: pd.DataFrame, outcome: str, path: Path) -> Path:
    """Morris ``mu*`` against ``sigma``, with ``mu*`` confidence intervals.

    Args:
        indices: Output of :func:`morris_indices`.
        outcome: Outcome name (title).
        path: PNG file to write.

    Returns:
        ``path``.
    """
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.errorbar(
        indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o", capsize=3
    )
    for _, row in indices.iterrows():
        ax.annotate(
            str(row["factor"]),
            (row["mu_star"], row["sigma"]),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    top = float(np.nanmax([indices["mu_star"].max(), indices["sigma"].max(), 1e-12]))
    ax.plot([0, top], [0, top], ls="--", color="grey", lw=0.8, label="sigma = mu*")
    ax.set_xlabel("mu* (importance)")
    ax.set_ylabel("sigma (interactions, non-linearity)")
    ax.set_title(f"Morris screening of {outcome}")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_thresholds(df: pd.DataFrame, experiment: Experiment, path: Path) -> Path:
    """Share of replicates that recovered at each value tried, one line per search.

    The threshold found is marked by a dashed line (its final bracket is ``tol`` wide).

    Args:
        df: Results of a bisection experiment.
        experiment: The experiment.
        path: PNG file to write.

    Returns:
        ``path``.
    """
    plt = _pyplot()

    from terrisim.experiments.bisection import plan, shares_from_results

    design = experiment.design
    assert isinstance(design, BisectionDesign)
    _, _, searches = plan(experiment, shares_from_results(df, experiment))
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    for k, search in enumerate(searches):
        label = ", ".join(f"{n}={experiment.factors[n].label(v)}" for n, v in search.combo.items())
        pts = sorted(search.evaluations)
        color = f"C{k % 10}"
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            "o-",
            color=color,
            ms=4,
            label=f"{label or design.factor}: {search.status}"
            + (f" {search.threshold:.4g}" if search.threshold is not None else ""),
        )
        if search.threshold is not None:
            ax.axvline(search.threshold, color=color, ls="--", lw=0.8)
    ax.axhline(design.share, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(design.factor)
    ax.set_ylabel(f"share of replicates with {design.outcome}")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("threshold search (bisection)")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


# ------------------------------------------------------------------------------------------
@dataclass
class AnalysisReport:
    """What :func:`analyze` produced.

    Attributes:
        directory: Where the files went.
        outcomes: The outcomes analysed.
        runs: Runs on disk; ``failed`` of them failed; ``expected`` in the experiment.
        tables: Name -> DataFrame (also written as CSV).
        figures: PNG files written.
        notes: Remarks (analyses skipped and why).
        warnings: Diagnostics a reader must not miss (factors that explain little of the
            variance, Sobol indices not converged), printed as ``warning:`` lines.
    """

    directory: Path
    outcomes: list[str]
    runs: int
    failed: int
    expected: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """A printable summary: counts, then mean [95% CI] per factor level per outcome."""
        outcomes = ", ".join(self.outcomes) or "(none)"
        lines = [
            f"{self.runs} of {self.expected} runs on disk, {self.failed} failed; outcomes: {outcomes}"
        ]
        if "variance" in self.tables:
            lines.extend(variance_text(self.tables["variance"]))
        summary = self.tables.get("summary")
        if summary is not None and not summary.empty:
            for outcome in self.outcomes:
                sub = summary[summary["outcome"] == outcome]
                lines.append(f"\n{outcome}: mean [95% CI] (n runs)")
                for factor, group in sub.groupby("factor", sort=False):
                    lines.append(f"  {factor}")
                    for _, r in group.iterrows():
                        ci = (
                            f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}]"
                            if not math.isnan(r["ci_low"])
                            else "[n/a]"
                        )
                        lines.append(
                            f"    {r['level'][:30]:<30} {r['mean']:>10.4g} {ci:>24} (n={r['n']})"
                        )
        for key, table in self.tables.items():
            if key.startswith(("paired_", "interaction_")):
                lines.extend(effects_text(key, table))
        if "recovery" in self.tables:
            lines.extend(recovery_text(self.tables["recovery"]))
        if "thresholds" in self.tables:
            lines.append("\nthreshold search:")
            lines.append(self.tables["thresholds"].to_string(index=False))
        for name in ("sobol", "morris"):
            for key, table in self.tables.items():
                if key.startswith(name + "_"):
                    lines.append(f"\n{key.replace('_', ' of ', 1)}:")
                    lines.append(table.to_string(index=False, float_format=sig))
        lines.extend(f"note: {n}" for n in self.notes)
        lines.extend(f"warning: {w}" for w in self.warnings)
        lines.append(
            f"\nwrote {len(self.tables)} tables and {len(self.figures)} figures to {self.directory}"
        )
        return "\n".join(lines)


def _sensitivity(
    report: AnalysisReport, df: pd.DataFrame, exp: Any, outcomes: list[str], *, plots: bool
) -> None:
    """Sobol or Morris indices of each outcome (sensitivity designs), into ``report``."""
    for outcome in outcomes:
        for kind, fn, draw in (
            ("sobol", sobol_indices, plot_sobol),
            ("morris", morris_indices, plot_morris),
        ):
            if exp.design.method != kind:
                continue
            try:
                table = fn(df, outcome, seed=exp.seed)
            except ExperimentError as err:
                report.notes.append(str(err))
                continue
            report.tables[f"{kind}_{outcome}"] = table
            if kind == "sobol":
                report.warnings.extend(convergence_warnings(table, outcome))
            if plots:
                path = report.directory / f"{kind}_{_slug(outcome)}.png"
                report.figures.append(draw(table, outcome, path))


def _effects(
    report: AnalysisReport,
    df: pd.DataFrame,
    factors: list[str],
    outcomes: list[str],
    *,
    listed: bool,
) -> None:
    """Paired effects of every factor's levels, into ``report``.

    Also, for grid designs, within each level of each other factor, and the interaction of
    every pair of factors.
    """
    compared = [f for f in factors if df[f].nunique() > 1]
    columns = factor_columns(df)
    for factor in compared:
        keys = ["replicate"] if listed else None
        paired = paired_differences(df, factor, outcomes, keys=keys, factors=columns)
        if not paired.empty:
            report.tables[f"paired_{factor}"] = paired
    if listed:
        return
    for factor in compared:
        for other in compared:
            if other != factor:
                table = paired_differences(df, factor, outcomes, by=other, factors=columns)
                if not table.empty:
                    report.tables[f"paired_{factor}_by_{other}"] = table
    for i, first in enumerate(compared):
        for second in compared[i + 1 :]:
            table = interaction_effects(df, first, second, outcomes, factors=columns)
            if not table.empty:
                report.tables[f"interaction_{first}_x_{second}"] = table


def analyze(
    directory: str | Path,
    *,
    outcomes: list[str] | None = None,
    out: str | Path | None = None,
    bins: int | None = None,
    plots: bool = True,
    series: list[str] | None = None,
) -> AnalysisReport:
    """Tables and plots of a sweep's results, written to ``DIR/analysis`` (or ``out``).

    Files: ``summary.csv`` (mean and CI per factor level), ``by_point.csv`` (grid and list
    designs), ``sobol_<outcome>.csv`` / ``morris_<outcome>.csv`` (sensitivity designs),
    ``recovery.csv`` (time to recovery per level, sweeps with a shock), ``envelopes.csv``
    (quantiles over time per level, sweeps with ``keep_series``), and the PNG figures
    ``effects_<outcome>.png``, ``compare_<factor>.png`` (categorical factors: e.g. governance
    rules on resilience and equity), ``sobol_<outcome>.png``, ``morris_<outcome>.png``,
    ``envelope_<series>_by_<factor>.png``.

    Args:
        directory: The sweep directory.
        outcomes: Outcomes to analyse (default: the experiment's ``[analysis] outcomes``, else
            chosen among equity and resilience indicators).
        out: Where to write (default: ``DIR/analysis``).
        bins: Quantile bins for continuous factors (default: the experiment's, 5).
        plots: Also draw the PNG figures.
        series: Series columns drawn over time (default: the experiment's ``[analysis]
            series``, else those the outcomes are named after, else ``satisfaction``).

    Returns:
        The report (tables, figures, notes).

    Raises:
        ExperimentError: Not a sweep directory, an unknown outcome or series column, or series
            asked of a sweep that stored none.
    """
    directory = Path(directory)
    df = load_results(directory)
    meta = df.attrs["experiment"]
    exp = _experiment(df)
    outcomes = choose_outcomes(df, outcomes or list(exp.analysis.outcomes) or None)
    target = Path(out) if out is not None else directory / ANALYSIS
    target.mkdir(parents=True, exist_ok=True)
    failed = int((df["status"] != "ok").sum()) if len(df) else 0
    report = AnalysisReport(target, outcomes, len(df), failed, int(meta.get("n_runs", 0)))
    if df.empty or not outcomes:
        report.notes.append(
            "no successful runs with a varying numeric indicator: nothing to analyse"
        )
        return report
    factors = factor_columns(df)
    if exp.design.method == "list" and "label" in factors:
        factors = ["label"]  # the points' names stand for their (JSON) factor values
    summary = summarise(df, outcomes, factors, bins or exp.analysis.bins)
    report.tables["summary"] = summary
    report.tables["variance"] = variance_shares(df, outcomes)
    report.warnings.extend(
        variance_warnings(report.tables["variance"], sobol=exp.design.method == "sobol")
    )
    categorical = [f for f in factors if _categorical(df, f) and df[f].nunique() > 1]
    listed = exp.design.method == "list"
    if listed and "label" in categorical:
        categorical = ["label"]  # the points' names stand for their (JSON) factor values
    if exp.design.method in {"grid", "list"}:
        report.tables["by_point"] = by_point(df, outcomes)
        _effects(report, df, categorical if listed else factors, outcomes, listed=listed)
    _sensitivity(report, df, exp, outcomes, plots=plots)
    if isinstance(exp.design, BisectionDesign):
        from terrisim.experiments.bisection import threshold_table

        report.tables["thresholds"] = threshold_table(df, exp)
        if plots:
            report.figures.append(plot_thresholds(df, exp, target / "thresholds.png"))
    analyze_time(
        report,
        directory,
        df,
        factors,
        outcomes,
        bins=bins or exp.analysis.bins,
        requested=series or list(exp.analysis.series) or None,
        plots=plots,
    )
    for name, table in report.tables.items():
        table.to_csv(target / f"{_slug(name)}.csv", index=False)
    if plots:
        for outcome in outcomes:
            report.figures.append(
                plot_effects(summary, outcome, target / f"effects_{_slug(outcome)}.png")
            )
        for factor in categorical:
            others = [f for f in categorical if f != factor and df[f].nunique() <= 6]
            by = others[0] if others else None
            path = target / f"compare_{_slug(factor)}.png"
            report.figures.append(plot_compare(df, factor, outcomes, path, by=by))
    return report
