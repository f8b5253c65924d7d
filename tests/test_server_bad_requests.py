"""Every bad request to the page's server gets a JSON answer with a clear message and its 4xx,
and no traceback reaches the log (issue 21, "The page's server").

Each case is sent as raw bytes on a socket to the server on loopback (the ``serving`` fixture of
the other tests), so that malformed lengths, methods, request lines and headers reach it as a
careless or hostile client would send them. The server's log (``terrisim`` loggers, every
level, tracebacks included) and the process's stderr are captured and searched for
"Traceback".
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import LogText, call, serving
from test_game_session import METRO, RURAL_B, SMALL
from typer.testing import CliRunner

from terrisim.cli import app
from terrisim.game.web import game_routes
from terrisim.ui import start_in_thread
from terrisim.ui.server import HTTPError, Router, UIServer

TIMEOUT = 1.0
"""The connection timeout of the server under test (30 s in use), so that cases stay fast."""
TEAMS = [{"team": "Équipe A", "territory": METRO}, {"team": "Équipe B", "territory": RURAL_B}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, log: LogText):
    configs = tmp_path_factory.mktemp("configs")
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        srv.connection_timeout = TIMEOUT
        yield srv


@pytest.fixture(scope="module")
def ids(server) -> dict[str, str]:
    return run_and_game(server)


def run_and_game(server) -> dict[str, str]:
    """A run and a game to send commands to."""
    status, run = call(server, "POST", "/api/sim", {"scenario": "small"})
    assert status == 200, run
    status, game = call(server, "POST", "/api/game", {"scenario": "small", "teams": TEAMS})
    assert status == 200, game
    return {
        "sid": run["id"],
        "gid": game["id"],
        "team": game["teams"][0]["team"],
        "token": game["teams"][0]["token"],
    }


# --------------------------------------------------------------------------- raw requests
def head(server, method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    """A request line and headers (Host and the facilitator's key), without the blank line."""
    host, port = server.server_address[:2]
    sent = {"Host": f"{host}:{port}", "X-Terrisim-Key": server.facilitator_key, **(headers or {})}
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in sent.items())]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def post(server, path: str, body: bytes | str | dict, headers: dict | None = None) -> bytes:
    """A JSON POST, its Content-Length right unless ``headers`` says otherwise."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    sent = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    return head(server, "POST", path, sent) + b"\r\n" + body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.body)["error"]


def exchange(server, data: bytes, *, half_close: bool = False, method: str = "GET") -> Answer:
    """Send ``data`` on a new connection and read the answer (``half_close``: shut our side)."""
    with socket.create_connection(server.server_address[:2], timeout=20) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Answer(response.status, dict(response.getheaders()), response.read())


# --------------------------------------------------------------------------- the battery
@dataclass
class Case:
    """A bad request: how to build it, the status and error code expected, words of the message."""

    build: Callable[[Any, dict[str, str]], bytes]
    status: int
    code: str
    words: tuple[str, ...] = ()
    half_close: bool = False
    method: str = "GET"


def _step(body: dict | str) -> Callable[[Any, dict[str, str]], bytes]:
    return lambda srv, ids: post(srv, f"/api/sim/{ids['sid']}/step", body)


def _game(action: str, body: dict) -> Callable[[Any, dict[str, str]], bytes]:
    return lambda srv, ids: post(
        srv,
        f"/api/game/{ids['gid']}/{action}",
        {"team": ids["team"], "token": ids["token"], **body},
    )


DEEP = "[" * 200_000 + "]" * 200_000
LONG_NAME = "A" * 500_000
CASES = {
    # JSON fields keep their type: named field, value as sent, what is allowed
    "version as text": Case(_step({"version": "x"}), 400, "bad_field", ("version", '"x"')),
    "version negative": Case(_step({"version": -1}), 400, "bad_field", ("version", "-1")),
    "n a boolean": Case(_step({"n": True}), 400, "bad_field", ("n :", "true", "1 à 120")),
    "n a float": Case(_step({"n": 2.5}), 400, "bad_field", ("n :", "2.5")),
    "n as text": Case(_step({"n": "3"}), 400, "bad_field", ("n :", '"3"')),
    "n too large": Case(_step({"n": 10**30}), 400, "bad_field", ("n :",)),
    "seed a boolean": Case(
        lambda s, i: post(s, "/api/sim", {"scenario": "small", "seed": True}),
        400,
        "bad_field",
        ("seed", "true"),
    ),
    "seed 1e400": Case(
        lambda s, i: post(s, "/api/sim", '{"scenario": "small", "seed": 1e400}'),
        400,
        "bad_field",
        ("seed", "Infinity"),
    ),
    "a rule that is a number": Case(
        lambda s, i: post(s, "/api/sim", {"scenario": "small", "governance": [1]}),
        400,
        "bad_field",
        ("governance", "(reçu 1)"),
    ),
    "a scenario that is a list": Case(
        lambda s, i: post(s, "/api/sim", {"scenario": ["small"]}),
        400,
        "bad_field",
        ("scenario", '["small"]'),
    ),
    "a shock kind that is a number": Case(
        lambda s, i: post(s, f"/api/sim/{i['sid']}/shock", {"kind": 5}),
        400,
        "bad_field",
        ("kind", "(reçu 5)"),
    ),
    "rounds a boolean": Case(
        lambda s, i: post(s, "/api/game", {"scenario": "small", "teams": TEAMS, "rounds": True}),
        400,
        "bad_field",
        ("rounds", "true"),
    ),
    "a team that is not text": Case(
        lambda s, i: post(
            s, "/api/game", {"scenario": "small", "teams": [{"team": [1], "territory": METRO}]}
        ),
        400,
        "bad_field",
        ("teams",),
    ),
    "a 500,000-character team name": Case(
        lambda s, i: post(
            s,
            "/api/game",
            {"scenario": "small", "teams": [{"team": LONG_NAME, "territory": METRO}]},
        ),
        400,
        "bad_team_name",
        ("de 1 à 60 caractères", "… (500000)"),
    ),
    "a team name with a NUL byte and a line break": Case(
        lambda s, i: post(
            s,
            "/api/game",
            {"scenario": "small", "teams": [{"team": "A\x00B\nC", "territory": METRO}]},
        ),
        400,
        "bad_team_name",
        ("A\\x00B\\nC", "sans caractère de contrôle"),
    ),
    "an offer for 1e308 years": Case(
        _game(
            "offer",
            {"round": 1, "to": RURAL_B, "give": {"food": 1}, "ask": {"energy": 1}, "years": 1e308},
        ),
        400,
        "bad_duration",
    ),
    "an offer of a 400-digit quantity": Case(
        _game(
            "offer", {"round": 1, "to": RURAL_B, "give": {"food": 10**400}, "ask": {"energy": 1}}
        ),
        400,
        "bad_quantity",
        ("… (534)",),
    ),
    "an offer of a quantity as text": Case(
        _game("offer", {"round": 1, "to": RURAL_B, "give": {"food": "1"}, "ask": {"energy": 1}}),
        400,
        "bad_quantity",
        ('« "1" »',),
    ),
    "a round of 1.5": Case(
        _game("offer", {"round": 1.5, "to": RURAL_B, "give": {"food": 1}, "ask": {"energy": 1}}),
        400,
        "bad_action",
        ("round 1.5",),
    ),
    "a message to a team that is a list": Case(
        lambda s, i: post(s, f"/api/game/{i['gid']}/message", {"text": "hi", "team": ["x"]}),
        400,
        "unknown_player",
        ('["x"]',),
    ),
    # bodies
    "Content-Length abc": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": "abc"}),
        400,
        "bad_length",
        ("abc",),
    ),
    "Content-Length -5": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": "-5"}),
        400,
        "bad_length",
        ("-5",),
    ),
    "Content-Length longer than the body, the client waiting": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": "100"}),
        400,
        "short_body",
        ("2 octets reçus sur les 100", f"pas arrivée en entier en {TIMEOUT:g} s"),
    ),
    "Content-Length longer than the body, the client done": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": "100"}),
        400,
        "short_body",
        ("la connexion a été fermée",),
        half_close=True,
    ),
    "Content-Length in Arabic digits": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": "٢"}),
        400,
        "bad_length",
        ("« ٢ »",),  # as sent, not as the Latin-1 the standard library reads
    ),
    "Content-Length over 4 MB": Case(
        lambda s, i: post(s, "/api/sim", "{}", {"Content-Length": str(10**9)}), 413, "too_large"
    ),
    "chunked transfer encoding": Case(
        lambda s, i: (
            head(
                s,
                "POST",
                "/api/sim",
                {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            )
            + b"\r\n2\r\n{}\r\n0\r\n\r\n"
        ),
        411,
        "length_required",
    ),
    "a 200,000-deep JSON array": Case(
        lambda s, i: post(s, "/api/sim", DEEP), 400, "too_deep", ("32 niveaux",)
    ),
    "a 200,000-deep JSON object": Case(
        lambda s, i: post(s, "/api/sim", '{"a":' * 200_000 + "1" + "}" * 200_000),
        400,
        "too_deep",
    ),
    "not JSON": Case(
        lambda s, i: post(s, "/api/sim", "{not json"),
        400,
        "bad_json",
        ("ligne 1, colonne 2", "un nom de champ entre guillemets droits est attendu"),
    ),
    "JSON with a trailing comma": Case(
        lambda s, i: post(s, "/api/sim", '{"scenario": "small",}'),
        400,
        "bad_json",
        ("colonne 22",),
    ),
    "a body that is not UTF-8": Case(
        lambda s, i: post(s, "/api/sim", '{"scenario": "démo"}'.encode("latin-1")),
        400,
        "bad_json",
        ("pas de l'UTF-8", "0xe9"),
    ),
    "a text with half a UTF-16 pair": Case(
        lambda s, i: post(s, "/api/sim", '{"scenario": "\\ud800"}'),
        400,
        "bad_json",
        ("UTF-16", "ud800"),
    ),
    "a key with half a UTF-16 pair": Case(
        lambda s, i: post(s, "/api/sim", '{"knobs": {"\\udc00": 1}}'), 400, "bad_json"
    ),
    "a 5,000-digit number": Case(
        lambda s, i: post(s, "/api/sim", '{"seed": ' + "9" * 5000 + "}"),
        400,
        "bad_json",
        ("JSON invalide : un nombre de plus de 4\u202f300 chiffres",),
    ),
    "an empty list of rules": Case(
        lambda s, i: post(s, "/api/sim", {"scenario": "small", "governance": []}),
        400,
        "bad_field",
        ("governance", "[]"),
    ),
    "knobs that are a list": Case(
        lambda s, i: post(s, "/api/sim", {"scenario": "small", "knobs": []}),
        400,
        "bad_field",
        ("knobs", "[]"),
    ),
    "a message to team false": Case(
        lambda s, i: post(s, f"/api/game/{i['gid']}/message", {"text": "hi", "team": False}),
        400,
        "unknown_player",
        ("false",),
    ),
    # headers and request targets
    "a Host header that is not host:port": Case(
        lambda s, i: head(s, "GET", "/api/health", {"Host": "[::1"}) + b"\r\n",
        421,
        "wrong_host",
        ("[::1",),
    ),
    "a Host header with a port that is not a number": Case(
        lambda s, i: head(s, "GET", "/api/health", {"Host": "127.0.0.1:abc"}) + b"\r\n",
        421,
        "wrong_host",
    ),
    "two Host headers": Case(
        lambda s, i: head(s, "GET", "/api/health") + b"Host: evil.example\r\n\r\n",
        400,
        "duplicate_header",
        ("Host",),
    ),
    "two Content-Length headers": Case(
        lambda s, i: (
            head(s, "POST", "/api/sim", {"Content-Type": "application/json", "Content-Length": "2"})
            + b"Content-Length: 50\r\n\r\n{}"
        ),
        400,
        "duplicate_header",
        ("Content-Length",),
    ),
    "a header line without a colon": Case(
        lambda s, i: head(s, "GET", "/api/health") + b"no colon here\r\n\r\n",
        400,
        "bad_header",
    ),
    "a header folded on two lines": Case(
        lambda s, i: head(s, "GET", "/api/health") + b"X-A: 1\r\n folded\r\n\r\n",
        400,
        "bad_header",
    ),
    "an absolute URL for another host": Case(
        lambda s, i: head(s, "GET", "http://evil.example/api/health") + b"\r\n",
        400,
        "bad_target",
        ("http://evil.example/api/health",),
    ),
    "a NUL byte in a file name": Case(
        lambda s, i: head(s, "GET", "/static/a\x00b") + b"\r\n", 404, "not_found"
    ),
    "a 5,000-character file name": Case(
        lambda s, i: head(s, "GET", "/static/" + "a" * 5000) + b"\r\n",
        404,
        "not_found",
        ("… (5008)",),
    ),
    "a wrong login key": Case(
        lambda s, i: head(s, "GET", "/login?key=wrong") + b"\r\n",
        403,
        "bad_login_key",
        ("terrisim ui",),
    ),
    # methods
    "PUT": Case(
        lambda s, i: head(s, "PUT", "/api/sim", {"Content-Length": "0"}) + b"\r\n",
        405,
        "method_not_allowed",
        ("PUT", "POST"),
    ),
    "DELETE": Case(
        lambda s, i: head(s, "DELETE", f"/api/sim/{i['sid']}") + b"\r\n",
        405,
        "method_not_allowed",
        ("DELETE", "GET"),
    ),
    "an invented method": Case(
        lambda s, i: head(s, "BREW", "/") + b"\r\n", 405, "method_not_allowed", ("BREW",)
    ),
    "GET on a POST route": Case(
        lambda s, i: head(s, "GET", f"/api/sim/{i['sid']}/step") + b"\r\n",
        405,
        "method_not_allowed",
        ("POST",),
    ),
    # what the standard library refuses before any route runs
    "a 70,000-character URL": Case(
        lambda s, i: head(s, "GET", "/" + "a" * 70_000) + b"\r\n", 414, "uri_too_long"
    ),
    "150 headers": Case(
        lambda s, i: head(s, "GET", "/api/health", {f"X-H{k}": "1" for k in range(150)}) + b"\r\n",
        431,
        "headers_too_large",
    ),
    "a 70,000-character header": Case(
        lambda s, i: head(s, "GET", "/api/health", {"X-Long": "b" * 70_000}) + b"\r\n",
        431,
        "headers_too_large",
    ),
    "only empty lines": Case(lambda s, i: b"\r\n" * 20, 400, "bad_request"),
    "a request line that is not HTTP": Case(
        lambda s, i: b"HELLO\r\n\r\n", 400, "bad_request", ("mal formée",)
    ),
    "an HTTP version from the future": Case(
        lambda s, i: b"GET / HTTP/3.0\r\n\r\n", 505, "http_version"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_request_gets_a_json_error_with_its_4xx_and_no_traceback(
    server, ids, log, capfd, case: Case
):
    answer = exchange(server, case.build(server, ids), half_close=case.half_close)
    assert answer.status == case.status, answer.body[:300]
    assert answer.headers["Content-Type"].startswith("application/json")
    error = answer.error
    assert error["code"] == case.code, error
    assert error["message"].strip()
    for words in case.words:
        assert words in error["message"], (words, error["message"])
    assert len(answer.body) < 2000  # values quoted in the message are cut short
    if case.status == 405:
        assert answer.headers["Allow"]
    assert "Traceback" not in log.text
    assert "Traceback" not in capfd.readouterr().err


def test_a_step_refused_for_its_n_does_not_step(server):
    status, run = call(server, "POST", "/api/sim", {"scenario": "small"})
    for bad in (True, 1.0, "1"):
        status, answer = call(server, "POST", f"/api/sim/{run['id']}/step", {"n": bad})
        assert status == 400, answer
    assert call(server, "GET", f"/api/sim/{run['id']}")[1]["step"] == 0


def test_empty_lines_before_a_request_line_are_skipped(server):
    answer = exchange(server, b"\r\n\n" + head(server, "GET", "/api/health") + b"\r\n")
    assert answer.status == 200 and json.loads(answer.body)["ok"] is True


def test_a_tls_handshake_is_closed_at_once_with_one_log_line(server, log):
    """``https://`` typed for this plain-HTTP server: closed at once, not after the timeout."""
    before = len(log.lines)
    with socket.create_connection(server.server_address[:2], timeout=20) as sock:
        sock.sendall(bytes.fromhex("16030100c4010000c00303") + bytes(32))  # a ClientHello
        started = time.monotonic()
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(100) == b""
        assert time.monotonic() - started < TIMEOUT / 2
    [line] = [x for x in log.lines[before:] if x.startswith("INFO")]
    assert "TLS" in line and "http://" in line


