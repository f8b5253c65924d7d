"""Random bodies and query strings on every route of the page's server never get a 500, a
non-JSON answer or a traceback in the log (issue 21, "The page's server").

Hypothesis builds JSON bodies from the fields the routes read (``n``, ``give``, ``teams``...)
and other keys, with values of every JSON type and their corners: booleans, integers of 400
digits, ``NaN`` and ``Infinity`` (which Python's JSON reader accepts), half a UTF-16 pair,
nested lists and objects, long texts. Each is sent to every route, by the facilitator, with a
run and a game that the accepted requests change as they go (offers made, rounds closed), so
that later examples meet other states. A valid request may be accepted (200); a bad one must be
a 4xx with ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import LogText, serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_game_session import METRO, RURAL_B, SMALL
from test_server_bad_requests import Answer, exchange, head, post

from terrisim.game.web import game_routes

FIELDS = [
    "scenario",
    "seed",
    "knobs",
    "governance",
    "n",
    "version",
    "kind",
    "teams",
    "rounds",
    "years_per_round",
    "record",
    "team",
    "token",
    "round",
    "to",
    "give",
    "ask",
    "years",
    "steps",
    "commitment",
    "offer",
    "decision",
    "minutes",
    "text",
    "lang",
    "magnitude",
    "duration",
    "kinds",
    "ids",
    "reason",
    "counter",
    "player",
    "type",
    "territory",
]
"""The fields the routes read (and a few they do not)."""
GOODS = ("food", "energy", "water", "health", "mobility_jobs", "gold")

corner_numbers = st.sampled_from(
    [0, 1, -1, 2, 120, 121, 2**32, 2**63, 10**400, 0.5, 1e-320, 1e308, -0.0]
)
floats = st.floats(allow_nan=True, allow_infinity=True)
texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "1", "2.5", "true", "null", "\ud800", "A" * 5000, METRO, RURAL_B]),
    st.sampled_from(["drought", "accept", "refuse", "counter", "fr", "en", "small", "scenario"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), corner_numbers, floats, texts)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(GOODS), texts), inner, max_size=4),
    ),
    max_leaves=12,
)
bodies = st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), values, max_size=6)

POSTS = (
    "/api/sim",
    "/api/sim/{sid}/step",
    "/api/sim/{sid}/shock",
    "/api/game",
    "/api/game/load",
    "/api/game/{gid}/offer",
    "/api/game/{gid}/respond",
    "/api/game/{gid}/withdraw",
    "/api/game/{gid}/shock",
    "/api/game/{gid}/end_round",
    "/api/game/{gid}/undo",
    "/api/game/{gid}/timer",
    "/api/game/{gid}/message",
)
GETS = (
    "/api/sim/{sid}",
    "/api/scenarios/{text}",
    "/api/game/scenarios/{text}",
    "/api/game/join/{text}",
    "/api/game/{gid}/status",
    "/api/game/{gid}/trainer",
    "/api/game/{gid}/player",
    "/api/game/{gid}/debrief",
    "/api/game/{gid}/save",
    "/static/{text}",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, log: LogText):
    configs = tmp_path_factory.mktemp("configs")
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        srv.connection_timeout = 5.0
        yield srv


@pytest.fixture(scope="module")
def ids(server) -> dict[str, str]:
    run = json.loads(exchange(server, post(server, "/api/sim", {"scenario": "small"})).body)
    teams = [{"team": "A", "territory": METRO}, {"team": "B", "territory": RURAL_B}]
    game = json.loads(
        exchange(
            server, post(server, "/api/game", {"scenario": "small", "teams": teams, "rounds": 20})
        ).body
    )
    return {"sid": run["id"], "gid": game["id"]}


def assert_answered(answer: Answer, log: LogText, sent: Any) -> None:
    assert answer.status < 500, (sent, answer.body[:500])
    assert answer.headers["Content-Type"].startswith("application/json"), sent
    if answer.status >= 400:
        error = answer.error
        assert error["code"] and error["message"].strip(), sent
        assert len(answer.body) < 2000, sent
    assert "Traceback" not in log.text, (sent, log.text[-3000:])


def _path(template: str, ids: dict[str, str], text: str = "x") -> str:
    from urllib.parse import quote

    return template.format(text=quote(text, safe="", errors="surrogatepass") or "x", **ids)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, route=st.sampled_from(POSTS))
def test_a_random_body_on_a_post_route_gets_json_and_no_traceback(server, ids, log, body, route):
    path = _path(route, ids)
    data = json.dumps(body, allow_nan=True)  # NaN, Infinity: tokens Python's reader accepts
    assert_answered(exchange(server, post(server, path, data)), log, (path, data[:300]))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(st.sampled_from(FIELDS), texts, max_size=4),
    text=texts,
    route=st.sampled_from(GETS),
)
def test_a_random_query_on_a_get_route_gets_json_and_no_traceback(
    server, ids, log, query, text, route
):
    from urllib.parse import urlencode

    path = _path(route, ids, text)
    if query:
        path += "?" + urlencode(query, errors="surrogatepass")
    answer = exchange(server, head(server, "GET", path) + b"\r\n")
    if route.startswith("/static/") and answer.status == 200:
        return  # a file of the page (text/html...), not JSON
    assert_answered(answer, log, path[:300])
