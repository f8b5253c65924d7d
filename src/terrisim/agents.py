"""Territories as Mesa agents: thin, readable views on the model's arrays (ODD 2).

The numbers live in :class:`~terrisim.state.TerritoryState` (vectorised over territories); a
:class:`Territory` agent reads its own row, so notebooks and the web page can work with agents
(``model.agents.select(lambda t: t.kind == "rural")``) while a step stays fast.

A per-agent rule is a subclass with a :meth:`Territory.step`: the model calls it for every
territory in the phase ``act`` and commits what the territories planned at once
(:mod:`terrisim.per_agent`, ODD 7.11). The model's class is ``TerriModel.territory_class``,
replaced by a scenario's ``[agents] territory = "module:Class"`` or by
``TerriModel(..., territory_class=MyTerritory)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np
from pydantic import BaseModel

from terrisim.errors import ScenarioError
from terrisim.rules.base import NoParams

if TYPE_CHECKING:
    from terrisim.services import AgentServices


class Territory(mesa.Agent):
    """A commune or intercommunality: population, production, needs, budget, trust.

    Subclass it and write :meth:`step` for a per-agent rule (ODD 7.11); declare its parameters
    as a pydantic ``Params`` model (``[agents] territory = "m:C", share = 0.1`` sets them).

    Attributes:
        index: Row of this territory in the model's arrays.
        params: The validated parameters of the class (``Params``).
    """

    model: AgentServices
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, model: AgentServices, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.params = self.Params()

    # ---------------------------------------------------------------- per-agent rule
    def step(self) -> None:
        """What this territory does each step, in the phase ``act`` (default: nothing).

        Read anything (the state is read-only during the phase); plan with
        :meth:`set_trust` and :meth:`give`. The model commits every territory's plan once all
        have stepped, so the order of territories does not matter.
        """

    def set_trust(self, other: Territory, value: float) -> None:
        """Plan this territory's new trust in a linked ``other``, in [0, 1].

        Raises:
            ScenarioError: ``other`` is not linked to this territory, or a value outside
                [0, 1].
        """
        if not (0.0 <= float(value) <= 1.0):
            raise ScenarioError(
                f"{type(self).__name__}.set_trust: trust of {self.territory_id} in "
                f"{other.territory_id} must be in [0, 1] (got {value!r})"
            )
        self.model.agent_plan.trust[self._arc_to(other)] = float(value)

    def give(self, other: Territory, good: str, amount: float) -> None:
        """Plan a gift of ``amount`` units of ``good`` to a linked ``other`` (moved at commit).

        If the gifts a territory plans of a good add up to more than it has at hand, each is
        scaled by the same share.

        Raises:
            ScenarioError: an unknown good, a negative amount, or ``other`` not linked.
        """
        goods = self.model.state.goods
        if good not in goods:
            raise ScenarioError(
                f"{type(self).__name__}.give: unknown good {good!r}; goods: {list(goods)}"
            )
        if not float(amount) >= 0.0:
            raise ScenarioError(f"{type(self).__name__}.give: amount must be >= 0 (got {amount!r})")
        self._arc_to(other)
        self.model.agent_plan.gifts.append(
            (self.index, other.index, goods.index(good), float(amount))
        )

    def _arc_to(self, other: Territory) -> int:
        state = self.model.state
        arcs = np.flatnonzero((state.arc_from == self.index) & (state.arc_to == other.index))
        if arcs.size == 0:
            raise ScenarioError(
                f"{type(self).__name__}: {self.territory_id} is not linked to "
                f"{other.territory_id} (partners: {[p.territory_id for p in self.partners()]})"
            )
        return int(arcs[0])

    def surplus(self, good: str) -> float:
        """Units of ``good`` at hand beyond this step's need (0 if none)."""
        state, g = self.model.state, self.model.state.goods.index(good)
        return max(float(state.available[self.index, g] - state.effective_need[self.index, g]), 0.0)

    def lack(self, good: str) -> float:
        """Units of ``good`` still needed this step beyond what is at hand (0 if none)."""
        state, g = self.model.state, self.model.state.goods.index(good)
        return max(float(state.effective_need[self.index, g] - state.available[self.index, g]), 0.0)

    # ---------------------------------------------------------------- views
    @property
    def leaning(self) -> float:
        """Political leaning, in [-1, 1] (ODD 5.4)."""
        return float(self.model.state.leaning[self.index])

    @property
    def engineering(self) -> float:
        """Engineering capacity per step (ODD 7.4.4)."""
        return float(self.model.state.engineering[self.index])

    @property
    def budget(self) -> dict[str, float]:
        """The budget's figures this step: reserve, fiscal health, and the per-step flows."""
        state = self.model.state
        names = ("reserve", "fiscal_health", "fiscal_base", "grant", "spending")
        return {
            name: float(getattr(state, name)[self.index])
            for name in names
            if isinstance(getattr(state, name, None), np.ndarray)
        }

    @property
    def trust(self) -> dict[str, float]:
        """This territory's trust in each partner, by partner id."""
        state = self.model.state
        arcs = np.flatnonzero(state.arc_from == self.index)
        return {str(state.ids[state.arc_to[a]]): float(state.trust[a]) for a in arcs}

    @property
    def territory_id(self) -> str:
        """Identifier from the scenario (e.g. an EPCI's SIREN)."""
        return str(self.model.state.ids[self.index])

    @property
    def name(self) -> str:
        """Display name."""
        return str(self.model.state.names[self.index])

    @property
    def kind(self) -> str:
        """Kind of territory (metropolis, town, periurban, rural, mountain...)."""
        state = self.model.state
        return state.kinds[state.kind[self.index]]

    @property
    def urban(self) -> bool:
        """Whether the territory counts as urban."""
        return bool(self.model.state.urban[self.index])

    @property
    def population(self) -> float:
        """Inhabitants."""
        return float(self.model.state.population[self.index])

    @property
    def satisfaction(self) -> float:
        """Need satisfaction this step, good-weighted mean over goods, in [0, 1]."""
        return float(self.model.state.mean_satisfaction(np.array([self.index]))[0])

    @property
    def needs(self) -> dict[str, float]:
        """Need per good this step (units)."""
        state = self.model.state
        return dict(zip(state.goods, state.effective_need[self.index].tolist(), strict=True))

    @property
    def stocks(self) -> dict[str, float]:
        """Stock per good (units)."""
        state = self.model.state
        return dict(zip(state.goods, state.stock[self.index].tolist(), strict=True))

    @property
    def reserve(self) -> float:
        """Budget reserve (k EUR)."""
        return float(self.model.state.reserve[self.index])

    def partners(self) -> list[Territory]:
        """Territories linked to this one."""
        state = self.model.state
        ends = state.arc_to[state.arc_from == self.index]
        return [self.model.territories[int(i)] for i in ends]

    def trust_in(self, other: Territory) -> float | None:
        """Trust of this territory in ``other`` (None if they are not linked)."""
        state = self.model.state
        arcs = np.flatnonzero((state.arc_from == self.index) & (state.arc_to == other.index))
        return float(state.trust[arcs[0]]) if arcs.size else None
