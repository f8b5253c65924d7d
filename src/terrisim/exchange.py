"""Ad hoc bilateral basket negotiation, vectorised over links (ODD 7.4).

Every link negotiates one basket per step, both ways at once, in four stages, all computed from
the state at the start of the phase (synchronous: agent order plays no role):

1. **Proposal** (partner rule): on arc ``a = i -> j`` and good ``g``, ``i`` offers
   ``surplus[i,g] * offer[a,g] / sum_{a' from i} offer[a',g]`` and ``j`` asks
   ``deficit[j,g] * request[a,g] / sum_{a' into j} request[a',g]``; the proposed flow is the
   smaller of the two. Shares of a territory's surplus sum to at most 1, so nobody can promise
   more than it has.
2. **Reciprocity** (valuation rule and representations): ``G_a`` is what ``i`` gives on ``a``,
   valued by ``i``; ``R_a = (1 - bias_a) * value_i(basket j -> i)`` is what it receives as it
   perceives it. With tolerance ``tau``, ``r_i = R_a / ((1 - tau) G_a)``. The deal is
   possible iff ``r_i * r_j >= 1`` (both sides give something); the side with ``r < 1`` then
   gives less: its flows are scaled by ``r`` (the other side's by 1). If money is allowed, the
   under-compensated side may instead be paid the gap in money, when the payer can afford it.
3. **Size**: both directions are scaled by ``min(t_ij, t_ji) * exp(-d / d0 * (1 - discount))``
   (trust and the distance transaction cost; contracts give a discount), then by each side's
   engineering capacity: ``rho_i = min(1, engineering_left_i * scale / load_i)`` where
   ``load_i`` is the value of all deals of ``i``; a link takes ``min(rho_i, rho_j)``.
4. **Delivery** happens in the model (``TerriModel.deliver``) by adding flows to receivers and
   removing them from givers, which conserves goods exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terrisim.rules.partners import PartnerChoice
from terrisim.rules.valuation import BasketValuation
from terrisim.scenario.schema import ExchangeSpec
from terrisim.state import TerritoryState


@dataclass
class ExchangeOutcome:
    """What the exchanges of one step did, on arcs (A) and links (E).

    Attributes:
        flow: Units delivered along each arc (from ``arc_from`` to ``arc_to``), (A, G).
        money: Money paid along each arc, (A,).
        deal: Whether the link made a deal this step, (E,).
        perceived_balance: What ``arc_from`` perceived it received over what it gave, capped at
            1 (1 where no deal), (A,).
        shortfall: Share of the value promised to ``arc_from`` under a commitment (contract)
            that ``arc_to`` did not deliver, in [0, 1], (A,). Filled by governance rules.
        balance: Reciprocity balance of each deal at reference prices and face-value money,
            ``min(V_ij, V_ji) / max(V_ij, V_ji)`` in [0, 1] (NaN where no deal), (E,).
        engineering: Engineering used by each territory for these deals, (N,).
    """

    flow: np.ndarray
    money: np.ndarray
    deal: np.ndarray
    perceived_balance: np.ndarray
    shortfall: np.ndarray
    balance: np.ndarray
    engineering: np.ndarray

    @classmethod
    def empty(cls, state: TerritoryState) -> ExchangeOutcome:
        """An outcome with no exchange at all."""
        a, e = 2 * state.n_links, state.n_links
        return cls(np.zeros((a, len(state.goods))), np.zeros(a), np.zeros(e, bool), np.ones(a),
                   np.zeros(a), np.full(e, np.nan), np.zeros(state.n))


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0``."""
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def propose(state: TerritoryState, partners: PartnerChoice, surplus: np.ndarray,
            deficit: np.ndarray) -> np.ndarray:
    """Stage 1: the proposed flow on every arc, (A, G) (see module docstring)."""
    offer_w, request_w = partners.weights(state, surplus, deficit)
    offer = surplus[state.arc_from] * _safe_div(offer_w, state.sum_by_origin(offer_w)[
        state.arc_from])
    request = deficit[state.arc_to] * _safe_div(request_w, state.sum_by_end(request_w)[
        state.arc_to])
    return np.minimum(offer, request)


