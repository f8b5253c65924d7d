"""Shared helpers for the core's tests: random scenarios, CSV scenarios, phase-by-phase steps.

* :func:`scenario_dicts` / :func:`scenarios`: a hypothesis strategy of small random scenarios
  (counts per kind, trust and its brakes, tolerance, representation bias, distance scale,
  engineering scale, money on or off, rules, an optional shock, seed; in one example out of
  four, extreme needs and capacities, :data:`EXTREMES`).
* :func:`csv_scenario`: a scenario whose territories (and links) come from CSV files written
  in a folder, from plain lists of dicts.
* :func:`complementary_catalogue`: two kinds (a town and a rural area) and two non-storable
  goods, so that quantities in mechanism tests can be computed by hand.
* :func:`demo` / :func:`run`: the demo scenario with given institutions and no shocks, and a
  seeded run of a scenario returning the model and its series (the governance tests).
* :func:`step_watching`: one real step (through Mesa's ``model.step()``) with copies of the
  state just before and after chosen phases.
* :func:`serving` / :func:`call`: the trainers' page server on a free loopback port, and one
  JSON request to it (the page's and the game's API and browser tests).
* :data:`PROPERTY`: the hypothesis settings of the property tests (no deadline: a model run
  is not a micro-benchmark).
"""

from __future__ import annotations

import copy
import csv
import inspect
import json
import logging
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from terrisim.exchange import ExchangeOutcome
from terrisim.experiments.governance_effects import demo, run  # noqa: F401 (the tests' helpers)
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, scenario_from_dict
from terrisim.scenario.defaults import GOODS
from terrisim.state import TerritoryState

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TERRISIM = BIN / "terrisim"
KINDS = ("metropolis", "town", "periurban", "rural", "mountain")
#: Seeds of the paired comparisons (one pair per seed, e.g. a Wilcoxon signed-rank test).
SEEDS = range(1, 11)

