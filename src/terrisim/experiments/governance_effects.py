"""The measured effects of the governance rules in docs/governance.md, regenerated and checked.

Each :class:`Effect` compares a scenario with and without a mechanism, paired by seed (same
territories and shocks): the median without and with, the mean paired difference with its
95 % Student-t interval, and the number of seeds where the difference has the claimed sign.
:func:`renewal_counts` counts what becomes of the demo's contracts over 72 months. The
scenarios are those of the statistical tests of the mechanisms (``tests/test_governance_*.py``
import :func:`project_territory` and :func:`rural_epci` from here), so both use one definition.

``python -m terrisim.experiments.governance_effects`` measures everything (about 40 s of CPU)
and writes ``docs/governance_effects.json``: the figures and each table row as
docs/governance.md prints it; ``--check`` compares a new measurement with the file instead
(exit 1 when a figure moved). ``tests/test_governance_effects.py`` checks that every row is
printed in docs/governance.md and that a new measurement gives the same figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim import apply_overrides
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, load_scenario, scenario_from_dict

#: The repository's docs folder and the figures file written by :func:`main`.
DOCS = Path(__file__).resolve().parents[3] / "docs"
EFFECTS_FILE = DOCS / "governance_effects.json"
ROOT = DOCS.parent
#: Seeds of the paired comparisons.
SEEDS = range(1, 11)
#: The drought of the contract comparisons: 60 % for six months from step 24.
DROUGHT = [{"kind": "drought", "at": 24, "duration": 6, "magnitude": 0.6}]
#: What the contract institution counts (:func:`renewal_counts`).
COUNTS = ("signed", "renewed", "not_renewed", "renegotiated", "dropped")


# --- scenarios ---------------------------------------------------------------------------
def demo(governance: list[dict[str, Any]], **overrides: Any) -> Scenario:
    """The default scenario (the demo without shocks) with these institutions and overrides."""
    return apply_overrides(Scenario(), {"governance": governance, "shocks": [], **overrides})


def run(scenario: Scenario, seed: int, steps: int | None = None) -> tuple[TerriModel, pd.DataFrame]:
    """Run ``scenario`` with ``seed`` (no per-territory records): the model and its series."""
    model = TerriModel(scenario, rng=seed, record_territories=False)
    model.run(steps)
    return model, model.recorder.series()


def project_territory(inclusiveness: float) -> Scenario:
    """40 territories, all candidates to a forum that admits the nearest ``inclusiveness``."""
    counts = {"metropolis": 1, "town": 5, "periurban": 10, "rural": 16, "mountain": 8}
    return demo(
        [{"rule": "conference", "radius_km": float("inf"), "inclusiveness": inclusiveness}],
        steps=36,
        **{"territories.generator.counts": counts},
    )


def rural_epci(equalisation_share: float) -> Scenario:
    """A rural intercommunality whose rural and mountain members lose 80 % of their grants.

    Two towns, 3 periurban, 6 rural and 4 mountain communes, no metropolis; the cut is
    permanent from step 6. Health weighs 3 in satisfaction (the high-stakes rural theme);
    services are not pooled, so budgets act only through each member's own public services.
    """
    counts = {"metropolis": 0, "town": 2, "periurban": 3, "rural": 6, "mountain": 4}
    cut = [
        {
            "kind": "grant_cut",
            "at": 6,
            "permanent": True,
            "magnitude": 0.8,
            "kinds": ["rural", "mountain"],
        }
    ]
    return demo(
        [
            {
                "rule": "merger",
                "radius_km": float("inf"),
                "pooled_goods": [],
                "equalisation_share": equalisation_share,
            }
        ],
        shocks=cut,
        **{"territories.generator.counts": counts, "goods.health.weight": 3.0},
    )


# --- effects -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Effect:
    """One mechanism's effect on one quantity, as docs/governance.md's table prints it.

    Attributes:
        name: The table's first column.
        better: ``higher`` or ``lower``: the claimed direction of "with" against "without".
        digits: Decimals printed.
    """

    name: str
    better: str
    digits: int = 3


@dataclass(frozen=True)
class Measured:
    """An effect as measured over paired seeds."""

    without: float
    with_: float
    diff: float
    low: float
    high: float
    agree: int
    seeds: int

    @classmethod
    def of(cls, effect: Effect, without: np.ndarray, with_: np.ndarray) -> Measured:
        """Medians, mean paired difference with its 95 % t interval, seeds agreeing."""
        from terrisim.experiments.analysis import mean_ci

        diff = np.asarray(with_, float) - np.asarray(without, float)
        _, mean, _, low, high = mean_ci(diff)
        agree = int((diff > 0).sum() if effect.better == "higher" else (diff < 0).sum())
        return cls(
            float(np.median(without)), float(np.median(with_)), mean, low, high, agree, diff.size
        )

    def row(self, effect: Effect) -> str:
        """The table row up to the seeds' column (the row's text in docs/governance.md)."""
        d = effect.digits
        return (
            f"| {effect.name} | {self.without:.{d}f} | {self.with_:.{d}f} | "
            f"{self.diff:+.{d}f} [{self.low:+.{d}f}, {self.high:+.{d}f}] | "
            f"{self.agree}/{self.seeds} |"
        )


Pairs = list[tuple[Effect, np.ndarray, np.ndarray]]


def conference() -> Pairs:
    """Conference against none: means of the last 12 of 48 steps on the demo."""
    values = {}
    for rule in ("none", "conference"):
        rows = [run(demo([{"rule": rule}], steps=48), seed)[1].iloc[-12:] for seed in SEEDS]
        values[rule] = np.array(
            [[r["trust_urban_rural"].mean(), r["misperception"].mean()] for r in rows]
        )
    return [
        (Effect("conference: urban-rural trust", "higher"), *_columns(values, 0)),
        (Effect("conference: misperception", "lower"), *_columns(values, 1)),
    ]


def _columns(values: dict[Any, np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    without, with_ = values.values()
    return without[:, k], with_[:, k]


def open_forum() -> Pairs:
    """Restricted forum (the 10 nearest of 40) against the open one (all 40), seeds 1 to 8."""
    values: dict[float, np.ndarray] = {}
    core: dict[int, np.ndarray] = {}
    for inclusiveness in (0.25, 1.0):
        rows = []
        for seed in range(1, 9):
            model, series = run(project_territory(inclusiveness), seed)
            s = model.state
            if seed not in core:  # the restricted forum's members, same layout for both
                core[seed] = np.isin(np.arange(s.n), model.institutions[0].members)
            inner = core[seed][s.arc_from] & core[seed][s.arc_to]
            rows.append(
                [
                    series["conference_attendance"].mean(),
                    series["volume_value"].mean(),
                    s.trust[inner].mean(),
                    s.bias[~inner].mean(),
                    s.trust[~inner].mean(),
                ]
            )
        values[inclusiveness] = np.array(rows)
    effects = (
        Effect("open forum: attendance", "lower"),
        Effect("open forum: exchange value per step", "lower", 1),
        Effect("open forum: trust among the core", "lower"),
        Effect("open forum: misperception on the periphery's links", "lower"),
        Effect("open forum: trust on the periphery's links", "higher"),
    )
    return [(e, *_columns(values, k)) for k, e in enumerate(effects)]


def contract() -> Pairs:
    """Exchange value during a drought over the six steps before it, contract against none."""

    def kept(governance: list[dict[str, Any]], seed: int) -> float:
        volume = run(demo(governance, shocks=DROUGHT), seed, steps=30)[1]["volume_value"]
        return float(volume.iloc[23:29].mean() / volume.iloc[17:23].mean())

    signed = [{"rule": "reciprocity_contract", "sign_rule": "always"}]
    none = np.array([kept([], seed) for seed in SEEDS])
    with_contract = np.array([kept(signed, seed) for seed in SEEDS])
    return [(Effect("contract: volume kept in a drought", "higher"), none, with_contract)]


def commitment() -> Pairs:
    """Commitment 0.2 against 0.9 through a year-long 90 % drought (steps 12 to 23), 30 steps.

    The demo's automatic contracts, signed: the mean delivery rate over the drought's steps,
    and the mean trust on the contract links at the end.
    """
    drought = [{"kind": "drought", "at": 12, "duration": 12, "magnitude": 0.9}]
    values = {}
    for level in (0.9, 0.2):
        rule = {"rule": "reciprocity_contract", "sign_rule": "always", "commitment": level}
        rows = []
        for seed in SEEDS:
            model, series = run(demo([rule], shocks=drought), seed, 30)
            institution, s = model.institutions[0], model.state
            arcs = np.concatenate([institution.link, institution.link + s.n_links])
            rows.append([series["contract_delivery_rate"].iloc[11:24].mean(), s.trust[arcs].mean()])
        values[level] = np.array(rows)
    return [
        (
            Effect(
                "weak commitment (0.2 against 0.9): delivery rate in a 90 % drought", "lower", 4
            ),
            *_columns(values, 0),
        ),
        (
            Effect("weak commitment (0.2 against 0.9): trust on the contract links", "lower", 4),
            *_columns(values, 1),
        ),
    ]


def forced_merger() -> Pairs:
    """Forced merger against none, month 60: public capital of willing and unwilling members."""
    from terrisim.experiments.patterns import forced_merger_capital

    groups = [forced_merger_capital(seed) for seed in SEEDS]
    out = []
    for key, label, better in (
        ("unwilling_rural", "unwilling rural", "lower"),
        ("willing", "willing", "higher"),
    ):
        without, with_ = (np.array([g[key][k] for g in groups]) for k in (0, 1))
        name = f"forced merger: {label} members' public capital, month 60"
        out.append((Effect(name, better), without, with_))
    return out


def solidarity() -> Pairs:
    """Fiscal solidarity: members' Gini in a rural EPCI; urban-rural gap in merger_voluntary."""
    from terrisim.metrics import gini

    def member_gini(share: float, seed: int) -> float:
        model = TerriModel(rural_epci(share), rng=seed, record_territories=False)
        members, s = model.institutions[0].members, model.state
        ginis = []
        for step in range(1, 61):
            model.step()
            if step > 36:
                ginis.append(gini(s.satisfaction_mean[members], weights=s.population[members]))
        return float(np.mean(ginis))

    base = load_scenario(ROOT / "configs" / "merger_voluntary.toml")
    gaps = {}
    for share in (0.0, 0.2):
        scenario = apply_overrides(
            base, {"governance.0.equalisation_share": share, "governance.0.join_rule": "always"}
        )
        gaps[share] = np.array(
            [
                run(scenario, seed, steps=60)[1]["merger_satisfaction_gap"].iloc[36:].mean()
                for seed in SEEDS
            ]
        )
    return [
        (
            Effect("solidarity (rural EPCI): members' Gini", "lower", 4),
            np.array([member_gini(0.0, seed) for seed in SEEDS]),
            np.array([member_gini(0.3, seed) for seed in SEEDS]),
        ),
        (
            Effect("solidarity (merger_voluntary.toml): urban-rural gap", "lower", 4),
            gaps[0.0],
            gaps[0.2],
        ),
    ]


