"""The findings of experiments/README.md, regenerated from the shipped experiments and checked.

Each :class:`Finding` names the experiment file that measures it and the figure of
``terrisim analyze`` that is the finding: a paired difference against the first level, the
mean of an outcome at a level or in a quantile bin of a continuous factor, a Sobol or Morris
index (or the largest Morris ``mu*`` of a set of factors, or the sign of a Morris ``mu``), a
collapse threshold, or the time to recovery after the first shock at a level (median and
quartiles). Running this
module sweeps every experiment at full size and writes ``experiments/findings.json``: the
figures, and the text each one has in experiments/README.md. Two tests keep them honest
(``tests/test_findings.py``): every figure of the JSON file appears, as printed, in the README;
and a rerun of the experiments at reduced size (fewer replicates or samples) agrees with
the documented figure: same sign, overlapping 95 % intervals, or the exact figure where the
experiment is cheap enough to run whole. So a finding that no longer holds fails the suite,
as a pattern of docs/patterns.md does (:mod:`terrisim.experiments.patterns`, whose paired
measure over seeds the sweeps' paired differences share).

Run ``python -m terrisim.experiments.findings`` (full size, writes the JSON file) or
``python -m terrisim.experiments.findings --reduced --check`` (what the test does);
``--only STEM ... --from FOLDER`` measures full-size sweeps run before with
``terrisim sweep experiments/STEM.toml --out FOLDER/STEM`` (recording the commit they ran at).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

#: The repository's experiments folder (the shipped experiment files and findings.json).
EXPERIMENTS = Path(__file__).resolve().parents[3] / "experiments"
#: The machine-readable findings, written by :func:`main`.
FINDINGS_FILE = EXPERIMENTS / "findings.json"
#: How each experiment is cut down for the test; an empty dict runs it whole (exact check).
REDUCED: dict[str, dict[str, int]] = {
    "smoke": {},
    "mergers": {"replicates": 8},
    "governance_shocks": {"replicates": 4},
    "collapse_threshold": {},
    "sobol_trust": {"samples": 32},
    "morris_economy": {"trajectories": 8},
    "recovery": {},
}


@dataclass(frozen=True)
class Finding:
    """One documented figure and where it comes from.

    Attributes:
        name: Identifier (the key in findings.json).
        experiment: The experiment file's stem in experiments/.
        kind: ``paired`` (difference against the factor's first level, paired runs),
            ``level`` (mean at a level), ``sobol_ST`` / ``sobol_S1``, ``morris`` (mu*),
            ``threshold`` (collapse threshold of a bisection) or ``recovery`` (median and
            quartiles of the time to recovery after the first shock, at a level).
        outcome: The run-level indicator (for ``recovery``: the series recovering,
            ``satisfaction``, ``satisfaction_class_urban`` or ``satisfaction_class_rural``).
        factor: The factor (``label`` for a labelled list design).
        level: The level, as ``terrisim analyze`` prints it (a factor name for an index).
        group: For ``paired``: the level of ``by`` the differences are split by.
        by: The factor that splits the paired differences.
        digits: Decimals printed in the README.
    """

    name: str
    experiment: str
    kind: str
    outcome: str
    factor: str
    level: str
    group: str | None = None
    by: str | None = None
    digits: int = 3


def _paired(experiment: str, outcome: str, level: str, digits: int = 3, **kw: Any) -> Finding:
    name = f"{experiment}:{level}:{kw.get('group') or ''}:{outcome}".replace("::", ":")
    factor = kw.pop("factor", "label")
    return Finding(name, experiment, "paired", outcome, factor, level, digits=digits, **kw)


def _index(experiment: str, kind: str, outcome: str, factor: str, digits: int = 2) -> Finding:
    name = f"{experiment}:{kind}:{factor}:{outcome}"
    return Finding(name, experiment, kind, outcome, factor, factor, digits=digits)


def _bin(experiment: str, outcome: str, factor: str, fifth: int, digits: int) -> Finding:
    name = f"{experiment}:bin:{factor}={fifth}:{outcome}"
    return Finding(name, experiment, "bin", outcome, factor, str(fifth), digits=digits)


def _largest(experiment: str, outcome: str, label: str, factors: Iterable[str], digits: int):
    name = f"{experiment}:morris_max:{label}:{outcome}"
    joined = ",".join(factors)
    return Finding(name, experiment, "morris_max", outcome, joined, label, digits=digits)


#: The nine factors of morris_economy.toml.
_MORRIS_FACTORS = (
    "exchange.reciprocity_tolerance",
    "trust.initial",
    "trust.tension_share",
    "trust.cleavage_weight",
    "market.outside_supply",
    "commuting.share",
    "budget.draw_rate",
    "budget.depreciation",
    "specialisation.rate",
)
_BUDGET = ("budget.draw_rate", "budget.depreciation")


_MERGERS = [
    _paired("mergers", outcome, label, digits)
    for outcome, digits in (
        ("satisfaction_mean", 3),
        ("trust_final", 4),
        ("gini", 4),
        ("shock_resilience_loss", 4),
    )
    for label in ("voluntary", "forced", "forced, larger")
]
_GOVERNANCE = [
    _paired("governance_shocks", outcome, rule, digits, factor="governance", by="shocks", group=s)
    for outcome, digits in (("shock_resilience_loss", 3), ("gini", 4))
    for rule in ("reciprocity_contract", "conference", "merger")
    for s in ("drought", "grant_cut", "energy_crisis")
]
_SMOKE = [
    Finding(f"smoke:{f}={v}:{o}", "smoke", "level", o, f, v, digits=d)
    for f, o, d in (
        ("trust.initial", "trust_urban_rural_final", 2),
        ("exchange.reciprocity_tolerance", "satisfaction_mean", 3),
    )
    for v in (("0.4", "0.8") if f == "trust.initial" else ("0.1", "0.4"))
]
_THRESHOLDS = [
    Finding(
        f"collapse_threshold:{r}", "collapse_threshold", "threshold", "", "governance", r, digits=2
    )
    for r in ("none", "conference", "merger")
]
_SOBOL = [
    _index("sobol_trust", kind, outcome, factor, 3 if factor == "trust.tension_share" else 2)
    for kind, outcome, factors in (
        ("sobol_ST", "satisfaction_mean", ("exchange.reciprocity_tolerance",)),
        ("sobol_S1", "satisfaction_mean", ("exchange.reciprocity_tolerance",)),
        (
            "sobol_ST",
            "trust_urban_rural_final",
            (
                "exchange.reciprocity_tolerance",
                "rules.trust.alpha",
                "trust.initial",
                "trust.tension_share",
            ),
        ),
    )
    for factor in factors
] + [
    _index("sobol_trust", "sobol_ST", "volume_value_mean", "exchange.reciprocity_tolerance"),
    *(
        _bin("sobol_trust", "satisfaction_mean", "exchange.reciprocity_tolerance", k, 4)
        for k in range(1, 6)
    ),
    *(_bin("sobol_trust", "trust_urban_rural_final", "trust.tension_share", k, 3) for k in (1, 5)),
    Finding(
        "sobol_trust:factors_share:gini", "sobol_trust", "factors_share", "gini", "", "", digits=2
    ),
]
_MORRIS = [
    _index("morris_economy", "morris", outcome, factor, 3)
    for outcome, factors in (
        (
            "shocks_resilience_loss",
            ("market.outside_supply", "exchange.reciprocity_tolerance", "specialisation.rate"),
        ),
        (
            "satisfaction_mean",
            (
                "market.outside_supply",
                "specialisation.rate",
                "exchange.reciprocity_tolerance",
                "commuting.share",
            ),
        ),
        (
            "trust_urban_rural_final",
            (
                "exchange.reciprocity_tolerance",
                "trust.initial",
                "trust.tension_share",
                "trust.cleavage_weight",
            ),
        ),
    )
    for factor in factors
] + [
    Finding(
        "morris_economy:morris_mu:market.outside_supply:shocks_resilience_loss",
        "morris_economy",
        "morris_mu",
        "shocks_resilience_loss",
        "market.outside_supply",
        "market.outside_supply",
    ),
    _largest(
        "morris_economy",
        "shocks_resilience_loss",
        "all but market.outside_supply",
        (f for f in _MORRIS_FACTORS if f != "market.outside_supply"),
        3,
    ),
    _largest(
        "morris_economy",
        "satisfaction_mean",
        "budget and trust set-up",
        (*_BUDGET, "trust.initial", "trust.tension_share", "trust.cleavage_weight"),
        4,
    ),
    *(
        _largest("morris_economy", outcome, "budget", _BUDGET, 4)
        for outcome in ("gini", "trust_urban_rural_final", "shocks_resilience_loss")
    ),
]
_RECOVERY = [
    Finding(f"recovery:{f}={v}:{o}", "recovery", "recovery", o, f, v, digits=0)
    for f, values in (
        ("shocks", ("drought", "grant_cut", "energy_crisis")),
        ("governance", ("none", "reciprocity_contract")),
    )
    for v in values
    for o in ("satisfaction", "satisfaction_class_rural")
]
#: Every finding of experiments/README.md that a shipped experiment file measures.
FINDINGS: tuple[Finding, ...] = (
    *_SMOKE,
    *_GOVERNANCE,
    *_MERGERS,
    *_THRESHOLDS,
    *_SOBOL,
    *_MORRIS,
    *_RECOVERY,
)


@dataclass(frozen=True)
class Figure:
    """A finding as measured: value and 95 % interval (NaN when it has none)."""

    value: float
    low: float
    high: float
    n: int

    def text(self, finding: Finding) -> str:
        """The figure as experiments/README.md prints it."""
        d = finding.digits
        if finding.kind == "recovery":

            def steps(v: float) -> str:
                return "never" if math.isnan(v) else f"{v:.{d}f}"

            return (
                f"median {steps(self.value)} steps (quartiles {steps(self.low)} to "
                f"{steps(self.high)}, {self.n} runs)"
            )
        plain = {
            "threshold": f"{self.value:.{d}f}",
            "morris_mu": f"mu = {self.value:.{d}f}",
            "factors_share": f"the factors explain {100 * self.value:.{d}f} % of the run-to-run "
            "variance",
        }
        if finding.kind in plain:
            return plain[finding.kind]
        names = {"sobol_ST": "ST", "sobol_S1": "S1", "morris": "mu*", "morris_max": "largest mu*"}
        if finding.kind in names:
            name = names[finding.kind]
            return f"{name} = {self.value:.{d}f} +- {(self.high - self.value):.{d}f}"
        sign = "+" if finding.kind == "paired" else ""
        return f"{self.value:{sign}.{d}f} [{self.low:{sign}.{d}f}, {self.high:{sign}.{d}f}]"


def _experiment(stem: str, reduced: bool) -> Any:
    from terrisim.experiments.spec import load_experiment

    exp = load_experiment(EXPERIMENTS / f"{stem}.toml")
    cut = REDUCED.get(stem, {}) if reduced else {}
    if "replicates" in cut:
        exp = exp.model_copy(update={"replicates": cut["replicates"]})
    design = {k: v for k, v in cut.items() if k != "replicates"}
    if design:
        exp = exp.model_copy(update={"design": exp.design.model_copy(update=design)})
    return exp


def run_experiment(stem: str, out: Path, *, reduced: bool, workers: int | None = None) -> Any:
    """Sweep one shipped experiment (whole, or cut down as :data:`REDUCED` says) into ``out``.

    Args:
        stem: The experiment file's stem in experiments/.
        out: The sweep directory (started over).
        reduced: Cut the experiment down.
        workers: Local worker processes (default: the cores).

    Returns:
        Its results (:func:`terrisim.experiments.analysis.load_results`).
    """
    from terrisim.experiments.analysis import load_results
    from terrisim.experiments.runner import prepare_sweep, run_sweep

    prep = prepare_sweep(_experiment(stem, reduced), source=str(EXPERIMENTS / f"{stem}.toml"))
    run_sweep(prep, out, workers=workers, resume=False, progress=False)
    return load_results(out)


def measure(finding: Finding, df: pd.DataFrame) -> Figure:
    """The finding's figure in a sweep's results.

    Args:
        finding: What to measure.
        df: Results of its experiment.

    Returns:
        The figure.

    Raises:
        KeyError: The results hold no such level, group or factor.
    """
    from terrisim.experiments import analysis

    exp = analysis._experiment(df)
    if finding.kind == "paired":
        keys = ["replicate"] if exp.design.method == "list" else None
        t = analysis.paired_differences(
            df, finding.factor, [finding.outcome], by=finding.by, keys=keys
        )
        rows = t[t["level"] == finding.level]
        if finding.group is not None:
            rows = rows[rows["group"] == finding.group]
        r = _one(rows, finding)
        return Figure(r["mean_diff"], r["ci_low"], r["ci_high"], int(r["pairs"]))
    if finding.kind in {"level", "bin"}:
        t = analysis.summarise(df, [finding.outcome], [finding.factor], bins=5)
        if finding.kind == "level":
            r = _one(t[t["level"] == finding.level], finding)
        elif len(t) == 5:
            r = t.iloc[int(finding.level) - 1]  # the bins in increasing order
        else:
            raise KeyError(f"{finding.name}: {len(t)} bins of {finding.factor}, expected 5")
        return Figure(r["mean"], r["ci_low"], r["ci_high"], int(r["n"]))
    if finding.kind == "factors_share":
        from terrisim.experiments.variance import variance_shares

        r = _one(variance_shares(df, [finding.outcome]), finding)
        return Figure(r["factors_share"], math.nan, math.nan, int(r["runs"]))
    if finding.kind == "recovery":
        from terrisim.experiments.timeseries import recovery_by_level, run_levels

        t = recovery_by_level(df, run_levels(df, finding.factor))
        r = _one(t[(t["level"] == finding.level) & (t["series"] == finding.outcome)], finding)
        return Figure(r["median"], r["q25"], r["q75"], int(r["runs"]))
    if finding.kind == "threshold":
        from terrisim.experiments.bisection import threshold_table

        t = threshold_table(df, exp)
        r = _one(t[t[finding.factor] == finding.level], finding)
        return Figure(r["threshold"], r["lo"], r["hi"], int(r["evaluations"]))
    return _index_figure(finding, df, exp.seed)


def _index_figure(finding: Finding, df: pd.DataFrame, seed: int) -> Figure:
    """A Sobol or Morris finding's figure (``seed``: the bootstrap's, the experiment's)."""
    from terrisim.experiments import analysis

    if finding.kind.startswith("sobol_"):
        which = finding.kind.removeprefix("sobol_")
        t = analysis.sobol_indices(df, finding.outcome, seed=seed)
        r = _one(t[t["factor"] == finding.factor], finding)
        conf = r[f"{which}_conf"]
        return Figure(r[which], r[which] - conf, r[which] + conf, len(df))
    t = analysis.morris_indices(df, finding.outcome, seed=seed)
    if finding.kind == "morris_max":
        rows = t[t["factor"].isin(finding.factor.split(","))]
        if len(rows) != len(finding.factor.split(",")):
            raise KeyError(f"{finding.name}: {len(rows)} of the factors in the results")
        r = rows.loc[rows["mu_star"].idxmax()]
    else:
        r = _one(t[t["factor"] == finding.factor], finding)
    if finding.kind == "morris_mu":
        return Figure(r["mu"], r["mu"], r["mu"], len(df))
    conf = r["mu_star_conf"]
    return Figure(r["mu_star"], r["mu_star"] - conf, r["mu_star"] + conf, len(df))


def _one(rows: pd.DataFrame, finding: Finding) -> pd.Series:
    if len(rows) != 1:
        raise KeyError(f"{finding.name}: {len(rows)} rows in the results, expected 1")
    return rows.iloc[0]


def regenerate(
    *, reduced: bool, work: Path, stems: Iterable[str] | None = None, workers: int | None = None
) -> dict[str, Figure]:
    """Sweep the experiments and measure every finding.

    Args:
        reduced: Cut the experiments down (:data:`REDUCED`).
        work: Where the sweep directories go.
        stems: Only these experiments (default: every one with a finding).
        workers: Local worker processes.

    Returns:
        Finding name -> figure.
    """
    chosen = (
        list(stems) if stems is not None else list(dict.fromkeys(f.experiment for f in FINDINGS))
    )
    figures: dict[str, Figure] = {}
    for stem in chosen:
        df = run_experiment(stem, work / stem, reduced=reduced, workers=workers)
        for finding in FINDINGS:
            if finding.experiment == stem:
                figures[finding.name] = measure(finding, df)
    return figures


def stored(stem: str, folder: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The results of a full-size sweep of a shipped experiment run earlier, and where from.

    The sweep (``terrisim sweep experiments/<stem>.toml --out <folder>/<stem>``) must be the
    shipped experiment whole (same experiment hash) and finished.

    Args:
        stem: The experiment file's stem in experiments/.
        folder: The folder holding the sweep directory ``<stem>``.

    Returns:
        The results, and the ``commit``, ``dirty`` and ``date`` the sweep ran at (its
        experiment.json's code identity).

    Raises:
        ValueError: The sweep is of another experiment, or unfinished.
    """
    from terrisim.experiments.analysis import load_results
    from terrisim.experiments.runner import prepare_sweep

    meta = json.loads((folder / stem / "experiment.json").read_text())
    prep = prepare_sweep(_experiment(stem, False), source=str(EXPERIMENTS / f"{stem}.toml"))
    if meta["hash"] != prep.meta["hash"]:
        raise ValueError(f"{folder / stem}: not a sweep of experiments/{stem}.toml at full size")
    df = load_results(folder / stem)
    if len(df) != prep.total:
        raise ValueError(f"{folder / stem}: {len(df)} of {prep.total} runs; finish the sweep")
    git = (meta.get("code") or {}).get("git") or {}
    return df, {"commit": git.get("commit", ""), "dirty": git.get("dirty"), "date": meta["created"]}


def disagreement(finding: Finding, documented: Figure, measured: Figure, *, exact: bool) -> str:
    """Why a measured figure does not support the documented one ("" when it does).

    Exact: equal to 1e-9. Otherwise the documented figure holds when the measured one has the
    same sign (where the documented interval excludes zero) and the two 95 % intervals overlap;
    a threshold must lie within the documented bracket widened by 0.05 on each side; a Morris
    ``mu`` (which has no interval) must keep its sign, and a factors' share of the variance its
    side of the 5 % warning share.
    """
    if exact:
        same = all(
            (math.isnan(m) and math.isnan(d)) or math.isclose(m, d, rel_tol=1e-9, abs_tol=1e-12)
            for m, d in (
                (measured.value, documented.value),
                (measured.low, documented.low),
                (measured.high, documented.high),
            )
        )
        return (
            ""
            if same
            else f"measured {measured.text(finding)}, documented {documented.text(finding)}"
        )
    if finding.kind == "threshold":
        ok = documented.low - 0.05 <= measured.value <= documented.high + 0.05
        return (
            ""
            if ok
            else f"threshold {measured.value:.3f} outside [{documented.low - 0.05:.3f}, {documented.high + 0.05:.3f}]"
        )
    if finding.kind == "factors_share":  # no interval: the side of the warning share
        from terrisim.experiments.variance import FACTORS_SHARE_WARNING as LOW

        same_side = (measured.value < LOW) == (documented.value < LOW)
        return "" if same_side else f"{measured.text(finding)} (documented: {documented.value:.4f})"
    if finding.kind == "morris_mu":  # no interval: the sign of the mean effect only
        flipped = math.copysign(1, measured.value) != math.copysign(1, documented.value)
        return f"the sign changed: measured {measured.text(finding)}" if flipped else ""
    why = []
    if (documented.low > 0 and measured.value <= 0) or (
        documented.high < 0 and measured.value >= 0
    ):
        why.append("the sign changed")
    if measured.high < documented.low or measured.low > documented.high:
        why.append("the intervals do not overlap")
    if not why:
        return ""
    return (
        f"{' and '.join(why)}: measured {measured.text(finding)} "
        f"(n={measured.n}), documented {documented.text(finding)}"
    )


def _git(*args: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 (fixed git arguments)
            ["git", *args],  # noqa: S607 (git from PATH)
            cwd=EXPERIMENTS.parent,  # the repository: the status pathspecs are from its root
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def write(
    figures: dict[str, Figure],
    path: Path = FINDINGS_FILE,
    measured_at: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Write the figures, with their README text and where they come from, as JSON.

    Args:
        figures: Finding name -> figure.
        path: The JSON file.
        measured_at: For figures kept from an earlier run (``--only``), the ``commit``,
            ``dirty`` and ``date`` they were measured at; the others get this run's.
    """
    by_name = {f.name: f for f in FINDINGS}
    now = {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "src", "experiments", "configs")),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    data = {
        "command": "python -m terrisim.experiments.findings",
        **now,
        "findings": {
            name: {
                **asdict(by_name[name]),
                **asdict(fig),
                "text": fig.text(by_name[name]),
                "measured": (measured_at or {}).get(name, now),
            }
            for name, fig in figures.items()
        },
    }
    path.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n")


def documented(path: Path = FINDINGS_FILE) -> dict[str, Figure]:
    """The figures of findings.json."""
    data = json.loads(path.read_text())["findings"]
    return {name: Figure(f["value"], f["low"], f["high"], f["n"]) for name, f in data.items()}


def check(figures: dict[str, Figure], *, reduced: bool) -> list[str]:
    """Every finding whose measured figure no longer supports findings.json, one line each."""
    docs = documented()
    lines = []
    for finding in FINDINGS:
        if finding.name not in figures:
            continue
        if finding.name not in docs:
            lines.append(f"{finding.name}: not in {FINDINGS_FILE.name}; regenerate it")
            continue
        exact = not reduced or not REDUCED.get(finding.experiment)
        why = disagreement(finding, docs[finding.name], figures[finding.name], exact=exact)
        if why:
            lines.append(f"{finding.name}: {why}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Regenerate the findings (full size: write findings.json) or check them (``--check``)."""
    parser = argparse.ArgumentParser(prog="python -m terrisim.experiments.findings")
    parser.add_argument("--reduced", action="store_true", help="cut the experiments down")
    parser.add_argument("--check", action="store_true", help="compare with findings.json")
    parser.add_argument("--only", nargs="*", help="experiment stems (default: all)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--work", type=Path, default=None, help="sweep directories (temp)")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="measure full-size sweeps already in FOLDER/<stem> instead of running them "
        "(with --only)",
    )
    args = parser.parse_args(argv)
    swept: dict[str, dict[str, Any]] = {}
    if args.source is not None:
        if not args.only or args.reduced:
            parser.error("--from needs --only and no --reduced")
        figures = {}
        for stem in args.only:
            df, at = stored(stem, args.source)
            for finding in FINDINGS:
                if finding.experiment == stem:
                    figures[finding.name] = measure(finding, df)
                    swept[finding.name] = at
    else:
        with tempfile.TemporaryDirectory(prefix="terrisim-findings-") as tmp:
            work = args.work or Path(tmp)
            figures = regenerate(
                reduced=args.reduced, work=work, stems=args.only, workers=args.workers
            )
    by_name = {f.name: f for f in FINDINGS}
    for name, fig in figures.items():
        print(f"{name:<70} {fig.text(by_name[name])}  (n={fig.n})")
    if args.check:
        problems = check(figures, reduced=args.reduced)
        for line in problems:
            print(f"STALE {line}", file=sys.stderr)
        return 1 if problems else 0
    if args.reduced:
        return 0
    measured_at: dict[str, dict[str, Any]] = dict(swept)
    if args.only and FINDINGS_FILE.exists():
        old = json.loads(FINDINGS_FILE.read_text())
        top = {k: old.get(k) for k in ("commit", "dirty", "date")}
        measured_at |= {
            name: entry.get("measured", top)
            for name, entry in old["findings"].items()
            if name not in figures
        }
        figures = {**documented(), **figures}
    write(figures, measured_at=measured_at)
    print(f"wrote {FINDINGS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
