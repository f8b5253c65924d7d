"""The game's JSON API for the web page (``static/game.html``), mounted on the trainers' server.

The page is one client of :class:`~terrisim.game.session.GameSession`; these routes only
translate HTTP to the session's methods. Mount them with
``terrisim.ui.make_server(routers=[game_routes()])`` (``terrisim ui`` does it).

====== ===================================== =================================================
GET    ``/api/game/i18n``                     the page's words (fr, en): the trainers' page's
                                              dictionary plus the game's
GET    ``/api/game/catalogue``                scenarios, shocks, default settings
GET    ``/api/game/scenarios/{name}``         a scenario's territories, to assign them to teams
POST   ``/api/game``                          start: ``{scenario, seed?, teams: [{team,
                                              territory}], rounds?, years_per_round?}``
POST   ``/api/game/load``                     ``{record}``: a saved game, replayed
GET    ``/api/game/{gid}/status``             ``{version, round, finished, step}`` (polled)
GET    ``/api/game/{gid}/trainer``            the trainer's view (``token``: the trainer's)
GET    ``/api/game/{gid}/player``             a team's view (``team``, ``token``: the team's)
POST   ``/api/game/{gid}/offer``              a team's offer ``{team, token, round, to, give,
                                              ask, years, commitment}``
POST   ``/api/game/{gid}/respond``            ``{team, token, round, offer, decision, ...}``
POST   ``/api/game/{gid}/withdraw``           ``{team, token, round, offer}``
POST   ``/api/game/{gid}/shock``              the trainer: ``{token, round, kind}``
POST   ``/api/game/{gid}/end_round``          the trainer: ``{token, round}``
POST   ``/api/game/{gid}/undo``               the trainer: ``{token, version?}``: undo the last
                                              action if it is a shock or an end of round
GET    ``/api/game/{gid}/debrief``            the debrief (any token of the game)
GET    ``/api/game/{gid}/save``               the saved game (trainer's token), JSON
====== ===================================== =================================================

**Who may do what.** Creating a game returns a *trainer token* and one *token per team*; the
page builds a link per team (``/static/game.html#game=...&team=...&token=...``) that the
trainer opens on the team's screen or sends to the team's browser on the room's network. A
request with a wrong token gets 403. Every request may carry ``lang`` (``fr`` or ``en``): error
messages come in that language. A refused action answers 400 (bad input) or 409 (stale: the
round is over, the offer was already answered) with ``{"error": {"code", "message"}}`` and
changes nothing; the page then reloads its view.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import numpy as np

from terrisim import texts
from terrisim.game import joining
from terrisim.game.errors import GameError
from terrisim.game.session import GameSession
from terrisim.game.views import clean, journal
from terrisim.model import TerriModel
from terrisim.scenario import ScenarioError
from terrisim.shocks import TRIGGERED_SHOCKS
from terrisim.ui import fields, viewmodel
from terrisim.ui.server import HTTPError, Request, Router, require_facilitator
from terrisim.ui.sessions import Session, SessionStore
from terrisim.ui.storage import StoredSession

KIND = "game"
MAX_TEAMS = 12
MAX_MESSAGE = 280
"""Longest message from the trainer to the teams (characters)."""
MAX_TIMER_MINUTES = 120
KEPT_MESSAGES = 50
"""Messages kept per game (the oldest go first)."""
MAX_TERRITORIES = 400
"""Largest scenario offered for a game (every territory is listed for the assignment)."""


@dataclass
class GameTable:
    """A game and who may act on it.

    Attributes:
        game: The session.
        scenario: The scenario id on the page.
        trainer_token: The trainer's token.
        team_tokens: Each team's token.
        codes: Each team's join code (see :mod:`terrisim.game.joining`).
        journal: The trainer's rows of the stored log, in order: shocks, round closes and
            undos (``{"type": "undo", "undone": action}``), for the game's log on the
            trainer's page (see :func:`terrisim.game.views.journal`).
    """

    game: GameSession
    scenario: str
    trainer_token: str = field(default_factory=lambda: secrets.token_urlsafe(8))
    team_tokens: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    journal: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.journal:  # a new game, or one loaded from a file (no undo in its actions)
            self.journal = trainer_rows(self.game.actions)
        for team in self.game.players:
            self.team_tokens.setdefault(team, secrets.token_urlsafe(8))

    @property
    def finished(self) -> bool:
        """Whether every round is played."""
        return self.game.finished

    def secrets(self) -> dict[str, Any]:
        """The tokens, as stored with the game."""
        return {
            "trainer": self.trainer_token,
            "teams": dict(self.team_tokens),
            "codes": dict(self.codes),
        }

    def spec(self) -> dict[str, Any]:
        """What rebuilds the game: the scenario id and the saved game without its actions."""
        record = self.game.record()
        header = {k: v for k, v in record.items() if k not in ("actions", "result")}
        return {"scenario_id": self.scenario, "record": header}

    @classmethod
    def rebuild(cls, stored: StoredSession) -> GameTable:
        """The game of a stored session, its actions replayed (see :mod:`terrisim.ui.storage`)."""
        actions = without_undone(stored.actions)
        record = {**stored.spec["record"], "actions": actions, "result": None}
        game = GameSession.from_record(record, verify=False)
        game.version = len(stored.actions)  # an undo is a change too: versions only grow
        tokens = stored.secrets
        return cls(
            game,
            stored.spec["scenario_id"],
            tokens["trainer"],
            dict(tokens["teams"]),
            dict(tokens.get("codes", {})),
            trainer_rows(stored.actions),
        )


UNDO = "undo"
"""The stored log's row of a trainer's undo (``{"type": "undo", "undone": action}``)."""


def without_undone(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The game's actions of a stored log: each ``undo`` row removes the action before it.

    The database keeps every row (an undo is logged like an action, committed before the
    answer), so the log only grows; the game itself, its saved file and its replay hold only
    the actions still in force.
    """
    kept: list[dict[str, Any]] = []
    for action in log:
        if action.get("type") == UNDO:
            kept.pop()
        else:
            kept.append(action)
    return kept


