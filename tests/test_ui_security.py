"""Only the trainer controls the room: the facilitator's credential, Host and Origin checks,
limits on bodies, nesting and rate, and a server that answers a burst of connections.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import call, serving
from test_game_session import METRO, RURAL_B, SMALL

from terrisim.game.web import game_routes
from terrisim.ui.server import FACILITATOR_COOKIE, RateLimiter

TEAMS = [{"team": "Équipe A", "territory": METRO}, {"team": "Équipe B", "territory": RURAL_B}]
GAME = {"scenario": "small", "teams": TEAMS, "rounds": 3, "years_per_round": 0.5}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    configs = tmp_path_factory.mktemp("configs")
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        yield srv


def raw(server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """One request with exactly these headers; returns (status, headers, body bytes)."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    conn = http.client.HTTPConnection(host, port, timeout=20)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"{host}:{port}", **(headers or {})}
        if body or method == "POST":
            sent.setdefault("Content-Length", str(len(body)))
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body or None)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def json_post(server, path: str, body: bytes, **headers) -> tuple[int, dict]:
    status, _, data = raw(
        server,
        "POST",
        path,
        body,
        {"Content-Type": "application/json", "X-Terrisim-Key": server.facilitator_key, **headers},
    )
    return status, json.loads(data)


@pytest.fixture
def game(server) -> dict:
    status, created = call(server, "POST", "/api/game", GAME)
    assert status == 200, created
    return created


# --------------------------------------------------------------------------- the facilitator
def test_games_and_runs_cannot_be_created_without_the_facilitators_credential(server):
    for path, body in (("/api/game", GAME), ("/api/sim", {"scenario": "small"})):
        status, error = call(server, "POST", path, body, facilitator=False)
        assert status == 403 and error["error"]["code"] == "facilitator_only"
        assert "réservé au formateur" in error["error"]["message"]
        status, _ = call(
            server, "POST", path, body, facilitator=False, headers={"X-Terrisim-Key": "guess"}
        )
        assert status == 403


def test_rounds_shocks_and_the_end_of_a_game_are_the_facilitators(server, game):
    gid = game["id"]
    team_token = game["teams"][0]["token"]
    for action, body in (
        ("end_round", {"round": 1}),
        ("shock", {"kind": "drought"}),
        ("end", {}),
    ):
        for token in (None, team_token, "wrong"):
            status, _ = call(
                server,
                "POST",
                f"/api/game/{gid}/{action}",
                {**body, "token": token},
                facilitator=False,
            )
            assert status == 403, (action, token)
    assert call(server, "GET", f"/api/game/{gid}/status")[1]["round"] == 1
    status, view = call(server, "POST", f"/api/game/{gid}/end_round", {"round": 1})
    assert status == 200 and view["round"] == 2  # the facilitator's credential alone suffices


def test_games_cannot_be_evicted_by_a_flood_of_unauthenticated_creations(server, game):
    for _ in range(20):
        status, _, _ = raw(
            server, "POST", "/api/game", json.dumps(GAME).encode(), {"Content-Type": "text/plain"}
        )
        assert status == 415
        assert call(server, "POST", "/api/game", GAME, facilitator=False)[0] == 403
    status, view = call(server, "GET", f"/api/game/{game['id']}/trainer")
    assert status == 200 and view["round"] == 1


def test_the_login_link_sets_an_http_only_cookie_and_leaves_no_key_in_the_address(server):
    status, headers, _ = raw(
        server, "GET", f"/login?key={server.facilitator_key}&next=/static/game.html"
    )
    assert status == 303 and headers["Location"] == "/static/game.html"
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{FACILITATOR_COOKIE}={server.facilitator_key};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, _, _ = raw(server, "GET", "/login?key=wrong")
    assert status == 403
    status, headers, _ = raw(
        server, "GET", f"/login?key={server.facilitator_key}&next=//evil.example/"
    )
    assert headers["Location"] == "/"  # never sent to another site
    # the cookie is the credential
    status, _, data = raw(
        server,
        "POST",
        "/api/sim",
        b'{"scenario": "small"}',
        {
            "Content-Type": "application/json",
            "Cookie": f"{FACILITATOR_COOKIE}={server.facilitator_key}",
        },
    )
    assert status == 200, data
    _, _, me = raw(server, "GET", "/api/whoami", headers={"Cookie": f"{FACILITATOR_COOKIE}=x"})
    assert json.loads(me) == {"facilitator": False}


