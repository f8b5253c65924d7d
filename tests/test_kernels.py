"""The compiled (numba) engine gives the same numbers as the numpy reference (issue 6).

* whole runs on random scenarios, the shipped governance scenarios and a CSV scenario: every
  series column, every per-territory record and the final state arrays are equal, bit for bit;
* the output files of a run are byte-identical whichever engine wrote them;
* a partner rule the kernel does not know (its own ``weights``) goes through the general path
  and still agrees; the built-in rules' separable factors reproduce their ``weights`` exactly;
* switching engine between steps changes nothing; engine names are checked;
* one good, more goods than the kernel's bit masks hold (70), and non-finite inputs (an
  infinite capacity, a NaN trust) give the same numbers, NaNs included.

That an edit of a rule's own file reaches both engines is tests/test_rule_edits.py.

Floats are compared by their bits: -0.0 and 0.0 differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import PROPERTY, ROOT, scenario_dicts
from hypothesis import given, settings

from terrisim import engine as engine_choice
from terrisim import kernels
from terrisim.describe import describe_model
from terrisim.exchange import negotiate, propose, reciprocity_ratio, separable_weights
from terrisim.model import TerriModel
from terrisim.output import run_scenario, write_run
from terrisim.rules.outputs import unguarded
from terrisim.rules.partners import Nearest, PartnerChoice, TrustWeighted
from terrisim.scenario import Scenario, apply_overrides, load_scenario, scenario_from_dict

needs_numba = pytest.mark.skipif(
    not kernels.HAVE_NUMBA, reason="numba not installed (pip install 'terrisim[fast]')"
)

STATE_ARRAYS = (
    "available",
    "stock",
    "consumed",
    "satisfaction",
    "reserve",
    "fiscal_health",
    "trust",
    "bias",
    "flow",
    "cost_discount",
)


def run_both(
    scenario: Scenario, steps: int | None = None, seed: int | None = None
) -> tuple[TerriModel, TerriModel]:
    """The same scenario and seed run once per engine, every territory recorded."""
    models = []
    for engine in ("numpy", "numba"):
        model = TerriModel(scenario, rng=seed, record_territories="all", engine=engine)
        model.run(steps)
        models.append(model)
    return models[0], models[1]


def bits(x: np.ndarray) -> np.ndarray:
    """The bits of a float array (so that -0.0 differs from 0.0), NaNs as one pattern."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        return x
    return np.where(np.isnan(x), np.nan, x).astype(np.float64).view(np.uint64)


def assert_identical(a: TerriModel, b: TerriModel) -> None:
    """Series, per-territory records, final state and last outcome equal bit for bit."""
    pd.testing.assert_frame_equal(a.recorder.series(), b.recorder.series(), check_exact=True)
    ta, tb = a.recorder.territories(), b.recorder.territories()
    assert (ta is None) == (tb is None)
    if ta is not None:
        pd.testing.assert_frame_equal(ta, tb, check_exact=True)
    for name in STATE_ARRAYS:
        np.testing.assert_array_equal(
            bits(getattr(a.state, name)), bits(getattr(b.state, name)), err_msg=name
        )
    for name in ("flow", "money", "deal", "perceived_balance", "balance", "engineering"):
        np.testing.assert_array_equal(
            bits(getattr(a.outcome, name)),
            bits(getattr(b.outcome, name)),
            err_msg=f"outcome.{name}",
        )


@needs_numba
@settings(PROPERTY, max_examples=30)
@given(data=scenario_dicts(steps=8))
def test_both_engines_give_identical_runs_on_random_scenarios(data: dict[str, Any]) -> None:
    assert_identical(*run_both(scenario_from_dict(data)))


@needs_numba
@pytest.mark.parametrize(
    "name",
    [
        "demo",
        "combined",
        "conference",
        "merger_forced",
        "merger_voluntary",
        "reciprocity_contract",
        "sample_csv",
    ],
)
def test_both_engines_give_identical_runs_on_the_shipped_scenarios(name: str) -> None:
    assert_identical(*run_both(load_scenario(ROOT / "configs" / f"{name}.toml"), steps=24, seed=7))


