"""The trainers' page in a real browser: Debian's Chromium driven by Playwright for Python.

Skipped with a reason when ``/usr/bin/chromium`` (or Playwright) is missing, unless ``CI=true``:
then they fail, so CI never passes without having run them. Screenshots go to the test's tmp
folder, and also to ``$TERRISIM_SCREENSHOTS`` when set. Run ``pytest -m browser -s`` to see the
measured step times.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import login_url, screenshot, serving

from terrisim.ui import viewmodel

pytestmark = pytest.mark.browser

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.fixture(scope="module")
def server():
    with serving(CONFIGS if CONFIGS.is_dir() else None) as srv:
        yield srv


@pytest.fixture
def page(browser, server):
    """The page, loaded and ready (first run drawn); every request outside 127.0.0.1 fails."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.js_errors = []
    pg.external = []
    pg.on("pageerror", lambda error: pg.js_errors.append(str(error)))
    pg.accept_dialogs = lambda dialog: dialog.accept()  # confirmations, as the trainer would
    pg.on("dialog", pg.accept_dialogs)

    def only_this_machine(route):
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            pg.external.append(url)
            route.abort()

    pg.route("**/*", only_this_machine)
    pg.goto(login_url(server))  # the trainer's browser: the facilitator's cookie
    pg.wait_for_selector("body[data-ready=true]", timeout=20_000)
    yield pg
    context.close()


def steps_shown(pg) -> int:
    return pg.evaluate("window.terrisim.stats.steps")


def click_step(pg, times: int = 1) -> None:
    for _ in range(times):
        done = steps_shown(pg)
        pg.click("#step")
        pg.wait_for_function(f"window.terrisim.stats.steps > {done}", timeout=10_000)


def chart_paths(pg, chart: str, panel: int = 0) -> list[str]:
    return pg.eval_on_selector_all(
        f".panel >> nth={panel} >> [data-chart={chart}] path.series",
        "els => els.map(e => e.getAttribute('d'))",
    )


def assert_clean(pg) -> None:
    assert pg.external == [], f"the page tried to reach other hosts: {pg.external}"
    assert pg.js_errors == [], f"JavaScript errors: {pg.js_errors}"


# --------------------------------------------------------------------------------------------
def test_the_page_opens_in_french_and_switches_to_english(page, tmp_path):
    assert page.get_attribute("html", "lang") == "fr"
    assert "coopérations villes-campagnes" in page.inner_text("h1")
    assert page.inner_text("#step") == "Pas suivant"
    assert page.inner_text("button[data-shock=drought]") == "Sécheresse"
    assert "Confiance initiale" in page.inner_text("#knobs")
    assert "Début de la simulation" in page.inner_text(".panel .log")

    page.click("#lang-switch")
    assert page.get_attribute("html", "lang") == "en"
    assert "urban-rural cooperation" in page.inner_text("h1")
    assert page.inner_text("#step") == "Step"
    assert page.inner_text("button[data-shock=drought]") == "Drought"
    assert "Initial trust" in page.inner_text("#knobs")
    assert "Simulation starts" in page.inner_text(".panel .log")
    assert "Needs met, by kind of territory" in page.inner_text(".panel")
    screenshot(page, tmp_path, "ui-english")

    page.click("#lang-switch")
    assert page.inner_text("#step") == "Pas suivant"
    assert_clean(page)


def test_stepping_and_a_shock_change_the_charts_the_map_and_the_log(page, tmp_path):
    territories = page.locator(".panel [data-role=map] circle.territory")
    assert territories.count() >= 2
    grey = territories.first.get_attribute("fill")

    click_step(page, 3)
    before = chart_paths(page, "satisfaction")
    assert before and all(before)
    assert territories.first.get_attribute("fill") != grey  # coloured by satisfaction now
    assert page.locator(".panel [data-role=baskets] path.band").count() > 0
    assert "mois 3 sur" in page.inner_text("#status")

    page.click("button[data-shock=drought]")
    page.wait_for_selector(".panel .log .ev-shock")
    newest = page.inner_text(".panel .log li >> nth=0")
    assert "sécheresse" in newest.lower()
    assert page.locator(".panel [data-chart=satisfaction] .shock").count() >= 1

    click_step(page, 3)
    after = chart_paths(page, "satisfaction")
    assert after != before
    assert page.locator(".panel [data-chart=trust] .shock").count() >= 1
    assert "mois 6 sur" in page.inner_text("#status")
    assert "Sécheresse (mois 4) : au plus bas" in page.inner_text(".panel [data-role=resilience]")
    screenshot(page, tmp_path, "ui-french-shock")
    assert_clean(page)