def test_an_answer_to_head_is_a_405_with_headers_only(server):
    answer = exchange(server, head(server, "HEAD", "/") + b"\r\n", method="HEAD")
    assert answer.status == 405 and answer.headers["Allow"] == "GET" and answer.body == b""


def test_the_body_of_a_get_is_not_read_as_a_second_request(server):
    request = head(server, "GET", "/api/health", {"Content-Length": "9"}) + b"\r\nPUT / x\r\n"
    with socket.create_connection(server.server_address[:2], timeout=20) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200 and response.getheader("Connection") == "close"
        response.read()
        assert sock.recv(100) == b""  # no 405 for "PUT / x": the connection is closed


def test_each_bad_request_is_one_line_of_the_log(server, ids, log):
    before = len(log.lines)
    exchange(server, _step({"n": True})(server, ids))
    lines = [line for line in log.lines[before:] if line.startswith("INFO")]
    assert len(lines) == 1
    assert "POST /api/sim/" in lines[0] and "400 bad_field" in lines[0] and "true" in lines[0]


def test_half_open_connections_are_closed_after_the_timeout_and_others_are_answered(server):
    """150 clients that connect and send nothing, or half a request line, then wait."""
    sockets = []
    try:
        for k in range(150):
            sock = socket.create_connection(server.server_address[:2], timeout=20)
            if k % 2:
                sock.sendall(b"GET /api/hea")
            sockets.append(sock)
        assert call(server, "GET", "/api/health")[0] == 200  # answered meanwhile
        for sock in sockets:  # each is closed by the server (recv gives b""), none is held
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(100) == b""
    finally:
        for sock in sockets:
            sock.close()


