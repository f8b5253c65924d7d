"""Partner choice rules: how a territory spreads its offers and requests over links (ODD 7.4.1).

A partner rule returns two (A, G) arrays of non-negative weights. On arc ``i -> j``,
``offer[a, g]`` is how much ``i`` wants to offer good ``g`` to ``j`` (relative to its other
partners) and ``request[a, g]`` how much ``j`` wants to ask ``i`` for it. The negotiation turns
weights into shares of the surplus and of the deficit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from terrisim.rules.base import Rule, register

if TYPE_CHECKING:
    from terrisim.state import TerritoryState


class PartnerChoice(Rule):
    """Base of partner choice rules: override :meth:`weights`."""

    role = "partners"

    def weights(
        self, state: TerritoryState, surplus: np.ndarray, deficit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(offer, request)`` weights, each (A, G), non-negative."""
        raise NotImplementedError


@register
class TrustWeighted(PartnerChoice):
    """Offer to those you trust who need it; ask those you trust who have it.

    ``offer[i->j, g] = trust(i->j) * deficit[j, g]`` and
    ``request[i->j, g] = trust(j->i) * surplus[i, g]``.
    """

    name = "trust_weighted"

    def weights(
        self, state: TerritoryState, surplus: np.ndarray, deficit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Trust-weighted deficits of partners (offers) and surpluses of partners (requests)."""
        offer = state.trust[:, None] * deficit[state.arc_to]
        request = state.reverse(state.trust)[:, None] * surplus[state.arc_from]
        return offer, request


@register
class Nearest(PartnerChoice):
    """Prefer close partners, whatever the trust: weights ``1 / (1 + d / 10 km)``."""

    name = "nearest"

    def weights(
        self, state: TerritoryState, surplus: np.ndarray, deficit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inverse-distance weights times the partner's deficit (offer) or surplus (request)."""
        closeness = np.tile(1.0 / (1.0 + state.distance / 10.0), 2)[:, None]
        return closeness * deficit[state.arc_to], closeness * surplus[state.arc_from]