@needs_numba
def test_output_files_are_byte_identical_whichever_engine_wrote_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(ROOT / "configs" / "combined.toml")
    for engine in ("numpy", "numba"):
        monkeypatch.setenv("TERRISIM_KERNEL", engine)
        result = run_scenario(scenario, steps=12, seed=5, record_territories=True)
        assert result.model.engine == engine
        write_run(result, tmp_path / engine, scenario, 5, figure=False)
    for name in (
        "series.parquet",
        "territories.parquet",
        "summary.json",
        "events.csv",
        "manifest.json",
    ):
        assert (tmp_path / "numpy" / name).read_bytes() == (
            tmp_path / "numba" / name
        ).read_bytes(), name


@needs_numba
def test_switching_engine_between_steps_changes_nothing() -> None:
    plain = TerriModel(rng=3, engine="numpy")
    mixed = TerriModel(rng=3, engine="numpy")
    for step in range(10):
        mixed.engine = ("numpy", "numba")[step % 2]
        plain.step()
        mixed.step()
    assert_identical(plain, mixed)


class SquaredTrust(PartnerChoice):
    """A rule the kernel does not know: weights from squared trust and the partner's needs."""

    name = "squared_trust_test"

    def weights(self, state, surplus, deficit):
        """Squared trust times the partner's deficit (offer) or surplus (request)."""
        t2 = state.trust**2
        return (
            t2[:, None] * deficit[state.arc_to],
            state.reverse(t2)[:, None] * surplus[state.arc_from] + 1e-3,
        )


class TrustWeightedTwist(TrustWeighted):
    """A subclass that overrides ``weights``: must not be taken for the built-in rule."""

    def weights(self, state, surplus, deficit):
        """Built-in weights, offers halved towards even territories."""
        offer, request = super().weights(state, surplus, deficit)
        return offer * np.where(state.arc_to % 2 == 0, 0.5, 1.0)[:, None], request


@needs_numba
@pytest.mark.parametrize("rule", [SquaredTrust(), TrustWeightedTwist()])
@pytest.mark.parametrize("money", [False, True])
def test_a_partner_rule_of_ones_own_gives_the_same_outcome_on_both_engines(
    rule: PartnerChoice, money: bool
) -> None:
    scenario = scenario_from_dict({"exchange": {"money": money}})
    model = TerriModel(scenario, rng=2)
    model.run(5)
    assert separable_weights(model.state, rule) is None
    outcomes = [
        negotiate(
            model.state,
            model.valuation,
            rule,
            scenario.exchange,
            model.engineering_left(),
            engine=engine,
        )
        for engine in ("numpy", "numba")
    ]
    assert outcomes[0].deal.any()
    for name in ("flow", "money", "deal", "perceived_balance", "balance", "engineering"):
        np.testing.assert_array_equal(
            getattr(outcomes[0], name), getattr(outcomes[1], name), err_msg=name
        )


@pytest.mark.parametrize("rule", [TrustWeighted(), Nearest()])
def test_separable_factors_reproduce_the_built_in_weights_exactly(rule: PartnerChoice) -> None:
    model = TerriModel(rng=4)
    model.run(3)
    s = model.state
    surplus = np.maximum(s.available - s.effective_need, 0.0)
    deficit = np.maximum(s.effective_need - s.available, 0.0)
    offer, request = rule.weights(s, surplus, deficit)
    f_offer, f_request = separable_weights(s, rule)
    np.testing.assert_array_equal(f_offer[:, None] * deficit[s.arc_to], offer)
    np.testing.assert_array_equal(f_request[:, None] * surplus[s.arc_from], request)


@pytest.mark.parametrize("engine", ["numpy", "numba"] if kernels.HAVE_NUMBA else ["numpy"])
def test_vanishing_trust_gives_finite_proposals_within_the_surplus(engine: str) -> None:
    scenario = scenario_from_dict({"trust": {"initial": 5e-324, "tension_share": 0.0}})
    model = TerriModel(scenario, rng=1, engine=engine)
    model.run(3)
    assert np.isfinite(model.outcome.flow).all()
    assert np.isfinite(model.state.satisfaction).all()
    assert np.isfinite(model.recorder.series()["gini"]).all()


