"""The trainers' page in Chromium (Playwright, as ``test_ui_browser.py``): it notices a lost
server by itself and comes back alone, and only the trainer reloads the rules from it.

- The page asks ``/api/health`` every 3 seconds: a server killed with ``kill -9`` shows the
  French banner « connexion au serveur perdue : reconnexion en cours… » without anyone
  clicking, and once the server is started again the same page shows the run where it was
  (runs are durable) and goes on.
- « Recharger les règles » (``POST /api/reload``) reloads a student's edited rule file from the
  trainer's browser; from a browser without the facilitator's credential it is refused with a
  French message and nothing is reloaded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from conftest import login_url, serving
from test_game_browser import Screens, assert_clean
from test_game_durable_browser import Server
from test_game_session import SMALL
from test_ui_reload import _write_rule
from test_ui_reload import configs as configs  # noqa: PLC0414 (the fixture, used below)

pytestmark = pytest.mark.browser


@pytest.fixture
def screens(browser):
    s = Screens(browser)
    yield s
    s.close()


@pytest.fixture
def restartable(tmp_path: Path):
    folder = tmp_path / "small-configs"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    srv = Server(folder, tmp_path / "data")
    srv.start()
    yield srv
    srv.stop()


def sim_step(pg) -> int:
    return pg.evaluate("window.terrisim.sim ? window.terrisim.sim.step : -1")


def click_step(pg) -> None:
    done = sim_step(pg)
    pg.click("#step")
    pg.wait_for_function(f"window.terrisim.sim.step > {done}", timeout=20_000)


def test_the_trainers_page_reconnects_by_itself_after_a_kill_9(restartable, screens):
    trainer = screens.open(login_url(restartable, "/"))
    click_step(trainer)
    click_step(trainer)
    before = sim_step(trainer)
    assert before == 2
    restartable.kill()
    # nobody clicks: the page finds out by itself, in French
    trainer.wait_for_selector("body[data-connection=lost]", timeout=15_000)
    banner = trainer.locator("#error")
    assert banner.is_visible()
    assert "connexion au serveur perdue : reconnexion en cours" in banner.inner_text()
    restartable.start()
    trainer.wait_for_selector("body[data-connection=ok]", timeout=30_000)
    assert "connexion rétablie" in banner.inner_text()
    assert sim_step(trainer) == before  # the run where it was
    click_step(trainer)  # and it goes on from the same page
    assert sim_step(trainer) == before + 1
    trainer.wait_for_selector("#error", state="hidden", timeout=10_000)
    assert trainer.js_errors == [] and trainer.external == []


def _factor() -> float:
    return sys.modules["page_rules"].Edited.FACTOR


def test_the_trainer_reloads_an_edited_rule_from_the_page_and_a_visitor_cannot(configs, screens):
    rules = configs.parent / "rules"
    with serving(configs) as server:
        trainer = screens.open(login_url(server, "/"))
        trainer.select_option("#scenario", "mine")
        trainer.wait_for_function("window.terrisim.sim && window.terrisim.sim.step === 0")
        trainer.wait_for_load_state("networkidle")  # the run of "mine" is drawn
        assert _factor() == 1.0
        _write_rule(rules, 0.5)  # the student edits the file
        trainer.click("#reload")
        deadline = time.monotonic() + 20
        while _factor() != 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _factor() == 0.5, trainer.locator("#error").inner_text()
        trainer.wait_for_function("window.terrisim.sim && window.terrisim.sim.step === 0")
        assert trainer.locator("#error").is_hidden()
        assert_clean(trainer)

        visitor = screens.open(server.url)  # no facilitator's link: a team's laptop
        _write_rule(rules, 2.0)
        visitor.click("#reload")
        visitor.wait_for_selector("#error:not([hidden])", timeout=10_000)
        assert "réservé au formateur" in visitor.locator("#error").inner_text()
        assert _factor() == 0.5  # nothing was reloaded
