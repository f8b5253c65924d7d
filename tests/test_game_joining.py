"""Joining a game from a team's laptop: short codes, QR codes drawn offline, the machine's
network addresses instead of its name.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

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


def test_terrisim_ui_on_the_network_prints_its_ip_addresses_not_its_name(configs, tmp_path):
    process = subprocess.Popen(
        [
            Path(sys.executable).parent / "terrisim",
            *("ui", "--host", "0.0.0.0", "--port", "0", "--configs", str(configs)),
            *("--data", str(tmp_path / "data")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline() for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    reachable = next(line for line in lines if "reachable from other machines" in line)
    printed = re.findall(r"http://([^:/]+):\d+/", reachable)
    assert printed == reachable_addresses() or (not printed and "no network address" in reachable)
    for address in printed:
        assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) and not address.startswith("127.")
    assert socket.gethostname() not in reachable.split(": ", 1)[1]


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


# --------------------------------------------------------------------------------------------
# The trainer's round timer and messages to the teams
def test_the_trainer_sets_a_round_timer_and_messages_the_teams(server):
    _, game = call(server, "POST", "/api/game", GAME)
    gid = game["id"]
    token = {t["team"]: t["token"] for t in game["teams"]}
    before = call(server, "GET", f"/api/game/{gid}/status")[1]["room"]
    status, view = call(server, "POST", f"/api/game/{gid}/timer", {"minutes": 10})
    assert status == 200
    timer = view["room"]["timer"]
    assert timer["ends_at"] - timer["started"] == pytest.approx(600)
    call(server, "POST", f"/api/game/{gid}/message", {"text": "Plus que 10 minutes !"})
    call(
        server, "POST", f"/api/game/{gid}/message", {"text": "A, répondez à B", "team": "Équipe A"}
    )
    assert call(server, "GET", f"/api/game/{gid}/status")[1]["room"] == before + 3  # pages reload
    for team, expected in (("Équipe A", 2), ("Équipe B", 1)):
        status, seen = call(
            server,
            "GET",
            f"/api/game/{gid}/player?team={quote(team)}&token={token[team]}",
            facilitator=False,
        )
        assert status == 200 and seen["room"]["timer"] == timer
        assert [m["text"] for m in seen["room"]["messages"]][-1] == (
            "A, répondez à B" if expected == 2 else "Plus que 10 minutes !"
        )
        assert len(seen["room"]["messages"]) == expected
    # only the trainer, and only sensible input
    for body in ({"text": "x", "token": token["Équipe A"]}, {"minutes": 5}):
        path = "message" if "text" in body else "timer"
        assert call(server, "POST", f"/api/game/{gid}/{path}", body, facilitator=False)[0] == 403
    for bad in ({"text": ""}, {"text": "x" * 281}, {"text": "x", "team": "nobody"}):
        status, error = call(server, "POST", f"/api/game/{gid}/message", bad)
        assert status == 400 and error["error"]["message"]
    assert call(server, "POST", f"/api/game/{gid}/timer", {"minutes": 500})[0] == 400
    status, view = call(server, "POST", f"/api/game/{gid}/timer", {"minutes": 0})
    assert status == 200 and view["room"]["timer"] is None


def test_the_timer_and_messages_survive_a_restart(configs, tmp_path):
    from test_ui_storage import durable_server

    with durable_server(configs, tmp_path / "data") as srv:
        _, game = call(srv, "POST", "/api/game", GAME)
        call(srv, "POST", f"/api/game/{game['id']}/timer", {"minutes": 15})
        call(srv, "POST", f"/api/game/{game['id']}/message", {"text": "Pause café"})
    with durable_server(configs, tmp_path / "data") as srv:
        _, view = call(srv, "GET", f"/api/game/{game['id']}/trainer")
        assert view["room"]["timer"]["minutes"] == 15
        assert [m["text"] for m in view["room"]["messages"]] == ["Pause café"]


@pytest.mark.browser
def test_a_team_sees_the_countdown_and_the_trainers_message(server, browser):
    _, game = call(server, "POST", "/api/game", GAME)
    screens = Screens(browser)
    try:
        trainer = screens.open(f"{server.url}static/game.html#game={game['id']}", server)
        team = screens.open(f"{server.url}jeu#join={game['teams'][1]['code']}")
        team.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
        trainer.wait_for_selector("#trainer-teams tr[data-team]")
        trainer.fill("#timer-minutes", "5")
        trainer.click("#timer-start")
        trainer.wait_for_function(
            "document.querySelector('[data-timer]').textContent.includes('4:5')"
        )
        trainer.fill("#message-text", "Dernière minute pour vos offres")
        trainer.select_option("#message-to", "Équipe B")
        trainer.click("#message-send")
        trainer.wait_for_selector("#notice:not([hidden])")
        assert "Message envoyé à Équipe B" in trainer.inner_text("#notice")
        team.wait_for_selector("#player-message:not([hidden])", timeout=10_000)
        assert "Dernière minute pour vos offres" in team.inner_text("#player-message")
        assert "Temps restant : 4:" in team.inner_text("#player .timer")
        assert_clean(trainer, team)
    finally:
        screens.close()
