"""Trust update rules: how a step's experience changes trust on each arc (ODD 7.7).

A trust rule returns the new trust on every arc (A,), in [0, 1]. Its input is the state and
the step's :class:`~terrisim.exchange.ExchangeOutcome` (deals, perceived balances, shortfalls
of committed deliveries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.rules.base import Rule, register

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.state import TerritoryState


class TrustUpdate(Rule):
    """Base of trust rules: override :meth:`update`."""

    role = "trust"

    def update(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Return the new trust on every arc, shape (A,), values in [0, 1]."""
        raise NotImplementedError


@register
class Reinforcement(TrustUpdate):
    """Honoured, balanced deals build trust; imbalance and shortfalls erode it.

    For arc ``i -> j`` with ``D = 1`` if ``i`` and ``j`` dealt this step, ``q`` the balance
    ``i`` perceived (received over given, capped at 1) and ``s`` the share of what ``j``
    promised ``i`` under a commitment that it failed to deliver::

        t' = t + alpha * (1 - t) * q * D - lam * t * ((1 - q) * D + s)
        t' = t + delta * (t0 - t)          if D = 0 and s = 0   (memory of the baseline)

    With ``alpha, lam <= 0.5`` the result stays in [0, 1] (ODD 7.7 proves it).
    """

    name = "reinforcement"

    class Params(BaseModel):
        """Parameters of the reinforcement rule."""

        model_config = ConfigDict(extra="forbid")
        alpha: float = Field(0.08, ge=0.0, le=0.5, description="Gain from a balanced deal.")
        lam: float = Field(0.3, ge=0.0, le=0.5, description="Loss per unit of imbalance.")
        delta: float = Field(0.02, ge=0.0, le=1.0, description="Drift back to baseline.")

    def update(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Apply the reinforcement equation on every arc."""
        p = self.params
        t = state.trust
        dealt = np.tile(outcome.deal, 2).astype(float)
        q = outcome.perceived_balance
        s = outcome.shortfall
        new = t + p.alpha * (1.0 - t) * q * dealt - p.lam * t * ((1.0 - q) * dealt + s)
        idle = (dealt == 0) & (s == 0)
        new = np.where(idle, t + p.delta * (state.trust_baseline - t), new)
        return np.clip(new, 0.0, 1.0)
