"""What the room sees (Chromium via Playwright, as ``test_game_browser.py``): a team name with
a straight double quote, the replay to the last month, French numbers, confirmations and the
trainer's undo, a broken file, the team's table at 1024x768, labels a projector can show, the
big-screen mode and the printed debrief.
"""

from __future__ import annotations

import json

import pytest
from conftest import call, serving
from test_game_browser import Screens, assert_clean
from test_game_session import METRO, MOUNTAIN, RURAL_AGENT, SMALL

from terrisim.game.web import game_routes

pytestmark = pytest.mark.browser

QUOTED = 'Équipe "Montagne"'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    configs = tmp_path_factory.mktemp("configs")
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        yield srv


@pytest.fixture
def screens(browser):
    s = Screens(browser)
    yield s
    s.close()


def finished_game(server) -> dict:
    """A game with a quoted team name, an agreement and a shock, played to its end."""
    teams = [{"team": "Équipe A", "territory": METRO}, {"team": QUOTED, "territory": MOUNTAIN}]
    status, game = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": teams, "rounds": 3, "years_per_round": 0.5},
    )
    assert status == 200, game
    token = {t["team"]: t["token"] for t in game["teams"]}
    base = f"/api/game/{game['id']}"
    status, view = call(
        server,
        "POST",
        f"{base}/offer",
        {
            "team": "Équipe A",
            "token": token["Équipe A"],
            "round": 1,
            "to": RURAL_AGENT,
            "give": {"health": 3},
            "ask": {"food": 4},
            "years": 1,
        },
    )
    assert status == 200 and view["agreements"], view
    call(server, "POST", f"{base}/shock", {"round": 1, "kind": "drought"})
    for k in (1, 2, 3):
        assert call(server, "POST", f"{base}/end_round", {"round": k})[0] == 200
    return game


def test_a_double_quote_in_a_team_name_does_not_break_the_debrief(server, screens):
    game = finished_game(server)
    trainer = screens.open(f"{server.url}static/game.html#game={game['id']}&view=debrief", server)
    trainer.wait_for_selector("body[data-role=debrief] #debrief-agreements tr[data-agreement]")
    assert trainer.locator("#debrief-territories tbody tr").count() == 6
    assert QUOTED in trainer.inner_text("#debrief-territories")
    captions = trainer.eval_on_selector_all(
        "#debrief-charts figcaption", "els => els.map(e => e.textContent)"
    )
    assert any(QUOTED in c for c in captions)
    assert trainer.locator("#replay-timeline > li").count() >= 5
    assert trainer.locator("#replay-chart path.series").count() == 3  # the game and 2 teams
    assert_clean(trainer)


def test_the_replay_goes_to_the_last_month_of_the_game(server, screens):
    game = finished_game(server)
    trainer = screens.open(f"{server.url}static/game.html#game={game['id']}&view=debrief", server)
    trainer.wait_for_selector("body[data-role=debrief] #replay-timeline li.current")
    assert "mois 18" in trainer.inner_text("#replay-position")  # 3 rounds of 6 months
    assert "jusqu'au mois 18" in trainer.inner_text("#replay-chart figcaption")
    # the replay's curve reaches the chart's right end (month 18), not month 12
    drawn = trainer.evaluate(
        """() => {
        const path = document.querySelector('#replay-chart path.series');
        const box = path.getBBox();
        const axis = document.querySelector('#replay-chart line.axis').getBBox();
        return [box.x + box.width, axis.x + axis.width];
    }"""
    )
    assert drawn[0] == pytest.approx(drawn[1], abs=1.0)
    assert_clean(trainer)


def test_numbers_and_durations_are_french_on_the_page(server, screens):
    game = finished_game(server)
    team = next(t for t in game["teams"] if t["team"] == "Équipe A")
    page = screens.open(
        f"{server.url}static/game.html#game={game['id']}&team=%C3%89quipe%20A&token={team['token']}"
    )
    page.wait_for_selector("#player-history [data-offer]")
    text = page.inner_text("#player")
    assert "1 an, engagement" in text
    assert "an(s)" not in text and "year" not in text
    assert "0,5" in page.inner_text("#player-goods") or "," in page.inner_text("#player-budget")
    assert_clean(page)


