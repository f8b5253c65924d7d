"""Conference of elected officials (conférence des élus) of a project territory (ODD 7.5.2).

Members (by ids, or by kinds within a radius of a pole) meet every ``period`` steps. Who attends
depends on engagement, which is diluted in large forums, and on the engineering left to send
someone. A meeting (a) shares the diagnosis: attendees see each other's real needs and
surpluses, which erodes outdated representations (``state.bias``) on their arcs; (b) raises
their trust in each other; (c) finds multilateral complementarities: a balanced clearing of
surpluses against deficits among attendees, solved as a transport problem with
``scipy.optimize.linprog`` (HiGHS). The resulting *projects* deliver every step until the next
meeting, through ``model.transfer`` (channel ``conference``). Capacity and inclusiveness are
parameters: an open forum dilutes engagement, attention and benefits (Smaldino and Lubell
2011). Equations and parameters: docs/governance.md.

Scenario file::

    [[governance]]
    rule = "conference"
    radius_km = 60          # the project territory around the pole (default: largest city)
    period = 3
    capacity = 12
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field
from scipy import sparse
from scipy.spatial import cKDTree

from terrisim import texts
from terrisim.governance.base import Governance
from terrisim.governance.common import (
    MembershipParams,
    capped_ratio,
    labels,
    select_members,
    suffixed,
)
from terrisim.rules.base import register
from terrisim.scenario.schema import Share

if TYPE_CHECKING:
    from terrisim.services import ModelServices

texts.add_template(
    "conference_created",
    "Une conférence des élus réunit {members} territoires autour de {pole_fr}.",
    "A conference of elected officials brings together {members} territories around {pole_en}.",
)
texts.add_template(
    "conference_meeting",
    "Conférence des élus : {attending} territoires sur {members} autour de la table ; "
    "diagnostic partagé, {projects} projets communs ({value:.0f} k€ par mois).",
    "Conference of elected officials: {attending} of {members} territories at the table; "
    "a shared diagnosis, {projects} joint projects ({value:.0f} kEUR a month).",
)
texts.add_template(
    "conference_failed",
    "Conférence des élus : quorum non atteint ({attending} territoires sur {members}), la "
    "réunion ne produit rien.",
    "Conference of elected officials: no quorum ({attending} of {members} territories), the "
    "meeting achieves nothing.",
)


@register
class Conference(Governance):
    """A forum of elected officials: shared diagnosis, trust, multilateral projects.

    With ``M`` members, capacity ``C`` (members the meeting can really work with), base
    engagement ``e0`` and free-riding exponent ``phi``: engagement
    ``e = e0 * min(1, C / M) ** phi`` (``attendance = "formula"``) or ``e0`` (``"chosen"``:
    then each member's propensity ``pi_i`` is learnt from what attending paid it,
    :meth:`learn`); member ``i`` attends with probability
    ``pi_i * min(1, engineering_left_i / meeting_cost)`` (``pi_i = e`` with the formula) and
    spends ``meeting_cost`` engineering.
    With ``n`` attendees, each gets the share ``a = min(1, C / n)`` of the meeting's attention.
    If ``n / M < quorum`` the meeting fails. Otherwise, on arcs between attendees:
    ``bias *= 1 - diagnosis * a``, ``trust += trust_gain * a * (1 - trust)``; and the projects
    ``x[i,j,g]`` solve

    ``min sum price_g (d_ij / reach - 1) x`` subject to ``sum_j x[i,j,g] <= a surplus[i,g]``,
    ``sum_i x[i,j,g] <= a deficit[j,g]`` and, for every attendee, value received
    ``>= (1 - tau)`` value given (multilateral reciprocity).

    Each step until the next meeting, projects deliver ``x`` scaled by what givers can spare,
    what receivers still lack and both ends' engineering (as ad hoc deals, ODD 7.4.4).
    See docs/governance.md (ODD 7.5.2).
    """

    name = "conference"
    changes_trust = (
        (
            "meet",
            "govern",
            (
                "trust += trust_gain * a * (1 - trust) on the arcs between the attendees of a "
                "meeting (ODD 7.5.2)"
            ),
        ),
    )

    class Params(MembershipParams):
        """Parameters of the conference (docs/governance.md, table 7.5.2)."""

        pole: str = Field("", description="Centre of the project territory; '': largest city.")
        radius_km: float = Field(60.0, ge=0.0, description="Radius of the project territory.")
        inclusiveness: float = Field(
            1.0, gt=0.0, le=1.0, description="Share of candidates admitted, nearest first."
        )
        period: int = Field(3, ge=1, description="Steps between meetings.")
        first_meeting: int = Field(1, ge=1, description="Step of the first meeting.")
        engagement: Share = Field(0.9, description="e0: attendance of a small forum's member.")
        free_riding: float = Field(
            1.0, ge=0.0, description="phi: engagement falls as (C / M) ** phi beyond C members."
        )
        attendance: Literal["formula", "chosen"] = Field(
            "formula",
            description="'formula': engagement e0 (C / M) ** phi; 'chosen': each member "
            "attends with its own propensity, learnt from what attending paid.",
        )
        learning: Share = Field(
            0.5, description="lambda: weight of the last period's payoff (chosen; assumed)."
        )
        capacity: int = Field(12, ge=1, description="C: members a meeting can work with.")
        meeting_cost: float = Field(0.5, ge=0.0, description="Engineering per attendee.")
        quorum: Share = Field(0.3, description="Attendance share below which a meeting fails.")
        diagnosis: Share = Field(0.15, description="Share of bias erased per full meeting.")
        trust_gain: Share = Field(0.1, description="Trust gain per full meeting.")
        clearing: bool = Field(True, description="Meetings set up multilateral projects.")
        reach_km: float = Field(150.0, gt=0.0, description="Projects cost price * d / reach.")
        max_suppliers: int = Field(
            20, ge=1, description="Suppliers considered per deficit (nearest first)."
        )
        label: str = Field("", description="Suffix of this institution's series columns.")

    # ------------------------------------------------------------------ set-up
    def setup(self, model: ModelServices) -> None:
        """Select the members and announce the conference."""
        p, s = self.params, model.state
        where = f"governance.{self.name}"
        self.members, self.pole = select_members(
            s,
            ids=p.ids,
            kinds=p.kinds,
            pole=p.pole,
            radius_km=p.radius_km,
            inclusiveness=p.inclusiveness,
            where=where,
            institution="a conference",
        )
        m = self.members.size
        if p.attendance == "chosen":  # no dilution written in: members learn (ODD 7.5.2)
            self.engagement = p.engagement
        else:
            self.engagement = p.engagement * min(1.0, p.capacity / m) ** p.free_riding
        self.propensity = np.full(m, self.engagement)
        self.received = np.zeros(m)
        self.attended = np.zeros(m, bool)
        self.attending = np.zeros(0, np.int64)
        self.attention = 0.0
        self.meetings = self.failed = 0
        self.plan_giver = self.plan_receiver = np.zeros(0, np.int64)
        self.plan = np.zeros((0, len(s.goods)))
        self.step_value = 0.0
        self.last_attendance = float("nan")
        model.log_event("conference_created", members=m, **labels(s, self.pole, "pole"))

    # ------------------------------------------------------------------ each step
    def before_exchange(self, model: ModelServices) -> None:
        """Meet if it is a meeting step, then run the projects (channel ``conference``)."""
        p = self.params
        t = model.steps
        if t >= p.first_meeting and (t - p.first_meeting) % p.period == 0:
            self.meet(model)
        self.run_projects(model)

    def meet(self, model: ModelServices) -> None:
        """Attendance, shared diagnosis, trust, and the clearing of surpluses and deficits."""
        p, s = self.params, model.state
        m = self.members.size
        left = model.engineering_left()[self.members]
        ability = np.minimum(
            1.0, np.divide(left, p.meeting_cost, out=np.ones(m), where=p.meeting_cost > 0)
        )
        if p.attendance == "chosen" and self.meetings > 0:
            self.learn(model)
        draws = model.streams["governance"].random(m)
        attend = draws < self.propensity * ability
        self.attended = attend
        self.attending = self.members[attend]
        model.use_engineering(self.attending, np.full(self.attending.size, p.meeting_cost))
        n = self.attending.size
        self.meetings += 1
        self.last_attendance = n / m
        if n < 2 or n / m < p.quorum:
            self.failed += 1
            self.attention = 0.0
            self._set_plan(
                np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, len(s.goods)))
            )
            model.log_event("conference_failed", attending=n, members=m)
            return
        a = min(1.0, p.capacity / n)
        self.attention = a
        present = np.zeros(s.n, bool)
        present[self.attending] = True
        arcs = present[s.arc_from] & present[s.arc_to]
        s.bias[arcs] *= 1.0 - p.diagnosis * a
        s.trust[arcs] += p.trust_gain * a * (1.0 - s.trust[arcs])
        if p.clearing:
            self._set_plan(*self.clear(model, self.attending, a))
        value = float((self.plan @ s.price).sum())
        model.log_event(
            "conference_meeting",
            attending=n,
            members=m,
            projects=int(self.plan_giver.size),
            value=value,
        )

    def learn(self, model: ModelServices) -> None:
        """Chosen attendance: members revise their propensity from the last period's payoff.

        Attending *paid* a member if the value of the projects it received since the last
        meeting reached what its engineering could have run in ad hoc deals in one step,
        ``meeting_cost * engineering_scale``. Those who attended move their propensity the
        share ``learning`` towards 1 if it paid, 0 if not; the others towards the share of
        attendees it paid (they hear of it). Smaldino and Lubell (2011): agents join and leave
        forums as their payoffs go.
        """
        p = self.params
        lam = p.learning
        cost = p.meeting_cost * model.config.exchange.engineering_scale
        paid = (self.received >= cost).astype(float)
        went = self.attended
        heard = float(paid[went].mean()) if went.any() else None
        target = np.where(went, paid, self.propensity if heard is None else heard)
        self.propensity = (1.0 - lam) * self.propensity + lam * target
        self.received = np.zeros(self.members.size)

    def clear(
        self, model: ModelServices, who: np.ndarray, attention: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Multilateral balanced clearing among ``who`` (the LP of the class docstring).

        Returns:
            ``(giver, receiver, amounts)``: territory indices (k,) and units per step (k, G).
        """
        s, p = model.state, self.params
        g_count = len(s.goods)
        need = s.effective_need
        supply = attention * np.maximum(s.available[who] - need[who], 0.0)
        demand = attention * np.maximum(need[who] - s.available[who], 0.0)
        n = who.size
        xy = s.xy[who]
        gi, rj, gg, dist = [], [], [], []
        for g in range(g_count):
            suppliers = np.flatnonzero(supply[:, g] > 1e-9)
            takers = np.flatnonzero(demand[:, g] > 1e-9)
            if suppliers.size == 0 or takers.size == 0:
                continue
            k = min(p.max_suppliers, suppliers.size)
            if k < suppliers.size:
                d, idx = cKDTree(xy[suppliers]).query(xy[takers], k=k)
                giver = suppliers[np.reshape(idx, -1)]
                taker = np.repeat(takers, k)
                d = np.reshape(d, -1)
            else:
                giver = np.tile(suppliers, takers.size)
                taker = np.repeat(takers, suppliers.size)
                d = np.hypot(*(xy[giver] - xy[taker]).T)
            keep = (giver != taker) & (d < p.reach_km)
            gi.append(giver[keep])
            rj.append(taker[keep])
            gg.append(np.full(int(keep.sum()), g))
            dist.append(d[keep])
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, g_count)))
        if not gi or sum(x.size for x in gi) == 0:
            return empty
        gi, rj, gg, dist = (np.concatenate(x) for x in (gi, rj, gg, dist))
        v = gi.size
        price = s.price[gg]
        cost = price * (dist / p.reach_km - 1.0)
        cols = np.arange(v)
        supply_row = gi * g_count + gg
        demand_row = n * g_count + rj * g_count + gg
        theta = 1.0 - model.config.exchange.reciprocity_tolerance
        recip_row = 2 * n * g_count + np.concatenate([gi, rj])
        rows = np.concatenate([supply_row, demand_row, recip_row])
        data = np.concatenate([np.ones(v), np.ones(v), theta * price, -price])
        a_ub = sparse.csr_matrix(
            (data, (rows, np.concatenate([cols, cols, cols, cols]))), shape=(2 * n * g_count + n, v)
        )
        b_ub = np.concatenate([supply.ravel(), demand.ravel(), np.zeros(n)])
        from scipy.optimize import linprog  # only when a conference plans: most runs have none

        result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if result.status != 0 or result.x is None:
            return empty
        x = np.where(result.x > 1e-9, result.x, 0.0)
        pair = gi * n + rj
        keys, inverse = np.unique(pair[x > 0], return_inverse=True)
        amounts = np.zeros((keys.size, g_count))
        np.add.at(amounts, (inverse, gg[x > 0]), x[x > 0])
        return who[keys // n], who[keys % n], amounts

    def _set_plan(self, giver: np.ndarray, receiver: np.ndarray, amounts: np.ndarray) -> None:
        self.plan_giver, self.plan_receiver, self.plan = giver, receiver, amounts

    def run_projects(self, model: ModelServices) -> None:
        """Deliver the projects, capped by spare goods, remaining needs and engineering."""
        s = model.state
        self.step_value = 0.0
        if self.plan_giver.size == 0:
            return
        giver, receiver = self.plan_giver, self.plan_receiver
        need = s.effective_need
        out = np.zeros_like(s.available)
        np.add.at(out, giver, self.plan)
        spare = np.maximum(s.available - need, 0.0)
        x = self.plan * capped_ratio(spare[giver], out[giver])
        into = np.zeros_like(s.available)
        np.add.at(into, receiver, x)
        x = x * capped_ratio(np.maximum(need - s.available, 0.0)[receiver], into[receiver])
        scale = model.config.exchange.engineering_scale
        value = x @ s.price
        load = np.bincount(giver, value, s.n) + np.bincount(receiver, value, s.n)
        capacity = model.engineering_left() * scale
        rho = np.where(
            load > 0,
            np.minimum(1.0, np.divide(capacity, load, out=np.zeros(s.n), where=load > 0)),
            1.0,
        )
        factor = np.minimum(rho[giver], rho[receiver])
        x = x * factor[:, None]
        value = value * factor
        model.use_engineering(
            np.concatenate([giver, receiver]), np.concatenate([value, value]) / scale
        )
        model.transfer(giver, receiver, x, "conference")
        self.step_value = float(value.sum())
        self.received += np.bincount(receiver, value, s.n)[self.members]

    # ------------------------------------------------------------------ records
    def state_summary(self) -> dict[str, Any]:
        """``conference_members``, ``conference_attendance`` (last meeting), projects, counts."""
        return suffixed(
            {
                "conference_members": int(self.members.size),
                "conference_engagement": float(self.propensity.mean()),
                "conference_attendance": self.last_attendance,
                "conference_attention": float(self.attention),
                "conference_meetings": self.meetings,
                "conference_failed": self.failed,
                "conference_projects": int(self.plan_giver.size),
                "conference_project_value": self.step_value,
            },
            self.params.label,
        )
