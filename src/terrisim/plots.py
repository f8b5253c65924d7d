"""The run figures: ``summary.png`` (satisfaction, exchanges, trust) and the resilience figure.

Shocks are shaded on every panel: one band per shock from its first to its last affected step
(to the end of the run for a permanent one), one colour per kind of shock, named in the legend
of the first panel.

Figures are built with :class:`matplotlib.figure.Figure`, not ``pyplot``: no global figure
manager, no GUI backend, nothing to close; ``savefig`` renders with Agg. Their margins are
fixed (:data:`SUMMARY_MARGINS`, :data:`RESILIENCE_MARGINS`), wide enough for the tick labels
(volumes are written with SI prefixes, ``800 k``, so they stay short), so ``savefig`` draws
the figure once; a layout engine would draw it once more to lay it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from terrisim.output import RunResult

#: ``subplots_adjust`` of the summary figure (15 x 4.2 in, three panels, a title).
SUMMARY_MARGINS = {"left": 0.04, "right": 0.995, "bottom": 0.115, "top": 0.88, "wspace": 0.18}
#: ``subplots_adjust`` of the resilience figure (9 x 4.2 in, one panel).
RESILIENCE_MARGINS = {"left": 0.075, "right": 0.99, "bottom": 0.115, "top": 0.935}

_SHOCK_COLOURS = ("tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:olive", "tab:cyan")


def shock_spans(
    series: pd.DataFrame, shocks: Sequence[Mapping[str, Any]] | None
) -> list[tuple[str, float, float]]:
    """The shaded bands: ``(kind, first step - 0.5, last step + 0.5)`` per shock.

    Args:
        series: The run's series (its ``step`` column bounds permanent shocks, and its
            ``shocks`` column is used when no shock records are given).
        shocks: The shock records (``summary["shocks"]`` or ``model.shocks.history``).

    Returns:
        One band per shock that overlaps the recorded steps.
    """
    if not len(series):
        return []
    first, last = float(series["step"].min()), float(series["step"].max())
    spans = []
    if shocks is not None:
        for shock in shocks:
            start = float(shock["step"])
            stop = shock.get("last_step")
            stop = last if stop is None else min(float(stop), last)
            if start <= last and stop >= first:
                spans.append((str(shock["shock"]), start - 0.5, stop + 0.5))
        return spans
    if "shocks" not in series:
        return []
    for step, names in zip(series["step"], series["shocks"].fillna(""), strict=True):
        for name in filter(None, str(names).split(",")):
            spans.append((name, step - 0.5, step + 0.5))
    return spans


def _colours(spans: list[tuple[str, float, float]]) -> dict[str, str]:
    names = list(dict.fromkeys(name for name, _, _ in spans))
    return {n: _SHOCK_COLOURS[i % len(_SHOCK_COLOURS)] for i, n in enumerate(names)}


def mark_shocks(ax: Axes, result: RunResult, legend: bool = False) -> None:
    """Shade the steps where a shock was active (one colour per kind of shock).

    Args:
        ax: The axes (x = steps).
        result: The run (``summary["shocks"]`` if present, else the series column).
        legend: Add one legend entry per kind of shock to ``ax``'s legend.
    """
    spans = shock_spans(result.series, (result.summary or {}).get("shocks"))
    colours = _colours(spans)
    for name, start, stop in spans:
        ax.axvspan(start, stop, color=colours[name], alpha=0.10, lw=0)
    if legend and colours:
        handles, labels = ax.get_legend_handles_labels()
        handles += [Patch(color=c, alpha=0.25) for c in colours.values()]
        labels += [f"shock: {n}" for n in colours]
        ax.legend(handles, labels, fontsize=8, ncol=2)


def kind_series(result: RunResult) -> pd.DataFrame:
    """Population-weighted satisfaction of each kind per step (``step`` and one column per kind).

    The series columns ``satisfaction_<kind>`` (ODD 7.9), for the kinds that have one.
    """
    import pandas as pd

    series, kinds = result.series, list(result.summary["kinds"])
    return pd.DataFrame(
        {
            "step": series["step"],
            **{k: series[f"satisfaction_{k}"] for k in kinds if f"satisfaction_{k}" in series},
        }
    )


def summary_figure(result: RunResult, title: str = "") -> Figure:
    """Three panels over steps: satisfaction by kind, exchange volume by good, trust."""
    series = result.series
    fig = Figure(figsize=(15, 4.2))
    fig.subplots_adjust(**SUMMARY_MARGINS)
    axes = fig.subplots(1, 3)
    ax = axes[0]
    by_kind = kind_series(result)
    for kind in by_kind.columns.drop("step"):
        ax.plot(by_kind["step"], by_kind[kind], label=kind)
    for column, label in (
        ("satisfaction_class_urban", "urban (class)"),
        ("satisfaction_class_rural", "rural (class)"),
    ):
        if column in series:
            ax.plot(series["step"], series[column], ls="--", lw=1.2, label=label)
    ax.plot(series["step"], series["satisfaction"], color="black", lw=2, label="all")
    ax.set(
        title="Need satisfaction by kind",
        xlabel="step (month)",
        ylabel="satisfaction",
        ylim=(0, 1.02),
    )
    ax.legend(fontsize=8, ncol=2)
    ax = axes[1]
    goods = [
        c.removeprefix("volume_")
        for c in series.columns
        if c.startswith("volume_") and not c.startswith("volume_value")
    ]
    ax.stackplot(series["step"], *[series[f"volume_{g}"] for g in goods], labels=goods)
    total = series[[f"volume_{g}" for g in goods]].sum(axis=1).max() if goods else 0.0
    # head room for the legend above the stack
    ax.set(
        title="Exchanged volume by good",
        xlabel="step (month)",
        ylabel="units per step",
        ylim=(0, 1.45 * total if total > 0 else 1.0),
    )
    ax.yaxis.set_major_formatter(EngFormatter())
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    ax = axes[2]
    for column, label in (
        ("trust", "all links"),
        ("trust_within_kind", "within kind"),
        ("trust_urban_rural", "urban-rural"),
    ):
        ax.plot(series["step"], series[column], label=label)
    ax.set(title="Mean trust", xlabel="step (month)", ylabel="trust", ylim=(0, 1))
    ax.legend(fontsize=8)
    for i, ax in enumerate(axes):
        mark_shocks(ax, result, legend=i == 0)
    if title:
        fig.suptitle(title)
    return fig


def resilience_figure(result: RunResult, title: str = "") -> Figure:
    """Satisfaction overall and per class around the shocks, with each shock's baseline.

    For every measured shock, a dotted line at its pre-shock level over its analysed window
    and a marker at the lowest point (the resistance), as in ``summary["shocks"]``.
    """
    series = result.series
    fig = Figure(figsize=(9, 4.2))
    fig.subplots_adjust(**RESILIENCE_MARGINS)
    ax = fig.subplots()
    lines = (
        ("satisfaction", "all", ""),
        ("satisfaction_class_urban", "urban", "urban_"),
        ("satisfaction_class_rural", "rural", "rural_"),
    )
    colours = {}
    for column, label, _ in lines:
        if column in series:
            (line,) = ax.plot(
                series["step"],
                series[column],
                label=label,
                lw=2 if column == "satisfaction" else 1.2,
            )
            colours[column] = line.get_color()
    last = float(series["step"].max()) if len(series) else 0.0
    for shock in result.summary.get("shocks", []):
        stop = last if shock.get("end_step") is None else float(shock["end_step"]) - 1
        for column, _, prefix in lines:
            baseline = shock.get(f"{prefix}baseline")
            resistance = shock.get(f"{prefix}resistance")
            if column not in colours or baseline is None or resistance is None:
                continue
            ax.hlines(
                baseline,
                shock["step"] - 0.5,
                stop + 0.5,
                colors=colours[column],
                linestyles=":",
                lw=1,
            )
            window = series[(series["step"] >= shock["step"]) & (series["step"] <= stop)]
            if len(window):
                trough = window.loc[window[column].idxmin()]
                ax.plot(trough["step"], trough[column], "v", color=colours[column], ms=6)
    ax.set(
        title=title or "Satisfaction around shocks (dotted: pre-shock level, v: trough)",
        xlabel="step (month)",
        ylabel="satisfaction",
    )
    ax.legend(fontsize=8)
    mark_shocks(ax, result, legend=True)
    return fig
