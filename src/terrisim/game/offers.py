"""Offers and agreements of the baskets game: plain records, JSON-ready.

An **offer** is a basket proposed by one territory (the sender) to a linked partner (the
receiver): what the sender gives each month (``give``), what it asks in return each month
(``ask``), for how many months (``steps``) and with what political commitment (``commitment``,
0 to 1: how hard each side will try to deliver under stress). The receiver accepts, counters
(a new offer back, the original is then ``countered``) or refuses. An accepted offer becomes an
**agreement** (a reciprocity contract between the two territories) that starts at the next step
the model runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

OPEN, ACCEPTED, REFUSED, COUNTERED, WITHDRAWN, EXPIRED = (
    "open",
    "accepted",
    "refused",
    "countered",
    "withdrawn",
    "expired",
)
DECISIONS = ("accept", "counter", "refuse")


def basket_dict(goods: tuple[str, ...], values: np.ndarray, digits: int = 4) -> dict[str, float]:
    """``{good: quantity}`` for the non-zero quantities of a (G,) basket, rounded."""
    return {g: round(float(v), digits) for g, v in zip(goods, values, strict=True) if v > 0}


@dataclass
class Answer:
    """Why an offer was accepted, countered or refused.

    Attributes:
        decision: ``"accept"``, ``"counter"`` or ``"refuse"``.
        by: The team that answered, or ``None`` for an agent (the model's rules).
        reasons: ``[{"code", "text": {"fr", "en"}}]``, most important first.
        counter: The id of the counter-offer, if any.
    """

    decision: str
    by: str | None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    counter: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "decision": self.decision,
            "by": self.by,
            "reasons": self.reasons,
            "counter": self.counter,
        }


@dataclass
class Offer:
    """A basket proposed by ``sender`` to ``receiver`` (territory indices).

    Attributes:
        id: Number of the offer in the session (1, 2, ...).
        round: The round it was made in.
        sender, receiver: Territory indices.
        give: Units per month the sender gives, (G,).
        ask: Units per month the sender asks from the receiver, (G,).
        steps: Duration in months.
        commitment: Political commitment in [0, 1].
        by: The team that made it, or ``None`` for an agent.
        parent: The offer this one counters, if any.
        status: ``open``, ``accepted``, ``refused``, ``countered``, ``withdrawn``, ``expired``.
        answer: The answer, once given.
        note: The sender's explanation (agents' proposals say why), ``{"fr", "en"}`` or None.
        action: Number of the action that made it (0: the opening of the game).
        step: Months run when it was made.
    """

    id: int
    round: int
    sender: int
    receiver: int
    give: np.ndarray
    ask: np.ndarray
    steps: int
    commitment: float
    by: str | None = None
    parent: int | None = None
    status: str = OPEN
    answer: Answer | None = None
    note: dict[str, str] | None = None
    action: int = 0
    step: int = 0

    @property
    def years(self) -> float:
        """Duration in years."""
        return self.steps / 12.0

    def as_dict(
        self, goods: tuple[str, ...], ids: np.ndarray, names: np.ndarray, price: np.ndarray
    ) -> dict[str, Any]:
        """JSON form with territory ids and names, and the values at reference prices (k EUR)."""
        give_value, ask_value = float(self.give @ price), float(self.ask @ price)
        high = max(give_value, ask_value)
        return {
            "id": self.id,
            "round": self.round,
            "status": self.status,
            "from": str(ids[self.sender]),
            "from_name": str(names[self.sender]),
            "to": str(ids[self.receiver]),
            "to_name": str(names[self.receiver]),
            "give": basket_dict(goods, self.give),
            "ask": basket_dict(goods, self.ask),
            "steps": self.steps,
            "years": round(self.years, 3),
            "commitment": round(self.commitment, 3),
            "by": self.by,
            "parent": self.parent,
            "give_value": round(give_value, 3),
            "ask_value": round(ask_value, 3),
            "balance": round(min(give_value, ask_value) / high, 3) if high > 0 else None,
            "answer": self.answer.as_dict() if self.answer else None,
            "note": self.note,
            "action": self.action,
            "step": self.step,
        }


@dataclass
class Agreement:
    """A signed basket: ``a`` gives ``give_ab`` to ``b`` and ``b`` gives ``give_ba`` to ``a``.

    Attributes:
        id: Number of the agreement in the session.
        offer: The accepted offer.
        round: The round it was signed in.
        a, b: Territory indices (``a`` made the accepted offer).
        give_ab, give_ba: Units per month promised each way, (G,).
        start: First step of delivery; ``end``: first step after it (exclusive).
        commitment: Political commitment in [0, 1].
        delivered_ab, delivered_ba: Units delivered each way so far, (G,).
        promised_ab, promised_ba: Units due so far (steps elapsed times the basket), (G,).
        steps_done: Steps delivered so far.
        shortfall_steps: Steps where a side delivered less than promised (by more than 1 %).
    """

    id: int
    offer: int
    round: int
    a: int
    b: int
    give_ab: np.ndarray
    give_ba: np.ndarray
    start: int
    end: int
    commitment: float
    delivered_ab: np.ndarray = field(default=None)  # type: ignore[assignment]
    delivered_ba: np.ndarray = field(default=None)  # type: ignore[assignment]
    promised_ab: np.ndarray = field(default=None)  # type: ignore[assignment]
    promised_ba: np.ndarray = field(default=None)  # type: ignore[assignment]
    steps_done: int = 0
    shortfall_steps: int = 0

    def __post_init__(self) -> None:
        for name in ("delivered_ab", "delivered_ba", "promised_ab", "promised_ba"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros_like(self.give_ab))

    def active(self, step: int) -> bool:
        """Whether the agreement delivers at ``step``."""
        return self.start <= step < self.end

    def record(self, delivered_ab: np.ndarray, delivered_ba: np.ndarray) -> None:
        """Add one step of deliveries."""
        self.delivered_ab = self.delivered_ab + delivered_ab
        self.delivered_ba = self.delivered_ba + delivered_ba
        self.promised_ab = self.promised_ab + self.give_ab
        self.promised_ba = self.promised_ba + self.give_ba
        self.steps_done += 1
        short = (delivered_ab.sum() < 0.99 * self.give_ab.sum()) or (
            delivered_ba.sum() < 0.99 * self.give_ba.sum()
        )
        self.shortfall_steps += int(short)
