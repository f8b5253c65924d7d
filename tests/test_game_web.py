"""The game's JSON API over real HTTP (no browser), and the game page's words and files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import call, serving
from test_game_session import METRO, RURAL_AGENT, RURAL_B, SMALL

from terrisim import texts
from terrisim.game import GameSession
from terrisim.game.web import game_routes
from terrisim.texts import ERRORS, REASONS, TIMELINE, WORDS
from terrisim.ui.server import STATIC_DIR


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("configs")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(configs: Path):
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        yield srv


TEAMS = [{"team": "Équipe A", "territory": METRO}, {"team": "Équipe B", "territory": RURAL_B}]


@pytest.fixture
def game(server) -> dict:
    status, created = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": TEAMS, "rounds": 3, "years_per_round": 0.5},
    )
    assert status == 200, created
    created["tokens"] = {t["team"]: t["token"] for t in created["teams"]}
    return created


def base(game: dict) -> str:
    return f"/api/game/{game['id']}"


# --------------------------------------------------------------------------------------------
def test_the_catalogue_lists_scenarios_and_their_territories(server):
    status, cat = call(server, "GET", "/api/game/catalogue")
    assert status == 200 and cat["default_scenario"] == "small"
    assert "drought" in cat["shocks"]
    status, sc = call(server, "GET", "/api/game/scenarios/small")
    assert status == 200 and len(sc["territories"]) == 6
    assert {"id", "name", "kind", "urban", "partners"} <= set(sc["territories"][0])
    status, error = call(server, "GET", "/api/game/scenarios/nowhere")
    assert status == 404 and error["error"]["code"] == "unknown_scenario"


def test_starting_a_game_gives_a_link_per_team_and_one_for_the_trainer(server, game):
    assert set(game["tokens"]) == {"Équipe A", "Équipe B"}
    assert game["state"]["round"] == 1 and game["state"]["map"]["territories"]["name"]
    status, view = call(server, "GET", f"{base(game)}/trainer?token={game['trainer_token']}")
    assert status == 200 and [t["team"] for t in view["teams"]] == ["Équipe A", "Équipe B"]
    status, _ = call(server, "GET", f"{base(game)}/trainer?token=wrong", facilitator=False)
    assert status == 403
    token_b = game["tokens"]["Équipe B"]
    status, _ = call(
        server,
        "GET",
        f"{base(game)}/player?team=%C3%89quipe%20A&token={token_b}",
        facilitator=False,
    )
    assert status == 403  # team B's link cannot show team A
    status, view = call(server, "GET", f"{base(game)}/player?team=%C3%89quipe%20B&token={token_b}")
    assert status == 200 and view["territory"]["id"] == RURAL_B


def test_bad_game_settings_are_refused_in_the_pages_language(server):
    status, error = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": [{"team": "A", "territory": "T77"}], "lang": "fr"},
    )
    assert status == 400 and "aucun territoire" in error["error"]["message"]
    status, error = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": [{"team": "A", "territory": "T77"}], "lang": "en"},
    )
    assert status == 400 and "no territory" in error["error"]["message"]
    status, error = call(server, "POST", "/api/game", {"scenario": "small", "teams": []})
    assert status == 400
    status, error = call(
        server, "POST", "/api/game", {"scenario": "small", "teams": TEAMS, "rounds": "many"}
    )
    assert status == 400 and "rounds" in error["error"]["message"]


def test_a_game_played_over_http(server, game):
    a = {"team": "Équipe A", "token": game["tokens"]["Équipe A"]}
    b = {"team": "Équipe B", "token": game["tokens"]["Équipe B"]}
    trainer = {"token": game["trainer_token"]}
    status, view = call(
        server,
        "POST",
        f"{base(game)}/offer",
        {**a, "round": 1, "to": RURAL_AGENT, "give": {"health": 1}, "ask": {"food": 6}},
    )
    assert status == 200
    refused = view["offers"][0]
    assert refused["status"] == "refused"
    assert refused["answer"]["reasons"][0]["text"]["fr"] == "trop déséquilibré pour nous"
    status, view = call(
        server,
        "POST",
        f"{base(game)}/offer",
        {
            **a,
            "round": 1,
            "to": RURAL_B,
            "give": {"health": 3},
            "ask": {"food": 6},
            "years": 2,
            "commitment": 0.7,
        },
    )
    offer_id = view["offers"][0]["id"]
    status, view = call(
        server,
        "POST",
        f"{base(game)}/respond",
        {**b, "round": 1, "offer": offer_id, "decision": "accept"},
    )
    assert status == 200 and view["agreements"][0]["status"] == "pending"
    # answering twice is stale (409), and changes nothing
    _, before = call(server, "GET", f"{base(game)}/status")
    status, error = call(
        server,
        "POST",
        f"{base(game)}/respond",
        {**b, "round": 1, "offer": offer_id, "decision": "refuse"},
    )
    assert status == 409 and error["error"]["code"] == "already_answered"
    assert "a déjà reçu une réponse" in error["error"]["message"]
    _, after = call(server, "GET", f"{base(game)}/status")
    assert after == before
    # only the trainer closes rounds and triggers shocks
    status, _ = call(
        server, "POST", f"{base(game)}/end_round", {**a, "round": 1}, facilitator=False
    )
    assert status == 403
    status, view = call(server, "POST", f"{base(game)}/end_round", {**trainer, "round": 1})
    assert status == 200 and view["round"] == 2 and view["step"] == 6
    assert view["rounds_summary"][0]["agreements"] == [1]
    # a page still showing round 1 is stale
    status, error = call(
        server,
        "POST",
        f"{base(game)}/offer",
        {
            **a,
            "round": 1,
            "to": RURAL_AGENT,
            "give": {"health": 3},
            "ask": {"food": 4},
            "lang": "en",
        },
    )
    assert status == 409 and "round 1 is over" in error["error"]["message"]
    status, view = call(
        server, "POST", f"{base(game)}/shock", {**trainer, "round": 2, "kind": "drought"}
    )
    assert status == 200 and any(s["kind"] == "drought" for s in view["shocks"])
    for rnd in (2, 3):
        status, view = call(server, "POST", f"{base(game)}/end_round", {**trainer, "round": rnd})
        assert status == 200
    assert view["finished"]
    status, report = call(server, "GET", f"{base(game)}/debrief?token={b['token']}")
    assert status == 200 and set(report["runs"]) == {"game", "agents", "none"}
    assert report["agreements"][0]["balance_agreed"] > 0
    # save, load, and the replay is identical
    status, record = call(server, "GET", f"{base(game)}/save?token={trainer['token']}")
    assert status == 200 and record["format"] == "terrisim-game"
    assert record["result"] == GameSession.from_record(record).fingerprint()
    status, loaded = call(server, "POST", "/api/game/load", {"record": record})
    assert status == 200 and loaded["state"]["finished"]
    assert loaded["state"]["series"] == view["series"]


def test_invalid_input_gets_a_clear_message_and_changes_nothing(server, game):
    a = {"team": "Équipe A", "token": game["tokens"]["Équipe A"], "round": 1}
    _, before = call(server, "GET", f"{base(game)}/status")
    cases = [
        (
            {"to": RURAL_AGENT, "give": {"health": -2}, "ask": {"food": 3}},
            "negative_quantity",
            "quantité négative",
        ),
        (
            {"to": RURAL_AGENT, "give": {"gold": 2}, "ask": {"food": 3}},
            "unknown_good",
            "bien inconnu",
        ),
        (
            {"to": "T42", "give": {"health": 2}, "ask": {"food": 3}},
            "unknown_partner",
            "n'est pas un partenaire",
        ),
        (
            {"to": RURAL_AGENT, "give": {"health": 2}, "ask": {"food": 1e9}},
            "too_much",
            "produit au plus",
        ),
        (
            {"to": RURAL_AGENT, "give": {"health": "lots"}, "ask": {"food": 3}},
            "bad_quantity",
            "quantité de santé invalide",
        ),
        ({"to": RURAL_AGENT, "give": {"health": 2}, "ask": {}}, "one_sided", "réciproque"),
    ]
    for body, code, words in cases:
        status, error = call(server, "POST", f"{base(game)}/offer", {**a, **body})
        assert status == 400, body
        assert error["error"]["code"] == code and words in error["error"]["message"], error
    status, error = call(
        server,
        "POST",
        f"{base(game)}/offer",
        {
            **a,
            "token": game["tokens"]["Équipe B"],
            "to": RURAL_AGENT,
            "give": {"health": 2},
            "ask": {"food": 3},
        },
        facilitator=False,
    )
    assert status == 403
    status, error = call(
        server, "POST", f"{base(game)}/respond", {**a, "offer": 99, "decision": "accept"}
    )
    assert status == 400 and error["error"]["code"] == "unknown_offer"
    _, after = call(server, "GET", f"{base(game)}/status")
    assert after == before
    status, error = call(server, "GET", "/api/game/nope/status")
    assert status == 404


# --------------------------------------------------------------------------------------------
# The page's words and files
PLACEHOLDER = re.compile(r"\{(\w+)")


def test_every_game_sentence_has_both_languages_with_the_same_placeholders():
    for table in (WORDS, REASONS, ERRORS, TIMELINE):
        for key, entry in table.items():
            assert set(entry) == {"fr", "en"} and all(v.strip() for v in entry.values()), key
            assert set(PLACEHOLDER.findall(entry["fr"])) == set(PLACEHOLDER.findall(entry["en"])), (
                key
            )


def test_every_key_the_game_page_uses_is_served(server):
    _, words = call(server, "GET", "/api/game/i18n")
    html = (STATIC_DIR / "game.html").read_text(encoding="utf-8")
    js = (STATIC_DIR / "game.js").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n(?:-title)?="([^"]+)"', html))
    keys |= set(re.findall(r"""\bt\(\s*["'`]([\w.]+)["'`]""", js))
    for prefix, values in (
        ("status", ("open", "accepted", "refused", "countered", "withdrawn", "expired")),
        ("decision", ("accept", "counter", "refuse")),
        ("agreement", ("pending", "active", "ended")),
        ("notice", ("accept", "refuse")),
    ):
        keys |= {f"{prefix}.{v}" for v in values}
    assert len(keys) > 100
    assert sorted(keys - set(words["keys"])) == []
    assert not set(WORDS) & set(texts.MESSAGES)  # the game never redefines the page's words


def test_the_game_page_loads_only_its_own_files():
    html = (STATIC_DIR / "game.html").read_text(encoding="utf-8")
    refs = re.findall(r"""\b(?:src|href)="([^"]+)\"""", html)
    assert {"/static/game.js", "/static/game.css"} <= set(
        refs
    )  # the pattern finds the page's files
    for ref in refs:
        assert ref.startswith(("/static/", "data:", "/")), ref
        if ref.startswith("/static/"):
            assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    js = (STATIC_DIR / "game.js").read_text(encoding="utf-8")
    imports = re.findall(r"""from\s+["']([^"']+)["']""", js)
    assert "./charts.js" in imports
    for ref in imports:
        assert ref.startswith("./") and (STATIC_DIR / ref[2:]).is_file(), ref
