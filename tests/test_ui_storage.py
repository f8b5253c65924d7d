"""Durable sessions: games and runs stored in SQLite, rebuilt identically after a restart
(also after ``kill -9``), unloaded from memory within a budget but never lost, pruned by rule.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import call, serving
from test_game_session import METRO, RURAL_B, SMALL

from terrisim.game.web import game_routes
from terrisim.ui import make_server
from terrisim.ui.sessions import SessionStore, footprint
from terrisim.ui.storage import Database, default_data_dir

TEAMS = [{"team": "Équipe A", "territory": METRO}, {"team": "Équipe B", "territory": RURAL_B}]


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    return folder


def durable_server(configs: Path, data: Path, **kwargs):
    """The server ``terrisim ui`` builds: page and game routes on one store in ``data``."""
    return serving_on(configs, data, **kwargs)


class serving_on:  # noqa: N801 (used like the conftest's serving())
    def __init__(self, configs: Path, data: Path, **kwargs) -> None:
        self.server = make_server(
            "127.0.0.1",
            0,
            configs_dir=configs,
            routers=[lambda store: game_routes(store, configs_dir=configs)],
            data_dir=data,
            **kwargs,
        )

    def __enter__(self):
        from terrisim.ui import start_in_thread

        start_in_thread(self.server)
        return self.server

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.server.store.database.close()


def play_a_little(srv) -> dict:
    status, game = call(
        srv,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": TEAMS, "rounds": 3, "years_per_round": 0.5},
    )
    assert status == 200, game
    token = {t["team"]: t["token"] for t in game["teams"]}
    gid = game["id"]
    status, view = call(
        srv,
        "POST",
        f"/api/game/{gid}/offer",
        {
            "team": "Équipe A",
            "token": token["Équipe A"],
            "round": 1,
            "to": RURAL_B,
            "give": {"health": 1},
            "ask": {"food": 1},
            "years": 1,
            "commitment": 0.5,
        },
    )
    assert status == 200, view
    status, view = call(
        srv, "POST", f"/api/game/{gid}/shock", {"token": game["trainer_token"], "kind": "drought"}
    )
    assert status == 200, view
    status, view = call(
        srv, "POST", f"/api/game/{gid}/end_round", {"token": game["trainer_token"], "round": 1}
    )
    assert status == 200, view
    return game


def trainer_view(srv, game: dict) -> dict:
    status, view = call(srv, "GET", f"/api/game/{game['id']}/trainer?token={game['trainer_token']}")
    assert status == 200, view
    return view


# --------------------------------------------------------------------------------------------
def test_a_game_is_served_where_it_was_by_a_new_server_on_the_same_data_folder(configs, tmp_path):
    data = tmp_path / "data"
    with durable_server(configs, data) as srv:
        game = play_a_little(srv)
        before = trainer_view(srv, game)
        status, sim = call(srv, "POST", "/api/sim", {"scenario": "small", "seed": 4})
        call(srv, "POST", f"/api/sim/{sim['id']}/step", {"n": 3, "version": 0})
        status, sim_before = call(srv, "POST", f"/api/sim/{sim['id']}/shock", {"kind": "drought"})
        assert status == 200
    assert (data / "terrisim.sqlite3").exists()
    with durable_server(configs, data) as srv:
        after = trainer_view(srv, game)
        assert after["version"] == before["version"] == 3
        assert after["round"] == 2 and after["step"] == 6
        assert after["offers"] == before["offers"]
        assert after["series"] == before["series"]
        # the game goes on from there
        status, view = call(
            srv,
            "POST",
            f"/api/game/{game['id']}/end_round",
            {"token": game["trainer_token"], "round": 2},
        )
        assert status == 200 and view["round"] == 3
        status, sim_after = call(srv, "GET", f"/api/sim/{sim['id']}")
        assert status == 200
        assert sim_after["version"] == sim_before["version"] == 2
        assert sim_after["panels"] == sim_before["panels"]


def test_an_undo_by_the_trainer_is_stored_and_survives_a_restart(configs, tmp_path):
    data = tmp_path / "data"
    with durable_server(configs, data) as srv:
        game = play_a_little(srv)  # an offer, a drought, the end of round 1
        gid, token_a = game["id"], game["teams"][0]["token"]
        assert trainer_view(srv, game)["undo"]["type"] == "end_round"
        status, view = call(srv, "POST", f"/api/game/{gid}/undo", {"version": 2}, facilitator=False)
        assert status == 403  # neither the facilitator's credential nor the trainer's token
        status, view = call(srv, "POST", f"/api/game/{gid}/undo", {"version": 2})
        assert status == 409 and view["error"]["code"] == "stale_version"  # the page saw 2, not 3
        status, view = call(srv, "POST", f"/api/game/{gid}/undo", {"version": 3})
        assert status == 200, view
        assert view["round"] == 1 and view["step"] == 0 and view["version"] == 4
        assert view["undo"]["type"] == "shock"
        status, player = call(
            srv, "GET", f"/api/game/{gid}/player?team=%C3%89quipe%20A&token={token_a}"
        )
        assert player["round"] == 1 and player["version"] == 4
        before = trainer_view(srv, game)
    with durable_server(configs, data) as srv:
        after = trainer_view(srv, game)
        assert after["version"] == 4 and after["round"] == 1 and after["step"] == 0
        assert after["offers"] == before["offers"] and after["undo"] == before["undo"]
        assert after["journal"] == before["journal"]  # the undo stays in the game's log
        assert [(e["type"], e["undone"]) for e in after["journal"]] == [
            ("start", False),
            ("shock", False),
            ("end_round", True),
            ("undo", False),
        ]
        assert after["journal"][3]["text"]["fr"].startswith("Annulé par le formateur : Fin du")
        status, view = call(srv, "POST", f"/api/game/{gid}/undo", {"version": 4})
        assert status == 200 and view["shocks"] == [] and view["undo"] is None
        assert [e["undone"] for e in view["journal"]] == [False, True, True, False, False]
        status, error = call(srv, "POST", f"/api/game/{gid}/undo", {"version": 5})
        assert status == 409 and error["error"]["code"] == "nothing_to_undo"
        assert "rien à annuler" in error["error"]["message"]
        status, saved = call(srv, "GET", f"/api/game/{gid}/save?token={game['trainer_token']}")
        assert [a["type"] for a in saved["actions"]] == ["offer"]  # the export: what stands


def test_undoing_the_last_round_keeps_the_game_from_pruning(configs, tmp_path):
    with durable_server(configs, tmp_path / "data") as srv:
        status, game = call(
            srv, "POST", "/api/game", {"scenario": "small", "teams": TEAMS, "rounds": 1}
        )
        gid = game["id"]
        assert call(srv, "POST", f"/api/game/{gid}/end_round", {"round": 1})[1]["finished"]
        status, view = call(srv, "POST", f"/api/game/{gid}/undo", {})
        assert status == 200 and view["finished"] is False
        database: Database = srv.store.database
        assert database.prune(30, now=time.time() + 31 * 86400) == 0  # in progress again
        call(srv, "POST", f"/api/game/{gid}/end", {})
        status, error = call(srv, "POST", f"/api/game/{gid}/undo", {})
        assert status == 409 and error["error"]["code"] == "game_ended"


def test_sessions_above_the_memory_budget_are_unloaded_and_rebuilt_identically(configs):
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        store: SessionStore = srv.store
        store.memory_mb, store.idle_seconds = 0.0, 0.0  # keep nothing idle in memory
        status, a = call(srv, "POST", "/api/sim", {"scenario": "small"})
        status, a = call(srv, "POST", f"/api/sim/{a['id']}/step", {"n": 4})
        status, _ = call(srv, "POST", "/api/sim", {"scenario": "small"})
        assert status == 200
        assert len(store) == 1  # a was unloaded to make room for b
        status, again = call(srv, "GET", f"/api/sim/{a['id']}")
        assert status == 200 and again["panels"] == a["panels"] and again["version"] == 1


def test_a_session_in_use_is_never_unloaded(configs):
    with serving(configs) as srv:
        store: SessionStore = srv.store
        store.memory_mb = 0.0  # over budget at once, but both were used just now
        call(srv, "POST", "/api/sim", {"scenario": "small"})
        call(srv, "POST", "/api/sim", {"scenario": "small"})
        assert len(store) == 2
        assert store.memory_bytes() > 0


def test_the_footprint_of_a_run_counts_its_arrays():
    import numpy as np

    small, big = {"x": np.zeros(10)}, {"x": np.zeros(1_000_000)}
    assert footprint(big) - footprint(small) == pytest.approx(8 * (1_000_000 - 10), rel=0.01)


def test_an_ended_game_refuses_actions_and_opens_the_debrief_to_the_teams(configs, tmp_path):
    with durable_server(configs, tmp_path / "data") as srv:
        game = play_a_little(srv)
        gid, trainer = game["id"], game["trainer_token"]
        token_a = next(t["token"] for t in game["teams"] if t["team"] == "Équipe A")
        status, error = call(
            srv, "GET", f"/api/game/{gid}/debrief?token={token_a}", facilitator=False
        )
        assert status == 403 and "réservé au formateur" in error["error"]["message"]
        status, view = call(srv, "POST", f"/api/game/{gid}/end", {"token": trainer})
        assert status == 200 and view["ended"] is True
        status, error = call(
            srv, "POST", f"/api/game/{gid}/end_round", {"token": trainer, "round": 2}
        )
        assert status == 409 and error["error"]["code"] == "game_ended"
        status, debrief = call(
            srv, "GET", f"/api/game/{gid}/debrief?token={token_a}", facilitator=False
        )
        assert status == 200 and debrief["runs"]
    with durable_server(configs, tmp_path / "data") as srv:
        assert call(srv, "GET", f"/api/game/{gid}/status")[1]["ended"] is True


def test_pruning_deletes_old_finished_sessions_and_keeps_games_in_progress(configs, tmp_path):
    data = tmp_path / "data"
    with durable_server(configs, data) as srv:
        open_game = play_a_little(srv)
        ended_game = play_a_little(srv)
        call(
            srv, "POST", f"/api/game/{ended_game['id']}/end", {"token": ended_game["trainer_token"]}
        )
        assert call(srv, "POST", "/api/sim", {"scenario": "small"})[0] == 200
        database: Database = srv.store.database
        assert database.prune(30) == 0  # all used today
        assert database.prune(30, now=time.time() + 31 * 86400) == 2  # the ended game, the run
        assert database.ids() == [open_game["id"]]


def test_the_default_data_folder_follows_xdg_data_home(monkeypatch, tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG applies to Linux and other Unix systems")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "terrisim"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_data_dir() == Path.home() / ".local" / "share" / "terrisim"


def test_a_data_folder_that_cannot_be_created_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run(
        [Path(sys.executable).parent / "terrisim", "ui", "--data", str(blocker / "sub")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --data") and "Traceback" not in result.stderr


# --------------------------------------------------------------------------------------------
def start_terrisim_ui(
    configs: Path, data: Path, port: int = 0, *options: str
) -> tuple[subprocess.Popen, str]:
    """``terrisim ui`` in a subprocess (with ``options``); returns it and the address it prints."""
    process = subprocess.Popen(
        [
            Path(sys.executable).parent / "terrisim",
            "ui",
            "--port",
            str(port),
            "--configs",
            str(configs),
            "--data",
            str(data),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline()
    match = re.search(r"open (http://\S+/)login\?key=(\S+)", line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1), match.group(2)


class Address:
    """A server seen from outside: its address and the facilitator's key it printed."""

    def __init__(self, url: str, facilitator_key: str) -> None:
        self.url = url
        self.facilitator_key = facilitator_key


def test_every_acknowledged_action_survives_kill_9(configs, tmp_path):
    data = tmp_path / "data"
    process, url, key = start_terrisim_ui(configs, data)
    try:
        game = play_a_little(Address(url, key))
        before = trainer_view(Address(url, key), game)
    finally:
        process.send_signal(signal.SIGKILL)  # no clean-up of any kind
        process.wait(timeout=30)
    process, url, key_after = start_terrisim_ui(configs, data)
    try:
        assert key_after == key  # the facilitator's browser stays logged in
        after = trainer_view(Address(url, key), game)
        assert after["version"] == before["version"]
        assert after["offers"] == before["offers"] and after["series"] == before["series"]
    finally:
        process.terminate()
        process.wait(timeout=30)
