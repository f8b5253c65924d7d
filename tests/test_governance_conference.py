"""Conference of elected officials (ODD 7.5.2, docs/governance.md): what a forum does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import ROOT, SEEDS, demo, run
from scipy.stats import wilcoxon

from terrisim import apply_overrides
from terrisim.experiments.governance_effects import project_territory
from terrisim.governance.common import select_members
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, ScenarioError, scenario_from_dict


def test_conferences_raise_urban_rural_trust_and_reduce_misperception():
    """Mean of the last year, conference against ad hoc deals only, paired by seed."""
    trust, misperception = {}, {}
    for rule in ("none", "conference"):
        rows = [run(demo([{"rule": rule}], steps=48), seed)[1].iloc[-12:] for seed in SEEDS]
        trust[rule] = np.array([r["trust_urban_rural"].mean() for r in rows])
        misperception[rule] = np.array([r["misperception"].mean() for r in rows])
    assert wilcoxon(trust["conference"], trust["none"], alternative="greater").pvalue < 0.01
    assert (
        wilcoxon(misperception["conference"], misperception["none"], alternative="less").pvalue
        < 0.01
    )
    assert np.median(trust["conference"] - trust["none"]) > 0.05
    assert np.median(misperception["conference"]) < 0.5 * np.median(misperception["none"])


def test_an_open_forum_reaches_the_periphery_but_dilutes_engagement_and_cooperation():
    """Smaldino and Lubell (2011): the same project territory with a restricted forum (its 10
    territories nearest to the metropolis) or an open one (all 40), paired by seed.

    The trade-off: the open forum's members attend less, its meetings fail more often, the
    core members end up trusting each other less and less is exchanged overall; but the
    periphery, which the restricted forum leaves out, gets a shared diagnosis (less
    misperception) and more trust on its links."""
    results: dict[float, list[list[float]]] = {0.25: [], 1.0: []}
    for seed in range(1, 9):
        core = None
        for inclusiveness in (0.25, 1.0):
            model, series = run(project_territory(inclusiveness), seed)
            s, forum = model.state, model.institutions[0]
            if core is None:
                core = np.zeros(s.n, bool)
                core[forum.members] = True
            arcs = core[s.arc_from] & core[s.arc_to]
            results[inclusiveness].append(
                [
                    series["conference_attendance"].mean(),
                    series["conference_failed"].iloc[-1],
                    s.trust[arcs].mean(),
                    series["volume_value"].mean(),
                    s.bias[~arcs].mean(),
                    s.trust[~arcs].mean(),
                ]
            )
    restricted, open_forum = np.array(results[0.25]), np.array(results[1.0])
    attendance, failed, core_trust, volume, periphery_bias, periphery_trust = range(6)
    assert (open_forum[:, attendance] < restricted[:, attendance]).all()
    assert open_forum[:, failed].mean() > restricted[:, failed].mean()
    for column in (core_trust, volume, periphery_bias):
        assert (
            wilcoxon(restricted[:, column], open_forum[:, column], alternative="greater").pvalue
            < 0.05
        )
    assert (
        wilcoxon(
            open_forum[:, periphery_trust], restricted[:, periphery_trust], alternative="greater"
        ).pvalue
        < 0.05
    )


def cycle_of_three() -> Scenario:
    """Three territories in a cycle: A has what C needs, C what B needs, B what A needs.

    No pair can make a reciprocal deal (what one gives, the other cannot pay back); only a
    multilateral clearing can.
    """
    kind = {
        "urban": False,
        "population": 10_000,
        "population_sigma": 0.0,
        "fiscal_base": 1.0,
        "grant": 0.3,
        "spending": 1.2,
        "engineering": 5.0,
    }
    goods = {}
    for good, maker, taker in (("g1", "a", "c"), ("g2", "b", "a"), ("g3", "c", "b")):
        goods[good] = {
            "storable": False,
            "need": {k: 1.0 if k == taker else 0.0 for k in "abc"},
            "capacity": {k: 2.0 if k == maker else 0.0 for k in "abc"},
        }
    return scenario_from_dict(
        {
            "replace_kinds": True,
            "replace_goods": True,
            "kinds": {"a": kind, "b": kind, "c": kind},
            "goods": goods,
            "territories": {
                "generator": {
                    "capacity_jitter": 0.0,
                    "need_jitter": 0.0,
                    "leaning_sd": 0.0,
                    "spacing_km": 10.0,
                }
            },
            "trust": {"initial": 0.8, "tension_share": 0.0, "cleavage_weight": 0.0},
            "governance": [
                {"rule": "conference", "radius_km": float("inf"), "engagement": 1.0, "quorum": 0.0}
            ],
        }
    )


def test_a_conference_finds_a_multilateral_cycle_that_no_pair_finds_alone():
    alone = TerriModel(apply_overrides(cycle_of_three(), {"governance": []}), rng=1)
    alone.run(3)
    assert alone.recorder.series()["volume_value"].sum() == 0.0
    assert alone.state.satisfaction_mean.max() < 1.0

    model = TerriModel(cycle_of_three(), rng=1)
    model.run(3)
    forum = model.institutions[0]
    assert forum.plan_giver.size == 3  # a -> c, b -> a, c -> b
    s = model.state
    given = np.bincount(forum.plan_giver, forum.plan @ s.price, s.n)
    received = np.bincount(forum.plan_receiver, forum.plan @ s.price, s.n)
    tolerance = model.config.exchange.reciprocity_tolerance
    assert (received >= (1 - tolerance) * given - 1e-9).all()  # multilateral reciprocity
    assert s.satisfaction_mean == pytest.approx(np.ones(3))
    assert model.recorder.series()["volume_value_conference"].iloc[-1] > 0


def test_a_meeting_below_quorum_achieves_nothing():
    model, series = run(demo([{"rule": "conference", "engagement": 0.0}]), seed=4, steps=9)
    assert series["conference_failed"].iloc[-1] == series["conference_meetings"].iloc[-1] == 3
    assert series["conference_projects"].max() == 0
    assert (series["misperception"] == series["misperception"].iloc[0]).all()
    assert any("quorum" in e["text_fr"] for e in model.events)


def test_attending_costs_engineering():
    model = TerriModel(
        demo([{"rule": "conference", "engagement": 1.0, "clearing": False, "meeting_cost": 0.25}]),
        rng=2,
        record_territories=False,
    )
    model.apply_shocks()
    model.produce()
    before = model.engineering_left()
    model.govern()
    forum = model.institutions[0]
    spent = before - model.engineering_left()
    assert spent[forum.attending] == pytest.approx(np.minimum(0.25, before[forum.attending]))
    absent = np.setdiff1d(np.arange(model.state.n), forum.attending)
    assert (spent[absent] == 0).all()


def test_members_are_the_project_territory_nearest_first_and_inclusiveness_keeps_the_core():
    model = TerriModel(demo([]), rng=1, record_territories=False)
    s = model.state
    members, pole = select_members(s, ids=[], kinds=[], pole="", radius_km=40.0)
    assert pole == int(np.argmax(np.where(s.urban, s.population, 0)))
    distance = np.hypot(*(s.xy[members] - s.xy[pole]).T)
    assert members[0] == pole and (np.diff(distance) >= 0).all() and distance.max() <= 40.0
    core, _ = select_members(s, ids=[], kinds=[], pole="", radius_km=40.0, inclusiveness=0.5)
    assert core.size == int(np.ceil(members.size / 2)) and (core == members[: core.size]).all()
    # a name is a kind if some kind has it ("rural"), else a class ("urban")
    rural, _ = select_members(s, ids=[], kinds=["rural"], pole="", radius_km=np.inf)
    assert set(rural[1:]) == set(np.flatnonzero(s.kind == list(s.kinds).index("rural")))
    urban, _ = select_members(s, ids=[], kinds=["urban", "mountain"], pole="", radius_km=np.inf)
    mountain = s.kind == list(s.kinds).index("mountain")
    assert set(urban) == set(np.flatnonzero(s.urban | mountain))
    with pytest.raises(ScenarioError, match=r"conference\.kinds: unknown kind 'farm'"):
        select_members(s, ids=[], kinds=["farm"], pole="", radius_km=np.inf, where="conference")


def test_a_conference_of_one_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="at least 2 members"):
        TerriModel(demo([{"rule": "conference", "radius_km": 0.0}]))


def test_the_example_scenario_runs_and_tells_its_meetings():
    model = TerriModel(ROOT / "configs" / "conference.toml", record_territories=False)
    model.run(12)
    series = model.recorder.series()
    assert series["conference_members"].iloc[0] == 14
    assert series["conference_meetings"].iloc[-1] == 4
    assert any("Conférence des élus" in e["text_fr"] for e in model.events)


def test_members_attend_as_often_as_engagement_and_engineering_allow():
    """``P(attend) = e min(1, engineering_left / meeting_cost)``, counted over 120 meetings.

    A costly meeting (8 engineering units) is out of reach of most rural and mountain
    members' staff every time, never of the cities'."""
    scenario = demo(
        [
            {
                "rule": "conference",
                "radius_km": float("inf"),
                "period": 1,
                "meeting_cost": 8.0,
                "engagement": 0.8,
            }
        ]
    )
    model = TerriModel(scenario, rng=6, record_territories=False)
    forum = model.institutions[0]
    probability, attended = [], []
    govern = model.govern

    def watched() -> None:
        left = model.engineering_left()[forum.members]
        probability.append(forum.engagement * np.minimum(1.0, left / 8.0))
        govern()
        attended.append(np.isin(forum.members, forum.attending))

    model.govern = watched
    model.run(120)
    p, x = np.array(probability), np.array(attended)
    assert p.min() < 0.5 < p.max()  # the cost really bites for some members
    for group in (p < 0.6, p >= 0.6):  # the short-staffed and the others, separately
        expected, sd = p[group].sum(), np.sqrt((p[group] * (1 - p[group])).sum())
        assert abs(x[group].sum() - expected) < 3.5 * sd


def test_a_meeting_erodes_representations_and_raises_trust_among_attendees_only():
    """On arcs between attendees: ``bias *= 1 - diagnosis a``, ``trust += gain a (1 - trust)``
    with the attention ``a = min(1, capacity / attendees)``; every other arc is untouched."""
    scenario = demo(
        [
            {
                "rule": "conference",
                "radius_km": float("inf"),
                "engagement": 0.7,
                "capacity": 4,
                "free_riding": 0.0,
                "diagnosis": 0.2,
                "trust_gain": 0.1,
                "quorum": 0.0,
            }
        ]
    )
    model = TerriModel(scenario, rng=3, record_territories=False)
    s, forum = model.state, model.institutions[0]
    model.apply_shocks()
    model.produce()
    bias, trust = s.bias.copy(), s.trust.copy()
    model.steps = 1  # a meeting step (first_meeting = 1)
    model.govern()
    n = forum.attending.size
    assert 4 < n < forum.members.size
    a = 4 / n
    assert forum.attention == pytest.approx(a)
    present = np.isin(np.arange(s.n), forum.attending)
    met = present[s.arc_from] & present[s.arc_to]
    assert met.any() and (~met).any()
    assert s.bias[met] == pytest.approx(bias[met] * (1 - 0.2 * a))
    assert s.trust[met] == pytest.approx(trust[met] + 0.1 * a * (1 - trust[met]))
    assert (s.bias[~met] == bias[~met]).all() and (s.trust[~met] == trust[~met]).all()


def test_overrides_keep_an_open_forums_infinite_radius():
    """apply_overrides used to send the scenario through JSON, where inf becomes None."""
    from terrisim import TerriModel, apply_overrides
    from terrisim.scenario import scenario_from_dict

    forum = scenario_from_dict({"governance": [{"rule": "conference", "radius_km": float("inf")}]})
    changed = apply_overrides(forum, {"steps": 3})
    assert changed.governance[0].model_dump()["radius_km"] == float("inf")
    TerriModel(changed, record_territories=False).run(2)


def chosen_forum(**params: Any) -> TerriModel:
    """The demo with a conference whose members choose whether to attend."""
    forum = {"rule": "conference", "attendance": "chosen", "period": 1, **params}
    return TerriModel(scenario_from_dict({"governance": [forum]}), rng=2, record_territories=False)


def test_members_who_choose_leave_a_forum_that_pays_them_nothing() -> None:
    # no projects (clearing off): attending never pays, so each meeting moves an attendee's
    # propensity the share `learning` towards 0, and the others follow what attendees got
    model = chosen_forum(clearing=False, learning=0.5)
    forum = model.institutions[0]
    assert forum.engagement == pytest.approx(0.9)  # no dilution written in
    model.run(6)
    assert (forum.propensity <= 0.9 * 0.5**5 + 1e-12).all()
    series = model.recorder.series()
    assert series["conference_attendance"].iloc[-1] < series["conference_attendance"].iloc[0]


def test_members_who_choose_stay_in_a_forum_whose_projects_pay() -> None:
    model = chosen_forum()
    forum = model.institutions[0]
    model.run(12)
    assert forum.propensity.mean() > 0.9
