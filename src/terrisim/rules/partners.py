"""Partner choice rules: how a territory spreads its offers and requests over links (ODD 7.4.1).

A partner rule returns two (A, G) arrays of non-negative weights. On arc ``a = i -> j``,
``W_off[a, g]`` is how much ``i`` wants to offer good ``g`` to ``j`` (relative to its other
partners) and ``W_req[a, g]`` how much ``j`` wants to ask ``i`` for it. The negotiation turns
weights into shares of the surplus and of the deficit (so only ratios between a territory's
arcs matter)::

    offer[a, g] = W_off[a, g] * surplus[i, g] / sum_{a' from i} W_off[a', g]
    request[a, g] = W_req[a, g] * deficit[j, g] / sum_{a' into j} W_req[a', g]
    x[a, g] = min(offer[a, g], request[a, g])

(0 where a sum is 0). ``terrisim check-rule`` checks that weights are finite, >= 0 and (A, G).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from terrisim.rules.base import Rule, register
from terrisim.rules.outputs import checked_output

if TYPE_CHECKING:
    from terrisim.state import TerritoryState


class PartnerChoice(Rule):
    """Base of partner choice rules (ODD 7.4.1): override :meth:`factors` or :meth:`weights`.

    Most rules are *separable*: on arc ``i -> j`` they weigh the partner's deficit (offers)
    and surplus (requests) by one factor per arc, written once in :meth:`factors`;
    :meth:`weights` below turns those factors into the (A, G) weights. Both engines read
    ``factors()`` of such a rule (the compiled negotiation multiplies them by the partner's
    deficit and surplus itself, which is :meth:`weights` good by good), so an edit of a
    rule's ``factors`` reaches every engine. A rule whose weights are not of that form
    overrides :meth:`weights` instead; both engines then call it.

    Named in a scenario by ``[rules] partners = { name = "...", ... }`` (a registered name or
    ``"module:Class"``).
    """

    role = "partners"

    def factors(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Per-arc factors ``(f_off, f_req)``, each (A,), finite and >= 0.

        ``f_off[i->j]`` weighs ``j``'s deficit in ``i``'s offers, ``f_req[i->j]`` weighs
        ``i``'s surplus in ``j``'s requests. Override this, or :meth:`weights`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define factors(state) or weights(state, surplus, "
            "deficit) (docs/tutorial.md)"
        )

    def weights(
        self, state: TerritoryState, surplus: np.ndarray, deficit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(offer, request)`` weights, each (A, G), non-negative.

        ``W_off[i->j, g] = f_off[i->j] * deficit[j, g]`` and
        ``W_req[i->j, g] = f_req[i->j] * surplus[i, g]``, with the rule's :meth:`factors`.

        Args:
            state: The territory arrays; arcs go from ``state.arc_from`` to ``state.arc_to``
                (A = 2 x links), trust is ``state.trust`` (A,).
            surplus: ``max(available - need, 0)`` per territory and good, (N, G).
            deficit: ``max(need - available, 0)``, (N, G).

        Returns:
            ``(W_off, W_req)``, each (A, G), finite and >= 0.
        """
        f_offer, f_request = checked_output("partners", self, "factors", self.factors(state), state)
        return (
            f_offer[:, None] * deficit[state.arc_to],
            f_request[:, None] * surplus[state.arc_from],
        )

    @property
    def separable(self) -> bool:
        """Whether the rule is defined by :meth:`factors` (it does not override weights)."""
        return type(self).weights is PartnerChoice.weights


def is_separable(rule: object) -> bool:
    """Whether a partner rule is defined by its ``factors`` (see :class:`PartnerChoice`).

    False for a rule that overrides ``weights``, and for a rule of role ``partners`` that does
    not derive from :class:`PartnerChoice` (it has only its own ``weights``).
    """
    return bool(getattr(rule, "separable", False))


@register
class TrustWeighted(PartnerChoice):
    """Offer to those you trust who need it; ask those you trust who have it (ODD 7.4.1).

    ``W_off[i->j, g] = trust(i->j) * deficit[j, g]`` and
    ``W_req[i->j, g] = trust(j->i) * surplus[i, g]``.
    """

    name = "trust_weighted"

    def factors(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Per-arc factors ``(trust(i->j), trust(j->i))`` of the offer and request weights."""
        return state.trust, state.reverse(state.trust)


@register
class Nearest(PartnerChoice):
    """Prefer close partners, whatever the trust (ODD 7.4.1).

    With ``c_e = 1 / (1 + distance_e / 10 km)`` on link ``e`` (both of its arcs):
    ``W_off[i->j, g] = c_e * deficit[j, g]`` and ``W_req[i->j, g] = c_e * surplus[i, g]``.
    """

    name = "nearest"

    def factors(self, state: TerritoryState) -> tuple[np.ndarray, np.ndarray]:
        """Per-arc factors ``(c_e, c_e)`` of the offer and request weights."""
        closeness = np.tile(1.0 / (1.0 + state.distance / 10.0), 2)
        return closeness, closeness
