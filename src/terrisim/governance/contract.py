"""Reciprocity contracts between urban and rural territories (ODD 7.5.1).

A *contrat de réciprocité ville-campagne* (experiments from 2015) binds two territories for
several periods: a basket agreed at signing says what flows each way each step; a commitment
level says how firmly each side keeps its word when it is under stress. One
``reciprocity_contract`` institution holds any number of contracts, as arrays (C contracts):
everything below is vectorised over contracts. Equations and parameters: docs/governance.md.

Scenario file::

    [[governance]]
    rule = "reciprocity_contract"
    pairs = [["T00", "T12"]]     # or leave out: each metropolis with its best partners
    duration = 36
    commitment = 0.7
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pydantic import Strict as PydanticStrict

from terrisim import texts
from terrisim.errors import ScenarioError
from terrisim.governance.base import Governance
from terrisim.governance.common import (
    arc_of,
    capped_ratio,
    connect,
    expected_production,
    index_of,
    kinds_mask,
    labels,
    suffixed,
    unmet_share,
)
from terrisim.governance.signing import SIGN_RULES
from terrisim.rules.base import register
from terrisim.scenario.schema import Share

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.services import ModelServices

texts.add_template(
    "contract_signed",
    "{a_fr} et {b_fr} signent un contrat de réciprocité pour {months} mois : chaque mois, "
    "{value_ab:.0f} k€ de biens et services dans un sens, {value_ba:.0f} k€ dans l'autre.",
    "{a_en} and {b_en} sign a reciprocity contract for {months} months: each month, "
    "{value_ab:.0f} kEUR of goods and services one way, {value_ba:.0f} kEUR the other.",
)
texts.add_template(
    "contract_not_signed",
    "{a_fr} et {b_fr} ne trouvent pas de panier équilibré : pas de contrat de réciprocité.",
    "{a_en} and {b_en} find no balanced basket: no reciprocity contract.",
)
texts.add_template(
    "contract_refused",
    "{a_fr} et {b_fr} ont un panier équilibré mais ne signent pas le contrat de réciprocité : "
    "la confiance manque d'un côté au moins.",
    "{a_en} and {b_en} have a balanced basket but do not sign the reciprocity contract: trust "
    "is lacking on one side at least.",
)
texts.add_template(
    "contract_not_renewed",
    "{a_fr} et {b_fr} ne renouvellent pas leur contrat de réciprocité (engagements tenus à "
    "{rate:.0%}) : l'un des deux ne signe plus.",
    "{a_en} and {b_en} do not renew their reciprocity contract (commitments kept at {rate:.0%}): "
    "one of them no longer signs.",
)
texts.add_template(
    "contract_breach",
    "{giver_fr} ne livre que {delivered:.0%} de ce que le contrat de réciprocité promet à "
    "{receiver_fr} : la confiance en pâtit.",
    "{giver_en} delivers only {delivered:.0%} of what the reciprocity contract promises to "
    "{receiver_en}: trust suffers.",
)
texts.add_template(
    "contract_renewed",
    "{a_fr} et {b_fr} renouvellent leur contrat de réciprocité (engagements tenus à {rate:.0%}).",
    "{a_en} and {b_en} renew their reciprocity contract (commitments kept at {rate:.0%}).",
)
texts.add_template(
    "contract_renegotiated",
    "{a_fr} et {b_fr} renégocient leur contrat de réciprocité (engagements tenus à "
    "{rate:.0%}) : nouveau panier de {value_ab:.0f} k€ et {value_ba:.0f} k€ par mois.",
    "{a_en} and {b_en} renegotiate their reciprocity contract (commitments kept at "
    "{rate:.0%}): a new basket of {value_ab:.0f} and {value_ba:.0f} kEUR a month.",
)
texts.add_template(
    "contract_dropped",
    "{a_fr} et {b_fr} abandonnent leur contrat de réciprocité (engagements tenus à "
    "seulement {rate:.0%}).",
    "{a_en} and {b_en} drop their reciprocity contract (commitments kept at only {rate:.0%}).",
)


@register
class ReciprocityContract(Governance):
    """Reciprocity contracts: committed baskets both ways, each step, for a duration.

    Signing (set-up, and renegotiation at expiry), for contract ``c`` between ``a`` and ``b``,
    from the production expected this step ``P = capacity * production_factor * h'``:
    ``surplus = max(P - n, 0)``, ``deficit = max(n - P, 0)`` (minus what other active contracts
    already promise). ``a`` offers ``x_ab[g] = beta * deficit_b[g] * min(1, surplus_a[g] /
    sum of the deficits of a's partners)``, capped so that ``b``'s deficit is not over-filled;
    the larger side is scaled down until ``V_small >= (1 - tau) V_large`` (``V = price . x``);
    then both are scaled so that ``V_ab + V_ba`` fits the engineering both sides can spend on
    contracts.

    Each step (phase 3), side ``i`` of a contract *defaults* with probability
    ``z = (1 - k) * min(1, w_u * u_i + w_t * (1 - t_ij))`` (``k`` the contract's commitment,
    ``commitments`` per pair or ``commitment`` for all, ``u_i`` its unmet
    needs share, ``t_ij`` its trust in the partner). Honouring, it delivers its basket from
    what it has at hand; defaulting, only from its surplus. Deliveries also need engineering
    ``c_e * V / engineering_scale`` on each side. The share of the promised value a side did
    not deliver through its own default or lack of staff is its *shortfall*, written on the
    partner's arc (``outcome.shortfall``) so that the partner's trust drops (ODD 7.7).

    Signing, renewing and renegotiating are choices of both sides by the sign rule
    (:mod:`terrisim.governance.signing`; default ``trust``: each side signs with the
    probability of its trust in the other), so that a viable basket may be refused.

    At expiry the contract is renewed (delivery rate ``>= renew_threshold``), renegotiated
    (``>= drop_threshold``: a new basket from the current situation) or dropped. While active,
    the link's transaction cost is discounted (``state.cost_discount``, ODD 7.4.4).
    See docs/governance.md (ODD 7.5.1).
    """

    name = "reciprocity_contract"
    changes_trust = (
        (
            "setup",
            "set-up",
            (
                "the links a contract adds get the trust of a relation without tension "
                "(governance.common.connect, ODD 5.2); its shortfalls then lower trust through "
                "the trust rule's input outcome.shortfall"
            ),
        ),
    )

    class Params(BaseModel):
        """Parameters of the reciprocity contracts (docs/governance.md, table 7.5.1)."""

        model_config = ConfigDict(extra="forbid", strict=True)
        # a TOML array of two ids is a list: a pair may be given as one (not strict)
        pairs: list[Annotated[tuple[str, str], PydanticStrict(False)]] = Field(
            default_factory=list,
            description="Contract pairs by territory id; empty: chosen automatically.",
        )
        poles: list[str] = Field(
            default_factory=lambda: ["metropolis"],
            description="Automatic pairs: kinds (or classes) of the territories seeking partners.",
        )
        partner_kinds: list[str] = Field(
            default_factory=lambda: ["rural", "mountain"],
            description="Automatic pairs: kinds (or classes) of the partners.",
        )
        partners_per_pole: int = Field(2, ge=0, description="Automatic pairs: partners per pole.")
        duration: int = Field(36, ge=1, description="Steps between signing and expiry.")
        commitment: Share = Field(0.7, description="k: how firmly a side keeps its word.")
        commitments: list[Share] = Field(
            default_factory=list,
            description="k per pair of `pairs` (same order); empty: `commitment` for all.",
        )
        basket_share: Share = Field(0.5, description="beta: share of a deficit a basket covers.")
        engineering_cost: float = Field(
            0.5, ge=0.0, description="c_e: engineering per value, relative to ad hoc deals."
        )
        engineering_share: Share = Field(
            0.5, description="Share of a side's engineering its contracts may use."
        )
        cost_discount: Share = Field(
            0.5, description="Transaction-cost discount on the contract link."
        )
        need_weight: float = Field(2.0, ge=0.0, description="w_u: default pressure of unmet needs.")
        trust_weight: float = Field(0.5, ge=0.0, description="w_t: default pressure of distrust.")
        renew_threshold: Share = Field(0.9, description="Delivery rate to renew as is.")
        drop_threshold: Share = Field(0.6, description="Below it, the contract is dropped.")
        breach_level: Share = Field(0.5, description="Shortfall told in the narrative.")
        sign_rule: str = Field(
            "trust",
            description="Who signs, renews, renegotiates (governance.signing.SIGN_RULES).",
        )
        label: str = Field("", description="Suffix of this institution's series columns.")

    # ------------------------------------------------------------------ set-up
    def setup(self, model: ModelServices) -> None:
        """Choose or read the pairs, link distant pairs, agree the baskets and sign."""
        p, s = self.params, model.state
        where = f"governance.{self.name}"
        if p.drop_threshold > p.renew_threshold:
            raise ScenarioError(
                f"{where}: drop_threshold ({p.drop_threshold}) must not exceed "
                f"renew_threshold ({p.renew_threshold})"
            )
        if p.sign_rule not in SIGN_RULES:
            raise ScenarioError(
                f"{where}.sign_rule: unknown rule {p.sign_rule!r}; allowed: {sorted(SIGN_RULES)}"
            )
        if p.pairs:
            flat = index_of(s, [t for pair in p.pairs for t in pair], f"{where}.pairs")
            a, b = flat[0::2], flat[1::2]
            if (a == b).any():
                raise ScenarioError(
                    f"{where}.pairs: a territory cannot contract with itself "
                    f"({s.ids[a[a == b][0]]!r})"
                )
        else:
            a, b = self._auto_pairs(model)
        if p.commitments and len(p.commitments) != len(p.pairs):
            raise ScenarioError(
                f"{where}.commitments: {len(p.commitments)} values for "
                f"{len(p.pairs)} pairs; give one per pair, or none"
            )
        commitment = np.array(p.commitments or [p.commitment] * a.size, float)
        key = np.minimum(a, b) * s.n + np.maximum(a, b)
        _, first = np.unique(key, return_index=True)
        first.sort()
        self.a, self.b = a[first].astype(np.int64), b[first].astype(np.int64)
        self.commitment = commitment[first]
        c, g = self.a.size, len(s.goods)
        self.link = connect(model, self.a, self.b) if c else np.zeros(0, np.int64)
        self.basket = np.zeros((c, 2, g))
        self.active = np.zeros(c, bool)
        self.end = np.zeros(c, np.int64)
        self.promised = np.zeros((c, 2))
        self.honoured = np.zeros((c, 2))
        self.shortfall = np.zeros((c, 2))
        self.in_breach = np.zeros((c, 2), bool)
        self.discount_before = s.cost_discount[self.link].copy() if c else np.zeros(0)
        self.counts = {
            "signed": 0,
            "refused": 0,
            "renewed": 0,
            "not_renewed": 0,
            "renegotiated": 0,
            "dropped": 0,
        }
        self.step_promised = self.step_honoured = 0.0
        self._sign(model, np.arange(c), event="contract_signed")

    def _auto_pairs(self, model: ModelServices) -> tuple[np.ndarray, np.ndarray]:
        """Each pole (by decreasing population) with its best-complementary free partners.

        Score of a pair: ``min(V_pc, V_cp)`` with ``V_pc = price . min(surplus_p, deficit_c)``
        (structural: capacity against need), the value both could exchange balanced; ties go to
        the nearer partner. A partner holds at most one automatic contract.
        """
        p, s = self.params, model.state
        where = f"governance.{self.name}"
        poles = np.flatnonzero(kinds_mask(s, p.poles, f"{where}.poles"))
        poles = poles[np.argsort(-s.population[poles], kind="stable")]
        candidates = kinds_mask(s, p.partner_kinds, f"{where}.partner_kinds")
        surplus = np.maximum(s.capacity - s.need, 0.0)
        deficit = np.maximum(s.need - s.capacity, 0.0)
        a, b = [], []
        for pole in poles:
            free = np.flatnonzero(candidates)
            free = free[free != pole]
            if free.size == 0 or p.partners_per_pole == 0:
                break
            v_pc = np.minimum(surplus[pole], deficit[free]) @ s.price
            v_cp = np.minimum(surplus[free], deficit[pole]) @ s.price
            score = np.minimum(v_pc, v_cp)
            distance = np.hypot(*(s.xy[free] - s.xy[pole]).T)
            order = np.lexsort((distance, -score))
            chosen = free[order[: p.partners_per_pole]]
            chosen = chosen[score[order[: p.partners_per_pole]] > 0]
            a.extend([pole] * chosen.size)
            b.extend(chosen.tolist())
            candidates[chosen] = False
        return np.array(a, np.int64), np.array(b, np.int64)

    def agree(self, model: ModelServices, which: np.ndarray) -> np.ndarray:
        """The baskets contracts ``which`` would agree now, (k, 2, G): [a->b, b->a].

        Other active contracts of this institution keep their claims on surpluses and deficits.
        """
        p, s = self.params, model.state
        k = which.size
        if k == 0:
            return np.zeros((0, 2, len(s.goods)))
        produced = expected_production(s)
        need = s.effective_need
        surplus = np.maximum(produced - need, 0.0)
        deficit = np.maximum(need - produced, 0.0)
        others = self.active.copy()
        others[which] = False
        if others.any():
            o = np.flatnonzero(others)
            out = np.zeros_like(surplus)
            np.add.at(out, self.a[o], self.basket[o, 0])
            np.add.at(out, self.b[o], self.basket[o, 1])
            into = np.zeros_like(surplus)
            np.add.at(into, self.b[o], self.basket[o, 0])
            np.add.at(into, self.a[o], self.basket[o, 1])
            surplus = np.maximum(surplus - out, 0.0)
            deficit = np.maximum(deficit - into, 0.0)
        giver = np.concatenate([self.a[which], self.b[which]])
        receiver = np.concatenate([self.b[which], self.a[which]])
        claim = deficit[receiver]
        claims = np.zeros_like(surplus)
        np.add.at(claims, giver, claim)
        x = p.basket_share * claim * capped_ratio(surplus[giver], claims[giver])
        incoming = np.zeros_like(surplus)
        np.add.at(incoming, receiver, x)
        x *= capped_ratio(deficit[receiver], incoming[receiver])
        value = x @ s.price
        v_ab, v_ba = value[:k], value[k:]
        theta = 1.0 - model.config.exchange.reciprocity_tolerance
        f_ab = np.minimum(1.0, _safe(v_ba, theta * v_ab))
        f_ba = np.minimum(1.0, _safe(v_ab, theta * v_ba))
        total = v_ab * f_ab + v_ba * f_ba
        n_contracts = np.bincount(
            np.concatenate(
                [
                    self.a[others | _mask(which, self.a.size)],
                    self.b[others | _mask(which, self.a.size)],
                ]
            ),
            minlength=s.n,
        )
        eng_value = (
            p.engineering_share
            * s.engineering
            * s.fiscal_health
            * model.config.exchange.engineering_scale
            / max(p.engineering_cost, 1e-12)
            / np.maximum(n_contracts, 1)
        )
        cap = np.minimum(eng_value[self.a[which]], eng_value[self.b[which]])
        fit = np.minimum(1.0, _safe(cap, total))
        return np.stack([x[:k] * (f_ab * fit)[:, None], x[k:] * (f_ba * fit)[:, None]], axis=1)

    def _sign(self, model: ModelServices, which: np.ndarray, event: str) -> None:
        """Agree baskets for ``which``; activate the viable ones, drop the others."""
        if which.size == 0:
            return
        s, p = model.state, self.params
        basket = self.agree(model, which)
        value = basket @ s.price  # (k, 2)
        viable = (value > 1e-9).all(axis=1)
        agreed = self.agreed(model, which)
        rate = self.delivery_rate()[which]
        for pos, c in enumerate(which):
            fields = {**labels(s, int(self.a[c]), "a"), **labels(s, int(self.b[c]), "b")}
            if viable[pos] and not agreed[pos]:
                self.counts["refused"] += 1
                if self.active[c]:
                    self._drop(model, np.array([c]))
                else:
                    model.log_event("contract_refused", **fields)
            elif viable[pos]:
                self.basket[c] = basket[pos]
                if not self.active[c]:
                    self.discount_before[c] = s.cost_discount[self.link[c]]
                    self.counts["signed"] += 1
                else:
                    self.counts["renegotiated"] += 1
                self.active[c] = True
                self.end[c] = model.steps + p.duration
                s.cost_discount[self.link[c]] = max(self.discount_before[c], p.cost_discount)
                model.log_event(
                    event,
                    months=p.duration,
                    value_ab=float(value[pos, 0]),
                    value_ba=float(value[pos, 1]),
                    rate=float(rate[pos]),
                    **fields,
                )
            elif self.active[c]:
                self._drop(model, np.array([c]))
            else:
                model.log_event("contract_not_signed", **fields)
        self.promised[which] = 0.0
        self.honoured[which] = 0.0

    def agreed(self, model: ModelServices, which: np.ndarray) -> np.ndarray:
        """Whether both sides of contracts ``which`` sign, by the sign rule (k,).

        The rule reads each side's trust in the other on the contract's link and may draw
        from the ``governance`` stream (``trust``: ``2k`` uniforms, a contract's row at a time).
        """
        s = model.state
        link = self.link[which]
        trust_ab = s.trust[arc_of(s, link, self.a[which])]
        trust_ba = s.trust[arc_of(s, link, self.b[which])]
        rule = SIGN_RULES[self.params.sign_rule]
        return np.asarray(rule(trust_ab, trust_ba, model.streams["governance"]), bool)

    def _drop(self, model: ModelServices, which: np.ndarray, count: bool = True) -> None:
        """End contracts ``which``; ``count``: count and tell them as dropped."""
        s = model.state
        rate = self.delivery_rate()[which]
        for pos, c in enumerate(which):
            self.active[c] = False
            s.cost_discount[self.link[c]] = self.discount_before[c]
            if not count:
                continue
            self.counts["dropped"] += 1
            model.log_event(
                "contract_dropped",
                rate=float(rate[pos]),
                **labels(s, int(self.a[c]), "a"),
                **labels(s, int(self.b[c]), "b"),
            )

    # ------------------------------------------------------------------ each step
    def before_exchange(self, model: ModelServices) -> None:
        """Committed deliveries of every active contract, both ways (channel ``contract``)."""
        p, s = self.params, model.state
        self.shortfall[:] = 0.0
        self.step_promised = self.step_honoured = 0.0
        act = np.flatnonzero(self.active)
        k = act.size
        if k == 0:
            return
        giver = np.concatenate([self.a[act], self.b[act]])
        receiver = np.concatenate([self.b[act], self.a[act]])
        basket = np.concatenate([self.basket[act, 0], self.basket[act, 1]])
        link = np.concatenate([self.link[act], self.link[act]])
        commitment = np.tile(self.commitment[act], 2)
        trust = s.trust[arc_of(s, link, giver)]
        pressure = p.need_weight * unmet_share(s)[giver] + p.trust_weight * (1.0 - trust)
        z = (1.0 - commitment) * np.clip(pressure, 0.0, 1.0)
        defaults = model.streams["governance"].random(2 * k) < z
        # what each giver can hand over: all it has (honour) or its surplus (default)
        promised_out = np.zeros_like(s.available)
        np.add.at(promised_out, giver, basket)
        at_hand = capped_ratio(s.available[giver], promised_out[giver])
        spare = capped_ratio(
            np.maximum(s.available - s.effective_need, 0.0)[giver], promised_out[giver]
        )
        want = basket * np.where(defaults[:, None], spare, at_hand)
        # engineering: c_e * V / scale on both sides of each contract
        scale = model.config.exchange.engineering_scale
        v_contract = (want @ s.price)[:k] + (want @ s.price)[k:]
        load = np.zeros(s.n)
        np.add.at(load, self.a[act], p.engineering_cost * v_contract / scale)
        np.add.at(load, self.b[act], p.engineering_cost * v_contract / scale)
        rho = np.where(load > 0, np.minimum(1.0, _safe(model.engineering_left(), load)), 1.0)
        rho_c = np.minimum(rho[self.a[act]], rho[self.b[act]])
        delivered = want * np.tile(rho_c, 2)[:, None]
        model.use_engineering(
            np.concatenate([self.a[act], self.b[act]]),
            np.tile(p.engineering_cost * v_contract * rho_c / scale, 2),
        )
        model.transfer(giver, receiver, delivered, "contract")
        # shortfall: what the giver failed to deliver by its own default or lack of staff
        promised_v = basket @ s.price
        own = (want * rho[giver][:, None]) @ s.price
        short = np.clip(1.0 - _safe(own, promised_v), 0.0, 1.0)
        short[promised_v <= 0] = 0.0
        self.shortfall[act] = np.stack([short[:k], short[k:]], axis=1)
        self.promised[act] += np.stack([promised_v[:k], promised_v[k:]], axis=1)
        honoured = promised_v * (1.0 - short)
        self.honoured[act] += np.stack([honoured[:k], honoured[k:]], axis=1)
        self.step_promised = float(promised_v.sum())
        self.step_honoured = float(honoured.sum())
        self._tell_breaches(model, act)

    def _tell_breaches(self, model: ModelServices, act: np.ndarray) -> None:
        """Narrate a side's shortfall when it first exceeds ``breach_level``."""
        s = model.state
        breach = self.shortfall[act] >= self.params.breach_level
        new = breach & ~self.in_breach[act]
        self.in_breach[act] = breach
        for pos, side in zip(*np.nonzero(new), strict=True):
            c = act[pos]
            giver, receiver = (self.a[c], self.b[c]) if side == 0 else (self.b[c], self.a[c])
            model.log_event(
                "contract_breach",
                delivered=float(1 - self.shortfall[c, side]),
                **labels(s, int(giver), "giver"),
                **labels(s, int(receiver), "receiver"),
            )

    def after_exchange(self, model: ModelServices, outcome: ExchangeOutcome) -> None:
        """Write each side's shortfall on its partner's arc: ``outcome.shortfall[b -> a]``."""
        act = np.flatnonzero(self.active & (self.shortfall > 0).any(axis=1))
        if act.size == 0:
            return
        s = model.state
        link = np.concatenate([self.link[act], self.link[act]])
        receiver = np.concatenate([self.b[act], self.a[act]])  # partner of the giver
        short = np.concatenate([self.shortfall[act, 0], self.shortfall[act, 1]])
        arcs = arc_of(s, link, receiver)
        np.maximum.at(outcome.shortfall, arcs, short)

    def end_step(self, model: ModelServices) -> None:
        """Expiry: renew, drop or renegotiate (in this order) according to the delivery record."""
        p = self.params
        due = np.flatnonzero(self.active & (self.end <= model.steps))
        if due.size == 0:
            return
        rate = self.delivery_rate()[due]
        renew = due[rate >= p.renew_threshold]
        agreed = self.agreed(model, renew)
        not_renewed, renew = renew[~agreed], renew[agreed]
        renegotiate = due[(rate >= p.drop_threshold) & (rate < p.renew_threshold)]
        drop = due[rate < p.drop_threshold]
        s = model.state
        for c in renew:
            model.log_event(
                "contract_renewed",
                rate=float(self.delivery_rate()[c]),
                **labels(s, int(self.a[c]), "a"),
                **labels(s, int(self.b[c]), "b"),
            )
        self.end[renew] = model.steps + p.duration
        self.promised[renew] = 0.0
        self.honoured[renew] = 0.0
        self.counts["renewed"] += renew.size
        for c in not_renewed:
            model.log_event(
                "contract_not_renewed",
                rate=float(self.delivery_rate()[c]),
                **labels(s, int(self.a[c]), "a"),
                **labels(s, int(self.b[c]), "b"),
            )
        self.counts["not_renewed"] += not_renewed.size
        # first, so that dropped baskets free their surpluses (not counted again as dropped)
        self._drop(model, not_renewed, count=False)
        self._drop(model, drop)
        self._sign(model, renegotiate, event="contract_renegotiated")

    # ------------------------------------------------------------------ records
    def delivery_rate(self) -> np.ndarray:
        """Per contract, the worse side's honoured over promised value since signing (C,)."""
        rate = np.divide(
            self.honoured, self.promised, out=np.ones_like(self.promised), where=self.promised > 0
        )
        return rate.min(axis=1)

    def contracts(self, model: ModelServices) -> pd.DataFrame:
        """One row per contract: ends, status, commitment, basket values, delivery rate."""
        s = model.state
        value = self.basket @ s.price
        return pd.DataFrame(
            {
                "a": s.ids[self.a],
                "b": s.ids[self.b],
                "active": self.active,
                "distance_km": s.distance[self.link],
                "commitment": self.commitment,
                "end": self.end,
                "value_ab": value[:, 0],
                "value_ba": value[:, 1],
                "delivery_rate": self.delivery_rate(),
            }
        )

    def state_summary(self) -> dict[str, Any]:
        """``contracts_active``, ``contract_delivery_rate`` (this step), counts so far."""
        rate = self.step_honoured / self.step_promised if self.step_promised > 0 else np.nan
        return suffixed(
            {
                "contracts_active": int(self.active.sum()),
                "contract_promised_value": self.step_promised,
                "contract_delivery_rate": float(rate),
                "contracts_signed": self.counts["signed"],
                "contracts_refused": self.counts["refused"],
                "contracts_not_renewed": self.counts["not_renewed"],
                "contracts_renewed": self.counts["renewed"],
                "contracts_renegotiated": self.counts["renegotiated"],
                "contracts_dropped": self.counts["dropped"],
            },
            self.params.label,
        )


def _safe(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den <= 0``."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def _mask(which: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, bool)
    mask[which] = True
    return mask
