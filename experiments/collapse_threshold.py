r"""Collapse threshold (ecological resilience) of a scenario for every kind of shock.

For each kind of shock and two regimes, *transient* (the scenario's own table of that kind,
else ``at = 24``, ``duration = 6``) and *permanent* (same start, never ends), find by
bisection the smallest magnitude after which population-weighted satisfaction is no longer
back within 2 % of its pre-shock level at the end of the run (``terrisim.collapse``;
docs/shocks.md gives the method and what it found on the demo).

Run from the repository root::

    .venv/bin/python experiments/collapse_threshold.py                    # demo, 5 seeds
    .venv/bin/python experiments/collapse_threshold.py --set exchange.enabled=false \\
        --out runs/collapse_threshold_no_exchange                         # no ad hoc deals
    .venv/bin/python experiments/collapse_threshold.py --scenario my.toml \\
        --set 'governance=[{rule = "conference"}]' --series satisfaction_class_rural

Writes into ``--out`` (default ``runs/collapse_threshold``): ``collapse_threshold.json`` (one
entry per shock and regime: threshold over the seeds (a magnitude recovers when half the seeds
do), status, last recovered magnitude, evaluations, and the threshold of each seed alone),
``runs.csv`` (every run: magnitude, seed, recovered, recovery time, resistance, losses) and
``collapse_threshold.png`` (share of seeds recovered against magnitude), and prints the rows
of the table of docs/shocks.md (:func:`markdown_rows`; ``tests/test_collapse_threshold.py``
checks that the demo's rows are printed there as measured).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from terrisim.collapse import CollapseSearch, collapse_threshold_for, recovery_curve
from terrisim.scenario.loading import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_settings,
)

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("drought", "energy_crisis", "health_crisis", "grant_cut", "ageing")
REGIMES = ("transient", "permanent")


def main(argv: list[str] | None = None) -> int:
    """Run the searches, print a table and write the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "configs" / "demo.toml")
    parser.add_argument("--shocks", nargs="+", default=list(KINDS), metavar="KIND")
    parser.add_argument("--regimes", nargs="+", default=list(REGIMES), choices=REGIMES)
    parser.add_argument("--seeds", type=int, default=5, help="seeds (common random numbers)")
    parser.add_argument("--tol", type=float, default=0.02, help="width of the final bracket")
    parser.add_argument("--series", default="satisfaction", help="series judged")
    parser.add_argument("--at", type=int, default=None, help="first step of the shock")
    parser.add_argument("--duration", type=int, default=None, help="transient shock length")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="scenario override, e.g. exchange.enabled=false (repeatable)",
    )
    parser.add_argument(
        "--per-seed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also search seed by seed (twice the runs)",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/collapse_threshold"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        scenario = load_scenario(args.scenario)
        overrides = parse_settings(args.set)
        if overrides:
            scenario = apply_overrides(scenario, overrides)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    results, runs, total_runs = [], [], 0
    print(
        f"{'shock':<14} {'regime':<10} {'status':<16} {'threshold':>9} {'recovers up to':>14} "
        f"{'per seed: min..max (n)':>22} {'time':>7}"
    )
    for kind in args.shocks:
        for regime in args.regimes:
            has_table = any(s.kind == kind and "at" in s.model_dump() for s in scenario.shocks)
            at = args.at if args.at is not None else (None if has_table else 24)
            duration = args.duration if regime == "transient" else None
            if regime == "transient" and duration is None and not has_table:
                duration = 6
            search = CollapseSearch(
                tol=args.tol,
                series=args.series,
                at=at,
                duration=duration,
                permanent=regime == "permanent",
                seeds=args.seeds,
            )
            result = collapse_threshold_for(scenario, kind, search)
            # the same search seed by seed: how much the threshold depends on the layout
            per_seed = (
                [
                    collapse_threshold_for(scenario, kind, search, seeds=[seed])
                    for seed in result.seeds
                ]
                if args.per_seed
                else []
            )
            entry = {
                "kind": kind,
                "regime": regime,
                **result.to_dict(),
                "per_seed": [
                    {"seed": r.seeds[0], "status": r.status, "threshold": r.threshold}
                    for r in per_seed
                ],
            }
            results.append(entry)
            runs.append(result.runs.assign(kind=kind, regime=regime))
            total_runs += len(result.runs) + sum(len(r.runs) for r in per_seed)
            found = [r.threshold for r in per_seed if r.threshold is not None]
            spread = (
                f"{min(found):.3f}..{max(found):.3f} ({len(found)}/{len(per_seed)})"
                if found
                else "-"
            )
            shown = "-" if result.threshold is None else f"{result.threshold:.4f}"
            upto = "-" if result.last_recovered is None else f"{result.last_recovered:.4f}"
            seconds = result.seconds + sum(r.seconds for r in per_seed)
            print(
                f"{kind:<14} {regime:<10} {result.status:<16} {shown:>9} {upto:>14} "
                f"{spread:>22} {seconds:>6.1f}s",
                flush=True,
            )
    elapsed = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "scenario": str(args.scenario),
        "overrides": overrides,
        "seeds": args.seeds,
        "tol": args.tol,
        "series": args.series,
        "seconds": elapsed,
        "results": results,
    }
    (args.out / "collapse_threshold.json").write_text(json.dumps(report, indent=2) + "\n")
    all_runs = pd.concat(runs, ignore_index=True)
    all_runs.to_csv(args.out / "runs.csv", index=False)
    figure(results, all_runs, args.out / "collapse_threshold.png")
    print(
        f"{total_runs} runs in {elapsed:.1f} s; wrote {args.out}/collapse_threshold.json, "
        "runs.csv, collapse_threshold.png"
    )
    print("rows of the table of docs/shocks.md:")
    print("\n".join(markdown_rows(results)))
    return 0


