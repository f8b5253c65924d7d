"""The debrief: what was agreed, how balanced it was, and how each territory fared.

Each territory is compared with the same scenario played without agreements and by the agents
alone.

Three runs share the scenario, the seed, the rounds and every shock (scheduled by the scenario
and triggered by the trainer, at the same months):

* ``game``: the session as played;
* ``agents``: the teams' territories negotiated by agents (:data:`~terrisim.game.session.MODES`
  ``"agents"``), the other territories unchanged: what the model's own negotiators would have
  done in the teams' place;
* ``none``: no game agreement at all (only the scenario's ad hoc deals and institutions).

Indicators (docs/game.md): mean satisfaction over the months played and at the end, by class
(urban, rural) and their gap, Gini of satisfaction, urban-rural trust, the value delivered by
game agreements, and the resilience of mean satisfaction to each shock (resistance, recovery
time, resilience loss, overall and for urban and rural territories:
:func:`terrisim.summary.shock_resilience`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from terrisim.game.views import (
    agreement_view,
    clean,
    shocks_view,
    territory_card,
    timeline,
)
from terrisim.summary import shock_resilience
from terrisim.texts import number

if TYPE_CHECKING:
    from terrisim.game.session import GameSession

RUNS = ("game", "agents", "none")
RUN_NAMES = {
    "game": {"fr": "la partie jouée", "en": "the game as played"},
    "agents": {"fr": "les agents seuls", "en": "the agents alone"},
    "none": {"fr": "sans accord", "en": "no agreements"},
}


def run_summary(session: GameSession) -> dict[str, Any]:
    """The indicators of one run (see the module docstring)."""
    series = session.series
    statuses = Counter(o.status for o in session.offers)
    if series.empty:  # no month run yet: only what was negotiated
        return {
            "steps": 0,
            "agreements": len(session.agreements),
            "agreements_value_delivered": 0.0,
            "offers": len(session.offers),
            "offers_by_status": dict(statuses),
            "resilience": [],
        }
    last = series.iloc[-1]
    resilience = shock_resilience(series, session.model.shocks.history)
    price = session.model.state.price
    delivered = sum(float((ag.delivered_ab + ag.delivered_ba) @ price) for ag in session.agreements)
    reasons = Counter(
        r["code"]
        for o in session.offers
        if o.answer and o.answer.by is None
        for r in o.answer.reasons
    )
    return clean(
        {
            "steps": int(last["step"]),
            "satisfaction_mean": float(series["satisfaction"].mean()),
            "satisfaction_final": float(last["satisfaction"]),
            "satisfaction_urban_final": float(last["satisfaction_class_urban"]),
            "satisfaction_rural_final": float(last["satisfaction_class_rural"]),
            "urban_rural_gap_final": float(
                last["satisfaction_class_urban"] - last["satisfaction_class_rural"]
            ),
            "urban_rural_gap_mean": float(
                (series["satisfaction_class_urban"] - series["satisfaction_class_rural"]).mean()
            ),
            "gini_final": float(last["gini"]),
            "trust_urban_rural_final": float(last.get("trust_urban_rural", math.nan)),
            "trust_final": float(last.get("trust", math.nan)),
            "agreements": len(session.agreements),
            "agreements_value_delivered": delivered,
            "reciprocity_balance": session.reciprocity_balance(),
            "offers": len(session.offers),
            "offers_by_status": dict(statuses),
            "agent_reasons": dict(reasons),
            "resilience": resilience,
        }
    )


def _territory_rows(runs: dict[str, GameSession]) -> list[dict[str, Any]]:
    game = runs["game"]
    n = game.model.state.n
    order = list(game.players.values()) + [i for i in range(n) if i not in game.teams]
    rows = []
    first_shock = min((h["step"] for h in game.model.shocks.history), default=None)
    for i in order:
        row: dict[str, Any] = territory_card(game, i)
        for key in ("satisfaction_mean", "satisfaction_final", "lowest_after_shock"):
            row[key] = {}
        for name, run in runs.items():
            sat = run.territory_series("satisfaction")[1:, i]
            if sat.size == 0:
                continue
            row["satisfaction_mean"][name] = float(np.mean(sat))
            row["satisfaction_final"][name] = float(sat[-1])
            if first_shock is not None and first_shock - 1 < sat.size:
                row["lowest_after_shock"][name] = float(np.min(sat[first_shock - 1 :]))
        rows.append(row)
    return clean(rows)


def _headlines(runs: dict[str, GameSession], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One sentence per team: its mean satisfaction in the three runs."""
    out = []
    for row in rows:
        if not row.get("team"):
            continue
        mean = row["satisfaction_mean"]
        if not {"game", "none"} <= set(mean):
            continue
        text = {}
        for lang in ("fr", "en"):
            pct = {k: number(100 * v, lang, 3) + " %" for k, v in mean.items()}
            if lang == "fr":
                line = (
                    f"{row['team']} ({row['name']}) : besoins satisfaits en moyenne à "
                    f"{pct['game']} dans la partie, contre {pct['none']} sans accord"
                )
                if "agents" in pct:
                    line += f" et {pct['agents']} avec les agents seuls"
            else:
                line = (
                    f"{row['team']} ({row['name']}): needs met on average at {pct['game']} "
                    f"in the game, against {pct['none']} with no agreements"
                )
                if "agents" in pct:
                    line += f" and {pct['agents']} with the agents alone"
            text[lang] = line + "."
        out.append(
            {
                "team": row["team"],
                "text": text,
                "gain_vs_none": mean["game"] - mean["none"],
                "gain_vs_agents": (mean["game"] - mean["agents"]) if "agents" in mean else None,
            }
        )
    return clean(out)


