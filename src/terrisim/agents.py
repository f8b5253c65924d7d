"""Territories as Mesa agents: thin, readable views on the model's arrays (ODD 2).

The numbers live in :class:`~terrisim.state.TerritoryState` (vectorised over territories); a
:class:`Territory` agent reads and writes its own row, so notebooks and the web page can work
with agents (``model.agents.select(lambda t: t.kind == "rural")``) while a step stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from terrisim.model import TerriModel


class Territory(mesa.Agent):
    """A commune or intercommunality: population, production, needs, budget, trust.

    Attributes:
        index: Row of this territory in the model's arrays.
    """

    model: TerriModel

    def __init__(self, model: TerriModel, index: int) -> None:
        super().__init__(model)
        self.index = index

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
