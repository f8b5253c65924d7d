"""A new kind of shock: a river floods the territories along its banks (ODD 7.8).

Territories within ``width_km`` of the river (and among the shock's targets) lose part of their
stocks on the first day of the flood, and their waste-treatment plants work at reduced capacity
while the flood lasts::

    [[shocks]]
    kind = "flood:Flood"
    at = 12
    duration = 6
    magnitude = 0.5
    params = { width_km = 20, river_km = [[0, 40], [200, 60]] }

    PYTHONPATH=examples terrisim run examples/flood.toml

Built-in shocks only multiply the production, need and grant modifiers; a flood also destroys
what was stored, once. ``terrisim check-rule flood:Flood`` checks that it destroys and never
creates goods.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.shocks import ShockKind
from terrisim.state import TerritoryState


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance (km) from each point (N, 2) to a polyline of vertices (K, 2), K >= 2.

    For each segment ``[a, b]`` the nearest point is ``a + clip(((p - a).(b - a)) /
    |b - a|^2, 0, 1) (b - a)``; the distance is the smallest over the segments.
    """
    best = np.full(len(points), np.inf)
    for a, b in pairwise(line):
        ab = b - a
        length2 = float(ab @ ab)
        u = (
            np.zeros(len(points))
            if length2 == 0
            else np.clip((points - a) @ ab / length2, 0.0, 1.0)
        )
        nearest = a + u[:, None] * ab
        best = np.minimum(best, np.hypot(*(points - nearest).T))
    return best


class Flood(ShockKind):
    """A river flood (inondation): stocks lost once, waste treatment reduced (ODD 7.8).

    A territory ``i`` is flooded when it is targeted and ``d_i <= width_km``, ``d_i`` being its
    distance to the river. With magnitude ``m``:

    * on the first step of the flood, for every good: ``stock[i, g] *= 1 - m * stock_loss``
      (what was stored is destroyed, it is not moved anywhere);
    * on every step of the flood, for the damaged goods (``waste_treatment``):
      ``production_factor[i, g] *= 1 - m``.

    The river is the polyline ``river_km`` (x, y in km); by default a straight river crossing
    the map from west to east at the median latitude of the territories.
    """

    name = "flood"
    label: ClassVar[dict[str, str]] = {"fr": "inondation", "en": "flood"}

    class Params(BaseModel):
        """Parameters of the flood."""

        model_config = ConfigDict(extra="forbid")
        width_km: float = Field(15.0, ge=0.0, description="Flooded band on each bank (km).")
        river_km: list[tuple[float, float]] = Field(
            default_factory=list,
            description="Vertices of the river (x, y in km); empty: west-east, mid-map.",
        )
        stock_loss: float = Field(
            1.0, ge=0.0, le=1.0, description="Share of stocks lost at magnitude 1."
        )
        damaged: list[str] = Field(
            default_factory=lambda: ["waste_treatment"],
            description="Goods whose production is reduced.",
        )

    def river(self, state: TerritoryState) -> np.ndarray:
        """The river's vertices (K, 2) in km."""
        if len(self.params.river_km) >= 2:
            return np.asarray(self.params.river_km, dtype=float)
        x, y = state.xy[:, 0], state.xy[:, 1]
        middle = float(np.median(y))
        return np.array([[x.min() - 1.0, middle], [x.max() + 1.0, middle]])

    def flooded(self, state: TerritoryState, mask: np.ndarray) -> np.ndarray:
        """Boolean mask (N,) of the targeted territories within ``width_km`` of the river."""
        near = distance_to_polyline(state.xy, self.river(state)) <= self.params.width_km
        return mask & near

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Destroy stocks on the first step; reduce waste treatment on every step."""
        hit = self.flooded(state, mask)
        if elapsed == 0:
            state.stock[hit] *= 1.0 - magnitude * self.params.stock_loss
        goods = np.isin(np.asarray(state.goods, dtype=object), self.params.damaged)
        state.production_factor[np.ix_(hit, goods)] *= 1.0 - magnitude
