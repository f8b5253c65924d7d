"""The baskets game: a session where teams play territories, round by round.

A :class:`GameSession` wraps a :class:`~terrisim.model.TerriModel`. Some territories are played
by teams; the others stay agents (:class:`~terrisim.game.negotiator.AgentNegotiator`). Each
round:

1. the round opens: each team sees its territory (needs, surpluses, budget, partners, offers
   received) and agents that see a complementarity with a team's territory propose a basket;
2. teams make offers to linked partners (:meth:`GameSession.offer`) and answer the offers they
   receive (:meth:`GameSession.respond`: accept, counter or refuse); agents answer at once with
   the model's rules and say why; an accepted offer is an agreement (a reciprocity contract);
3. the trainer may trigger a shock (:meth:`GameSession.trigger_shock`) and closes the round
   (:meth:`GameSession.end_round`): open offers expire and the model runs ``steps_per_round``
   months with the agreements delivering (:mod:`terrisim.game.delivery`) and the scenario's
   shocks; the consequences are in :meth:`GameSession.round_summaries` and the views.

Every change goes through :meth:`GameSession.apply` as an *action* (a JSON-ready dict) that is
validated first (a refused action raises :class:`~terrisim.game.errors.GameError` and changes
nothing) and then appended to :attr:`GameSession.actions`. Agents' answers are not actions:
they follow from the state, with no random draw. So a session is its header (scenario, seed,
teams, settings) plus its action log: :meth:`GameSession.save` writes both to JSON,
:meth:`GameSession.load` rebuilds the session by replaying the log, and the result is identical.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from terrisim import texts
from terrisim.game.delivery import AgreementDelivery
from terrisim.game.errors import GameError
from terrisim.game.negotiator import AgentNegotiator, Commitments, Evaluation, NegotiatorParams
from terrisim.game.offers import (
    ACCEPTED,
    COUNTERED,
    DECISIONS,
    EXPIRED,
    OPEN,
    REFUSED,
    WITHDRAWN,
    Agreement,
    Answer,
    Offer,
    basket_dict,
)
from terrisim.game.saved import SavedGame, field_error
from terrisim.game.undo import Snapshots
from terrisim.model import TerriModel
from terrisim.scenario import Scenario, load_scenario
from terrisim.shocks import TRIGGERED_SHOCKS
from terrisim.texts import REASONS, bilingual

FORMAT = "terrisim-game"
FORMAT_VERSION = 1
MODES = ("players", "agents", "none")
"""``players``: teams play their territories; ``agents``: agents play them instead (the
"agents alone" counterfactual); ``none``: no game agreement at all (the baseline)."""

ACTIONS = ("offer", "respond", "withdraw", "shock", "end_round")
UNDOABLE = ("shock", "end_round")
"""The trainer's actions that can be undone (:meth:`GameSession.undone`), while nothing follows."""


def _as_sent(value: Any) -> Any:
    """A refused value as a message quotes it: a number as is, anything else its JSON form.

    The text ``"1"`` shows as ``"1"`` (not as the number 1 it looks like), ``None`` as
    ``null``.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (ValueError, RecursionError):
        return repr(value)


def _visible(text: str) -> str:
    """``text`` with its control characters (a NUL byte, a line break) written as escapes."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in text)


def _number(value: Any, code: str, **fields: Any) -> float:
    """A finite float from a number (not ``true``, not the text ``"1"``), or a GameError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise GameError(code, value=_as_sent(value), **fields)
    try:
        number = float(value)
    except OverflowError:  # an integer of 400 digits
        raise GameError(code, value=value, **fields) from None
    if not math.isfinite(number):
        raise GameError(code, value=value, **fields)
    return number


def _whole(value: Any, code: str, **fields: Any) -> int:
    """A whole number (``3`` or ``3.0``; not ``3.5``, ``true`` or ``"3"``), or a GameError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GameError(code, value=value, **fields)
    number = _number(value, code, **fields)
    if number != int(number):
        raise GameError(code, value=value, **fields)
    return int(number)


def _overlaps(shock: Mapping[str, Any], first: int, last: int) -> bool:
    """Whether a recorded shock is active on some step of ``first .. last``."""
    end = shock.get("last_step")
    return shock["step"] <= last and (end is None or end >= first)