def markdown_rows(results: list[dict[str, Any]]) -> list[str]:
    """One table row per kind of shock: transient and permanent thresholds, per-seed spread.

    Columns: shock, transient threshold, permanent threshold, last magnitude recovered
    (permanent), per-seed thresholds ``min .. max (found/seeds)`` (permanent).
    """

    def threshold(entry: dict[str, Any] | None) -> str:
        if entry is None:
            return "-"
        if entry["status"] == "above_high":
            return "none: recovers at every magnitude"
        if entry["threshold"] is None:
            return f"none ({entry['status']})"
        return f"{entry['threshold']:.3f}"

    rows = []
    for kind in dict.fromkeys(r["kind"] for r in results):
        by = {r["regime"]: r for r in results if r["kind"] == kind}
        permanent = by.get("permanent")
        upto = "-"
        spread = "-"
        if permanent is not None:
            if permanent["last_recovered"] is not None:
                upto = f"{permanent['last_recovered']:.3f}"
            found = [p["threshold"] for p in permanent["per_seed"] if p["threshold"] is not None]
            if found:
                spread = f"{min(found):.3f} .. {max(found):.3f} ({len(found)}/{len(permanent['per_seed'])})"
        rows.append(
            f"| {kind} | {threshold(by.get('transient'))} | {threshold(permanent)} | {upto} "
            f"| {spread} |"
        )
    return rows


def figure(results: list[dict[str, Any]], runs: pd.DataFrame, path: Path) -> None:
    """Share of seeds recovered against magnitude, one panel per regime, one line per kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    regimes = list(dict.fromkeys(r["regime"] for r in results))
    fig, axes = plt.subplots(
        1, len(regimes), figsize=(6 * len(regimes), 4), squeeze=False, constrained_layout=True
    )
    for ax, regime in zip(axes[0], regimes, strict=True):
        for entry in (r for r in results if r["regime"] == regime):
            sub = runs[(runs["kind"] == entry["kind"]) & (runs["regime"] == regime)]
            if not len(sub):
                continue
            curve = recovery_curve(sub)
            (line,) = ax.plot(
                curve["magnitude"], curve["recovered_share"], "o-", ms=3, label=entry["kind"]
            )
            if entry["threshold"] is not None:
                ax.axvline(entry["threshold"], color=line.get_color(), ls=":", lw=1)
        ax.set(
            title=f"{regime} shocks",
            xlabel="magnitude",
            ylabel="share of seeds recovered",
            ylim=(-0.05, 1.05),
            xlim=(-0.02, 1.02),
        )
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    raise SystemExit(main())