@needs_numba
@pytest.mark.parametrize("tau", [0.0, 1.0])
def test_both_engines_agree_at_the_edges_of_the_reciprocity_tolerance(tau: float) -> None:
    scenario = scenario_from_dict(
        {
            "exchange": {"reciprocity_tolerance": tau, "money": True},
            "trust": {"bias": {"urban->rural": 0.0, "rural->urban": 0.0}},
        }
    )
    numpy_run, numba_run = run_both(scenario, steps=6, seed=3)
    assert_identical(numpy_run, numba_run)
    assert numpy_run.recorder.series()["deals"].sum() > 0


def test_reciprocity_ratio_is_infinite_when_nothing_is_owed_but_something_received() -> None:
    received = np.array([1.0, 0.0, 1.0, 3.0])
    owed = np.array([0.0, 0.0, 2.0, -0.0])
    expected = [np.inf, 0.0, 0.5, np.inf]
    np.testing.assert_array_equal(reciprocity_ratio(received, owed), expected)
    compiled = [kernels._reciprocity_ratio(r, o) for r, o in zip(received, owed, strict=True)]
    np.testing.assert_array_equal(compiled, expected)


@pytest.mark.parametrize("engine", ["numpy", "numba"] if kernels.HAVE_NUMBA else ["numpy"])
def test_full_tolerance_trades_the_full_proposals_of_every_two_way_link(engine: str) -> None:
    """tau = 1 (ODD 7.4.3): any basket is acceptable, so no side is trimmed."""
    scenario = scenario_from_dict({"exchange": {"reciprocity_tolerance": 1.0}})
    model = TerriModel(scenario, rng=5, engine=engine)
    model.run(2)
    s = model.state
    surplus = np.maximum(s.available - s.effective_need, 0.0)
    deficit = np.maximum(s.effective_need - s.available, 0.0)
    proposed = propose(s, model.partners, surplus, deficit).sum(axis=1)
    outcome = negotiate(
        s,
        model.valuation,
        model.partners,
        scenario.exchange,
        model.engineering_left(),
        engine=engine,
    )
    e = s.n_links
    two_way = (proposed[:e] > 0) & (proposed[e:] > 0)
    assert two_way.any() and outcome.deal[two_way].any()
    # the same scale on both arcs of a link: trim 1 on both sides
    delivered = outcome.flow.sum(axis=1)
    np.testing.assert_allclose(
        delivered[:e][two_way] / proposed[:e][two_way],
        delivered[e:][two_way] / proposed[e:][two_way],
        rtol=1e-12,
    )


@needs_numba
def test_delivery_over_the_moving_links_equals_the_delivery_over_every_arc() -> None:
    model = TerriModel(scenario_from_dict({"exchange": {"money": True}}), rng=6, engine="numba")
    model.run(4)
    s, outcome = model.state, model.outcome
    assert 0 < outcome.moving.size < s.n_links
    np.testing.assert_array_equal(
        np.flatnonzero(
            outcome.flow[: s.n_links].any(axis=1)
            | outcome.flow[s.n_links :].any(axis=1)
            | (outcome.money[: s.n_links] != 0)
            | (outcome.money[s.n_links :] != 0)
        ),
        outcome.moving,
    )
    results = []
    for moving, use in ((outcome.moving, True), (np.zeros(0, np.int64), False)):
        volume = np.zeros(len(s.goods))
        results.append(
            (
                *kernels.deliver_arcs(
                    s.src,
                    s.dst,
                    outcome.flow,
                    outcome.money,
                    s.available,
                    s.reserve,
                    volume,
                    moving,
                    use,
                ),
                volume,
            )
        )
    for every_arc, moving_only in zip(*results, strict=True):
        np.testing.assert_array_equal(every_arc, moving_only)


# ---------------------------------------------------------------------------- unusual shapes
def goods_table(count: int, seed: int = 0) -> dict[str, Any]:
    """``count`` goods with random needs and capacities per kind (a scenario's goods table)."""
    rng = np.random.default_rng(seed)
    kinds = list(Scenario().kinds)
    return {
        f"g{g}": {
            "storable": bool(g % 2),
            "public": g % 5 == 0,
            "price": float(1 + g % 3),
            "need": {k: float(rng.uniform(0, 5)) for k in kinds},
            "capacity": {k: float(rng.uniform(0, 5)) for k in kinds},
        }
        for g in range(count)
    }


