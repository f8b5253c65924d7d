"""Basket valuation rules: how a territory values what it gives and receives (ODD 7.4.2).

A valuation rule returns two arrays of *unit values*, broadcastable to (N, G): the value a
territory puts on one unit of each good it gives, and on one unit it receives. The value of a
basket is linear in its quantities: ``V = sum_g u[g] * x[g]``. The negotiation then applies each
territory's representation bias to what it receives (ODD 7.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.rules.base import Rule, register

if TYPE_CHECKING:
    from terrisim.state import TerritoryState


class BasketValuation(Rule):
    """Base of valuation rules: override :meth:`unit_values` (ODD 7.4.2).

    Named in a scenario by ``[rules] valuation = { name = "...", ... }`` (a registered name or
    ``"module:Class"``). The negotiation (ODD 7.4.3) compares, on arc ``a = i -> j``, what
    ``i`` gives ``G_a = sum_g u_give[i, g] x[a, g]`` with what it perceives it receives
    ``R_a = (1 - bias_a) sum_g u_recv[i, g] x[reverse(a), g]``; a link deals when both sides
    find ``R / ((1 - tau) G)`` large enough (``r_a r_b >= 1``).
    """

    role = "valuation"

    def unit_values(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(give, receive)`` unit values, each broadcastable to (N, G).

        Args:
            state: The territory arrays, after production and governance: ``state.price``
                (G,), ``state.available`` and ``state.effective_need`` (N, G).

        Returns:
            ``(u_give, u_recv)``: the value to each territory of one unit of each good it
            gives and receives; a (1, G) row serves every territory. Finite and >= 0
            (``terrisim check-rule`` checks it).
        """
        raise NotImplementedError


@register
class MarketValuation(BasketValuation):
    """Every unit is worth its reference price, given or received: ``u = price[g]`` (ODD 7.4.2)."""

    name = "market"

    def unit_values(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Both unit values are the reference prices, shape (1, G)."""
        price = state.price[None, :]
        return price, price


@register
class NeedWeightedValuation(BasketValuation):
    """Received units are worth more where the need is unmet (ODD 7.4.2).

    ``u_receive[i, g] = price[g] * (1 + urgency * shortfall[i, g])`` with
    ``shortfall = max(0, 1 - available / need)``; given units are worth their price.
    """

    name = "need_weighted"

    class Params(BaseModel):
        """Parameters of the need-weighted valuation."""

        model_config = ConfigDict(extra="forbid", strict=True)
        urgency: float = Field(1.0, ge=0.0, description="Premium on a fully unmet need.")

    def unit_values(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Price for giving; price times (1 + urgency x shortfall) for receiving."""
        need = state.effective_need
        with np.errstate(over="ignore"):  # a tiny need: the ratio is inf, the clip makes it 0
            cover = state.available / np.where(need > 0, need, 1.0)
        shortfall = np.where(need > 0, np.clip(1.0 - cover, 0.0, 1.0), 0.0)
        return state.price[None, :], state.price[None, :] * (1.0 + self.params.urgency * shortfall)
