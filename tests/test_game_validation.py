"""Players' input is validated: a clear message in French and English, and nothing changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_game_session import METRO, PLAYERS, RURAL_AGENT, RURAL_B, SMALL

from terrisim.game import GameError, GameSession
from terrisim.scenario import apply_overrides, load_scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("game") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    # rural territories produce no health care here (to test "cannot produce")
    return apply_overrides(load_scenario(path), {"goods.health.capacity.rural": 0.0})


@pytest.fixture
def game(scenario) -> GameSession:
    return GameSession(scenario, players=PLAYERS, years_per_round=0.5, rounds=2)


def snapshot(game: GameSession) -> str:
    """Everything a refused action must leave unchanged."""
    state = game.model.state
    return json.dumps(
        {
            "record": game.record(),
            "version": game.version,
            "round": game.round,
            "offers": [(o.id, o.status, o.give.tolist(), o.ask.tolist()) for o in game.offers],
            "agreements": len(game.agreements),
            "step": game.step,
            "available": state.available.tolist(),
            "trust": state.trust.tolist(),
        },
        sort_keys=True,
    )


def assert_refused(game: GameSession, code: str, call) -> GameError:
    before = snapshot(game)
    with pytest.raises(GameError) as info:
        call()
    error = info.value
    assert error.code == code, error.text["en"]
    assert error.text["fr"] and error.text["en"] and error.text["fr"] != error.text["en"]
    assert "{" not in error.text["fr"] and "{" not in error.text["en"]
    assert snapshot(game) == before
    return error


A, B = list(PLAYERS)
OFFERS = [
    # (code, player, to, give, ask, extra terms)
    ("negative_quantity", A, RURAL_AGENT, {"health": -3}, {"food": 4}, {}),
    ("unknown_good", A, RURAL_AGENT, {"gold": 3}, {"food": 4}, {}),
    ("bad_quantity", A, RURAL_AGENT, {"health": "beaucoup"}, {"food": 4}, {}),
    ("bad_quantity", A, RURAL_AGENT, {"health": float("nan")}, {"food": 4}, {}),
    ("bad_quantity", A, RURAL_AGENT, {"health": float("inf")}, {"food": 4}, {}),
    ("bad_quantity", A, RURAL_AGENT, {"health": True}, {"food": 4}, {}),
    ("bad_quantity", A, RURAL_AGENT, {"health": "3"}, {"food": 4}, {}),  # text, not a number
    ("bad_quantity", A, RURAL_AGENT, {"health": 10**400}, {"food": 4}, {}),  # beyond a float
    ("bad_quantity", A, RURAL_AGENT, {"health": None}, {"food": 4}, {}),
    ("unknown_partner", A, "T9", {"health": 3}, {"food": 4}, {}),
    ("self_offer", A, METRO, {"health": 3}, {"food": 4}, {}),
    ("unknown_player", "Équipe Z", RURAL_AGENT, {"health": 3}, {"food": 4}, {}),
    ("cannot_produce", B, METRO, {"health": 1}, {"food": 1}, {}),  # rural: no health here
    ("cannot_produce", A, RURAL_B, {"food": 1}, {"health": 1}, {}),  # asked of a rural team
    ("too_much", A, RURAL_AGENT, {"health": 1e6}, {"food": 4}, {}),
    ("too_much", A, RURAL_AGENT, {"health": 3}, {"food": 1e6}, {}),
    ("empty_basket", A, RURAL_AGENT, {}, {}, {}),
    ("empty_basket", A, RURAL_AGENT, {"health": 0}, {"food": 0}, {}),
    ("one_sided", A, RURAL_AGENT, {"health": 3}, {}, {}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"years": 0}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"years": 50}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"steps": 2.5}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"years": "long"}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"years": "2"}),
    ("bad_duration", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"years": 10**400}),
    ("bad_commitment", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"commitment": "0.5"}),
    ("bad_commitment", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"commitment": 1.5}),
    ("bad_commitment", A, RURAL_AGENT, {"health": 3}, {"food": 4}, {"commitment": -0.1}),
]


@pytest.mark.parametrize(
    ("code", "player", "to", "give", "ask", "terms"),
    OFFERS,
    ids=[f"{o[0]}-{i}" for i, o in enumerate(OFFERS)],
)
def test_an_invalid_offer_is_refused_with_a_clear_message(game, code, player, to, give, ask, terms):
    assert_refused(game, code, lambda: game.offer(player, to, give, ask, **terms))


def test_the_message_names_the_good_and_the_value(game):
    error = assert_refused(
        game, "negative_quantity", lambda: game.offer(A, RURAL_AGENT, {"health": -3}, {"food": 4})
    )
    assert "santé" in error.text["fr"] and "-3" in error.text["fr"]
    assert "health care" in error.text["en"]


def test_a_refused_value_is_quoted_as_sent_and_cut_short(game):
    text = assert_refused(
        game, "bad_quantity", lambda: game.offer(A, RURAL_AGENT, {"health": "3"}, {"food": 4})
    ).text
    assert '« "3" »' in text["fr"] and '"3"' in text["en"]  # text, not the number 3
    huge = assert_refused(
        game, "bad_quantity", lambda: game.offer(A, RURAL_AGENT, {"health": 10**400}, {"food": 4})
    ).text["fr"]
    assert "… (534)" in huge and len(huge) < 200


def test_only_linked_partners_can_receive_offers(scenario):
    town = GameSession(scenario, players={"Town": "T1"})  # T1 is linked to T0, T2, T3 only
    error = assert_refused(
        town, "unknown_partner", lambda: town.offer("Town", "T4", {"health": 3}, {"food": 4})
    )
    assert "T0, T2, T3" in error.text["en"] and "T0, T2, T3" in error.text["fr"]


def test_promises_add_up_against_capacity(game):
    food = game.goods.index("food")
    capacity = float(game.model.state.capacity[game.players[B], food])
    game.offer(B, METRO, {"food": 0.6 * capacity}, {"mobility_jobs": 1})
    offer = next(o for o in game.offers if o.by == B)
    game.respond(A, offer.id, "accept")
    error = assert_refused(
        game,
        "too_much",
        lambda: game.offer(B, METRO, {"food": 0.6 * capacity}, {"mobility_jobs": 1}),
    )
    assert "déjà promises" in error.text["fr"]


def test_a_stale_round_is_refused(game):
    game.end_round(round=1)
    assert_refused(
        game, "stale_round", lambda: game.offer(A, RURAL_AGENT, {"health": 3}, {"food": 4}, round=1)
    )
    assert_refused(game, "stale_round", lambda: game.end_round(round=1))
    assert_refused(game, "stale_round", lambda: game.trigger_shock("drought", round=1))


def test_a_stale_version_is_refused(game):
    seen = game.version
    game.offer(A, RURAL_AGENT, {"health": 3}, {"food": 4}, version=seen)
    assert_refused(
        game,
        "stale_version",
        lambda: game.offer(A, RURAL_AGENT, {"health": 3}, {"food": 4}, version=seen),
    )


def test_an_offer_answered_twice_is_refused_the_second_time(game):
    offer = game.offer(A, RURAL_B, {"health": 2}, {"food": 4})
    game.respond(B, offer.id, "refuse")
    error = assert_refused(game, "already_answered", lambda: game.respond(B, offer.id, "accept"))
    assert "refused" in error.text["en"]
    assert error.stale


def test_offers_expire_at_the_end_of_the_round(game):
    offer = game.offer(A, RURAL_B, {"health": 2}, {"food": 4})
    game.end_round()
    assert offer.status == "expired"
    assert_refused(game, "already_answered", lambda: game.respond(B, offer.id, "accept"))


def test_answers_are_for_the_addressee_and_withdrawal_for_the_sender(game):
    offer = game.offer(A, RURAL_B, {"health": 2}, {"food": 4})
    assert_refused(game, "not_yours", lambda: game.respond(A, offer.id, "accept"))
    assert_refused(game, "not_sender", lambda: game.withdraw(B, offer.id))
    assert_refused(game, "unknown_offer", lambda: game.respond(B, 999, "accept"))
    assert_refused(game, "unknown_offer", lambda: game.respond(B, "first", "accept"))
    assert_refused(game, "bad_decision", lambda: game.respond(B, offer.id, "maybe"))
    assert_refused(
        game, "negative_quantity", lambda: game.respond(B, offer.id, "counter", give={"food": -1})
    )
    game.withdraw(A, offer.id)
    assert offer.status == "withdrawn"
    assert_refused(game, "already_answered", lambda: game.respond(B, offer.id, "accept"))


def test_accepting_is_checked_against_promises_made_since_the_offer(game):
    food = game.goods.index("food")
    capacity = float(game.model.state.capacity[game.players[B], food])
    first = game.offer(A, RURAL_B, {"mobility_jobs": 1}, {"food": 0.6 * capacity})
    second = game.offer(A, RURAL_B, {"mobility_jobs": 1}, {"food": 0.6 * capacity})
    game.respond(B, first.id, "accept")
    assert_refused(game, "too_much", lambda: game.respond(B, second.id, "accept"))


def test_trainer_actions_are_validated(game):
    assert_refused(game, "unknown_shock", lambda: game.trigger_shock("meteor"))
    assert_refused(game, "bad_action", lambda: game.trigger_shock("drought", magnitude=3))
    assert_refused(game, "bad_action", lambda: game.trigger_shock("drought", kinds=["moon"]))
    assert_refused(game, "unknown_territory", lambda: game.trigger_shock("drought", ids=["T99"]))
    assert_refused(game, "unknown_action", lambda: game.apply({"type": "cheat"}))
    assert_refused(game, "bad_action", lambda: game.apply(["offer"]))  # type: ignore[arg-type]
    game.end_round()
    game.end_round()
    assert_refused(game, "game_over", game.end_round)
    assert_refused(
        game, "game_over", lambda: game.offer(A, RURAL_AGENT, {"health": 3}, {"food": 4})
    )


def test_bad_game_settings_are_refused(scenario):
    with pytest.raises(GameError) as info:
        GameSession(scenario, players={})
    assert info.value.code == "no_players"
    with pytest.raises(GameError) as info:
        GameSession(scenario, players={"A": "T0", "B": "T0"})
    assert info.value.code == "territory_taken"
    with pytest.raises(GameError) as info:
        GameSession(scenario, players={"A": "T42"})
    assert info.value.code == "unknown_territory"
    with pytest.raises(GameError) as info:
        GameSession(scenario, players={"A": "T0"}, rounds=0)
    assert info.value.code == "bad_setting"
    with pytest.raises(GameError) as info:
        GameSession(scenario, players={"A": "T0"}, negotiator={"trust_floor": 7})
    assert info.value.code == "bad_setting"
    assert GameSession(scenario, players={"A": "Commune rurale 1"}).players == {"A": 3}  # by name


@pytest.mark.parametrize(
    ("players", "code", "french"),
    [
        (
            [("Équipe A", "T0"), ("Équipe A ", "T3")],
            "duplicate_team",
            "deux équipes portent le nom",
        ),
        ([("  ", "T0")], "bad_team_name", "nom d'équipe invalide"),
        ([(None, "T0")], "bad_team_name", "nom d'équipe invalide"),
        ([("x" * 61, "T0")], "bad_team_name", "de 1 à 60 caractères"),
    ],
)
def test_team_names_must_be_given_and_distinct(scenario, players, code, french):
    with pytest.raises(GameError) as info:
        GameSession(scenario, players=players)
    assert info.value.code == code and french in info.value.text["fr"]
    assert "{" not in info.value.text["en"]


# --------------------------------------------------------------------------------------------
# Whatever players send, the session stays consistent and replays identically
GOODS = [
    "food",
    "energy",
    "water",
    "health",
    "mobility_jobs",
    "waste_treatment",
    "amenities",
    "gold",
]
quantity = st.one_of(st.floats(-5, 60), st.sampled_from([0, 1e9, float("nan"), "x", None]))
basket = st.dictionaries(st.sampled_from(GOODS), quantity, max_size=3)
territory = st.sampled_from(["T0", "T1", "T2", "T3", "T4", "T5", "T9"])
player = st.sampled_from([A, B, "nobody"])
offer_action = st.fixed_dictionaries(
    {"type": st.just("offer"), "player": player, "to": territory, "give": basket, "ask": basket},
    optional={
        "years": st.one_of(st.floats(-1, 12), st.just("x")),
        "commitment": st.floats(-0.5, 1.5),
        "round": st.integers(0, 3),
    },
)
respond_action = st.fixed_dictionaries(
    {
        "type": st.just("respond"),
        "player": player,
        "offer": st.integers(-1, 12),
        "decision": st.sampled_from(["accept", "refuse", "counter", "maybe"]),
    },
    optional={"give": basket, "ask": basket, "round": st.integers(0, 3)},
)
other_action = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("withdraw"), "player": player, "offer": st.integers(0, 12)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["shock"]),
            "kind": st.sampled_from(["drought", "grant_cut", "meteor"]),
        }
    ),
    st.just({"type": "end_round"}),
    st.just({"type": "nonsense"}),
)
action = st.one_of(offer_action, respond_action, other_action)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(actions=st.lists(action, max_size=14))
def test_any_sequence_of_inputs_leaves_a_consistent_session_that_replays(scenario, actions):
    game = GameSession(scenario, players=PLAYERS, years_per_round=0.25, rounds=3)
    for act in actions:
        before = snapshot(game)
        try:
            game.apply(copy.deepcopy(act))
        except GameError as error:
            assert error.text["fr"] and error.text["en"]
            assert snapshot(game) == before
    assert game.version == len(game.actions)
    for offer in game.offers:
        assert offer.status in ("open", "accepted", "refused", "countered", "withdrawn", "expired")
        assert (offer.give >= 0).all() and (offer.ask >= 0).all()
    for ag in game.agreements:
        assert (ag.delivered_ab <= ag.promised_ab + 1e-9).all()
        assert (ag.delivered_ba <= ag.promised_ba + 1e-9).all()
    again = GameSession.from_record(json.loads(json.dumps(game.record())))
    assert again.fingerprint() == game.fingerprint()


def test_the_saved_file_is_plain_json_with_every_action(game, tmp_path: Path):
    game.offer(A, RURAL_AGENT, {"health": 3}, {"food": 4})
    game.trigger_shock("drought")
    game.end_round()
    data = json.loads(game.save(tmp_path / "g.json").read_text(encoding="utf-8"))
    assert [a["type"] for a in data["actions"]] == ["offer", "shock", "end_round"]
    assert data["actions"][0] == {
        "type": "offer",
        "round": 1,
        "player": A,
        "to": RURAL_AGENT,
        "give": {"health": 3.0},
        "ask": {"food": 4.0},
        "steps": 24,
        "commitment": 0.5,
    }
    assert data["scenario"]["goods"]["health"]["capacity"]["rural"] == 0.0
