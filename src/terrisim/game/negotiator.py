"""Agent negotiators: how a territory not played by a team answers and makes basket offers.

Agents use the model's own rules (ODD 7.4): the scenario's **valuation** rule (unit values of
what they give and receive), their **representations** (the bias on the arc: what a partner
offers is under-valued by ``bias``), the **reciprocity tolerance** ``tau`` of the scenario, their
**trust** in the partner, and their **engineering** capacity. All of it is read from the state
at the moment of the answer, with no random draw: the same session gives the same answers.

Everything is per month. For territory ``j`` (the one answering) and partner ``i``:

* what ``j`` can spare: ``free_j = max(production_j - need_j, 0) - promised_j`` (production
  with the current shocks; ``promised_j``: what its agreements already take);
* what ``j`` lacks: ``lack_j = max(need_j - production_j, 0) - expected_j`` (``expected_j``:
  what its agreements already bring);
* the value to ``j`` of a basket ``X`` it receives: units that fill a lack count fully, the
  others at ``surplus_value`` of their value:
  ``U_j(X) = sum_g u_recv[j, g] (min(X_g, lack_jg) + surplus_value * max(X_g - lack_jg, 0))``;
* the value of a basket ``Y`` it gives: ``G_j(Y) = sum_g u_give[j, g] Y_g``.

**Answering** an offer (``i`` gives ``X``, asks ``Y``), in order:

1. ``Y`` is cut to what ``j`` can spare (reason ``cannot_give``); nothing left: refuse.
2. If ``X`` fills none of ``j``'s lacks: refuse (``no_need``).
3. Trust ``t = trust(j -> i)`` must reach ``t_req = trust_floor + trust_per_commitment * c +
   trust_per_year * years``. Below what a one-year, zero-commitment contract needs: refuse
   (``trust``, "confiance insuffisante"); else, if below ``t_req``, counter with one year and
   the commitment that ``t`` allows (``trust_counter``).
4. Reciprocity (ODD 7.4.2): perceived ``R = (1 - bias(j -> i)) U_j(X)``; ``j`` accepts when
   ``R >= (1 - tau) G_j(Y)``. Otherwise ``r = R / ((1 - tau) G_j(Y))``: below
   ``refuse_below``, refuse (``unbalanced``, "trop déséquilibré pour nous"); else counter
   giving ``r Y`` (``unbalanced_counter``).
5. Engineering: the contract's value per month ``(value(X) + value(Y)) / 2`` must fit in
   ``contract_engineering_share * engineering_j * fiscal_health_j * engineering_scale`` minus
   what its agreements already use; else both baskets shrink to fit (``engineering``), or,
   below a tenth, refuse (``engineering_refuse``).

No change: accept (``balanced``, or ``favourable`` when ``R >= G / (1 - tau)``). Changes of less
than ``counter_threshold`` of the value are ignored. A counter-offer is a new offer back,
built so that ``j`` would accept it.

**Proposing** to partner ``j`` (agent ``i``): give ``proposal_share * min(free_i, lack_j)``, ask
``proposal_share * min(free_j, lack_i)``, scaled so that ``i`` perceives it as even
(``R_i = G_i``), for ``proposal_years`` with ``proposal_commitment`` (less if trust is short),
and within its engineering. No complementarity, no proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from terrisim.governance.common import expected_production
from terrisim.texts import REASONS, bilingual

if TYPE_CHECKING:
    from terrisim.game.offers import Offer
    from terrisim.model import TerriModel

EPS = 1e-9


class NegotiatorParams(BaseModel):
    """Parameters of the agent negotiators (docs/game.md)."""

    model_config = ConfigDict(extra="forbid")
    trust_floor: float = Field(0.2, ge=0.0, le=1.0, description="Trust below which nothing.")
    trust_per_commitment: float = Field(
        0.15, ge=0.0, le=1.0, description="Extra trust for a full commitment."
    )
    trust_per_year: float = Field(0.03, ge=0.0, le=0.2, description="Extra trust per year.")
    surplus_value: float = Field(
        0.2, ge=0.0, le=1.0, description="Value of units received beyond a lack."
    )
    refuse_below: float = Field(
        0.4, ge=0.0, le=1.0, description="Balance ratio below which an offer is refused."
    )
    counter_threshold: float = Field(
        0.02, ge=0.0, le=0.5, description="Relative change too small to counter."
    )
    contract_engineering_share: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of engineering an agent gives to contracts."
    )
    proposal_share: float = Field(
        0.5, gt=0.0, le=1.0, description="Share of the complementarity an agent proposes."
    )
    proposal_years: float = Field(2.0, gt=0.0, le=10.0, description="Duration of proposals.")
    proposal_commitment: float = Field(0.5, ge=0.0, le=1.0, description="Commitment of proposals.")
    proposals_per_territory: int = Field(
        1, ge=0, le=10, description="Proposals per round to/by a territory."
    )


@dataclass
class Commitments:
    """What the agreements still running already take and bring, per month.

    Attributes:
        out: Units each territory has promised, (N, G).
        into: Units each territory will receive, (N, G).
        value: Value per month (reference prices) of each territory's agreements, half of each
            direction, (N,): what their management uses of engineering.
    """

    out: np.ndarray
    into: np.ndarray
    value: np.ndarray

    @classmethod
    def none(cls, n: int, g: int) -> Commitments:
        """No agreement."""
        return cls(np.zeros((n, g)), np.zeros((n, g)), np.zeros(n))


@dataclass
class Evaluation:
    """An agent's answer to an offer, from the point of view of the one answering.

    Attributes:
        decision: ``"accept"``, ``"counter"`` or ``"refuse"``.
        reasons: ``[{"code", "text": {"fr", "en"}}]``.
        give: What the answerer would give (the offer's ``ask``, possibly reduced), (G,).
        ask: What it would receive (the offer's ``give``, possibly reduced), (G,).
        steps, commitment: The terms it would sign.
        perceived: ``R / G`` as the answerer perceives the (possibly countered) basket.
    """

    decision: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    give: np.ndarray | None = None
    ask: np.ndarray | None = None
    steps: int = 12
    commitment: float = 0.5
    perceived: float = float("nan")


@dataclass
class _Draft:
    """The terms an answering agent works on, rule after rule."""

    give: np.ndarray
    receive: np.ndarray
    steps: int
    commitment: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    lack: np.ndarray | None = None
    perceived: float = 0.0
    given: float = 0.0

    @property
    def ratio(self) -> float:
        """``R / G`` as perceived (inf when nothing is given)."""
        return self.perceived / self.given if self.given > 0 else float("inf")


def reason(code: str, **fields: Any) -> dict[str, Any]:
    """A reason: its code and its sentence in French and English."""
    return {"code": code, "text": bilingual(REASONS, code, **fields)}


class AgentNegotiator:
    """The negotiating behaviour of territories played by the model (see the module docstring).

    Args:
        params: :class:`NegotiatorParams` or a dict of them (defaults otherwise).
    """

    def __init__(self, params: NegotiatorParams | dict[str, Any] | None = None) -> None:
        if params is None:
            params = NegotiatorParams()
        elif isinstance(params, dict):
            params = NegotiatorParams(**params)
        self.params = params

    # ---------------------------------------------------------------------------- situation
    @staticmethod
    def production(model: TerriModel) -> np.ndarray:
        """Production per month with the current shocks and fiscal health, (N, G)."""
        return expected_production(model.state)

    def free(self, model: TerriModel, commitments: Commitments) -> np.ndarray:
        """What each territory can spare per month, after its agreements, (N, G)."""
        surplus = np.maximum(self.production(model) - model.state.effective_need, 0.0)
        return np.maximum(surplus - commitments.out, 0.0)

    def lack(self, model: TerriModel, commitments: Commitments) -> np.ndarray:
        """What each territory lacks per month, after its agreements, (N, G)."""
        deficit = np.maximum(model.state.effective_need - self.production(model), 0.0)
        return np.maximum(deficit - commitments.into, 0.0)

    def required_trust(self, commitment: float, steps: int) -> float:
        """``trust_floor + trust_per_commitment * c + trust_per_year * years``."""
        p = self.params
        return (
            p.trust_floor + p.trust_per_commitment * commitment + p.trust_per_year * (steps / 12.0)
        )

    def engineering_room(self, model: TerriModel, j: int, commitments: Commitments) -> float:
        """Value per month of contracts that ``j`` can still run with its engineering."""
        s = model.state
        capacity = (
            self.params.contract_engineering_share
            * s.engineering[j]
            * s.fiscal_health[j]
            * model.config.exchange.engineering_scale
        )
        return max(capacity - float(commitments.value[j]), 0.0)

    def _values(self, model: TerriModel) -> tuple[np.ndarray, np.ndarray]:
        s = model.state
        give_u, receive_u = model.valuation.unit_values(s)
        shape = (s.n, len(s.goods))
        return np.broadcast_to(give_u, shape), np.broadcast_to(receive_u, shape)

    def useful_value(self, receive_u: np.ndarray, lack: np.ndarray, basket: np.ndarray) -> float:
        """``U(X)``: full value for units that fill a lack, ``surplus_value`` for the rest."""
        filled = np.minimum(basket, lack)
        extra = np.maximum(basket - lack, 0.0)
        return float(receive_u @ (filled + self.params.surplus_value * extra))

    # ---------------------------------------------------------------------------- answering
    def answer(self, model: TerriModel, offer: Offer, commitments: Commitments) -> Evaluation:
        """How the receiver of ``offer`` answers it (see :meth:`evaluate`)."""
        return self.evaluate(
            model,
            offer.receiver,
            offer.sender,
            receive=offer.give,
            give=offer.ask,
            steps=offer.steps,
            commitment=offer.commitment,
            commitments=commitments,
        )

    def evaluate(
        self,
        model: TerriModel,
        j: int,
        i: int,
        *,
        receive: np.ndarray,
        give: np.ndarray,
        steps: int,
        commitment: float,
        commitments: Commitments,
    ) -> Evaluation:
        """How territory ``j`` answers partner ``i``'s offer (rules 1 to 5 of the module).

        Args:
            model: The model (its state now).
            j: The territory answering.
            i: The territory that made the offer.
            receive: What ``j`` would receive per month (the offer's ``give``), (G,).
            give: What ``j`` would give per month (the offer's ``ask``), (G,).
            steps: Proposed duration (months).
            commitment: Proposed commitment.
            commitments: What agreements already take and bring.
        """
        draft = _Draft(
            np.asarray(give, float), np.asarray(receive, float), int(steps), float(commitment)
        )
        price = model.state.price
        original = float(draft.give @ price + draft.receive @ price)
        for rule in (self._spare, self._need, self._trust, self._reciprocity, self._engineering):
            refusal = rule(model, j, i, draft, commitments)
            if refusal is not None:
                return Evaluation(
                    "refuse",
                    [refusal],
                    draft.give,
                    draft.receive,
                    draft.steps,
                    draft.commitment,
                    draft.ratio,
                )
        small = (
            original > 0
            and abs(float(draft.give @ price + draft.receive @ price) - original)
            <= self.params.counter_threshold * original
        )
        only_quantities = all(r["code"].startswith(("cannot", "unbalanced")) for r in draft.reasons)
        if draft.reasons and not (small and only_quantities):
            if draft.give @ price <= EPS or draft.receive @ price <= EPS:
                return Evaluation("refuse", [reason("nothing_left")], draft.give, draft.receive)
            return Evaluation(
                "counter",
                draft.reasons,
                draft.give,
                draft.receive,
                draft.steps,
                draft.commitment,
                draft.ratio,
            )
        theta = 1.0 - model.config.exchange.reciprocity_tolerance
        code = "favourable" if draft.ratio >= 1.0 / theta else "balanced"
        return Evaluation(
            "accept",
            [reason(code)],
            draft.give,
            draft.receive,
            draft.steps,
            draft.commitment,
            draft.ratio,
        )

    def _spare(
        self, model: TerriModel, j: int, i: int, draft: _Draft, commitments: Commitments
    ) -> dict[str, Any] | None:
        """Rule 1: give at most what ``j`` can spare."""
        free = self.free(model, commitments)[j]
        cut = draft.give > free * (1 + 1e-9) + EPS
        if not cut.any():
            return None
        names = [model.state.goods[g] for g in np.flatnonzero(cut)]
        draft.give = np.minimum(draft.give, free)
        if draft.give @ model.state.price <= EPS:
            return reason("cannot_give", good=names)
        draft.reasons.append(reason("cannot_give", good=names))
        return None

    def _need(
        self, model: TerriModel, j: int, i: int, draft: _Draft, commitments: Commitments
    ) -> dict[str, Any] | None:
        """Rule 2: what ``j`` receives must fill at least one of its lacks."""
        draft.lack = self.lack(model, commitments)[j]
        if np.minimum(draft.receive, draft.lack).sum() <= EPS:
            return reason("no_need")
        return None

    def _trust(
        self, model: TerriModel, j: int, i: int, draft: _Draft, commitments: Commitments
    ) -> dict[str, Any] | None:
        """Rule 3: enough trust for the duration and commitment, or a smaller contract."""
        p, s = self.params, model.state
        arc = arc_between(s, j, i)
        trust = float(s.trust[arc]) if arc is not None else 0.0
        if trust + EPS < self.required_trust(0.0, min(draft.steps, 12)):
            return reason("trust")
        if trust + EPS >= self.required_trust(draft.commitment, draft.steps):
            return None
        draft.steps = min(draft.steps, 12)
        room = trust - p.trust_floor - p.trust_per_year * draft.steps / 12.0
        affordable = room / p.trust_per_commitment if p.trust_per_commitment > 0 else 1.0
        draft.commitment = float(np.clip(np.floor(affordable * 20) / 20, 0.0, draft.commitment))
        draft.reasons.append(
            reason(
                "trust_counter",
                years=round(draft.steps / 12, 2),
                commitment=f"{draft.commitment:.0%}",
            )
        )
        return None

    def _reciprocity(
        self, model: TerriModel, j: int, i: int, draft: _Draft, commitments: Commitments
    ) -> dict[str, Any] | None:
        """Rule 4: ``(1 - bias) U_j(X) >= (1 - tau) G_j(Y)``, or give less (ODD 7.4.2)."""
        s = model.state
        theta = 1.0 - model.config.exchange.reciprocity_tolerance
        give_u, receive_u = self._values(model)
        arc = arc_between(s, j, i)
        bias = float(s.bias[arc]) if arc is not None else 0.0
        draft.perceived = (1.0 - bias) * self.useful_value(receive_u[j], draft.lack, draft.receive)
        draft.given = float(give_u[j] @ draft.give)
        if draft.perceived + EPS >= theta * draft.given:
            return None
        ratio = draft.perceived / (theta * draft.given)
        if ratio < self.params.refuse_below:
            return reason("unbalanced")
        draft.give = draft.give * ratio
        draft.given = float(give_u[j] @ draft.give)
        draft.reasons.append(reason("unbalanced_counter"))
        return None

    def _engineering(
        self, model: TerriModel, j: int, i: int, draft: _Draft, commitments: Commitments
    ) -> dict[str, Any] | None:
        """Rule 5: the contract must fit in ``j``'s engineering, or both baskets shrink."""
        price = model.state.price
        room = self.engineering_room(model, j, commitments)
        value = float(draft.give @ price + draft.receive @ price) / 2.0
        if value <= room + EPS:
            return None
        k = room / value
        if k < 0.1:
            return reason("engineering_refuse")
        draft.give, draft.receive = draft.give * k, draft.receive * k
        draft.perceived, draft.given = draft.perceived * k, draft.given * k
        draft.reasons.append(reason("engineering"))
        return None

    # ---------------------------------------------------------------------------- proposing
    def propose(
        self, model: TerriModel, i: int, j: int, commitments: Commitments
    ) -> Evaluation | None:
        """The basket agent ``i`` proposes to partner ``j`` (``None``: nothing to propose).

        Returns:
            An :class:`Evaluation` whose ``give`` is what ``i`` gives and ``ask`` what it asks,
            with ``steps``, ``commitment`` and the ``proposal`` reason; or ``None``.
        """
        p, s = self.params, model.state
        free = self.free(model, commitments)
        lack = self.lack(model, commitments)
        give = p.proposal_share * np.minimum(free[i], lack[j])
        ask = p.proposal_share * np.minimum(free[j], lack[i])
        price = s.price
        if give @ price <= 1e-6 or ask @ price <= 1e-6:
            return None
        arc = arc_between(s, i, j)
        if arc is None:
            return None
        trust = float(s.trust[arc])
        steps = max(1, round(12 * p.proposal_years))
        commitment = p.proposal_commitment
        if trust < self.required_trust(0.0, 12):
            return None
        if trust < self.required_trust(commitment, steps):
            steps = min(steps, 12)
            room = trust - p.trust_floor - p.trust_per_year * steps / 12.0
            affordable = room / p.trust_per_commitment if p.trust_per_commitment > 0 else 1.0
            commitment = float(np.clip(np.floor(affordable * 20) / 20, 0.0, commitment))
        give_u, receive_u = self._values(model)
        bias = float(s.bias[arc])
        for _ in range(3):  # even as i perceives it (U is concave: two passes are enough)
            perceived = (1.0 - bias) * self.useful_value(receive_u[i], lack[i], ask)
            given = float(give_u[i] @ give)
            if perceived > given * (1 + 1e-6):
                ask = ask * given / perceived
            elif perceived < given * (1 - 1e-6):
                give = give * perceived / given
            else:
                break
        room = self.engineering_room(model, i, commitments)
        value = float(give @ price + ask @ price) / 2.0
        if value > room:
            if room <= 0.1 * value:
                return None
            give, ask = give * room / value, ask * room / value
        surplus = [s.goods[g] for g in np.flatnonzero(give > EPS)]
        deficit = [s.goods[g] for g in np.flatnonzero(ask > EPS)]
        perceived = (1.0 - bias) * self.useful_value(receive_u[i], lack[i], ask)
        given = float(give_u[i] @ give)
        return Evaluation(
            "propose",
            [reason("proposal", surplus=surplus, deficit=deficit)],
            give,
            ask,
            steps,
            commitment,
            perceived / given if given else 1.0,
        )


def arc_between(state: Any, a: int, b: int) -> int | None:
    """Index of the arc ``a -> b``, or ``None`` if the territories are not linked."""
    hits = np.flatnonzero((state.arc_from == a) & (state.arc_to == b))
    return int(hits[0]) if hits.size else None