def negotiate(state: TerritoryState, valuation: BasketValuation, partners: PartnerChoice,
              spec: ExchangeSpec, engineering_left: np.ndarray) -> ExchangeOutcome:
    """Negotiate this step's ad hoc baskets on every link (stages 1 to 3)."""
    e = state.n_links
    outcome = ExchangeOutcome.empty(state)
    if e == 0 or not spec.enabled:
        return outcome
    need = state.effective_need
    surplus = np.maximum(state.available - need, 0.0)
    deficit = np.maximum(need - state.available, 0.0)
    proposed = propose(state, partners, surplus, deficit)

    # Stage 2: reciprocity
    give_u, receive_u = valuation.unit_values(state)
    n_goods = len(state.goods)
    give_u = np.broadcast_to(give_u, (state.n, n_goods))
    receive_u = np.broadcast_to(receive_u, (state.n, n_goods))
    given = np.einsum("ag,ag->a", proposed, give_u[state.arc_from])
    received = (1.0 - state.bias) * np.einsum(
        "ag,ag->a", state.reverse(proposed), receive_u[state.arc_from])
    tol = 1.0 - spec.reciprocity_tolerance
    ratio = _safe_div(received, tol * given)  # r for the origin of each arc
    both_give = (given[:e] > 0) & (given[e:] > 0)
    feasible = both_give & (ratio[:e] * ratio[e:] >= 1.0)
    trim = np.where(np.tile(feasible, 2), np.minimum(1.0, ratio), 0.0)
    money = np.zeros(2 * e)  # money[a]: paid along arc a, by arc_from to arc_to
    if spec.money:
        trim, money = _pay_gaps(state, spec, given, received, trim)

    # Stage 3: size (trust, distance), then engineering rationing; common to both directions
    size = np.minimum(state.trust[:e], state.trust[e:]) * np.exp(
        -state.distance / spec.distance_scale_km * (1.0 - state.cost_discount))
    value = (proposed @ state.price * trim + money) * np.tile(size, 2)
    link_value = value[:e] + value[e:]
    load = np.bincount(state.src, link_value, state.n) + np.bincount(state.dst, link_value,
                                                                     state.n)
    capacity = np.maximum(engineering_left, 0.0) * spec.engineering_scale
    rho = np.where(load > 0, np.minimum(1.0, _safe_div(capacity, load)), 1.0)
    common = np.tile(size * np.minimum(rho[state.src], rho[state.dst]), 2)
    outcome.flow = proposed * (trim * common)[:, None]
    outcome.money = money * common
    value = value * np.tile(np.minimum(rho[state.src], rho[state.dst]), 2)
    outcome.deal = (value[:e] + value[e:]) > 1e-12
    perceived_recv = received * state.reverse(trim) + state.reverse(money)
    perceived_give = given * trim + money
    outcome.perceived_balance = np.where(
        np.tile(outcome.deal, 2) & (perceived_give > 0),
        np.minimum(1.0, _safe_div(perceived_recv, perceived_give)), 1.0)
    low, high = np.minimum(value[:e], value[e:]), np.maximum(value[:e], value[e:])
    outcome.balance = np.where(outcome.deal, _safe_div(low, high), np.nan)
    link_value = value[:e] + value[e:]
    used = np.bincount(state.src, link_value, state.n) + np.bincount(state.dst, link_value,
                                                                     state.n)
    outcome.engineering = used / spec.engineering_scale
    return outcome


def _pay_gaps(state: TerritoryState, spec: ExchangeSpec, given: np.ndarray,
              received: np.ndarray, trim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Money compensation (ODD 7.4.3): pay the under-compensated side instead of trimming.

    On a link where exactly one side ``i`` perceives ``R_i < (1 - tau) G_i``, the other side
    ``j`` pays ``m = (1 - tau) G_i - R_i`` if ``m`` is within its means
    (``money_share * reserve_j / degree_j``) and ``j`` still accepts:
    ``R_j >= (1 - tau) (G_j + m)``. Such a link trades its full proposal plus ``m``.
    """
    e = state.n_links
    tol = 1.0 - spec.reciprocity_tolerance
    gap = np.maximum(tol * given - received, 0.0)  # owed to arc_from by arc_to
    degree = np.maximum(state.sum_by_origin(np.ones(2 * e)), 1.0)
    pay_cap = (spec.money_share * state.reserve / degree)[state.arc_to]
    rev_given, rev_received = state.reverse(given), state.reverse(received)
    ok = (given > 0) & (gap > 0) & (gap <= pay_cap) & (rev_received >= tol * (rev_given + gap))
    one_side = np.tile(ok[:e] ^ ok[e:], 2) & ok
    owed = np.where(one_side, gap, 0.0)
    paid_link = np.tile(one_side[:e] | one_side[e:], 2)
    return np.where(paid_link, 1.0, trim), state.reverse(owed)
