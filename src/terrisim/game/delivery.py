"""Delivering the game's agreements each month, inside the model's step (ODD 7.5).

The game's agreements are reciprocity contracts whose basket the players chose. This module is
the institution that runs them: a :class:`~terrisim.governance.Governance` rule added to the
model by the game session (it is not registered for scenario files).

Each step (phase ``govern``), for every active agreement and each direction, the giver ``i``
delivers to the receiver ``j``::

    spare_i   = max(available_i - (1 - c) * need_i, 0)                 (per good)
    delivered = basket * min(1, spare_i / promised_i)                  (per good)

where ``c`` is the agreement's commitment and ``promised_i`` the sum of what ``i`` owes this
step under all its game agreements (shared pro rata). A fully committed side gives even what it
needs itself; a weakly committed one keeps its own needs first. The value not delivered, as a
share of the value promised, is the **shortfall** the trust rule reads on arc ``j -> i``
(phase ``negotiate``, ``outcome.shortfall``). Running a contract uses the engineering of both
sides: each uses ``(value delivered both ways) / 2 / engineering_scale`` (less is left for ad hoc
deals). Goods move through :meth:`terrisim.model.TerriModel.transfer` on the channel
``"game"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from terrisim.governance.base import Governance
from terrisim.governance.common import capped_ratio

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.game.offers import Agreement
    from terrisim.model import TerriModel

CHANNEL = "game"


class AgreementDelivery(Governance):
    """Runs the game's agreements: monthly deliveries, shortfalls, engineering (see module)."""

    name = "game_agreements"

    def __init__(self) -> None:
        super().__init__()
        self.agreements: list[Agreement] = []
        self._shortfall: dict[tuple[int, int], float] = {}
        self._arc: dict[tuple[int, int], int] = {}
        self._active = 0

    def setup(self, model: TerriModel) -> None:
        """Index the arcs (links do not change during a game)."""
        s = model.state
        self._arc = {
            (int(a), int(b)): k for k, (a, b) in enumerate(zip(s.arc_from, s.arc_to, strict=True))
        }

    def add(self, agreement: Agreement) -> None:
        """Sign an agreement: it delivers from its ``start`` step."""
        self.agreements.append(agreement)

    def before_exchange(self, model: TerriModel) -> None:
        """Deliver every active agreement (see the module docstring)."""
        step = int(model.steps)
        self._shortfall = {}
        active = [a for a in self.agreements if a.active(step)]
        self._active = len(active)
        if not active:
            return
        s = model.state
        need = s.effective_need
        owed = np.zeros_like(s.available)
        for ag in active:
            owed[ag.a] += ag.give_ab
            owed[ag.b] += ag.give_ba
        givers, receivers, amounts, parts = [], [], [], []
        for ag in active:
            pair = []
            for giver, receiver, basket in ((ag.a, ag.b, ag.give_ab), (ag.b, ag.a, ag.give_ba)):
                spare = np.maximum(s.available[giver] - (1.0 - ag.commitment) * need[giver], 0.0)
                delivered = basket * capped_ratio(spare, owed[giver])
                givers.append(giver)
                receivers.append(receiver)
                amounts.append(delivered)
                pair.append(delivered)
                promised = float(basket @ s.price)
                if promised > 0:
                    short = 1.0 - float(delivered @ s.price) / promised
                    key = (receiver, giver)
                    self._shortfall[key] = max(self._shortfall.get(key, 0.0), short)
            parts.append((ag, pair[0], pair[1]))
        amounts_arr = np.array(amounts)
        # rounding: never give more than available (shares were computed per agreement)
        total = np.zeros_like(s.available)
        np.add.at(total, np.array(givers), amounts_arr)
        scale = capped_ratio(s.available, total)
        amounts_arr = amounts_arr * scale[np.array(givers)]
        model.transfer(np.array(givers), np.array(receivers), amounts_arr, CHANNEL)
        for k, (ag, _, _) in enumerate(parts):
            ag.record(amounts_arr[2 * k], amounts_arr[2 * k + 1])
        value = amounts_arr @ s.price
        scale_e = model.config.exchange.engineering_scale
        model.use_engineering(np.array(givers), value / scale_e / 2.0)
        model.use_engineering(np.array(receivers), value / scale_e / 2.0)

    def after_exchange(self, model: TerriModel, outcome: ExchangeOutcome) -> None:
        """Record this step's shortfalls for the trust rule (arc receiver -> giver)."""
        for (receiver, giver), short in self._shortfall.items():
            arc = self._arc.get((receiver, giver))
            if arc is not None and short > 1e-9:
                outcome.shortfall[arc] = max(outcome.shortfall[arc], min(short, 1.0))

    def state_summary(self) -> dict[str, Any]:
        """Active game agreements this step."""
        return {"game_agreements": self._active}
