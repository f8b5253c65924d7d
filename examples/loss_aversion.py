"""A basket valuation with loss aversion: giving what you need hurts (ODD 7.4.2).

Prospect theory (Kahneman and Tversky): a loss weighs more than a gain of the same size, the
more so the closer it comes to the reference point. Here the reference point is a territory's
own need: giving a unit of a good costs it up to ``aversion`` times the unit's price, in
proportion to the share of what it has at hand that it needs itself; receiving a unit is worth
its price::

    [rules]
    valuation = { name = "loss_aversion:LossAverseValuation", aversion = 2.25 }

    PYTHONPATH=examples terrisim run examples/loss_aversion.toml

``need_weighted`` (built in) raises the value of what a territory *receives* where its need is
unmet; this rule raises the cost of what it *gives* where its margin is thin. Deals need more
perceived reciprocity, so fewer baskets are acceptable, and those made feel less balanced.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.rules.valuation import BasketValuation
from terrisim.state import TerritoryState


class LossAverseValuation(BasketValuation):
    """Giving weighs up to ``aversion`` times the price where the margin is thin (ODD 7.4.2).

    With ``c[i, g] = min(1, need[i, g] / available[i, g])``, the share of what ``i`` has at
    hand that it needs itself (1 when it has nothing)::

        u_give[i, g] = price[g] * (1 + (lambda - 1) * c[i, g])
        u_receive[i, g] = price[g]

    with ``lambda >= 1``. A territory with a large surplus (``c`` near 0) gives at about the
    price; one whose surplus is thin (``c`` near 1) at ``lambda`` times the price. In the
    negotiation side ``i`` perceives ``r_i = (1 - b_i) R_i / ((1 - tau) G_i)`` and a deal needs
    ``r_i r_j >= 1``: dearer giving lowers both ratios, so marginal deals stop and the others
    feel less balanced (which erodes trust). With ``lambda = 1`` this is the ``market``
    valuation.
    """

    name = "loss_averse"

    class Params(BaseModel):
        """Parameters of the loss-averse valuation."""

        model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is refused, not converted
        aversion: float = Field(
            2.25,
            ge=1.0,
            le=10.0,
            description="lambda: cost of giving a unit one needs, relative to "
            "its price (2.25 in Tversky and Kahneman, 1992).",
        )

    def unit_values(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Given: ``price * (1 + (aversion - 1) * cover)``, (N, G); received: ``price``."""
        need = state.effective_need
        cover = np.divide(need, state.available, out=np.ones_like(need), where=state.available > 0)
        cover = np.clip(cover, 0.0, 1.0)
        price = state.price[None, :]
        return price * (1.0 + (self.params.aversion - 1.0) * cover), price
