"""Who the calls for projects fund as the cost of answering varies (docs/patterns.md).

The pattern ``intercommunalities_bring_small_communes_in`` and the small communes' exclusion
when they answer alone rest on the assumed ``answer_cost`` (ODD 7.5.4). This prints, for a
range of costs, the share of the subsidies of two yearly calls that reaches the Puy-de-Dôme's
communes of fewer than 2,000 inhabitants and the projects funded, the communes alone and with
the real EPCI answering for them (one seed: the measure draws nothing). Needs the ``france``
extra. ``tests/test_patterns.py`` checks that docs/patterns.md shows what it prints. Run from
the repository root::

    .venv/bin/python experiments/calls_answer_cost.py
"""

from __future__ import annotations

from terrisim.experiments.patterns import (
    CALLS,
    SMALL_COMMUNE,
    calls_run,
    calls_share_to_small_communes,
)

COSTS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
REAL_EPCI = {"rule": "real_epci"}
HEADER = (
    "| answer_cost | share of subsidies, alone | with the real EPCI "
    "| projects funded, alone | with the real EPCI |"
)


def lines(seed: int = 1) -> list[str]:
    """The printed lines: the population share, the eligible links, one row per cost."""
    with_epci = calls_run([REAL_EPCI, CALLS], seed)
    s, call = with_epci.state, with_epci.institutions[-1]
    pop = s.population
    bloc = s.bloc[s.src[call.eligible]], s.bloc[s.dst[call.eligible]]
    inside = int(((bloc[0] >= 0) & (bloc[0] == bloc[1])).sum())
    out = [
        f"small communes' share of the population: {pop[pop < SMALL_COMMUNE].sum() / pop.sum():.3f}",
        f"urban-rural links: {call.eligible.size}, of which inside one EPCI: {inside}",
        HEADER,
        "|---|---|---|---|---|",
    ]
    for cost in COSTS:
        call = {**CALLS, "answer_cost": cost}
        alone, epci = calls_run([call], seed), calls_run([REAL_EPCI, call], seed)
        projects = [m.institutions[-1].funded for m in (alone, epci)]
        out.append(
            f"| {cost:g} | {calls_share_to_small_communes(alone):.3f} "
            f"| {calls_share_to_small_communes(epci):.3f} | {projects[0]} | {projects[1]} |"
        )
    return out


if __name__ == "__main__":
    print("\n".join(lines()))
