"""Helpers shared by the governance rules: members, arcs, new links, labels (ODD 7.5).

* :class:`MembershipParams` and :func:`select_members`: the members of an institution, by
  ids, or by kinds within a radius of a pole (a "project territory"), ordered by distance to
  the pole;
* :func:`arc_of`: the arc index of ``i -> j`` on a known link (arcs move when links are added,
  link indices do not, so institutions keep link indices and ask for arcs when they need them);
* :func:`connect`: links for distant pairs, with initial trust and representations as in
  ODD 5.2 (no history of tension: the relation is new);
* :func:`label`: "Name (kind)" in French or English, for the narrative;
* :func:`unmet_share`: the good-weighted share of needs not covered by what is at hand;
* :func:`pool_pairs`: who gives what to whom when members pool goods.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.errors import ScenarioError
from terrisim.scenario.layout import LINK_KINDS

if TYPE_CHECKING:
    from terrisim.services import ModelServices
    from terrisim.state import TerritoryState

KIND_LABELS: dict[str, tuple[str, str]] = {
    "metropolis": ("métropole", "metropolis"),
    "town": ("ville", "town"),
    "periurban": ("territoire périurbain", "periurban area"),
    "rural": ("territoire rural", "rural area"),
    "mountain": ("territoire de montagne", "mountain area"),
}


def label(state: TerritoryState, i: int, language: str) -> str:
    """``"Name (kind)"`` for the narrative, e.g. ``"Aurillac (territoire rural)"``."""
    kind = state.kinds[state.kind[i]]
    fr, en = KIND_LABELS.get(kind, (kind, kind))
    return f"{state.names[i]} ({fr if language == 'fr' else en})"


def labels(state: TerritoryState, i: int, prefix: str) -> dict[str, str]:
    """``{prefix_fr: ..., prefix_en: ...}`` for :meth:`TerriModel.log_event`."""
    return {f"{prefix}_fr": label(state, i, "fr"), f"{prefix}_en": label(state, i, "en")}


def index_of(state: TerritoryState, ids: list[str], where: str) -> np.ndarray:
    """Indices of territories given by id.

    Raises:
        ScenarioError: an unknown id (the message names the field ``where``).
    """
    lookup = {str(t): i for i, t in enumerate(state.ids)}
    out = []
    for tid in ids:
        if tid not in lookup:
            raise ScenarioError(
                f"{where}: no territory has id {tid!r} (ids look like {state.ids[0]!r})"
            )
        out.append(lookup[tid])
    return np.array(out, dtype=np.int64)


def pole_of(state: TerritoryState, pole: str, where: str) -> int:
    """The pole: a territory id, or ``""`` for the most populous urban territory."""
    if pole:
        return int(index_of(state, [pole], f"{where}.pole")[0])
    candidates = np.flatnonzero(state.urban) if state.urban.any() else np.arange(state.n)
    return int(candidates[np.argmax(state.population[candidates])])


def kinds_mask(state: TerritoryState, kinds: list[str], where: str) -> np.ndarray:
    """Territories of the given kinds or classes; all if ``kinds`` is empty.

    A name is a kind if some kind has that name, else a class: ``urban`` (kinds marked
    urban) or ``rural`` (the others), as for shock targets (ODD 7.8). With the default
    catalogue ``"rural"`` is the kind ``rural`` alone.
    """
    if not kinds:
        return np.ones(state.n, bool)
    allowed = list(dict.fromkeys([*state.kinds, "urban", "rural"]))
    mask = np.zeros(state.n, bool)
    for name in kinds:
        if name in state.kinds:
            mask |= state.kind == list(state.kinds).index(name)
        elif name in ("urban", "rural"):
            mask |= state.urban if name == "urban" else ~state.urban
        else:
            raise ScenarioError(f"{where}: unknown kind {name!r}; allowed: {allowed}")
    return mask


class MembershipParams(BaseModel):
    """Who belongs to an institution: the parameters :func:`select_members` reads.

    An institution's ``Params`` subclass it and add ``pole`` and ``radius_km`` (their defaults
    and meaning differ) and their own parameters.
    """

    model_config = ConfigDict(extra="forbid", strict=True)
    ids: list[str] = Field(
        default_factory=list, description="Members by id; empty: kinds within radius_km."
    )
    kinds: list[str] = Field(
        default_factory=list, description="Kinds or classes of members; empty: all."
    )


def select_members(
    state: TerritoryState,
    *,
    ids: list[str],
    kinds: list[str],
    pole: str,
    radius_km: float,
    inclusiveness: float = 1.0,
    where: str = "governance",
    institution: str = "an institution",
) -> tuple[np.ndarray, int]:
    """Members of an institution, nearest to the pole first, and the pole.

    Members are the territories of ``ids`` if given; otherwise the territories of ``kinds``
    (all kinds if empty) within ``radius_km`` of the pole (``inf``: everywhere), plus the pole.
    ``inclusiveness`` in (0, 1] keeps the ``ceil(inclusiveness * M)`` members nearest to the
    pole (the core of the project territory).

    Returns:
        The member indices (ordered by distance to the pole) and the pole index.

    Raises:
        ScenarioError: fewer than 2 members ("``institution`` needs at least 2 members"),
            an unknown id, kind or pole.
    """
    p = pole_of(state, pole, where)
    if ids:
        members = np.unique(index_of(state, ids, f"{where}.ids"))
    else:
        distance = np.hypot(*(state.xy - state.xy[p]).T)
        mask = kinds_mask(state, kinds, f"{where}.kinds") & (distance <= radius_km)
        mask[p] = True
        members = np.flatnonzero(mask)
    distance = np.hypot(*(state.xy[members] - state.xy[p]).T)
    members = members[np.lexsort((members, distance))]
    keep = max(1, math.ceil(inclusiveness * members.size - 1e-9))
    if keep < 2:
        raise ScenarioError(
            f"{where}: {institution} needs at least 2 members, found {keep} "
            "(widen radius_km or list ids)"
        )
    return members[:keep], p


def arc_of(state: TerritoryState, link: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Arc index of ``origin -> other end`` on each link (``link`` and ``origin`` aligned)."""
    link = np.asarray(link, dtype=np.int64)
    return np.where(state.src[link] == origin, link, link + state.n_links)


