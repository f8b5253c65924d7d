"""The market of the scope (ODD 7.10), on two and three territories."""

from __future__ import annotations

import numpy as np
import pytest

from terrisim.market import clear

TRADED = np.array([True, False])


def test_producers_inside_the_scope_sell_first_and_the_outside_fills_the_rest():
    available = np.array([[10.0, 0.0], [0.0, 0.0]])
    need = np.array([[4.0, 1.0], [10.0, 1.0]])
    out = clear(available, need, TRADED, outside=np.array([100.0, 100.0]))
    assert out.sold[:, 0] == pytest.approx([6.0, 0.0])  # all of the surplus
    assert out.bought[:, 0] == pytest.approx([0.0, 10.0])  # the whole deficit
    assert out.imports[0] == pytest.approx(4.0)
    assert (out.bought[:, 1] == 0).all() and (out.sold[:, 1] == 0).all()  # not traded


def test_a_scarce_market_serves_every_buyer_the_same_share_of_its_deficit():
    available = np.array([[6.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    need = np.array([[4.0, 0.0], [6.0, 0.0], [3.0, 0.0]])
    out = clear(available, need, TRADED, outside=np.array([2.0, 0.0]))
    # surplus 2, outside 2, deficits 6 and 2: half of each is served
    assert out.bought[:, 0] == pytest.approx([0.0, 3.0, 1.0])
    assert out.imports[0] == pytest.approx(2.0)


def test_the_market_conserves_goods_up_to_the_imports():
    rng = np.random.default_rng(3)
    available, need = rng.uniform(0, 5, (20, 2)), rng.uniform(0, 5, (20, 2))
    out = clear(available, need, np.array([True, True]), outside=np.array([3.0, 0.0]))
    moved = (out.bought - out.sold).sum(axis=0)
    assert moved == pytest.approx(out.imports)
    assert (out.sold <= np.maximum(available - need, 0) + 1e-12).all()
    assert (out.bought <= np.maximum(need - available, 0) + 1e-12).all()
