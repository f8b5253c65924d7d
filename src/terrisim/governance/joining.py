"""Whether a candidate joins a voluntary merger: small, named, replaceable rules (ODD 7.5.3).

A join rule takes each candidate's expected net gain from joining (money and goods at
reference prices, k EUR per step, :meth:`terrisim.governance.merger.Merger.expected_gain`) and
says who is willing. A voluntary merger is formed by the pole and the willing candidates; a
forced one by all candidates, willing or not (its unwilling members are the communes the
2010 reform forced in, Tricaud 2025). Students add a rule with :func:`join_rule`::

    @join_rule("generous")
    def generous(gain):
        return gain >= -1.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

JoinRule = Callable[[np.ndarray], np.ndarray]

#: The join rules by name (``governance.merger.join_rule``).
JOIN_RULES: dict[str, JoinRule] = {}


def join_rule(name: str) -> Callable[[JoinRule], JoinRule]:
    """Register a join rule under ``name`` (decorator)."""

    def register(rule: JoinRule) -> JoinRule:
        JOIN_RULES[name] = rule
        return rule

    return register


@join_rule("always")
def always(gain: np.ndarray) -> np.ndarray:
    """Every candidate joins (the perimeter is agreed beforehand)."""
    return np.ones(gain.shape, bool)


@join_rule("net_gain")
def net_gain(gain: np.ndarray) -> np.ndarray:
    """A candidate joins iff it expects to gain at least as much as it gives (``gain >= 0``)."""
    return gain >= 0.0
