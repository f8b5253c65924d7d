"""The run figure ``summary.png``: satisfaction by kind, exchanges by good, trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from terrisim.output import RunResult


def mark_shocks(ax: plt.Axes, result: RunResult) -> None:
    """Shade the steps where a shock was active."""
    series = result.series
    if "shocks" not in series:
        return
    active = series["shocks"].fillna("") != ""
    for step, on in zip(series["step"], active, strict=True):
        if on:
            ax.axvspan(step - 0.5, step + 0.5, color="tab:red", alpha=0.08, lw=0)


def summary_figure(result: RunResult, title: str = "") -> Figure:
    """Three panels over steps: satisfaction by kind, exchange volume by good, trust."""
    series = result.series
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    kinds = result.summary["kinds"]
    ax = axes[0]
    for kind in kinds:
        ax.plot(series["step"], series[f"satisfaction_{kind}"], label=kind)
    ax.plot(series["step"], series["satisfaction"], color="black", lw=2, label="all")
    ax.set(title="Need satisfaction by kind", xlabel="step (month)", ylabel="satisfaction",
           ylim=(0, 1.02))
    ax.legend(fontsize=8, ncol=2)
    ax = axes[1]
    goods = [c.removeprefix("volume_") for c in series.columns
             if c.startswith("volume_") and not c.startswith("volume_value")]
    ax.stackplot(series["step"], *[series[f"volume_{g}"] for g in goods], labels=goods)
    ax.set(title="Exchanged volume by good", xlabel="step (month)", ylabel="units per step")
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    ax = axes[2]
    for column, label in (("trust", "all links"), ("trust_within_kind", "within kind"),
                          ("trust_urban_rural", "urban-rural")):
        ax.plot(series["step"], series[column], label=label)
    ax.set(title="Mean trust", xlabel="step (month)", ylabel="trust", ylim=(0, 1))
    ax.legend(fontsize=8)
    for ax in axes:
        mark_shocks(ax, result)
    if title:
        fig.suptitle(title)
    return fig