# Property tests: enough examples to find edge cases, few enough to keep the suite quick.
PROPERTY = settings(
    max_examples=int(os.environ.get("TERRISIM_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

shares = st.floats(0.0, 1.0, allow_nan=False)

#: Needs and capacities (units / 1,000 inh. / step) from nothing to huge, and the subnormal
#: end of floats: every one is valid in a scenario file (issue 21: a need of 1e-20 once gave
#: a satisfaction of -18,595).
EXTREMES = (0.0, 5e-324, 1e-300, 1e-50, 1e-20, 1e-12, 1e-6, 1.0, 1e3, 1e6, 1e12)


@st.composite
def extreme_goods(draw: st.DrawFn) -> dict[str, Any]:
    """A ``[goods]`` table: each good's need and capacity per kind from :data:`EXTREMES`.

    Each value is drawn or left at its default, and so is each good's ``market`` flag.
    """
    values = st.sampled_from(EXTREMES) | st.none()
    goods: dict[str, Any] = {}
    for good in GOODS:
        table: dict[str, Any] = {
            field: {kind: value for kind in KINDS if (value := draw(values)) is not None}
            for field in ("need", "capacity")
        }
        table = {field: per_kind for field, per_kind in table.items() if per_kind}
        if (traded := draw(st.none() | st.booleans())) is not None:
            table["market"] = traded
        goods[good] = table
    return goods


def _engines() -> list[str | None]:
    """The computation engines to test: numpy, and numba when installed (None: no choice)."""
    if "engine" not in inspect.signature(TerriModel).parameters:
        return [None]
    try:
        from terrisim import kernels
    except ImportError:
        return [None]
    return ["numpy", "numba"] if getattr(kernels, "HAVE_NUMBA", False) else ["numpy"]


#: Engines every conservation property runs on (the numba kernels must obey them too).
ENGINES = _engines()


def make_model(scenario: Scenario, engine: str | None = None, **kwargs: Any) -> TerriModel:
    """``TerriModel(scenario, **kwargs)`` with the given engine (None: the default one)."""
    if engine is not None:
        kwargs["engine"] = engine
    return TerriModel(scenario, **kwargs)


@st.composite
def scenario_dicts(
    draw: st.DrawFn, max_per_kind: int = 3, steps: int = 6, extremes: bool | None = None
) -> dict[str, Any]:
    """A small random scenario as a dict for :func:`scenario_from_dict` (2 to 15 territories).

    Everything that shapes an exchange is drawn: who exists, how they trust each other, how
    biased their representations are, how far apart they are, whether money may pay gaps,
    which rules run, and possibly a shock; with ``extremes`` (None: one example out of four),
    the goods' needs and capacities from nothing to huge (:func:`extreme_goods`).
    """
    counts = {k: draw(st.integers(0, max_per_kind)) for k in KINDS}
    if sum(counts.values()) < 2:
        counts[draw(st.sampled_from(KINDS))] += 2
    data: dict[str, Any] = {
        "steps": steps,
        "seed": draw(st.integers(0, 2**32 - 1)),
        "territories": {
            "generator": {
                "counts": counts,
                "spacing_km": draw(st.floats(2.0, 80.0)),
                "proximity_k": draw(st.integers(0, 5)),
                "commuting": draw(st.booleans()),
                "distant_per_metropolis": draw(st.integers(0, 3)),
                "capacity_jitter": draw(st.floats(0.0, 0.6)),
                "need_jitter": draw(st.floats(0.0, 0.4)),
                "numbering": draw(st.sampled_from(["kind", "place"])),
            }
        },
        "trust": {
            "initial": draw(shares),
            "tension_share": draw(shares),
            "tension_penalty": draw(shares),
            "cleavage_weight": draw(shares),
            "bias": {
                "urban->rural": draw(shares),
                "rural->urban": draw(shares),
                "urban->urban": draw(shares),
                "rural->rural": draw(shares),
            },
        },
        "exchange": {
            "enabled": draw(st.booleans() | st.just(True)),
            "reciprocity_tolerance": draw(shares),
            "distance_scale_km": draw(st.floats(1.0, 500.0)),
            "engineering_scale": draw(st.floats(0.05, 50.0)),
            "money": draw(st.booleans()),
            "money_share": draw(shares),
        },
        "budget": {"initial_reserve_steps": draw(st.floats(0.0, 6.0)), "draw_rate": draw(shares)},
        "rules": {
            "valuation": draw(st.sampled_from(["market", "need_weighted"])),
            "partners": draw(st.sampled_from(["trust_weighted", "nearest"])),
        },
    }
    if extremes is None:
        extremes = draw(st.integers(0, 3)) == 0
    if extremes:
        data["goods"] = draw(extreme_goods())
    shock = draw(
        st.none()
        | st.sampled_from(["grant_cut", "drought", "energy_crisis", "health_crisis", "ageing"])
    )
    if shock is not None:
        data["shocks"] = [
            {
                "kind": shock,
                "at": draw(st.integers(1, steps)),
                "magnitude": draw(shares),
                "duration": draw(st.integers(1, steps)),
            }
        ]
    return data


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Validated random scenarios (see :func:`scenario_dicts`)."""
    return scenario_dicts(**kwargs).map(lambda d: scenario_from_dict(d, "<hypothesis>"))


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows (dicts with the same keys) as a CSV file with a header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def csv_scenario(
    folder: Path,
    territory_rows: list[dict[str, Any]],
    link_rows: list[dict[str, Any]] | None = None,
    **tables: Any,
) -> Scenario:
    """A scenario reading its territories (and links) from CSV files written in ``folder``.

    Args:
        folder: Where ``territories.csv`` (and ``links.csv``) are written.
        territory_rows: One dict per territory (``id, name, kind, population, x_km, y_km``...).
        link_rows: One dict per link (``source, target``...), or None for proximity links.
        **tables: Other top-level scenario keys (``exchange={...}``, ``replace_goods=True``...).
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "territories.csv", territory_rows)
    spec: dict[str, Any] = {"territories": "territories.csv"}
    if link_rows is not None:
        write_csv(folder / "links.csv", link_rows)
        spec["links"] = "links.csv"
    data = {**tables}
    data["territories"] = {**tables.get("territories", {}), "source": "csv", "csv": spec}
    return scenario_from_dict(data, str(folder / "scenario.toml"), base_dir=folder)


def complementary_catalogue(
    *, storable: bool = False, public_health: bool = False, bias: tuple[float, float] = (0.0, 0.0)
) -> dict[str, Any]:
    """Two kinds (town, rural) and two goods (food, health) at price 1, with no brakes.

    No jitter, no tension, no cleavage, no stock: quantities come from the CSV columns
    ``capacity_<good>`` and ``need_<good>`` and can be checked by hand.

    Args:
        storable: Whether food is storable.
        public_health: Whether health is a public service (scaled by fiscal health).
        bias: Representation bias ``(urban->rural, rural->urban)``.
    """
    per_kind = {"town": 1.0, "rural": 1.0}
    good = {"price": 1.0, "need": per_kind, "capacity": per_kind}
    return {
        "replace_kinds": True,
        "replace_goods": True,
        "kinds": {
            "town": {
                "urban": True,
                "population": 10_000,
                "fiscal_base": 1.0,
                "grant": 0.3,
                "spending": 1.2,
                "engineering": 1.0,
            },
            "rural": {
                "urban": False,
                "population": 5_000,
                "fiscal_base": 0.7,
                "grant": 0.5,
                "spending": 1.1,
                "engineering": 1.0,
            },
        },
        "goods": {
            "food": {**good, "storable": storable},
            "health": {**good, "storable": False, "public": public_health},
        },
        "territories": {
            "generator": {
                "capacity_jitter": 0.0,
                "need_jitter": 0.0,
                "grant_jitter": 0.0,
                "leaning_sd": 0.0,
            }
        },
        "trust": {
            "initial": 0.8,
            "tension_share": 0.0,
            "cleavage_weight": 0.0,
            "bias": {"urban->rural": bias[0], "rural->urban": bias[1]},
        },
    }


def town_and_village(
    distance_km: float = 10.0,
    *,
    town: dict[str, Any] | None = None,
    village: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """A town with a health surplus and food deficit, and a rural area the other way round.

    Per step, without exchange: the town makes 20 health and 0 food and needs 10 of each; the
    rural area makes 20 food and 0 health and needs 10 of each. Engineering is plentiful.
    """
    rows = [
        {
            "id": "town",
            "name": "Town",
            "kind": "town",
            "population": 10_000,
            "x_km": 0.0,
            "y_km": 0.0,
            "capacity_food": 0.0,
            "capacity_health": 20.0,
            "need_food": 10.0,
            "need_health": 10.0,
            "engineering": 1000.0,
        },
        {
            "id": "village",
            "name": "Village",
            "kind": "rural",
            "population": 5_000,
            "x_km": distance_km,
            "y_km": 0.0,
            "capacity_food": 20.0,
            "capacity_health": 0.0,
            "need_food": 10.0,
            "need_health": 10.0,
            "engineering": 1000.0,
        },
    ]
    rows[0].update(town or {})
    rows[1].update(village or {})
    return rows


PAIR_LINK = [{"source": "town", "target": "village", "kind": "proximity"}]

TOWN, VILLAGE = 0, 1
FOOD, HEALTH = 0, 1


def pair(
    distance_km: float = 10.0,
    *,
    town: dict[str, Any] | None = None,
    village: dict[str, Any] | None = None,
    bias: tuple[float, float] = (0.0, 0.0),
    public_health: bool = False,
    engine: str | None = None,
    **tables: Any,
) -> TerriModel:
    """The town-and-village model (see the module docstring), with scenario tables on top."""
    catalogue = complementary_catalogue(bias=bias, public_health=public_health)
    for key, value in tables.items():
        catalogue[key] = {**catalogue.get(key, {}), **value}
    folder = Path(tempfile.mkdtemp(prefix="terrisim-pair-"))
    scenario = csv_scenario(
        folder, town_and_village(distance_km, town=town, village=village), PAIR_LINK, **catalogue
    )
    return make_model(scenario, engine)


def first_step_volume(model: TerriModel) -> float:
    """Value of the goods exchanged on the first step."""
    model.step()
    return float(model.recorder.series()["volume_value"].iloc[0])


@dataclass
class Snapshot:
    """Copies of the state and the exchange outcome at one point of a step."""

    state: TerritoryState
    outcome: ExchangeOutcome


def step_watching(model: TerriModel, *names: str) -> dict[str, Snapshot]:
    """Run one step through Mesa (``model.step()``) and keep copies around some phases.

    Args:
        model: The model.
        *names: Phases to watch (default: all of ``model.PHASES``).

    Returns:
        ``{"before deliver": Snapshot, "after deliver": Snapshot, ...}``.
    """
    watched = names or model.PHASES
    seen: dict[str, Snapshot] = {}

    def keep(label: str) -> None:
        seen[label] = Snapshot(copy.deepcopy(model.state), copy.deepcopy(model.outcome))

    def wrap(phase: str):
        method = getattr(model, phase)

        def watched_phase() -> None:
            keep(f"before {phase}")
            method()
            keep(f"after {phase}")

        return watched_phase

    for phase in watched:
        setattr(model, phase, wrap(phase))  # instance attributes shadow the methods
    try:
        model.step()
    finally:
        for phase in watched:
            delattr(model, phase)
    return seen


def production(model: TerriModel) -> np.ndarray:
    """Run one step and return what was produced in it, (N, G).

    Production is ``available - stock`` right after the ``produce`` phase.
    """
    after = step_watching(model, "produce")["after produce"].state
    return after.available - after.stock


# ------------------------------------------------------------ the page's server over HTTP
@contextmanager
def serving(configs_dir: Path | None = None, routers: Iterable[Any] = ()) -> Iterator[Any]:
    """The page's server (``make_server``) on a free loopback port, in a thread; closed after."""
    from terrisim.ui import make_server, start_in_thread

    srv = make_server("127.0.0.1", 0, configs_dir=configs_dir, routers=routers)
    start_in_thread(srv)
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def call(
    server: Any,
    method: str,
    path: str,
    body: object | None = None,
    *,
    facilitator: bool = True,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict]:
    """One JSON request to ``server``; returns (status, decoded JSON), errors included.

    The request carries the facilitator's key (``X-Terrisim-Key``, as a trainer's script
    would) unless ``facilitator=False``.
    """
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    key = getattr(server, "facilitator_key", None)
    if facilitator and key:
        sent["X-Terrisim-Key"] = key
    request = urllib.request.Request(
        server.url.rstrip("/") + path, data=data, method=method, headers=sent
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def login_url(server: Any, page: str = "/") -> str:
    """The facilitator's link of ``server``, going on to ``page`` (sets the cookie)."""
    return f"{server.url}login?key={server.facilitator_key}&next={page}"


# ------------------------------------------------------------ real browser (Playwright)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> None:
    """Skip (or fail under CI=true) when the browser or Playwright is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright for Python is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def compiled_kernels() -> None:
    """Compile the numba kernels once (a few seconds on a fresh checkout, cached after).

    Browser tests wait for the page with time limits; the first model step of a fresh
    checkout would otherwise spend them compiling (``terrisim ui`` itself warms up at start).
    """
    if "numba" in ENGINES:
        make_model(
            scenario_from_dict(
                {"territories": {"generator": {"counts": {"metropolis": 1, "town": 1, "rural": 2}}}}
            ),
            engine="numba",
        ).step()


@pytest.fixture(scope="module")
def browser(compiled_kernels):
    """Debian's Chromium driven by Playwright for Python (one per test module)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def screenshot(pg, tmp_path: Path, name: str) -> Path:
    """Screenshot of the whole page into ``tmp_path/name.png`` (and ``$TERRISIM_SCREENSHOTS``).

    The viewport is stretched to the page, so that sticky controls show.
    """
    size = pg.viewport_size
    height = pg.evaluate("document.documentElement.scrollHeight")
    pg.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    pg.evaluate("window.scrollTo(0, 0)")
    path = tmp_path / f"{name}.png"
    pg.screenshot(path=str(path))
    keep = os.environ.get("TERRISIM_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(keep) / f"{name}.png"))
    pg.set_viewport_size(size)
    assert path.stat().st_size > 10_000
    return path


# ------------------------------------------------------------ the server's log
class LogText(logging.Handler):
    """Keeps every record of the ``terrisim`` loggers as formatted text, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def log() -> Iterator[LogText]:
    handler = LogText()
    logger = logging.getLogger("terrisim")
    before = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(before)
