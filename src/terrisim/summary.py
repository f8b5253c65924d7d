"""Run-level indicators: outcomes, equity and resilience of a run (ODD 7.9; docs/metrics.md).

:func:`run_summary` gives the flat dict written to ``summary.json`` (and kept by sweeps: every
scalar key becomes a column; the lists ``kinds`` and ``shocks`` stay in ``summary.json``).

- **Equity** of the final satisfaction profile ``S_i`` of the territories, population-weighted
  (:func:`equity_indicators`); ``gini_mean`` and ``theil_mean`` average the recorder's per-step
  ``gini`` and ``theil`` columns. :func:`equity_over_time` gives every indicator per step from
  per-territory records.
- **Resilience** of the population-weighted satisfaction series, overall and per class
  (``satisfaction_class_urban``, ``satisfaction_class_rural``), for every shock of the run
  (:func:`shock_resilience`): the analysed window of a shock runs from its first step to the
  start of the next (later) shock, or the end of the run. The first shock's indicators are also
  flattened as ``shock_*``.

Indicators that cannot be computed are ``None`` (JSON ``null``), never NaN or a sentinel
number; resilience records then carry a ``reason``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from terrisim.metrics import (
    DEFAULT_WINDOW,
    ResilienceReport,
    atkinson,
    gini,
    group_ratio,
    maximin,
    palma,
    resilience_report,
    theil_l,
    theil_t_decomposition,
)

if TYPE_CHECKING:
    from terrisim.model import TerriModel

#: Relative tolerance of the recovery band (ODD 7.9): back within 2 % of the pre-shock level.
RESILIENCE_TOLERANCE = 0.02
#: Steps before a shock averaged into its pre-shock level (``docs/metrics.md``).
RESILIENCE_WINDOW = DEFAULT_WINDOW
#: Inequality aversion of the Atkinson index in the summary.
ATKINSON_EPSILON = 1.0
#: Series analysed for each shock: key prefix -> series column.
RESILIENCE_SERIES = {
    "": "satisfaction",
    "urban_": "satisfaction_class_urban",
    "rural_": "satisfaction_class_rural",
}
#: Resilience indicators per series (``recovered`` is ``recovery_time is not None``).
RESILIENCE_KEYS = (
    "resistance",
    "recovery_time",
    "recovered",
    "resilience_loss",
    "normalised_resilience_loss",
)
#: Equity indicators of :func:`equity_indicators`, in order.
EQUITY_KEYS = (
    "gini",
    "theil",
    "theil_between_kinds",
    "theil_within_kinds",
    "theil_between_classes",
    "theil_l",
    "atkinson",
    "palma",
    "maximin",
    "urban_rural_ratio",
)


# --------------------------------------------------------------------------------------------
# Equity
# --------------------------------------------------------------------------------------------
def equity_indicators(
    satisfaction: np.ndarray, population: np.ndarray, kinds: np.ndarray, urban: np.ndarray
) -> dict[str, float | None]:
    """Population-weighted equity of one satisfaction profile (``docs/metrics.md``).

    Args:
        satisfaction: ``S_i`` of each territory, in [0, 1], shape (N,).
        population: Inhabitants (the weights), shape (N,).
        kinds: Kind name of each territory, shape (N,).
        urban: Whether each territory is urban, shape (N,).

    Returns:
        ``gini``; ``theil`` (Theil T) with its exact decompositions ``theil_between_kinds`` +
        ``theil_within_kinds`` and ``theil_between_classes`` (urban vs rural); ``theil_l``;
        ``atkinson`` (epsilon :data:`ATKINSON_EPSILON`); ``palma``; ``maximin`` (lowest
        ``S_i``); ``urban_rural_ratio`` (population-weighted urban mean over rural mean).
        ``None`` where undefined: all inequality indices when every ``S_i`` is 0, Theil L when
        a territory has ``S_i = 0`` (it is then infinite), Palma when the bottom 40 % have
        nothing, the ratio when a class is empty or the rural mean is 0.
    """
    sat = np.asarray(satisfaction, dtype=float)
    pop = np.asarray(population, dtype=float)
    urban = np.asarray(urban, dtype=bool)
    out: dict[str, float | None] = dict.fromkeys(EQUITY_KEYS)
    out["maximin"] = maximin(sat)
    if float(sat @ pop) > 0:
        try:
            parts = theil_t_decomposition(sat, np.asarray(kinds, dtype=str), weights=pop)
            classes = theil_t_decomposition(sat, np.where(urban, "urban", "rural"), weights=pop)
            out.update(
                gini=gini(sat, weights=pop),
                theil=parts.total,
                theil_between_kinds=parts.between,
                theil_within_kinds=parts.within,
                theil_between_classes=classes.between,
                theil_l=theil_l(sat, weights=pop),
                atkinson=atkinson(sat, ATKINSON_EPSILON, weights=pop),
                palma=palma(sat, weights=pop),
            )
        except ValueError:  # a mean that underflows to 0 (e.g. S = [0, 5e-324]): undefined
            out.update(
                dict.fromkeys(
                    (
                        "gini",
                        "theil",
                        "theil_between_kinds",
                        "theil_within_kinds",
                        "theil_between_classes",
                        "theil_l",
                        "atkinson",
                        "palma",
                    )
                )
            )
    if urban.any() and (~urban).any():
        try:
            out["urban_rural_ratio"] = group_ratio(sat, urban, True, False, weights=pop)
        except ValueError:  # rural mean of 0 (or a class of zero population)
            out["urban_rural_ratio"] = None
    return {k: _finite(v) for k, v in out.items()}


def equity_over_time(
    territories: pd.DataFrame,
    population: Mapping[str, float] | pd.Series,
    urban: Mapping[str, bool] | pd.Series,
) -> pd.DataFrame:
    """Every equity indicator per recorded step, from per-territory records.

    The recorder keeps ``gini`` and ``theil`` per step in the series; this computes the whole
    set of :func:`equity_indicators` for each step of ``RunResult.territories`` (cheap: one
    sort per step).

    Args:
        territories: Per-territory records (columns ``step``, ``territory``, ``kind``,
            ``satisfaction``), e.g. ``RunResult.territories``.
        population: Inhabitants by territory id.
        urban: Whether each territory id is urban.

    Returns:
        One row per step: ``step`` and the keys of :data:`EQUITY_KEYS`.
    """
    population = pd.Series(population, dtype=float)
    urban = pd.Series(urban, dtype=bool)
    rows = []
    for step, frame in territories.groupby("step", sort=True):
        ids = frame["territory"].astype(str)
        rows.append(
            {
                "step": int(step),
                **equity_indicators(
                    frame["satisfaction"].to_numpy(float),
                    population.loc[ids].to_numpy(),
                    frame["kind"].to_numpy(),
                    urban.loc[ids].to_numpy(),
                ),
            }
        )
    return pd.DataFrame(rows, columns=["step", *EQUITY_KEYS])


# --------------------------------------------------------------------------------------------
# Resilience
# --------------------------------------------------------------------------------------------
def _unmeasured(reason: str, prefix: str = "") -> dict[str, Any]:
    return {
        **{f"{prefix}{k}": None for k in (*RESILIENCE_KEYS, "baseline")},
        f"{prefix}reason": reason,
    }


def resilience_indicators(
    series: Sequence[float] | np.ndarray | pd.Series,
    position: int,
    end: int | None = None,
    *,
    tolerance: float = RESILIENCE_TOLERANCE,
    window: int = RESILIENCE_WINDOW,
    prefix: str = "",
) -> dict[str, Any]:
    """Resilience of one series around one shock, never raising (``docs/metrics.md``).

    Args:
        series: Performance per step (higher is better).
        position: Index in ``series`` of the shock's first affected value.
        end: Index (exclusive) where the analysed window ends (the next shock); default: the
            end of the series.
        tolerance: Relative tolerance of the recovery band.
        window: Pre-shock values averaged into the baseline.
        prefix: Prefix of the keys (``"urban_"``...).

    Returns:
        ``resistance``, ``recovery_time`` (``None`` if never recovered), ``recovered``,
        ``resilience_loss``, ``normalised_resilience_loss``, ``baseline`` and ``reason``
        (``None`` when measured; otherwise why every indicator is ``None``: no pre-shock step,
        shock outside the series, non-finite values, baseline of 0).
    """
    y = np.asarray(series, dtype=float)
    stop = len(y) if end is None else min(int(end), len(y))
    if not 0 <= position < len(y):
        return _unmeasured(
            f"the shock's first step is not in the recorded series (index {position} of {len(y)})",
            prefix,
        )
    if position == 0:
        return _unmeasured("no pre-shock step: the shock hits the first recorded step", prefix)
    if not np.all(np.isfinite(y[max(0, position - window) : stop])):
        return _unmeasured("the series has missing (NaN) values around the shock", prefix)
    try:
        report = resilience_report(y, position, tolerance=tolerance, window=window, end=stop)
    except ValueError as exc:
        return _unmeasured(str(exc), prefix)
    return report_record(report, prefix)


def report_record(report: ResilienceReport, prefix: str = "") -> dict[str, Any]:
    """A measured report as a record (keys with ``prefix``).

    The keys of :data:`RESILIENCE_KEYS`, ``baseline`` and ``reason`` (``None``: measured).
    """
    return {
        f"{prefix}resistance": report.resistance,
        f"{prefix}recovery_time": report.recovery_time,
        f"{prefix}recovered": report.recovered,
        f"{prefix}resilience_loss": report.resilience_loss,
        f"{prefix}normalised_resilience_loss": report.normalised_resilience_loss,
        f"{prefix}baseline": report.baseline,
        f"{prefix}reason": None,
    }


def shock_resilience(
    series: pd.DataFrame,
    history: Sequence[Mapping[str, Any]],
    *,
    tolerance: float = RESILIENCE_TOLERANCE,
    window: int = RESILIENCE_WINDOW,
    columns: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Resilience indicators of every shock of a run, overall and per class.

    Each shock's analysed window runs from its first step (``step``) to the first step of the
    next shock that starts later (``end_step``, exclusive; ``None``: the end of the run), so
    that a later shock's fall is not charged to an earlier one. Shocks starting on the same
    step share their window. The pre-shock level is the mean of the ``window`` steps before
    the shock, cut so as not to reach back into an earlier shock that was already over (when
    an undisturbed step lies in between); ``baseline_clean`` says whether any earlier shock
    was active on the steps averaged (e.g. one still running when this one starts).

    Args:
        series: The run's series (columns ``step`` and those of ``columns``).
        history: The shocks' records (``model.shocks.history``): ``step`` and more.
        tolerance: Relative tolerance of the recovery band.
        window: Pre-shock values averaged into the baseline (at most).
        columns: Series analysed, by key prefix; default :data:`RESILIENCE_SERIES`.

    Returns:
        One dict per shock, sorted by first step: the record, ``end_step``,
        ``analysed_steps``, ``baseline_steps``, ``baseline_clean``, then for each prefix of
        ``columns`` (default ``""`` overall, ``"urban_"``, ``"rural_"``) the keys of
        :data:`RESILIENCE_KEYS`, ``baseline`` and ``reason``.
    """
    steps = series["step"].to_numpy() if len(series) else np.zeros(0, dtype=int)
    position_of = {int(s): i for i, s in enumerate(steps)}
    starts = sorted({int(h["step"]) for h in history})
    out = []
    for shock in sorted(history, key=lambda h: int(h["step"])):
        first = int(shock["step"])
        later = [s for s in starts if s > first]
        end_step = later[0] if later else None
        position = position_of.get(first, len(steps))
        end = len(steps) if end_step is None else position_of.get(end_step, len(steps))
        own_window, clean = _baseline_window(history, first, window)
        record = {
            **shock,
            "end_step": end_step,
            "analysed_steps": max(0, end - position) if first in position_of else 0,
            "baseline_steps": min(own_window, position) if first in position_of else 0,
            "baseline_clean": clean,
        }
        for prefix, column in (RESILIENCE_SERIES if columns is None else columns).items():
            if column not in series:
                record.update(_unmeasured(f"no column {column!r} in the series", prefix))
                continue
            record.update(
                resilience_indicators(
                    series[column],
                    position,
                    end,
                    tolerance=tolerance,
                    window=own_window,
                    prefix=prefix,
                )
            )
        out.append(record)
    return out


