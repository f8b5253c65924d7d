"""Two territories joined by one link, as plain arrays: what a rule sees, small enough to
compute by hand. Arc 0 goes from territory 0 to territory 1, arc 1 back."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


def two_territories(**arrays: object) -> SimpleNamespace:
    """A state of two territories and one link; keyword arguments set or replace arrays."""
    state = SimpleNamespace(
        n=2,
        n_links=1,
        ids=np.array(["town", "village"]),
        goods=["food", "health"],
        src=np.array([0]),
        dst=np.array([1]),
        arc_from=np.array([0, 1]),
        arc_to=np.array([1, 0]),
        trust=np.array([0.5, 0.5]),
        trust_baseline=np.array([0.5, 0.5]),
        distance=np.array([10.0]),
        price=np.array([1.0, 2.0]),
        available=np.array([[4.0, 0.0], [0.0, 6.0]]),
        need=np.array([[2.0, 3.0], [5.0, 1.0]]),
        need_factor=np.ones((2, 2)),
    )
    for name, value in arrays.items():
        setattr(state, name, np.asarray(value, dtype=float))
    state.reverse = lambda values: np.concatenate([values[1:], values[:1]])
    state.effective_need = state.need * state.need_factor
    return state


def outcome(deal: bool, perceived: tuple[float, float], shortfall=(0.0, 0.0)) -> SimpleNamespace:
    """A step's exchange outcome on the link, as a trust rule reads it."""
    return SimpleNamespace(
        deal=np.array([deal]),
        perceived_balance=np.array(perceived, dtype=float),
        shortfall=np.array(shortfall, dtype=float),
    )