def bloc_measure(variant: str, seed: int) -> tuple[float, float, float, float]:
    """One run of configs/merger_voluntary.toml (every candidate in) in one bloc variant.

    Variants: ``alone`` (``act_as_one = false``), ``shared trust only`` (``act_as_one``
    with ``state.bloc`` removed after set-up: the rule before the bloc negotiation), ``bloc``.

    Returns:
        The value (reference prices) of the ad hoc flows between members and outsiders over
        the run, both ways; members' mean satisfaction and rural members' one over the run;
        mean trust on the arcs between members and outsiders after the last step.
    """
    base = load_scenario(ROOT / "configs" / "merger_voluntary.toml")
    rule = {**base.governance[0].model_dump(), "act_as_one": variant != "alone"}
    scenario = apply_overrides(base, {"governance": [{**rule, "join_rule": "always"}]})
    model = TerriModel(scenario, rng=seed, record_territories=False)
    if variant == "shared trust only":
        model.state.bloc = None
    merger, s = model.institutions[0], model.state
    outside = merger.is_member[s.arc_from] != merger.is_member[s.arc_to]
    traded = 0.0
    for _ in range(scenario.steps):
        model.step()
        traded += float((model.outcome.flow[outside] @ s.price).sum())
    series = model.recorder.series()
    return (
        traded,
        float(series["merger_satisfaction"].mean()),
        float(series["merger_satisfaction_rural"].mean()),
        float(s.trust[outside].mean()),
    )


