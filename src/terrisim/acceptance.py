"""Smooth acceptance of an ad hoc deal and the transaction costs that brake it (ODD 7.4.3).

A deal between ``i`` and ``j`` is not a switch that the reciprocity tolerance flips: the share
of the proposed basket the two sides agree on grows smoothly with the deal's joint margin,

``P_e = r_a * r_b * (1 - kappa_e) ** 2``, ``share_e = 1 / (1 + P_e ** (-1 / width))``,

with ``r_a, r_b`` the reciprocity ratios of the two arcs (what each side perceives it receives
over what it must at least receive), ``kappa_e`` the transaction cost of the link (a share of
the value each side receives, raised by a history of tension and by political cleavage,
Feiock 2009, 2013) and ``width`` how gradually acceptance rises with ``ln P`` (a logistic in
``ln P``: ``share = 1/2`` at ``P = 1``, where the deal just clears both sides' tolerance).

The equations are written once, here: the numpy reference (:mod:`terrisim.exchange`) calls
:func:`acceptance_share` on arrays, the compiled kernel (:mod:`terrisim.kernels`) the same
function compiled by numba on scalars, so both engines compute the same operations.
"""

from __future__ import annotations

import numpy as np

#: A ratio of the money test that must be at least 1 passes from ``ACCEPT_RATIO`` on
#: (ODD 7.4.3): a payer of money still accepts iff
#: ``R_b >= ACCEPT_RATIO * ((1 - tau) (G_b + gap_a))``. The relative slack of 1e-12 lets a
#: payment that is exactly balanced in real numbers pass whatever the rounding, hence whatever
#: the order of the territories.
ACCEPT_RATIO = 1.0 - 1e-12


def acceptance_share(product, width):
    """The share of a proposed basket both sides accept, ``1 / (1 + P ** (-1 / width))``.

    Works on floats and on numpy arrays (the same operations, for both engines). ``P = +inf``
    gives 1, ``P = 0`` gives 0, a NaN ``P`` (``inf * 0``: one side gains nothing) gives NaN,
    which callers treat as no deal.

    Args:
        product: The joint margin ``P_e`` (``r_a r_b (1 - kappa_e) ** 2``), >= 0 or NaN.
        width: How gradually acceptance rises with ``ln P``, > 0.
    """
    return 1.0 / (1.0 + product ** (-1.0 / width))


def transaction_cost(
    tension: np.ndarray,
    leaning_gap: np.ndarray,
    tension_cost: float,
    cleavage_cost: float,
) -> np.ndarray:
    """``kappa_e = min(tension_cost * tense_e + cleavage_cost * |l_i - l_j| / 2, 1)`` per link.

    Args:
        tension: Whether each link has a history of tension (E,) bool.
        leaning_gap: ``|leaning_src - leaning_dst|`` of each link (E,), in [0, 2].
        tension_cost: Share of a deal's value lost to transaction costs on a tense link.
        cleavage_cost: Share lost per unit of half the leaning gap.
    """
    return np.minimum(tension_cost * tension + cleavage_cost * (leaning_gap / 2.0), 1.0)
