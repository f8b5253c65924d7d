"""Who the calls for projects fund as the cost of answering varies (docs/patterns.md).

The two patterns of calls for projects (``calls_miss_small_communes``,
``intercommunalities_bring_small_communes_in``) rest on the assumed ``answer_cost`` (ODD 7.5.4).
This prints, for a range of costs, the share of the subsidies of two yearly calls that reaches
the Puy-de-Dôme's communes of fewer than 2,000 inhabitants, the communes alone and with the
real EPCI answering for them (one seed: the measure draws nothing). Needs the ``france`` extra.
Run from the repository root::

    .venv/bin/python experiments/calls_answer_cost.py
"""

from __future__ import annotations

from terrisim.experiments.patterns import (
    PUY_DE_DOME,
    SMALL_COMMUNE,
    calls_share_to_small_communes,
)
from terrisim.model import TerriModel
from terrisim.scenario import scenario_from_dict

COSTS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


def main(seed: int = 1) -> None:
    """Print one markdown row per answer cost."""
    pop = TerriModel(scenario_from_dict(PUY_DE_DOME), rng=seed).state.population
    share = pop[pop < SMALL_COMMUNE].sum() / pop.sum()
    print(f"small communes' share of the population: {share:.3f}")
    print("| answer_cost | share of subsidies, alone | with the real EPCI |")
    print("|---|---|---|")
    for cost in COSTS:
        call = {"rule": "call_for_projects", "answer_cost": cost}
        alone = calls_share_to_small_communes([call], seed)
        epci = calls_share_to_small_communes([{"rule": "real_epci"}, call], seed)
        print(f"| {cost:g} | {alone:.3f} | {epci:.3f} |")


if __name__ == "__main__":
    main()