# --------------------------------------------------------------------------- other pages, hosts
def test_a_cross_origin_post_is_refused_even_with_the_facilitators_cookie(server):
    cookie = f"{FACILITATOR_COOKIE}={server.facilitator_key}"
    for headers in (
        {"Origin": "http://evil.example", "Content-Type": "application/json"},
        {"Origin": "null", "Content-Type": "application/json"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},
    ):
        status, _, data = raw(
            server, "POST", "/api/game", json.dumps(GAME).encode(), {**headers, "Cookie": cookie}
        )
        assert status in (403, 415), headers
        assert json.loads(data)["error"]["code"] in ("cross_origin", "bad_content_type")
    # the page's own origin is accepted
    host = server.url.rstrip("/").removeprefix("http://")
    status, _ = json_post(server, "/api/sim", b'{"scenario": "small"}', Origin=f"http://{host}")
    assert status == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example"])
def test_a_request_for_another_host_is_refused(server, host):
    for path in ("/", "/api/health", "/static/game.html"):
        status, _, data = raw(server, "GET", path, headers={"Host": host})
        assert status == 421, (host, path)
        assert json.loads(data)["error"]["code"] == "wrong_host"


def test_this_machines_addresses_and_names_are_accepted_as_host(server):
    import socket

    port = urlsplit(server.url).port
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        f"192.168.1.20:{port}",
        socket.gethostname(),
    ):
        assert raw(server, "GET", "/api/health", headers={"Host": host})[0] == 200, host


# --------------------------------------------------------------------------- bodies
def test_bad_lengths_and_deep_nesting_get_a_4xx_and_no_traceback(server, caplog):
    caplog.set_level(logging.DEBUG, logger="terrisim")
    deep = b"[" * 200_000 + b"]" * 200_000
    status, error = json_post(server, "/api/sim", deep)
    assert status == 400 and error["error"]["code"] == "too_deep"
    status, error = json_post(server, "/api/sim", b'{"a":' * 40 + b"1" + b"}" * 40)
    assert status == 400 and error["error"]["code"] == "too_deep"
    for length in ("-1", "-100000", "abc", "1e3"):
        status, _, data = raw(
            server,
            "POST",
            "/api/sim",
            b"",
            {"Content-Type": "application/json", "Content-Length": length},
        )
        assert status == 400 and json.loads(data)["error"]["code"] == "bad_length", length
    status, _, data = raw(
        server,
        "POST",
        "/api/sim",
        b"",
        {"Content-Type": "application/json", "Content-Length": str(10**9)},
    )
    assert status == 413
    status, error = json_post(server, "/api/sim", b"[1, 2]")
    assert status == 400 and "objet JSON" in error["error"]["message"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_seed_of_1e400_is_a_clear_400(server):
    status, error = json_post(server, "/api/sim", b'{"scenario": "small", "seed": 1e400}')
    assert status == 400 and "seed" in error["error"]["message"]
    status, error = json_post(
        server, "/api/game", json.dumps(GAME).encode()[:-1] + b', "seed": 1e400}'
    )
    assert status == 400 and "seed" in error["error"]["message"]


# --------------------------------------------------------------------------- load
def test_a_burst_of_100_concurrent_connections_is_all_answered(server):
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    barrier = threading.Barrier(100)
    statuses: list[int] = []
    errors: list[str] = []

    def one() -> None:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=20)
            barrier.wait(timeout=20)
            conn.request("GET", "/api/health")
            statuses.append(conn.getresponse().status)
            conn.close()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=one) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert statuses == [200] * 100


def test_a_client_sending_too_many_requests_is_told_to_wait(server):
    before = server.rate
    server.rate = RateLimiter(burst=5, rate=0.01)
    try:
        statuses = [call(server, "GET", "/api/health")[0] for _ in range(8)]
    finally:
        server.rate = before
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3
    assert call(server, "GET", "/api/health")[0] == 200


def test_the_server_keeps_a_backlog_and_a_bounded_pool_of_workers(server):
    from terrisim.ui.server import BACKLOG, MAX_WORKERS

    assert server.request_queue_size == BACKLOG >= 128
    assert MAX_WORKERS >= 100


def test_an_unknown_path_is_a_french_404(server):
    status, error = call(server, "GET", "/api/nothing")
    assert status == 404 and "aucune route" in error["error"]["message"]


def test_the_docs_say_how_the_trainer_logs_in():
    text = (Path(__file__).resolve().parents[1] / "docs" / "ui.md").read_text(encoding="utf-8")
    assert "/login?key=" in text and "X-Terrisim-Key" in text
