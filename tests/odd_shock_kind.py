"""A shock kind that draws from its own stream, for tests/test_odd_reimplementation.py.

Kept apart so that the reimplementation imports none of the model's code: the model loads
this kind by name (``odd_shock_kind:JitteredDrought``), the reimplementation follows ODD 5.3.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from terrisim.shocks import ShockKind


class JitteredDrought(ShockKind):
    """Food production ``*= 1 - m * u``, ``u`` uniform from the kind's own stream each step."""

    name = "jittered_drought"
    label: ClassVar[dict[str, str]] = {"fr": "sécheresse variable", "en": "jittered drought"}

    def apply(self, state: Any, mask: np.ndarray, magnitude: float, elapsed: int) -> None:
        """One draw per active step, from ``self.rng``."""
        food = np.asarray(state.goods, dtype=object) == "food"
        state.production_factor[np.ix_(mask, food)] *= 1.0 - magnitude * self.rng.random()
