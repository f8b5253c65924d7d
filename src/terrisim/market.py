"""Commuting and markets: what territories get outside cooperation (ODD 7.10).

Commuters take the jobs their pole has spare, along the commuting pairs of set-up
(:func:`commute`).

Goods marked ``market = true`` (by default food and energy) are traded each step on one market
for the whole scope, after the ad hoc deals have been delivered and before consumption. Every
territory offers its surplus and asks for its deficit; producers inside the scope sell first,
then supply from outside the scope (imports: the rest of France and the world, up to
``market.outside_supply`` of the scope's total need) fills what is left; if even that is not
enough, every buyer gets the same share of its deficit. Households and firms pay for what
they buy: the market moves goods, not the municipal budgets of ODD 7.6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def commute(
    available: np.ndarray,
    need: np.ndarray,
    *,
    home: np.ndarray,
    work: np.ndarray,
    share: np.ndarray,
    good: int,
) -> np.ndarray:
    """Units of ``good`` (jobs) commuters take at their pole, per commuting link (ODD 7.10).

    A home asks, on each of its commuting links, ``share * need[home]``, scaled so that it asks
    no more than its deficit in all; a pole gives what is asked of it, or the same share of each
    request when its surplus is smaller.

    Args:
        available: Goods at hand, shape (N, G).
        need: Effective needs, shape (N, G).
        home: The pairs' home ends, shape (K,).
        work: The pairs' pole ends, shape (K,).
        share: Share of the home's need its commuters can meet on each link, shape (K,).
        good: Column of the commuted good.

    Returns:
        Units taken on each link, shape (K,).
    """
    n = available.shape[0]
    gap = available[:, good] - need[:, good]
    asked = share * need[home, good]
    total = np.bincount(home, asked, n)
    deficit, surplus = np.maximum(-gap, 0.0), np.maximum(gap, 0.0)
    with np.errstate(over="ignore"):  # tiny requests: the ratios are inf, capped at 1
        scale = np.minimum(1.0, np.divide(deficit, total, out=np.ones(n), where=total > 0))
        demand = asked * scale[home]
        total = np.bincount(work, demand, n)
        served = np.minimum(1.0, np.divide(surplus, total, out=np.ones(n), where=total > 0))
    return demand * served[work]


@dataclass(frozen=True)
class MarketOutcome:
    """What one step of the market moved, per territory and good (units).

    Attributes:
        bought: Units bought by each territory, shape (N, G) (0 for goods not on the market).
        sold: Units sold by each territory, shape (N, G).
        imports: Units bought from outside the scope, per good, shape (G,).
    """

    bought: np.ndarray
    sold: np.ndarray
    imports: np.ndarray

    @classmethod
    def empty(cls, n: int, g: int) -> MarketOutcome:
        """No trade (before the first step, or with the market switched off)."""
        return cls(np.zeros((n, g)), np.zeros((n, g)), np.zeros(g))


def clear(
    available: np.ndarray, need: np.ndarray, traded: np.ndarray, outside: np.ndarray
) -> MarketOutcome:
    """Clear the market of each traded good (ODD 7.10).

    Args:
        available: Goods at hand, shape (N, G).
        need: Effective needs, shape (N, G).
        traded: Which goods are on the market, shape (G,) bool.
        outside: Units the outside can supply this step, per good, shape (G,), >= 0.

    Returns:
        The units bought and sold by each territory and the imports; a territory never sells
        more than its surplus nor buys more than its deficit.
    """
    n, g = available.shape
    cols = np.flatnonzero(traded)
    gap = available[:, cols] - need[:, cols]
    surplus, deficit = np.maximum(gap, 0.0), np.maximum(-gap, 0.0)
    offered, asked = surplus.sum(axis=0), deficit.sum(axis=0)
    supply = offered + outside[cols]
    with np.errstate(over="ignore"):  # tiny deficits or offers: inf, capped at 1 below
        served = np.divide(supply, asked, out=np.ones_like(asked), where=asked > 0)
        sold_share = np.divide(asked, offered, out=np.zeros_like(offered), where=offered > 0)
    bought, sold, imports = np.zeros((n, g)), np.zeros((n, g)), np.zeros(g)
    bought[:, cols] = deficit * np.minimum(served, 1.0)
    sold[:, cols] = surplus * np.minimum(sold_share, 1.0)
    imports[cols] = np.maximum(np.minimum(asked, supply) - np.minimum(asked, offered), 0.0)
    return MarketOutcome(bought, sold, imports)
