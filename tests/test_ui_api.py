"""The trainers' page JSON API, exercised over real HTTP on a loopback port (no browser)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import call, serving

from terrisim.ui.server import HTTPError, Request, Router
from terrisim.ui.sessions import SessionStore

SMALL = """
name = "small"
description = "Six territories for the tests."
steps = 8
seed = 7

[territories.generator]
counts = { metropolis = 1, town = 1, periurban = 1, rural = 2, mountain = 1 }
"""

TENSE = """
name = "tense"
steps = 5
seed = 3

[territories.generator]
counts = { metropolis = 1, rural = 3, mountain = 0, town = 0, periurban = 0 }

[trust]
initial = 0.3
"""


TOGETHER = """
name = "together"
steps = 6
seed = 5

[territories.generator]
counts = { metropolis = 1, town = 1, periurban = 2, rural = 3, mountain = 1 }

[[governance]]
rule = "merger"
radius_km = 80.0
equalisation_share = 0.4

[[governance]]
rule = "conference"
"""


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("configs")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    (folder / "tense.toml").write_text(TENSE, encoding="utf-8")
    (folder / "together.toml").write_text(TOGETHER, encoding="utf-8")
    (folder / "notes.txt").write_text("not a scenario", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(configs: Path):
    with serving(configs) as srv:
        yield srv


def new_run(server, **spec) -> dict:
    body = {"scenario": "small", "governance": ["none"], **spec}
    status, frame = call(server, "POST", "/api/sim", body)
    assert status == 200, frame
    return frame


# --------------------------------------------------------------------------- page and catalogue
def test_the_page_and_its_files_are_served(server):
    with urllib.request.urlopen(server.url, timeout=10) as response:
        html = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in html
    for name in ("app.js", "charts.js", "style.css"):
        with urllib.request.urlopen(server.url + "static/" + name, timeout=10) as response:
            assert response.status == 200
            assert response.read()


def test_static_files_cannot_escape_the_static_folder(server):
    host, port = server.server_address[:2]
    for path in (
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/nothing.js",
        "/etc/passwd",
    ):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 404, path
        response.read()
        conn.close()


def test_health_answers_with_the_version(server):
    status, body = call(server, "GET", "/api/health")
    assert status == 200
    assert body["ok"] is True
    assert body["version"]


def test_catalogue_lists_the_scenario_files_rules_shocks_and_knobs(server):
    status, cat = call(server, "GET", "/api/catalogue")
    assert status == 200
    assert [s["id"] for s in cat["scenarios"]] == ["small", "tense", "together"]
    assert cat["scenarios"][0]["description"] == "Six territories for the tests."
    assert "path" not in cat["scenarios"][0]  # no server path disclosed
    assert cat["governance"][0] == "none"
    assert set(cat["shocks"]) == {"drought", "grant_cut", "energy_crisis", "health_crisis"}
    knobs = {k["id"]: k for k in cat["knobs"]}
    assert {"initial_trust", "reciprocity_tolerance", "engineering", "grants"} <= set(knobs)
    for knob in knobs.values():
        assert knob["min"] <= knob["default"] <= knob["max"]


def test_scenario_settings_give_the_knob_positions_of_the_file(server):
    status, settings = call(server, "GET", "/api/scenarios/tense")
    assert status == 200
    assert settings["seed"] == 3
    assert settings["steps"] == 5
    assert settings["governance"] == "none"
    assert settings["knobs"]["initial_trust"] == pytest.approx(0.3)
    assert settings["knobs"]["engineering"] == 1.0  # factor knobs start at x1


def test_a_scenario_with_several_institutions_selects_them_all(server):
    status, settings = call(server, "GET", "/api/scenarios/together")
    assert status == 200
    assert settings["governance"] == "scenario"
    assert settings["institutions"] == ["merger", "conference"]
    assert settings["knobs"]["fiscal_solidarity"] == pytest.approx(0.4)
    frame = new_run(server, scenario="together", governance=["scenario"])
    run = server.store.get(frame["id"]).payload
    assert [type(i).name for i in run.models[0].institutions] == ["merger", "conference"]


def test_the_fiscal_solidarity_knob_sets_the_mergers_equalisation(server):
    frame = new_run(
        server,
        scenario="together",
        governance=["merger", "conference"],
        knobs={"fiscal_solidarity": 0.8},
    )
    merger, conference = server.store.get(frame["id"]).payload.models
    assert merger.institutions[0].params.equalisation_share == pytest.approx(0.8)
    assert [type(i).name for i in conference.institutions] == ["conference"]
    frame = new_run(server, governance=["merger"], knobs={"fiscal_solidarity": 0.1})
    (model,) = server.store.get(frame["id"]).payload.models
    assert model.institutions[0].params.equalisation_share == pytest.approx(0.1)


def test_an_unknown_scenario_is_not_found(server):
    status, body = call(server, "GET", "/api/scenarios/..%2Fetc")
    assert status == 404
    assert body["error"]["code"] == "unknown_scenario"
    status, body = call(server, "POST", "/api/sim", {"scenario": "nope"})
    assert status == 404


def test_sim_refusals_name_no_server_path(server, configs, tmp_path):
    status, body = call(server, "POST", "/api/sim", {"scenario": "nope"})
    message = body["error"]["message"]
    assert status == 404 and str(configs) not in message and configs.name not in message
    assert message == 'aucun scénario "nope" sur ce serveur (scénarios : small, tense, together)'
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "broken.toml").write_text('steps = 5\nextends = "missing.toml"\n', "utf-8")
    with serving(folder) as other:
        status, body = call(other, "POST", "/api/sim", {"scenario": "broken"})
    message = body["error"]["message"]
    assert status == 400 and body["error"]["code"] == "bad_scenario", body
    assert message.startswith("scénario invalide : broken.toml") and "missing.toml" in message
    assert str(tmp_path) not in message and str(tmp_path.resolve()) not in message


def test_the_boundaries_route_refuses_in_french_and_names_no_server_path(server, configs):
    status, body = call(server, "GET", "/api/boundaries/nope")
    assert status == 404 and body["error"]["message"] == 'aucun scénario "nope"'
    status, body = call(server, "GET", "/api/boundaries/small")
    assert status == 404 and body["error"]["code"] == "not_real"
    assert "ses territoires ne sont pas réels" in body["error"]["message"]
    assert str(configs) not in body["error"]["message"]


# --------------------------------------------------------------------------- runs
def test_a_run_starts_at_step_zero_with_every_view(server):
    frame = new_run(server)
    assert frame["step"] == 0
    assert frame["steps"] == 8
    assert frame["finished"] is False
    (panel,) = frame["panels"]
    assert panel["governance"] == "none"
    territories = panel["map"]["territories"]
    assert len(territories["x"]) == 6
    assert all(len(v) == 6 for v in territories.values())
    assert territories["satisfaction"] == [None] * 6  # nothing consumed yet
    links = panel["map"]["links"]
    assert len({len(v) for v in links.values()}) == 1
    assert panel["events"][0]["kind"] == "start"
    assert set(panel["events"][0]["text"]) == {"fr", "en"}
    assert panel["x"] == []


def test_stepping_fills_the_charts_the_map_and_the_baskets(server):
    frame = new_run(server)
    status, frame = call(server, "POST", f"/api/sim/{frame['id']}/step", {"n": 3})
    assert status == 200
    assert frame["step"] == 3
    (panel,) = frame["panels"]
    assert panel["x"] == [1, 2, 3]
    ids = {c["id"] for c in panel["charts"]}
    assert {"satisfaction", "trust", "equity", "resilience"} <= ids
    for chart in panel["charts"]:
        for line in chart["lines"]:
            assert len(line["values"]) == 3, (chart["id"], line["label"])
    satisfaction = next(c for c in panel["charts"] if c["id"] == "satisfaction")
    labels = [line["label"] for line in satisfaction["lines"]]
    assert "kind.metropolis" in labels and "kind.rural" in labels
    assert all(0 <= s <= 1 for s in panel["map"]["territories"]["satisfaction"])
    baskets = panel["baskets"]
    assert baskets["kinds"][0] == "metropolis"
    assert baskets["flows"], "no exchange at all in three steps"
    for giver, receiver, good, value in baskets["flows"]:
        assert 0 <= giver < len(baskets["kinds"]) and 0 <= receiver < len(baskets["kinds"])
        assert 0 <= good < len(baskets["goods"]) and value > 0


def test_a_triggered_shock_is_marked_and_told_in_the_log(server):
    frame = new_run(server)
    sid = frame["id"]
    _, frame = call(server, "POST", f"/api/sim/{sid}/step", {"n": 2})
    status, frame = call(server, "POST", f"/api/sim/{sid}/shock", {"kind": "drought"})
    assert status == 200
    (panel,) = frame["panels"]
    assert {"step": 3, "kind": "drought", "last_step": 8} in panel["shocks"]  # 6 months
    last = panel["events"][-1]
    assert last["kind"] == "shock" and last["tone"] == "shock"
    assert last["text"]["fr"] == "Choc : sécheresse (intensité 50 %) sur tous les territoires."
    assert last["text"]["en"] == "Shock: drought (magnitude 50%) on all territories."


@pytest.mark.parametrize(
    ("targets", "fr", "en"),
    [
        ("all", "tous les territoires", "all territories"),
        (
            "rural,mountain",
            "les territoires de type rural et montagne",
            "rural and mountain territories",
        ),
        ("class:rural", "les territoires non urbains", "non-urban territories"),
        (
            "metropolis,class:urban,t7",
            ("les territoires urbains, les territoires de type métropole et les territoires t7"),
            "urban territories, metropolis territories and territories t7",
        ),
    ],
)
def test_shock_targets_are_told_in_plain_words(targets, fr, en):
    from terrisim.ui import viewmodel

    assert viewmodel.shock_targets_text(targets, "fr") == fr
    assert viewmodel.shock_targets_text(targets, "en") == en


def test_a_scheduled_shock_on_some_kinds_names_them_in_the_log():
    from terrisim.ui import viewmodel

    configs = Path(__file__).resolve().parents[1] / "configs"
    entry = next((e for e in viewmodel.list_scenarios(configs) if e.id == "merger_forced"), None)
    if entry is None:
        pytest.skip("configs/merger_forced.toml not present")
    model = viewmodel.build_model(entry, rule="merger")
    while not model.shocks.history:
        viewmodel.step(model)
    (shock,) = [e for e in viewmodel.events_view(model) if e["kind"] == "shock"]
    assert shock["text"]["fr"] == (
        "Choc : baisse des dotations (intensité 50 %) sur les "
        "territoires de type rural et montagne."
    )
    assert " all" not in shock["text"]["en"] and "rural and mountain" in shock["text"]["en"]


def test_the_shock_lowers_satisfaction_compared_with_no_shock(server):
    calm, hit = new_run(server), new_run(server)
    call(server, "POST", f"/api/sim/{hit['id']}/shock", {"kind": "drought"})
    _, calm = call(server, "POST", f"/api/sim/{calm['id']}/step", {"n": 3})
    _, hit = call(server, "POST", f"/api/sim/{hit['id']}/step", {"n": 3})

    def mean_satisfaction(frame):
        chart = next(c for c in frame["panels"][0]["charts"] if c["id"] == "resilience")
        return chart["lines"][0]["values"]

    assert mean_satisfaction(hit)[-1] < mean_satisfaction(calm)[-1]


def test_resilience_is_summarised_for_each_shock(server):
    frame = new_run(server)
    sid = frame["id"]
    call(server, "POST", f"/api/sim/{sid}/step", {"n": 2})
    _, frame = call(server, "POST", f"/api/sim/{sid}/shock", {"kind": "drought"})
    assert frame["panels"][0]["resilience"] == [{"step": 3, "kind": "drought", "status": "pending"}]
    _, frame = call(server, "POST", f"/api/sim/{sid}/step", {"n": 4})
    (entry,) = frame["panels"][0]["resilience"]
    assert entry["status"] in {"recovered", "not_recovered"}
    assert 0 < entry["resistance"] < 1
    assert 3 <= entry["trough_step"] <= 6


def test_same_scenario_seed_and_knobs_give_the_same_run(server):
    a, b = new_run(server, seed=11), new_run(server, seed=11)
    _, a = call(server, "POST", f"/api/sim/{a['id']}/step", {"n": 4})
    _, b = call(server, "POST", f"/api/sim/{b['id']}/step", {"n": 4})
    assert a["panels"][0]["charts"] == b["panels"][0]["charts"]
    assert a["panels"][0]["map"] == b["panels"][0]["map"]


def test_knobs_are_applied_as_scenario_overrides(server):
    low = new_run(server, knobs={"initial_trust": 0.1})
    high = new_run(server, knobs={"initial_trust": 0.9, "engineering": 2.0, "grants": 0.5})
    mean_trust = [sum(f["panels"][0]["map"]["links"]["trust"]) for f in (low, high)]
    assert mean_trust[0] < mean_trust[1]
    low_config, high_config = (
        server.store.get(f["id"]).payload.models[0].config for f in (low, high)
    )
    assert (low_config.trust.initial, high_config.trust.initial) == (0.1, 0.9)
    for kind, spec in high_config.kinds.items():  # factor knobs scale every kind's value
        assert spec.engineering == pytest.approx(2.0 * low_config.kinds[kind].engineering)
        assert spec.grant == pytest.approx(0.5 * low_config.kinds[kind].grant)


def test_compare_mode_runs_two_models_on_the_same_territories_and_shocks(server):
    _, cat = call(server, "GET", "/api/catalogue")
    rules = (
        (cat["governance"] + cat["governance"])[:2]
        if len(cat["governance"]) < 2
        else cat["governance"][:2]
    )
    frame = new_run(server, governance=rules, seed=5)
    sid = frame["id"]
    call(server, "POST", f"/api/sim/{sid}/step", {"n": 1})
    _, frame = call(server, "POST", f"/api/sim/{sid}/shock", {"kind": "energy_crisis"})
    _, frame = call(server, "POST", f"/api/sim/{sid}/step", {"n": 2})
    left, right = frame["panels"]
    assert [left["governance"], right["governance"]] == rules
    for key in ("name", "kind", "x", "y", "population"):
        assert left["map"]["territories"][key] == right["map"]["territories"][key]
    assert (
        left["shocks"] == right["shocks"] == [{"step": 2, "kind": "energy_crisis", "last_step": 7}]
    )
    assert left["x"] == right["x"] == [1, 2, 3]


def test_steps_stop_at_the_end_of_the_scenario(server):
    frame = new_run(server, scenario="tense")
    _, frame = call(server, "POST", f"/api/sim/{frame['id']}/step", {"n": 50})
    assert frame["step"] == 5
    assert frame["finished"] is True
    _, frame = call(server, "POST", f"/api/sim/{frame['id']}/step", {"n": 1})
    assert frame["step"] == 5


def test_long_series_are_thinned_but_keep_the_last_step(monkeypatch):
    from terrisim.ui import viewmodel

    monkeypatch.setattr(viewmodel, "MAX_POINTS", 5)
    entry = viewmodel.list_scenarios(None)[0]
    model = viewmodel.build_model(entry, rule="none", seed=1)
    for _ in range(12):
        viewmodel.step(model)
    x, charts = viewmodel.charts_view(model)
    assert x[0] == 1 and x[-1] == 12 and len(x) == 5
    assert all(len(line["values"]) == 5 for c in charts for line in c["lines"])


def test_the_log_starts_with_the_start_of_the_simulation():
    from terrisim.ui import viewmodel

    configs = Path(__file__).resolve().parents[1] / "configs"
    entry = next(
        (e for e in viewmodel.list_scenarios(configs) if e.id == "reciprocity_contract"), None
    )
    if entry is None:
        pytest.skip("configs/reciprocity_contract.toml not present")
    model = viewmodel.build_model(entry, rule="reciprocity_contract")
    kinds = [e["kind"] for e in viewmodel.events_view(model)]
    assert kinds[0] == "start" and len(kinds) > 1  # the contract signed at step 0 comes after
    assert "signent un contrat de réciprocité" in viewmodel.events_view(model)[1]["text"]["fr"]


def test_the_map_says_how_many_territories_it_leaves_out(monkeypatch):
    from terrisim.ui import viewmodel

    entry = viewmodel.list_scenarios(None)[0]
    model = viewmodel.build_model(entry, rule="none", seed=1)
    full = viewmodel.map_view(model)
    n = model.state.n
    assert full["total"] == {"territories": n, "links": model.state.n_links}
    assert len(full["territories"]["name"]) == n

    monkeypatch.setattr(viewmodel, "MAX_TERRITORIES", 4)
    thinned = viewmodel.map_view(model)
    assert thinned["total"] == full["total"]
    shown = thinned["territories"]["population"]
    assert len(shown) == 4
    assert sorted(shown) == sorted(full["territories"]["population"])[-4:]  # the most populated
    assert all(0 <= i < 4 for i in thinned["links"]["a"] + thinned["links"]["b"])


def test_the_current_frame_can_be_read_again(server):
    frame = new_run(server)
    _, stepped = call(server, "POST", f"/api/sim/{frame['id']}/step", {})
    status, again = call(server, "GET", f"/api/sim/{frame['id']}")
    assert status == 200
    assert again["version"] == stepped["version"]
    assert again["panels"] == stepped["panels"]


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"knobs": {"nope": 1}}, "réglage inconnu 'nope'"),
        ({"knobs": {"initial_trust": 3}}, "hors de l'intervalle permis"),
        ({"knobs": {"initial_trust": "high"}}, "un nombre est attendu"),
        ({"knobs": [1, 2]}, "knobs"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"governance": ["anarchy"]}, "règle inconnue ; règles possibles : ['none'"),
        ({"governance": ["none", "none", "none"]}, "une règle, ou deux pour comparer"),
    ],
)
def test_bad_run_requests_get_a_clear_400(server, body, words):
    status, answer = call(server, "POST", "/api/sim", {"scenario": "small", **body})
    assert status == 400
    assert words in answer["error"]["message"]


def test_bad_commands_get_a_clear_error(server):
    frame = new_run(server)
    sid = frame["id"]
    status, answer = call(server, "POST", f"/api/sim/{sid}/shock", {"kind": "meteor"})
    assert status == 400 and "choc inconnu" in answer["error"]["message"]
    assert '(reçu "meteor")' in answer["error"]["message"]
    status, answer = call(server, "POST", f"/api/sim/{sid}/step", {"n": 0})
    assert status == 400 and "un nombre entier de 1 à 120" in answer["error"]["message"]
    status, answer = call(server, "POST", "/api/sim/nosuchid/step", {})
    assert status == 404 and answer["error"]["code"] == "unknown_session"
    status, answer = call(server, "GET", "/api/sim/{sid}/step")
    assert status == 405
    status, answer = call(server, "GET", "/api/nothing")
    assert status == 404


def test_invalid_json_is_refused(server):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(
        "POST", "/api/sim", body=b"{not json", headers={"Content-Type": "application/json"}
    )
    response = conn.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["error"]["code"] == "bad_json"
    conn.close()


def test_a_command_from_a_stale_page_is_refused(server):
    frame = new_run(server)
    sid, version = frame["id"], frame["version"]
    status, frame = call(server, "POST", f"/api/sim/{sid}/step", {"version": version})
    assert status == 200 and frame["version"] == version + 1
    status, answer = call(server, "POST", f"/api/sim/{sid}/step", {"version": version})
    assert status == 409
    assert answer["error"]["code"] == "stale"
    _, again = call(server, "GET", f"/api/sim/{sid}")
    assert again["step"] == 1  # the stale command changed nothing


# --------------------------------------------------------------------------- building blocks
@pytest.mark.parametrize(
    ("kind", "tone"),
    [
        ("shock", "shock"),
        ("contract_signed", "good"),
        ("contract_renewed", "good"),
        ("conference_meeting", "good"),
        ("contract_breach", "bad"),
        ("contract_not_signed", "bad"),
        ("conference_failed", "bad"),
        ("start", "info"),
    ],
)
def test_log_events_are_toned_by_what_they_tell(kind, tone):
    from terrisim.ui.viewmodel import event_tone

    assert event_tone(kind) == tone


def test_router_matches_path_parameters_and_reports_errors():
    router = Router()

    @router.route("GET", "/api/hello/{name}")
    def hello(request: Request) -> dict:
        if request.params["name"] == "x":
            raise HTTPError(418, "teapot", "no")
        return {"hello": request.params["name"]}

    assert router.dispatch(Request("GET", "/api/hello/élus")) == (200, {"hello": "élus"})
    assert router.dispatch(Request("GET", "/api/hello/x"))[0] == 418
    assert router.dispatch(Request("POST", "/api/hello/x"))[0] == 405
    assert router.dispatch(Request("GET", "/api/hello/a/b"))[0] == 404


def test_extra_routers_mount_next_to_the_simulation_api(configs):
    game = Router()
    game.add("GET", "/api/game/ping", lambda request: {"pong": True})
    with serving(configs, [game]) as srv:
        assert call(srv, "GET", "/api/game/ping") == (200, {"pong": True})
        assert call(srv, "GET", "/api/health")[0] == 200


def test_the_session_store_says_in_french_that_a_session_is_unknown():
    store = SessionStore()
    store.register("sim", lambda stored: stored.spec["value"])
    a = store.create("sim", "a", spec={"value": "a"})
    assert store.get(a.id).payload == "a"
    with pytest.raises(HTTPError) as info:
        store.get("nope")
    assert info.value.status == 404
    assert "aucune" in info.value.message
    with pytest.raises(HTTPError):
        store.get(a.id, kind="game")