def test_when_every_worker_is_taken_the_longest_waiting_connection_makes_room(log):
    """Clients that connect and send nothing (or half a request line) cannot keep others out
    until the timeout: 20 of them on a server of 8 workers and a 30 s timeout, and a request
    that comes next is answered at once."""
    router = Router()
    router.add("GET", "/api/health", lambda request: {"ok": True})
    srv = UIServer(("127.0.0.1", 0), router, max_workers=8, connection_timeout=30)
    start_in_thread(srv)
    try:
        sockets = [socket.create_connection(srv.server_address[:2], timeout=20) for _ in range(20)]
        try:
            for k, sock in enumerate(sockets):
                if k % 2:
                    sock.sendall(b"GET /api/hea")
            started = time.monotonic()
            assert call(srv, "GET", "/api/health")[0] == 200
            assert time.monotonic() - started < 5  # not the 30 s timeout
            closed = 0
            for sock in sockets:
                sock.settimeout(0.5)
                try:
                    closed += sock.recv(100) == b""
                except ConnectionResetError:
                    closed += 1
                except TimeoutError:  # one of the 8 still open
                    pass
            assert closed >= 12  # 20 + 1 connections for 8 workers
        finally:
            for sock in sockets:
                sock.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert "Traceback" not in log.text


def test_a_client_trickling_its_headers_is_closed_once_the_request_time_is_up(server):
    """A byte every 0.3 s is never silent for the 1 s timeout, yet the request must arrive
    within 1 s of its first byte: the server closes the connection, answering nothing."""
    with socket.create_connection(server.server_address[:2], timeout=20) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")
        with pytest.raises(OSError):  # BrokenPipe or ConnectionReset, once closed
            for _ in range(40):  # 12 s of trickling if the server never closed
                sock.sendall(b"X")
                time.sleep(0.3)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(100) == b""


