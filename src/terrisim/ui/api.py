"""The JSON API of the trainers' page: scenarios, knobs, and simulations driven step by step.

Routes (all answers JSON; errors ``{"error": {"code", "message"}}`` with a 4xx status):

====== ============================== =============================================================
GET    ``/api/health``                ``{"ok": true, "version": ...}``
GET    ``/api/whoami``                ``{"facilitator": bool}``: whether this browser is the trainer's
GET    ``/api/i18n``                  the dictionary of every word of the page (fr, en)
GET    ``/api/catalogue``             scenarios of ``configs/`` that run, governance rules, shocks, knobs
POST   ``/api/reload``                reload the rule modules the scenarios name (a student's edit)
GET    ``/api/scenarios/{name}``      a scenario's description, seed, rule and knob values
POST   ``/api/sim``                   start a run: ``{scenario, seed, knobs, governance: [a, b?]}``
                                      (governance: the scenario's own, ``"scenario"``, by default)
GET    ``/api/sim/{sid}``             the current frame of a run
POST   ``/api/sim/{sid}/step``        ``{n: 1, version?}``: advance ``n`` steps
POST   ``/api/sim/{sid}/shock``       ``{kind, version?}``: trigger a shock now (in every panel)
====== ============================== =============================================================

Reloading the rules (it imports code from the disk), starting, stepping and shocking a run
need the facilitator's credential
(:func:`~terrisim.ui.server.require_facilitator`); reading a frame does not. Runs are durable
(:mod:`terrisim.ui.sessions`): each step or shock is logged before the answer.

A run with two governance rules is the **compare mode**: two models built from the same
scenario, seed and knobs, differing only by the rule, stepped together and hit by the same
shocks. A frame is ``{id, version, step, steps, finished, panels: [panel, ...], timing}``, one
panel per model (see :func:`terrisim.ui.viewmodel.panel`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import terrisim
from terrisim import texts
from terrisim.errors import ScenarioError
from terrisim.ui import fields, student_rules, viewmodel
from terrisim.ui.server import HTTPError, Request, Router, require_facilitator
from terrisim.ui.sessions import SessionStore
from terrisim.ui.storage import StoredSession

MAX_STEPS_PER_REQUEST = 120
"""Largest ``n`` accepted by ``/step`` (a request must answer quickly)."""


@dataclass
class SimulationRun:
    """One or two models stepped together (two: the compare mode).

    Attributes:
        scenario: The scenario id (see :func:`terrisim.ui.viewmodel.list_scenarios`).
        rules: The governance rule of each model.
        models: The models, in the order of ``rules``.
        steps: The scenario's planned number of steps (the page shows "month k of steps").
    """

    scenario: str
    rules: list[str]
    models: list[Any]
    steps: int

    @property
    def step(self) -> int:
        """Steps done so far (the same in every model)."""
        return viewmodel.current_step(self.models[0])

    @property
    def finished(self) -> bool:
        """Whether the planned number of steps is reached."""
        return self.step >= self.steps

    def advance(self, n: int) -> None:
        """Step every model ``n`` times (stopping at the planned end)."""
        for _ in range(max(0, min(n, self.steps - self.step))):
            for model in self.models:
                viewmodel.step(model)

    def shock(self, kind: str) -> None:
        """Trigger the same shock now in every model."""
        for model in self.models:
            viewmodel.trigger_shock(model, kind)

    def apply(self, action: dict[str, Any]) -> None:
        """Apply a logged action: ``{"type": "step", "n"}`` or ``{"type": "shock", "kind"}``."""
        if action["type"] == "step":
            self.advance(int(action["n"]))
        elif action["type"] == "shock":
            self.shock(str(action["kind"]))
        else:
            raise ValueError(f"unknown action {action!r}")


def _bad(message: str, code: str = "bad_request") -> HTTPError:
    return HTTPError(HTTPStatus.BAD_REQUEST, code, message)


def simulation_routes(  # noqa: C901 (a route table: each handler is short, mccabe adds them up)
    store: SessionStore, configs_dir: Path | None = None
) -> Router:
    """The routes of the trainers' page, working on sessions of kind ``"sim"`` in ``store``.

    Args:
        store: Where runs are kept between requests.
        configs_dir: Folder of the scenario files offered (default: see
            :func:`terrisim.ui.viewmodel.default_configs_dir`).
    """
    configs = Path(configs_dir) if configs_dir else viewmodel.default_configs_dir()
    router = Router()

    def scenario_entry(name: str) -> viewmodel.ScenarioEntry:
        for entry in viewmodel.list_scenarios(configs):
            if entry.id == name:
                return entry
        offered = ", ".join(e.id for e in viewmodel.list_scenarios(configs))
        raise HTTPError(  # the ids only: the page never sees the server's folders
            HTTPStatus.NOT_FOUND,
            "unknown_scenario",
            f"aucun scénario {fields.quoted(name)} sur ce serveur (scénarios : {offered})",
        )

    def frame(session_id: str, version: int, run: SimulationRun, started: float) -> dict:
        return {
            "id": session_id,
            "version": version,
            "scenario": run.scenario,
            "step": run.step,
            "steps": run.steps,
            "finished": run.finished,
            "panels": [
                viewmodel.panel(m, rule) for m, rule in zip(run.models, run.rules, strict=True)
            ],
            "timing": {"server_ms": round((time.perf_counter() - started) * 1000, 1)},
        }

    @router.route("GET", "/api/health")
    def health(request: Request) -> dict:
        return {"ok": True, "version": terrisim.__version__}

    @router.route("GET", "/api/whoami")
    def whoami(request: Request) -> dict:
        return {"facilitator": request.facilitator}

    @router.route("GET", "/api/i18n")
    def words(request: Request) -> dict:
        return texts.payload()

    @router.route("GET", "/api/catalogue")
    def catalogue(request: Request) -> dict:
        scenarios, unavailable = [], []
        for entry in viewmodel.list_scenarios(configs):
            reason = student_rules.problem(entry.path)
            if reason is None:
                scenarios.append(entry)
            else:  # only scenarios that run are offered; why the others are not, no path
                reason = viewmodel.without_folder(reason, entry)
                unavailable.append({"id": entry.id, "reason": reason})
        ids = [s.id for s in scenarios]
        return {
            "scenarios": [s.as_dict() for s in scenarios],
            "unavailable": unavailable,
            "default_scenario": "demo" if "demo" in ids else (ids[0] if ids else None),
            "governance": viewmodel.governance_rules(),
            "shocks": viewmodel.shock_kinds(),
            "knobs": [k.as_dict() for k in viewmodel.KNOBS],
        }

    @router.route("POST", "/api/reload")
    def reload(request: Request) -> dict:
        require_facilitator(request)  # it runs code from the disk: the trainer's only
        paths = [e.path for e in viewmodel.list_scenarios(configs) if e.path is not None]
        try:
            return student_rules.reload_rules(paths)
        except ScenarioError as exc:
            raise _bad(str(exc), "reload_failed") from None

    @router.route("GET", "/api/scenarios/{name}")
    def scenario_settings(request: Request) -> dict:
        entry = scenario_entry(request.params["name"])
        return viewmodel.scenario_settings(entry)

    def build(spec: dict[str, Any]) -> SimulationRun:
        entry = scenario_entry(spec["scenario"])
        try:
            models = [
                viewmodel.build_model(entry, rule=rule, seed=spec["seed"], knobs=spec["knobs"])
                for rule in spec["governance"]
            ]
        except viewmodel.ViewModelError as exc:
            raise _bad(str(exc), "bad_scenario") from None
        return SimulationRun(
            entry.id, list(spec["governance"]), models, viewmodel.planned_steps(models[0])
        )

    def rebuild(stored: StoredSession) -> SimulationRun:
        run = build(stored.spec)
        for action in stored.actions:
            run.apply(action)
        return run

    store.register("sim", rebuild)

    @router.route("POST", "/api/sim")
    def create(request: Request) -> dict:
        require_facilitator(request)
        started = time.perf_counter()
        entry = scenario_entry(fields.string(request, "scenario", "demo"))
        # by default the scenario's own institutions, as its file says
        rules = request.arg("governance")
        rules = [viewmodel.SCENARIO_RULES] if rules is None else rules
        if not isinstance(rules, list) or not 1 <= len(rules) <= 2:
            raise fields.bad_field(
                "governance", rules, "une règle, ou deux pour comparer", "one or two rules"
            )
        known = [*viewmodel.governance_rules(), viewmodel.SCENARIO_RULES]
        for rule in rules:
            if not isinstance(rule, str) or rule not in known:
                raise fields.bad_field(
                    "governance", rule, f"règle inconnue ; règles possibles : {known}", ""
                )
        seed = request.arg("seed")
        seed = None if seed in (None, "") else fields.integer(request, "seed", None, 0, 2**32 - 1)
        knobs = request.arg("knobs")
        knobs = {} if knobs is None else knobs
        if not isinstance(knobs, dict):
            raise fields.bad_field(
                "knobs", knobs, "un objet {réglage: valeur} est attendu", "an object"
            )
        spec = {"scenario": entry.id, "governance": list(rules), "seed": seed, "knobs": knobs}
        run = build(spec)
        session = store.create("sim", run, spec=spec)
        return frame(session.id, session.version, run, started)

    @router.route("GET", "/api/sim/{sid}")
    def show(request: Request) -> dict:
        started = time.perf_counter()
        session = store.get(request.params["sid"], "sim")
        with session.read() as run:
            return frame(session.id, session.version, run, started)

    @router.route("POST", "/api/sim/{sid}/step")
    def step(request: Request) -> dict:
        require_facilitator(request)
        started = time.perf_counter()
        session = store.get(request.params["sid"], "sim")
        n = fields.integer(request, "n", 1, 1, MAX_STEPS_PER_REQUEST)
        with session.change(fields.version(request)) as run:
            action = {"type": "step", "n": n}
            run.apply(action)
            session.log(action)
            return frame(session.id, session.version, run, started)

    @router.route("POST", "/api/sim/{sid}/shock")
    def shock(request: Request) -> dict:
        require_facilitator(request)
        started = time.perf_counter()
        session = store.get(request.params["sid"], "sim")
        kind = request.arg("kind")
        if not isinstance(kind, str) or kind not in viewmodel.shock_kinds():
            raise fields.bad_field(
                "kind", kind, f"choc inconnu ; chocs possibles : {viewmodel.shock_kinds()}", ""
            )
        version = fields.version(request)
        with session.change(version) as run:
            action = {"type": "shock", "kind": kind}
            run.apply(action)
            session.log(action)
            return frame(session.id, session.version, run, started)

    return router
