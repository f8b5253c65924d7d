"""The same step written the straightforward way: one Mesa agent per territory, loops over links.

This is the *reference for speed* of ``benchmarks/bench_step.py`` (issue 6) and a teaching
example (``examples/per_agent/README.md``), not part of the package. It is what a first Mesa version of terrisim would look like: every territory is a
``mesa.Agent`` holding its own small numpy arrays (one value per good), every link a small
Python object, and each phase of the step loops over agents or links in Python. It implements
the same equations as :class:`terrisim.model.TerriModel` (docs/ODD.md 7.1 to 7.7) for the
scenarios of the benchmark: market valuation, trust-weighted partners, reinforcement of trust,
no money compensation, no governance, no shocks, no market of the scope, no commuting and no
defection (the default rule keeps every promise in these runs; ODD 7.4.6)
(ODD 7.10). It starts from the initial state of a
``TerriModel`` built from the same scenario and seed, so the two can be docked: after a few
steps their satisfactions agree to rounding (``max_difference`` below; the benchmark prints it).

Synchronous semantics as in the package: every phase first plans from the state at its start,
then commits (a Mesa-style shuffled sequential exchange would give other results).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from terrisim.metrics import gini
from terrisim.model import TerriModel


class Link:
    """An undirected link between two territories, with what each end thinks of the other."""

    def __init__(self, a, b, distance, trust_ab, trust_ba, bias_ab, bias_ba):
        self.a, self.b = a, b
        self.distance = distance
        self.trust_ab, self.trust_ba = trust_ab, trust_ba
        self.base_ab, self.base_ba = trust_ab, trust_ba
        self.bias_ab, self.bias_ba = bias_ab, bias_ba
        # this step's negotiation
        self.flow_ab = self.flow_ba = None
        self.deal = False
        self.perceived_ab = self.perceived_ba = 1.0

    def partner(self, agent):
        """The other end of the link."""
        return self.b if agent is self.a else self.a

    def trust_from(self, agent):
        """How much ``agent`` trusts the other end."""
        return self.trust_ab if agent is self.a else self.trust_ba


class TerritoryAgent(mesa.Agent):
    """One territory: its own arrays over goods, its budget and its links."""

    def __init__(self, model, index, state):
        super().__init__(model)
        self.index = index
        self.population = float(state.population[index])
        self.capacity = state.capacity[index].copy()
        self.need = state.need[index].copy()
        self.stock = state.stock[index].copy()
        self.stock_cap = state.stock_cap[index].copy()
        self.fiscal_base = float(state.fiscal_base[index])
        self.grant = float(state.grant[index])
        self.spending = float(state.spending[index])
        self.reserve = float(state.reserve[index])
        self.engineering = float(state.engineering[index])
        self.fiscal_health = 1.0
        self.links = []
        self.available = self.stock.copy()
        self.satisfaction = np.zeros_like(self.need)

    # --- phases
    def produce(self):
        """``available = stock + capacity * (h for public goods, else 1)``."""
        m = self.model
        self.available = self.stock + self.capacity * np.where(m.public, self.fiscal_health,
                                                               1.0)

    def plan_shares(self):
        """Surplus, deficit, and the sums of partner weights (stage 1)."""
        self.surplus = np.maximum(self.available - self.need, 0.0)
        self.deficit = np.maximum(self.need - self.available, 0.0)

    def sum_weights(self):
        """``sum_j trust(i->j) deficit_j`` (offers) and ``sum_j trust(i->j) surplus_j``."""
        self.offer_sum = np.zeros_like(self.need)
        self.request_sum = np.zeros_like(self.need)
        for link in self.links:
            partner = link.partner(self)
            t = link.trust_from(self)
            self.offer_sum = self.offer_sum + t * partner.deficit
            self.request_sum = self.request_sum + t * partner.surplus
        self.load = 0.0
        self.used = 0.0

    def consume(self):
        """Consume up to the need; keep storable leftovers as stock."""
        m = self.model
        consumed = np.minimum(self.available, self.need)
        self.satisfaction = np.where(self.need > 0, consumed / np.where(self.need > 0,
                                                                        self.need, 1.0), 1.0)
        leftover = (self.available - consumed) * (1.0 - m.decay)
        self.stock = np.where(m.storable, np.minimum(leftover, self.stock_cap), 0.0)

    def update_budget(self):
        """Revenue, spending capped by means, reserve, fiscal health."""
        revenue = self.fiscal_base + self.grant
        means = revenue + self.model.draw_rate * self.reserve
        self.fiscal_health = min(1.0, means / self.spending)
        self.reserve = max(self.reserve + revenue - self.fiscal_health * self.spending, 0.0)


def _share(weight, total):
    """``weight / total`` per good, 0 where the total is 0."""
    return np.where(total > 0, weight / np.where(total > 0, total, 1.0), 0.0)


class PerAgentModel(mesa.Model):
    """The per-agent reference: same scenario and initial state as a ``TerriModel``."""

    def __init__(self, scenario, seed):
        super().__init__(rng=seed)
        start = TerriModel(scenario, rng=seed, record_territories="none", engine="numpy")
        config = start.config
        if (config.rules.valuation.name, config.rules.partners.name, config.rules.trust.name) \
                != ("market", "trust_weighted", "reinforcement") or config.exchange.money \
                or config.governance or config.shocks \
                or (config.market.enabled and start.state.market.any()) \
                or (config.commuting.enabled and start.state.commute_home.size):
            raise ValueError("the per-agent reference covers the default rules only "
                             "(market, trust_weighted, reinforcement), no money, no "
                             "governance, no shocks, no market of the scope and no "
                             "commuting (market.enabled = false, commuting.enabled = "
                             "false)")
        s = start.state
        self.start = start
        self.price, self.public = s.price, s.public
        self.storable, self.decay = s.storable, s.decay
        self.good_weight = s.good_weight
        self.spec = config.exchange
        self.trust_params = start.trust_rule.params
        self.draw_rate = config.budget.draw_rate
        self.territories = [TerritoryAgent(self, i, s) for i in range(s.n)]
        e = s.n_links
        self.links = []
        for k in range(e):
            a, b = self.territories[s.src[k]], self.territories[s.dst[k]]
            link = Link(a, b, float(s.distance[k]), float(s.trust[k]), float(s.trust[k + e]),
                        float(s.bias[k]), float(s.bias[k + e]))
            kappa = min(self.spec.tension_cost * bool(s.tension[k])
                        + self.spec.cleavage_cost * abs(s.leaning[s.src[k]] - s.leaning[s.dst[k]])
                        / 2.0, 1.0)
            link.keep = (1.0 - kappa) * (1.0 - kappa)
            a.links.append(link)
            b.links.append(link)
            self.links.append(link)
        self.rows = []

    def step(self):
        """One month: produce, negotiate, deliver, consume, budgets, trust, collect."""
        for agent in self.territories:
            agent.produce()
        for agent in self.territories:
            agent.plan_shares()
        for agent in self.territories:
            agent.sum_weights()
        draws = self.start._acceptance_draws()  # the model's exchange stream (ODD 5.3)
        for link, draw in zip(self.links, draws, strict=True):
            link.draw = float(draw)
            self.propose_and_balance(link)
        for agent in self.territories:
            capacity = max(agent.engineering * agent.fiscal_health, 0.0) \
                * self.spec.engineering_scale
            agent.rho = min(1.0, capacity / agent.load) if agent.load > 0 else 1.0
        for link in self.links:
            self.ration(link)
        for link in self.links:
            self.deliver(link)
        for agent in self.territories:
            agent.consume()
        for agent in self.territories:
            agent.update_budget()
        for link in self.links:
            self.update_trust(link)
        self.collect()

    def proposal(self, giver, receiver, link):
        """What ``giver`` proposes to send to ``receiver`` (stage 1), per good."""
        offer = giver.surplus * _share(link.trust_from(giver) * receiver.deficit,
                                       giver.offer_sum)
        request = receiver.deficit * _share(link.trust_from(receiver) * giver.surplus,
                                            receiver.request_sum)
        return np.minimum(offer, request)

    def propose_and_balance(self, link):
        """Stages 1 to 3 before rationing: proposals, reciprocity, size, engineering load."""
        a, b = link.a, link.b
        p_ab, p_ba = self.proposal(a, b, link), self.proposal(b, a, link)
        given_a, given_b = float(p_ab @ self.price), float(p_ba @ self.price)
        recv_a = (1.0 - link.bias_ab) * float(p_ba @ self.price)
        recv_b = (1.0 - link.bias_ba) * float(p_ab @ self.price)
        tol = 1.0 - self.spec.reciprocity_tolerance
        r_a = recv_a / (tol * given_a) if given_a > 0 else 0.0
        r_b = recv_b / (tol * given_b) if given_b > 0 else 0.0
        # smooth acceptance with transaction costs (ODD 7.4.3): the link's draw is below
        # 1 / (1 + P ** (-1 / w)), P = r_a r_b (1 - kappa)^2
        feasible = False
        if given_a > 0 and given_b > 0:
            margin = r_a * r_b * link.keep
            share = 1.0 / (1.0 + margin ** (-1.0 / self.spec.acceptance_width)) \
                if margin > 0 else 0.0
            feasible = link.draw < share
        link.trim_a = min(1.0, r_a) if feasible else 0.0
        link.trim_b = min(1.0, r_b) if feasible else 0.0
        link.size = min(link.trust_ab, link.trust_ba) * math.exp(
            -link.distance / self.spec.distance_scale_km)
        link.p_ab, link.p_ba = p_ab, p_ba
        link.given_a, link.given_b, link.recv_a, link.recv_b = given_a, given_b, recv_a, recv_b
        value = (given_a * link.trim_a + given_b * link.trim_b) * link.size
        a.load += value
        b.load += value

    def ration(self, link):
        """Engineering rationing and the final baskets of the link."""
        c = min(link.a.rho, link.b.rho)
        common = link.size * c
        link.flow_ab = link.p_ab * (link.trim_a * common)
        link.flow_ba = link.p_ba * (link.trim_b * common)
        value_a = link.given_a * link.trim_a * common
        value_b = link.given_b * link.trim_b * common
        link.deal = value_a + value_b > 1e-12
        give_a, give_b = link.given_a * link.trim_a, link.given_b * link.trim_b
        link.perceived_ab = min(1.0, link.recv_a * link.trim_b / give_a) \
            if link.deal and give_a > 0 else 1.0
        link.perceived_ba = min(1.0, link.recv_b * link.trim_a / give_b) \
            if link.deal and give_b > 0 else 1.0

    def deliver(self, link):
        """Goods move along the link both ways."""
        link.a.available = link.a.available - link.flow_ab + link.flow_ba
        link.b.available = link.b.available + link.flow_ab - link.flow_ba

    def update_trust(self, link):
        """Reinforcement: balanced deals build trust, imbalance erodes it, baseline pull."""
        p, d = self.trust_params, float(link.deal)

        def new(t, q, base):
            t2 = t + p.alpha * (1 - t) * q * d - p.lam * t * (1 - q) * d + p.delta * (base - t)
            return min(max(t2, 0.0), 1.0)

        link.trust_ab, link.trust_ba = (new(link.trust_ab, link.perceived_ab, link.base_ab),
                                        new(link.trust_ba, link.perceived_ba, link.base_ba))

    def collect(self):
        """Model-level indicators: mean satisfaction, Gini, deals, trust."""
        weights = self.good_weight / self.good_weight.sum()
        sat = np.array([float(agent.satisfaction @ weights) for agent in self.territories])
        pop = np.array([agent.population for agent in self.territories])
        self.rows.append({"satisfaction": float(sat @ pop / pop.sum()),
                          "gini": gini(sat, weights=pop),
                          "deals": sum(link.deal for link in self.links),
                          "trust": float(np.mean([link.trust_ab for link in self.links]
                                                 + [link.trust_ba for link in self.links]))})

    def satisfaction_matrix(self):
        """Satisfaction per territory and good (N, G)."""
        return np.array([agent.satisfaction for agent in self.territories])


def max_difference(scenario, seed, steps):
    """Largest difference in satisfaction between this reference and ``TerriModel``."""
    reference = PerAgentModel(scenario, seed)
    for _ in range(steps):
        reference.step()
    vectorised = TerriModel(scenario, rng=seed, record_territories="none", engine="numpy")
    vectorised.run(steps)
    return float(np.abs(reference.satisfaction_matrix() - vectorised.state.satisfaction).max())