def bloc() -> Pairs:
    """Negotiating as one bloc against shared trust only (merger_voluntary.toml, 60 steps)."""
    values = {
        v: np.array([bloc_measure(v, seed) for seed in SEEDS])
        for v in ("shared trust only", "bloc")
    }
    effects = (
        Effect("bloc against shared trust only: value traded with outsiders", "lower", 1),
        Effect("bloc against shared trust only: trust with outsiders", "lower"),
    )
    return [(e, *_columns(values, k)) for k, e in zip((0, 3), effects, strict=True)]


#: The measurements, in the order of docs/governance.md's table.
MEASUREMENTS: tuple[Callable[[], Pairs], ...] = (
    conference,
    open_forum,
    contract,
    commitment,
    forced_merger,
    solidarity,
    bloc,
)


def renewal_counts(seeds: Iterable[int] = range(1, 21)) -> dict[str, list[int]]:
    """What becomes of the demo's contracts over 72 months, alone or after a conference.

    The demo (``Scenario()``), the contract's defaults (sign rule ``trust``, automatic pairs),
    with and without a ``conference`` listed first (so it acts first in phase 3).

    Returns:
        Per set-up, the counts of :data:`COUNTS` summed over the seeds, then the contracts
        still active at month 72.
    """
    seeds = list(seeds)
    out = {}
    for label, governance in (
        ("contract alone", [{"rule": "reciprocity_contract"}]),
        ("conference, then contract", [{"rule": "conference"}, {"rule": "reciprocity_contract"}]),
    ):
        total = np.zeros(len(COUNTS) + 1, int)
        for seed in seeds:
            scenario = scenario_from_dict({"governance": governance, "steps": 72})
            model = TerriModel(scenario, rng=seed, record_territories="none")
            institution = next(i for i in model.institutions if i.name == "reciprocity_contract")
            model.run()
            total += [institution.counts[k] for k in COUNTS] + [int(institution.active.sum())]
        out[label] = [int(x) for x in total]
    return out


