"""Compiled (numba) kernels for the hot paths of the step.

These kernels are an *optional accelerator* of the two phases where the time goes, the
negotiation over links and the delivery along arcs. The readable reference is the numpy code
(:mod:`terrisim.exchange`, :meth:`terrisim.model.TerriModel.deliver`). The kernels contain no
rule: they are fed what the scenario's rules compute, by the rules' own code, under both
engines (the partner rule's ``factors()`` or ``weights()``, the valuation's unit values);
production, consumption and the trust rule always run as written in their own files. Each
kernel below computes the same equations, in the same order of floating-point operations
(sums over goods left to right, sums over arcs by ascending arc index, same association of
products, no fastmath), so both engines give the same numbers, bit for bit:
``tests/test_kernels.py`` checks it on random scenarios, the shipped scenarios, output files
and corner values (signed zeros, NaN, infinities).

What the kernels save is memory traffic, not arithmetic: the numpy version builds about ten
(A, G) temporaries per step (A arcs, G goods; 19 MB each at the scale of France), the
negotiation kernel passes over the links twice, keeps per-link and per-territory sums in a
:class:`Workspace` kept from step to step, and skips the exact zeros (docs/performance.md:
figures, profile, what was tried).

Which engine runs is chosen by :func:`terrisim.engine.engine_name`: the ``TERRISIM_KERNEL``
environment variable (``numpy``, ``numba`` or ``auto``), or the model's ``engine`` argument;
``auto`` (the default) uses numba when it is installed (``pip install terrisim[fast]``) and the
scenario is large enough for it to pay. Only the numba engine imports this module.
"""

# numba kernels take their arrays positionally (no keyword-only parameters):
# ruff: noqa: PLR0917
from __future__ import annotations

import numpy as np

from terrisim.acceptance import ACCEPT_RATIO, acceptance_share
from terrisim.engine import ENGINES, HAVE_NUMBA, engine_name  # noqa: F401 - re-exported

if HAVE_NUMBA:
    import numba
else:  # pragma: no cover - exercised on installs without the extra
    numba = None


def _jit(func):
    """Compile ``func`` with numba (no fastmath: IEEE semantics, no FMA contraction)."""
    if not HAVE_NUMBA:
        return func
    return numba.njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)(func)


def _jit_inline(func):
    """Compile a helper that numba inlines where it is called (no call, no reference counts)."""
    if not HAVE_NUMBA:
        return func
    return numba.njit(
        cache=True, nogil=True, error_model="numpy", boundscheck=False, inline="always"
    )(func)


# ------------------------------------------------------------------------------------------
# Negotiation (ODD 7.4). Names follow terrisim.exchange; a = i -> j is arc a, its link is
# k = a mod E, its reverse arc b = (a + E) mod 2E. Per-territory quantities are packed in one
# (N, 4, G) table (surplus, deficit, and the sums of offer and request weights of stage 1) so
# that the arcs of a territory's partners read one contiguous row each.
#
# Zeros are skipped, never changed: a proposal of good g on arc i -> j is exactly 0 when i has
# no surplus or j no deficit of g (0 times a share in [0, 1]), and adding an exact 0 to a sum
# changes no bit of it (sums start at -0.0, the identity of addition). With the built-in
# partner rules and finite inputs (``_good_masks``) the kernel keeps, per territory, bit masks
# of the goods it has a surplus and a deficit of, and computes only the proposals, and the
# sums of weights they read, where both bits are set.
# ------------------------------------------------------------------------------------------
SURPLUS, DEFICIT, OFFER_SUM, REQUEST_SUM = 0, 1, 2, 3

#: Per-link record of the first pass over links, read by the second one: these ten values,
#: then the proposals of good 0 to G - 1 along the forward arc, then along the reverse arc.
GIVEN_A, GIVEN_B, RECV_A, RECV_B, TRIM_A, TRIM_B, MONEY_A, MONEY_B, VALUE_A, VALUE_B = range(10)
RECORD_FIELDS = 10


