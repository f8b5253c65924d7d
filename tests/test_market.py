"""The market of the scope (ODD 7.10), on two and three territories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
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


def test_commuters_take_jobs_at_their_pole_within_their_share_and_their_deficit():
    from terrisim.market import commute

    # jobs in column 0; territory 0 is the pole with 3 spare jobs, 1 and 2 are homes
    available = np.array([[13.0], [2.0], [0.0]])
    need = np.array([[10.0], [10.0], [4.0]])
    pairs = {"home": np.array([1, 2]), "work": np.array([0, 0]), "good": 0}
    taken = commute(available, need, share=np.array([0.5, 0.5]), **pairs)
    # asked 5 and 2 (half of each home's need), 7 in all, for 3 spare jobs: 3/7 of each
    assert taken == pytest.approx([5 * 3 / 7, 2 * 3 / 7])
    rich = np.array([[100.0], [9.0], [0.0]])
    taken = commute(rich, need, share=np.array([0.5, 0.5]), **pairs)
    assert taken == pytest.approx([1.0, 2.0])  # never beyond a home's deficit


def test_csv_commuters_set_the_share_of_a_commuting_link(tmp_path):
    from terrisim.model import TerriModel

    model = TerriModel(Path(__file__).resolve().parents[1] / "configs" / "sample_csv.toml")
    s = model.state
    links = pd.read_csv(
        Path(__file__).resolve().parents[1] / "configs" / "data" / "sample_links.csv"
    )
    commuting = links[links["kind"] == "commuting"]
    assert s.commute_home.size == len(commuting)
    index = {tid: i for i, tid in enumerate(s.ids)}
    for row, home, share in zip(
        commuting.itertuples(), s.commute_home, s.commute_share, strict=True
    ):
        assert home in (index[row.source], index[row.target])
        expected = min(row.commuters / (0.41 * s.population[home]), 1.0)
        assert share == pytest.approx(expected)