def _baseline_window(
    history: Sequence[Mapping[str, Any]], first: int, window: int
) -> tuple[int, bool]:
    """Pre-shock steps to average for a shock starting at ``first``, and whether they are clean.

    The ``window`` steps before the shock, cut so as not to reach back into an earlier shock
    that was over before ``first`` (when at least one undisturbed step lies in between).
    ``clean`` is false when an earlier shock is active on one of the steps kept.
    """
    over = [
        int(h["last_step"])
        for h in history
        if int(h["step"]) < first and h.get("last_step") is not None and int(h["last_step"]) < first
    ]
    if over and first - (max(over) + 1) >= 1:
        window = min(window, first - (max(over) + 1))
    lo = first - window
    clean = not any(
        int(h["step"]) < first and (h.get("last_step") is None or int(h["last_step"]) >= lo)
        for h in history
    )
    return window, clean


def group_series(
    territories: pd.DataFrame, population: Mapping[str, float] | pd.Series, by: str = "kind"
) -> pd.DataFrame:
    """Population-weighted satisfaction per step of each kind (or each territory).

    Args:
        territories: Per-territory records (columns ``step``, ``territory``, ``kind``,
            ``satisfaction``), e.g. ``RunResult.territories``.
        population: Inhabitants by territory id.
        by: ``"kind"`` or ``"territory"``.

    Returns:
        One row per recorded step: ``step`` and one column per group, its
        ``sum_i pop_i S_i / sum_i pop_i`` over the group's recorded territories.

    Raises:
        ValueError: ``by`` is neither ``"kind"`` nor ``"territory"``.
    """
    if by not in ("kind", "territory"):
        raise ValueError(f"by: must be 'kind' or 'territory' (got {by!r})")
    population = pd.Series(population, dtype=float)
    frame = territories[["step", "territory", "kind", "satisfaction"]].copy()
    frame["weight"] = population.loc[frame["territory"].astype(str)].to_numpy()
    frame["weighted"] = frame["satisfaction"] * frame["weight"]
    sums = frame.groupby(["step", by], sort=True)[["weighted", "weight"]].sum()
    wide = (sums["weighted"] / sums["weight"]).unstack(by)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def group_resilience(
    territories: pd.DataFrame,
    population: Mapping[str, float] | pd.Series,
    history: Sequence[Mapping[str, Any]],
    *,
    by: str = "kind",
    tolerance: float = RESILIENCE_TOLERANCE,
    window: int = RESILIENCE_WINDOW,
) -> pd.DataFrame:
    """Resilience of every kind's (or territory's) satisfaction for every shock of a run.

    The same indicators, windows and baselines as :func:`shock_resilience`, on the series of
    :func:`group_series`. Steps must be recorded every step (``output.every = 1``); a shock
    whose first step is not recorded is unmeasured (``reason``).

    Args:
        territories: Per-territory records, e.g. ``RunResult.territories``.
        population: Inhabitants by territory id.
        history: The shocks' records (``model.shocks.history``).
        by: ``"kind"`` or ``"territory"``.
        tolerance: Relative tolerance of the recovery band.
        window: Pre-shock values averaged into the baseline (at most).

    Returns:
        One row per shock and group, shocks sorted by first step: ``shock`` (its index in
        that order), ``step``, ``kind`` of shock as ``shock_kind``, the group (column ``by``),
        the keys of :data:`RESILIENCE_KEYS`, ``baseline`` and ``reason``.
    """
    series = group_series(territories, population, by)
    groups = [c for c in series.columns if c != "step"]
    rows = []
    for group in groups:
        records = shock_resilience(
            series, history, tolerance=tolerance, window=window, columns={"": group}
        )
        for index, record in enumerate(records):
            rows.append(
                {
                    "shock": index,
                    "step": record["step"],
                    "shock_kind": record["shock"],
                    by: group,
                    **{k: record[k] for k in (*RESILIENCE_KEYS, "baseline", "reason")},
                }
            )
    columns = ["shock", "step", "shock_kind", by, *RESILIENCE_KEYS, "baseline", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["shock", by], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The run summary
# --------------------------------------------------------------------------------------------
def _finite(value: Any) -> Any:
    """JSON-safe scalars: NaN and infinities become ``None``, numpy scalars Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return _finite(value)


def covers_every_step(territories: pd.DataFrame | None, n: int, series: pd.DataFrame) -> bool:
    """Whether per-territory records hold all ``n`` territories at every step of the series."""
    if territories is None or not len(territories) or not len(series):
        return False
    counts = territories.groupby("step")["territory"].nunique()
    return (
        len(counts) == len(series)
        and bool((counts == n).all())
        and set(counts.index) == set(series["step"])
    )


def _column(series: pd.DataFrame, name: str, how: str) -> float | None:
    if name not in series or not len(series):
        return None
    column = series[name].astype(float)
    return float(column.iloc[-1] if how == "final" else column.mean())


def run_summary(
    model: TerriModel, series: pd.DataFrame, territories: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The run-level indicators written to ``summary.json`` (flat, JSON-ready).

    Args:
        model: The model after the run.
        series: Its series (``model.recorder.series()``).
        territories: Its per-territory records (``model.recorder.territories()``), if any:
            when they cover every territory at every step, each shock record gets
            ``by_kind``, the resilience of each kind's satisfaction (:func:`group_resilience`).

    Returns:
        Scalars: run description; ``satisfaction_final``/``_mean`` overall and per class
        (``satisfaction_class_urban_*``, ``satisfaction_class_rural_*``),
        ``satisfaction_kind_<k>_final`` per kind; the equity indicators of the final state (:func:`equity_indicators`) with
        ``gini_mean`` and ``theil_mean`` over steps; exchange and trust indicators;
        ``shock_count``, ``shocks_never_recovered`` (measured shocks whose satisfaction did
        not recover in their window), ``shocks_resilience_loss`` (sum over measured shocks);
        the first shock's ``shock_step``, ``shock_kind``, ``shock_magnitude``,
        ``shock_reason`` and ``shock_[urban_|rural_]<indicator>`` (all ``None`` without
        shocks). Lists: ``kinds`` and ``shocks`` (:func:`shock_resilience`, with ``by_kind``
        when ``territories`` allows).
    """
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
    }
    for name, how in (
        ("satisfaction", "final"),
        ("satisfaction", "mean"),
        ("satisfaction_class_urban", "final"),
        ("satisfaction_class_urban", "mean"),
        ("satisfaction_class_rural", "final"),
        ("satisfaction_class_rural", "mean"),
    ):
        summary[f"{name}_{how}"] = _column(series, name, how)
    for name in s.kinds:
        summary[f"satisfaction_kind_{name}_final"] = _column(
            series, f"satisfaction_{name}", "final"
        )
    summary.update(equity_indicators(sat, s.population, kinds, s.urban))
    summary["gini_mean"] = _column(series, "gini", "mean")
    summary["theil_mean"] = _column(series, "theil", "mean")
    summary.update(
        volume_value_mean=_column(series, "volume_value", "mean"),
        deals_mean=_column(series, "deals", "mean"),
        reciprocity_balance_mean=_column(series, "reciprocity_balance", "mean"),
        trust_final=_column(series, "trust", "final"),
        trust_urban_rural_final=_column(series, "trust_urban_rural", "final"),
        misperception_final=_column(series, "misperception", "final"),
        reserve_final=_column(series, "reserve", "final"),
    )
    per_shock = shock_resilience(series, model.shocks.history)
    if per_shock and covers_every_step(territories, s.n, series):
        population = pd.Series(s.population, index=s.ids.astype(str))
        by_kind = group_resilience(territories, population, model.shocks.history)
        keys = (*RESILIENCE_KEYS, "baseline", "reason")
        for index, record in enumerate(per_shock):
            rows = by_kind[by_kind["shock"] == index]
            record["by_kind"] = {
                row["kind"]: {k: row[k] for k in keys} for row in rows.to_dict("records")
            }
    measured = [p for p in per_shock if p["reason"] is None]
    summary["shock_count"] = len(per_shock)
    summary["shocks_never_recovered"] = sum(not p["recovered"] for p in measured)
    summary["shocks_resilience_loss"] = (
        sum(p["resilience_loss"] for p in measured) if measured else None
    )
    first = per_shock[0] if per_shock else {}
    summary["shock_step"] = first.get("step")
    summary["shock_kind"] = first.get("shock")
    summary["shock_magnitude"] = first.get("magnitude")
    summary["shock_reason"] = first.get("reason")
    for prefix in RESILIENCE_SERIES:
        for key in RESILIENCE_KEYS:
            summary[f"shock_{prefix}{key}"] = first.get(f"{prefix}{key}")
    summary["shocks"] = per_shock
    return _json_safe(summary)
