"""Effect of negotiating outside as one bloc (ODD 7.4.3) on configs/merger_voluntary.toml.

Three variants, same seeds: ``act_as_one = false`` (members negotiate alone, own trust),
``act_as_one = true`` without the bloc rule (shared trust only: the rule before the bloc
negotiation; obtained by removing ``state.bloc`` after set-up) and ``act_as_one = true`` (shared
trust and one bloc). Per seed, over the 60 steps: the value (reference prices) of the ad hoc
flows between members and outsiders, both ways, the members' mean satisfaction
(``merger_satisfaction``, population-weighted), their rural members' one, and the mean trust
between members and outsiders at the end. Then, on the bloc's run, each step's negotiation
computed both ways on the same state (:func:`same_states`). Prints medians
over seeds and, per seed, the bloc's change against shared trust only.

Run: ``.venv/bin/python docs/merger_bloc_effect.py [seeds]`` (default 5 seeds: 1 to 5).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from terrisim import apply_overrides
from terrisim.exchange import bloc_pairs, negotiate
from terrisim.experiments.governance_effects import bloc_measure
from terrisim.model import TerriModel
from terrisim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("alone", "shared trust only", "bloc")


measure = bloc_measure  # one definition with docs/governance.md's "bloc" rows


def same_states(seed: int) -> tuple[float, float, int, int]:
    """Each step's negotiation computed with and without the bloc on the same state.

    The run follows the bloc; returns the value on the pairs' arcs without and with the bloc,
    and the link-steps dealing only without it and only with it.
    """
    scenario = apply_overrides(load_scenario(ROOT / "configs" / "merger_voluntary.toml"),
                               {"governance.0.join_rule": "always"})
    model = TerriModel(scenario, rng=seed, record_territories=False, engine="numpy")
    s, bloc = model.state, model.state.bloc
    values, only = np.zeros(2), np.zeros(2, int)
    for _ in range(scenario.steps):
        for phase in model.PHASES:
            if phase == "negotiate":
                outcomes = []
                for blocs in (None, bloc):
                    s.bloc = blocs
                    outcomes.append(negotiate(s, model.valuation, model.partners,
                                              scenario.exchange, model.engineering_left(),
                                              engine="numpy"))
                arcs = bloc_pairs(s)[0]
                links = np.unique(arcs % s.n_links)
                values += [float((o.flow[arcs] @ s.price).sum()) for o in outcomes]
                alone, together = (o.deal[links] for o in outcomes)
                only += [int((alone & ~together).sum()), int((together & ~alone).sum())]
            getattr(model, phase)()
    return values[0], values[1], int(only[0]), int(only[1])


def main(seeds: int = 5) -> None:
    """Print the medians over seeds 1 to ``seeds`` and the per-seed changes."""
    table = {v: np.array([measure(v, seed) for seed in range(1, seeds + 1)]) for v in VARIANTS}
    print(f"{'variant':<18} {'value with outsiders':>21} {'members sat.':>13} {'rural sat.':>11}"
          f" {'trust with outsiders':>21}")
    for v in VARIANTS:
        med = np.median(table[v], axis=0)
        print(f"{v:<18} {med[0]:>21.1f} {med[1]:>13.4f} {med[2]:>11.4f} {med[3]:>21.4f}")
    change = table["bloc"] - table["shared trust only"]
    print("bloc - shared trust only, per seed:")
    for seed, row in enumerate(change, start=1):
        print(f"  seed {seed}: value {row[0]:+.1f} "
              f"({row[0] / table['shared trust only'][seed - 1, 0]:+.1%}), "
              f"members sat. {row[1]:+.4f}, rural sat. {row[2]:+.4f}, trust {row[3]:+.4f}")
    print("same states (the bloc's run, each negotiation also computed without the bloc):")
    for seed in range(1, seeds + 1):
        without, with_, only_without, only_with = same_states(seed)
        print(f"  seed {seed}: value on the pairs' arcs {without:.1f} without, {with_:.1f} "
              f"with; link-steps dealing only without {only_without}, only with {only_with}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
