"""What each participant sees: JSON-ready views of a game session.

* :func:`player_view`: a team's territory (needs, production, surpluses, what it lacks, budget),
  its partners, the offers it received and made, its agreements and how they were delivered;
* :func:`trainer_view`: every team, every offer and agreement, the room's indicators and the
  round summaries;
* :func:`agreement_view` and :func:`timeline`: an agreement with its balance and deliveries,
  and the session told action by action in French and English (the debrief's replay).

Numbers are per month (one step) and in units of each good; values are in k EUR at the
scenario's reference prices. Floats are rounded and NaN becomes ``None`` (valid JSON).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from terrisim.game.negotiator import arc_between
from terrisim.game.offers import OPEN, Offer, basket_dict
from terrisim.texts import SHOCKS, TIMELINE, basket_text, render

if TYPE_CHECKING:
    from terrisim.game.offers import Agreement
    from terrisim.game.session import GameSession

MAX_EVENTS = 40


def clean(value: Any, digits: int = 4) -> Any:
    """JSON-safe: floats rounded, NaN and infinities as ``None``, arrays as lists."""
    if isinstance(value, dict):
        return {k: clean(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist(), digits)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return round(v, digits) if math.isfinite(v) else None
    return value


def territory_card(session: GameSession, i: int) -> dict[str, Any]:
    """Id, name, kind, urban, population and the team playing it (or ``None``)."""
    s = session.model.state
    return {
        "id": str(s.ids[i]),
        "name": str(s.names[i]),
        "kind": s.kinds[s.kind[i]],
        "urban": bool(s.urban[i]),
        "population": float(s.population[i]),
        "team": session.teams.get(i),
    }


def offer_view(session: GameSession, offer: Offer) -> dict[str, Any]:
    """An offer as JSON (see :meth:`terrisim.game.offers.Offer.as_dict`)."""
    s = session.model.state
    return clean(offer.as_dict(s.goods, s.ids, s.names, s.price))


def agreement_view(session: GameSession, ag: Agreement) -> dict[str, Any]:
    """An agreement: terms, status, deliveries so far and balances.

    ``balance_agreed`` is ``min(V_ab, V_ba) / max(V_ab, V_ba)`` of the signed baskets at
    reference prices (1: even); ``balance_delivered`` the same on what was delivered;
    ``perceived_a`` is what ``a`` perceives it receives over what it gives, with its
    representation bias (``(1 - bias(a -> b)) V_ba / V_ab``), and likewise ``perceived_b``;
    ``delivery_ab`` the share of the value promised by ``a`` that it delivered so far.
    """
    s = session.model.state
    price = s.price
    v_ab, v_ba = float(ag.give_ab @ price), float(ag.give_ba @ price)
    d_ab, d_ba = float(ag.delivered_ab @ price), float(ag.delivered_ba @ price)
    p_ab, p_ba = float(ag.promised_ab @ price), float(ag.promised_ba @ price)
    status = "pending" if ag.steps_done == 0 else "active" if session.step + 1 < ag.end else "ended"
    bias_ab = _bias(session, ag.a, ag.b)
    bias_ba = _bias(session, ag.b, ag.a)

    def ratio(x: float, y: float) -> float | None:
        return x / y if y > 0 else None

    return clean(
        {
            "id": ag.id,
            "offer": ag.offer,
            "round": ag.round,
            "status": status,
            "a": territory_card(session, ag.a),
            "b": territory_card(session, ag.b),
            "give_ab": basket_dict(s.goods, ag.give_ab),
            "give_ba": basket_dict(s.goods, ag.give_ba),
            "value_ab": v_ab,
            "value_ba": v_ba,
            "start": ag.start,
            "end": ag.end,
            "years": (ag.end - ag.start) / 12,
            "commitment": ag.commitment,
            "steps_done": ag.steps_done,
            "balance_agreed": ratio(min(v_ab, v_ba), max(v_ab, v_ba)),
            "perceived_a": ratio((1 - bias_ab) * v_ba, v_ab),
            "perceived_b": ratio((1 - bias_ba) * v_ab, v_ba),
            "delivered_ab": basket_dict(s.goods, ag.delivered_ab),
            "delivered_ba": basket_dict(s.goods, ag.delivered_ba),
            "delivered_value_ab": d_ab,
            "delivered_value_ba": d_ba,
            "delivery_ab": ratio(d_ab, p_ab),
            "delivery_ba": ratio(d_ba, p_ba),
            "balance_delivered": ratio(min(d_ab, d_ba), max(d_ab, d_ba)),
            "shortfall_steps": ag.shortfall_steps,
        }
    )


def _bias(session: GameSession, a: int, b: int) -> float:
    s = session.model.state
    arc = arc_between(s, a, b)
    return 0.0 if arc is None else float(s.bias[arc])


def _trust(session: GameSession, a: int, b: int) -> float | None:
    s = session.model.state
    arc = arc_between(s, a, b)
    return None if arc is None else float(s.trust[arc])


def _common(session: GameSession) -> dict[str, Any]:
    return {
        "round": session.round,
        "rounds": session.rounds,
        "finished": session.finished,
        "version": session.version,
        "step": session.step,
        "steps_per_round": session.steps_per_round,
        "total_steps": session.total_steps,
        "scenario": session.scenario.name,
        "seed": session.seed,
        "goods_prices": [
            {"id": g, "price": float(p)}
            for g, p in zip(session.goods, session.model.state.price, strict=True)
        ],
        "teams": [
            {"team": team, **territory_card(session, i)} for team, i in session.players.items()
        ],
    }


def player_view(session: GameSession, team: str) -> dict[str, Any]:
    """What a team sees: its territory, partners, offers, agreements and history.

    Raises:
        GameError: ``unknown_player``.
    """
    from terrisim.game.errors import GameError

    if team not in session.players:
        raise GameError("unknown_player", player=team, allowed=", ".join(session.players))
    i = session.players[team]
    model, s = session.model, session.model.state
    neg = session.negotiator
    commitments = session.commitments()
    production = neg.production(model)
    need = s.effective_need
    free = neg.free(model, commitments)
    lack = neg.lack(model, commitments)
    goods = []
    for g, good in enumerate(s.goods):
        goods.append(
            {
                "id": good,
                "price": s.price[g],
                "need": need[i, g],
                "production": production[i, g],
                "capacity": s.capacity[i, g],
                "stock": s.stock[i, g],
                "surplus": max(production[i, g] - need[i, g], 0.0),
                "lack": max(need[i, g] - production[i, g], 0.0),
                "free": free[i, g],
                "still_lacking": lack[i, g],
                "promised": commitments.out[i, g],
                "expected": commitments.into[i, g],
                "satisfaction": s.satisfaction[i, g] if session.step > 0 else None,
            }
        )
    revenue = s.fiscal_base[i] + s.grant[i] * s.grant_factor[i]
    partners = []
    for q in session.partners(i):
        hits = np.flatnonzero((s.src == min(i, q)) & (s.dst == max(i, q)))
        partners.append(
            {
                **territory_card(session, q),
                "distance_km": float(s.distance[hits[0]]) if hits.size else None,
                "trust_mine": _trust(session, i, q),
                "trust_theirs": _trust(session, q, i),
                "can_offer": basket_dict(s.goods, free[q], 2),
                "lacks": basket_dict(s.goods, lack[q], 2),
                "capacity": basket_dict(s.goods, s.capacity[q], 2),
            }
        )
    mine = [o for o in session.offers if i in (o.sender, o.receiver)]
    hist = session.history
    return clean(
        {
            **_common(session),
            "team": team,
            "territory": territory_card(session, i),
            "satisfaction": float(s.satisfaction_mean[i]) if session.step > 0 else None,
            "goods": goods,
            "budget": {
                "reserve": s.reserve[i],
                "fiscal_health": s.fiscal_health[i],
                "revenue": revenue,
                "spending": s.spending[i],
            },
            "engineering": {
                "capacity": s.engineering[i] * model.config.exchange.engineering_scale,
                "used_by_agreements": commitments.value[i],
            },
            "history": {
                "step": hist["step"],
                "satisfaction": [row[i] for row in hist["satisfaction"]],
                "reserve": [row[i] for row in hist["reserve"]],
                "trust": [row[i] for row in hist["trust"]],
            },
            "partners": partners,
            "offers_received": [
                offer_view(session, o) for o in mine if o.receiver == i and o.status == OPEN
            ],
            "offers": [offer_view(session, o) for o in reversed(mine)],
            "agreements": [
                agreement_view(session, ag) for ag in session.agreements if i in (ag.a, ag.b)
            ],
            "rounds_summary": session.round_summaries(),
            "events": _events(session),
        }
    )


def _events(session: GameSession) -> list[dict[str, Any]]:
    return [
        {
            "step": int(e.get("step", 0)),
            "kind": str(e.get("kind", "")),
            "text": {"fr": str(e.get("text_fr", "")), "en": str(e.get("text_en", ""))},
        }
        for e in session.model.events[-MAX_EVENTS:]
    ]


def series_view(session: GameSession) -> dict[str, Any]:
    """The room's indicators month by month (from the model's recorder)."""
    rows = session.model.recorder.rows
    # view key -> series column (the page's satisfaction_urban/_rural are the classes)
    columns = {
        "satisfaction": "satisfaction",
        "satisfaction_urban": "satisfaction_class_urban",
        "satisfaction_rural": "satisfaction_class_rural",
        "satisfaction_min": "satisfaction_min",
        "gini": "gini",
        "trust": "trust",
        "trust_urban_rural": "trust_urban_rural",
        "volume_value": "volume_value",
    }
    out: dict[str, Any] = {"step": [r["step"] for r in rows]}
    for key, c in columns.items():
        out[key] = [r.get(c, math.nan) for r in rows]
    out["urban_rural_gap"] = [
        r.get("satisfaction_class_urban", math.nan) - r.get("satisfaction_class_rural", math.nan)
        for r in rows
    ]
    out["volume_value_game"] = [r.get("volume_value_game", 0.0) for r in rows]
    return out


def shocks_view(session: GameSession) -> list[dict[str, Any]]:
    """Every shock started so far: first and last month affected, kind, strength, targets."""
    return clean(
        [
            {
                "step": int(h["step"]),
                "last_step": h.get("last_step"),
                "kind": str(h["shock"]),
                "magnitude": float(h["magnitude"]),
                "targets": str(h["targets"]),
                "source": str(h["source"]),
            }
            for h in session.model.shocks.history
        ]
    )


def trainer_view(session: GameSession) -> dict[str, Any]:
    """What the trainer sees: the teams, every offer and agreement, indicators and rounds."""
    s = session.model.state
    teams = []
    for team, i in session.players.items():
        teams.append(
            {
                "team": team,
                **territory_card(session, i),
                "satisfaction": float(s.satisfaction_mean[i]) if session.step > 0 else None,
                "reserve": s.reserve[i],
                "offers_open": sum(
                    1 for o in session.offers if o.receiver == i and o.status == OPEN
                ),
                "offers_made": sum(
                    1 for o in session.offers if o.by == team and o.round == session.round
                ),
                "agreements": sum(1 for ag in session.agreements if i in (ag.a, ag.b)),
            }
        )
    return clean(
        {
            **_common(session),
            "teams": teams,
            "offers": [offer_view(session, o) for o in reversed(session.offers)],
            "agreements": [agreement_view(session, ag) for ag in session.agreements],
            "rounds_summary": session.round_summaries(),
            "series": series_view(session),
            "shocks": shocks_view(session),
            "events": _events(session),
        }
    )


def _who(session: GameSession, team: str | None, i: int, lang: str) -> str:
    name = str(session.model.state.names[i])
    if team:
        return render(TIMELINE, "team", lang, {"team": team, "name": name})
    return render(TIMELINE, "agent", lang, {"name": name})


def _offer_sentence(session: GameSession, offer: Offer, lang: str) -> str:
    s = session.model.state
    return render(
        TIMELINE,
        "offer",
        lang,
        {
            "sender": _who(session, offer.by, offer.sender, lang),
            "receiver": str(s.names[offer.receiver]),
            "give": basket_text(basket_dict(s.goods, offer.give), lang),
            "ask": basket_text(basket_dict(s.goods, offer.ask), lang),
            "years": offer.years,
            "commitment": f"{offer.commitment:.0%}",
        },
    )


def _answer_sentence(session: GameSession, offer: Offer, lang: str) -> str | None:
    if offer.answer is None:
        if offer.status == "expired":
            return render(TIMELINE, "expired", lang, {"offer": offer.id})
        return None
    who = _who(session, offer.answer.by, offer.receiver, lang)
    text = render(TIMELINE, offer.answer.decision, lang, {"who": who, "offer": offer.id})
    reasons = [r["text"][lang] for r in offer.answer.reasons if r["code"] != "player"]
    return text + (f" ({'; '.join(reasons)})" if reasons else "")


def timeline(session: GameSession) -> list[dict[str, Any]]:
    """The session told action by action (the debrief's replay).

    Returns ``[{"index", "round", "step", "type", "text": {"fr", "en"}, "offers": [...]}]``;
    index 0 is the opening (agents' first proposals). ``step`` is the month the game is at
    *after* the action: an end of round moves it on by the months the round ran (the last one
    to the end of the game, epilogue included), so the replay goes to the end. Each entry lists the offers that the action created (a team's offer, an agent's counter,
    agents' proposals at the opening of a round) with their answers.
    """
    entries = []
    by_action: dict[int, list[Offer]] = {}
    for offer in session.offers:
        by_action.setdefault(offer.action, []).append(offer)
    for index in range(len(session.actions) + 1):
        if index == 0:
            action: dict[str, Any] = {"type": "start", "round": 1}
            step = 0
        else:
            action = session.actions[index - 1]
            has_next = index < len(session.actions)
            step = session.action_steps[index] if has_next else session.step
        text = {}
        for lang in ("fr", "en"):
            text[lang] = _action_sentence(session, action, lang)
        offers = []
        for offer in by_action.get(index, []):
            offers.append(
                {
                    "id": offer.id,
                    "text": {
                        lang: " → ".join(
                            x
                            for x in (
                                _offer_sentence(session, offer, lang),
                                _answer_sentence(session, offer, lang),
                            )
                            if x
                        )
                        for lang in ("fr", "en")
                    },
                }
            )
        entries.append(
            {
                "index": index,
                "round": action.get("round", 1),
                "step": step,
                "type": action["type"],
                "text": text,
                "offers": offers,
            }
        )
    return entries


def journal(session: GameSession, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The game's log on the trainer's page: rounds closed, shocks, and what the trainer undid.

    Args:
        session: The game.
        rows: The trainer's rows of the stored log, in order (shocks, round closes, and undos
            ``{"type": "undo", "undone": action}``; see :func:`terrisim.game.web.trainer_rows`).

    Returns:
        ``[{"type", "round", "undone", "text": {"fr", "en"}}]`` in the order they happened,
        the first one the start of the game. An undo is an entry of its own (« Annulé par le
        formateur : Fin du tour 1 : 6 mois simulés »), and the action it undid stays where
        it was played, with ``undone`` true.
    """
    entries = [{"type": "start", "round": 1, "undone": False, "text": _sentences(session, None)}]
    in_force: list[dict[str, Any]] = []  # entries of the actions not undone, the last at the end
    for row in rows:
        if row["type"] == "undo":
            if in_force:  # the last action still in force: the one undone
                in_force.pop()["undone"] = True
            said = _sentences(session, row["undone"])
            text = {lang: render(TIMELINE, "undone", lang, {"action": said[lang]}) for lang in said}
            entries.append({**_entry(row["undone"]), "type": "undo", "undone": False, "text": text})
        else:
            entry = {**_entry(row), "undone": False, "text": _sentences(session, row)}
            entries.append(entry)
            in_force.append(entry)
    return entries


def _entry(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": action["type"], "round": action.get("round", 1)}


def _sentences(session: GameSession, action: dict[str, Any] | None) -> dict[str, str]:
    said = action if action is not None else {"type": "start", "round": 1}
    return {lang: _action_sentence(session, said, lang) for lang in ("fr", "en")}


def _action_sentence(session: GameSession, action: dict[str, Any], lang: str) -> str:
    kind = action["type"]
    if kind == "start":
        return "Début de la partie" if lang == "fr" else "The game starts"
    if kind == "shock":
        label = SHOCKS.get(action["kind"], {}).get(lang, action["kind"])
        return render(
            TIMELINE, "shock", lang, {"kind": label, "magnitude": f"{action['magnitude']:.0%}"}
        )
    if kind == "end_round":
        return render(
            TIMELINE,
            "end_round",
            lang,
            {"round": action["round"], "months": session.steps_per_round},
        )
    team = action.get("player")
    i = session.players.get(team, 0)
    who = _who(session, team, i, lang)
    if kind == "offer":
        return render(
            TIMELINE,
            "offer",
            lang,
            {
                "sender": who,
                "receiver": str(session.model.state.names[session._territory(action["to"])]),
                "give": basket_text(action["give"], lang),
                "ask": basket_text(action["ask"], lang),
                "years": action["steps"] / 12,
                "commitment": f"{action['commitment']:.0%}",
            },
        )
    if kind == "respond":
        return render(TIMELINE, action["decision"], lang, {"who": who, "offer": action["offer"]})
    return render(TIMELINE, kind, lang, {"who": who, "offer": action.get("offer")})