def trainer_rows(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trainer's rows of a stored log, in order: shocks, round closes and undos."""
    return [dict(a) for a in log if a.get("type") in ("shock", "end_round", UNDO)]


def _lang(request: Request) -> str:
    lang = str(request.arg("lang", "fr"))
    return lang if lang in ("fr", "en") else "fr"


def _bad(
    request: Request, code: str, fr: str, en: str, status: int = HTTPStatus.BAD_REQUEST
) -> HTTPError:
    return HTTPError(status, code, fr if _lang(request) == "fr" else en)


def _bad_scenario(request: Request, error: Exception) -> HTTPError:
    """A scenario that cannot be played: a French sentence around its own one-line error."""
    detail = getattr(error, "detail", None)
    if isinstance(error, viewmodel.ViewModelError):
        fr, en = str(error), f"invalid scenario: {detail}" if detail else str(error)
    else:
        fr, en = f"scénario invalide : {error}", f"invalid scenario: {error}"
    return _bad(request, "bad_scenario", fr, en)


def _game_error(request: Request, error: GameError) -> HTTPError:
    status = HTTPStatus.CONFLICT if error.stale else HTTPStatus.BAD_REQUEST
    return HTTPError(status, error.code, error.text[_lang(request)])


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    return fields.integer(request, name, default, lo, hi, lang=_lang(request), text=True)


def _float(request: Request, name: str, default: float, lo: float, hi: float) -> float:
    return fields.number(request, name, default, lo, hi, lang=_lang(request))


def game_routes(  # noqa: C901 (a route table: each handler is short, mccabe adds them up)
    store: SessionStore | None = None, configs_dir: Path | str | None = None
) -> Router:
    """The routes of the game page (see the module docstring).

    Args:
        store: Where games live between requests, durably (default: a store of its own, on an
            in-memory database; ``terrisim ui`` passes the server's, on its data folder).
        configs_dir: Folder of the scenario files offered (default: as the trainers' page).
    """
    store = store if store is not None else SessionStore()
    configs = Path(configs_dir) if configs_dir else viewmodel.default_configs_dir()
    store.register(KIND, GameTable.rebuild)
    router = Router()

    def entry(request: Request, name: str) -> viewmodel.ScenarioEntry:
        for item in viewmodel.list_scenarios(configs):
            if item.id == name:
                return item
        raise _bad(
            request,
            "unknown_scenario",
            f"aucun scénario {fields.quoted(name)}",
            f"no scenario {fields.quoted(name)}",
            HTTPStatus.NOT_FOUND,
        )

    def table(request: Request) -> tuple[Session, GameTable]:
        session = store.get(request.params["gid"], KIND)
        return session, session.payload

    def check_open(request: Request, session: Session) -> None:
        if session.ended is not None:
            raise _bad(
                request,
                "game_ended",
                "la partie a été terminée par le formateur",
                "the trainer ended the game",
                HTTPStatus.CONFLICT,
            )

    def check_trainer(request: Request, tab: GameTable) -> None:
        if not request.facilitator and request.arg("token") != tab.trainer_token:
            raise _bad(
                request,
                "forbidden",
                "réservé au formateur (lien du formateur)",
                "for the trainer only (use the trainer's link)",
                HTTPStatus.FORBIDDEN,
            )

    def check_team(request: Request, tab: GameTable) -> str:
        team = request.arg("team")
        token = request.arg("token")
        if not isinstance(team, str) or team not in tab.team_tokens:
            raise _bad(
                request,
                "unknown_player",
                f"équipe inconnue {fields.quoted(team)}",
                f"unknown team {fields.quoted(team)}",
            )
        if not request.facilitator and token not in (tab.team_tokens[team], tab.trainer_token):
            raise _bad(
                request,
                "forbidden",
                f"ce lien n'est pas celui de l'équipe {fields.quoted(team)}",
                f"this link is not team {fields.quoted(team)}'s",
                HTTPStatus.FORBIDDEN,
            )
        return team

    def stored(tab: GameTable, spec: dict[str, Any], actions: list[dict[str, Any]]) -> dict:
        """Store a new game, give each team a join code; the answer to the trainer."""
        session = store.create(KIND, tab, spec=spec, secrets_=tab.secrets(), actions=actions)
        for team in tab.team_tokens:
            code = joining.new_code()
            while not store.database.add_code(code, session.id, team):
                code = joining.new_code()
            tab.codes[team] = code
        session.secrets = tab.secrets()
        store.database.set_secrets(session.id, session.secrets)
        return {
            "id": session.id,
            "trainer_token": tab.trainer_token,
            "teams": [
                {"team": t, "token": k, "code": tab.codes[t]} for t, k in tab.team_tokens.items()
            ],
            "state": trainer_state(session, tab),
        }

    def join_view(request: Request, tab: GameTable) -> dict[str, Any]:
        """What the trainer shows so that teams join: the address, codes and QR codes."""
        base = request.base_url
        return {
            "address": f"{base.rstrip('/')}/jeu",
            "on_network": request.on_network,
            "teams": [
                {
                    "team": team,
                    "code": code,
                    "url": joining.join_url(base, code),
                    "qr": joining.qr_svg(joining.join_url(base, code)),
                }
                for team, code in tab.codes.items()
            ],
        }

    def room_view(session: Session, team: str | None = None) -> dict[str, Any]:
        """The round timer and the trainer's messages (to every team, or to ``team``)."""
        room = session.room
        messages = room.get("messages", [])
        if team is not None:
            messages = [m for m in messages if m.get("team") in (None, team)]
        return {
            "version": room.get("version", 0),
            "now": time.time(),
            "timer": room.get("timer"),
            "messages": messages[-5:] if team is not None else messages,
        }

    def trainer_state(session: Session, tab: GameTable) -> dict[str, Any]:
        view = tab.game.trainer_view()
        view["room"] = room_view(session)
        view["map"] = viewmodel.map_view(tab.game.model)
        view["scenario_id"] = tab.scenario
        view["ended"] = session.ended is not None
        view["shocks_available"] = list(TRIGGERED_SHOCKS)
        view["undo"] = tab.game.undoable() if session.ended is None else None
        view["journal"] = journal(tab.game, tab.journal)
        return view

    def player_state(session: Session, tab: GameTable, team: str) -> dict[str, Any]:
        view = tab.game.player_view(team)
        view["room"] = room_view(session, team)
        view["ended"] = session.ended is not None
        view["map"] = viewmodel.map_view(tab.game.model)
        view["scenario_id"] = tab.scenario
        return view

    @router.route("GET", "/api/game/i18n")
    def words(request: Request) -> dict[str, Any]:
        data = texts.payload()
        return {**data, "keys": {**data["keys"], **texts.WORDS}}

    @router.route("GET", "/api/game/catalogue")
    def catalogue(request: Request) -> dict[str, Any]:
        scenarios = [s for s in viewmodel.list_scenarios(configs) if s.error is None]
        ids = [s.id for s in scenarios]
        return {
            "scenarios": [s.as_dict() for s in scenarios],
            "default_scenario": "demo" if "demo" in ids else (ids[0] if ids else None),
            "shocks": list(TRIGGERED_SHOCKS),
            "defaults": {"rounds": 3, "years_per_round": 1.0},
        }

    @router.route("GET", "/api/game/scenarios/{name}")
    def territories(request: Request) -> dict[str, Any]:
        item = entry(request, request.params["name"])
        try:
            scenario = viewmodel.load_entry(item)
            model = TerriModel(scenario, record_territories=False)
        except (viewmodel.ViewModelError, ScenarioError) as exc:
            raise _bad_scenario(request, exc) from None
        s = model.state
        if s.n > MAX_TERRITORIES:
            raise _bad(
                request,
                "too_big",
                f"trop de territoires pour un jeu ({s.n})",
                f"too many territories for a game ({s.n})",
            )
        degree = s.sum_by_origin(np.ones(2 * s.n_links))
        return clean(
            {
                "id": item.id,
                "title": scenario.name,
                "description": scenario.description,
                "seed": scenario.seed,
                "territories": [
                    {
                        "id": str(s.ids[i]),
                        "name": str(s.names[i]),
                        "kind": s.kinds[s.kind[i]],
                        "urban": bool(s.urban[i]),
                        "population": float(s.population[i]),
                        "partners": int(degree[i]),
                    }
                    for i in range(s.n)
                ],
            }
        )

    @router.route("POST", "/api/game")
    def create(request: Request) -> dict[str, Any]:
        require_facilitator(request)
        item = entry(request, fields.string(request, "scenario", "demo", lang=_lang(request)))
        teams = request.arg("teams")
        if (
            not isinstance(teams, list)
            or not 1 <= len(teams) <= MAX_TEAMS
            or not all(
                isinstance(t, dict)
                and isinstance(t.get("team"), str)
                and isinstance(t.get("territory"), str)
                for t in teams
            )
        ):
            raise fields.bad_field(
                "teams",
                teams,
                f"de 1 à {MAX_TEAMS} équipes [{{team: texte, territory: texte}}]",
                f"1 to {MAX_TEAMS} teams [{{team: text, territory: text}}]",
                _lang(request),
            )
        seed = request.arg("seed")
        seed = None if seed in (None, "") else _int(request, "seed", 0, 0, 2**32 - 1)
        rounds = _int(request, "rounds", 3, 1, 20)
        years = _float(request, "years_per_round", 1.0, 1 / 12, 10.0)
        try:
            scenario = viewmodel.load_entry(item)
            game = GameSession(
                scenario,
                [(t.get("team"), t.get("territory")) for t in teams],
                seed=seed,
                rounds=rounds,
                years_per_round=years,
            )
        except GameError as exc:
            raise _game_error(request, exc) from None
        except (viewmodel.ViewModelError, ScenarioError) as exc:
            raise _bad_scenario(request, exc) from None
        tab = GameTable(game, item.id)
        return stored(tab, tab.spec(), [])

    @router.route("POST", "/api/game/load")
    def load(request: Request) -> dict[str, Any]:
        require_facilitator(request)
        record = request.arg("record")
        try:
            game = GameSession.from_record(record if isinstance(record, dict) else {})
        except GameError as exc:
            raise _game_error(request, exc) from None
        except ScenarioError as exc:
            raise _bad(
                request,
                "bad_file",
                f"fichier de partie invalide : {exc}",
                f"invalid game file: {exc}",
            ) from None
        tab = GameTable(
            game, fields.string(request, "scenario", game.scenario.name, lang=_lang(request))
        )
        game_start = GameTable(game.replay(upto=0), tab.scenario).spec()
        return stored(tab, game_start, [dict(a) for a in game.actions])

    @router.route("GET", "/api/game/join/{code}")
    def join(request: Request) -> dict[str, Any]:
        found = store.database.find_code(joining.normalise(request.params["code"]))
        if found is None:
            raise _bad(
                request,
                "unknown_code",
                f"aucune partie n'a le code « {request.params['code']} » : vérifiez-le auprès "
                "du formateur",
                f"no game has the code {request.params['code']!r}: check it with the trainer",
                HTTPStatus.NOT_FOUND,
            )
        session_id, team = found
        session = store.get(session_id, KIND)
        return {"game": session.id, "team": team, "token": session.payload.team_tokens[team]}

    @router.route("GET", "/api/game/{gid}/status")
    def status(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        with session.read():
            g = tab.game
            return {
                "version": g.version,
                "round": g.round,
                "rounds": g.rounds,
                "finished": g.finished,
                "ended": session.ended is not None,
                "room": session.room.get("version", 0),
                "step": g.step,
            }

    @router.route("GET", "/api/game/{gid}/trainer")
    def trainer(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        with session.read():
            state = trainer_state(session, tab)
            state["links"] = {
                "teams": [{"team": t, "token": k} for t, k in tab.team_tokens.items()],
            }
            state["join"] = join_view(request, tab)
            return state

    @router.route("GET", "/api/game/{gid}/player")
    def player(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        team = check_team(request, tab)
        with session.read():
            return player_state(session, tab, team)

    def team_action(kind: str) -> Callable[[Request], dict[str, Any]]:
        def handler(request: Request) -> dict[str, Any]:
            session, tab = table(request)
            team = check_team(request, tab)
            action = {
                k: v
                for k, v in request.body.items()
                if k not in ("team", "token", "lang", "type", "player")
            }
            action.update(type=kind, player=team)
            with session.change():
                check_open(request, session)
                try:
                    logged = tab.game.apply(action)
                except GameError as exc:
                    raise _game_error(request, exc) from None
                session.log(logged)
                return player_state(session, tab, team)

        return handler

    for kind in ("offer", "respond", "withdraw"):
        router.add("POST", f"/api/game/{{gid}}/{kind}", team_action(kind))

    def trainer_action(kind: str) -> Callable[[Request], dict[str, Any]]:
        def handler(request: Request) -> dict[str, Any]:
            session, tab = table(request)
            check_trainer(request, tab)
            action = {k: v for k, v in request.body.items() if k not in ("token", "lang", "type")}
            action["type"] = kind
            with session.change():
                check_open(request, session)
                try:
                    logged = tab.game.apply(action)
                except GameError as exc:
                    raise _game_error(request, exc) from None
                session.log(logged)
                tab.journal.append(dict(logged))
                return trainer_state(session, tab)

        return handler

    router.add("POST", "/api/game/{gid}/shock", trainer_action("shock"))
    router.add("POST", "/api/game/{gid}/end_round", trainer_action("end_round"))

    @router.route("POST", "/api/game/{gid}/undo")
    def undo(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        with session.change():
            check_open(request, session)
            undone = tab.game.undoable()
            try:
                tab.game = tab.game.undone(version=request.arg("version"))
            except GameError as exc:
                raise _game_error(request, exc) from None
            session.log({"type": UNDO, "undone": undone})
            tab.journal.append({"type": UNDO, "undone": undone})
            return trainer_state(session, tab)

    def change_room(session: Session, **changes: Any) -> None:
        room = {**session.room, **changes, "version": session.room.get("version", 0) + 1}
        store.set_room(session, room)

    @router.route("POST", "/api/game/{gid}/timer")
    def timer(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        minutes = _float(request, "minutes", 0.0, 0.0, MAX_TIMER_MINUTES)
        with session.change():
            started = time.time()
            change_room(
                session,
                timer={"minutes": minutes, "started": started, "ends_at": started + 60 * minutes}
                if minutes > 0
                else None,
            )
            return trainer_state(session, tab)

    @router.route("POST", "/api/game/{gid}/message")
    def message(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        text = request.arg("text")
        team = request.arg("team")
        team = None if team in (None, "") else team  # no team: a message to every team
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_MESSAGE:
            raise _bad(
                request,
                "bad_message",
                f"message : de 1 à {MAX_MESSAGE} caractères",
                f"message: 1 to {MAX_MESSAGE} characters",
            )
        if team is not None and (not isinstance(team, str) or team not in tab.team_tokens):
            raise _bad(
                request,
                "unknown_player",
                f"équipe inconnue {fields.quoted(team)}",
                f"unknown team {fields.quoted(team)}",
            )
        with session.change():
            messages = [
                *session.room.get("messages", []),
                {"at": time.time(), "text": text.strip(), "team": team},
            ]
            change_room(session, messages=messages[-KEPT_MESSAGES:])
            return trainer_state(session, tab)

    @router.route("POST", "/api/game/{gid}/end")
    def end(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        with session.change():
            store.end(session)
            return trainer_state(session, tab)

    @router.route("GET", "/api/game/{gid}/debrief")
    def debrief(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        token = request.arg("token")
        over = tab.game.finished or session.ended is not None
        trainer = request.facilitator or token == tab.trainer_token
        if not trainer and not (over and token in tab.team_tokens.values()):
            raise _bad(
                request,
                "forbidden",
                "le débriefing est réservé au formateur jusqu'à la fin de la partie",
                "the debrief is the trainer's until the game ends",
                HTTPStatus.FORBIDDEN,
            )
        with session.read():
            return tab.game.debrief()

    @router.route("GET", "/api/game/{gid}/save")
    def save(request: Request) -> dict[str, Any]:
        session, tab = table(request)
        check_trainer(request, tab)
        with session.read():
            return tab.game.record()

    return router
