"""Time the trainer's undo (``POST /api/game/{id}/undo``) on a large game with many rounds.

Plays a game of ``--teams`` teams on ``--scenario`` for ``--rounds`` rounds of
``--months`` months: each round every team offers a basket to a partner (half of what it has
free of its most plentiful good, against what the partner has free of another good) and
answers the offers it received (accepts every other one), then the round is closed; the
trainer triggers a drought as the last round opens. Then it times, ``--repeat`` times each, what the undo route does
(:meth:`~terrisim.game.session.GameSession.undone`) for the last round's close and for that
shock, and prints the median and worst time, with the game's size (territories, months,
actions, offers, agreements); then the size and time of the state kept before each undoable
action (:mod:`terrisim.game.undo`), and the undo of the same game rebuilt from its log (after
a server restart: no state kept, the log is replayed).

    .venv/bin/python benchmarks/bench_game_undo.py
    .venv/bin/python benchmarks/bench_game_undo.py --scenario configs/france_scale.toml
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time
from pathlib import Path

import numpy as np

from terrisim.game.errors import GameError
from terrisim.game.session import GameSession
from terrisim.game.undo import BUDGET_BYTES, Snapshots
from terrisim.model import TerriModel
from terrisim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def offer_round(game: GameSession) -> None:
    """Every team offers one basket to a partner and answers what it received."""
    model, s = game.model, game.model.state
    free = game.negotiator.free(model, game.commitments())
    for team, i in game.players.items():
        partners = game.partners(i)
        if not partners:
            continue
        q = partners[game.round % len(partners)]
        give = int(np.argmax(free[i]))
        ask = int(np.argmax(np.where(np.arange(len(s.goods)) == give, -1.0, free[q])))
        if free[i, give] <= 0 or free[q, ask] <= 0:
            continue
        try:
            game.offer(
                team,
                game.territory_id(q),
                give={s.goods[give]: round(0.5 * float(free[i, give]), 3)},
                ask={s.goods[ask]: round(0.5 * float(free[q, ask]), 3)},
                years=2,
                round=game.round,
            )
        except GameError:  # a basket the rules refuse (capacity, engineering): no offer
            continue
    for team, i in game.players.items():
        received = [o for o in game.offers if o.receiver == i and o.status == "open"]
        for n, offer in enumerate(received):
            try:
                game.respond(team, offer.id, "accept" if n % 2 == 0 else "refuse")
            except GameError:
                continue


def play(scenario: Path, teams: int, rounds: int, months: int) -> GameSession:
    """The game: ``rounds`` rounds of offers; a drought triggered in the last one."""
    s = TerriModel(load_scenario(scenario), record_territories=False).state
    urban = [i for i in range(s.n) if s.urban[i]]
    rural = [i for i in range(s.n) if not s.urban[i]]
    chosen = (urban[: teams // 2] + rural)[:teams]
    players = {f"Équipe {n + 1}": str(s.ids[i]) for n, i in enumerate(chosen)}
    game = GameSession(
        scenario,
        players,
        rounds=rounds,
        steps_per_round=months,
        max_years=rounds * months / 12 + 1,
    )
    for _ in range(rounds - 1):
        offer_round(game)
        game.end_round(round=game.round)
    game.trigger_shock("drought", round=game.round)  # at the start of the last round
    return game


def timed_undo(game: GameSession, repeat: int) -> list[float]:
    """Seconds of ``game.undone()``, ``repeat`` times."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        game.undone()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "benchmarks" / "game_400.toml")
    parser.add_argument("--teams", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--months", type=int, default=12, help="months simulated per round")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    game = play(args.scenario, args.teams, args.rounds, args.months)
    played = time.perf_counter() - started
    shock = timed_undo(game, args.repeat)
    before_shock = game.undone()  # the last round's close is now the last action
    close = timed_undo(before_shock, args.repeat)
    print(
        f"{args.scenario.name}: {game.model.state.n} territories, {len(game.players)} teams, "
        f"{game.round} rounds, {game.step} months, {len(game.actions)} actions, "
        f"{len(game.offers)} offers, {len(game.agreements)} agreements; played in {played:.1f} s"
    )
    for what, times in (("the shock", shock), (f"round {before_shock.round - 1}'s close", close)):
        print(
            f"undo {what}: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
            f"({len(times)} times)"
        )
    kept, game.snapshots = game.snapshots, Snapshots()  # the state alone, as keep() takes it
    started = time.perf_counter()
    blob = pickle.dumps(game, protocol=pickle.HIGHEST_PROTOCOL)
    took = time.perf_counter() - started
    game.snapshots = kept
    print(
        f"the state kept before each shock or close: {len(blob) / 2**20:.0f} MB, pickled in "
        f"{took:.2f} s ({'kept' if len(blob) <= BUDGET_BYTES else 'too large: not kept'}, "
        f"budget {BUDGET_BYTES / 2**20:.0f} MB)"
    )
    rebuilt = GameSession.from_record(game.record())  # as after a restart: no state kept
    replay = timed_undo(rebuilt, 1)
    print(f"undo the shock of a game rebuilt from its log (a replay): {replay[0]:.2f} s")


if __name__ == "__main__":
    main()