class Workspace:
    """Arrays the negotiation kernel fills anew at every step, kept from step to step.

    Allocating them at every step costs more than filling them: fresh memory comes from the
    operating system one zeroed page at a time (docs/performance.md). Their content never
    outlives a call of :func:`negotiate_links`: nothing is carried from one step to the next.

    Attributes:
        shape: The sizes it was made for: (N, E, G).
        table: Surplus, deficit and sums of weights per territory, (N, 4, G).
        record: What the first pass found on each link that may trade, in the first rows
            (one per link of ``traded``), (E, 10 + 2 G).
        traded: The links of those records, ascending, (E,) int64.
        moving: The links along which something moves (the kernel's output), (E,) int64.
    """

    def __init__(self, n: int, n_links: int, n_goods: int) -> None:
        self.shape = (n, n_links, n_goods)
        self.table = np.empty((n, 4, n_goods))
        self.record = np.empty((n_links, RECORD_FIELDS + 2 * n_goods))
        self.traded = np.empty(n_links, np.int64)
        self.moving = np.empty(n_links, np.int64)

    @classmethod
    def of(cls, owner: object, n: int, n_links: int, n_goods: int) -> Workspace:
        """The workspace kept on ``owner`` (a model's state) for these sizes, made if need be."""
        work = getattr(owner, "_kernel_workspace", None)
        if work is None or work.shape != (n, n_links, n_goods):
            work = cls(n, n_links, n_goods)
            owner._kernel_workspace = work  # a cache, like the incidence matrices
        return work


@_jit_inline
def _minimum(a, b):  # pragma: no cover - compiled
    """``np.minimum(a, b)`` of two floats."""
    return a if (a < b or np.isnan(a)) else b


@_jit
def _ratio(num, den):  # pragma: no cover - compiled
    """``num / den``, 0 where ``den`` is not positive (``exchange._safe_div``)."""
    return num / den if den > 0 else 0.0


#: The acceptance share of :mod:`terrisim.acceptance`, compiled: the same function, written once.
_acceptance_share = _jit_inline(acceptance_share)


@_jit
def _reciprocity_ratio(received, owed):  # pragma: no cover - compiled
    """``r = received / owed`` of one arc, as ``exchange.reciprocity_ratio``.

    ``+inf`` if ``owed <= 0 < received`` (``tau = 1``: anything is acceptable), 0 if nothing is
    received and nothing owed.
    """
    if owed > 0:
        return received / owed
    return np.inf if received > 0 else 0.0


@_jit
def _good_masks(surplus, deficit, separable, f_offer, f_request):  # pragma: no cover - compiled
    """Bit masks of the goods each territory has a surplus of, and a deficit of (N,) each.

    They apply (``use_masks``) with the built-in (separable) partner rules, at most 62 goods,
    and finite surpluses, deficits and partner factors: only then is a proposal exactly 0
    where a bit is missing (0 times a finite share). Otherwise (an infinite capacity, a trust
    rule gone NaN...) every proposal is computed, as in the reference.
    """
    n, g_count = surplus.shape
    has_surplus = np.zeros(n, np.int64)
    has_deficit = np.zeros(n, np.int64)
    if not separable or g_count > 62:
        return has_surplus, has_deficit, False
    for a in range(f_offer.size):
        if not (np.isfinite(f_offer[a]) and np.isfinite(f_request[a])):
            return has_surplus, has_deficit, False
    for i in range(n):
        for g in range(g_count):
            if not (np.isfinite(surplus[i, g]) and np.isfinite(deficit[i, g])):
                return has_surplus, has_deficit, False
            if surplus[i, g] > 0.0:
                has_surplus[i] |= np.int64(1) << g
            if deficit[i, g] > 0.0:
                has_deficit[i] |= np.int64(1) << g
    return has_surplus, has_deficit, True


