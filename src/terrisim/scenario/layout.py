"""What the model is built from: the territories and their links (:class:`Layout`, ODD 5.1).

A layout comes from the synthetic generator (:mod:`terrisim.scenario.generator`), from CSV
files (:mod:`terrisim.scenario.csv_io`) or from the real territories (:mod:`terrisim.france`);
the state (:mod:`terrisim.state`) is computed from it. This module holds only the data type
and the link kinds, so that every layer above can use them without importing a generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LINK_KINDS = ("proximity", "commuting", "distant", "contract", "custom")


@dataclass
class Layout:
    """Territories and links before any state is computed.

    Attributes:
        ids: Territory identifiers (str), shape (N,).
        names: Display names, shape (N,).
        kind: Kind index into ``kinds``, int16 (N,).
        kinds: Kind names, in scenario order.
        population: Inhabitants, float (N,).
        xy: Coordinates in km, float (N, 2).
        src, dst: Link end indices, int32 (E,), with src < dst and no duplicates.
        link_kind: Index into ``LINK_KINDS``, int8 (E,).
        overrides: Optional per-territory columns from CSV (e.g. ``capacity_food``).
        link_distance: Optional length of each link in km (CSV ``distance_km``, e.g. by
            road), NaN where not given; None: straight-line distances.
        commutes: Commuting pairs ``(home, work, commuters)``, shape (K,) each: the home and
            pole ends (both linked) and the number of commuters (NaN: the scenario's
            ``commuting.share``, ODD 7.10); None: no commuting.
    """

    ids: np.ndarray
    names: np.ndarray
    kind: np.ndarray
    kinds: tuple[str, ...]
    population: np.ndarray
    xy: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    link_kind: np.ndarray
    overrides: dict[str, np.ndarray]
    link_distance: np.ndarray | None = None
    commutes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def distance(self) -> np.ndarray:
        """Length of each link in km: ``link_distance`` where given, else Euclidean."""
        straight = np.hypot(*(self.xy[self.src] - self.xy[self.dst]).T)
        if self.link_distance is None:
            return straight
        return np.where(np.isnan(self.link_distance), straight, self.link_distance)


def unique_links(src: np.ndarray, dst: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, ...]:
    """Drop self-loops and duplicates; orient each link as (low, high). First kind wins."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keep = lo != hi
    lo, hi, kind = lo[keep], hi[keep], kind[keep]
    _, first = np.unique(lo.astype(np.int64) * (hi.max(initial=0) + 1) + hi, return_index=True)
    first.sort()
    return lo[first].astype(np.int32), hi[first].astype(np.int32), kind[first].astype(np.int8)
