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
   ``(1 - tau) G_a = 0 < R_a``). Acceptance is smooth (:mod:`terrisim.acceptance`): with the
   joint margin ``P = r_i r_j (1 - kappa)^2`` (``kappa`` the link's transaction cost, raised
   by a history of tension and by political cleavage), the two sides agree with probability
   ``share = 1 / (1 + P^(-1/w))``: the deal is made iff both sides give something and the
   link's uniform draw ``u < share``. The side with ``r < 1`` then
   gives less: its flows are scaled by ``r`` (the other side's by 1). If money is allowed, the
   under-compensated side may instead be paid the gap in money, when the payer can afford it.
   **Blocs** (``state.bloc``, members of a merger acting as one) negotiate outside as one: on
   the links between a bloc and an outside territory ``j`` (or another bloc), ``G`` and ``R``
   are the totals of the pair (bloc, ``j``) over all its links (:func:`bloc_totals`), so the
   pair's arcs share one ``r`` each way, one feasibility and one trim; a money gap is the
   pair's, shared among its links in proportion to what each gives.
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

from terrisim.acceptance import ACCEPT_RATIO, acceptance_share, transaction_cost
from terrisim.engine import engine_name
from terrisim.rules.guard import call_rule
from terrisim.rules.partners import PartnerChoice, is_separable
from terrisim.rules.valuation import BasketValuation
from terrisim.scenario.schema import ExchangeSpec
from terrisim.state import TerritoryState, keyed_cache


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
        defected: Arcs whose origin kept what it promised (the defection rule, ODD 7.4.6),
            (A,) bool; None before the rule ran.
    """

    flow: np.ndarray
    money: np.ndarray
    deal: np.ndarray
    perceived_balance: np.ndarray
    shortfall: np.ndarray
    balance: np.ndarray
    engineering: np.ndarray
    moving: np.ndarray | None = None
    defected: np.ndarray | None = None

    @classmethod
    def empty(cls, state: TerritoryState) -> ExchangeOutcome:
        """An outcome with no exchange at all."""
        a, e = 2 * state.n_links, state.n_links
        return cls(
            np.zeros((a, len(state.goods))),
            np.zeros(a),
            np.zeros(e, bool),
            np.ones(a),
            np.zeros(a),
            np.full(e, np.nan),
            np.zeros(state.n),
        )


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (inf, silently, where the quotient overflows)."""
    with np.errstate(over="ignore"):
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


def arc_values(
    state: TerritoryState, proposed: np.ndarray, give_u: np.ndarray, receive_u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(G, R)`` of every arc (ODD 7.4.3): what its origin gives, and receives as perceived."""
    give_from = give_u if give_u.shape[0] == 1 else state.at_origin(give_u)
    receive_from = receive_u if receive_u.shape[0] == 1 else state.at_origin(receive_u)
    given = basket_value(proposed, give_from)
    received = (1.0 - state.bias) * basket_value(state.reverse(proposed), receive_from)
    return given, received


def bloc_pairs(state: TerritoryState) -> tuple[np.ndarray, np.ndarray] | None:
    """The arcs that a bloc negotiates as one, and the pair each belongs to, or None.

    A territory's *party* is its bloc (``state.bloc >= 0``) or itself. The arcs whose origin
    and end are in different parties, one of them a bloc, are grouped by (origin party, end
    party): an arc ``m -> j`` from a member of bloc ``B`` to an outsider ``j`` is in pair
    ``(B, j)``, its reverse in ``(j, B)``. Links inside a bloc and links between territories in
    no bloc are in no pair.

    Returns:
        ``(arcs, pair)``: the arcs in a pair, ascending (K,), and the index of each one's pair
        in ``0 .. P-1`` (K,); None if there is no bloc.
    """
    bloc = state.bloc
    if bloc is None or not (bloc >= 0).any():
        return None
    party = state.parties()
    origin, end = party[state.arc_from], party[state.arc_to]
    arcs = np.flatnonzero(
        (origin != end) & ((bloc[state.arc_from] >= 0) | (bloc[state.arc_to] >= 0))
    )
    key = origin[arcs] * (state.n + int(bloc.max()) + 1) + end[arcs]
    return arcs, np.unique(key, return_inverse=True)[1].ravel()


def bloc_totals(
    state: TerritoryState,
    given: np.ndarray,
    received: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(G, R)`` of each arc as its party negotiates them (ODD 7.4.3), or None (no bloc).

    On an arc of a pair (:func:`bloc_pairs`, computed here unless given as ``pairs``), the
    sums of ``given`` and ``received`` over the pair's arcs, by ascending arc index
    (``np.bincount``); elsewhere the arc's own values.
    """
    if pairs is None:
        pairs = bloc_pairs(state)
    if pairs is None:
        return None
    arcs, pair = pairs
    given_total, received_total = given.copy(), received.copy()
    given_total[arcs] = np.bincount(pair, given[arcs])[pair]
    received_total[arcs] = np.bincount(pair, received[arcs])[pair]
    return given_total, received_total


def separable_weights(
    state: TerritoryState, partners: PartnerChoice
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-arc factors of a separable partner rule (its own ``factors()``), or None.

    A separable rule (:attr:`PartnerChoice.separable`: it defines ``factors`` and keeps the
    base class's ``weights``) weighs partners as ``offer[a, g] = f_offer[a] *
    deficit[arc_to[a], g]`` and ``request[a, g] = f_request[a] * surplus[arc_from[a], g]``;
    the compiled kernel then needs only the (A,) factors, not the (A, G) weights. A rule that
    overrides ``weights`` returns None and both engines call its ``weights``.
    """
    if not is_separable(partners):
        return None
    return call_rule("partners", partners, "factors", state)


def _weights(
    state: TerritoryState, partners: PartnerChoice, surplus: np.ndarray, deficit: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The partner rule's weights, checked (a separable rule's factors are checked inside)."""
    return call_rule(
        "partners",
        partners,
        "weights",
        state,
        check=not is_separable(partners),
        surplus=surplus,
        deficit=deficit,
    )


def propose(
    state: TerritoryState, partners: PartnerChoice, surplus: np.ndarray, deficit: np.ndarray
) -> np.ndarray:
    """Stage 1: the proposed flow on every arc, (A, G) (see module docstring).

    ``offer[a] = surplus[i] * (offer_w[a] / sum_{a' from i} offer_w[a'])``: the share of the
    weight is taken first, so it is at most 1 even for vanishing weights (0 where ``i`` weighs
    nobody); the same for requests.
    """
    offer_w, request_w = _weights(state, partners, surplus, deficit)
    offer = state.at_origin(surplus) * _safe_div(
        offer_w, state.at_origin(state.sum_by_origin(offer_w))
    )
    request = state.at_end(deficit) * _safe_div(
        request_w, state.at_end(state.sum_by_end(request_w))
    )
    return np.minimum(offer, request)


def negotiate(
    state: TerritoryState,
    valuation: BasketValuation,
    partners: PartnerChoice,
    spec: ExchangeSpec,
    engineering_left: np.ndarray,
    *,
    engine: str | None = None,
    draws: np.ndarray | None = None,
) -> ExchangeOutcome:
    """Negotiate this step's ad hoc baskets on every link (stages 1 to 3).

    Args:
        state: The state at the start of the phase (not modified).
        valuation: The basket valuation rule.
        partners: The partner choice rule.
        spec: The scenario's exchange parameters.
        engineering_left: Engineering each territory has left for ad hoc deals (N,).
        engine: ``"numpy"`` (the reference below), ``"numba"`` (:mod:`terrisim.kernels`) or
            ``None``/``"auto"`` (see :func:`terrisim.engine.engine_name`).
        draws: One uniform draw in [0, 1) per link (E,): a link whose two sides give something
            makes its deal iff its draw is below the acceptance share (ODD 7.4.3). The model
            draws them from its ``exchange`` stream; ``None`` means the median, 0.5 on every
            link (a deal is made iff its joint margin ``P > 1``).
    """
    e = state.n_links
    if e == 0 or not spec.enabled:
        return ExchangeOutcome.empty(state)
    draws = np.full(e, 0.5) if draws is None else np.ascontiguousarray(draws, dtype=float)
    keep = kept_share(state, spec)
    need = state.effective_need
    surplus = np.maximum(state.available - need, 0.0)
    deficit = np.maximum(need - state.available, 0.0)
    units = call_rule("valuation", valuation, "unit_values", state)
    give_u, receive_u = (_unit_table(u, state) for u in units)
    # trust and distance (stage 3), per link: computed here for both engines
    size = np.minimum(state.trust[:e], state.trust[e:]) * np.exp(
        -state.distance / spec.distance_scale_km * (1.0 - state.cost_discount)
    )
    if engine_name(engine, links=e) == "numba":
        return _negotiate_compiled(
            state,
            partners,
            spec,
            engineering_left=engineering_left,
            surplus=surplus,
            deficit=deficit,
            units=(give_u, receive_u),
            link_factors=(size, keep, draws),
        )
    proposed = propose(state, partners, surplus, deficit)

    # Stage 2: reciprocity, on the totals of each pair of parties where there are blocs
    given, received = arc_values(state, proposed, give_u, receive_u)
    totals = bloc_totals(state, given, received) or (given, received)
    tol = 1.0 - spec.reciprocity_tolerance
    ratio = reciprocity_ratio(totals[1], tol * totals[0])  # r for the origin of each arc
    both_give = (totals[0][:e] > 0) & (totals[0][e:] > 0)
    # inf * 0 is NaN (one side gains nothing): a NaN share accepts nothing
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = acceptance_share(ratio[:e] * ratio[e:] * keep, spec.acceptance_width)
    feasible = both_give & (draws < share)
    trim = np.where(np.tile(feasible, 2), np.minimum(1.0, ratio), 0.0)
    money = np.zeros(2 * e)  # money[a]: paid along arc a, by arc_from to arc_to
    if spec.money:
        trim, money = _pay_gaps(state, spec, given, totals, trim)

    # Stage 3: size (trust, distance), then engineering rationing; common to both directions
    value = (basket_value(proposed, state.price[None, :]) * trim + money) * np.tile(size, 2)
    load = _sum_by_ends(state, value[:e] + value[e:])
    capacity = np.maximum(engineering_left, 0.0) * spec.engineering_scale
    rho = np.where(load > 0, np.minimum(1.0, _safe_div(capacity, load)), 1.0)
    link_rho = np.minimum(rho[state.src], rho[state.dst])
    common = np.tile(size * link_rho, 2)
    value = value * np.tile(link_rho, 2)
    link_value = value[:e] + value[e:]
    deal = link_value > 1e-12
    perceived_recv = received * state.reverse(trim) + state.reverse(money)
    perceived_give = given * trim + money
    low, high = np.minimum(value[:e], value[e:]), np.maximum(value[:e], value[e:])
    return ExchangeOutcome(
        flow=proposed * (trim * common)[:, None],
        money=money * common,
        deal=deal,
        perceived_balance=np.where(
            np.tile(deal, 2) & (perceived_give > 0),
            np.minimum(1.0, _safe_div(perceived_recv, perceived_give)),
            1.0,
        ),
        shortfall=np.zeros(2 * e),
        balance=np.where(deal, _safe_div(low, high), np.nan),
        engineering=_sum_by_ends(state, link_value) / spec.engineering_scale,
    )


def kept_share(state: TerritoryState, spec: ExchangeSpec) -> np.ndarray:
    """``(1 - kappa)^2`` per link (E,): what transaction costs leave of a deal (cached).

    ``kappa`` is the link's transaction cost (:func:`terrisim.acceptance.transaction_cost`),
    borne by both sides, hence the square. It depends on what set-up fixes (the links, their
    tensions, the leanings: read-only for rules, institutions and shocks) and on two exchange
    parameters, so it is kept on the state (:func:`terrisim.state.keyed_cache`) and computed
    again when the links are replaced, a parameter differs, or a tension or leaning was
    changed (by a script, say).
    """

    def compute() -> np.ndarray:
        kappa = transaction_cost(
            state.tension,
            np.abs(state.leaning[state.src] - state.leaning[state.dst]),
            spec.tension_cost,
            spec.cleavage_cost,
        )
        return (1.0 - kappa) * (1.0 - kappa)

    if not hasattr(state, "_kept_share_cache"):
        state._kept_share_cache = {}
    return keyed_cache(
        state._kept_share_cache,
        compute,
        same={"src": state.src, "dst": state.dst},
        equal={
            "costs": (spec.tension_cost, spec.cleavage_cost),
            "tension": state.tension,
            "leaning": state.leaning,
        },
    )


def _sum_by_ends(state: TerritoryState, link_values: np.ndarray) -> np.ndarray:
    """Per territory, the sum of the values of its links (E,): by ``src``, then by ``dst``."""
    return np.bincount(state.src, link_values, state.n) + np.bincount(
        state.dst, link_values, state.n
    )


def _negotiate_compiled(
    state: TerritoryState,
    partners: PartnerChoice,
    spec: ExchangeSpec,
    *,
    engineering_left: np.ndarray,
    surplus: np.ndarray,
    deficit: np.ndarray,
    units: tuple[np.ndarray, np.ndarray],
    link_factors: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> ExchangeOutcome:
    """Stages 1 to 3 by :func:`terrisim.kernels.negotiate_links` (same numbers as above).

    ``units`` are the (give, receive) unit values; ``size`` the trust and distance factor per
    ``link_factors`` the trust and distance factor ``size``, the ``(1 - kappa)^2`` and the
    acceptance draw of each link. The kernel fills every entry of the outcome's arrays (``shortfall`` starts at 0) and
    lists the links that move something (``moving``).
    """
    give_u, receive_u = units
    totals = None
    pairs = bloc_pairs(state)
    if pairs is not None:
        # the pairs' totals of stage 2 are computed here by the reference code (the same
        # numbers as the kernel's own G and R); the kernel reads them on the pairs' links
        totals = bloc_totals(
            state,
            *arc_values(state, propose(state, partners, surplus, deficit), give_u, receive_u),
            pairs,
        )
    factors = separable_weights(state, partners)
    no_arcs, no_weights = np.zeros(0), np.zeros((0, 0))
    if factors is None:
        w_offer, w_request = (
            np.ascontiguousarray(w, dtype=float)
            for w in _weights(state, partners, surplus, deficit)
        )
        f_offer = f_request = no_arcs
    else:
        f_offer, f_request = (np.ascontiguousarray(f, dtype=float) for f in factors)
        w_offer = w_request = no_weights
    e, g = state.n_links, len(state.goods)
    outcome = ExchangeOutcome(
        flow=np.empty((2 * e, g)),
        money=np.empty(2 * e),
        deal=np.empty(e, bool),
        perceived_balance=np.empty(2 * e),
        shortfall=np.zeros(2 * e),
        balance=np.empty(e),
        engineering=np.empty(state.n),
    )
    degree = state.degree if spec.money else no_arcs
    from terrisim import kernels  # numba and its kernels load with the first compiled step

    work = kernels.Workspace.of(state, state.n, e, g)
    in_pair = np.zeros(e if pairs is not None else 0, bool)
    if pairs is not None:
        in_pair[pairs[0] % e] = True
    given_total, received_total = totals if totals is not None else (no_arcs, no_arcs)
    count = kernels.negotiate_links(
        state.src,
        state.dst,
        state.arc_from,
        state.arc_to,
        surplus,
        deficit,
        factors is not None,
        f_offer,
        f_request,
        w_offer,
        w_request,
        np.ascontiguousarray(give_u, dtype=float),
        np.ascontiguousarray(receive_u, dtype=float),
        state.price,
        state.bias,
        *link_factors,
        spec.acceptance_width,
        1.0 - spec.reciprocity_tolerance,
        spec.money,
        spec.money_share,
        state.reserve,
        degree,
        np.ascontiguousarray(engineering_left, dtype=float),
        spec.engineering_scale,
        totals is not None,
        in_pair,
        given_total,
        received_total,
        work.table,
        work.record,
        work.traded,
        outcome.flow,
        outcome.money,
        outcome.deal,
        outcome.perceived_balance,
        outcome.balance,
        outcome.engineering,
        work.moving,
    )
    outcome.moving = work.moving[:count].copy()
    return outcome


def _pay_gaps(
    state: TerritoryState,
    spec: ExchangeSpec,
    given: np.ndarray,
    totals: tuple[np.ndarray, np.ndarray],
    trim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Money compensation (ODD 7.4.3): pay the under-compensated side instead of trimming.

    On a link where exactly one side ``i`` perceives ``R_i < (1 - tau) G_i``, the other side
    ``j`` pays ``m = (1 - tau) G_i - R_i`` if ``m`` is within its means
    (``money_share * reserve_j / degree_j``) and ``j`` still accepts:
    ``R_j >= (1 - tau) (G_j + m)`` (up to the slack of ``ACCEPT_RATIO``). Such a link
    trades its full proposal plus ``m``. ``totals`` are the ``(G, R)`` the parties negotiate
    (:func:`bloc_totals`; the arcs' own values where there is no bloc): on a pair's link, the
    pair's gap ``(1 - tau) G - R`` is shared in proportion to what the link's side gives
    (``given / G``, exactly 1 outside pairs) and the payer must still accept after paying the
    pair's whole gap.
    """
    e = state.n_links
    tol = 1.0 - spec.reciprocity_tolerance
    given_total, received_total = totals
    pair_gap = np.maximum(tol * given_total - received_total, 0.0)
    gap = pair_gap * _safe_div(given, given_total)  # owed to arc_from by arc_to
    pay_cap = (spec.money_share * state.reserve / state.degree)[state.arc_to]
    rev_given, rev_received = state.reverse(given_total), state.reverse(received_total)
    accepts = rev_received >= ACCEPT_RATIO * (tol * (rev_given + pair_gap))
    ok = (given > 0) & (gap > 0) & (gap <= pay_cap) & accepts
    one_side = np.tile(ok[:e] ^ ok[e:], 2) & ok
    owed = np.where(one_side, gap, 0.0)
    paid_link = np.tile(one_side[:e] | one_side[e:], 2)
    return np.where(paid_link, 1.0, trim), state.reverse(owed)


def withhold(
    state: TerritoryState, outcome: ExchangeOutcome, defected: np.ndarray, reputation: float
) -> None:
    """Cancel what defectors promised, and sanction them through trust (ODD 7.4.6).

    On every arc ``a = i -> j`` where ``i`` defects: the flows and money along ``a`` become 0;
    ``j`` records a full shortfall on ``j -> i`` (``s = 1``) and a perceived balance of 0;
    ``i``'s perceived balance on ``a`` is 1 and the link's reciprocity balance 0. Reputation:
    every other arc ``k -> i`` into a defector records the shortfall
    ``reputation * withheld_i / promised_i`` (the share of the value ``i`` promised this step,
    at reference prices and money at face value, that it withheld), unless larger already.
    The trust rule then turns shortfalls into lost trust (ODD 7.7). Arrays are replaced,
    not changed in place.
    """
    defected = np.asarray(defected, bool)
    outcome.defected = defected
    if not defected.any():
        return
    promised = outcome.flow @ state.price + outcome.money
    outcome.flow = np.where(defected[:, None], 0.0, outcome.flow)
    outcome.money = np.where(defected, 0.0, outcome.money)
    victim = state.reverse(defected)
    withheld = _safe_div(
        state.sum_by_origin(np.where(defected, promised, 0.0)), state.sum_by_origin(promised)
    )
    heard = np.where(victim, 1.0, reputation * withheld[state.arc_to])
    outcome.shortfall = np.maximum(outcome.shortfall, heard)
    outcome.perceived_balance = np.where(
        victim, 0.0, np.where(defected, 1.0, outcome.perceived_balance)
    )
    e = state.n_links
    broken = defected[:e] | defected[e:]
    outcome.balance = np.where(broken & outcome.deal, 0.0, outcome.balance)
