"""Merger of territories into an intercommunality (EPCI), voluntary or forced (ODD 7.5.3).

The 2014 and 2017 reforms merged intercommunalities into larger EPCI mixing urban and rural
communes; some mergers were forced. Here members (by ids, or by kinds within a radius of a
pole) form an :class:`Intercommunality`, a collective agent above its communes (a Mesa
meta-agent), which each step:

1. pools budgets under **fiscal solidarity**: a share of members' revenue is redistributed in
   proportion to population or to need (``model.transfer_revenue``);
2. pools **services** (health, waste by default), shared by need (channel ``merger``); no
   economies of scale by default (``scale_gain = 0``: the French evidence finds no savings);
3. **allocates shared production inside**: members' surpluses of other goods go to members'
   deficits (channel ``merger``), the good prioritised by a population-weighted **vote** first;
4. pools **engineering**, shared by need;
5. **negotiates outside as one**: members' trust toward (and from) each outside partner is
   averaged.

Who is in: in a **voluntary** merger each candidate chooses by a join rule
(:mod:`terrisim.governance.joining`) from the gain it expects; a **forced** merger takes every
candidate, willing or not, and starts with a low engagement (divergent strategies) that
recovers slowly. What the unwilling lose is not written in: it is what the pooling takes from
them (Tricaud 2025). The arithmetic is numpy over the members. Equations and parameters:
docs/governance.md.

Scenario file::

    [[governance]]
    rule = "merger"
    radius_km = 35        # members: territories within 35 km of the pole (default: largest city)
    forced = true
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from mesa.experimental.meta_agents import MetaAgent
from pydantic import Field

from terrisim import texts
from terrisim.errors import ScenarioError
from terrisim.governance.base import Governance
from terrisim.governance.common import (
    MembershipParams,
    capped_ratio,
    expected_production,
    labels,
    pool_pairs,
    select_members,
    suffixed,
)
from terrisim.governance.joining import JOIN_RULES
from terrisim.rules.base import register
from terrisim.scenario.schema import Share

if TYPE_CHECKING:
    from terrisim.services import ModelServices
    from terrisim.state import TerritoryState

GOOD_LABELS: dict[str, tuple[str, str]] = {
    "food": ("l'alimentation", "food"),
    "energy": ("l'énergie", "energy"),
    "water": ("l'eau", "water"),
    "health": ("la santé", "health"),
    "mobility_jobs": ("la mobilité et l'emploi", "mobility and jobs"),
    "waste_treatment": ("le traitement des déchets", "waste treatment"),
    "amenities": ("le cadre de vie", "amenities"),
}

texts.add_template(
    "merger_created",
    "{members} territoires autour de {pole_fr} fusionnent en une intercommunalité, "
    "{name} ({mode_fr}).",
    "{members} territories around {pole_en} merge into one intercommunality, {name} ({mode_en}).",
)
texts.add_template(
    "merger_refused",
    "Aucun des {candidates} territoires autour de {pole_fr} ne veut rejoindre {name} : chacun "
    "s'attend à y perdre, pas d'intercommunalité.",
    "None of the {candidates} territories around {pole_en} wants to join {name}: each expects "
    "to lose, no intercommunality.",
)
texts.add_template(
    "merger_vote",
    "Conseil communautaire de {name} : priorité à {good_fr} ({share:.0%} des voix, pondérées "
    "par la population) ; {unhappy} communes rurales sur {rural} voulaient autre chose.",
    "Council of {name}: priority to {good_en} ({share:.0%} of the votes, weighted by "
    "population); {unhappy} of {rural} rural members wanted something else.",
)


class Intercommunality(MetaAgent):
    """An intercommunality (EPCI): a collective agent holding its member territories.

    The member Territory agents are attached at the first step (they are created after the
    institutions are set up); the arithmetic uses ``members``, their indices in the arrays.

    Attributes:
        members: Indices of the member territories (nearest to the pole first).
        forced: Whether the merger was imposed.
        engagement: Share of the pooled mechanisms the members actually run, in [0, 1].
    """

    kind = "intercommunality"

    def __init__(
        self, model: ModelServices, members: np.ndarray, name: str, forced: bool, engagement: float
    ) -> None:
        super().__init__(model, None, name=name)
        self.members = members
        self.forced = forced
        self.engagement = engagement

    def attach_members(self) -> None:
        """Attach the member Territory agents (once they exist)."""
        territories = getattr(self.model, "territories", None)
        if territories and len(self) == 0:
            self.add_constituting_agents({territories[int(i)] for i in self.members})

    @property
    def population(self) -> float:
        """Inhabitants of all members."""
        return float(self.model.state.population[self.members].sum())


@register
class Merger(Governance):
    """An intercommunality pooling budgets, services, production and engineering.

    With members ``i`` of the merger, engagement ``e`` and, for good ``g``, the intensity
    ``pi_g = e`` for the voted priority good and ``e (1 - priority_weight)`` for the others:

    * equalisation: ``n_i = sigma sum_k r_k w_i - sigma r_i`` with ``r = fiscal_base + grant *
      grant_factor`` and ``w`` the population shares or the need shares
      ``max(spending - (1 - sigma) r, 0)``;
    * pooled service ``g``: extra production ``gamma pi_g sum_i P_ig``, then each member moves
      ``pi_g`` of the way to its need share ``T_g n_ig / sum_k n_kg`` of the pool ``T_g``;
    * other goods: ``internal_share * pi_g * min(S_g, D_g)`` moves from surpluses to deficits,
      pro rata;
    * engineering: ``left_i' = (1 - e) left_i + e (1 + gamma) L u_i`` with ``L`` the members'
      engineering left and ``u`` the shares of trading needs;
    * outside: trust ``t <- (1 - e) t + e mean_members(t)`` per outside partner, both ways.

    Members: a voluntary merger keeps the pole and the candidates its join rule finds willing
    from their :meth:`expected_gain`; a forced one keeps every candidate and starts with
    ``e = forced_engagement``; ``e`` recovers as ``e += engagement_recovery (1 - e)``.
    See docs/governance.md (ODD 7.5.3).
    """

    name = "merger"
    changes_trust = (
        (
            "act_as_one",
            "govern",
            (
                "members' trust in each outside partner, and the partner's in them, moves toward "
                "their mean by the engagement (act_as_one, ODD 7.5.3)"
            ),
        ),
    )

    class Params(MembershipParams):
        """Parameters of the merger (docs/governance.md, table 7.5.3)."""

        pole: str = Field("", description="Centre of the merger; '': largest city.")
        radius_km: float = Field(35.0, ge=0.0, description="Members within this distance.")
        epci_name: str = Field("", description="Name of the intercommunality ('': CC <pole>).")
        forced: bool = Field(False, description="Imposed (true) or voluntary (false).")
        join_rule: str = Field(
            "always", description="Voluntary merger: who joins (governance.joining.JOIN_RULES)."
        )
        forced_engagement: Share = Field(0.5, description="Initial engagement if forced.")
        engagement_recovery: Share = Field(0.03, description="Engagement recovery per step.")
        equalisation_share: Share = Field(0.2, description="sigma: share of revenue pooled.")
        equalisation_basis: Literal["population", "need"] = Field(
            "need", description="Pooled revenue returned by population or by budget need."
        )
        pooled_goods: list[str] = Field(
            default_factory=lambda: ["health", "waste_treatment"],
            description="Services pooled and shared by need.",
        )
        scale_gain: float = Field(
            0.0, ge=0.0, description="gamma: economies of scale (none found in France)."
        )
        internal_share: Share = Field(
            0.5, description="Share of matchable surpluses allocated inside."
        )
        priority_weight: Share = Field(
            0.5, description="How much less the goods not voted as priority are pooled."
        )
        vote_period: int = Field(12, ge=1, description="Steps between votes.")
        pool_engineering: bool = Field(True, description="Members share engineering.")
        act_as_one: bool = Field(
            True, description="Members share trust toward outsiders and negotiate as one bloc."
        )
        label: str = Field("", description="Suffix of this institution's series columns.")

    # ------------------------------------------------------------------ set-up
    def setup(self, model: ModelServices) -> None:
        """Select the members, create the intercommunality, apply a forced start, vote."""
        p, s = self.params, model.state
        where = f"governance.{self.name}"
        candidates, self.pole = select_members(
            s,
            ids=p.ids,
            kinds=p.kinds,
            pole=p.pole,
            radius_km=p.radius_km,
            where=where,
            institution="a merger",
        )
        if p.join_rule not in JOIN_RULES:
            raise ScenarioError(
                f"{where}.join_rule: unknown rule {p.join_rule!r}; allowed: {sorted(JOIN_RULES)}"
            )
        unknown = [g for g in p.pooled_goods if g not in s.goods]
        if unknown:
            raise ScenarioError(
                f"{where}.pooled_goods: unknown good {unknown[0]!r}; allowed: {list(s.goods)}"
            )
        self.pooled = np.array([g in p.pooled_goods for g in s.goods])
        self.candidates = candidates
        self.gain = self.expected_gain(model, candidates)
        self.willing = JOIN_RULES[p.join_rule](self.gain) | (candidates == self.pole)
        joins = self.willing | p.forced
        self.members = candidates[joins]
        self.willing = self.willing[joins]
        for other in model.institutions:
            if other is self:
                break
            if isinstance(other, Merger) and np.intersect1d(other.members, self.members).size:
                shared = np.intersect1d(other.members, self.members)[0]
                raise ScenarioError(
                    f"{where}: territory {s.ids[shared]!r} is already a member of another merger"
                )
        self.is_member = np.zeros(s.n, bool)
        self.is_member[self.members] = True
        if p.act_as_one:  # one bloc in the reciprocity test of ad hoc deals (ODD 7.4.3)
            if s.bloc is None:
                s.bloc = np.full(s.n, -1, dtype=np.int64)
            s.bloc[self.members] = s.bloc.max() + 1
        name = p.epci_name or f"CC {s.names[self.pole]}"
        self.agent = Intercommunality(
            model, self.members, name, p.forced, p.forced_engagement if p.forced else 1.0
        )
        self.rural = self.members[~s.urban[self.members]]
        self.priority = 0
        self.vote_share = self.rural_agreement = float("nan")
        self.step_equalisation = self.step_scale_output = 0.0
        self.step_scale_units = np.zeros(len(s.goods))
        self.indicators: dict[str, Any] = {}
        if self.members.size < 2:
            model.log_event(
                "merger_refused",
                candidates=int(candidates.size - 1),
                name=name,
                **labels(s, self.pole, "pole"),
            )
        else:
            model.log_event(
                "merger_created",
                members=int(self.members.size),
                name=name,
                mode_fr="fusion imposée" if p.forced else "fusion volontaire",
                mode_en="forced merger" if p.forced else "voluntary merger",
                **labels(s, self.pole, "pole"),
            )
        self.vote(model, unmet=self._unmet_expected(model))
        self._measure(model)

    # ------------------------------------------------------------------ decisions
    def _unmet_expected(self, model: ModelServices) -> np.ndarray:
        """Unmet share of need per good from expected production (before any step)."""
        s = model.state
        need = s.effective_need
        with np.errstate(over="ignore"):  # a tiny need: cover is inf, unmet 0
            cover = np.divide(
                s.stock + expected_production(s), need, out=np.ones_like(need), where=need > 0
            )
        return np.maximum(1.0 - cover, 0.0)

    def vote(self, model: ModelServices, unmet: np.ndarray | None = None) -> None:
        """Population-weighted vote on the priority good.

        Member ``i`` votes for ``argmax_g w_g (1 - satisfaction_ig)`` (abstains if all needs
        are met); the good with the most population behind it wins.
        """
        s = model.state
        if unmet is None:
            unmet = 1.0 - s.satisfaction
        choice, weight, votes = _tally(s, self.members, unmet)
        if votes.sum() <= 0:
            return
        self.priority = int(np.argmax(votes))
        self.vote_share = float(votes[self.priority] / votes.sum())
        rural = ~s.urban[self.members]
        agree = rural & (choice == self.priority) & (weight > 0)
        pop_rural = s.population[self.members][rural].sum()
        self.rural_agreement = (
            float(s.population[self.members][agree].sum() / pop_rural)
            if pop_rural > 0
            else float("nan")
        )
        good = s.goods[self.priority]
        fr, en = GOOD_LABELS.get(good, (good, good))
        model.log_event(
            "merger_vote",
            name=self.agent.name,
            good_fr=fr,
            good_en=en,
            share=self.vote_share,
            rural=int(rural.sum()),
            unhappy=int((rural & ~agree).sum()),
        )

    def intensity(self, model: ModelServices) -> np.ndarray:
        """Pooling intensity per good: ``e`` for the priority good, ``e (1 - w)`` otherwise."""
        return _intensity(
            len(model.state.goods),
            self.priority,
            self.agent.engagement,
            self.params.priority_weight,
        )

    def expected_gain(self, model: ModelServices, candidates: np.ndarray) -> np.ndarray:
        """What each candidate expects to gain by joining, k EUR per step (set-up).

        The first step of a merger of all ``candidates``, fully engaged (``e = 1``), with the
        priority the candidates would vote from the expected unmet shares and the goods
        expected at hand ``stock + P``: the money of the equalisation plus the value at
        reference prices of the goods received minus those given (pooled services, then the
        allocation inside). Engineering and trust are left out.
        """
        p, s, m = self.params, model.state, candidates
        _, _, votes = _tally(s, m, self._unmet_expected(model))
        priority = int(np.argmax(votes)) if votes.sum() > 0 else 0
        pi = _intensity(len(s.goods), priority, 1.0, p.priority_weight)
        money = self._equalisation_net(model, m)
        need = s.effective_need[m]
        have = (s.stock + expected_production(s))[m]
        added, give, take = self._service_flows(need, expected_production(s)[m], have, pi)
        have = have + added - give + take
        give_in, take_in = self._inside_flows(need, have, pi)
        return money + (added - give + take - give_in + take_in) @ s.price

    # ------------------------------------------------------------------ each step
    def before_exchange(self, model: ModelServices) -> None:
        """Equalisation, pooled services, internal allocation, engineering, one voice."""
        self.agent.attach_members()
        pi = self.intensity(model)
        self.equalise(model)
        self.pool_services(model, pi)
        self.allocate_inside(model, pi)
        if self.params.pool_engineering:
            self.pool_engineering(model)
        if self.params.act_as_one:
            self.act_as_one(model)

    def equalise(self, model: ModelServices) -> None:
        """Fiscal solidarity: ``n_i = sigma (sum_k r_k) w_i - sigma r_i`` into revenues."""
        net = self._equalisation_net(model, self.members)
        model.transfer_revenue(self.members, net)
        self.step_equalisation = float(np.maximum(net, 0.0).sum())

    def _equalisation_net(self, model: ModelServices, m: np.ndarray) -> np.ndarray:
        p, s = self.params, model.state
        revenue = s.fiscal_base[m] + s.grant[m] * s.grant_factor[m]
        pool = p.equalisation_share * revenue.sum()
        if p.equalisation_basis == "need":
            basis = np.maximum(s.spending[m] - (1.0 - p.equalisation_share) * revenue, 0.0)
        else:
            basis = s.population[m].astype(float)
        if basis.sum() <= 0:
            basis = s.population[m].astype(float)
        net = pool * basis / basis.sum() - p.equalisation_share * revenue
        net -= net.mean()  # an exact zero sum despite rounding
        return net

    def pool_services(self, model: ModelServices, pi: np.ndarray) -> None:
        """Pooled services: scale gain, then each member moves ``pi_g`` toward its need share."""
        s, m = model.state, self.members
        need, have = s.effective_need[m], s.available[m]
        added, give, take = self._service_flows(need, expected_production(s)[m], have, pi)
        s.available[m] += added
        self.step_scale_units = added.sum(axis=0)
        self.step_scale_output = float(self.step_scale_units @ s.price)
        self._move(model, give, take)

    def _service_flows(
        self, need: np.ndarray, produced: np.ndarray, have: np.ndarray, pi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Members' (m, G) goods created by scale, given and taken by the pooled services."""
        m, n_goods = have.shape
        added, give, take = (np.zeros((m, n_goods)) for _ in range(3))
        goods = np.flatnonzero(self.pooled)
        if goods.size == 0:
            return added, give, take
        need = need[:, goods]
        total_need = need.sum(axis=0)
        share = np.divide(need, total_need, out=np.full_like(need, 1.0 / m), where=total_need > 0)
        extra = self.params.scale_gain * pi[goods] * produced[:, goods].sum(axis=0)
        added[:, goods] = extra * share
        pooled = have[:, goods] + added[:, goods]
        delta = pooled - pooled.sum(axis=0) * share
        give[:, goods] = pi[goods] * np.maximum(delta, 0.0)
        take[:, goods] = pi[goods] * np.maximum(-delta, 0.0)
        return added, give, take

    def allocate_inside(self, model: ModelServices, pi: np.ndarray) -> None:
        """Other goods: ``internal_share pi_g min(S_g, D_g)`` from surpluses to deficits."""
        s, m = model.state, self.members
        self._move(model, *self._inside_flows(s.effective_need[m], s.available[m], pi))

    def _inside_flows(
        self, need: np.ndarray, have: np.ndarray, pi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Members' (m, G) goods given and taken by the allocation inside."""
        surplus = np.maximum(have - need, 0.0)
        deficit = np.maximum(need - have, 0.0)
        moved = (
            self.params.internal_share
            * pi
            * ~self.pooled
            * np.minimum(surplus.sum(axis=0), deficit.sum(axis=0))
        )
        give = surplus * capped_ratio(moved, surplus.sum(axis=0))
        take = deficit * capped_ratio(moved, deficit.sum(axis=0))
        return give, take

    def _move(self, model: ModelServices, give: np.ndarray, take: np.ndarray) -> None:
        i, j, amounts = pool_pairs(give, take)
        if i.size:
            model.transfer(self.members[i], self.members[j], amounts, "merger")

    def pool_engineering(self, model: ModelServices) -> None:
        """``left_i' = (1 - e) left_i + e (1 + gamma) L u_i`` (``u``: trading-need shares)."""
        s, m, e = model.state, self.members, self.agent.engagement
        left = model.engineering_left()[m]
        need = s.effective_need[m]
        trading = np.abs(s.available[m] - need) @ s.price
        u = (
            trading / trading.sum()
            if trading.sum() > 0
            else s.population[m] / s.population[m].sum()
        )
        new = (1.0 - e) * left + e * (1.0 + self.params.scale_gain) * left.sum() * u
        model.use_engineering(m, left - new)

    def act_as_one(self, model: ModelServices) -> None:
        """Average members' trust toward each outside partner, and the partner's in them."""
        s, e = model.state, self.agent.engagement
        inside = self.is_member
        for own, other in ((s.arc_from, s.arc_to), (s.arc_to, s.arc_from)):
            arcs = np.flatnonzero(inside[own] & ~inside[other])
            if arcs.size == 0:
                continue
            partner = other[arcs]
            mean = (
                np.bincount(partner, s.trust[arcs], s.n)
                / np.maximum(np.bincount(partner, minlength=s.n), 1)
            )[partner]
            s.trust[arcs] = (1.0 - e) * s.trust[arcs] + e * mean

    def end_step(self, model: ModelServices) -> None:
        """Engagement recovers; every ``vote_period`` steps the council votes again."""
        p = self.params
        self.agent.engagement += p.engagement_recovery * (1.0 - self.agent.engagement)
        if model.steps % p.vote_period == 0:
            self.vote(model)
        self._measure(model)

    # ------------------------------------------------------------------ records
    def _measure(self, model: ModelServices) -> None:
        s, m = model.state, self.members
        inside = self.is_member[s.arc_from] & self.is_member[s.arc_to]
        sat = s.satisfaction_mean[m]
        pop = s.population[m]
        urban = s.urban[m]

        def mean(mask: np.ndarray) -> float:
            return float(sat[mask] @ pop[mask] / pop[mask].sum()) if mask.any() else np.nan

        su, sr = mean(urban), mean(~urban)
        self.indicators = {
            "merger_members": int(m.size),
            "merger_unwilling": int((~self.willing).sum()),
            "merger_engagement": float(self.agent.engagement),
            "merger_trust": float(s.trust[inside].mean()) if inside.any() else np.nan,
            "merger_priority": s.goods[self.priority],
            "merger_vote_share": self.vote_share,
            "merger_rural_agreement": self.rural_agreement,
            "merger_equalisation": self.step_equalisation,
            "merger_scale_output": self.step_scale_output,
            "merger_satisfaction": mean(np.ones(m.size, bool)),
            "merger_satisfaction_urban": su,
            "merger_satisfaction_rural": sr,
            "merger_satisfaction_gap": abs(su - sr) if urban.any() and (~urban).any() else np.nan,
            "merger_satisfaction_spread": float(sat.max() - sat.min()),
        }

    def state_summary(self) -> dict[str, Any]:
        """``merger_members``, engagement, trust, vote, equalisation, members' satisfaction."""
        return suffixed(dict(self.indicators), self.params.label)


def _tally(
    state: TerritoryState, members: np.ndarray, unmet: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members' choices, their weights (population, 0 if abstaining) and the votes per good."""
    score = unmet[members] * state.good_weight
    choice = np.argmax(score, axis=1)
    weight = np.where(score.max(axis=1) > 0, state.population[members], 0.0)
    return choice, weight, np.bincount(choice, weight, len(state.goods))


def _intensity(n_goods: int, priority: int, engagement: float, weight: float) -> np.ndarray:
    """``pi_g``: ``e`` for the priority good, ``e (1 - w_p)`` for the others."""
    pi = np.full(n_goods, engagement * (1.0 - weight))
    pi[priority] = engagement
    return pi