def _series(runs: dict[str, GameSession]) -> dict[str, Any]:
    game = runs["game"]
    out: dict[str, Any] = {"step": [int(r["step"]) for r in game.model.recorder.rows]}
    for column in ("satisfaction", "trust_urban_rural", "gini"):
        out[column] = {
            name: [r.get(column, math.nan) for r in run.model.recorder.rows]
            for name, run in runs.items()
        }
    out["urban_rural_gap"] = {
        name: [
            r["satisfaction_class_urban"] - r["satisfaction_class_rural"]
            for r in run.model.recorder.rows
        ]
        for name, run in runs.items()
    }
    out["teams"] = {
        team: {
            name: run.territory_series("satisfaction")[1:, i].tolist() for name, run in runs.items()
        }
        for team, i in game.players.items()
    }
    return clean(out)


def debrief(session: GameSession, *, counterfactuals: bool = True) -> dict[str, Any]:
    """The debrief of a session (JSON-ready).

    Args:
        session: The game as played (finished or not: the counterfactual runs stop at the same
            month).
        counterfactuals: Also run the ``agents`` and ``none`` runs (a few times the cost of
            the game's own months).

    Returns:
        ``{"scenario", "seed", "step", "finished", "teams", "agreements" (with balances and
        deliveries), "runs": {run: indicators}, "territories": [per territory and run: mean,
        final and lowest satisfaction after the first shock], "headlines": [a sentence per
        team], "series": {month by month, per run}, "shocks", "rounds", "timeline" (the
        replay, action by action), "agents_agreements" (what the agents signed instead)}``.
    """
    runs: dict[str, GameSession] = {"game": session}
    if counterfactuals:
        runs["agents"] = session.counterfactual("agents")
        runs["none"] = session.counterfactual("none")
    rows = _territory_rows(runs)
    out = {
        "scenario": session.scenario.name,
        "seed": session.seed,
        "step": session.step,
        "round": session.round,
        "rounds": session.rounds,
        "finished": session.finished,
        "steps_per_round": session.steps_per_round,
        "teams": [{"team": t, **territory_card(session, i)} for t, i in session.players.items()],
        "run_names": RUN_NAMES,
        "agreements": [agreement_view(session, ag) for ag in session.agreements],
        "runs": {name: run_summary(run) for name, run in runs.items()},
        "territories": rows,
        "headlines": _headlines(runs, rows),
        "series": _series(runs),
        "shocks": shocks_view(session),
        "rounds_summary": clean(session.round_summaries()),
        "timeline": timeline(session),
    }
    if "agents" in runs:
        out["agents_agreements"] = [
            agreement_view(runs["agents"], ag) for ag in runs["agents"].agreements
        ]
    return out


def compare_negotiators(sessions: Iterable[GameSession | str | Path]) -> pd.DataFrame:
    """Teams against agents and against no agreement, over several played sessions.

    For researchers who collect saved games (from training days, or from scripted players):
    one row per team of each session, from its debrief (three runs on the same scenario, seed
    and shocks, see the module docstring).

    Args:
        sessions: :class:`~terrisim.game.session.GameSession` objects or paths of saved games
            (each is reloaded and replayed, see :meth:`GameSession.load`).

    Returns:
        Columns ``session`` (the file name, or the position in ``sessions``), ``scenario``,
        ``seed``, ``step`` (months played), ``team``, ``territory``, ``kind``, ``urban``,
        ``satisfaction_game``, ``satisfaction_agents``, ``satisfaction_none`` (mean needs met
        of the team's territory over the months played in each run), ``gain_vs_agents``,
        ``gain_vs_none`` (the differences), ``agreements_game``, ``agreements_agents`` (the
        territory's agreements in each run) and ``balance_agreed`` (mean balance of the
        baskets it signed in the game, ``min(V_ab, V_ba) / max(V_ab, V_ba)``).

    Raises:
        GameError: a file that cannot be read or replayed (``bad_file``, ``replay_mismatch``).
    """
    from terrisim.game.session import GameSession

    rows = []
    for position, item in enumerate(sessions):
        if isinstance(item, GameSession):
            session, label = item, str(position)
        else:
            session, label = GameSession.load(item), Path(item).name
        report = session.debrief()
        by_id = {row["id"]: row for row in report["territories"]}
        for team, i in session.players.items():
            row = by_id[session.territory_id(i)]
            mean = row["satisfaction_mean"]
            signed = [
                ag for ag in report["agreements"] if team in (ag["a"]["team"], ag["b"]["team"])
            ]
            balances = [ag["balance_agreed"] for ag in signed if ag["balance_agreed"] is not None]
            game_mean, agents_mean, none_mean = (
                mean.get(k, math.nan) for k in ("game", "agents", "none")
            )
            rows.append(
                {
                    "session": label,
                    "scenario": report["scenario"],
                    "seed": report["seed"],
                    "step": report["step"],
                    "team": team,
                    "territory": row["id"],
                    "kind": row["kind"],
                    "urban": row["urban"],
                    "satisfaction_game": game_mean,
                    "satisfaction_agents": agents_mean,
                    "satisfaction_none": none_mean,
                    "gain_vs_agents": game_mean - agents_mean,
                    "gain_vs_none": game_mean - none_mean,
                    "agreements_game": len(signed),
                    "agreements_agents": sum(
                        1
                        for ag in report["agents_agreements"]
                        if row["id"] in (ag["a"]["id"], ag["b"]["id"])
                    ),
                    "balance_agreed": float(np.mean(balances)) if balances else math.nan,
                }
            )
    return pd.DataFrame(rows)
