"""Whether the two sides of a reciprocity contract sign or renew it: named, replaceable rules.

A sign rule takes, for the ``k`` contracts on the table, each side's trust in the other
(``trust_ab``: ``a`` in ``b``; ``trust_ba``), and the ``governance`` random stream, and says
which contracts both sides sign (ODD 7.5.1). It is applied at signing, at renewal and at
renegotiation. Students add a rule with :func:`sign_rule`::

    @sign_rule("trusting")
    def trusting(trust_ab, trust_ba, rng):
        return (trust_ab >= 0.5) & (trust_ba >= 0.5)

A rule that draws must draw from ``rng`` only, and document its draws (ODD 5.3).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SignRule = Callable[[np.ndarray, np.ndarray, np.random.Generator], np.ndarray]

#: The sign rules by name (``governance.reciprocity_contract.sign_rule``).
SIGN_RULES: dict[str, SignRule] = {}


def sign_rule(name: str) -> Callable[[SignRule], SignRule]:
    """Register a sign rule under ``name`` (decorator)."""

    def register(rule: SignRule) -> SignRule:
        SIGN_RULES[name] = rule
        return rule

    return register


@sign_rule("always")
def always(trust_ab: np.ndarray, trust_ba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Every contract on the table is signed (no draw)."""
    return np.ones(np.shape(trust_ab), bool)


@sign_rule("trust")
def trust(trust_ab: np.ndarray, trust_ba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each side signs with a probability equal to its trust in the other.

    Trust read as the subjective probability that the partner keeps its word: side ``a`` of
    contract ``c`` signs iff ``xi[c, 0] < trust_ab[c]``, side ``b`` iff ``xi[c, 1] <
    trust_ba[c]``, with ``xi = rng.random((k, 2))`` (one row per contract, ``a`` then ``b``).
    """
    xi = rng.random((np.size(trust_ab), 2))
    return (xi[:, 0] < trust_ab) & (xi[:, 1] < trust_ba)
