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
    """Base of trust rules: override :meth:`update` (ODD 7.7).

    Named in a scenario by ``[rules] trust = { name = "...", ... }`` (a registered name or
    ``"module:Class"``). Called once per step, in phase ``update_trust``, after the deliveries;
    the model stores what it returns as ``state.trust``. ``examples/forgetting_trust.py`` and
    ``docs/tutorial.md`` show how to write one.
    """

    role = "trust"

    def update(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Return the new trust on every arc, shape (A,), values in [0, 1].

        Args:
            state: The territory arrays: ``state.trust`` (A,) is ``arc_from``'s trust in
                ``arc_to``, ``state.trust_baseline`` (A,) its baseline (initial trust),
                ``state.reverse(x)`` the value of the opposite arc.
            outcome: The step's exchanges: ``outcome.deal`` (E,) whether each link dealt
                (``np.tile(outcome.deal, 2)`` gives it per arc), ``outcome.perceived_balance``
                (A,) in [0, 1], ``outcome.shortfall`` (A,) in [0, 1].

        Returns:
            The new trust, (A,), in [0, 1] (``terrisim check-rule`` checks it).
        """
        raise NotImplementedError


@register
class Reinforcement(TrustUpdate):
    """Honoured, balanced deals build trust; imbalance and broken promises erode it.

    For arc ``i -> j``, with ``D = 1`` if ``i`` and ``j`` dealt this step, ``q`` the balance
    ``i`` perceived (received over given, capped at 1), ``s`` the share of what ``j`` promised
    ``i`` under a commitment (a contract) that it failed to deliver, and ``t0`` the baseline
    trust (the initial trust, shaped by history, cleavage and representations)::

        t' = t + alpha (1 - t) q D - lam t (1 - q) D - mu t s + delta (t0 - t)

    The last term is the pull of old representations back to the baseline. With every
    parameter in [0, 0.25], ``t'`` is a convex combination of ``t``, 1, 0 and ``t0``, so it
    stays in [0, 1] (ODD 7.7). This method is what runs, under every engine: edit it, or
    subclass the rule and override it.
    """

    name = "reinforcement"

    class Params(BaseModel):
        """Parameters of the reinforcement rule (all in [0, 0.25])."""

        model_config = ConfigDict(extra="forbid", strict=True)
        alpha: float = Field(0.05, ge=0.0, le=0.25, description="Gain from a balanced deal.")
        lam: float = Field(0.1, ge=0.0, le=0.25, description="Loss per unit of imbalance.")
        mu: float = Field(0.25, ge=0.0, le=0.25, description="Loss per unit of shortfall.")
        delta: float = Field(0.02, ge=0.0, le=0.25, description="Pull back to the baseline.")

    def update(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Apply the reinforcement equation on every arc."""
        p = self.params
        t = state.trust
        dealt = np.tile(outcome.deal, 2)
        q = outcome.perceived_balance
        new = (
            t
            + p.alpha * (1.0 - t) * q * dealt
            - p.lam * t * (1.0 - q) * dealt
            - p.mu * t * outcome.shortfall
            + p.delta * (state.trust_baseline - t)
        )
        return np.clip(new, 0.0, 1.0)
