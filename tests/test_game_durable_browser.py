"""A game survives ``kill -9`` of the server: three teams on three browsers, the server killed
mid-round and started again, the pages reconnect by themselves and the game is finished from
the same pages with nothing lost (Chromium via Playwright, as ``test_game_browser.py``).
"""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest
from test_game_browser import (
    Screens,
    assert_clean,
    end_round,
    set_basket,
    wait_for_teams_of_small,
    wait_offer,
)
from test_game_session import SMALL
from test_ui_storage import start_terrisim_ui, trainer_view

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``terrisim ui`` in a subprocess on a fixed port and data folder, restartable."""

    def __init__(self, configs: Path, data: Path) -> None:
        self.configs, self.data, self.port = configs, data, free_port()
        self.process = None
        self.url = self.facilitator_key = ""

    def start(self) -> None:
        self.process, self.url, self.facilitator_key = start_terrisim_ui(
            self.configs, self.data, self.port
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path):
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    srv = Server(configs, tmp_path / "data")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def screens(browser):
    s = Screens(browser)
    yield s
    s.close()


def test_a_game_killed_mid_round_goes_on_from_the_same_pages_with_nothing_lost(server, screens):
    trainer = screens.open(server.url + "static/game.html", server)
    trainer.select_option("#setup-scenario", "small")
    wait_for_teams_of_small(trainer)
    trainer.click("#add-team")
    rows = trainer.locator("#setup-teams tbody tr")
    for k, (name, territory) in enumerate([("Équipe A", "T0"), ("Équipe B", "T3"), ("C", "T5")]):
        rows.nth(k).locator("input").fill(name)
        rows.nth(k).locator("select").select_option(territory)
    trainer.fill("#setup-rounds", "3")
    trainer.fill("#setup-years", "0.5")
    trainer.click("#start")
    trainer.wait_for_selector("body[data-role=trainer] #trainer-teams tr[data-team]")
    links = dict(
        zip(
            trainer.eval_on_selector_all(
                "#trainer-teams tr[data-team]", "rows => rows.map(r => r.dataset.team)"
            ),
            trainer.eval_on_selector_all("a.team-link", "links => links.map(a => a.href)"),
            strict=True,
        )
    )
    teams = {name: screens.open(link) for name, link in links.items()}
    for pg in teams.values():
        pg.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
    a, b, c = teams["Équipe A"], teams["Équipe B"], teams["C"]

    # round 1: A offers to B, B accepts; the round is closed
    a.select_option("#offer-to", "T3")
    set_basket(a, {"health": 3}, {"food": 6})
    a.click("#send-offer")
    a.wait_for_selector("#notice:not([hidden])")
    first = a.evaluate(
        "Math.max(...window.terrisimGame.view.offers.filter(o => o.by === 'Équipe A')"
        ".map(o => o.id))"
    )
    wait_offer(b, "#player-received", first)
    b.click(f"[data-accept='{first}']")
    b.wait_for_selector("#player-agreements tr[data-agreement]")
    end_round(trainer, "tour 2 sur 3")

    # round 2, mid-round: A offers to B again; the offer is acknowledged, then kill -9
    for pg in teams.values():
        pg.wait_for_function("window.terrisimGame.view.round === 2", timeout=15_000)
    a.select_option("#offer-to", "T3")
    set_basket(a, {"health": 2}, {"food": 3})
    a.click("#send-offer")
    mine = "Math.max(...window.terrisimGame.view.offers.filter(o => o.by === 'Équipe A').map(o => o.id))"
    a.wait_for_function(f"{mine} > {first}")
    second = a.evaluate(mine)
    game_id = trainer.evaluate("window.terrisimGame.game")
    before = trainer_view(server, {"id": game_id, "trainer_token": ""})
    server.kill()

    # every open page says, in French, that it is reconnecting
    for pg in (trainer, a, b, c):
        pg.wait_for_selector("#reconnecting:not([hidden])", timeout=15_000)
        assert "reconnexion en cours" in pg.inner_text("#reconnecting")

    server.start()
    for pg in (trainer, a, b, c):
        pg.wait_for_selector("#reconnecting", state="hidden", timeout=30_000)
    after = trainer_view(server, {"id": game_id, "trainer_token": ""})
    assert after["version"] == before["version"]
    assert after["offers"] == before["offers"] and after["series"] == before["series"]

    # the same pages finish the game: B sees the offer made before the kill and accepts it
    wait_offer(b, "#player-received", second)
    b.click(f"[data-accept='{second}']")
    b.wait_for_function(
        "document.querySelectorAll('#player-agreements tr[data-agreement]').length === 2"
    )
    end_round(trainer, "tour 3 sur 3")
    end_round(trainer, "partie terminée")
    for pg in teams.values():
        pg.wait_for_function("window.terrisimGame.view.finished === true", timeout=15_000)
    final = trainer_view(server, {"id": game_id, "trainer_token": ""})
    assert len(final["agreements"]) == 2
    assert {o["id"] for o in before["offers"]} < {o["id"] for o in final["offers"]}
    assert final["step"] == 18
    trainer.click("#show-debrief")
    trainer.wait_for_selector("body[data-role=debrief] #debrief-headlines li", timeout=30_000)
    assert trainer.locator("#debrief-agreements tr[data-agreement]").count() == 2
    assert_clean(trainer, a, b, c)
