"""Effect sizes of the governance mechanisms quoted in docs/governance.md (section "Effects").

Each figure is paired by seed (seeds 1 to 10, same territories and shocks with and without
the mechanism) and reported as the median over seeds, with the number of seeds where the
effect has the claimed sign. The scenarios are those of the statistical tests
(tests/test_governance_*.py), imported from there so that both use one definition.

Run: ``.venv/bin/python docs/governance_effects.py`` (about a minute).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_governance_conference import project_territory  # noqa: E402
from test_governance_contract import DROUGHT, demo, run  # noqa: E402
from test_governance_merger import rural_epci  # noqa: E402

from terrisim import apply_overrides, load_scenario  # noqa: E402
from terrisim.experiments.patterns import forced_merger_capital  # noqa: E402
from terrisim.metrics import gini  # noqa: E402
from terrisim.model import TerriModel  # noqa: E402

SEEDS = range(1, 11)


def report(name: str, without: np.ndarray, with_: np.ndarray, better: str) -> None:
    """One line: medians without and with, median difference, seeds in the claimed direction."""
    diff = with_ - without
    agree = int((diff > 0).sum() if better == "higher" else (diff < 0).sum())
    print(f"| {name} | {np.median(without):.3f} | {np.median(with_):.3f} | "
          f"{np.median(diff):+.3f} | {agree}/{diff.size} |")


def conference() -> None:
    """Conference against none: last year of 48 steps on the demo."""
    values = {}
    for rule in ("none", "conference"):
        rows = [run(demo([{"rule": rule}], steps=48), seed)[1].iloc[-12:] for seed in SEEDS]
        values[rule] = np.array([[r["trust_urban_rural"].mean(), r["misperception"].mean()]
                                 for r in rows])
    report("conference: urban-rural trust", values["none"][:, 0], values["conference"][:, 0],
           "higher")
    report("conference: misperception", values["none"][:, 1], values["conference"][:, 1],
           "lower")


def open_forum() -> None:
    """Restricted forum (10 nearest of 40) against the open one (all 40), seeds 1 to 8."""
    values = {}
    core = {}
    for inclusiveness in (0.25, 1.0):
        rows = []
        for seed in range(1, 9):
            model, series = run(project_territory(inclusiveness), seed)
            s = model.state
            if seed not in core:  # the restricted forum's members, same layout for both
                core[seed] = np.isin(np.arange(s.n), model.institutions[0].members)
            inner = core[seed][s.arc_from] & core[seed][s.arc_to]
            rows.append([series["conference_attendance"].mean(), series["volume_value"].mean(),
                         s.trust[inner].mean(), s.bias[~inner].mean(), s.trust[~inner].mean()])
        values[inclusiveness] = np.array(rows)
    restricted, open_forum = values[0.25], values[1.0]
    report("open forum: attendance", restricted[:, 0], open_forum[:, 0], "lower")
    report("open forum: exchange value per step", restricted[:, 1], open_forum[:, 1], "lower")
    report("open forum: trust among the core", restricted[:, 2], open_forum[:, 2], "lower")
    report("open forum: misperception on the periphery's links", restricted[:, 3],
           open_forum[:, 3], "lower")
    report("open forum: trust on the periphery's links", restricted[:, 4], open_forum[:, 4],
           "higher")


def contract() -> None:
    """Exchange volume during a drought over the six steps before it, contract against none."""

    def kept(governance: list[dict], seed: int) -> float:
        volume = run(demo(governance, shocks=DROUGHT), seed, steps=30)[1]["volume_value"]
        return volume.iloc[23:29].mean() / volume.iloc[17:23].mean()

    none = np.array([kept([], seed) for seed in SEEDS])
    with_contract = np.array([kept([{"rule": "reciprocity_contract", "sign_rule": "always"}],
                                   seed) for seed in SEEDS])
    report("contract: volume kept in a drought", none, with_contract, "higher")


def merger() -> None:
    """Forced merger against none, month 60: public capital of willing and unwilling members."""
    groups = [forced_merger_capital(seed) for seed in SEEDS]
    for name, label in (("unwilling_rural", "unwilling rural"), ("willing", "willing")):
        without, with_ = (np.array([g[name][k] for g in groups]) for k in (0, 1))
        report(f"forced merger: {label} members' public capital, month 60", without, with_,
               "lower" if name == "unwilling_rural" else "higher")


def solidarity() -> None:
    """Members' satisfaction Gini (last two of five years), sigma = 0 against 0.3."""

    def member_gini(share: float, seed: int) -> float:
        model = TerriModel(rural_epci(share), rng=seed, record_territories=False)
        members, s = model.institutions[0].members, model.state
        ginis = []
        for step in range(1, 61):
            model.step()
            if step > 36:
                ginis.append(gini(s.satisfaction_mean[members], weights=s.population[members]))
        return float(np.mean(ginis))

    report("solidarity (rural EPCI): members' Gini",
           np.array([member_gini(0.0, seed) for seed in SEEDS]),
           np.array([member_gini(0.3, seed) for seed in SEEDS]), "lower")
    base = load_scenario(ROOT / "configs" / "merger_voluntary.toml")
    gaps = {}
    for share in (0.0, 0.2):
        scenario = apply_overrides(base, {"governance.0.equalisation_share": share,
                                          "governance.0.join_rule": "always"})
        gaps[share] = np.array([run(scenario, seed, steps=60)[1]["merger_satisfaction_gap"]
                                .iloc[36:].mean() for seed in SEEDS])
    report("solidarity (merger_voluntary.toml): urban-rural gap", gaps[0.0], gaps[0.2], "lower")


if __name__ == "__main__":
    print("| mechanism | without | with | median difference | seeds in the claimed direction |")
    print("|---|---|---|---|---|")
    conference()
    open_forum()
    contract()
    merger()
    solidarity()
