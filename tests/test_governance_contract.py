"""Reciprocity contracts (ODD 7.5.1, docs/governance.md): what they promise and what they do."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT, SEEDS, demo, run
from scipy.stats import wilcoxon

from terrisim import apply_overrides
from terrisim.governance.common import arc_of, unmet_share
from terrisim.governance.signing import SIGN_RULES
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from terrisim.scenario.layout import LINK_KINDS

DROUGHT = [{"kind": "drought", "at": 24, "duration": 6, "magnitude": 0.6}]


def test_a_distant_pair_gets_a_contract_link_and_a_balanced_basket():
    model = TerriModel(ROOT / "configs" / "reciprocity_contract.toml", record_territories=False)
    s, contract = model.state, model.institutions[0]
    a, b = list(s.ids).index("T00"), list(s.ids).index("T08")
    link = contract.link[0]
    assert {int(s.src[link]), int(s.dst[link])} == {a, b}
    assert LINK_KINDS[s.link_kind[link]] == "contract"
    assert s.cost_discount[link] == pytest.approx(0.5)
    value = contract.basket[0] @ s.price
    assert (value > 0).all()
    tolerance = model.config.exchange.reciprocity_tolerance
    assert value.min() >= (1 - tolerance) * value.max() - 1e-9
    # only surpluses are promised: a side never promises more than it produces beyond needs
    surplus = np.maximum(s.capacity - s.need, 0.0)
    assert (contract.basket[0, 0] <= surplus[a] + 1e-9).all()
    assert (contract.basket[0, 1] <= surplus[b] + 1e-9).all()
    # new links get the trust of a relation without history and the kinds' representations
    arc = arc_of(s, np.array([link]), np.array([a]))[0]
    assert s.bias[arc] == pytest.approx(model.config.trust.bias["urban->rural"])


def test_each_metropolis_contracts_with_its_best_rural_partners():
    counts = {"metropolis": 2, "town": 2, "periurban": 3, "rural": 8, "mountain": 2}
    scenario = demo(
        [{"rule": "reciprocity_contract", "sign_rule": "always", "partners_per_pole": 3}],
        **{"territories.generator.counts": counts},
    )
    model = TerriModel(scenario, rng=3, record_territories=False)
    s, contract = model.state, model.institutions[0]
    assert contract.a.size == 6
    assert all(s.kinds[k] == "metropolis" for k in s.kind[contract.a])
    assert all(s.kinds[k] == "rural" for k in s.kind[contract.b])
    assert len(set(contract.b.tolist())) == 6  # a partner holds one automatic contract
    assert contract.active.all()


def test_contracts_keep_exchanges_flowing_through_a_shock_better_than_ad_hoc_deals():
    """Exchange volume during a drought relative to the six steps before, paired by seed."""

    def kept(governance: list[dict], seed: int) -> float:
        _, series = run(demo(governance, shocks=DROUGHT), seed, steps=30)
        volume = series["volume_value"].to_numpy()
        return volume[23:29].mean() / volume[17:23].mean()

    ad_hoc = np.array([kept([], seed) for seed in SEEDS])
    contract = np.array(
        [kept([{"rule": "reciprocity_contract", "sign_rule": "always"}], seed) for seed in SEEDS]
    )
    assert np.median(contract) > np.median(ad_hoc)
    assert wilcoxon(contract, ad_hoc, alternative="greater").pvalue < 0.05


def town_and_village(governance: list[dict], shocks: list[dict]) -> Scenario:
    """A town short of food and a village short of health care; nothing is storable."""
    town = {
        "urban": True,
        "population": 10_000,
        "population_sigma": 0.0,
        "fiscal_base": 1.0,
        "grant": 0.3,
        "spending": 1.2,
        "engineering": 1.0,
    }
    village = {**town, "urban": False, "population": 5_000}
    return scenario_from_dict(
        {
            "replace_kinds": True,
            "replace_goods": True,
            "kinds": {"town": town, "rural": village},
            "goods": {
                "food": {
                    "storable": False,
                    "need": {"town": 1.0, "rural": 1.0},
                    "capacity": {"town": 0.2, "rural": 3.0},
                },
                "health": {
                    "storable": False,
                    "need": {"town": 1.0, "rural": 1.0},
                    "capacity": {"town": 2.0, "rural": 0.2},
                },
            },
            # one territory of each kind (T0 the town, T1 the village)
            "territories": {
                "generator": {"capacity_jitter": 0.0, "need_jitter": 0.0, "leaning_sd": 0.0}
            },
            "trust": {"initial": 0.8, "tension_share": 0.0, "cleavage_weight": 0.0},
            "governance": governance,
            "shocks": shocks,
        }
    )


def test_a_defaulting_side_fills_the_shortfall_and_its_partner_trusts_it_less():
    """Commitment 0 and an overwhelming default pressure: the village delivers only from its
    surplus, which a drought has emptied (an honouring side delivers from what it has at hand);
    the town records the shortfall and trusts the village less."""
    shocks = [{"kind": "drought", "at": 2, "duration": 10, "magnitude": 0.7}]

    def contract_run(commitment: float, trust_weight: float) -> TerriModel:
        rule = {
            "rule": "reciprocity_contract",
            "sign_rule": "always",
            "pairs": [["T0", "T1"]],
            "commitment": commitment,
            "trust_weight": trust_weight,
        }
        model = TerriModel(town_and_village([rule], shocks), rng=5, record_territories=False)
        model.run(4)
        return model

    broken, kept = contract_run(0.0, 10.0), contract_run(1.0, 0.0)
    c = broken.institutions[0]
    assert c.basket[0, 1, 0] > 0  # the village promised food
    assert c.shortfall[0, 1] == pytest.approx(1.0)  # and, with no surplus left, delivers none
    assert kept.institutions[0].shortfall[0, 1] == 0.0  # the committed village delivers it all
    arc = arc_of(broken.state, c.link[:1], c.a[:1])[0]  # town -> village
    assert broken.outcome.shortfall[arc] == pytest.approx(1.0)
    assert broken.state.trust[arc] < kept.state.trust[arc]
    assert broken.recorder.series()["contract_delivery_rate"].iloc[-1] < 1.0
    assert any(e["kind"] == "contract_breach" for e in broken.events)


def test_expiry_renews_kept_contracts_and_drops_broken_ones():
    shocks = [{"kind": "drought", "at": 1, "permanent": True, "magnitude": 1.0}]
    kept = TerriModel(
        demo(
            [
                {
                    "rule": "reciprocity_contract",
                    "sign_rule": "always",
                    "duration": 6,
                    "commitment": 1.0,
                }
            ]
        ),
        rng=2,
        record_territories=False,
    )
    kept.run(7)
    assert kept.institutions[0].active.all()
    assert kept.institutions[0].counts["renewed"] == 2
    # food and water fail (about 40% of the rural basket): below a 95% record it is dropped
    broken = TerriModel(
        demo(
            [
                {
                    "rule": "reciprocity_contract",
                    "sign_rule": "always",
                    "duration": 6,
                    "commitment": 0.0,
                    "trust_weight": 10.0,
                    "drop_threshold": 0.95,
                    "renew_threshold": 0.99,
                }
            ],
            shocks=shocks,
        ),
        rng=2,
        record_territories=False,
    )
    contract = broken.institutions[0]
    link = contract.link.copy()
    assert (broken.state.cost_discount[link] > 0).all()
    broken.run(7)
    assert not contract.active.any()
    assert contract.counts["dropped"] == 2
    assert (broken.state.cost_discount[link] == 0).all()  # the discount goes with the contract
    kinds = [e["kind"] for e in broken.events]
    assert "contract_dropped" in kinds
    assert any("abandonnent" in e["text_fr"] for e in broken.events)


def test_contracts_use_engineering_before_ad_hoc_deals():
    model = TerriModel(
        demo([{"rule": "reciprocity_contract", "sign_rule": "always"}]),
        rng=1,
        record_territories=False,
    )
    model.open_step()
    model.apply_shocks()
    model.produce()
    before = model.engineering_left()
    model.govern()
    contract = model.institutions[0]
    ends = np.concatenate([contract.a, contract.b])
    assert (model.engineering_left()[ends] < before[ends]).all()


def test_an_unknown_pair_id_is_a_scenario_error():
    scenario = demo(
        [{"rule": "reciprocity_contract", "sign_rule": "always", "pairs": [["T00", "T99"]]}]
    )
    with pytest.raises(ScenarioError, match="T99"):
        TerriModel(scenario)


def test_the_example_scenario_loads_and_names_its_contract_pair():
    scenario = load_scenario(ROOT / "configs" / "reciprocity_contract.toml")
    model = TerriModel(scenario, record_territories=False)
    model.run(30)
    series = model.recorder.series()
    assert series["contracts_active"].iloc[-1] == 1
    assert series["volume_value_contract"].min() > 0
    assert "signent un contrat de réciprocité" in model.events[0]["text_fr"]


@pytest.mark.parametrize(
    ("commitment", "need_weight", "trust_weight"),
    [(0.4, 0.5, 1.0), (0.0, 2.0, 0.0), (0.5, 0.0, 2.0)],
)
def test_a_side_defaults_as_often_as_commitment_unmet_needs_and_distrust_say(
    commitment, need_weight, trust_weight
):
    """``z = (1 - k) min(1, w_u u + w_t (1 - t))``, counted over 300 steps.

    A permanent drought empties the village's food surplus: defaulting, it delivers nothing
    of the promised food (shortfall 1); honouring, it delivers it all from what it has at hand
    (shortfall 0). The number of defaults must match the sum of the z computed from the state
    just before each govern phase (Poisson-binomial, normal approximation)."""
    shocks = [{"kind": "drought", "at": 1, "permanent": True, "magnitude": 0.7}]
    rule = {
        "rule": "reciprocity_contract",
        "sign_rule": "always",
        "pairs": [["T0", "T1"]],
        "duration": 10_000,
        "commitment": commitment,
        "need_weight": need_weight,
        "trust_weight": trust_weight,
    }
    model = TerriModel(town_and_village([rule], shocks), rng=11, record_territories=False)
    contract, s = model.institutions[0], model.state
    village = int(contract.b[0])
    village_arc = arc_of(s, contract.link[:1], contract.b[:1])[0]  # village -> town
    expected, shortfall = [], []
    govern = model.govern

    def watched() -> None:
        pressure = need_weight * unmet_share(s)[village] + trust_weight * (1 - s.trust[village_arc])
        expected.append((1 - commitment) * min(1.0, pressure))
        govern()
        shortfall.append(contract.shortfall[0, 1])

    model.govern = watched
    model.run(300)
    z, short = np.array(expected), np.array(shortfall)
    assert set(np.round(short, 9)) <= {0.0, 1.0}  # every step is a clean default or not
    assert 0.1 < z.mean() < 0.95
    assert abs(short.sum() - z.sum()) < 3.5 * np.sqrt((z * (1 - z)).sum())


def test_a_weak_commitment_delivers_less_through_a_severe_drought_and_loses_trust():
    """Paired by seed: commitment 0.2 against 0.9 on the demo's automatic contracts, during a
    year-long 90% drought (stocks run out, so a defaulting rural side falls short)."""
    drought = [{"kind": "drought", "at": 12, "duration": 12, "magnitude": 0.9}]
    results = {}
    for commitment in (0.2, 0.9):
        rows = []
        for seed in SEEDS:
            model, series = run(
                demo(
                    [
                        {
                            "rule": "reciprocity_contract",
                            "sign_rule": "always",
                            "commitment": commitment,
                        }
                    ],
                    shocks=drought,
                ),
                seed,
                30,
            )
            contract, s = model.institutions[0], model.state
            arcs = np.concatenate([contract.link, contract.link + s.n_links])
            rows.append([series["contract_delivery_rate"].iloc[11:24].mean(), s.trust[arcs].mean()])
        results[commitment] = np.array(rows)
    weak, strong = results[0.2], results[0.9]
    assert (weak[:, 0] < 1.0).all()
    for column in (0, 1):  # delivery rate, trust on the contract links
        assert wilcoxon(strong[:, column], weak[:, column], alternative="greater").pvalue < 0.01


def test_a_half_kept_contract_is_renegotiated_from_the_current_situation():
    """Under a permanent total drought the rural side cannot deliver food and water; with
    its record between the drop and renew thresholds the contract gets a new basket without
    them, and a new term."""
    shocks = [{"kind": "drought", "at": 1, "permanent": True, "magnitude": 1.0}]
    model = TerriModel(
        demo(
            [
                {
                    "rule": "reciprocity_contract",
                    "sign_rule": "always",
                    "duration": 6,
                    "commitment": 0.0,
                    "trust_weight": 10.0,
                    "drop_threshold": 0.3,
                    "renew_threshold": 0.99,
                }
            ],
            shocks=shocks,
        ),
        rng=2,
        record_territories=False,
    )
    contract, s = model.institutions[0], model.state
    dry = [s.goods.index("food"), s.goods.index("water")]
    before = contract.basket.copy()
    assert before[:, 1, dry].sum() > 0  # the rural sides promised food and water
    model.run(6)
    rate = contract.delivery_rate()
    assert contract.counts["renegotiated"] == contract.a.size and contract.active.all()
    assert (contract.end == 12).all()
    assert contract.basket[:, 1, dry].sum() == pytest.approx(0.0)  # no surplus left to promise
    assert (contract.basket @ s.price > 0).all()
    assert (contract.promised == 0).all()  # the record starts again
    renegotiated = [e for e in model.events if e["kind"] == "contract_renegotiated"]
    assert len(renegotiated) == contract.a.size
    assert renegotiated[0]["rate"] < 0.99 and rate.min() == 1.0


def test_the_contract_discount_makes_ad_hoc_deals_on_its_link_larger():
    """Paired by seed: the same distant contract with the default discount (0.5) or none; ad
    hoc deals on the contract link (57 km) weigh ``exp(-d / d0 (1 - discount))``."""
    base = load_scenario(ROOT / "configs" / "reciprocity_contract.toml")
    volume = {}
    for discount in (0.0, 0.5):
        scenario = apply_overrides(base, {"governance.0.cost_discount": discount, "shocks": []})
        totals = []
        for seed in range(1, 7):
            model = TerriModel(scenario, rng=seed, record_territories=False)
            link = model.institutions[0].link[0]
            s, total = model.state, 0.0
            for _ in range(24):
                model.step()
                total += float((s.flow[[link, link + s.n_links]] @ s.price).sum())
            totals.append(total)
        volume[discount] = np.array(totals)
    assert (volume[0.5] > volume[0.0]).all()


def test_each_pair_can_have_its_own_commitment():
    """Two contracts of the metropolis, one fully committed and one not at all, under a
    permanent 85% drought (no food or water surplus left, but stocks and some production at
    hand) and an overwhelming pressure to default: only the uncommitted one falls short."""
    shocks = [{"kind": "drought", "at": 1, "permanent": True, "magnitude": 0.85}]
    rule = {
        "rule": "reciprocity_contract",
        "sign_rule": "always",
        "pairs": [["T00", "T08"], ["T00", "T09"]],
        "commitments": [1.0, 0.0],
        "trust_weight": 10.0,
        "duration": 100,
    }
    model, _ = run(demo([rule], shocks=shocks), seed=3, steps=6)
    contract = model.institutions[0]
    table = contract.contracts(model)
    assert table["commitment"].tolist() == [1.0, 0.0]
    assert table["delivery_rate"].iloc[0] == 1.0 > 0.99 > table["delivery_rate"].iloc[1]
    with pytest.raises(ScenarioError, match="commitments: 1 values for 2 pairs"):
        TerriModel(demo([{**rule, "commitments": [0.5]}]))


def test_each_side_signs_with_the_probability_of_its_trust():
    """Rule ``trust``: both sign iff ``xi[c, 0] < t_ab`` and ``xi[c, 1] < t_ba``."""
    rule = SIGN_RULES["trust"]
    trust_ab, trust_ba = np.full(20_000, 0.8), np.full(20_000, 0.5)
    signed = rule(trust_ab, trust_ba, np.random.default_rng(7))
    xi = np.random.default_rng(7).random((20_000, 2))
    assert (signed == ((xi[:, 0] < 0.8) & (xi[:, 1] < 0.5))).all()
    assert abs(signed.mean() - 0.4) < 4 * np.sqrt(0.4 * 0.6 / 20_000)
    assert SIGN_RULES["always"](trust_ab, trust_ba, np.random.default_rng(7)).all()


def test_a_refused_contract_is_counted_told_and_never_active():
    model, series = run(demo([{"rule": "reciprocity_contract"}]), seed=1, steps=12)
    contract = model.institutions[0]
    assert contract.counts["refused"] == 2 and contract.counts["signed"] == 0
    assert (series["contracts_active"] == 0).all() and (series["contracts_refused"] == 2).all()
    assert sum(e["kind"] == "contract_refused" for e in model.events) == 2


def test_the_sign_rule_draws_against_the_trust_on_the_contract_link():
    """Same seed, trust on the contract links raised to 1 before signing: every contract signs."""
    scenario = demo([{"rule": "reciprocity_contract", "sign_rule": "trust"}])
    model = TerriModel(scenario, rng=1, record_territories=False)
    contract, s = model.institutions[0], model.state
    s.trust[:] = 1.0
    assert contract.agreed(model, np.arange(contract.a.size)).all()
    s.trust[:] = 0.0
    assert not contract.agreed(model, np.arange(contract.a.size)).any()


def test_a_kept_contract_that_a_side_does_not_renew_ends():
    model, series = run(demo([{"rule": "reciprocity_contract"}]), seed=11, steps=60)
    contract = model.institutions[0]
    assert contract.counts["not_renewed"] == 1
    assert series["contracts_active"].iloc[-1] == series["contracts_active"].iloc[0] - 1
    assert any(e["kind"] == "contract_not_renewed" for e in model.events)


def test_an_unknown_sign_rule_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="sign_rule: unknown rule 'coin'; allowed"):
        TerriModel(demo([{"rule": "reciprocity_contract", "sign_rule": "coin"}]))