def test_closing_a_round_and_triggering_a_shock_ask_for_a_confirmation(server, screens):
    status, game = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": [{"team": "A", "territory": METRO}], "rounds": 2},
    )
    assert status == 200
    trainer = screens.open(f"{server.url}static/game.html#game={game['id']}", server)
    trainer.wait_for_selector("#trainer-teams tr[data-team]")
    asked = []
    trainer.remove_listener("dialog", trainer.accept_dialogs)
    trainer.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    trainer.click("#end-round")
    trainer.click("button[data-shock=drought]")
    trainer.wait_for_timeout(300)
    assert len(asked) == 2
    assert "Clore le tour 1" in asked[0] and "Sécheresse" in asked[1]
    assert call(server, "GET", f"/api/game/{game['id']}/status")[1]["version"] == 0  # refused
    assert_clean(trainer)


def test_the_trainer_undoes_a_round_close_and_a_shock_and_the_teams_page_follows(server, screens):
    status, game = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": [{"team": "A", "territory": METRO}], "rounds": 3},
    )
    assert status == 200
    token = game["teams"][0]["token"]
    trainer = screens.open(f"{server.url}static/game.html#game={game['id']}", server)
    team = screens.open(f"{server.url}static/game.html#game={game['id']}&team=A&token={token}")
    trainer.wait_for_selector("#trainer-teams tr[data-team]")
    assert trainer.locator("#undo").is_hidden()  # nothing to undo yet
    trainer.click("button[data-shock=drought]")
    trainer.wait_for_selector("#undo:visible")
    assert trainer.inner_text("#undo") == "Annuler le choc « Sécheresse »"
    trainer.click("#end-round")
    trainer.wait_for_function("() => window.terrisimGame.view?.round === 2")
    assert trainer.inner_text("#undo") == "Annuler la clôture du tour 1"
    team.wait_for_function("() => window.terrisimGame.view?.round === 2", timeout=10_000)

    trainer.click("#undo")
    trainer.wait_for_function("() => window.terrisimGame.view?.round === 1")
    assert "Clôture du tour 1 annulée" in trainer.inner_text("#notice")
    assert trainer.inner_text("#undo") == "Annuler le choc « Sécheresse »"
    assert "tour 1" in trainer.inner_text("#trainer-status")
    team.wait_for_function("() => window.terrisimGame.view?.round === 1", timeout=10_000)
    trainer.click("#undo")
    trainer.wait_for_selector("#undo", state="hidden")
    assert "Choc « Sécheresse » annulé" in trainer.inner_text("#notice")
    status, view = call(server, "GET", f"/api/game/{game['id']}/trainer")
    assert view["round"] == 1 and view["shocks"] == [] and view["version"] == 4
    # the game's log shows both actions where they were played, struck out, and both undos
    trainer.wait_for_function(
        "() => document.querySelectorAll('#trainer-journal li[data-type=undo]').length === 2"
    )
    rows = trainer.eval_on_selector_all(
        "#trainer-journal li", "els => els.map(e => [e.className, e.textContent])"
    )
    assert rows == [
        ["", "Début de la partie"],
        ["undone", "Le formateur déclenche un choc : sécheresse (intensité 50%)"],
        ["undone", "Fin du tour 1 : 12 mois simulés"],
        ["", "Annulé par le formateur : Fin du tour 1 : 12 mois simulés"],
        [
            "",
            "Annulé par le formateur : Le formateur déclenche un choc : sécheresse (intensité 50%)",
        ],
    ], rows
    assert (
        trainer.eval_on_selector(
            "#trainer-journal li.undone", "e => getComputedStyle(e).textDecorationLine"
        )
        == "line-through"
    )
    assert_clean(trainer, team)


