"""Joining a game from a team's laptop: short codes, QR codes drawn offline, the machine's
network addresses instead of its name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import call, serving
from test_game_browser import Screens, assert_clean
from test_game_session import METRO, RURAL_B, SMALL

from terrisim.game.joining import ALPHABET, CODE_LENGTH, join_url, normalise, qr_svg
from terrisim.game.web import game_routes
from terrisim.ui import make_server
from terrisim.ui.network import reachable_addresses

TEAMS = [{"team": "Équipe A", "territory": METRO}, {"team": "Équipe B", "territory": RURAL_B}]
GAME = {"scenario": "small", "teams": TEAMS, "rounds": 3, "years_per_round": 0.5}


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("configs")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(configs: Path):
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        yield srv


def test_each_team_gets_a_short_unambiguous_join_code(server):
    status, game = call(server, "POST", "/api/game", GAME)
    assert status == 200
    codes = [t["code"] for t in game["teams"]]
    assert len(set(codes)) == 2
    for code in codes:
        assert len(code) == CODE_LENGTH == 6 and set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)


def test_a_code_opens_the_teams_view_typed_in_any_case(server):
    _, game = call(server, "POST", "/api/game", GAME)
    team = game["teams"][1]
    code = team["code"]
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert normalise(typed) == code
    status, found = call(server, "GET", f"/api/game/join/{typed.strip()}", facilitator=False)
    assert status == 200
    assert found == {"game": game["id"], "team": "Équipe B", "token": team["token"]}
    status, error = call(server, "GET", "/api/game/join/ZZZZZZ", facilitator=False)
    assert status == 404 and "aucune partie n'a le code" in error["error"]["message"]


def test_the_trainers_view_shows_the_address_codes_and_qr_codes(server):
    _, game = call(server, "POST", "/api/game", GAME)
    status, view = call(server, "GET", f"/api/game/{game['id']}/trainer")
    assert status == 200
    join = view["join"]
    assert join["address"] == server.url + "jeu"
    assert join["on_network"] is False  # the test server listens on 127.0.0.1 only
    for entry, team in zip(join["teams"], game["teams"], strict=True):
        assert entry["code"] == team["code"]
        assert entry["url"] == f"{server.url}jeu#join={team['code']}"
        assert entry["qr"].startswith("<svg") and "<path" in entry["qr"]


def test_a_qr_code_is_svg_drawn_by_segno_and_encodes_the_join_link():
    segno = pytest.importorskip("segno")
    url = join_url("http://192.168.1.20:8765/", "ABC234")
    assert url == "http://192.168.1.20:8765/jeu#join=ABC234"
    svg = qr_svg(url)
    assert svg.startswith("<svg") and "http" not in svg  # nothing to fetch: no xmlns, no link
    assert segno.make(url, error="m").designator.startswith("3")  # a small QR code (version 3)


def test_join_codes_survive_a_restart(configs, tmp_path):
    from test_ui_storage import durable_server

    with durable_server(configs, tmp_path / "data") as srv:
        _, game = call(srv, "POST", "/api/game", GAME)
    with durable_server(configs, tmp_path / "data") as srv:
        code = game["teams"][0]["code"]
        status, found = call(srv, "GET", f"/api/game/join/{code}", facilitator=False)
        assert status == 200 and found["team"] == "Équipe A"
        _, view = call(srv, "GET", f"/api/game/{game['id']}/trainer")
        assert [t["code"] for t in view["join"]["teams"]] == [t["code"] for t in game["teams"]]


def test_a_server_on_the_network_gives_its_ip_address_not_its_name(configs):
    server = make_server("0.0.0.0", 0, configs_dir=configs)
    try:
        assert server.on_network
        addresses = reachable_addresses()
        port = server.server_address[1]
        if addresses:
            assert server.url == f"http://{addresses[0]}:{port}/"
            # a page opened on loopback gets the network address for the teams' links
            assert server.public_url(f"127.0.0.1:{port}") == f"http://{addresses[0]}:{port}/"
        for address in addresses:
            assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address)
            assert not address.startswith("127.")
        assert server.public_url(f"10.0.0.5:{port}") == f"http://10.0.0.5:{port}/"
    finally:
        server.server_close()


@pytest.mark.browser
def test_a_team_joins_by_typing_its_code_on_the_short_address(server, browser):
    _, game = call(server, "POST", "/api/game", GAME)
    screens = Screens(browser)
    try:
        team = screens.open(server.url + "jeu")  # no facilitator's cookie: a team's laptop
        assert not team.is_visible("#setup")
        assert "Rejoindre une partie" in team.inner_text("#join")
        team.fill("#join-code", "zzzzzz")
        team.click("#join-go")
        team.wait_for_selector("#error:not([hidden])")
        assert "aucune partie n'a le code" in team.inner_text("#error")
        team.fill("#join-code", game["teams"][0]["code"].lower())
        team.click("#join-go")
        team.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
        assert "Équipe A" in team.inner_text("#player-title")
        scanned = screens.open(f"{server.url}jeu#join={game['teams'][1]['code']}")
        scanned.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
        assert "Équipe B" in scanned.inner_text("#player-title")
        trainer = screens.open(f"{server.url}static/game.html#game={game['id']}", server)
        trainer.wait_for_selector("#trainer-teams [data-code]")
        codes = trainer.eval_on_selector_all("[data-code]", "els => els.map(e => e.textContent)")
        assert codes == [t["code"] for t in game["teams"]]
        trainer.click("[data-qr='Équipe B']")
        assert trainer.is_visible("#qr-dialog svg")
        assert game["teams"][1]["code"] in trainer.inner_text("#qr-dialog")
        assert_clean(team, scanned, trainer)
    finally:
        screens.close()