def test_compare_mode_shows_two_panels_on_the_same_territories(page, tmp_path):
    rules = page.eval_on_selector_all("#governance option", "os => os.map(o => o.value)")
    page.check("#compare")
    page.wait_for_function("document.querySelectorAll('.panel').length === 2")
    if len(rules) >= 2:
        page.select_option("#governance", rules[0])
        page.select_option("#governance-b", rules[1])
        page.wait_for_function(
            f"window.terrisim.sim.panels[1].governance === {rules[1]!r}", timeout=10_000
        )
    click_step(page, 2)
    page.click("button[data-shock=grant_cut]")
    page.wait_for_function("document.querySelectorAll('.panel .log .ev-shock').length === 2")
    click_step(page, 2)

    panels = page.locator(".panel")
    assert panels.count() == 2
    left, right = panels.nth(0), panels.nth(1)
    assert left.locator("circle.territory").count() == right.locator("circle.territory").count()
    assert left.locator("[data-chart=satisfaction] .shock").count() == 1
    assert right.locator("[data-chart=satisfaction] .shock").count() == 1
    assert (
        "mois 4 sur" in left.locator("h2").inner_text()
        and "mois 4 sur" in right.locator("h2").inner_text()
    )
    boxes = [panels.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1  # side by side
    if len(rules) >= 2:
        assert left.locator("h2").inner_text() != right.locator("h2").inner_text()
    for chart in ("equity", "exchanges"):  # auto-ranged charts share their y axis
        ticks = [
            p.locator(f"[data-chart={chart}] text.tick").all_inner_texts() for p in (left, right)
        ]
        assert ticks[0] == ticks[1], chart
    screenshot(page, tmp_path, "ui-compare")

    page.uncheck("#compare")
    page.wait_for_function("document.querySelectorAll('.panel').length === 1")
    assert_clean(page)


BOXES = """els => els.map(e => { const b = e.getBoundingClientRect();
    return {x0: b.left, x1: b.right, y0: b.top, y1: b.bottom}; })"""


def overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    """Pairs of boxes (page coordinates) that overlap."""
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[:i])
        if a["x0"] < b["x1"] - 1
        and b["x0"] < a["x1"] - 1
        and a["y0"] < b["y1"] - 1
        and b["y0"] < a["y1"] - 1
    ]


def test_shock_labels_stay_apart_and_inside_the_chart(page, tmp_path):
    click_step(page, 2)
    page.click("button[data-shock=drought]")
    click_step(page, 1)
    page.click("button[data-shock=grant_cut]")  # one month later: the labels would collide
    page.wait_for_function("window.terrisim.sim.panels[0].shocks.length === 2")
    chart = ".panel [data-chart=satisfaction]"
    labels = page.eval_on_selector_all(f"{chart} .shock text", BOXES)
    assert len(labels) == 2
    assert overlapping(labels) == []
    svg = page.eval_on_selector_all(f"{chart} svg", BOXES)[0]
    for box in labels:  # not cut by the chart's edges
        assert svg["x0"] - 1 <= box["x0"] and box["x1"] <= svg["x1"] + 1, (box, svg)
    assert "sur tous les territoires" in page.inner_text(".panel .log li >> nth=0")
    screenshot(page, tmp_path, "ui-two-shocks")
    assert_clean(page)


def test_the_scenarios_have_french_names(page):
    names = page.eval_on_selector_all("#scenario option", "os => os.map(o => o.textContent)")
    assert "Démo : métropole et environs" in names
    if "merger_forced" in page.eval_on_selector_all(
        "#scenario option", "os => os.map(o => o.value)"
    ):
        assert "Fusion imposée" in names
    assert not any("_" in name for name in names), names


def test_the_france_scale_scenario_shows_a_thinned_map_and_steps_in_time(page, tmp_path):
    """35,000 territories: the page stays usable and says what the map leaves out."""
    values = page.eval_on_selector_all("#scenario option", "os => os.map(o => o.value)")
    if "france_scale" not in values:
        pytest.skip("configs/france_scale.toml not present")
    page.select_option("#scenario", "france_scale")
    page.wait_for_function("window.terrisim.sim.scenario === 'france_scale'", timeout=60_000)
    note = page.locator(".panel [data-role=map-note]")
    assert note.is_visible()
    assert f"{viewmodel.MAX_TERRITORIES} territoires les plus peuplés sur 35" in note.inner_text()
    click_step(page, 3)
    assert (
        page.locator(".panel [data-role=map] circle.territory").count() == viewmodel.MAX_TERRITORIES
    )
    assert overlapping(page.eval_on_selector_all(".panel [data-role=map] text.place", BOXES)) == []
    assert page.locator(".panel [data-role=baskets] path.band").count() > 0
    assert timing_report(page, "france_scale step", 3) < 1000
    screenshot(page, tmp_path, "ui-france-scale")
    assert_clean(page)


def test_play_runs_until_pause(page):
    page.select_option("#speed", "0")
    page.click("#play")
    assert page.inner_text("#play") == "Pause"
    page.wait_for_function("window.terrisim.stats.steps >= 3", timeout=15_000)
    page.click("#play")
    page.wait_for_function("!window.terrisim.playing")
    page.wait_for_timeout(300)
    stopped = page.evaluate("window.terrisim.sim.step")
    page.wait_for_timeout(700)
    assert page.evaluate("window.terrisim.sim.step") == stopped
    assert page.inner_text("#play") == "Lecture"
    assert_clean(page)