def test_a_file_that_is_not_json_gets_a_french_message(server, screens, tmp_path):
    page = screens.open(server.url + "static/game.html", server)
    page.wait_for_selector("#setup:not([hidden])")
    broken = tmp_path / "notes.json"
    broken.write_text("ceci n'est pas du JSON", encoding="utf-8")
    page.set_input_files("#load-file", str(broken))
    page.wait_for_selector("#error:not([hidden])")
    assert "« notes.json » n'est pas un fichier de partie terrisim" in page.inner_text("#error")
    assert_clean(page)


def test_a_malformed_saved_game_gets_a_french_message_naming_the_field(server, screens, tmp_path):
    status, game = call(
        server,
        "POST",
        "/api/game",
        {"scenario": "small", "teams": [{"team": "A", "territory": METRO}], "rounds": 2},
    )
    assert status == 200
    status, record = call(
        server, "GET", f"/api/game/{game['id']}/save?token={game['trainer_token']}"
    )
    assert status == 200
    record["settings"]["rounds"] = 99  # edited by hand
    edited = tmp_path / "partie.json"
    edited.write_text(json.dumps(record), encoding="utf-8")
    page = screens.open(server.url + "static/game.html", server)
    page.wait_for_selector("#setup:not([hidden])")
    page.set_input_files("#load-file", str(edited))
    page.wait_for_selector("#error:not([hidden])")
    error = page.inner_text("#error")
    assert "champ « settings.rounds » : valeur 99 refusée (au plus 50)" in error, error
    assert "Input" not in error and "less than" not in error
    assert_clean(page)


def test_the_team_table_fits_at_1024x768_and_labels_are_readable(server, screens):
    game = finished_game(server)
    team = next(t for t in game["teams"] if t["team"] == "Équipe A")
    page = screens.open(
        f"{server.url}static/game.html#game={game['id']}&team=%C3%89quipe%20A&token={team['token']}"
    )
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_selector("#player-goods tr[data-good]")
    fits = page.evaluate(
        """() => {
        const table = document.querySelector('#player-goods').getBoundingClientRect();
        const card = document.querySelector('#player-goods').closest('.card').getBoundingClientRect();
        return [table.right, card.right, document.documentElement.scrollWidth, innerWidth];
    }"""
    )
    assert fits[0] <= fits[1] and fits[2] <= fits[3], fits

    def label_px(selector: str) -> float:
        return page.evaluate(
            f"Math.min(...[...document.querySelectorAll('{selector}')]"
            ".map(e => e.getBoundingClientRect().height).filter(h => h > 0))"
        )

    normal = label_px("#player-charts text.tick")
    assert normal >= 11, normal  # was about 8 px
    page.click("#big-screen")
    assert page.evaluate("document.documentElement.classList.contains('big')")
    assert label_px("#player-charts text.tick") > normal
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert_clean(page)


def test_the_printed_debrief_has_the_story_the_figures_and_no_controls(server, screens):
    game = finished_game(server)
    trainer = screens.open(f"{server.url}static/game.html#game={game['id']}&view=debrief", server)
    trainer.wait_for_selector("#debrief-agreements tr[data-agreement]")
    trainer.evaluate("window.terrisimGame.replay.index = 0")  # as if the replay were rewound
    trainer.evaluate("window.print = () => { window.printed = true; }")
    trainer.click("#print-debrief")
    assert trainer.evaluate("window.printed") is True
    trainer.emulate_media(media="print")
    assert trainer.locator("#replay-timeline li.future").count() == 0
    assert not trainer.is_visible("#print-debrief") and not trainer.is_visible("header nav")
    parts = (
        "#debrief-headlines",
        "#debrief-runs",
        "#debrief-charts svg",
        "#debrief-agreements",
        "#debrief-territories",
        "#replay-timeline",
    )
    for part in parts:
        assert trainer.locator(part).first.is_visible(), part
    compared = trainer.inner_text("#debrief-runs")  # the game against the agents alone
    assert "agents seuls" in compared and "sans accord" in compared
    pdf = trainer.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert_clean(trainer)