@_jit
def _territory_table(
    table,
    arc_from,
    arc_to,
    surplus,
    deficit,
    separable,
    f_offer,
    f_request,
    w_offer,
    w_request,
    has_surplus,
    has_deficit,
    use_masks,
):  # pragma: no cover - compiled
    """Stage 1 per territory: surplus, deficit, and the sums of weights, into ``table``.

    ``offer_sum[i] = sum_{a from i} offer[a]`` and ``request_sum[j] = sum_{a into j}
    request[a]``. Separable partner rules give ``offer[a, g] = f_offer[a] * deficit[arc_to[a],
    g]`` and ``request[a, g] = f_request[a] * surplus[arc_from[a], g]``; others give (A, G)
    weights. Sums run over arcs by ascending index (as the sparse product of the reference).
    With masks, ``offer_sum[i, g]`` is complete where ``i`` has a surplus of ``g`` and
    ``request_sum[j, g]`` where ``j`` has a deficit of ``g``, the only entries read: the terms
    left out are exact zeros (no deficit at the end, no surplus at the origin).
    """
    n, g_count = surplus.shape
    for i in range(n):
        for g in range(g_count):
            table[i, SURPLUS, g] = surplus[i, g]
            table[i, DEFICIT, g] = deficit[i, g]
            table[i, OFFER_SUM, g] = 0.0
            table[i, REQUEST_SUM, g] = 0.0
    if use_masks:
        for a in range(arc_from.size):
            i = arc_from[a]
            j = arc_to[a]
            mask = has_surplus[i] & has_deficit[j]
            if mask == 0:
                continue
            f_off = f_offer[a]
            f_req = f_request[a]
            for g in range(g_count):
                if (mask >> g) & 1:
                    table[i, OFFER_SUM, g] += f_off * table[j, DEFICIT, g]
                    table[j, REQUEST_SUM, g] += f_req * table[i, SURPLUS, g]
    elif separable:
        for a in range(arc_from.size):
            i = arc_from[a]
            j = arc_to[a]
            f_off = f_offer[a]
            f_req = f_request[a]
            for g in range(g_count):
                table[i, OFFER_SUM, g] += f_off * table[j, DEFICIT, g]
                table[j, REQUEST_SUM, g] += f_req * table[i, SURPLUS, g]
    else:
        for a in range(arc_from.size):
            i = arc_from[a]
            j = arc_to[a]
            for g in range(g_count):
                table[i, OFFER_SUM, g] += w_offer[a, g]
                table[j, REQUEST_SUM, g] += w_request[a, g]


@_jit
def _proposed(
    surplus, offer_weight, offer_sum, deficit, request_weight, request_sum
):  # pragma: no cover - compiled
    """Stage 1 on one arc and good: ``min(offer, request)`` (``exchange.propose``).

    ``offer = surplus_i * (offer_weight / offer_sum_i)``: the share is computed first, so it is
    at most 1 even for vanishing weights (no overflow), and the same for the request.
    """
    return _minimum(
        surplus * _ratio(offer_weight, offer_sum), deficit * _ratio(request_weight, request_sum)
    )


@_jit_inline
def _arc_proposal(
    table, separable, f_offer, f_request, w_offer, w_request, i, j, a, g
):  # pragma: no cover - compiled
    """Proposed flow of good ``g`` on arc ``a = i -> j``."""
    if separable:
        return _proposed(
            table[i, SURPLUS, g],
            f_offer[a] * table[j, DEFICIT, g],
            table[i, OFFER_SUM, g],
            table[j, DEFICIT, g],
            f_request[a] * table[i, SURPLUS, g],
            table[j, REQUEST_SUM, g],
        )
    return _proposed(
        table[i, SURPLUS, g],
        w_offer[a, g],
        table[i, OFFER_SUM, g],
        table[j, DEFICIT, g],
        w_request[a, g],
        table[j, REQUEST_SUM, g],
    )