def test_a_presenter_remote_steps_with_the_right_arrow(page):
    page.focus("body")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.terrisim.sim.step === 1")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.terrisim.sim.step === 2")
    assert_clean(page)


def test_a_knob_applies_on_reset(page):
    trust_at_start = "window.terrisim.sim.panels[0].map.links.trust.reduce((a, b) => a + b, 0)"
    default = page.evaluate(trust_at_start)
    page.eval_on_selector(
        "#knob-initial_trust",
        """el => {
        el.value = 0.1; el.dispatchEvent(new Event('input', {bubbles: true})); }""",
    )
    assert "0,10" in page.inner_text("#out-initial_trust")
    assert "pending" in page.get_attribute("#reset", "class")
    page.click("#reset")
    page.wait_for_function(f"{trust_at_start} < {default}", timeout=10_000)
    assert "pending" not in (page.get_attribute("#reset", "class") or "")
    assert page.evaluate("window.terrisim.sim.step") == 0
    assert_clean(page)


def test_a_rule_knob_is_greyed_unless_its_rule_is_chosen(page):
    rules = page.eval_on_selector_all("#governance option", "os => os.map(o => o.value)")
    if "merger" not in rules:
        pytest.skip("no merger rule registered")
    knob = page.locator(".knob[data-knob=fiscal_solidarity]")
    page.select_option("#governance", "none")
    assert "inactive" in knob.get_attribute("class")
    assert "fusion" in knob.inner_text().lower()
    page.select_option("#governance", "merger")
    page.wait_for_function("window.terrisim.sim.panels[0].governance === 'merger'")
    assert "inactive" not in page.locator(".knob[data-knob=fiscal_solidarity]").get_attribute(
        "class"
    )
    assert_clean(page)


def test_changing_the_rule_mid_demo_asks_before_going_back_to_month_0(page):
    click_step(page, 2)
    asked = []
    page.remove_listener("dialog", page.accept_dialogs)
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    before = page.eval_on_selector("#governance", "s => s.value")
    other = next(
        v
        for v in page.eval_on_selector_all("#governance option", "os => os.map(o => o.value)")
        if v != before
    )
    page.select_option("#governance", other)
    page.wait_for_timeout(300)
    assert asked and "mois 0" in asked[0] and "mois 2" in asked[0]
    assert page.eval_on_selector("#governance", "s => s.value") == before  # nothing changed
    assert page.evaluate("window.terrisim.sim.step") == 2
    assert_clean(page)


def test_a_scenario_combining_institutions_runs_them_all(page):
    scenarios = page.eval_on_selector_all("#scenario option", "os => os.map(o => o.value)")
    if "combined" not in scenarios:
        pytest.skip("configs/combined.toml not present")
    page.select_option("#scenario", "combined")
    page.wait_for_function("window.terrisim.sim.scenario === 'combined'", timeout=20_000)
    assert page.eval_on_selector("#governance", "s => s.value") == "scenario"
    assert "Toutes les règles du scénario" in page.inner_text(".panel h2")
    click_step(page, 2)
    assert_clean(page)


def test_errors_are_shown_in_plain_words(page):
    page.evaluate("window.terrisim.sim.id = 'expired'")
    page.click("#step")
    page.wait_for_selector("#error:not([hidden])")
    assert "Problème" in page.inner_text("#error")
    assert "Réinitialiser" in page.inner_text("#error")


def timing_report(pg, label: str, n: int) -> float:
    """Print the timings of the last n steps; return the median total (ms)."""
    samples = pg.evaluate("window.terrisim.stats.samples")[-n:]
    assert len(samples) == n
    total = [s["total"] for s in samples]
    server = [s["server"] for s in samples]
    draw = [s["draw"] for s in samples]
    median = statistics.median(total)
    print(
        f"{label}, click to drawn page over {n} steps: median {median:.0f} ms, max "
        f"{max(total):.0f} ms (server median {statistics.median(server):.1f} ms, drawing "
        f"median {statistics.median(draw):.0f} ms)"
    )
    return median


def test_a_step_of_the_demo_scenario_renders_well_under_a_second(page):
    """Median time from the click to the drawn page; the worst is printed, not asserted: on a
    shared machine a single step can wait for the CPU (speed is benchmarked elsewhere)."""
    viewmodel.warm_up(CONFIGS)  # one-time costs (compiled kernels), as `terrisim ui` does
    click_step(page, 20)
    assert timing_report(page, "demo step", 20) < 300

    page.check("#compare")
    page.wait_for_function("document.querySelectorAll('.panel').length === 2")
    click_step(page, 20)
    assert timing_report(page, "demo step in compare mode", 20) < 300
    assert_clean(page)
