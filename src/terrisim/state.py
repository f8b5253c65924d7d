"""The model's state: numpy arrays over territories, goods, links and arcs (ODD 2).

Links are undirected, stored once as ``src < dst`` (E links). Directed quantities (trust,
representation bias, flows) live on *arcs*: arc ``a < E`` goes ``src[a] -> dst[a]`` and arc
``a + E`` goes ``dst[a] -> src[a]``; ``reverse(a) = (a + E) mod 2E``. Trust on arc ``i -> j`` is
how much ``i`` trusts ``j``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from terrisim.scenario.layout import Layout
from terrisim.scenario.schema import Scenario


@dataclass
class TerritoryState:
    """All state variables of territories and links, as arrays (ODD 2, table of variables).

    Shapes: N territories, G goods, E links, A = 2E arcs. Quantities are per step.
    """

    # --- territories (N) and goods (G)
    ids: np.ndarray
    names: np.ndarray
    kind: np.ndarray
    kinds: tuple[str, ...]
    urban: np.ndarray
    population: np.ndarray
    xy: np.ndarray
    goods: tuple[str, ...]
    storable: np.ndarray
    public: np.ndarray
    market: np.ndarray
    price: np.ndarray
    decay: np.ndarray
    good_weight: np.ndarray
    capacity: np.ndarray
    need: np.ndarray
    stock: np.ndarray
    stock_cap: np.ndarray
    fiscal_base: np.ndarray
    grant: np.ndarray
    spending: np.ndarray
    reserve: np.ndarray
    reserve_target: np.ndarray
    upkeep: np.ndarray
    engineering: np.ndarray
    leaning: np.ndarray
    # --- links (E) and arcs (A = 2E)
    src: np.ndarray
    dst: np.ndarray
    distance: np.ndarray
    link_kind: np.ndarray
    trust: np.ndarray
    trust_baseline: np.ndarray
    bias: np.ndarray
    cost_discount: np.ndarray
    # --- a history of tension on each link (E,), drawn at set-up (ODD 5.2); links added later
    # have none
    tension: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # --- commuting links (K): home (non-urban) end, work (pole) end, share of the home's need
    commute_home: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    commute_work: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    commute_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # --- blocs that negotiate outside as one (ODD 7.4.3): bloc id per territory (N,), -1 for
    # none; None: no bloc at all (set by a merger acting as one, 7.5)
    bloc: np.ndarray | None = None
    # --- modifiers set by shocks and governance each step (1 = no effect)
    production_factor: np.ndarray = field(init=False)
    need_factor: np.ndarray = field(init=False)
    grant_factor: np.ndarray = field(init=False)
    spending_factor: np.ndarray = field(init=False)
    # --- results of the current step
    available: np.ndarray = field(init=False)
    consumed: np.ndarray = field(init=False)
    satisfaction: np.ndarray = field(init=False)
    fiscal_health: np.ndarray = field(init=False)
    investment: np.ndarray = field(init=False)
    capital: np.ndarray = field(init=False)
    skill: np.ndarray = field(init=False)
    bought: np.ndarray = field(init=False)
    sold: np.ndarray = field(init=False)
    engineering_used: np.ndarray = field(init=False)
    flow: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, g = self.capacity.shape
        self.production_factor = np.ones((n, g))
        self.need_factor = np.ones((n, g))
        self.grant_factor = np.ones(n)
        self.spending_factor = np.ones(n)
        self.available = self.stock.copy()
        self.consumed = np.zeros((n, g))
        self.satisfaction = np.zeros((n, g))
        self.fiscal_health = np.ones(n)
        self.investment = np.zeros(n)
        self.capital = np.ones(n)
        self.skill = np.ones((n, g))
        self.bought = np.zeros((n, g))
        self.sold = np.zeros((n, g))
        self.engineering_used = np.zeros(n)
        self.flow = np.zeros((2 * self.n_links, g))
        if self.tension.size != self.n_links:
            self.tension = np.zeros(self.n_links, bool)
        self._index_arcs()

    @property
    def n(self) -> int:
        """Number of territories."""
        return self.population.size

    @property
    def n_links(self) -> int:
        """Number of undirected links."""
        return self.src.size

    def _incidence(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Sparse (N, A) matrices summing arc values by origin and by end territory (cached).

        Within a row the arcs are in ascending order, so a territory's sum adds its arcs by
        ascending arc index, like ``np.bincount`` (and the compiled kernels).
        """
        cached = getattr(self, "_incidence_cache", None)
        if cached is None or cached[0].shape[1] != 2 * self.n_links:
            arcs = np.arange(2 * self.n_links, dtype=np.int32)
            ones = np.ones(arcs.size)
            shape = (self.n, arcs.size)
            cached = (
                sparse.csr_matrix((ones, (self.arc_from, arcs)), shape=shape),
                sparse.csr_matrix((ones, (self.arc_to, arcs)), shape=shape),
            )
            self._incidence_cache = cached
        return cached

    def sum_by_origin(self, arc_values: np.ndarray) -> np.ndarray:
        """Sum arc values (A,) or (A, G) over the arcs leaving each territory."""
        if np.ndim(arc_values) == 1:
            return np.bincount(self.arc_from, arc_values, self.n)
        return self._incidence()[0] @ arc_values

    def sum_by_end(self, arc_values: np.ndarray) -> np.ndarray:
        """Sum arc values (A,) or (A, G) over the arcs arriving at each territory."""
        if np.ndim(arc_values) == 1:
            return np.bincount(self.arc_to, arc_values, self.n)
        return self._incidence()[1] @ arc_values

    def at_origin(self, values: np.ndarray) -> np.ndarray:
        """Territory values (N,) or (N, G) taken at each arc's origin: ``values[arc_from]``.

        ``np.take`` along axis 0 gives the same array as fancy indexing, faster for (N, G)
        rows (docs/performance.md).
        """
        return np.take(values, self.arc_from, axis=0)

    def at_end(self, values: np.ndarray) -> np.ndarray:
        """Territory values (N,) or (N, G) taken at each arc's end: ``values[arc_to]``."""
        return np.take(values, self.arc_to, axis=0)

    @property
    def degree(self) -> np.ndarray:
        """Number of links of each territory, at least 1 (N,), float (cached)."""
        cached = getattr(self, "_degree_cache", None)
        if cached is None or cached[0] != self.n_links:
            cached = (
                self.n_links,
                np.maximum(np.bincount(self.arc_from, minlength=self.n).astype(float), 1.0),
            )
            self._degree_cache = cached
        return cached[1]

    def _index_arcs(self) -> None:
        """Set ``arc_from`` and ``arc_to``: origin and end territory of each arc (A,), int32."""
        index = np.int32 if self.n < 2**31 else np.int64
        self.src = np.ascontiguousarray(self.src, dtype=index)
        self.dst = np.ascontiguousarray(self.dst, dtype=index)
        self.arc_from = np.concatenate([self.src, self.dst])
        self.arc_to = np.concatenate([self.dst, self.src])

    def parties(self) -> np.ndarray:
        """Who acts for each territory (N,), int64: itself, party ``i``, or its bloc, ``N + B``.

        The members of bloc ``B`` (``bloc >= 0``: a merger acting as one, ODD 7.5.3) negotiate
        outside (7.4.3) and answer calls for projects (7.5.4) as one party.
        """
        own = np.arange(self.n, dtype=np.int64)
        if self.bloc is None:
            return own
        return np.where(self.bloc >= 0, self.n + self.bloc, own).astype(np.int64)

    def reverse(self, arc_values: np.ndarray) -> np.ndarray:
        """Values of the reverse arcs: ``out[a] = arc_values[reverse(a)]``."""
        e = self.n_links
        return np.concatenate([arc_values[e:], arc_values[:e]])

    @property
    def production(self) -> np.ndarray:
        """This step's production, ``capacity * skill * production_factor * h'`` (ODD 7.1).

        ``h'`` is ``fiscal_health * capital`` (of the previous step) for public goods, 1 for
        the others; ``skill`` is the specialisation of 7.12 (1 unless it is switched on).
        Shape (N, G).
        """
        public = self.fiscal_health * self.capital
        factor = self.production_factor * np.where(self.public[None, :], public[:, None], 1.0)
        return self.capacity * self.skill * factor

    @property
    def effective_need(self) -> np.ndarray:
        """Need after shocks: ``need * need_factor`` (N, G)."""
        return self.need * self.need_factor

    @property
    def satisfaction_mean(self) -> np.ndarray:
        """Overall satisfaction of each territory: good-weighted mean over goods (N,)."""
        return self.mean_satisfaction()

    def mean_satisfaction(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Good-weighted mean satisfaction of some territories (all by default).

        ``sum_g satisfaction[:, g] * good_weight[g] / sum(good_weight)``, summed over goods
        left to right (no BLAS call: the same value for a territory whichever rows are asked
        for, and no thread start-up on large arrays).
        """
        sat = self.satisfaction if rows is None else np.take(self.satisfaction, rows, axis=0)
        total = sat[:, 0] * self.good_weight[0]
        for g in range(1, sat.shape[1]):
            total = total + sat[:, g] * self.good_weight[g]
        return total / self.good_weight.sum()

    def kind_mask(self, name: str) -> np.ndarray:
        """Boolean mask of territories of a kind (or the classes 'urban' and 'rural')."""
        if name == "urban":
            return self.urban.copy()
        if name == "rural":
            return ~self.urban
        return self.kind == self.kinds.index(name)

    def add_links(
        self, src: np.ndarray, dst: np.ndarray, kind: int, trust: np.ndarray, bias: np.ndarray
    ) -> np.ndarray:
        """Add links not present yet (set-up only); return the link index of every pair."""
        existing = {
            (int(a), int(b)): e for e, (a, b) in enumerate(zip(self.src, self.dst, strict=True))
        }
        index = []
        new_src, new_dst = [], []
        for a, b in zip(src, dst, strict=True):
            key = (min(int(a), int(b)), max(int(a), int(b)))
            if key not in existing:
                existing[key] = self.n_links + len(new_src)
                new_src.append(key[0])
                new_dst.append(key[1])
            index.append(existing[key])
        if new_src:
            e_old, k = self.n_links, len(new_src)
            ns, nd = np.array(new_src, np.int32), np.array(new_dst, np.int32)
            # arcs of new links: forward arcs (ns -> nd), then reverse arcs
            fwd = np.full(k, trust[0] if np.ndim(trust) else trust, float)
            self.trust = np.concatenate([self.trust[:e_old], fwd, self.trust[e_old:], fwd])
            self.trust_baseline = np.concatenate(
                [self.trust_baseline[:e_old], fwd, self.trust_baseline[e_old:], fwd]
            )
            b = np.full(k, bias if np.ndim(bias) == 0 else bias[0], float)
            self.bias = np.concatenate([self.bias[:e_old], b, self.bias[e_old:], b])
            self.src = np.concatenate([self.src, ns])
            self.dst = np.concatenate([self.dst, nd])
            self.distance = np.concatenate(
                [self.distance, np.hypot(*(self.xy[ns] - self.xy[nd]).T)]
            )
            self.link_kind = np.concatenate([self.link_kind, np.full(k, kind, np.int8)])
            self.cost_discount = np.concatenate([self.cost_discount, np.zeros(k)])
            self.tension = np.concatenate([self.tension, np.zeros(k, bool)])
            self.flow = np.zeros((2 * self.n_links, len(self.goods)))
            self._index_arcs()
        return np.array(index, dtype=np.int64)


def keyed_cache(
    store: dict[str, Any],
    compute: Callable[[], Any],
    *,
    same: dict[str, object] | None = None,
    equal: dict[str, Any] | None = None,
) -> Any:
    """``compute()``, kept in ``store`` while what it was computed from stays as it was.

    Args:
        store: The cache (a dict the caller keeps; empty at first).
        compute: Computes the value.
        same: Objects the value depends on by identity (the state's ``src`` and ``dst``:
            replaced, never changed in place, when links are added).
        equal: Arrays (or tuples) the value depends on by content: copies are kept and
            compared at each call.

    Returns:
        The value computed at the first call, or again since ``same`` or ``equal`` changed.
    """
    same, equal = same or {}, equal or {}
    if not (
        store
        and all(store[k] is v for k, v in same.items())
        and all(np.array_equal(store[k], v) for k, v in equal.items())
    ):
        store.clear()
        store.update(same)
        store.update({k: np.array(v, copy=True) for k, v in equal.items()})
        store["value"] = compute()
    return store["value"]


def at_hand(available: np.ndarray) -> np.ndarray:
    """Goods at hand after a move, with what rounding left below zero set to 0 (ODD 7.2).

    A territory that gives all it has, split among several receivers (commuters, a pool's
    pairs, arcs), may give a few units in the last place more than it had: ``x - y`` with
    ``y`` the sum of the parts of ``x``. Every move that splits a quantity into parts
    (delivery along arcs, commuting, ``model.transfer``) ends with this clamp, so that no quantity at hand is ever
    negative and consumption ``min(available, need)`` stays in ``[0, need]``. Values >= 0
    (``-0.0`` included) and NaN are kept as they are; the numba delivery kernel applies the
    same test (``x < 0``).
    """
    return np.where(available < 0.0, 0.0, available)


def _kind_table(scenario: Scenario, layout: Layout, attribute: str) -> np.ndarray:
    values = np.array([getattr(scenario.kinds[k], attribute) for k in layout.kinds], float)
    return values[layout.kind]


def _override(layout: Layout, column: str, default: np.ndarray) -> np.ndarray:
    """Use the CSV column where given (not NaN), the default elsewhere."""
    given = layout.overrides.get(column)
    if given is None:
        return default
    return np.where(np.isnan(given), default, given)


def initial_trust(
    scenario: Scenario, layout: Layout, leaning: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial trust and representation bias on every arc, and the tense links (ODD 5.2).

    ``t0(i->j) = initial * (1 - tension_penalty * tense(ij)) *
    (1 - cleavage_weight * |leaning_i - leaning_j| / 2)``, where ``tense`` is drawn once per
    link with probability ``tension_share`` (a history of tension is mutual).
    ``bias(i->j)`` is looked up by kinds (``'rural->metropolis'``) or else by classes
    (``'rural->urban'``). Returns ``(trust (A,), bias (A,), tense (E,))``.
    """
    spec = scenario.trust
    e = layout.src.size
    tense = rng.random(e) < spec.tension_share
    arc_from = np.concatenate([layout.src, layout.dst])
    arc_to = np.concatenate([layout.dst, layout.src])
    gap = np.abs(leaning[arc_from] - leaning[arc_to]) / 2.0
    trust = (
        spec.initial
        * (1.0 - spec.tension_penalty * np.tile(tense, 2))
        * (1.0 - spec.cleavage_weight * gap)
    )
    urban = np.array([scenario.kinds[k].urban for k in layout.kinds])
    n_kinds = len(layout.kinds)
    table = np.zeros((n_kinds, n_kinds))
    for a, ka in enumerate(layout.kinds):
        for b, kb in enumerate(layout.kinds):
            ca, cb = ("urban" if urban[a] else "rural"), ("urban" if urban[b] else "rural")
            table[a, b] = spec.bias.get(f"{ka}->{kb}", spec.bias.get(f"{ca}->{cb}", 0.0))
    bias = table[layout.kind[arc_from], layout.kind[arc_to]]
    return np.clip(trust, 0.0, 1.0), bias, tense


def build_state(scenario: Scenario, layout: Layout, rng: np.random.Generator) -> TerritoryState:
    """Compute the initial state from a scenario and a layout (ODD 5, Initialisation).

    Capacities and needs are ``per_1000[kind, good] * population / 1000``, times a log-normal
    jitter (``capacity_jitter``, ``need_jitter``), unless a CSV column gives them. Budgets and
    engineering scale with population the same way. Initial stocks are one step of capacity
    for storable goods.
    """
    n = layout.population.size
    goods = tuple(scenario.goods)
    g = len(goods)
    gen = scenario.territories.generator
    per_k = layout.population / 1000.0
    need_table = np.array([[scenario.goods[x].need[k] for x in goods] for k in layout.kinds])
    cap_table = np.array([[scenario.goods[x].capacity[k] for x in goods] for k in layout.kinds])
    capacity = (
        cap_table[layout.kind]
        * per_k[:, None]
        * np.exp(gen.capacity_jitter * rng.standard_normal((n, g)))
    )
    need = (
        need_table[layout.kind]
        * per_k[:, None]
        * np.exp(gen.need_jitter * rng.standard_normal((n, g)))
    )
    for j, good in enumerate(goods):
        capacity[:, j] = _override(layout, f"capacity_{good}", capacity[:, j])
        need[:, j] = _override(layout, f"need_{good}", need[:, j])
    storable = np.array([scenario.goods[x].storable for x in goods])
    storage = np.array([scenario.goods[x].storage_steps for x in goods])
    leaning = np.clip(
        _kind_table(scenario, layout, "leaning") + gen.leaning_sd * rng.standard_normal(n),
        -1.0,
        1.0,
    )
    leaning = _override(layout, "leaning", leaning)
    spending = _kind_table(scenario, layout, "spending") * per_k
    trust, bias, tense = initial_trust(scenario, layout, leaning, rng)
    # 5.4 step 5: how much of its revenue a territory gets as grants varies (drawn after the
    # tense links, so that every earlier draw is unchanged); its revenue does not
    z = rng.standard_normal(n)
    grant_kind = _kind_table(scenario, layout, "grant") * per_k
    revenue = _kind_table(scenario, layout, "fiscal_base") * per_k + grant_kind
    grant = _override(
        layout, "grant", np.minimum(grant_kind * np.exp(gen.grant_jitter * z), revenue)
    )
    fiscal_base = _override(layout, "fiscal_base", np.maximum(revenue - grant, 0.0))
    default_steps = scenario.budget.initial_reserve_steps
    reserve_steps = np.array(
        [
            default_steps
            if scenario.kinds[k].reserve_steps is None
            else scenario.kinds[k].reserve_steps
            for k in layout.kinds
        ]
    )[layout.kind]
    reserve_target = reserve_steps * spending
    upkeep_kind = np.array(
        [
            np.nan if scenario.kinds[k].upkeep is None else scenario.kinds[k].upkeep
            for k in layout.kinds
        ]
    )[layout.kind]
    own = np.maximum(fiscal_base + grant - spending, 0.0)
    upkeep = np.where(np.isnan(upkeep_kind), own, upkeep_kind * per_k)
    e = layout.src.size
    return TerritoryState(
        ids=layout.ids,
        names=layout.names,
        kind=layout.kind,
        kinds=layout.kinds,
        urban=np.array([scenario.kinds[k].urban for k in layout.kinds])[layout.kind],
        population=layout.population,
        xy=layout.xy,
        goods=goods,
        storable=storable,
        public=np.array([scenario.goods[x].public for x in goods]),
        market=np.array([scenario.goods[x].market for x in goods]),
        price=np.array([scenario.goods[x].price for x in goods]),
        decay=np.array([scenario.goods[x].decay for x in goods]),
        good_weight=np.array([scenario.goods[x].weight for x in goods]),
        capacity=capacity,
        need=need,
        stock=capacity * storable,
        stock_cap=capacity * storage * storable,
        fiscal_base=fiscal_base,
        grant=grant,
        spending=spending,
        reserve=reserve_target.copy(),
        reserve_target=reserve_target,
        upkeep=upkeep,
        engineering=_override(
            layout, "engineering", _kind_table(scenario, layout, "engineering") * per_k
        ),
        leaning=leaning,
        src=layout.src,
        dst=layout.dst,
        distance=layout.distance,
        link_kind=layout.link_kind,
        trust=trust,
        trust_baseline=trust.copy(),
        bias=bias,
        cost_discount=np.zeros(e),
        tension=tense,
        **commuting_links(scenario, layout),
    )


def commuting_links(scenario: Scenario, layout: Layout) -> dict[str, np.ndarray]:
    """The commuting pairs' home and work ends and commuter shares (ODD 5.4, 7.10).

    The share is ``min(commuters / (employment_rate * population_home), 1)`` where the
    layout counts commuters (CSV), else ``commuting.share``.
    """
    spec = scenario.commuting
    if layout.commutes is None:
        home = work = np.zeros(0, np.int64)
        count = np.zeros(0)
    else:
        home, work, count = layout.commutes
    counted = np.minimum(count / (spec.employment_rate * layout.population[home]), 1.0)
    share = np.where(np.isnan(count), spec.share, counted)
    return {
        "commute_home": home.astype(np.int64),
        "commute_work": work.astype(np.int64),
        "commute_share": share,
    }