@_jit
def negotiate_links(
    src,
    dst,
    arc_from,
    arc_to,
    surplus,
    deficit,
    separable,
    f_offer,
    f_request,
    w_offer,
    w_request,
    give_u,
    receive_u,
    price,
    bias,
    size,
    keep,
    draws,
    width,
    tol,
    money_on,
    money_share,
    reserve,
    degree,
    engineering_left,
    engineering_scale,
    use_totals,
    in_pair,
    given_total,
    received_total,
    table,
    record,
    traded,
    flow,
    money_out,
    deal,
    perceived,
    balance,
    engineering,
    moving,
):  # pragma: no cover - compiled
    """Stages 1 to 3 of the negotiation on every link; fills the outcome arrays in place.

    Args:
        src: Lower end of each link (E,), int32.
        dst: Upper end of each link (E,), int32.
        arc_from: Origin of each arc (A,): ``src`` then ``dst``.
        arc_to: End of each arc (A,): ``dst`` then ``src``.
        surplus: Surplus per territory and good (N, G).
        deficit: Deficit per territory and good (N, G).
        separable: Whether the partner weights are given by ``f_offer`` and ``f_request``
            (see :func:`_territory_table`) rather than by ``w_offer`` and ``w_request``.
        f_offer: Per-arc factor of the offer weights (A,) (separable rules).
        f_request: Per-arc factor of the request weights (A,) (separable rules).
        w_offer: Offer weights (A, G) (other rules).
        w_request: Request weights (A, G) (other rules).
        give_u: Unit values of what is given, (N, G) or (1, G) (same for every territory).
        receive_u: Unit values of what is received, (N, G) or (1, G).
        price: Reference prices (G,).
        bias: Representation bias per arc (A,).
        size: Trust and distance factor per link (E,).
        keep: ``(1 - kappa)^2`` per link (E,), ``kappa`` its transaction cost.
        draws: Uniform draw per link (E,); a link accepts iff its draw is below its share.
        width: ``acceptance_width``.
        tol: ``1 - reciprocity_tolerance``.
        money_on: Whether money may compensate (ODD 7.4.3).
        money_share: Share of its reserve a territory may pay per link and step.
        reserve: Reserves (N,).
        degree: Links per territory, at least 1 (N,) (read only if ``money_on``).
        engineering_left: Engineering each territory has left (N,).
        engineering_scale: Value of deals one unit of engineering handles.
        use_totals: Whether there are blocs (ODD 7.4.3); then the links flagged by
            ``in_pair`` read their parties' ``G`` and ``R`` from the next two arrays.
        in_pair: Whether each link is between a bloc and another party (E,) (if
            ``use_totals``).
        given_total: ``G`` of each arc as its party negotiates it (A,)
            (``exchange.bloc_totals``; read only on the links in a pair).
        received_total: ``R`` of each arc as its party negotiates it (A,).
        table: Scratch, (N, 4, G) (:class:`Workspace`).
        record: Scratch, (E, 10 + 2 G).
        traded: Scratch, (E,) int64.
        flow: Output, units delivered per arc (A, G).
        money_out: Output, money paid per arc (A,).
        deal: Output, whether each link made a deal (E,).
        perceived: Output, perceived balance per arc (A,).
        balance: Output, reciprocity balance per link (E,).
        engineering: Output, engineering used per territory (N,).
        moving: Output, the links along which something moves, ascending, in the first
            entries (E,) int64.

    Returns:
        How many entries of ``moving`` are filled.
    """
    e = src.size
    n, g_count = surplus.shape
    has_surplus, has_deficit, use_masks = _good_masks(
        surplus, deficit, separable, f_offer, f_request
    )
    _territory_table(
        table,
        arc_from,
        arc_to,
        surplus,
        deficit,
        separable,
        f_offer,
        f_request,
        w_offer,
        w_request,
        has_surplus,
        has_deficit,
        use_masks,
    )
    per_row_give = give_u.shape[0] > 1
    per_row_receive = receive_u.shape[0] > 1
    load_src = np.zeros(n)
    load_dst = np.zeros(n)
    n_traded = 0
    # Pass 1 over links: proposals, reciprocity, money, value before rationing, load. A link
    # where no good can go one way gives nothing that way (G = 0): it is not feasible and
    # all its values are 0, so it gets no record; with money or on a pair's link (whose
    # parties' totals decide), only a link where nothing can go either way is left out.
    for k in range(e):
        i = src[k]
        j = dst[k]
        b = k + e
        pair = use_totals and in_pair[k]
        mask_a = mask_b = 0  # without masks, every good
        if use_masks:
            mask_a = has_surplus[i] & has_deficit[j]
            mask_b = has_surplus[j] & has_deficit[i]
            if pair or money_on:
                if mask_a == 0 and mask_b == 0:
                    continue
            elif mask_a == 0 or mask_b == 0:
                continue
        gi = i if per_row_give else 0
        gj = j if per_row_give else 0
        ri = i if per_row_receive else 0
        rj = j if per_row_receive else 0
        # -0.0 is the identity of addition (-0.0 + x == x, even for x = -0.0): the sums
        # equal numpy's, which start with their first term
        given_a = given_b = recv_a = recv_b = value_a = value_b = -0.0
        for g in range(g_count):
            pa = 0.0
            pb = 0.0
            if not use_masks or (mask_a >> g) & 1:
                pa = _arc_proposal(
                    table, separable, f_offer, f_request, w_offer, w_request, i, j, k, g
                )
            if not use_masks or (mask_b >> g) & 1:
                pb = _arc_proposal(
                    table, separable, f_offer, f_request, w_offer, w_request, j, i, b, g
                )
            record[n_traded, RECORD_FIELDS + g] = pa
            record[n_traded, RECORD_FIELDS + g_count + g] = pb
            given_a += pa * give_u[gi, g]
            given_b += pb * give_u[gj, g]
            recv_a += pb * receive_u[ri, g]
            recv_b += pa * receive_u[rj, g]
            value_a += pa * price[g]
            value_b += pb * price[g]
        recv_a = (1.0 - bias[k]) * recv_a
        recv_b = (1.0 - bias[b]) * recv_b
        if pair:  # the parties' totals (ODD 7.4.3, blocs)
            total_given_a = given_total[k]
            total_given_b = given_total[b]
            total_recv_a = received_total[k]
            total_recv_b = received_total[b]
        else:
            total_given_a = given_a
            total_given_b = given_b
            total_recv_a = recv_a
            total_recv_b = recv_b
        ratio_a = _reciprocity_ratio(total_recv_a, tol * total_given_a)
        ratio_b = _reciprocity_ratio(total_recv_b, tol * total_given_b)
        feasible = (
            (total_given_a > 0)
            and (total_given_b > 0)
            and (draws[k] < _acceptance_share(ratio_a * ratio_b * keep[k], width))
        )
        trim_a = min(1.0, ratio_a) if feasible else 0.0
        trim_b = min(1.0, ratio_b) if feasible else 0.0
        money_a = 0.0
        money_b = 0.0
        if money_on:
            # the parties' gaps, shared by what this link gives (exchange._pay_gaps)
            pair_gap_a = max(tol * total_given_a - total_recv_a, 0.0)
            pair_gap_b = max(tol * total_given_b - total_recv_b, 0.0)
            gap_a = pair_gap_a * _ratio(given_a, total_given_a)  # owed to i by j
            gap_b = pair_gap_b * _ratio(given_b, total_given_b)  # owed to j by i
            cap_a = money_share * reserve[j] / degree[j]
            cap_b = money_share * reserve[i] / degree[i]
            ok_a = (
                (given_a > 0)
                and (gap_a > 0)
                and (gap_a <= cap_a)
                and (total_recv_b >= ACCEPT_RATIO * (tol * (total_given_b + pair_gap_a)))
            )
            ok_b = (
                (given_b > 0)
                and (gap_b > 0)
                and (gap_b <= cap_b)
                and (total_recv_a >= ACCEPT_RATIO * (tol * (total_given_a + pair_gap_b)))
            )
            one_a = (ok_a != ok_b) and ok_a
            one_b = (ok_a != ok_b) and ok_b
            if one_a or one_b:
                trim_a = 1.0
                trim_b = 1.0
            money_a = gap_b if one_b else 0.0  # paid along a (by i): what j is owed
            money_b = gap_a if one_a else 0.0
        value_a = (value_a * trim_a + money_a) * size[k]
        value_b = (value_b * trim_b + money_b) * size[k]
        t = n_traded
        traded[t] = k
        n_traded += 1
        record[t, GIVEN_A] = given_a
        record[t, GIVEN_B] = given_b
        record[t, RECV_A] = recv_a
        record[t, RECV_B] = recv_b
        record[t, TRIM_A] = trim_a
        record[t, TRIM_B] = trim_b
        record[t, MONEY_A] = money_a
        record[t, MONEY_B] = money_b
        record[t, VALUE_A] = value_a
        record[t, VALUE_B] = value_b
        load_src[i] += value_a + value_b
        load_dst[j] += value_a + value_b
    rho = np.empty(n)
    for i in range(n):
        load = load_src[i] + load_dst[i]
        capacity = max(engineering_left[i], 0.0) * engineering_scale
        rho[i] = min(1.0, _ratio(capacity, load)) if load > 0 else 1.0
    used_src = np.zeros(n)
    used_dst = np.zeros(n)
    count = 0
    t = 0
    # Pass 2 over links: rationing, flows (the proposals of pass 1 times the link's scales),
    # outcome
    for k in range(e):
        b = k + e
        if t == n_traded or traded[t] != k:  # no proposal either way: nothing at all
            for g in range(g_count):
                flow[k, g] = 0.0
                flow[b, g] = 0.0
            money_out[k] = 0.0
            money_out[b] = 0.0
            deal[k] = False
            perceived[k] = 1.0
            perceived[b] = 1.0
            balance[k] = np.nan
            continue
        i = src[k]
        j = dst[k]
        c = min(rho[i], rho[j])
        common = size[k] * c
        scale_a = record[t, TRIM_A] * common
        scale_b = record[t, TRIM_B] * common
        moves = False
        for g in range(g_count):
            flow[k, g] = record[t, RECORD_FIELDS + g] * scale_a
            flow[b, g] = record[t, RECORD_FIELDS + g_count + g] * scale_b
            moves = moves or flow[k, g] != 0.0 or flow[b, g] != 0.0
        money_out[k] = record[t, MONEY_A] * common
        money_out[b] = record[t, MONEY_B] * common
        if moves or money_out[k] != 0.0 or money_out[b] != 0.0:
            moving[count] = k
            count += 1
        value_a = record[t, VALUE_A] * c
        value_b = record[t, VALUE_B] * c
        dealt = (value_a + value_b) > 1e-12
        deal[k] = dealt
        recv_a = record[t, RECV_A] * record[t, TRIM_B] + record[t, MONEY_B]
        recv_b = record[t, RECV_B] * record[t, TRIM_A] + record[t, MONEY_A]
        give_a = record[t, GIVEN_A] * record[t, TRIM_A] + record[t, MONEY_A]
        give_b = record[t, GIVEN_B] * record[t, TRIM_B] + record[t, MONEY_B]
        perceived[k] = min(1.0, _ratio(recv_a, give_a)) if (dealt and give_a > 0) else 1.0
        perceived[b] = min(1.0, _ratio(recv_b, give_b)) if (dealt and give_b > 0) else 1.0
        if dealt:
            balance[k] = _ratio(min(value_a, value_b), max(value_a, value_b))
        else:
            balance[k] = np.nan
        used_src[i] += value_a + value_b
        used_dst[j] += value_a + value_b
        t += 1
    for i in range(n):
        engineering[i] = (used_src[i] + used_dst[i]) / engineering_scale
    return count


