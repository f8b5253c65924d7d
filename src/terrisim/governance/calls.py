"""Calls for projects: the State funds urban-rural projects, first come, first served (ODD 7.5.4).

Every ``period`` steps the State opens a call with a budget in proportion to the scope's
population. Its criterion is cooperation: a project is a link between an urban and a non-urban
territory (an urban-rural pair). Answering costs each partner ``answer_cost`` engineering,
whatever its size, so the territories with engineering to spare answer first; the call closes
when its budget is spent. Each funded project brings ``grant`` k EUR of investment subsidy,
half to each partner, which builds their public capital (ODD 7.6). What the model shows is who
gets the money: a fixed cost of answering and an engineering in proportion to population leave
the small communes out (the Sénat's report n° 693, 2023-2024: calls for projects exclude the
communities that cannot put a file together).

Scenario file::

    [[governance]]
    rule = "call_for_projects"
    period = 12        # one call a year
    answer_cost = 1.0  # engineering each partner spends on its answer
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim import texts
from terrisim.governance.base import Governance
from terrisim.governance.common import suffixed
from terrisim.rules.base import register

if TYPE_CHECKING:
    from terrisim.services import ModelServices

texts.add_template(
    "call_for_projects",
    "Appel à projets de l'État : projets ville-campagne financés : {funded} ({value:.0f} k€) ; "
    "territoires d'un lien éligible sans projet financé : {left_out}.",
    "State call for projects: urban-rural projects funded: {funded} ({value:.0f} kEUR); "
    "territories of an eligible link with no project funded: {left_out}.",
)


@register
class CallForProjects(Governance):
    """The State's calls for projects that fund urban-rural cooperation (ODD 7.5.4).

    At a call, with ``B = budget * total population / 1000`` (k EUR) and ``L_q`` the
    engineering left of each party (a merger acting as one answers for its
    members with their pooled engineering,
    :meth:`terrisim.state.TerritoryState.parties`): the urban-rural links are taken in decreasing
    order of ``min(L_a, L_b)`` over their two ends' parties at the opening of the call (ties by
    link index); a link answers if each of its parties still has ``answer_cost`` engineering
    to spare, which it spends (once if both ends are in one party); it is funded while the
    budget left is at least ``grant``, and the call closes at the first link it can no longer
    fund. Each funded link gives ``grant / 2`` of investment subsidy to each end
    (:meth:`terrisim.model.TerriModel.fund_investment`); a party's engineering spent is shared
    by its members in proportion to their engineering left.
    """

    name = "call_for_projects"

    class Params(BaseModel):
        """Parameters of the calls for projects (ODD 7.5.4, Table 3)."""

        model_config = ConfigDict(extra="forbid", strict=True)
        period: int = Field(12, ge=1, description="Steps between calls (one a year).")
        first_call: int = Field(1, ge=1, description="Step of the first call.")
        budget: float = Field(
            21.2,
            ge=0.0,
            description="Budget of a call, k EUR per 1,000 inhabitants of the scope "
            "(DETR and DSIL 2023: 1,444.7 M EUR for 68.0 million inhabitants).",
        )
        grant: float = Field(
            52.2,
            gt=0.0,
            description="Subsidy of one project, k EUR (DETR 2023: 907.4 M EUR for 17,380 "
            "projects).",
        )
        answer_cost: float = Field(
            1.0,
            ge=0.0,
            description="Engineering each partner spends to answer (assumed).",
        )
        label: str = Field("", description="Suffix of this institution's series columns.")

    def setup(self, model: ModelServices) -> None:
        """Find the urban-rural links (the projects a call can fund)."""
        s = model.state
        self.eligible = np.flatnonzero(s.urban[s.src] != s.urban[s.dst])
        self.ends = np.zeros(s.n, bool)  # the territories an eligible link touches
        self.ends[s.src[self.eligible]] = self.ends[s.dst[self.eligible]] = True
        self.awarded = np.zeros(s.n)  # k EUR received by each territory, all calls
        self.awarded_now = np.zeros(s.n)  # k EUR received at the last call
        self.calls = 0
        self.funded = 0
        self.step_value = 0.0

    def before_exchange(self, model: ModelServices) -> None:
        """Open a call at its steps: answers, funding, engineering spent."""
        self.step_value = 0.0
        p = self.params
        if model.steps < p.first_call or (model.steps - p.first_call) % p.period:
            return
        s = model.state
        left = model.engineering_left()
        party = s.parties()
        pooled = np.bincount(party, left, minlength=party.max() + 1)
        a, b = party[s.src[self.eligible]], party[s.dst[self.eligible]]
        order = np.argsort(-np.minimum(pooled[a], pooled[b]), kind="stable")
        spare = pooled.copy()
        budget = p.budget * float(s.population.sum()) / 1000.0
        funded: list[int] = []
        for k in order:
            if budget < p.grant:
                break
            answering = {int(a[k]), int(b[k])}
            if any(spare[q] < p.answer_cost for q in answering):
                continue
            for q in answering:
                spare[q] -= p.answer_cost
            budget -= p.grant
            funded.append(int(k))
        links = self.eligible[funded]
        # each party's engineering spent, shared by its members as their engineering left
        spent = pooled - spare
        share = np.divide(left, pooled[party], out=np.zeros(s.n), where=pooled[party] > 0)
        self._fund(model, s.src[links], s.dst[links], spent[party] * share)
        model.log_event(
            "call_for_projects",
            funded=len(funded),
            value=self.step_value,
            left_out=int((self.ends & (self.awarded_now == 0)).sum()),
        )

    def _fund(
        self, model: ModelServices, src: np.ndarray, dst: np.ndarray, engineering: np.ndarray
    ) -> None:
        """Book a call: the engineering spent, the subsidies (half of a grant to each end)."""
        model.use_engineering(np.arange(engineering.size), engineering)
        ends = np.concatenate([src, dst])
        subsidy = np.full(ends.size, self.params.grant / 2.0)
        model.fund_investment(ends, subsidy)
        self.awarded_now = np.bincount(ends, subsidy, minlength=engineering.size)
        self.awarded += self.awarded_now
        self.calls += 1
        self.funded += src.size
        self.step_value = float(subsidy.sum())

    def state_summary(self) -> dict[str, Any]:
        """``calls_held`` and ``calls_projects`` (so far), ``calls_value`` (k EUR this step)."""
        return suffixed(
            {
                "calls_held": self.calls,
                "calls_projects": self.funded,
                "calls_value": self.step_value,
            },
            self.params.label,
        )
