"""A trust rule that forgets: experiences fade with a half-life (ODD 7.7, trust update).

Written outside the package, as a student would: a scenario file names it by
``"forgetting_trust:ForgettingTrust"`` once this folder is on ``PYTHONPATH``::

    [rules]
    trust = { name = "forgetting_trust:ForgettingTrust", half_life = 12 }

    PYTHONPATH=examples terrisim run examples/forgetting_trust.toml
    PYTHONPATH=examples terrisim check-rule forgetting_trust:ForgettingTrust

The built-in ``reinforcement`` rule pulls trust back to its baseline slowly (``delta``); here
memory itself fades: a relation that is not kept alive by deals loses half of its trust every
``half_life`` steps (``toward = "zero"``), or returns to the baseline shaped by old
representations (``toward = "baseline"``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.exchange import ExchangeOutcome
from terrisim.rules.trust import TrustUpdate
from terrisim.state import TerritoryState


class ForgettingTrust(TrustUpdate):
    """Trust learned from deals and forgotten with a half-life (ODD 7.7).

    For arc ``i -> j``, with ``D = 1`` if ``i`` and ``j`` dealt this step, ``q`` the balance
    ``i`` perceived (capped at 1) and ``s`` the share of a promised delivery ``j`` failed to
    make (as in ``reinforcement``), learning gives::

        r = t + alpha (1 - t) q D - lam t (1 - q) D - mu t s

    then forgetting moves ``r`` toward the target ``t*`` (0, or the baseline ``t0``) so that
    the distance halves every ``h`` steps::

        t' = t* + (r - t*) 2^(-1/h)

    With ``alpha, lam, mu`` in [0, 0.25], ``r`` is a convex combination of ``t``, 1 and 0, and
    ``t'`` a convex combination of ``r`` and ``t*``: trust stays in [0, 1]. Without any deal,
    trust after ``h`` steps is ``t*`` plus half of its distance to ``t*``.
    """

    name = "forgetting"

    class Params(BaseModel):
        """Parameters of the forgetting trust rule."""

        model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is refused, not converted
        half_life: float = Field(12.0, gt=0.0, description="Steps for half of trust to fade.")
        toward: Literal["zero", "baseline"] = Field(
            "zero", description="What trust fades to: 0, or the baseline trust t0."
        )
        alpha: float = Field(0.05, ge=0.0, le=0.25, description="Gain from a balanced deal.")
        lam: float = Field(0.1, ge=0.0, le=0.25, description="Loss per unit of imbalance.")
        mu: float = Field(0.25, ge=0.0, le=0.25, description="Loss per unit of shortfall.")

    def update(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Learn from the step's deals, then forget toward the target (shape (A,))."""
        p = self.params
        t = state.trust
        dealt = np.tile(outcome.deal, 2)  # deals are per link; arcs are both directions
        q = outcome.perceived_balance
        learned = (
            t
            + p.alpha * (1.0 - t) * q * dealt
            - p.lam * t * (1.0 - q) * dealt
            - p.mu * t * outcome.shortfall
        )
        target = state.trust_baseline if p.toward == "baseline" else np.zeros_like(t)
        kept = 2.0 ** (-1.0 / p.half_life)
        return np.clip(target + (learned - target) * kept, 0.0, 1.0)  # clip: rounding only