def test_each_request_of_a_kept_alive_connection_has_its_own_time(server):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=20)
    try:
        for _ in range(3):  # 3 x 0.6 s on one connection, longer than the 1 s timeout
            conn.request("GET", "/api/health")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            time.sleep(0.6)
    finally:
        conn.close()


def test_a_bug_of_the_server_logs_its_traceback_once_and_answers_500_json(log):
    router = Router()

    @router.route("GET", "/api/bug")
    def bug(request):
        raise ZeroDivisionError("a bug")

    @router.route("GET", "/api/refused")
    def refused(request):
        raise HTTPError(400, "nope", "refusé")

    with serving(None, [router]) as srv:
        before = len(log.lines)
        status, answer = call(srv, "GET", "/api/bug")
        assert status == 500 and answer["error"]["code"] == "internal_error"
        assert log.text.count("Traceback") == 1
        assert "ZeroDivisionError: a bug" in "\n".join(log.lines[before:])
        assert call(srv, "GET", "/api/refused")[0] == 400
        assert log.text.count("Traceback") == 1
    log.lines.clear()  # the other tests assert there is none


def test_a_full_disk_is_a_507_in_french_with_no_traceback_and_the_run_unchanged(server, log):
    """SQLite's own "database or disk is full" (its page count capped where it is): the step is
    refused, not acknowledged, and the run is rebuilt as the database has it."""
    status, run = call(server, "POST", "/api/sim", {"scenario": "small"})
    acknowledged = call(server, "POST", f"/api/sim/{run['id']}/step", {"n": 2})[1]["version"]
    db = server.store.database._db  # the one connection of the server's database
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    before = len(log.lines)
    db.execute(f"PRAGMA max_page_count = {pages}")
    try:
        for _ in range(500):  # until a step needs a new page (some 70 actions fill one)
            status, answer = call(server, "POST", f"/api/sim/{run['id']}/step", {"n": 1})
            if status != 200:
                break
            acknowledged = answer["version"]
    finally:
        db.execute("PRAGMA max_page_count = 1073741823")
    assert status == 507, answer
    assert answer["error"]["code"] == "storage_full"
    assert "disque du serveur est plein" in answer["error"]["message"]
    new = "\n".join(log.lines[before:])
    assert "database or disk is full" in new and "Traceback" not in log.text
    assert call(server, "GET", f"/api/sim/{run['id']}")[1]["version"] == acknowledged
    again = call(server, "POST", f"/api/sim/{run['id']}/step", {"n": 1})[1]  # room again
    assert again["version"] == acknowledged + 1