@needs_numba
@pytest.mark.parametrize(
    ("goods", "money"), [(1, True), (2, False), (2, True), (70, False), (70, True)]
)
def test_both_engines_agree_with_one_good_and_with_more_goods_than_bit_masks_hold(
    goods: int, money: bool
) -> None:
    # one good (traded only for money): numpy sums a single column of flows pairwise (the
    # volume series); more than 62 goods: the kernel computes every proposal, without masks
    scenario = scenario_from_dict(
        {
            "goods": goods_table(goods),
            "replace_goods": True,
            "shocks": [],
            "exchange": {"money": money, "money_share": 1.0},
            "territories": {
                "generator": {
                    "counts": {
                        "metropolis": 3,
                        "town": 20,
                        "periurban": 60,
                        "rural": 80,
                        "mountain": 20,
                    }
                }
            },
        }
    )
    a, b = run_both(scenario, steps=8, seed=2)
    assert a.recorder.series()["deals"].sum() > 0
    assert_identical(a, b)


@needs_numba
@pytest.mark.parametrize("broken", ["infinite capacity", "NaN trust"])
def test_both_engines_agree_on_non_finite_inputs(broken: str) -> None:
    # a rule or a hand-made state can bring inf or NaN (scenario files cannot): the kernel
    # then computes every proposal, as the reference does, and gives the same NaNs
    outcomes = []
    for engine in ("numpy", "numba"):
        model = TerriModel(rng=4, engine=engine)
        model.run(3)
        s = model.state
        if broken == "infinite capacity":
            s.available = s.available.copy()
            s.available[2, 0] = np.inf
        else:
            s.trust = s.trust.copy()
            s.trust[5] = np.nan
        # the run's guard would stop at the NaN factors: this checks the kernel itself
        with np.errstate(all="ignore"), unguarded():
            outcomes.append(
                negotiate(
                    s,
                    model.valuation,
                    model.partners,
                    model.config.exchange,
                    model.engineering_left(),
                    engine=engine,
                )
            )
    assert np.isnan(outcomes[0].flow).any()
    for name in ("flow", "money", "deal", "perceived_balance", "balance", "engineering"):
        np.testing.assert_array_equal(
            bits(getattr(outcomes[0], name)), bits(getattr(outcomes[1], name)), err_msg=name
        )


def test_engine_names_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="engine 'fortran' is unknown"):
        engine_choice.engine_name("fortran")
    with pytest.raises(ValueError, match="engine 'fortran' is unknown"):
        TerriModel(engine="fortran")
    monkeypatch.setenv("TERRISIM_KERNEL", "numpy")
    assert engine_choice.engine_name() == "numpy"
    assert TerriModel(rng=1).engine == "numpy"
    monkeypatch.setenv("TERRISIM_KERNEL", "bogus")
    with pytest.raises(ValueError, match="TERRISIM_KERNEL"):
        engine_choice.engine_name()
    monkeypatch.setattr(engine_choice, "HAVE_NUMBA", False)
    assert engine_choice.engine_name("auto") == "numpy"
    with pytest.raises(ValueError, match=r"pip install 'terrisim\[fast\]'"):
        engine_choice.engine_name("numba")


@needs_numba
def test_auto_takes_numba_from_auto_numba_links_links_on_and_numpy_below(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TERRISIM_KERNEL", raising=False)
    least = engine_choice.AUTO_NUMBA_LINKS
    assert engine_choice.engine_name("auto", links=least) == "numba"
    assert engine_choice.engine_name("auto", links=least - 1) == "numpy"
    assert engine_choice.engine_name("auto") == "numba"  # links unknown
    assert engine_choice.engine_name("numba", links=1) == "numba"  # asked for by name
    demo = TerriModel(rng=1)  # 15 territories, 34 links
    assert demo.state.n_links < least and demo.engine == "numpy"
    large = TerriModel(
        apply_overrides(load_scenario(None), {"territories.generator.counts": {"rural": 120}})
    )
    assert large.state.n_links >= least and large.engine == "numba"
    # terrisim describe says why
    expected = f"engine numpy (auto: {demo.state.n_links} links, numba only from 200 on):"
    assert expected in describe_model(demo)
    assert f"engine numba (auto: {large.state.n_links:,} links" in describe_model(large)
    assert "engine numba:" in describe_model(TerriModel(rng=1, engine="numba"))
