"""The baskets game: teams play territories and negotiate reciprocal baskets (issue 9).

A script or a notebook plays it through :class:`GameSession`; the trainers' web page is one
client of the same API (:mod:`terrisim.game.web`). See ``docs/game.md``.

Example::

    from terrisim.game import GameSession
    game = GameSession("configs/demo.toml", players={"Équipe A": "T00", "Équipe B": "T08"})
    view = game.player_view("Équipe A")
    offer = game.offer("Équipe A", to="T08", give={"health": 20}, ask={"food": 15}, years=2)
    print(offer.status, offer.answer.reasons[0]["text"]["fr"])
    game.end_round()
    report = game.debrief()
"""

from terrisim import texts
from terrisim.game.debrief import compare_negotiators
from terrisim.game.errors import GameError
from terrisim.game.negotiator import AgentNegotiator, NegotiatorParams
from terrisim.game.offers import Agreement, Answer, Offer
from terrisim.game.session import GameSession

texts.add_template(
    "game_agreement",
    "{a} et {b} signent un contrat de réciprocité ({years_fr}).",
    "{a} and {b} sign a reciprocity contract ({years_en}).",
)

__all__ = [
    "AgentNegotiator",
    "Agreement",
    "Answer",
    "GameError",
    "GameSession",
    "NegotiatorParams",
    "Offer",
    "compare_negotiators",
]
