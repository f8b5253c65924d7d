"""Defection rules: whether a territory keeps what it promised in an ad hoc deal (ODD 7.4.6).

Delivering costs the giver: the goods (and money) it promised leave its stocks. Once both sides
have agreed on a basket (ODD 7.4.3), each giver may keep its side and still receive the other's:
it *defects*. A defection rule says, on every arc, whether its origin defects this step; the
model then cancels what the defector was to deliver and the sanctions follow through trust
(ODD 7.7): the partner records a full shortfall, and the defector's other partners, who learn
of it (reputation), record a shortfall of ``reputation`` times the share of its promised value
the defector withheld.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.rules.base import Rule, register

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.state import TerritoryState


class DefectionParams(BaseModel):
    """What every defection rule declares: how much third parties learn (ODD 7.4.6)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    reputation: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of a full sanction third parties apply to a defector (assumed).",
    )


class Defection(Rule):
    """Base of defection rules: override :meth:`defects` (ODD 7.4.6).

    Named in a scenario by ``[rules] defection = { name = "...", ... }``. Called once per step
    in phase ``negotiate``, after the baskets are agreed and before institutions see them.
    Its ``reputation`` parameter is what the model's sanction applies
    (:func:`terrisim.exchange.withhold`).
    """

    role = "defection"
    Params = DefectionParams

    def defects(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Return, for every arc, whether its origin keeps what it promised, (A,) bool.

        Args:
            state: The territory arrays (read-only).
            outcome: The agreed baskets: ``outcome.flow`` (A, G) what ``arc_from`` is to
                deliver, ``outcome.money`` (A,) what it is to pay, ``outcome.deal`` (E,).
        """
        raise NotImplementedError


@register
class ShadowOfTheFuture(Defection):
    """Defect when keeping the goods is worth more than the future deals it would cost.

    On arc ``a = i -> j`` of a deal, with values at reference prices (money at face value):
    ``K_a`` what ``i`` is to deliver (the gain of keeping it), ``V_a`` what ``i`` receives
    from ``j`` on this link, and ``W_i`` what ``i`` receives on all its links this step.
    Defecting costs ``i`` the share ``sanction`` of its partner's trust, and the share
    ``reputation * sanction`` of its other partners' trust; deal sizes scale with trust
    (ODD 7.4.4), so over ``horizon`` steps it expects to lose

    ``L_a = horizon * sanction * (V_a + reputation * (W_i - V_a))``

    and defects iff ``K_a > L_a``. With a long shadow of the future (Axelrod 1984) keeping
    a promise pays; with ``horizon = 0`` every giver defects.
    """

    name = "shadow_of_the_future"

    class Params(DefectionParams):
        """Parameters of the rule (all assumed: no source measures them for territories)."""

        horizon: float = Field(
            12.0, ge=0.0, description="Steps of future deals weighed (a year; assumed)."
        )
        sanction: float = Field(
            0.25,
            ge=0.0,
            le=1.0,
            description="Share of the partner's trust lost (the reinforcement rule's mu).",
        )

    def defects(self, state: TerritoryState, outcome: ExchangeOutcome) -> np.ndarray:
        """Apply ``K_a > L_a`` on every arc of a deal."""
        p = self.params
        keep = outcome.flow @ state.price + outcome.money
        received = state.reverse(keep)
        everywhere = state.sum_by_origin(received)[state.arc_from]
        loss = p.horizon * p.sanction * (received + p.reputation * (everywhere - received))
        return np.tile(outcome.deal, 2) & (keep > 0) & (keep > loss)
