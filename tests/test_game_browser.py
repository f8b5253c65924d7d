"""The baskets game in a real browser: two teams on two browsers, three rounds, a shock, the
debrief, and the saved game replayed identically.

Debian's Chromium driven by Playwright for Python, like ``test_ui_browser.py``: skipped with a
reason when ``/usr/bin/chromium`` (or Playwright) is missing, unless ``CI=true`` (then they
fail). Screenshots go to the test's tmp folder, and to ``$TERRISIM_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import call, login_url, screenshot, serving
from test_game_session import METRO, RURAL_AGENT, RURAL_B, SMALL

from terrisim.game import GameSession
from terrisim.game.web import game_routes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    configs = tmp_path_factory.mktemp("configs")
    (configs / "small.toml").write_text(SMALL, encoding="utf-8")
    with serving(configs, [game_routes(configs_dir=configs)]) as srv:
        yield srv


class Screens:
    """Browser pages, each in its own context (one per team's machine), watched for errors."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.contexts = []

    def open(self, url: str, facilitator_of=None):
        """Open ``url`` in a new context; as the facilitator of a server if given."""
        context = self.browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        self.contexts.append(context)
        pg = context.new_page()
        pg.js_errors, pg.external = [], []
        pg.on("pageerror", lambda error: pg.js_errors.append(str(error)))
        # confirmations (closing a round, a shock) are accepted, as the trainer would
        pg.accept_dialogs = lambda dialog: dialog.accept()
        pg.on("dialog", pg.accept_dialogs)

        def only_this_machine(route):
            target = route.request.url
            if target.startswith(("data:", "blob:")) or urlsplit(target).hostname == "127.0.0.1":
                route.continue_()
            else:
                pg.external.append(target)
                route.abort()

        pg.route("**/*", only_this_machine)
        if facilitator_of is not None:
            pg.goto(login_url(facilitator_of, "/static/game.html"))
        pg.goto(url)
        pg.wait_for_selector("body[data-ready=true]", timeout=20_000)
        return pg

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def screens(browser):
    s = Screens(browser)
    yield s
    s.close()


def assert_clean(*pages) -> None:
    for pg in pages:
        assert pg.external == [], f"the page tried to reach other hosts: {pg.external}"
        assert pg.js_errors == [], f"JavaScript errors: {pg.js_errors}"


def game_state(pg) -> dict:
    return pg.evaluate(
        "({round: window.terrisimGame.view?.round, version: window.terrisimGame.version})"
    )


def set_basket(pg, give: dict, ask: dict) -> None:
    for kind in ("give", "ask"):
        for good in pg.eval_on_selector_all(
            f"[data-{kind}]:not([disabled])", f"els => els.map(e => e.dataset.{kind})"
        ):
            pg.fill(f"[data-{kind}={good}]", "")
    for good, value in give.items():
        pg.fill(f"[data-give={good}]", str(value))
    for good, value in ask.items():
        pg.fill(f"[data-ask={good}]", str(value))


def wait_offer(pg, where: str, offer_id: int) -> None:
    pg.wait_for_selector(f"{where} [data-offer='{offer_id}']", timeout=15_000)


def wait_for_teams_of_small(trainer) -> None:
    """Wait until the set-up table shows the small scenario's territories, no load pending.

    Choosing the scenario reloads the table (rows and their names); filling it earlier would
    be undone when that load lands.
    """
    trainer.wait_for_function(
        "!window.terrisimGame.busy && [...document.querySelectorAll("
        "'#setup-teams select option')].some(o => o.value === 'T3')"
    )


def end_round(trainer, expected: str) -> None:
    trainer.click("#end-round")
    trainer.wait_for_function(
        f"document.querySelector('#trainer-status').textContent.includes({expected!r})",
        timeout=20_000,
    )


# --------------------------------------------------------------------------------------------
def test_two_teams_play_three_rounds_with_a_shock_and_see_the_debrief(server, screens, tmp_path):
    # --- the trainer prepares the game: the small scenario, two teams, three rounds
    trainer = screens.open(server.url + "static/game.html", server)
    assert trainer.get_attribute("html", "lang") == "fr"
    assert "Préparer une partie" in trainer.inner_text("#setup")
    trainer.select_option("#setup-scenario", "small")
    wait_for_teams_of_small(trainer)
    rows = trainer.locator("#setup-teams tbody tr")
    assert rows.count() == 2
    rows.nth(0).locator("input").fill("Équipe A")
    rows.nth(0).locator("select").select_option("T0")
    rows.nth(1).locator("input").fill("Équipe B")
    rows.nth(1).locator("select").select_option("T3")
    trainer.fill("#setup-rounds", "3")
    trainer.fill("#setup-years", "0.5")
    trainer.click("#start")
    trainer.wait_for_selector("body[data-role=trainer] #trainer-teams tr[data-team]")
    assert "tour 1 sur 3" in trainer.inner_text("#trainer-status")
    links = dict(
        zip(
            trainer.eval_on_selector_all(
                "#trainer-teams tr[data-team]", "rows => rows.map(r => r.dataset.team)"
            ),
            trainer.eval_on_selector_all("a.team-link", "links => links.map(a => a.href)"),
            strict=True,
        )
    )
    assert set(links) == {"Équipe A", "Équipe B"}
    # opened on 127.0.0.1: the trainer is told the links work on this computer only
    warning = trainer.inner_text("#trainer-loopback")
    assert "127.0.0.1" in warning and "--host 0.0.0.0" in warning

    # --- each team on its own browser (the room's network)
    team_a = screens.open(links["Équipe A"])
    team_b = screens.open(links["Équipe B"])
    for pg, name in ((team_a, "Métropole 1"), (team_b, "Commune rurale 1")):
        pg.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
        assert name in pg.inner_text("#player-title")
    assert "Votre territoire" in team_a.inner_text("#player")

    # round 1: A offers health care for food to B; B counters; A accepts the counter-offer
    team_a.select_option("#offer-to", "T3")
    set_basket(team_a, {"health": 3}, {"food": 6})
    team_a.fill("#offer-years", "2")
    team_a.click("#send-offer")
    team_a.wait_for_selector("#notice:not([hidden])")
    first = team_a.evaluate(
        "Math.max(...window.terrisimGame.view.offers.filter(o => o.by === 'Équipe A')"
        ".map(o => o.id))"
    )
    assert "L'équipe partenaire répondra" in team_a.inner_text("#notice")
    wait_offer(team_b, "#player-received", first)  # B's page polls and shows the offer
    team_b.click(f"[data-counter='{first}']")
    assert f"n°{first}" in team_b.inner_text("#compose-title")
    assert team_b.input_value("[data-give=food]") == "6"  # starts from the offer, mirrored
    team_b.fill("[data-give=food]", "5")
    team_b.click("#send-offer")
    team_b.wait_for_selector("#notice:not([hidden])")
    counter = first + 1
    wait_offer(team_a, "#player-received", counter)
    team_a.click(f"[data-accept='{counter}']")
    team_a.wait_for_selector("#player-agreements tr[data-agreement]")
    # A also makes a balanced offer to an agent, which answers at once and says why
    team_a.select_option("#offer-to", "T4")
    set_basket(team_a, {"health": 3}, {"food": 4})
    team_a.click("#send-offer")
    team_a.wait_for_function("document.querySelector('#notice').textContent.includes('accepte')")
    assert "équilibré et utile pour nous" in team_a.inner_text("#notice")
    # an invalid offer is refused with a clear message and changes nothing
    before = game_state(team_a)
    set_basket(team_a, {"health": -2}, {"food": 4})
    team_a.click("#send-offer")
    team_a.wait_for_selector("#error:not([hidden])")
    assert "quantité négative de santé" in team_a.inner_text("#error")
    assert game_state(team_a) == before
    screenshot(team_a, tmp_path, "game-team-a-round-1")

    end_round(trainer, "tour 2 sur 3")
    assert trainer.locator("#trainer-rounds [data-role=rounds] tbody tr").count() == 1

    # a page still showing round 1 is stale: clear message, and the page reloads its view
    team_b.wait_for_function("window.terrisimGame.view.round === 2", timeout=15_000)
    team_b.evaluate("window.terrisimGame.view.round = 1")  # as if it had not seen round 2
    team_b.select_option("#offer-to", "T0")
    set_basket(team_b, {"food": 2}, {"health": 1})
    team_b.click("#send-offer")
    team_b.wait_for_selector("#error:not([hidden])")
    assert "le tour 1 est terminé" in team_b.inner_text("#error")
    team_b.wait_for_function("window.terrisimGame.view.round === 2")

    # round 2: the trainer triggers a drought
    trainer.click("button[data-shock=drought]")
    trainer.wait_for_function(
        "document.querySelector('#notice').textContent.includes('Sécheresse')"
    )
    end_round(trainer, "tour 3 sur 3")
    assert "Sécheresse" in trainer.inner_text("#trainer-rounds")
    assert "de son niveau d'avant" in trainer.inner_text("#trainer-rounds ul.resilience")
    assert trainer.locator("#trainer-charts [data-chart=satisfaction] .shock").count() >= 1
    end_round(trainer, "partie terminée")
    assert trainer.is_disabled("#end-round")
    screenshot(trainer, tmp_path, "game-trainer-finished")

    # --- the saved game, replayed, is identical
    with trainer.expect_download() as download:
        trainer.click("#save-game")
    record = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [a["type"] for a in record["actions"]].count("end_round") == 3
    replayed = GameSession.from_record(record)  # raises if the replay differs
    assert replayed.finished and len(replayed.agreements) == 2

    # --- the debrief
    trainer.click("#show-debrief")
    trainer.wait_for_selector("body[data-role=debrief] #debrief-headlines li", timeout=30_000)
    assert trainer.locator("#debrief-headlines li").count() == 2
    assert "sans accord" in trainer.inner_text("#debrief-headlines")
    heads = trainer.eval_on_selector_all(
        "#debrief-runs thead th", "ths => ths.map(t => t.textContent)"
    )
    assert heads[1:] == ["la partie jouée", "les agents seuls", "sans accord"]
    assert trainer.locator("#debrief-agreements tr[data-agreement]").count() == 2
    assert trainer.locator("#debrief-charts [data-chart=satisfaction] path.series").count() == 3
    timeline = trainer.locator("#replay-timeline > li")
    assert timeline.count() == len(record["actions"]) + 1
    trainer.eval_on_selector(
        "#replay-slider",
        """el => {
        el.value = 2; el.dispatchEvent(new Event('input', {bubbles: true})); }""",
    )
    assert trainer.locator("#replay-timeline > li.future").count() == timeline.count() - 3
    assert "propose" in trainer.inner_text("#replay-timeline > li.current")
    text = trainer.inner_text("#debrief")
    assert "undefined" not in text and "NaN" not in text
    assert trainer.inner_text("#debrief-runs [data-row=agreements_signed] td >> nth=1") == "2"
    recovery = trainer.locator("#debrief-runs tr[data-row^=recovery] td:nth-child(2)")
    assert recovery.count() == len(replayed.model.shocks.history)  # scenario's and trainer's
    for k in range(recovery.count()):  # a duration, or "not back ... within N months"
        assert "mois" in recovery.nth(k).inner_text()
    screenshot(trainer, tmp_path, "game-debrief")

    trainer.click("#lang-switch")
    assert "with no agreements" in trainer.inner_text("#debrief-headlines")
    assert trainer.inner_text("#debrief-runs thead th >> nth=2") == "the agents alone"
    screenshot(trainer, tmp_path, "game-debrief-english")
    assert_clean(trainer, team_a, team_b)


def test_one_screen_mode_opens_a_team_on_the_trainers_screen(server, screens):
    trainer = screens.open(server.url + "static/game.html", server)
    trainer.select_option("#setup-scenario", "small")
    wait_for_teams_of_small(trainer)
    trainer.click("#start")
    trainer.wait_for_selector("body[data-role=trainer] #trainer-teams tr[data-team]")
    trainer.click("#trainer-teams button[data-open-team] >> nth=0")
    trainer.wait_for_selector("body[data-role=player] #player-goods tr[data-good]")
    received = trainer.locator("#player-received [data-offer]")
    assert received.count() >= 1  # agents propose baskets at the opening
    assert trainer.locator("#player-received .why").first.inner_text()
    trainer.click("[data-back-trainer]")
    trainer.wait_for_selector("body[data-role=trainer]")
    # a debrief before any month was run says so, and shows no broken value
    trainer.click("#show-debrief")
    trainer.wait_for_selector("body[data-role=debrief] #debrief-headlines li", timeout=30_000)
    assert "à la fin du premier tour" in trainer.inner_text("#debrief-headlines")
    text = trainer.inner_text("#debrief")
    assert "undefined" not in text and "NaN" not in text
    assert trainer.inner_text("#debrief-runs [data-row=agreements_signed] td >> nth=1") == "0"
    assert_clean(trainer)


def test_a_saved_game_resumed_from_its_file_is_the_same_game(server, screens, tmp_path):
    # a game played half-way through the API: an agreement, a shock, two rounds closed
    status, created = call(
        server,
        "POST",
        "/api/game",
        {
            "scenario": "small",
            "rounds": 3,
            "years_per_round": 0.5,
            "teams": [
                {"team": "Équipe A", "territory": METRO},
                {"team": "Équipe B", "territory": RURAL_B},
            ],
        },
    )
    assert status == 200, created
    gid, trainer_token = created["id"], created["trainer_token"]
    token_a = next(t["token"] for t in created["teams"] if t["team"] == "Équipe A")
    call(
        server,
        "POST",
        f"/api/game/{gid}/offer",
        {
            "team": "Équipe A",
            "token": token_a,
            "round": 1,
            "to": RURAL_AGENT,
            "give": {"health": 3},
            "ask": {"food": 4},
        },
    )
    call(server, "POST", f"/api/game/{gid}/end_round", {"token": trainer_token, "round": 1})
    call(
        server,
        "POST",
        f"/api/game/{gid}/shock",
        {"token": trainer_token, "round": 2, "kind": "grant_cut"},
    )
    status, played = call(
        server, "POST", f"/api/game/{gid}/end_round", {"token": trainer_token, "round": 2}
    )
    assert status == 200 and played["round"] == 3
    _, record = call(server, "GET", f"/api/game/{gid}/save?token={trainer_token}")
    saved = tmp_path / "partie.json"
    saved.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    # a broken file is refused with a clear message, and the set-up stays
    page = screens.open(server.url + "static/game.html", server)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**record, "format_version": 99}), encoding="utf-8")
    page.set_input_files("#load-file", str(broken))
    page.wait_for_selector("#error:not([hidden])")
    assert "fichier de partie illisible" in page.inner_text("#error")
    assert page.get_attribute("body", "data-role") == "setup"

    # the trainer resumes the saved game from its file: same round, months, contracts, curves
    page.set_input_files("#load-file", str(saved))
    page.wait_for_selector("body[data-role=trainer] #trainer-teams tr[data-team]")
    assert "tour 3 sur 3 · mois 12" in page.inner_text("#trainer-status")
    view = page.evaluate("window.terrisimGame.view")
    for key in ("round", "step", "version", "series", "agreements", "rounds_summary", "shocks"):
        assert view[key] == played[key], key
    assert page.locator("#trainer-agreements tr[data-agreement]").count() == len(
        played["agreements"]
    )
    # and it goes on: the last round, then the debrief with its replay
    end_round(page, "partie terminée")
    page.click("#show-debrief")
    page.wait_for_selector("body[data-role=debrief] #debrief-headlines li", timeout=30_000)
    assert page.locator("#replay-timeline > li").count() == len(record["actions"]) + 2
    assert_clean(page)
