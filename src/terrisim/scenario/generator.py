"""The territories and their links: a :class:`Layout`, generated or read from CSV (ODD 5.1).

The synthetic generator draws a core-periphery geography: metropolises near the centre of a
square of side ``spacing_km * sqrt(N)``, towns anywhere, periurban territories close to a pole
(a metropolis or town), rural territories anywhere and mountain territories in a band along the
east edge. Populations are log-normal around the kind's median (a rank-size distribution).
Links are the union of: k nearest neighbours (proximity), each non-urban territory to its
nearest pole (commuting), and each metropolis to a few far rural or mountain territories
(distant). Everything is drawn from one numpy Generator, so a seed fixes the layout.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from terrisim.errors import ScenarioError
from terrisim.scenario.layout import Layout, unique_links
from terrisim.scenario.schema import Scenario


def proximity_links(xy: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Links from each territory to its ``k`` nearest others (ODD 5.1), as ``(src, dst)``.

    ``k`` is capped at ``n - 1``; a single territory (or ``k = 0``) gets no link.
    """
    n = len(xy)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    _, nearest = cKDTree(xy).query(xy, k=k + 1)
    return np.repeat(np.arange(n), k), nearest[:, 1:].ravel()


def distant_links(
    xy: np.ndarray, metros: np.ndarray, far: np.ndarray, per: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Distant links (ODD 5.1): each metropolis to ``per`` of the ``far`` territories.

    For each metropolis in turn, ``per`` territories are drawn without replacement among the
    ``far`` ones at least as far from it as their median distance.

    Returns:
        ``(src, dst)``: the metropolis and the drawn territory of each link.
    """
    if not (per and far.size and metros.size):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    per = min(per, far.size)
    src, dst = [], []
    for m in metros:
        d = np.hypot(*(xy[far] - xy[m]).T)
        candidates = far[d >= np.median(d)]
        chosen = rng.choice(candidates, size=min(per, candidates.size), replace=False)
        src.append(np.full(chosen.size, m))
        dst.append(chosen)
    return np.concatenate(src), np.concatenate(dst)


def place_order(xy: np.ndarray, kind: np.ndarray, cell_km: float) -> np.ndarray:
    """Territories ordered kind by kind, then by place along a Z-order curve (ODD 5.1, step 5).

    The plane is cut into square cells of side ``cell_km`` from the lowest ``x`` and ``y``;
    a territory's key interleaves the bits of its cell's column (even bits) and row (odd
    bits), the Morton order, which keeps most neighbours close in the order. Ties (same kind
    and cell) keep their order so far.

    Returns:
        ``order``: the territory that comes at each new position (N,).
    """
    cell = np.floor((xy - xy.min(axis=0)) / cell_km).astype(np.int64)
    key = np.zeros(len(xy), dtype=np.int64)
    for bit in range(31):
        key |= ((cell[:, 0] >> bit) & 1) << (2 * bit)
        key |= ((cell[:, 1] >> bit) & 1) << (2 * bit + 1)
    return np.lexsort((np.arange(len(xy)), key, kind))


def renumber_links(
    order: np.ndarray, src: np.ndarray, dst: np.ndarray, link_kind: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Links after territory ``order[p]`` becomes territory ``p``: oriented, sorted by ends.

    Each link is oriented (low, high) in the new numbering, with its kind, and links are
    listed by ascending (low, high).
    """
    new = np.empty_like(order)
    new[order] = np.arange(order.size)
    a, b = new[src], new[dst]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    by_ends = np.lexsort((hi, lo))
    return (lo[by_ends].astype(np.int32), hi[by_ends].astype(np.int32), link_kind[by_ends])


def generate_layout(scenario: Scenario, rng: np.random.Generator) -> Layout:
    """Draw a synthetic layout from ``scenario.territories.generator`` (ODD 5.1)."""
    spec = scenario.territories.generator
    kinds = tuple(scenario.kinds)
    kind = np.concatenate(
        [np.full(spec.counts.get(k, 0), i, dtype=np.int16) for i, k in enumerate(kinds)]
    )
    n = kind.size
    if n == 0:
        raise ScenarioError(
            "territories.generator.counts: no territory to generate; give at "
            "least one territory of some kind (e.g. rural = 3)"
        )
    side = spec.spacing_km * np.sqrt(n)
    urban = np.array([scenario.kinds[k].urban for k in kinds])[kind]
    median = np.array([scenario.kinds[k].population for k in kinds])[kind]
    sigma = np.array([scenario.kinds[k].population_sigma for k in kinds])[kind]
    population = np.round(median * np.exp(sigma * rng.standard_normal(n)))
    population = np.maximum(population, 50.0)

    xy = rng.uniform(0.0, side, size=(n, 2))
    is_metro = np.array([k == "metropolis" for k in kinds])[kind]
    xy[is_metro] = side / 2 + rng.normal(0.0, side / 8, size=(int(is_metro.sum()), 2))
    is_mountain = np.array([k == "mountain" for k in kinds])[kind]
    xy[is_mountain, 0] = rng.uniform(0.8 * side, side, size=int(is_mountain.sum()))
    poles = np.flatnonzero(urban)
    is_peri = np.array([k == "periurban" for k in kinds])[kind]
    if poles.size and is_peri.any():
        anchor = poles[rng.integers(0, poles.size, size=int(is_peri.sum()))]
        angle = rng.uniform(0, 2 * np.pi, size=anchor.size)
        radius = rng.exponential(spec.spacing_km * 0.6, size=anchor.size) + 5.0
        xy[is_peri] = xy[anchor] + radius[:, None] * np.c_[np.cos(angle), np.sin(angle)]

    links_src, links_dst, links_kind = [], [], []
    near_src, near_dst = proximity_links(xy, spec.proximity_k)
    if near_src.size:
        links_src.append(near_src)
        links_dst.append(near_dst)
        links_kind.append(np.zeros(near_src.size, dtype=np.int8))
    home = work = np.zeros(0, dtype=np.int64)
    if spec.commuting and poles.size:
        others = np.flatnonzero(~urban)
        _, nearest_pole = cKDTree(xy[poles]).query(xy[others], k=1)
        home, work = others, poles[np.atleast_1d(nearest_pole)]
        links_src.append(others)
        links_dst.append(work)
        links_kind.append(np.ones(others.size, dtype=np.int8))
    far = np.flatnonzero(np.array([k in ("rural", "mountain") for k in kinds])[kind])
    metros = np.flatnonzero(is_metro)
    src, dst = distant_links(xy, metros, far, spec.distant_per_metropolis, rng)
    if src.size:
        links_src.append(src)
        links_dst.append(dst)
        links_kind.append(np.full(src.size, 2, dtype=np.int8))
    if links_src:
        src, dst, link_kind = unique_links(
            np.concatenate(links_src), np.concatenate(links_dst), np.concatenate(links_kind)
        )
    else:
        src = dst = np.zeros(0, dtype=np.int32)
        link_kind = np.zeros(0, dtype=np.int8)
    if spec.numbering == "place":
        order = place_order(xy, kind, spec.spacing_km)
        kind, population, xy = kind[order], population[order], xy[order]
        src, dst, link_kind = renumber_links(order, src, dst, link_kind)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        home, work = inverse[home], inverse[work]
    width = len(str(n - 1))
    ids = np.array([f"T{i:0{width}d}" for i in range(n)])
    names = territory_names(kinds, kind)
    commutes = (home, work, np.full(home.size, np.nan))
    return Layout(ids, names, kind, kinds, population, xy, src, dst, link_kind, {}, None, commutes)


FRENCH_NAMES = {
    "metropolis": "Métropole",
    "town": "Ville",
    "periurban": "Commune périurbaine",
    "rural": "Commune rurale",
    "mountain": "Commune de montagne",
}
"""Display names of the default kinds in generated scenarios (ODD 2); other kinds keep theirs."""


def territory_names(kinds: list[str], kind: np.ndarray) -> np.ndarray:
    """Display names of generated territories (ODD 2, ``name``).

    The kind's French name and a number counted within the kind from 1, in index order
    (``Métropole 1``, ``Commune rurale 3``); a kind outside :data:`FRENCH_NAMES` keeps its own
    name (``coastal 2``).
    """
    seen: dict[int, int] = {}
    names = []
    for k in kind.tolist():
        seen[k] = seen.get(k, 0) + 1
        names.append(f"{FRENCH_NAMES.get(kinds[k], kinds[k])} {seen[k]}")
    return np.array(names)