def renewal_row(label: str, counts: list[int]) -> str:
    """A row of the renewal table of docs/governance.md."""
    return f"| {label} | " + " | ".join(str(c) for c in counts) + " |"


# --- regenerate and check ----------------------------------------------------------------
def measure_all() -> dict[str, Any]:
    """Every effect and the renewal counts, as written to :data:`EFFECTS_FILE`."""
    effects = {}
    for measurement in MEASUREMENTS:
        for effect, without, with_ in measurement():
            m = Measured.of(effect, without, with_)
            effects[effect.name] = {**asdict(effect), **asdict(m), "row": m.row(effect)}
    renewal = {
        label: {"counts": counts, "row": renewal_row(label, counts)}
        for label, counts in renewal_counts().items()
    }
    return {"effects": effects, "renewal": renewal}


def differences(documented: dict[str, Any], measured: dict[str, Any]) -> list[str]:
    """One line per figure that differs between two measurements (exact to 1e-9)."""
    lines = []
    for section in ("effects", "renewal"):
        old, new = documented.get(section, {}), measured[section]
        for name in sorted(set(old) | set(new)):
            if name not in old or name not in new:
                lines.append(f"{section} {name!r}: only in the {'new' if name in new else 'old'}")
                continue
            for key, value in new[name].items():
                before = old[name].get(key)
                same = (
                    math.isclose(value, before, rel_tol=1e-9, abs_tol=1e-12)
                    if isinstance(value, float) and isinstance(before, float)
                    else value == before
                )
                if not same:
                    lines.append(f"{section} {name!r}: {key} {before!r} documented, now {value!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure the effects; write :data:`EFFECTS_FILE`, or compare with it (``--check``)."""
    parser = argparse.ArgumentParser(prog="python -m terrisim.experiments.governance_effects")
    parser.add_argument("--check", action="store_true", help="compare with the JSON file")
    args = parser.parse_args(argv)
    measured = measure_all()
    for item in measured["effects"].values():
        print(item["row"])
    for item in measured["renewal"].values():
        print(item["row"])
    if args.check:
        problems = differences(json.loads(EFFECTS_FILE.read_text()), measured)
        for line in problems:
            print(f"STALE {line}", file=sys.stderr)
        return 1 if problems else 0
    from terrisim.experiments.provenance import git_state

    data = {
        "command": "python -m terrisim.experiments.governance_effects",
        "git": git_state(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **measured,
    }
    EFFECTS_FILE.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n")
    print(f"wrote {EFFECTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