def connect(model: ModelServices, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Link indices of the pairs ``(a, b)``, adding the missing links (set-up only).

    New links are of kind ``contract``. Their arcs get the trust of a relation with no history
    of tension, ``initial * (1 - cleavage_weight * |leaning_i - leaning_j| / 2)``, and the
    representation bias of the kinds (ODD 5.2).
    """
    s = model.state
    before = s.n_links
    links = s.add_links(
        np.asarray(a), np.asarray(b), LINK_KINDS.index("contract"), model.config.trust.initial, 0.0
    )
    new = np.arange(before, s.n_links)
    if new.size:
        spec = model.config.trust
        arcs = np.concatenate([new, new + s.n_links])
        i, j = s.arc_from[arcs], s.arc_to[arcs]
        t0 = spec.initial * (1.0 - spec.cleavage_weight * np.abs(s.leaning[i] - s.leaning[j]) / 2.0)
        s.trust[arcs] = np.clip(t0, 0.0, 1.0)
        s.trust_baseline[arcs] = s.trust[arcs]
        s.bias[arcs] = [_bias(model, int(x), int(y)) for x, y in zip(i, j, strict=True)]
    return links


def _bias(model: ModelServices, i: int, j: int) -> float:
    """Representation bias of ``i`` about ``j``: by kinds, else by classes (ODD 5.2)."""
    s, table = model.state, model.config.trust.bias
    ki, kj = s.kinds[s.kind[i]], s.kinds[s.kind[j]]
    ci, cj = ("urban" if s.urban[i] else "rural"), ("urban" if s.urban[j] else "rural")
    return float(table.get(f"{ki}->{kj}", table.get(f"{ci}->{cj}", 0.0)))


def unmet_share(state: TerritoryState) -> np.ndarray:
    """Good-weighted share of needs not covered by ``available`` (N,), in [0, 1].

    ``u_i = sum_g w_g max(0, 1 - available[i,g] / n[i,g]) / sum_g w_g`` (0 where no need).
    """
    need = state.effective_need
    with np.errstate(over="ignore"):  # a tiny need: cover is inf, unmet 0
        cover = np.divide(state.available, need, out=np.ones_like(need), where=need > 0)
    return np.maximum(1.0 - cover, 0.0) @ state.good_weight / state.good_weight.sum()


def capped_ratio(have: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """``min(1, have / asked)``, 1 where nothing is asked (the share of a claim that is met)."""
    have, asked = np.broadcast_arrays(np.asarray(have, float), np.asarray(asked, float))
    with np.errstate(over="ignore"):  # a tiny claim: the ratio is inf, the share 1
        return np.minimum(1.0, np.divide(have, asked, out=np.ones(have.shape), where=asked > 0))


def expected_production(state: TerritoryState) -> np.ndarray:
    """Production expected this step, ``capacity * production_factor * h'`` (N, G) (ODD 7.1)."""
    return state.production


def pool_pairs(give: np.ndarray, take: np.ndarray) -> tuple[np.ndarray, ...]:
    """Route what members give to what members take, good by good, through a common pool.

    ``give`` and ``take`` are (m, G), non-negative, with ``give.sum(0) == take.sum(0)``. The
    pool is filled by givers in member order and emptied by takers in member order (the two
    cumulative sums are merged, up to the smaller of their last values), so each giver gives
    ``give`` and each taker receives ``take`` with at most ``givers + takers - 1`` pairs per
    good: O(m log m), fit for mergers of thousands of communes. The pieces are differences of
    the cumulative sums, rounded to their size: the pieces of a giver that add up to more than
    its ``give`` are scaled by ``give / sum`` (what remains, a few units in the last place of
    ``give``, ``model.transfer`` clamps).

    Returns:
        ``(i, j, amounts)``: member positions (k,) and amounts (k, G) of the pairs.
    """
    m, n_goods = give.shape
    rows_i, rows_j, rows_g, rows_x = [], [], [], []
    for g in range(n_goods):
        cum_give, cum_take = np.cumsum(give[:, g]), np.cumsum(take[:, g])
        # the pool holds what the cumulative sums say: a total from ``sum`` (pairwise) may
        # exceed the last cumulative sum by a rounding, a cut no giver covers
        total = min(cum_give[-1], cum_take[-1]) if m else 0.0
        if total <= 0:
            continue
        cuts = np.unique(np.clip(np.concatenate([[0.0], cum_give, cum_take]), 0.0, total))
        amount = np.diff(cuts)
        middle = cuts[:-1] + amount / 2
        keep = amount > 0
        giver = np.minimum(np.searchsorted(cum_give, middle[keep], side="right"), m - 1)
        amount = amount[keep]
        # a piece is a difference of cumulative sums, rounded to their size: a small giver
        # after large ones may get pieces adding up to more than it gives; scale them down
        given = np.bincount(giver, amount, m)
        over = given > give[:, g]
        amount = amount * np.where(over, give[:, g] / np.where(over, given, 1.0), 1.0)[giver]
        rows_i.append(giver)
        rows_j.append(np.minimum(np.searchsorted(cum_take, middle[keep], side="right"), m - 1))
        rows_g.append(np.full(amount.size, g))
        rows_x.append(amount)
    if not rows_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, n_goods))
    i, j, g, x = (np.concatenate(r) for r in (rows_i, rows_j, rows_g, rows_x))
    keys, inverse = np.unique(i * m + j, return_inverse=True)
    amounts = np.zeros((keys.size, n_goods))
    np.add.at(amounts, (inverse, g), x)
    return keys // m, keys % m, amounts


def suffixed(columns: dict[str, object], suffix: str) -> dict[str, object]:
    """Add ``_<suffix>`` to every column name (when an institution has a ``label``)."""
    if not suffix:
        return columns
    return {f"{k}_{suffix}": v for k, v in columns.items()}
