"""The model's named random streams and their keys in the seed sequence (ODD 5.3).

A module of its own, below the model, so that the parts the model builds (shocks, rules) can
derive their own streams' keys without importing the model.
"""

from __future__ import annotations

#: Named random streams, spawned in this order from ``SeedSequence(seed)`` (ODD 5.3).
STREAMS = ("layout", "state", "shocks", "governance", "rules")

#: The acceptance draws of ad hoc deals (ODD 5.3, 7.4.3) come from the seventh child of the
#: seed sequence (the sixth is the parent of the rules' own streams), so that adding them
#: changed none of the draws above.
EXCHANGE_SPAWN_KEY = (len(STREAMS) + 1,)