# --------------------------------------------------------------------------- terrisim ui
def _ui(*args: str):
    return CliRunner().invoke(app, ["ui", *args])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--port", "99999"), "--port 99999: a TCP port from 0 to 65535"),
        (("--port", "-5"), "--port -5: a TCP port from 0 to 65535"),
        (("--configs", "/nonexistent/configs"), "--configs /nonexistent/configs: no such folder"),
    ],
)
def test_a_bad_ui_option_is_one_line_and_exit_2(args, words):
    result = _ui(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output


def test_terrisim_ui_warns_of_a_broken_file_and_logs_one_line_per_bad_request(tmp_path: Path):
    """The real command: its stderr gets a warning naming the file that is not valid TOML, one
    line per bad request of the battery, and no traceback."""
    from test_ui_storage import start_terrisim_ui

    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    (configs / "broken.toml").write_text('name = "broken"\nsteps = [\n', encoding="utf-8")
    process, url, key = start_terrisim_ui(configs, tmp_path / "data", 0, "--timeout", "1")
    sent = list(CASES.values())
    try:
        parts = urlsplit(url)
        address = types.SimpleNamespace(
            url=url, facilitator_key=key, server_address=(parts.hostname, parts.port)
        )
        status, catalogue = call(address, "GET", "/api/catalogue")
        assert status == 200
        assert [s["id"] for s in catalogue["scenarios"]] == ["small"]
        [unavailable] = catalogue["unavailable"]
        assert unavailable["id"] == "broken" and "malformed TOML" in unavailable["reason"]
        ids = run_and_game(address)
        for case in sent:
            answer = exchange(address, case.build(address, ids), half_close=case.half_close)
            assert answer.status == case.status
        silent = [socket.create_connection(address.server_address, timeout=20) for _ in range(20)]
        for sock in silent:  # --timeout 1: each is closed by the server
            with contextlib.suppress(ConnectionResetError), sock:
                assert sock.recv(100) == b""
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, err
    assert "broken.toml" in warnings[0] and "malformed TOML" in warnings[0]
    refused = [line for line in err.splitlines() if line.startswith("INFO terrisim.ui.server:")]
    assert len(refused) == len(sent), err
    assert "Traceback" not in err


def test_a_configs_folder_without_a_scenario_is_warned_about(tmp_path: Path):
    from terrisim.ui import startup_warnings

    (tmp_path / "notes.txt").write_text("no scenario here", encoding="utf-8")
    [warning] = startup_warnings(tmp_path)
    assert str(tmp_path) in warning and "no scenario file" in warning
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    assert startup_warnings(tmp_path) == []


def test_the_docs_give_the_limits_timeouts_and_error_format():
    text = (Path(__file__).resolve().parents[1] / "docs" / "ui.md").read_text(encoding="utf-8")
    for words in ("405", "414", "431", "short_body", "30 s", '{"error": {"code"', "bad_field"):
        assert words in text, words
