"""The baskets game played through its API: rounds, offers, agents' answers, debrief, replay."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim.game import GameError, GameSession, compare_negotiators
from terrisim.model import TerriModel
from terrisim.scenario import apply_overrides, load_scenario

SMALL = """
name = "game-test"
description = "Six territories and a drought in the second round."
steps = 36
seed = 11

[territories.generator]
counts = { metropolis = 1, town = 1, periurban = 1, rural = 2, mountain = 1 }

[[shocks]]
kind = "drought"
at = 8
duration = 4
magnitude = 0.5
"""
# Ids and kinds of the six territories (fixed by the seed): T0 metropolis, T1 town,
# T2 periurban, T3 and T4 rural, T5 mountain; T0 is linked to every other territory.
METRO, RURAL_B, RURAL_AGENT, MOUNTAIN = "T0", "T3", "T4", "T5"
PLAYERS = {"Équipe A": METRO, "Équipe B": RURAL_B}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("game") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def new_game(scenario_file: Path, **kwargs) -> GameSession:
    settings = {"players": PLAYERS, "years_per_round": 0.5, "rounds": 3, **kwargs}
    return GameSession(scenario_file, **settings)


def play_three_rounds(game: GameSession) -> None:
    """Two teams, three rounds: offers between teams and to agents, a shock, answers."""
    # round 1: the metropolis offers health care for food to the rural team, which counters
    offer = game.offer(
        "Équipe A", RURAL_B, give={"health": 3}, ask={"food": 6}, years=2, commitment=0.7, round=1
    )
    assert offer.status == "open"  # a team answers in its own time
    game.respond("Équipe B", offer.id, "counter", give={"food": 5}, ask={"health": 3}, round=1)
    counter = game.offers[offer.answer.counter - 1]
    game.respond("Équipe A", counter.id, "accept", round=1)
    # and a balanced offer to an agent
    agent_offer = game.offer(
        "Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4}, years=1, round=1
    )
    assert agent_offer.status == "accepted"
    # the rural team refuses what agents proposed to it
    for received in game.player_view("Équipe B")["offers_received"]:
        game.respond("Équipe B", received["id"], "refuse", round=1)
    game.end_round(round=1)
    # round 2: the trainer triggers a grant cut; the scenario's drought hits in month 8
    game.trigger_shock("grant_cut", round=2)
    game.offer("Équipe A", MOUNTAIN, give={"health": 1}, ask={"food": 6}, round=2)
    game.end_round(round=2)
    # round 3: the metropolis accepts what agents propose to it
    for received in game.player_view("Équipe A")["offers_received"]:
        game.respond("Équipe A", received["id"], "accept", round=3)
    game.end_round(round=3)


@pytest.fixture(scope="module")
def played(scenario_file: Path) -> GameSession:
    game = new_game(scenario_file)
    play_three_rounds(game)
    return game


# --------------------------------------------------------------------------------------------
# A full session
def test_a_full_session_runs_three_rounds_and_finishes(played: GameSession):
    assert played.finished
    assert played.step == 3 * 6
    assert len(played.round_summaries()) == 3
    assert [r["round"] for r in played.round_summaries()] == [1, 2, 3]
    kinds = [h["shock"] for h in played.model.shocks.history]
    assert "grant_cut" in kinds and "drought" in kinds
    assert len(played.agreements) >= 2
    pair = played.agreements[0]
    assert {pair.a, pair.b} == {played.players["Équipe A"], played.players["Équipe B"]}
    with pytest.raises(GameError) as info:
        played.end_round()
    assert info.value.code == "game_over"


def test_the_consequences_show_after_each_round(played: GameSession):
    first, second = played.round_summaries()[:2]
    for key in (
        "satisfaction",
        "satisfaction_urban",
        "satisfaction_rural",
        "urban_rural_gap",
        "gini",
        "trust_urban_rural",
    ):
        assert np.isfinite(first[key]), key
    assert first["reciprocity_balance"] is not None
    assert {s["shock"] for s in second["shocks"]} == {"grant_cut", "drought"}
    drought = next(r for r in second["resilience"] if r["shock"] == "drought")
    assert 0 < drought["resistance"] <= 1.0


def test_a_round_summary_credits_each_shock_only_with_its_own_months(played: GameSession):
    # round 2: the grant cut starts in month 7, the scenario's drought in month 8
    second = played.round_summaries()[1]
    cut = next(r for r in second["resilience"] if r["shock"] == "grant_cut")
    drought = next(r for r in second["resilience"] if r["shock"] == "drought")
    assert cut["last_step"] == drought["step"] - 1  # the drought's drop is not the cut's
    series = played.model.recorder.series().set_index("step")["satisfaction"]
    assert cut["lowest"] == pytest.approx(series.loc[cut["step"] : cut["last_step"]].min())
    assert "grant_cut" in drought["with"]  # the cut is still active during the drought


def test_agreements_deliver_what_was_agreed_when_the_giver_has_it(played: GameSession):
    view = played.player_view("Équipe A")
    assert view["agreements"]
    for ag in view["agreements"]:
        assert ag["steps_done"] > 0
        assert 0 < ag["balance_agreed"] <= 1
        assert 0 <= ag["delivery_ab"] <= 1 + 1e-9 and 0 <= ag["delivery_ba"] <= 1 + 1e-9
    delivered = sum(
        float((ag.delivered_ab + ag.delivered_ba) @ played.model.state.price)
        for ag in played.agreements
    )
    channel = played.series["volume_value_game"].fillna(0).sum()
    assert channel == pytest.approx(delivered)


def test_a_team_sees_its_needs_surpluses_budget_partners_and_offers(scenario_file: Path):
    game = new_game(scenario_file)
    view = game.player_view("Équipe B")
    assert view["territory"]["id"] == RURAL_B and view["territory"]["kind"] == "rural"
    goods = {g["id"]: g for g in view["goods"]}
    assert goods["food"]["surplus"] > 0 and goods["health"]["lack"] > 0
    assert {"reserve", "fiscal_health", "revenue", "spending"} <= set(view["budget"])
    assert METRO in {p["id"] for p in view["partners"]}
    metro = next(p for p in view["partners"] if p["id"] == METRO)
    assert metro["team"] == "Équipe A" and 0 <= metro["trust_mine"] <= 1
    # agents with a complementarity propose a basket at the opening, and say why
    received = view["offers_received"]
    assert received and all(o["by"] is None and o["note"]["fr"] for o in received)
    json.dumps(view, allow_nan=False)
    json.dumps(game.trainer_view(), allow_nan=False)


# --------------------------------------------------------------------------------------------
# Agents answer with the model's rules and say why
def agent_answer(game: GameSession, to: str, give: dict, ask: dict, **terms):
    offer = game.offer("Équipe A", to, give=give, ask=ask, **terms)
    return offer, [r["code"] for r in offer.answer.reasons], offer.answer.reasons[0]["text"]


def test_an_agent_accepts_a_balanced_offer_of_what_it_lacks(scenario_file: Path):
    game = new_game(scenario_file)
    offer, codes, _ = agent_answer(game, RURAL_AGENT, {"health": 3}, {"food": 4})
    assert offer.status == "accepted" and codes[0] in ("balanced", "favourable")
    assert game.agreements[-1].offer == offer.id


def test_an_agent_refuses_a_very_unbalanced_offer(scenario_file: Path):
    game = new_game(scenario_file)
    offer, codes, text = agent_answer(game, RURAL_AGENT, {"health": 1}, {"food": 6})
    assert offer.status == "refused" and codes == ["unbalanced"]
    assert text == {"fr": "trop déséquilibré pour nous", "en": "too unbalanced for us"}


def test_an_agent_counters_a_slightly_unbalanced_offer_by_giving_less(scenario_file: Path):
    game = new_game(scenario_file)
    offer, codes, _ = agent_answer(game, RURAL_AGENT, {"health": 2}, {"food": 5})
    assert offer.status == "countered" and "unbalanced_counter" in codes
    counter = game.offers[offer.answer.counter - 1]
    food = game.goods.index("food")
    assert counter.sender == offer.receiver and counter.receiver == offer.sender
    assert 0 < counter.give[food] < 5 and counter.ask @ counter.ask > 0
    assert counter.status == "open"  # the team decides
    game.respond("Équipe A", counter.id, "accept")
    assert game.agreements[-1].offer == counter.id


def test_an_agent_cannot_give_more_than_it_can_spare(scenario_file: Path):
    game = new_game(scenario_file)
    j = game._territory(RURAL_AGENT)
    free = game.negotiator.free(game.model, game.commitments())[j]
    food = game.goods.index("food")
    ask = min(free[food] * 1.5, float(game.model.state.capacity[j, food]))
    offer, codes, _ = agent_answer(game, RURAL_AGENT, {"health": 15}, {"food": ask})
    assert "cannot_give" in codes
    assert "alimentation" in offer.answer.reasons[0]["text"]["fr"]
    assert offer.status == "countered"  # with a basket it can spare
    assert game.offers[offer.answer.counter - 1].give[food] <= free[food] + 1e-9


def test_an_agent_refuses_goods_it_does_not_need(scenario_file: Path):
    game = new_game(scenario_file)
    offer, codes, text = agent_answer(game, RURAL_AGENT, {"amenities": 2}, {"food": 2})
    assert offer.status == "refused" and codes == ["no_need"]
    assert text["en"] == "we do not need what you offer"


def test_an_agent_lacking_engineering_proposes_a_smaller_basket(scenario_file: Path):
    game = new_game(scenario_file)
    # within what the mountain territory produces (9.1 units of food a month), beyond its
    # engineering
    offer, codes, _ = agent_answer(game, MOUNTAIN, {"health": 10}, {"food": 8})
    assert offer.status == "countered" and "engineering" in codes
    counter = game.offers[offer.answer.counter - 1]
    assert counter.give.sum() < 10 and counter.ask.sum() < 8


def test_an_agent_refuses_when_trust_is_too_low(scenario_file: Path):
    distrust = apply_overrides(load_scenario(scenario_file), {"trust.initial": 0.15})
    game = GameSession(distrust, players=PLAYERS, years_per_round=0.5)
    offer, codes, text = agent_answer(game, RURAL_AGENT, {"health": 3}, {"food": 4})
    assert offer.status == "refused" and codes == ["trust"]
    assert text == {"fr": "confiance insuffisante", "en": "not enough trust"}
    assert not any(o.by is None and o.round == 1 for o in game.offers)  # nobody proposes


def test_a_long_firm_commitment_needs_more_trust_than_a_short_light_one(scenario_file: Path):
    game = new_game(scenario_file)
    neg = game.negotiator
    assert neg.required_trust(1.0, 120) > neg.required_trust(0.5, 24) > neg.required_trust(0, 12)
    middling = apply_overrides(
        load_scenario(scenario_file),
        {"trust.initial": 0.3, "trust.cleavage_weight": 0.0, "trust.tension_share": 0.0},
    )
    game = GameSession(middling, players=PLAYERS, years_per_round=0.5)
    offer, codes, _ = agent_answer(
        game, RURAL_AGENT, {"health": 3}, {"food": 4}, years=10, commitment=1.0
    )
    assert offer.status == "countered" and codes[0] == "trust_counter"
    counter = game.offers[offer.answer.counter - 1]
    assert counter.steps == 12 and counter.commitment < 1.0


def test_agents_answer_the_same_way_every_time(scenario_file: Path):
    answers = []
    for _ in range(2):
        game = new_game(scenario_file)
        offer, codes, _ = agent_answer(game, RURAL_AGENT, {"health": 2}, {"food": 5})
        answers.append((offer.status, codes, game.offers[-1].give.tolist()))
    assert answers[0] == answers[1]


# --------------------------------------------------------------------------------------------
# Debrief and counterfactuals
def test_the_debrief_compares_the_game_with_no_agreements_and_the_agents_alone(played: GameSession):
    report = played.debrief()
    assert set(report["runs"]) == {"game", "agents", "none"}
    assert report["runs"]["none"]["agreements"] == 0
    assert report["runs"]["game"]["agreements"] == len(played.agreements)
    assert report["runs"]["agents"]["agreements"] > 0
    for run in report["runs"].values():
        assert run["steps"] == played.step
        assert [r["step"] for r in run["resilience"]] == [
            h["step"] for h in sorted(played.model.shocks.history, key=lambda h: h["step"])
        ]
    teams = [row for row in report["territories"] if row["team"]]
    assert [row["team"] for row in teams] == list(PLAYERS)
    assert set(teams[0]["satisfaction_mean"]) == {"game", "agents", "none"}
    assert len(report["headlines"]) == 2 and "sans accord" in report["headlines"][0]["text"]["fr"]
    assert len(report["agreements"]) == len(played.agreements) > 0
    for ag in report["agreements"]:
        assert ag["balance_agreed"] is not None and ag["perceived_a"] is not None
    assert len(report["series"]["satisfaction"]["none"]) == played.step
    assert len(report["timeline"]) == len(played.actions) + 1
    json.dumps(report, allow_nan=False)


def test_a_debrief_before_the_first_round_has_what_was_negotiated(scenario_file: Path):
    game = new_game(scenario_file)
    game.offer("Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4})
    report = game.debrief()
    assert report["step"] == 0 and report["headlines"] == []
    assert report["runs"]["game"]["agreements"] == 1 and report["runs"]["none"]["agreements"] == 0
    assert report["runs"]["game"]["resilience"] == []
    json.dumps(report, allow_nan=False)


def test_teams_and_agents_are_compared_over_several_saved_sessions(
    played: GameSession, scenario_file: Path, tmp_path: Path
):
    path = played.save(tmp_path / "day1.json")
    idle = new_game(scenario_file)  # teams that sign nothing
    while not idle.finished:
        idle.end_round()
    table = compare_negotiators([path, idle])
    assert table["session"].tolist() == ["day1.json", "day1.json", "1", "1"]
    assert table["team"].tolist() == list(PLAYERS) * 2
    report = played.debrief()
    for _, row in table.iloc[:2].iterrows():
        mean = next(r for r in report["territories"] if r["team"] == row["team"])[
            "satisfaction_mean"
        ]
        assert row["satisfaction_game"] == pytest.approx(mean["game"])
        assert row["gain_vs_agents"] == pytest.approx(mean["game"] - mean["agents"])
        i = played.players[row["team"]]
        assert row["agreements_game"] == sum(i in (ag.a, ag.b) for ag in played.agreements)
    assert (table.iloc[:2]["balance_agreed"] > 0).all()
    idle_rows = table.iloc[2:]
    assert (idle_rows["agreements_game"] == 0).all()
    assert (idle_rows["gain_vs_none"] == 0).all()  # signing nothing is the no-agreement run
    assert (table["agreements_agents"] > 0).any()


def test_the_no_agreement_run_is_the_plain_model_with_the_same_shocks(played: GameSession):
    none = played.counterfactual("none")
    plain = TerriModel(played.scenario, rng=played.seed, record_territories=False)
    for entry in played.triggered:
        while plain.steps < entry["step"] - 1:
            plain.step()
        plain.trigger_shock(entry["kind"], entry["magnitude"], duration=entry["duration"])
    while plain.steps < played.step:
        plain.step()
    pd.testing.assert_series_equal(
        none.series["satisfaction"], plain.recorder.series()["satisfaction"]
    )
    assert none.series["satisfaction"].tolist() != played.series["satisfaction"].tolist()


# --------------------------------------------------------------------------------------------
# Save, load, replay
def test_a_saved_session_reloads_and_replays_identically(played: GameSession, tmp_path: Path):
    path = played.save(tmp_path / "session.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["seed"] == played.seed and data["players"] == [[t, i] for t, i in PLAYERS.items()]
    assert [a["type"] for a in data["actions"]].count("end_round") == 3
    again = GameSession.load(path)
    pd.testing.assert_frame_equal(again.series, played.series)
    for name in ("satisfaction", "reserve", "trust"):
        np.testing.assert_array_equal(again.territory_series(name), played.territory_series(name))
    assert [
        o.as_dict(
            again.goods, again.model.state.ids, again.model.state.names, again.model.state.price
        )
        for o in again.offers
    ] == [
        o.as_dict(
            played.goods, played.model.state.ids, played.model.state.names, played.model.state.price
        )
        for o in played.offers
    ]
    assert again.timeline() == played.timeline()
    assert again.debrief()["runs"] == played.debrief()["runs"]


def test_a_session_can_be_replayed_up_to_any_action(played: GameSession):
    ends = [k for k, a in enumerate(played.actions, start=1) if a["type"] == "end_round"]
    partial = played.replay(upto=ends[0])
    assert partial.round == 2 and partial.step == played.steps_per_round
    pd.testing.assert_frame_equal(partial.series, played.series.iloc[: partial.step])


def test_a_half_played_session_saves_and_resumes(scenario_file: Path, tmp_path: Path):
    game = new_game(scenario_file)
    game.offer("Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4})
    game.end_round()
    path = game.save(tmp_path / "half.json")
    resumed = GameSession.load(path)
    assert resumed.round == 2 and resumed.version == game.version
    resumed.end_round(round=2)
    game.end_round(round=2)
    pd.testing.assert_frame_equal(resumed.series, game.series)


def test_the_trainer_undoes_a_round_close_and_a_shock_back_to_the_state_before(
    scenario_file: Path,
):
    game = new_game(scenario_file)
    offer = game.offer("Équipe A", RURAL_B, give={"health": 3}, ask={"food": 6}, years=2)
    before_shock = game.player_view("Équipe B")
    game.trigger_shock("drought")
    before_close = game.player_view("Équipe B")
    game.end_round()
    closed = game.series.copy()
    assert game.offers[offer.id - 1].status == "expired" and game.round == 2
    assert game.undoable()["type"] == "end_round"

    back = game.undone(version=game.version)
    assert back.round == 1 and back.step == 0 and len(back.series) == 0
    assert back.offers[offer.id - 1].status == "open"  # open again, answerable
    assert back.version == game.version + 1  # every page reloads
    assert {**back.player_view("Équipe B"), "version": 0} == {**before_close, "version": 0}
    assert back.undoable()["type"] == "shock"
    no_shock = back.undone()
    assert not no_shock.triggered and not no_shock.model.shocks.history
    assert {**no_shock.player_view("Équipe B"), "version": 0} == {**before_shock, "version": 0}
    with pytest.raises(GameError) as refused:  # the last action is a team's offer
        no_shock.undone()
    assert refused.value.code == "nothing_to_undo" and refused.value.stale
    assert "rien à annuler" in refused.value.text["fr"]
    # closing again gives the same months as the first time: nothing else changed
    back.end_round()
    pd.testing.assert_frame_equal(back.series, closed)
    assert game.round == 2  # the undone session itself is untouched


def test_an_undo_from_the_kept_state_is_the_replay_without_the_action(scenario_file: Path):
    game = new_game(scenario_file)
    game.offer("Équipe A", RURAL_B, give={"health": 3}, ask={"food": 6}, years=2)
    assert len(game.snapshots) == 0  # a team's action: nothing kept
    game.trigger_shock("drought")
    game.end_round()
    assert len(game.snapshots) == 2  # before the shock, before the close
    replayed = game.replay(upto=len(game.actions) - 1)
    back = game.undone()
    assert len(back.snapshots) == 1 and len(game.snapshots) == 2  # game itself unchanged
    assert back.record() == replayed.record()
    assert back.player_view("Équipe B") == {**replayed.player_view("Équipe B"), "version": 4}
    assert back.trainer_view()["offers"] == replayed.trainer_view()["offers"]
    for session in (back, replayed):  # both go on the same way
        session.offer("Équipe B", METRO, give={"food": 2}, ask={"health": 1})
        session.end_round()
    assert len(back.snapshots) == 1
    pd.testing.assert_frame_equal(back.series, replayed.series)
    assert back.record() == replayed.record()
    rebuilt = GameSession.from_record(game.record())  # as after a restart: nothing kept
    assert len(rebuilt.snapshots) == 0
    assert rebuilt.undone().record() == game.undone().record()


def test_a_session_that_cannot_be_pickled_still_undoes_by_replaying(scenario_file: Path):
    game = new_game(scenario_file)
    game.model.unpicklable = lambda: None  # as a student's rule may hold
    game.trigger_shock("drought")
    game.end_round()
    assert len(game.snapshots) == 0 and not game.snapshots.enabled
    back = game.undone()
    assert back.round == 1 and back.step == 0 and back.undoable()["type"] == "shock"


def test_undoing_the_last_round_opens_a_finished_game_again(scenario_file: Path):
    game = new_game(scenario_file, rounds=1)
    game.end_round()
    assert game.finished
    with pytest.raises(GameError) as stale:
        game.undone(version=game.version - 1)
    assert stale.value.code == "stale_version"
    again = game.undone()
    assert not again.finished and again.round == 1
    again.offer("Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4})
    with pytest.raises(GameError, match="nothing to undo"):
        again.undone()


def test_a_tampered_or_broken_file_is_refused(played: GameSession, tmp_path: Path):
    data = played.record()
    data["result"]["series_sha256"] = "0" * 64
    with pytest.raises(GameError) as info:
        GameSession.from_record(data)
    assert info.value.code == "replay_mismatch"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(GameError) as info:
        GameSession.load(broken)
    assert info.value.code == "bad_file"
    with pytest.raises(GameError) as info:
        GameSession.from_record({"format": "something else"})
    assert info.value.code == "bad_file"
    assert info.value.text["fr"].endswith("ce n'est pas un fichier terrisim-game")
    assert info.value.text["en"].endswith("not a terrisim-game file")
    missing = {k: v for k, v in played.record().items() if k != "players"}
    with pytest.raises(GameError) as info:
        GameSession.from_record(missing)
    assert "il manque le champ « players »" in info.value.text["fr"]
    data = played.record()
    data["actions"][0]["give"] = {"gold": 1}
    with pytest.raises(GameError) as info:
        GameSession.from_record(data)
    assert info.value.code == "bad_file" and "gold" in str(info.value)
    assert "action 1 : " in info.value.text["fr"] and "bien inconnu" in info.value.text["fr"]


@pytest.mark.parametrize(
    ("where", "value", "french"),
    [
        (("settings", "rounds"), 99, "champ « settings.rounds » : valeur 99 refusée (au plus 50)"),
        (
            ("settings", "steps_per_round"),
            "six",
            (
                'champ « settings.steps_per_round » : valeur "six" refusée (un nombre entier est '
                "attendu)"
            ),
        ),
        (("seed",), -1, "champ « seed » : valeur -1 refusée (au moins 0)"),
        (("players",), 5, "champ « players » : valeur 5 refusée (une liste [...] est attendue)"),
        (("scenario", "steps"), 0.5, "champ « scenario.steps » : valeur 0,5 refusée"),
        (("scenario", "colour"), "red", 'champ « scenario.colour » : valeur "red" refusée'),
        (
            ("settings", "negotiator", "trust_floor"),
            "high",
            'champ « negotiator.trust_floor » : valeur "high" refusée (un nombre est attendu)',
        ),
        (
            ("settings", "mode"),
            "solo",
            (
                'champ « settings.mode » : valeur "solo" refusée (valeurs permises : '
                "'players', 'agents' ou 'none')"
            ),
        ),
        (("actions",), {"type": "offer"}, 'champ « actions » : valeur {"type": "offer"}'),
    ],
)
def test_a_malformed_saved_game_is_refused_in_french_naming_the_field_and_the_value(
    played: GameSession, where: tuple[str, ...], value: object, french: str
):
    data = played.record()
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(GameError) as info:
        GameSession.from_record(data)
    text = info.value.text["fr"]
    assert french in text, text
    for english in ("Input", "should", "a valid", "error for", "expected", "allowed", "Error"):
        assert english not in text
    assert str(where[-1]) in info.value.text["en"] and "refused" in info.value.text["en"]


# --------------------------------------------------------------------------------------------
# How agreements deliver (docs/game.md, 2.5)
def deliver_one_month(scenario_file: Path, commitment: float) -> dict:
    """Team B promises all its food production to team A; one month runs with no food in stock.

    Returns what the delivery saw and did: available food and need of the giver, the basket,
    what was delivered, the shortfall written on A's arc to B and A's trust in B after the step.
    """
    game = new_game(scenario_file)
    s = game.model.state
    a, b = game.players["Équipe A"], game.players["Équipe B"]
    food = game.goods.index("food")
    offer = game.offer(
        "Équipe B",
        METRO,
        give={"food": float(s.capacity[b, food])},
        ask={"health": 1},
        commitment=commitment,
    )
    game.respond("Équipe A", offer.id, "accept")
    s.stock[b, food] = 0.0  # nothing stored: the month's production is all there is
    seen: dict = {}
    delivery = game.delivery
    before, after = delivery.before_exchange, delivery.after_exchange

    def spy_before(model):
        seen["available"] = float(model.state.available[b, food])
        seen["need"] = float(model.state.effective_need[b, food])
        before(model)

    def spy_after(model, outcome):
        after(model, outcome)
        arc = int(np.flatnonzero((s.arc_from == a) & (s.arc_to == b))[0])
        seen["shortfall"] = float(outcome.shortfall[arc])
        seen["arc"] = arc

    delivery.before_exchange, delivery.after_exchange = spy_before, spy_after
    game.model.step()
    agreement = game.agreements[-1]
    seen["basket"] = float(agreement.give_ab[food])
    seen["delivered"] = float(agreement.delivered_ab[food])
    seen["trust"] = float(s.trust[seen["arc"]])
    return seen


@pytest.mark.parametrize("commitment", [0.0, 0.5, 1.0])
def test_a_contract_delivers_what_its_commitment_lets_the_giver_spare(
    scenario_file: Path, commitment: float
):
    seen = deliver_one_month(scenario_file, commitment)
    spare = max(seen["available"] - (1 - commitment) * seen["need"], 0.0)
    expected = seen["basket"] * min(1.0, spare / seen["basket"])
    assert seen["delivered"] == pytest.approx(expected)
    assert seen["shortfall"] == pytest.approx(1 - seen["delivered"] / seen["basket"])
    if commitment == 1.0:
        assert seen["delivered"] == pytest.approx(seen["basket"])  # even what it needs itself
    else:
        assert seen["delivered"] < seen["basket"]  # keeps (part of) its own needs first


def test_a_weak_commitment_that_falls_short_costs_the_partners_trust(scenario_file: Path):
    firm = deliver_one_month(scenario_file, 1.0)
    weak = deliver_one_month(scenario_file, 0.0)
    assert firm["shortfall"] == 0.0 < weak["shortfall"]
    assert weak["trust"] < firm["trust"]


def test_the_epilogue_runs_the_agreements_on_after_the_last_round(scenario_file: Path):
    game = new_game(scenario_file, rounds=1, epilogue_years=1)
    offer = game.offer("Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4}, years=2)
    assert offer.status == "accepted"
    assert game.total_steps == 6 + 12
    game.end_round()
    assert game.finished and game.step == 18
    assert game.agreements[0].steps_done == 18  # every month of the round and the epilogue
    assert len(game.round_summaries()) == 1
    assert len(game.debrief()["series"]["satisfaction"]["none"]) == 18


# --------------------------------------------------------------------------------------------
# Every shipped scenario small enough for a game can host one
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
GAME_SCENARIOS = [p for p in sorted(CONFIGS.glob("*.toml")) if p.stem != "france_scale"]


@pytest.mark.parametrize("path", GAME_SCENARIOS, ids=[p.stem for p in GAME_SCENARIOS])
def test_a_game_plays_on_every_shipped_scenario(path: Path):
    scenario = load_scenario(path)
    state = TerriModel(scenario, record_territories=False).state
    urban = int(np.flatnonzero(state.urban)[0])
    rural = int(np.flatnonzero(~state.urban)[0])
    game = GameSession(
        scenario, players={"A": str(state.ids[urban]), "B": str(state.ids[rural])}, rounds=2
    )
    for _ in range(2):
        for team in ("A", "B"):
            for received in game.player_view(team)["offers_received"]:
                game.respond(team, received["id"], "accept")
        game.trigger_shock("drought")
        game.end_round()
    assert game.finished and game.agreements
    delivered = sum(
        float((ag.delivered_ab + ag.delivered_ba) @ game.model.state.price)
        for ag in game.agreements
    )
    assert delivered > 0
    json.dumps(game.debrief(), allow_nan=False)
    again = GameSession.from_record(json.loads(json.dumps(game.record())))
    pd.testing.assert_frame_equal(again.series, game.series)
