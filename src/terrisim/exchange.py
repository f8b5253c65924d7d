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
   perceives it. With tolerance ``tau``, ``r_i = R_a / ((1 - tau) G_a)`` (``+inf`` if
   ``(1 - tau) G_a = 0 < R_a``). The deal is possible iff ``r_i * r_j >= 1 - 1e-12`` (both
   sides give something; the slack lets a balanced deal pass whatever the rounding); the
   side with ``r < 1`` then
   gives less: its flows are scaled by ``r`` (the other side's by 1). If money is allowed, the
   under-compensated side may instead be paid the gap in money, when the payer can afford it.
3. **Size**: both directions are scaled by ``min(t_ij, t_ji) * exp(-d / d0 * (1 - discount))``
   (trust and the distance transaction cost; contracts give a discount), then by each side's
   engineering capacity: ``rho_i = min(1, engineering_left_i * scale / load_i)`` where
   ``load_i`` is the value of all deals of ``i``; a link takes ``min(rho_i, rho_j)``.
4. **Delivery** happens in the model (``TerriModel.deliver``) by adding flows to receivers and
   removing them from givers, which conserves goods exactly.

Two engines compute these stages (see :mod:`terrisim.kernels` and docs/performance.md): the
numpy code below is the readable reference; a numba kernel does the same operations in the
same order without the (A, G) temporaries. Sums have a fixed order in both, so both engines
give the same numbers: values of a basket are summed over goods left to right
(:func:`basket_value`), sums over arcs go by ascending arc index (``sum_by_origin``,
``sum_by_end``, ``np.bincount``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terrisim import kernels
from terrisim.rules.partners import Nearest, PartnerChoice, TrustWeighted
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
        moving: Links along which something may move (ascending), filled by the compiled
            engine so that its delivery skips the others; None: any link may move something.
    """

    flow: np.ndarray
    money: np.ndarray
    deal: np.ndarray
    perceived_balance: np.ndarray
    shortfall: np.ndarray
    balance: np.ndarray
    engineering: np.ndarray
    moving: np.ndarray | None = None

    @classmethod
    def empty(cls, state: TerritoryState) -> ExchangeOutcome:
        """An outcome with no exchange at all."""
        a, e = 2 * state.n_links, state.n_links
        return cls(np.zeros((a, len(state.goods))), np.zeros(a), np.zeros(e, bool), np.ones(a),
                   np.zeros(a), np.full(e, np.nan), np.zeros(state.n))


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0``."""
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _unit_table(unit_values: np.ndarray, state: TerritoryState) -> np.ndarray:
    """Unit values as a (1, G) row shared by all territories, or an (N, G) table."""
    table = np.atleast_2d(np.asarray(unit_values, dtype=float))
    if table.shape == (1, len(state.goods)):
        return table
    return np.broadcast_to(table, (state.n, len(state.goods)))


def reciprocity_ratio(received: np.ndarray, owed: np.ndarray) -> np.ndarray:
    """``r = R / ((1 - tau) G)`` on every arc (ODD 7.4.3), with its edge cases.

    ``owed`` is ``(1 - tau) G``. Where it is 0 (``tau = 1``, or nothing given), ``r`` is
    ``+inf`` if something is received (anything is acceptable) and 0 otherwise.
    """
    ratio = _safe_div(received, owed)
    ratio[(owed <= 0) & (received > 0)] = np.inf
    return ratio


def basket_value(quantities: np.ndarray, unit_values: np.ndarray) -> np.ndarray:
    """Value of each row's basket, ``sum_g quantities[:, g] * unit_values[:, g]`` (rows,).

    Summed over goods left to right (a fixed order, unlike ``einsum`` or a BLAS product, so
    that the compiled kernel can reproduce it exactly). ``unit_values`` is (rows, G) or (1, G).
    """
    total = quantities[:, 0] * unit_values[:, 0]
    for g in range(1, quantities.shape[1]):
        total = total + quantities[:, g] * unit_values[:, g]
    return total


def separable_weights(state: TerritoryState,
                      partners: PartnerChoice) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-arc factors of a separable partner rule, or None.

    The built-in rules weigh partners as ``offer[a, g] = f_offer[a] * deficit[arc_to[a], g]``
    and ``request[a, g] = f_request[a] * surplus[arc_from[a], g]``; the compiled kernel then
    needs only the (A,) factors, not the (A, G) weights. A rule whose ``weights`` method is
    not one of the built-in ones (a subclass overriding it, a user rule) returns None and
    goes through its own ``weights``. The tests check that these factors reproduce
    ``weights`` exactly.
    """
    method = getattr(type(partners), "weights", None)
    if method is TrustWeighted.weights:
        return state.trust, state.reverse(state.trust)
    if method is Nearest.weights:
        closeness = np.tile(1.0 / (1.0 + state.distance / 10.0), 2)
        return closeness, closeness
    return None


def propose(state: TerritoryState, partners: PartnerChoice, surplus: np.ndarray,
            deficit: np.ndarray) -> np.ndarray:
    """Stage 1: the proposed flow on every arc, (A, G) (see module docstring).

    ``offer[a] = surplus[i] * (offer_w[a] / sum_{a' from i} offer_w[a'])``: the share of the
    weight is taken first, so it is at most 1 even for vanishing weights (0 where ``i`` weighs
    nobody); the same for requests.
    """
    offer_w, request_w = partners.weights(state, surplus, deficit)
    offer = state.at_origin(surplus) * _safe_div(
        offer_w, state.at_origin(state.sum_by_origin(offer_w)))
    request = state.at_end(deficit) * _safe_div(
        request_w, state.at_end(state.sum_by_end(request_w)))
    return np.minimum(offer, request)


def negotiate(state: TerritoryState, valuation: BasketValuation, partners: PartnerChoice,
              spec: ExchangeSpec, engineering_left: np.ndarray, *,
              engine: str | None = None) -> ExchangeOutcome:
    """Negotiate this step's ad hoc baskets on every link (stages 1 to 3).

    Args:
        state: The state at the start of the phase (not modified).
        valuation: The basket valuation rule.
        partners: The partner choice rule.
        spec: The scenario's exchange parameters.
        engineering_left: Engineering each territory has left for ad hoc deals (N,).
        engine: ``"numpy"`` (the reference below), ``"numba"`` (:mod:`terrisim.kernels`) or
            ``None``/``"auto"`` (see :func:`terrisim.kernels.engine_name`).
    """
    e = state.n_links
    if e == 0 or not spec.enabled:
        return ExchangeOutcome.empty(state)
    need = state.effective_need
    surplus = np.maximum(state.available - need, 0.0)
    deficit = np.maximum(need - state.available, 0.0)
    give_u, receive_u = (_unit_table(u, state) for u in valuation.unit_values(state))
    # trust and distance (stage 3), per link: computed here for both engines
    size = np.minimum(state.trust[:e], state.trust[e:]) * np.exp(
        -state.distance / spec.distance_scale_km * (1.0 - state.cost_discount))
    if kernels.engine_name(engine) == "numba":
        return _negotiate_compiled(state, partners, spec, engineering_left=engineering_left,
                                   surplus=surplus, deficit=deficit, units=(give_u, receive_u),
                                   size=size)
    outcome = ExchangeOutcome.empty(state)
    proposed = propose(state, partners, surplus, deficit)

    # Stage 2: reciprocity
    give_from = give_u if give_u.shape[0] == 1 else state.at_origin(give_u)
    receive_from = receive_u if receive_u.shape[0] == 1 else state.at_origin(receive_u)
    given = basket_value(proposed, give_from)
    received = (1.0 - state.bias) * basket_value(state.reverse(proposed), receive_from)
    tol = 1.0 - spec.reciprocity_tolerance
    ratio = reciprocity_ratio(received, tol * given)  # r for the origin of each arc
    both_give = (given[:e] > 0) & (given[e:] > 0)
    with np.errstate(invalid="ignore"):  # inf * 0 is NaN: not feasible
        feasible = both_give & (ratio[:e] * ratio[e:] >= kernels.ACCEPT_RATIO)
    trim = np.where(np.tile(feasible, 2), np.minimum(1.0, ratio), 0.0)
    money = np.zeros(2 * e)  # money[a]: paid along arc a, by arc_from to arc_to
    if spec.money:
        trim, money = _pay_gaps(state, spec, given, received, trim)

    # Stage 3: size (trust, distance), then engineering rationing; common to both directions
    value = (basket_value(proposed, state.price[None, :]) * trim + money) * np.tile(size, 2)
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


def _negotiate_compiled(state: TerritoryState, partners: PartnerChoice, spec: ExchangeSpec, *,
                        engineering_left: np.ndarray, surplus: np.ndarray,
                        deficit: np.ndarray, units: tuple[np.ndarray, np.ndarray],
                        size: np.ndarray) -> ExchangeOutcome:
    """Stages 1 to 3 by :func:`terrisim.kernels.negotiate_links` (same numbers as above).

    ``units`` are the (give, receive) unit values; ``size`` the trust and distance factor per
    link. The kernel fills every entry of the outcome's arrays (``shortfall`` starts at 0) and
    lists the links that move something (``moving``).
    """
    give_u, receive_u = units
    factors = separable_weights(state, partners)
    no_arcs, no_weights = np.zeros(0), np.zeros((0, 0))
    if factors is None:
        w_offer, w_request = (np.ascontiguousarray(w, dtype=float)
                              for w in partners.weights(state, surplus, deficit))
        f_offer = f_request = no_arcs
    else:
        f_offer, f_request = (np.ascontiguousarray(f, dtype=float) for f in factors)
        w_offer = w_request = no_weights
    e, g = state.n_links, len(state.goods)
    outcome = ExchangeOutcome(
        flow=np.empty((2 * e, g)), money=np.empty(2 * e), deal=np.empty(e, bool),
        perceived_balance=np.empty(2 * e), shortfall=np.zeros(2 * e), balance=np.empty(e),
        engineering=np.empty(state.n))
    degree = state.degree if spec.money else no_arcs
    moving = np.empty(e, np.int64)
    count = kernels.negotiate_links(
        state.src, state.dst, state.arc_from, state.arc_to, surplus, deficit,
        factors is not None, f_offer, f_request, w_offer, w_request,
        np.ascontiguousarray(give_u, dtype=float), np.ascontiguousarray(receive_u, dtype=float),
        state.price, state.bias, size,
        1.0 - spec.reciprocity_tolerance, spec.money, spec.money_share, state.reserve, degree,
        np.ascontiguousarray(engineering_left, dtype=float), spec.engineering_scale,
        outcome.flow, outcome.money, outcome.deal, outcome.perceived_balance, outcome.balance,
        outcome.engineering, moving)
    outcome.moving = moving[:count]
    return outcome


def _pay_gaps(state: TerritoryState, spec: ExchangeSpec, given: np.ndarray,
              received: np.ndarray, trim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Money compensation (ODD 7.4.3): pay the under-compensated side instead of trimming.

    On a link where exactly one side ``i`` perceives ``R_i < (1 - tau) G_i``, the other side
    ``j`` pays ``m = (1 - tau) G_i - R_i`` if ``m`` is within its means
    (``money_share * reserve_j / degree_j``) and ``j`` still accepts:
    ``R_j >= (1 - tau) (G_j + m)`` (up to the slack of ``kernels.ACCEPT_RATIO``). Such a link trades its full proposal plus ``m``.
    """
    e = state.n_links
    tol = 1.0 - spec.reciprocity_tolerance
    gap = np.maximum(tol * given - received, 0.0)  # owed to arc_from by arc_to
    pay_cap = (spec.money_share * state.reserve / state.degree)[state.arc_to]
    rev_given, rev_received = state.reverse(given), state.reverse(received)
    accepts = rev_received >= kernels.ACCEPT_RATIO * (tol * (rev_given + gap))
    ok = (given > 0) & (gap > 0) & (gap <= pay_cap) & accepts
    one_side = np.tile(ok[:e] ^ ok[e:], 2) & ok
    owed = np.where(one_side, gap, 0.0)
    paid_link = np.tile(one_side[:e] | one_side[e:], 2)
    return np.where(paid_link, 1.0, trim), state.reverse(owed)