class GameSession:
    """A game of reciprocal baskets between territories, some played by teams.

    Args:
        scenario: A :class:`~terrisim.scenario.Scenario`, a path to a TOML file, or ``None``
            for the built-in demo.
        players: Teams and the territory each plays: ``{"team A": "T03", ...}`` (territory
            ids, or names) or a list of pairs. The order is kept (it orders agents' proposals).
        seed: The seed (``None``: the scenario's).
        rounds: Number of rounds.
        years_per_round: Years the model runs between two rounds (12 months each).
        steps_per_round: Months between two rounds (overrides ``years_per_round``).
        epilogue_years: Years run after the last round, to see what the agreements do.
        max_years: Longest agreement allowed.
        negotiator: Parameters of the agent negotiators (:class:`NegotiatorParams` fields).
        mode: ``"players"`` (default), ``"agents"`` or ``"none"`` (see :data:`MODES`).

    Raises:
        GameError: unknown territory, a territory played twice, no team, bad settings.
        ScenarioError: an invalid scenario.
    """

    def __init__(  # noqa: PLR0913 (a game's set-up options, one keyword each, as in the saved game)
        self,
        scenario: Scenario | str | Path | None = None,
        players: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        *,
        seed: int | None = None,
        rounds: int = 3,
        years_per_round: float = 1.0,
        steps_per_round: int | None = None,
        epilogue_years: float = 0.0,
        max_years: float = 10.0,
        negotiator: NegotiatorParams | dict[str, Any] | None = None,
        mode: str = "players",
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        if mode not in MODES:
            choices = ", ".join(MODES)
            raise GameError(
                "bad_setting",
                detail=texts._(
                    f"mode {mode!r} (permis : {choices})", f"mode {mode!r} (allowed: {choices})"
                ),
            )
        self.mode = mode
        if steps_per_round is None:
            steps_per_round = round(
                12
                * _number(
                    years_per_round, "bad_setting", detail=f"years_per_round {years_per_round!r}"
                )
            )
        self.steps_per_round = int(steps_per_round)
        self.rounds = int(rounds)
        self.epilogue_steps = round(12 * float(epilogue_years))
        self.max_steps = round(12 * float(max_years))
        if not 1 <= self.steps_per_round <= 120:
            raise GameError(
                "bad_setting",
                detail=texts._(
                    f"steps_per_round = {steps_per_round} (de 1 à 120 mois)",
                    f"steps_per_round={steps_per_round} (1 to 120 months)",
                ),
            )
        if not 1 <= self.rounds <= 50:
            raise GameError(
                "bad_setting",
                detail=texts._(f"rounds = {rounds} (de 1 à 50)", f"rounds={rounds} (1 to 50)"),
            )
        if not 0 <= self.epilogue_steps <= 240 or self.max_steps < 1:
            raise GameError(
                "bad_setting",
                detail=texts._(
                    f"epilogue_years = {epilogue_years} (de 0 à 20), max_years = {max_years} (> 0)",
                    f"epilogue_years={epilogue_years} (0 to 20), max_years={max_years} (> 0)",
                ),
            )
        try:
            self.negotiator = AgentNegotiator(negotiator)
        except ValidationError as exc:
            raise GameError("bad_setting", detail=field_error(exc, "negotiator")) from None
        self.model = TerriModel(scenario, rng=seed, record_territories=False)
        self.seed = int(self.model.seed)
        self.delivery = AgreementDelivery()
        self.delivery.setup(self.model)
        self.model.institutions.append(self.delivery)
        s = self.model.state
        self._index = {str(tid): i for i, tid in enumerate(s.ids)}
        self._by_name = {str(name): i for i, name in enumerate(s.names)}
        pairs = list(players.items()) if isinstance(players, Mapping) else list(players)
        self.players: dict[str, int] = {}
        self.teams: dict[int, str] = {}
        for team, territory in pairs:
            team = "" if team is None else str(team).strip()
            if not team or len(team) > 60 or team != _visible(team):
                raise GameError("bad_team_name", team=_visible(team))
            if team in self.players:
                raise GameError("duplicate_team", team=team)
            index = self._territory(territory)
            if index in self.teams:
                raise GameError(
                    "territory_taken", territory=str(territory), player=self.teams[index]
                )
            self.players[team] = index
            self.teams[index] = team
        if not self.players:
            raise GameError("no_players")
        self.round = 1
        self.finished = False
        self.version = 0
        self.offers: list[Offer] = []
        self.agreements: list[Agreement] = []
        self.actions: list[dict[str, Any]] = []
        self.action_steps: list[int] = []
        self.triggered: list[dict[str, Any]] = []
        self.round_log: list[dict[str, Any]] = []
        self.history: dict[str, list[Any]] = {
            "step": [],
            "satisfaction": [],
            "reserve": [],
            "fiscal_health": [],
            "trust": [],
        }
        self.snapshots = Snapshots()
        """States before the last undoable actions, for a quick :meth:`undone`."""
        self._snapshot()
        self._open_round()

    # ------------------------------------------------------------------ properties
    @property
    def goods(self) -> tuple[str, ...]:
        """The goods of the scenario."""
        return self.model.state.goods

    @property
    def step(self) -> int:
        """Months run so far."""
        return int(self.model.steps)

    @property
    def total_steps(self) -> int:
        """Months the whole game runs (rounds and epilogue)."""
        return self.rounds * self.steps_per_round + self.epilogue_steps

    def territory_id(self, index: int) -> str:
        """The id of territory ``index``."""
        return str(self.model.state.ids[index])

    def partners(self, index: int) -> list[int]:
        """Territories linked to ``index``, in index order."""
        s = self.model.state
        return sorted({int(b) for b in s.arc_to[s.arc_from == index]})

    # ------------------------------------------------------------------ actions
    def offer(  # noqa: PLR0913 (an offer's fields, as the page sends them)
        self,
        player: str,
        to: str,
        give: Mapping[str, Any],
        ask: Mapping[str, Any],
        *,
        years: float | None = None,
        steps: int | None = None,
        commitment: float = 0.5,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> Offer:
        """A team offers a basket to a partner (agents answer at once).

        Args:
            player: The team.
            to: The partner's territory id (or name).
            give: Units per month the team's territory gives, ``{good: quantity}``.
            ask: Units per month it asks in return.
            years: Duration in years (or ``steps`` in months; default 2 years).
            steps: Duration in months.
            commitment: Political commitment, 0 to 1.
            round: The round the team sees (stale if the round is over).
            version: The session version the team sees (optional stricter check).

        Returns:
            The offer, with its status and answer if the partner is an agent.
        """
        action: dict[str, Any] = {
            "type": "offer",
            "player": player,
            "to": to,
            "give": dict(give),
            "ask": dict(ask),
            "commitment": commitment,
        }
        if steps is not None:
            action["steps"] = steps
        else:
            action["years"] = 2.0 if years is None else years
        self.apply(action, round=round, version=version)
        return self.offers[self._last_offer]

    def respond(  # noqa: PLR0913 (a response's fields, as the page sends them)
        self,
        player: str,
        offer: int,
        decision: str,
        *,
        give: Mapping[str, Any] | None = None,
        ask: Mapping[str, Any] | None = None,
        years: float | None = None,
        steps: int | None = None,
        commitment: float | None = None,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> Offer:
        """A team answers an offer it received: ``accept``, ``counter`` or ``refuse``.

        A counter-offer gives ``give`` and asks ``ask`` (from the answering team's side);
        missing terms keep those of the offer (mirrored).

        Returns:
            The offer answered (for a counter, its ``answer.counter`` is the new offer's id).
        """
        action: dict[str, Any] = {
            "type": "respond",
            "player": player,
            "offer": offer,
            "decision": decision,
        }
        for key, value in (
            ("give", give),
            ("ask", ask),
            ("years", years),
            ("steps", steps),
            ("commitment", commitment),
        ):
            if value is not None:
                action[key] = dict(value) if isinstance(value, Mapping) else value
        self.apply(action, round=round, version=version)
        return self._offer(int(offer))

    def withdraw(
        self,
        player: str,
        offer: int,
        *,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> Offer:
        """A team withdraws an open offer it made."""
        self.apply(
            {"type": "withdraw", "player": player, "offer": offer}, round=round, version=version
        )
        return self._offer(int(offer))

    def trigger_shock(
        self,
        kind: str,
        *,
        magnitude: float | None = None,
        duration: int | None = None,
        kinds: list[str] | None = None,
        ids: list[str] | None = None,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> None:
        """The trainer triggers a shock now: it hits from the next month."""
        action: dict[str, Any] = {"type": "shock", "kind": kind}
        for key, value in (
            ("magnitude", magnitude),
            ("duration", duration),
            ("kinds", kinds),
            ("ids", ids),
        ):
            if value is not None:
                action[key] = value
        self.apply(action, round=round, version=version)

    def end_round(
        self,
        *,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> dict[str, Any]:
        """The trainer closes the round: the model runs the agreements forward.

        Returns:
            The summary of the round (see :meth:`round_summaries`).
        """
        self.apply({"type": "end_round"}, round=round, version=version)
        return self.round_log[-1]

    def undoable(self) -> dict[str, Any] | None:
        """The last action if it can be undone (a shock or the end of a round), else ``None``."""
        if self.actions and self.actions[-1]["type"] in UNDOABLE:
            return dict(self.actions[-1])
        return None

    def undone(self, *, version: int | None = None) -> GameSession:
        """This session without its last action, a shock or the end of a round (the trainer's undo).

        The session is the state kept just before that action (:mod:`terrisim.game.undo`; a
        session rebuilt from its log has none kept yet and is replayed without the action
        instead, :meth:`replay`), so the state is exactly what it was before it: the months the closing ran are gone, the offers that
        expired are open again, the round is the previous one (a game finished by its last
        round is open again). The new session's ``version`` is this one's plus one, so every
        page that saw either state reloads. Only the last action can be undone, and only a
        shock or an end of round: once a team has acted after it, it stays.

        Args:
            version: The session version the trainer sees (optional stricter check).

        Returns:
            A new session (this one is unchanged).

        Raises:
            GameError: ``nothing_to_undo`` (the last action is a team's, or there is none),
                ``stale_version``.
        """
        if version is not None:
            number = _whole(version, "bad_action", detail=f"version {version!r}")
            if number != self.version:
                raise GameError("stale_version", version=number, current=self.version)
        if self.undoable() is None:
            raise GameError("nothing_to_undo")
        game = self.snapshots.restore()  # the state kept before the action (game/undo.py)
        if game is None:  # none kept (a session rebuilt from its log): replay without it
            game = self.replay(upto=len(self.actions) - 1)
        game.version = self.version + 1
        return game

    def apply(
        self,
        action: Mapping[str, Any],
        *,
        round: int | None = None,  # noqa: A002
        version: int | None = None,
    ) -> dict[str, Any]:
        """Validate and apply one action, then append it to the log.

        Args:
            action: ``{"type": one of ACTIONS, ...}`` (see the methods above); it may carry
                ``round`` and ``version`` itself.
            round: The round the sender sees; another round makes the action stale.
            version: The session version the sender sees (optional).

        Returns:
            The action as logged (normalised: durations in months, quantities as floats).

        Raises:
            GameError: the action is refused; the session is unchanged.
        """
        if not isinstance(action, Mapping):
            raise GameError(
                "bad_action",
                detail=texts._(
                    f"une action est un objet JSON, pas {action!r}",
                    f"an action is a JSON object, not {action!r}",
                ),
            )
        action = dict(action)
        kind = action.get("type")
        if kind not in ACTIONS:
            raise GameError("unknown_action", action=kind)
        seen_round = action.pop("round", None) if round is None else round
        action.pop("round", None)
        seen_version = action.pop("version", None) if version is None else version
        action.pop("version", None)
        if self.finished:
            raise GameError("game_over")
        if seen_round is not None:
            number = _whole(seen_round, "bad_action", detail=f"round {seen_round!r}")
            if number != self.round:
                raise GameError("stale_round", round=number, current=self.round)
        if seen_version is not None:
            number = _whole(seen_version, "bad_action", detail=f"version {seen_version!r}")
            if number != self.version:
                raise GameError("stale_version", version=number, current=self.version)
        handler = getattr(self, f"_do_{kind}")
        plan = getattr(self, f"_check_{kind}")(action)  # validation only: raises GameError
        logged = {"type": kind, "round": self.round, **plan["log"]}
        if kind in UNDOABLE:
            self.snapshots.keep(self)
        else:
            self.snapshots.clear()
        self.actions.append(logged)
        self.action_steps.append(self.step)
        self.version += 1
        handler(plan)
        return logged

    # ------------------------------------------------------------------ validation
    def _player(self, action: Mapping[str, Any]) -> tuple[str, int]:
        team = action.get("player")
        if not isinstance(team, str) or team not in self.players:
            raise GameError("unknown_player", player=team, allowed=", ".join(self.players))
        return team, self.players[team]

    def _territory(self, ref: Any) -> int:
        key = str(ref)
        if key in self._index:
            return self._index[key]
        if key in self._by_name:
            return self._by_name[key]
        raise GameError("unknown_territory", territory=ref)

    def _offer(self, number: Any) -> Offer:
        try:
            k = _whole(number, "bad_action", detail=f"offer {number!r}")
        except GameError:
            raise GameError("unknown_offer", offer=number) from None
        if not 1 <= k <= len(self.offers):
            raise GameError("unknown_offer", offer=number)
        return self.offers[k - 1]

    def _basket(self, basket: Any, field: str) -> np.ndarray:
        goods = self.goods
        if basket is None:
            return np.zeros(len(goods))
        if not isinstance(basket, Mapping):
            raise GameError(
                "bad_action",
                detail=texts._(
                    f"{field} : un panier (bien : quantité) est attendu, pas {basket!r}",
                    f"{field}: a basket (good: quantity) is expected, not {basket!r}",
                ),
            )
        out = np.zeros(len(goods))
        for good, value in basket.items():
            if good not in goods:
                raise GameError("unknown_good", good=good, allowed=", ".join(goods))
            number = _number(value, "bad_quantity", good=good)
            if number < 0:
                raise GameError("negative_quantity", good=good, value=_fmt(number))
            out[goods.index(good)] = number
        return out

    def _duration(self, action: Mapping[str, Any], default: int) -> int:
        max_years = self.max_steps / 12
        if "steps" in action:
            value = action["steps"]
            number = _number(value, "bad_duration", max_years=max_years)
            if number != int(number):
                raise GameError("bad_duration", value=value, max_years=max_years)
            steps = int(number)
        elif "years" in action:
            value = action["years"]
            years = _number(value, "bad_duration", max_years=max_years)
            if not 0 < years <= max_years:  # 1e308 years would overflow in months
                raise GameError("bad_duration", value=value, max_years=max_years)
            steps = round(12 * years)
        else:
            return default
        if not 1 <= steps <= self.max_steps:
            raise GameError(
                "bad_duration", value=action.get("years", action.get("steps")), max_years=max_years
            )
        return steps

    def _commitment(self, value: Any) -> float:
        number = _number(value, "bad_commitment")
        if not 0.0 <= number <= 1.0:
            raise GameError("bad_commitment", value=value)
        return number

    def commitments(self, exclude: int | None = None) -> Commitments:
        """What agreements still running next month take and bring (see :class:`Commitments`).

        Args:
            exclude: An agreement id to leave out.
        """
        s = self.model.state
        out = Commitments.none(s.n, len(s.goods))
        nxt = self.step + 1
        for ag in self.agreements:
            if ag.end <= nxt or ag.id == exclude:
                continue
            out.out[ag.a] += ag.give_ab
            out.out[ag.b] += ag.give_ba
            out.into[ag.b] += ag.give_ab
            out.into[ag.a] += ag.give_ba
            half = float((ag.give_ab + ag.give_ba) @ s.price) / 2.0
            out.value[ag.a] += half
            out.value[ag.b] += half
        return out

    def _check_supply(self, giver: int, basket: np.ndarray, commitments: Commitments) -> None:
        """A territory can promise at most its monthly capacity, minus what it already owes."""
        s = self.model.state
        for g in np.flatnonzero(basket > 0):
            good = self.goods[g]
            cap = float(s.capacity[giver, g])
            if cap <= 0:
                raise GameError("cannot_produce", territory=str(s.names[giver]), good=good)
            committed = float(commitments.out[giver, g])
            if basket[g] > cap - committed + 1e-9:
                raise GameError(
                    "too_much",
                    territory=str(s.names[giver]),
                    good=good,
                    capacity=_fmt(cap),
                    committed=_fmt(committed),
                    value=_fmt(float(basket[g])),
                )

    def _terms(
        self,
        action: Mapping[str, Any],
        sender: int,
        receiver: int,
        *,
        default_steps: int = 24,
        default_commitment: float = 0.5,
        default_give: Any = None,
        default_ask: Any = None,
    ) -> dict[str, Any]:
        give = self._basket(action.get("give", default_give), "give")
        ask = self._basket(action.get("ask", default_ask), "ask")
        if give.sum() <= 0 and ask.sum() <= 0:
            raise GameError("empty_basket")
        if give.sum() <= 0 or ask.sum() <= 0:
            raise GameError("one_sided")
        steps = self._duration(action, default_steps)
        commitment = self._commitment(action.get("commitment", default_commitment))
        commitments = self.commitments()
        self._check_supply(sender, give, commitments)
        self._check_supply(receiver, ask, commitments)
        return {"give": give, "ask": ask, "steps": steps, "commitment": commitment}

    def _check_offer(self, action: Mapping[str, Any]) -> dict[str, Any]:
        team, sender = self._player(action)
        if "to" not in action:
            raise GameError(
                "bad_action",
                detail=texts._("il manque « to » (le partenaire)", "missing 'to' (the partner)"),
            )
        try:
            receiver = self._territory(action["to"])
        except GameError:
            receiver = -1
        if receiver == sender:
            raise GameError("self_offer")
        partners = self.partners(sender)
        if receiver not in partners:
            raise GameError(
                "unknown_partner",
                partner=action["to"],
                territory=self.territory_id(sender),
                allowed=", ".join(self.territory_id(p) for p in partners),
            )
        terms = self._terms(action, sender, receiver)
        return {
            "team": team,
            "sender": sender,
            "receiver": receiver,
            **terms,
            "log": {"player": team, "to": self.territory_id(receiver), **self._terms_log(terms)},
        }

    def _terms_log(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "give": basket_dict(self.goods, terms["give"], 12),
            "ask": basket_dict(self.goods, terms["ask"], 12),
            "steps": terms["steps"],
            "commitment": terms["commitment"],
        }

    def _check_respond(self, action: Mapping[str, Any]) -> dict[str, Any]:
        team, me = self._player(action)
        offer = self._offer(action.get("offer"))
        if offer.receiver != me:
            raise GameError("not_yours", offer=offer.id, player=team)
        if offer.status != OPEN:
            raise GameError("already_answered", offer=offer.id, status=offer.status)
        decision = action.get("decision")
        if decision not in DECISIONS:
            raise GameError("bad_decision", decision=decision)
        log: dict[str, Any] = {"player": team, "offer": offer.id, "decision": decision}
        plan: dict[str, Any] = {"team": team, "offer": offer, "decision": decision, "log": log}
        if decision == "accept":
            commitments = self.commitments()
            self._check_supply(offer.sender, offer.give, commitments)
            self._check_supply(offer.receiver, offer.ask, commitments)
        elif decision == "counter":
            terms = self._terms(
                action,
                me,
                offer.sender,
                default_steps=offer.steps,
                default_commitment=offer.commitment,
                default_give=basket_dict(self.goods, offer.ask, 12),
                default_ask=basket_dict(self.goods, offer.give, 12),
            )
            plan.update(terms)
            log.update(self._terms_log(terms))
        return plan

    def _check_withdraw(self, action: Mapping[str, Any]) -> dict[str, Any]:
        team, me = self._player(action)
        offer = self._offer(action.get("offer"))
        if offer.sender != me or offer.by != team:
            raise GameError("not_sender", offer=offer.id, player=team)
        if offer.status != OPEN:
            raise GameError("already_answered", offer=offer.id, status=offer.status)
        return {"offer": offer, "log": {"player": team, "offer": offer.id}}

    def _check_shock(self, action: Mapping[str, Any]) -> dict[str, Any]:
        import terrisim.shocks  # noqa: F401  (registers the built-in shocks)
        from terrisim.rules.base import registered

        kind = action.get("kind")
        known = sorted(registered("shock"))
        if kind not in known:
            raise GameError("unknown_shock", kind=kind, allowed=", ".join(known))
        defaults = TRIGGERED_SHOCKS.get(kind, {"magnitude": 0.3, "duration": 6})
        magnitude = _number(
            raw := action.get("magnitude", defaults["magnitude"]),
            "bad_action",
            detail=f"magnitude {raw!r}",
        )
        if not 0.0 <= magnitude <= 1.0:
            raise GameError(
                "bad_action",
                detail=texts._(
                    f"magnitude {magnitude} (de 0 à 1)", f"magnitude {magnitude} (0 to 1)"
                ),
            )
        duration = action.get("duration", defaults["duration"])
        if duration is not None:
            number = _number(duration, "bad_action", detail=f"duration {duration!r}")
            if number != int(number) or not 1 <= number <= 600:
                raise GameError(
                    "bad_action",
                    detail=texts._(
                        f"duration {duration!r} (de 1 à 600 mois)",
                        f"duration {duration!r} (1 to 600 months)",
                    ),
                )
            duration = int(number)
        kinds = action.get("kinds") or []
        ids = action.get("ids") or []
        s = self.model.state
        allowed = [*s.kinds, "urban", "rural"]
        if not isinstance(kinds, list) or any(k not in allowed for k in kinds):
            raise GameError(
                "bad_action",
                detail=texts._(
                    f"kinds {kinds!r} (permis : {', '.join(allowed)})",
                    f"kinds {kinds!r} (allowed: {', '.join(allowed)})",
                ),
            )
        if not isinstance(ids, list):
            raise GameError(
                "bad_action",
                detail=texts._(
                    f"ids : une liste d'identifiants de territoires, pas {ids!r}",
                    f"ids: a list of territory ids, not {ids!r}",
                ),
            )
        ids = [self.territory_id(self._territory(t)) for t in ids]
        log = {"kind": kind, "magnitude": magnitude, "duration": duration}
        if kinds:
            log["kinds"] = list(kinds)
        if ids:
            log["ids"] = ids
        return {"log": log}

    def _check_end_round(self, action: Mapping[str, Any]) -> dict[str, Any]:
        return {"log": {}}

    # ------------------------------------------------------------------ handlers
    def _new_offer(  # noqa: PLR0913 (an offer's fields)
        self,
        sender: int,
        receiver: int,
        give: np.ndarray,
        ask: np.ndarray,
        *,
        steps: int,
        commitment: float,
        by: str | None,
        parent: int | None = None,
        note: dict[str, str] | None = None,
    ) -> Offer:
        offer = Offer(
            len(self.offers) + 1,
            self.round,
            sender,
            receiver,
            np.asarray(give, float),
            np.asarray(ask, float),
            int(steps),
            float(commitment),
            by,
            parent,
            note=note,
            action=len(self.actions),
            step=self.step,
        )
        self.offers.append(offer)
        self._last_offer = offer.id - 1
        return offer

    def _do_offer(self, plan: dict[str, Any]) -> None:
        offer = self._new_offer(
            plan["sender"],
            plan["receiver"],
            plan["give"],
            plan["ask"],
            steps=plan["steps"],
            commitment=plan["commitment"],
            by=plan["team"],
        )
        self._agent_answer(offer)
        self._last_offer = offer.id - 1

    def _do_respond(self, plan: dict[str, Any]) -> None:
        offer: Offer = plan["offer"]
        team = plan["team"]
        reasons = [{"code": "player", "text": bilingual(REASONS, "player")}]
        if plan["decision"] == "accept":
            offer.status = ACCEPTED
            offer.answer = Answer("accept", team, reasons)
            self._sign(offer)
        elif plan["decision"] == "refuse":
            offer.status = REFUSED
            offer.answer = Answer("refuse", team, reasons)
        else:
            offer.status = COUNTERED
            counter = self._new_offer(
                offer.receiver,
                offer.sender,
                plan["give"],
                plan["ask"],
                steps=plan["steps"],
                commitment=plan["commitment"],
                by=team,
                parent=offer.id,
            )
            offer.answer = Answer("counter", team, reasons, counter.id)
            self._agent_answer(counter)

    def _do_withdraw(self, plan: dict[str, Any]) -> None:
        plan["offer"].status = WITHDRAWN

    def _do_shock(self, plan: dict[str, Any]) -> None:
        log = plan["log"]
        self.model.trigger_shock(
            log["kind"],
            log["magnitude"],
            duration=log["duration"],
            kinds=log.get("kinds"),
            ids=log.get("ids"),
        )
        self.triggered.append({"round": self.round, "step": self.step + 1, **log})

    def _do_end_round(self, plan: dict[str, Any]) -> None:
        for offer in self.offers:
            if offer.status == OPEN:
                offer.status = EXPIRED
        first = self.step + 1
        for _ in range(self.steps_per_round):
            self.model.step()
            self._snapshot()
        signed = [ag.id for ag in self.agreements if ag.round == self.round]
        self.round_log.append(self._round_summary(self.round, first, self.step, signed))
        if self.round >= self.rounds:
            for _ in range(self.epilogue_steps):
                self.model.step()
                self._snapshot()
            self.finished = True
            return
        self.round += 1
        self._open_round()

    # ------------------------------------------------------------------ agents
    def _agent_answer(self, offer: Offer) -> None:
        """If the receiver is an agent, it answers at once (accept, counter or refuse)."""
        if offer.receiver in self.teams and self.mode == "players":
            return
        ev = self.negotiator.answer(self.model, offer, self.commitments())
        self._settle(offer, ev)

    def _settle(self, offer: Offer, ev: Evaluation, *, counter_back: bool = True) -> None:
        if ev.decision == "accept":
            offer.status = ACCEPTED
            offer.answer = Answer("accept", None, ev.reasons)
            self._sign(offer)
        elif ev.decision == "refuse":
            offer.status = REFUSED
            offer.answer = Answer("refuse", None, ev.reasons)
        else:
            offer.status = COUNTERED
            counter = self._new_offer(
                offer.receiver,
                offer.sender,
                ev.give,
                ev.ask,
                steps=ev.steps,
                commitment=ev.commitment,
                by=None,
                parent=offer.id,
            )
            offer.answer = Answer("counter", None, ev.reasons, counter.id)
            if counter.receiver not in self.teams or self.mode != "players":
                # an agent (or a team played by agents) answers the counter: accept or refuse
                back = self.negotiator.answer(self.model, counter, self.commitments())
                if back.decision == "counter":
                    back.decision = "refuse"
                self._settle(counter, back, counter_back=False)

    def _open_round(self) -> None:
        """Agents with a complementarity propose baskets to the teams' territories."""
        if self.mode == "none":
            return
        per = self.negotiator.params.proposals_per_territory
        for team, p in self.players.items():
            del team
            agents = [q for q in self.partners(p) if q not in self.teams or self.mode == "agents"]
            for proposer, ev in self._best_proposals(agents, p, per, towards=True):
                offer = self._new_offer(
                    proposer,
                    p,
                    ev.give,
                    ev.ask,
                    steps=ev.steps,
                    commitment=ev.commitment,
                    by=None,
                    note=ev.reasons[0]["text"],
                )
                if self.mode == "agents":
                    self._agent_answer(offer)
            if self.mode == "agents":
                for partner, ev in self._best_proposals(self.partners(p), p, per, towards=False):
                    offer = self._new_offer(
                        p,
                        partner,
                        ev.give,
                        ev.ask,
                        steps=ev.steps,
                        commitment=ev.commitment,
                        by=None,
                        note=ev.reasons[0]["text"],
                    )
                    self._agent_answer(offer)

    def _best_proposals(
        self, others: list[int], p: int, count: int, towards: bool
    ) -> list[tuple[int, Evaluation]]:
        """The ``count`` most valuable proposals from ``others`` to ``p`` (or from ``p``)."""
        if count <= 0:
            return []
        price = self.model.state.price
        found = []
        commitments = self.commitments()
        for q in others:
            sender, receiver = (q, p) if towards else (p, q)
            ev = self.negotiator.propose(self.model, sender, receiver, commitments)
            if ev is not None:
                found.append((-(float(ev.give @ price + ev.ask @ price)), q, ev))
        found.sort(key=lambda item: (item[0], item[1]))
        return [(q, ev) for _, q, ev in found[:count]]

    def _sign(self, offer: Offer) -> Agreement:
        start = self.step + 1
        agreement = Agreement(
            len(self.agreements) + 1,
            offer.id,
            self.round,
            offer.sender,
            offer.receiver,
            offer.give.copy(),
            offer.ask.copy(),
            start,
            start + offer.steps,
            offer.commitment,
        )
        self.agreements.append(agreement)
        self.delivery.add(agreement)
        s = self.model.state
        self.model.log_event(
            "game_agreement",
            a=str(s.names[offer.sender]),
            b=str(s.names[offer.receiver]),
            years_fr=texts.years(round(offer.years, 2), "fr"),
            years_en=texts.years(round(offer.years, 2), "en"),
            step=start,
        )
        return agreement

    # ------------------------------------------------------------------ records
    def _snapshot(self) -> None:
        s = self.model.state
        h = self.history
        h["step"].append(self.step)
        h["satisfaction"].append(
            s.satisfaction_mean.copy() if self.step > 0 else np.full(s.n, np.nan)
        )
        h["reserve"].append(s.reserve.copy())
        h["fiscal_health"].append(s.fiscal_health.copy())
        h["trust"].append(s.sum_by_origin(s.trust) / s.degree)

    def territory_series(self, name: str) -> np.ndarray:
        """Per-territory history, ``(steps + 1, N)``; row 0 is the start.

        Args:
            name: ``satisfaction``, ``reserve``, ``fiscal_health`` or ``trust`` (mean trust of
                a territory in its partners).
        """
        return np.array(self.history[name])

    @property
    def series(self) -> pd.DataFrame:
        """The model's indicators, one row per month (see ODD 7.9)."""
        return self.model.recorder.series()

    def _round_summary(
        self, number: int, first: int, last: int, signed: list[int]
    ) -> dict[str, Any]:
        rows = [r for r in self.model.recorder.rows if first <= r["step"] <= last]
        end = rows[-1] if rows else {}
        history = self.model.shocks.history
        shocks = [h for h in history if first <= h["step"] <= last]
        resilience = []
        sat_series = [r["satisfaction"] for r in self.model.recorder.rows]
        for shock in shocks:
            k = shock["step"] - 1  # index of the shock's first step in the recorder rows
            # a shock is credited only with its own months: up to the next shock that starts
            # later (as in the run summary, ODD 7.9), and names the shocks it overlaps
            later = [h["step"] for h in history if h["step"] > shock["step"]]
            until = min([last, *(step - 1 for step in later)])
            before = sat_series[max(0, k - 3) : k]
            after = sat_series[k:until]
            if before and after:
                base = float(np.mean(before))
                resilience.append(
                    {
                        "shock": shock["shock"],
                        "step": shock["step"],
                        "last_step": until,
                        "with": [
                            h["shock"]
                            for h in history
                            if h is not shock and _overlaps(h, shock["step"], until)
                        ],
                        "before": base,
                        "lowest": float(min(after)),
                        "resistance": float(min(after)) / base if base > 0 else None,
                    }
                )
        return {
            "round": number,
            "first_step": first,
            "last_step": last,
            "agreements": signed,
            "satisfaction": end.get("satisfaction"),
            "satisfaction_urban": end.get("satisfaction_class_urban"),
            "satisfaction_rural": end.get("satisfaction_class_rural"),
            "urban_rural_gap": (
                end.get("satisfaction_class_urban", math.nan)
                - end.get("satisfaction_class_rural", math.nan)
            ),
            "gini": end.get("gini"),
            "trust_urban_rural": end.get("trust_urban_rural"),
            "reciprocity_balance": self.reciprocity_balance(),
            "shocks": [
                {
                    "shock": h["shock"],
                    "step": h["step"],
                    "magnitude": h["magnitude"],
                    "targets": h["targets"],
                }
                for h in shocks
            ],
            "resilience": resilience,
        }

    def reciprocity_balance(self) -> float | None:
        """Mean balance of what agreements delivered so far: ``min(V_ab, V_ba) / max(...)``."""
        price = self.model.state.price
        values = []
        for ag in self.agreements:
            ab, ba = float(ag.delivered_ab @ price), float(ag.delivered_ba @ price)
            if max(ab, ba) > 0:
                values.append(min(ab, ba) / max(ab, ba))
        return float(np.mean(values)) if values else None

    def round_summaries(self) -> list[dict[str, Any]]:
        """One summary per round played.

        Each has the indicators at the end of the round (satisfaction, urban-rural gap, Gini,
        urban-rural trust, balance of agreements), the shocks that started during the round and
        how far mean satisfaction fell (``resistance``: lowest value since the shock over the
        mean of the 3 months before).
        """
        return list(self.round_log)

    # ------------------------------------------------------------------ views
    def player_view(self, team: str) -> dict[str, Any]:
        """What a team sees (see :func:`terrisim.game.views.player_view`)."""
        from terrisim.game.views import player_view

        return player_view(self, team)

    def trainer_view(self) -> dict[str, Any]:
        """What the trainer sees (see :func:`terrisim.game.views.trainer_view`)."""
        from terrisim.game.views import trainer_view

        return trainer_view(self)

    def timeline(self) -> list[dict[str, Any]]:
        """The session told action by action (see :func:`terrisim.game.views.timeline`)."""
        from terrisim.game.views import timeline

        return timeline(self)

    def debrief(self, *, counterfactuals: bool = True) -> dict[str, Any]:
        """The debrief, with the counterfactual runs (see :func:`terrisim.game.debrief.debrief`).

        The result is cached until the next action.
        """
        from terrisim.game.debrief import debrief

        key = (self.version, counterfactuals)
        cached = getattr(self, "_debrief", None)
        if cached is None or cached[0] != key:
            self._debrief = (key, debrief(self, counterfactuals=counterfactuals))
        return self._debrief[1]

    # ------------------------------------------------------------------ save, load, replay
    def record(self) -> dict[str, Any]:
        """The session as JSON-ready data: header, action log and a fingerprint of the result."""
        import terrisim

        scenario = self.scenario.model_dump(mode="json")
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "terrisim": terrisim.__version__,
            "scenario": scenario,
            "base_dir": str(self.scenario.base_dir) if self.scenario.base_dir else None,
            "seed": self.seed,
            "players": [[team, self.territory_id(i)] for team, i in self.players.items()],
            "settings": {
                "rounds": self.rounds,
                "steps_per_round": self.steps_per_round,
                "epilogue_steps": self.epilogue_steps,
                "max_steps": self.max_steps,
                "negotiator": self.negotiator.params.model_dump(),
                "mode": self.mode,
            },
            "actions": [dict(a) for a in self.actions],
            "result": self.fingerprint(),
        }

    def fingerprint(self) -> dict[str, Any]:
        """Months run, rounds, agreements and a digest of the indicator series."""
        series = self.series
        digest = (
            hashlib.sha256(series.to_csv(index=False, float_format="%.10g").encode()).hexdigest()
            if len(series)
            else None
        )
        return {
            "step": self.step,
            "round": self.round,
            "finished": self.finished,
            "agreements": len(self.agreements),
            "offers": len(self.offers),
            "series_sha256": digest,
        }

    def save(self, path: str | Path) -> Path:
        """Write the session to a JSON file (see :meth:`record`); returns the path."""
        path = Path(path)
        path.write_text(
            json.dumps(self.record(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        return path

    @classmethod
    def from_record(
        cls,
        record: Mapping[str, Any],
        *,
        verify: bool = True,
        mode: str | None = None,
        actions: bool = True,
    ) -> GameSession:
        """Rebuild a session from :meth:`record` data by replaying its actions.

        Args:
            record: The data.
            verify: Check the replayed result against the record's fingerprint.
            mode: Replay in another mode (counterfactuals): only shocks and round ends are
                replayed then.
            actions: Replay the actions (``False``: the session as it started).

        Raises:
            GameError: ``bad_file`` (malformed data), ``replay_mismatch`` (the replay differs
                from the recorded result, e.g. after a change of the model's code).
        """
        if not isinstance(record, Mapping) or record.get("format") != FORMAT:
            raise GameError(
                "bad_file",
                detail=texts._(f"ce n'est pas un fichier {FORMAT}", f"not a {FORMAT} file"),
            )
        if record.get("format_version") != FORMAT_VERSION:
            version = f"format_version {record.get('format_version')!r}"
            raise GameError(
                "bad_file",
                detail=texts._(
                    f"{version} (attendu : {FORMAT_VERSION})",
                    f"{version} (expected {FORMAT_VERSION})",
                ),
            )
        try:
            saved = SavedGame.model_validate(record)
        except ValidationError as exc:
            raise GameError("bad_file", detail=field_error(exc)) from None
        try:
            scenario = Scenario.model_validate(saved.scenario)
        except ValidationError as exc:
            raise GameError("bad_file", detail=field_error(exc, "scenario")) from None
        if saved.base_dir:
            scenario.base_dir = Path(saved.base_dir)
        settings = saved.settings
        session = cls(
            scenario,
            saved.players,
            seed=saved.seed,
            rounds=settings.rounds,
            steps_per_round=settings.steps_per_round,
            epilogue_years=settings.epilogue_steps / 12,
            max_years=settings.max_steps / 12,
            negotiator=settings.negotiator,
            mode=mode or settings.mode,
        )
        log = saved.actions
        if not actions:
            return session
        session.snapshots.enabled = False  # a replay keeps no state for the undo
        for number, action in enumerate(log, start=1):
            if (
                mode is not None
                and mode != "players"
                and action.get("type") not in ("shock", "end_round")
            ):
                continue
            try:
                session.apply(action)
            except GameError as exc:
                raise GameError(
                    "bad_file",
                    detail=texts._(
                        f"action {number} : {exc.text['fr']}", f"action {number}: {exc.text['en']}"
                    ),
                ) from None
        session.snapshots.enabled = True
        if verify and mode is None and saved.result:
            expected, got = saved.result, session.fingerprint()
            diff = [k for k in expected if expected[k] != got.get(k)]
            if diff:
                raise GameError("replay_mismatch", detail=", ".join(diff))
        return session

    @classmethod
    def load(cls, path: str | Path, *, verify: bool = True) -> GameSession:
        """Read a saved session and replay it (see :meth:`from_record`)."""
        path = Path(path)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GameError("bad_file", detail=f"{path}: {exc}") from None
        return cls.from_record(record, verify=verify)

    def replay(self, *, upto: int | None = None) -> GameSession:
        """A new session replaying this one's actions (the first ``upto`` if given)."""
        record = self.record()
        if upto is not None:
            record["actions"] = record["actions"][:upto]
            record["result"] = None
        return GameSession.from_record(record)

    def counterfactual(self, mode: str) -> GameSession:
        """The same scenario, seed, rounds and shocks, played another way.

        Args:
            mode: ``"agents"`` (agents play the teams' territories) or ``"none"`` (no game
                agreement at all).
        """
        return GameSession.from_record(self.record(), mode=mode)


def _fmt(value: float) -> float:
    """A quantity for messages: 3 significant digits (written per language by the texts)."""
    return float(f"{value:.3g}")
