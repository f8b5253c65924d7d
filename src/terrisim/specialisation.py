"""Specialisation: producers learn where their sales pay and lose skill where output goes unsold.

"Cultivating differences makes complementarities" (the French reciprocity documents, DOMAIN.md):
a territory whose food or energy finds buyers invests in producing more of it, one whose output
is left on its hands produces less. Each territory carries, for every good traded on the market
(7.10), a *skill* that multiplies its capacity (ODD 7.1); after consumption the skill moves by
the share of the step's production that was sold minus the share left over::

    skill <- clip(skill * (1 + rate * (sold / production - left / production)), floor, ceiling)

where ``left = available - consumed`` after consumption. So skill grows where the scope's
buyers take a territory's surplus and stops growing once the scope's demand is met: how far
territories specialise emerges from the market, within the bounds. ``rate`` is an
**assumption** (no French source measures how fast local production follows its sales), 0 by
default: with ``rate = 0`` skill stays 1 and the model is unchanged (ODD 7.12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from terrisim.scenario.schema import SpecialisationSpec
    from terrisim.state import TerritoryState


def update_skill(state: TerritoryState, spec: SpecialisationSpec) -> None:
    """One step of specialisation (ODD 7.12), written into ``state.skill``.

    Only goods traded on the market (``state.market``) and territories that produced some of
    them this step move; ``state.sold`` is what the market (and commuting) took this step.

    Args:
        state: The territories after consumption (7.2).
        spec: The scenario's ``[specialisation]`` table.
    """
    cols = np.flatnonzero(state.market)
    if spec.rate == 0.0 or not cols.size:
        return
    s = state
    produced = s.production[:, cols]
    left = s.available[:, cols] - s.consumed[:, cols]
    moves = produced > 0
    with np.errstate(over="ignore"):  # a tiny production: +-inf, clipped below like any large share
        share = np.divide(
            s.sold[:, cols] - left, produced, out=np.zeros_like(produced), where=moves
        )
    skill = s.skill.copy()
    skill[:, cols] = np.clip(s.skill[:, cols] * (1.0 + spec.rate * share), spec.floor, spec.ceiling)
    s.skill = skill
