"""A governance institution: a mutual-aid pact between partners who trust each other (ODD 7.5).

Each step, after production and before the ad hoc deals, every territory gives a share of its
surplus of the pact's goods to the partners it trusts that are short of them, as a gift (no
basket in return). Goods move only through ``model.transfer``, so they are conserved and
recorded (channel ``"mutual_aid"``)::

    [[governance]]
    rule = "mutual_aid:MutualAid"
    share = 0.3
    min_trust = 0.5
    goods = ["food", "water"]

    PYTHONPATH=examples terrisim run examples/mutual_aid.toml
    PYTHONPATH=examples terrisim check-rule mutual_aid:MutualAid

The built-in institutions (``reciprocity_contract``, ``conference``, ``merger``) all ask
something in return; a pact of pure solidarity is a counterfactual worth comparing with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.governance.base import Governance
from terrisim.model import TerriModel
from terrisim.scenario import ScenarioError


class MutualAid(Governance):
    """Gifts of surplus to trusted partners in need (ODD 7.5).

    On arc ``a = i -> j`` with ``trust(i -> j) >= min_trust`` (an *aid arc*), for each good
    ``g`` of the pact, with ``S`` the surplus ``max(available - need, 0)`` and ``D`` the
    deficit ``max(need - available, 0)`` at the start of the phase::

        gift[a, g] = share * S[i, g] * D[j, g] / sum_{aid arcs a' from i} D[to(a'), g]

    (0 where the sum is 0). A territory gives at most ``share`` of its surplus in all, split
    among its trusted partners in proportion to their deficits; every gift is computed from the
    same start-of-phase state (synchronous), so the order of territories does not matter.
    """

    name = "mutual_aid"

    class Params(BaseModel):
        """Parameters of the mutual-aid pact."""

        model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is refused, not converted
        share: float = Field(
            0.3, ge=0.0, le=1.0, description="Share of its surplus a territory gives away per step."
        )
        min_trust: float = Field(
            0.5, ge=0.0, le=1.0, description="Least trust in a partner to help it."
        )
        goods: list[str] = Field(
            default_factory=lambda: ["food", "water"], description="Goods of the pact."
        )

    def setup(self, model: TerriModel) -> None:
        """Check the pact's goods against the catalogue."""
        goods = list(model.state.goods)
        unknown = [g for g in self.params.goods if g not in goods]
        if unknown:
            raise ScenarioError(
                f"governance.mutual_aid.goods: unknown good {unknown[0]!r}; allowed: {goods}"
            )
        self.pact = np.isin(np.asarray(goods, dtype=object), self.params.goods)
        self.given_value = 0.0

    def gifts(self, model: TerriModel) -> np.ndarray:
        """The gifts of this step on every arc, (A, G) units (the equation above)."""
        s, p = model.state, self.params
        need = s.effective_need
        surplus = np.maximum(s.available - need, 0.0) * self.pact
        deficit = np.maximum(need - s.available, 0.0) * self.pact
        aid = (np.asarray(s.trust) >= p.min_trust)[:, None]
        wanted = aid * s.at_end(deficit)  # (A, G): the partner's deficit, on aid arcs
        total = s.sum_by_origin(wanted)  # (N, G)
        weight = np.divide(
            wanted, s.at_origin(total), out=np.zeros_like(wanted), where=s.at_origin(total) > 0
        )
        return p.share * s.at_origin(surplus) * weight

    def before_exchange(self, model: TerriModel) -> None:
        """Give this step's gifts (recorded as channel ``mutual_aid``)."""
        s = model.state
        gift = self.gifts(model)
        self.given_value = float(gift.sum(axis=0) @ s.price)
        arcs = np.flatnonzero(gift.sum(axis=1) > 0)
        if arcs.size:
            model.transfer(s.arc_from[arcs], s.arc_to[arcs], gift[arcs], "mutual_aid")

    def state_summary(self) -> dict[str, Any]:
        """Value given this step, at reference prices."""
        return {"mutual_aid_value": self.given_value}