# ------------------------------------------------------------------------------------------
# Delivery (ODD 7.4.4)
# ------------------------------------------------------------------------------------------
@_jit
def deliver_arcs(
    src, dst, flow, money, available, reserve, volume, moving, use_moving
):  # pragma: no cover - compiled
    """Move goods and money along arcs; returns the new ``(available, reserve)``.

    ``at_hand(available + sum_by_end(flow) - sum_by_origin(flow))`` (rounding below zero
    clamped, :func:`terrisim.state.at_hand`; money as it is), and adds
    the column sums of ``flow`` (over arcs in ascending order) to ``volume`` (G,). Arcs are
    read in ascending order: the forward arcs ``k``, then the reverse arcs ``k + E``; with
    ``use_moving``, only those of the links listed in ``moving`` (ascending, as the
    negotiation kernel lists them), otherwise of every link, skipping the arcs that move
    nothing. Adding zeros changes no sum (the sums start from +0.0, so none is -0.0), so both
    ways give the same sums.
    """
    e = src.size
    n, g_count = available.shape
    into = np.zeros((n, g_count))
    out = np.zeros((n, g_count))
    money_in = np.zeros(n)
    money_out = np.zeros(n)
    links = moving.size if use_moving else e
    for half in range(2):
        for t in range(links):
            k = moving[t] if use_moving else t
            a = k + half * e
            i = src[k] if half == 0 else dst[k]
            j = dst[k] if half == 0 else src[k]
            if not use_moving:  # skip the arcs that move nothing (most of them)
                moves = money[a] != 0.0
                for g in range(g_count):
                    if flow[a, g] != 0.0:
                        moves = True
                        break
                if not moves:
                    continue
            for g in range(g_count):
                x = flow[a, g]
                out[i, g] += x
                into[j, g] += x
                volume[g] += x
            money_out[i] += money[a]
            money_in[j] += money[a]
    new_available = np.empty((n, g_count))
    new_reserve = np.empty(n)
    for i in range(n):
        for g in range(g_count):
            x = available[i, g] + into[i, g] - out[i, g]
            # rounding below zero is clamped, as state.at_hand does (ODD 7.4.5)
            new_available[i, g] = 0.0 if x < 0.0 else x
        new_reserve[i] = reserve[i] + money_in[i] - money_out[i]
    return new_available, new_reserve
