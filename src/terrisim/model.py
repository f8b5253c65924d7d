"""TerriModel: territories that produce, need, trust and exchange baskets (ODD 3).

One step (one month) is a fixed list of phases, each reading the state left by the previous
one and writing its result at the end (synchronous semantics: no phase depends on the order of
agents). ``TerriModel.PHASES`` is that list; ``terrisim describe`` prints it with the active
rules, and docs/ODD.md section 3 describes it.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from terrisim import budget, market, narrative, per_agent, specialisation
from terrisim.agents import Territory
from terrisim.engine import engine_name
from terrisim.exchange import ExchangeOutcome, negotiate, withhold
from terrisim.governance import Governance
from terrisim.ledger import StepLedger
from terrisim.recorder import Recorder
from terrisim.rules.base import build_rule
from terrisim.rules.guard import FIXED, call_rule, crash_reported, freeze_kept_views, read_only
from terrisim.scenario.csv_io import load_csv_layout
from terrisim.scenario.generator import generate_layout
from terrisim.scenario.loading import ScenarioError, load_scenario, locate_errors
from terrisim.scenario.schema import Scenario
from terrisim.shocks import ActiveShock, Shocks
from terrisim.state import TerritoryState, at_hand, build_state
from terrisim.streams import EXCHANGE_SPAWN_KEY, STREAMS


def _checked_seed(rng: object) -> int:
    """``rng`` as a seed: an integer >= 0 (a bool, a float or a negative number is refused).

    Raises:
        ScenarioError: (a ``ValueError``) naming ``rng``, its value and what is allowed.
    """
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral) or rng < 0:
        raise ScenarioError(
            f"rng: the seed must be an integer >= 0, or None for the scenario's seed (got {rng!r})"
        )
    return int(rng)


class TerriModel(mesa.Model):
    """Urban-rural cooperation between territories (a Mesa model).

    Args:
        scenario: A :class:`~terrisim.scenario.Scenario`, a path to a TOML scenario file, or
            ``None`` for the built-in demo.
        rng: The seed, an integer >= 0 (else a ``ScenarioError``, a ``ValueError``). ``None``
            takes the scenario's ``seed``. Every random draw of
            the model comes from ``numpy.random.SeedSequence(rng)`` (see ``streams``).
        record_territories: Override ``scenario.output.territories`` ("all", "none",
            "sample"); ``False`` means "none".
        engine: How negotiation and delivery over links are computed: ``"numpy"`` (the
            readable reference) or ``"numba"`` (compiled kernels fed by the rules' own code,
            same numbers), or ``None``/``"auto"``: the ``TERRISIM_KERNEL`` environment
            variable, else numba when installed and the scenario has at least
            :data:`terrisim.engine.AUTO_NUMBA_LINKS` links (docs/performance.md). Every other phase and
            every rule runs as written whatever the engine (``terrisim describe`` says which
            code runs each phase).
        territory_class: The :class:`~terrisim.agents.Territory` subclass of the agents (a
            per-agent rule, ODD 7.11), instead of the scenario's ``[agents] territory``.

    Attributes:
        config: The validated scenario (a :class:`terrisim.scenario.Scenario`). It is not
            ``model.scenario``: Mesa 3.5 reserves that name for its experimental
            ``mesa.experimental.scenarios.Scenario`` (it checks ``scenario.rng`` against
            ``rng`` and sets ``scenario.model``), so ``model.scenario`` is Mesa's own, with
            the seed, and terrisim's scenario file is ``model.config``.
        state: The arrays of territories, goods and links.
        streams: Named numpy Generators (``layout``, ``state``, ``shocks``, ``governance``,
            ``rules``, ``exchange``).
        valuation, partners, trust_rule, defection: The active replaceable rules.
        institutions: The active governance rules.
        shocks: The shocks (scheduled, random, triggered).
        recorder: Per-step indicators and per-territory records.
        territories: The Territory agents, in state order.
        events: The narrative log: dicts with ``step``, ``kind``, ``text_fr``, ``text_en``.
        outcome: The last step's ad hoc exchange outcome.
        market: The last step's market outcome (:class:`terrisim.market.MarketOutcome`).
        engine: The resolved engine, ``"numpy"`` or ``"numba"`` (may be changed between
            steps; both give the same results).
        engine_requested: The ``engine`` argument as given (``None``: ``TERRISIM_KERNEL`` or
            ``"auto"``), so that ``terrisim describe`` can say why ``auto`` chose.
    """

    #: The Territory class of the agents; a subclass of the model may set its own (a scenario's
    #: ``[agents] territory`` or the ``territory_class`` argument take precedence).
    territory_class: type[Territory] = Territory

    PHASES = (
        "apply_shocks",
        "produce",
        "govern",
        "negotiate",
        "deliver",
        "trade",
        "act",
        "consume",
        "specialise",
        "update_budgets",
        "update_trust",
        "close_step",
        "collect",
    )

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: int | None = None,
        record_territories: str | bool | None = None,
        engine: str | None = None,
        territory_class: type[Territory] | None = None,
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        seed = scenario.seed if rng is None else _checked_seed(rng)
        super().__init__(rng=seed)
        self.config = scenario
        self.seed = seed
        engine_name(engine)  # an unknown engine fails before the scenario is built
        self.engine_requested = engine
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.streams = {
            name: np.random.default_rng(c) for name, c in zip(STREAMS, children, strict=True)
        }
        self.streams["exchange"] = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=EXCHANGE_SPAWN_KEY)
        )
        self.events: list[dict[str, Any]] = []
        # Errors found while building (CSV files, rules, shocks, institutions) name the
        # scenario file and line of the field (loading.locate_errors).
        try:
            if scenario.territories.source == "csv":
                layout = load_csv_layout(scenario, self.streams["layout"])
            elif scenario.territories.source == "france":  # real communes (ODD 5.5)
                from terrisim.france.layout import load_france_layout

                layout = load_france_layout(scenario, self.streams["layout"])
            else:
                layout = generate_layout(scenario, self.streams["layout"])
            self.state: TerritoryState = build_state(scenario, layout, self.streams["state"])
            self.engine = engine_name(engine, links=self.state.n_links)
            rules = scenario.rules
            self.valuation = build_rule(
                "valuation", rules.valuation.model_dump(), "rules.valuation"
            )
            self.partners = build_rule("partners", rules.partners.model_dump(), "rules.partners")
            self.trust_rule = build_rule("trust", rules.trust.model_dump(), "rules.trust")
            self.defection = build_rule(
                "defection", rules.defection.model_dump(), "rules.defection"
            )
            self.institutions: list[Governance] = [
                build_rule("governance", g.model_dump(), f"governance.{i}")
                for i, g in enumerate(scenario.governance)
            ]
            self.seed_rules()
            for institution in self.institutions:
                with crash_reported(f"governance rule {type(institution).__name__}.setup"):
                    institution.setup(self)
            self.shocks = Shocks(self, [s.model_dump() for s in scenario.shocks])
            cls, params = per_agent.territory_class(scenario.agents.model_dump(), "agents")
        except ScenarioError as exc:
            raise type(exc)(locate_errors(scenario, str(exc))) from None  # its kind kept
        if territory_class is not None:
            cls, params = territory_class, territory_class.Params()
        elif cls is Territory:
            cls = self.territory_class  # a subclass of the model may name its own
        with crash_reported(f"territory rule {cls.__name__}.__init__"):
            self.territories = [cls(self, i) for i in range(self.state.n)]
        for territory in self.territories:
            territory.params = params
        # views of what set-up fixed, kept by rules from set-up, become read-only (ODD 7)
        keepers = [*self.rules(), *self.shocks.kinds()]
        if cls is not Territory:
            keepers += self.territories
        freeze_kept_views(self.state, keepers)
        self.agent_plan = per_agent.AgentPlan()
        self.datacollector: mesa.DataCollector | None = None
        mode = record_territories
        if mode is None:
            mode = scenario.output.territories
        elif mode is True:
            mode = "all"
        elif mode is False:
            mode = "none"
        self.recorder = Recorder(self, territories=mode)
        self.outcome = ExchangeOutcome.empty(self.state)
        self.market = market.MarketOutcome.empty(self.state.n, len(self.state.goods))
        # the set-up needs do not change (rules see them read-only): summed once (ODD 7.10)
        self._scope_need = self.state.need.sum(axis=0)
        self.commuted = np.zeros(0)
        self.ledger = StepLedger(self.state.n)
        self.log_event("start", n=self.state.n, links=self.state.n_links)

    # ------------------------------------------------------------------ step schedule
    def step(self) -> None:
        """Run one step: :meth:`open_step`, then the phases of ``PHASES`` in order (ODD 3)."""
        self.open_step()
        for phase in self.PHASES:
            getattr(self, phase)()

    def open_step(self) -> None:
        """Open the step's accounts: a new, empty :class:`~terrisim.ledger.StepLedger`.

        Code that runs the phases one by one (tests, teaching notebooks) calls it first.
        Every rule learns the step number here (``rule.step``, ODD 5.3).
        """
        self.ledger = StepLedger(self.state.n)
        for rule in self.rules():
            rule.step = self.steps

    def rules(self) -> list[Any]:
        """The active rules, in slot order: valuation, partners, trust, institutions, defection.

        The defection rule comes last so that adding it changed no institution's stream.
        """
        return [self.valuation, self.partners, self.trust_rule, *self.institutions, self.defection]

    def seed_rules(self) -> None:
        """Give every rule its own random stream, ``rule.rng`` (ODD 5.3).

        Slot ``s`` of :meth:`rules` gets ``default_rng(SeedSequence(seed, spawn_key=(5, s)))``:
        the children of a sixth child of the model's seed sequence, so that a rule's draws
        change none of the model's streams. Called at set-up; call it again after replacing
        a rule (``model.trust_rule = MyRule()``) to give the new one its stream.
        """
        for slot, rule in enumerate(self.rules()):
            sequence = np.random.SeedSequence(self.seed, spawn_key=(len(STREAMS), slot))
            rule.rng = np.random.default_rng(sequence)

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` steps (default: the scenario's ``steps``)."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()

    def apply_shocks(self) -> None:
        """Reset the shock modifiers and apply the active shocks (ODD 7.8)."""
        self.shocks.apply()

    def produce(self) -> None:
        """Production: ``available = stock + capacity * skill * production_factor * h * k`` (ODD 7.1).

        For public goods ``h`` is the fiscal health of the previous step and ``k`` the public
        capital (ODD 7.6); both are 1 for other goods. ``skill`` is 1 unless specialisation
        is switched on (ODD 7.12).
        """
        s = self.state
        s.available = s.stock + s.production

    def govern(self) -> None:
        """Governance institutions act before ad hoc deals (ODD 7.5)."""
        for institution in self.institutions:
            self._institution(institution, "before_exchange")

    def negotiate(self) -> None:
        """Ad hoc bilateral basket negotiation on every link (ODD 7.4).

        One acceptance draw per link, in link order, from the ``exchange`` stream, at every
        step where ad hoc deals are enabled and there are links (ODD 5.3, 7.4.3). Then the
        defection rule says who keeps what it promised, and the sanctions follow
        (:func:`terrisim.exchange.withhold`, ODD 7.4.6), before institutions see the outcome.
        """
        spec, e = self.config.exchange, self.state.n_links
        draws = self._acceptance_draws() if spec.enabled and e else None
        self.outcome = negotiate(
            self.state,
            self.valuation,
            self.partners,
            spec,
            self.engineering_left(),
            engine=self.engine,
            draws=draws,
        )
        defected = call_rule(
            "defection", self.defection, "defects", self.state, outcome=self.outcome
        )
        withhold(
            self.state, self.outcome, defected, getattr(self.defection.params, "reputation", 0.0)
        )
        for institution in self.institutions:
            self._institution(institution, "after_exchange", self.outcome)

    def _acceptance_draws(self) -> np.ndarray:
        """One uniform draw per link from the ``exchange`` stream (ODD 5.3, 7.4.3).

        The draws are taken in the links' canonical order, by the ids of their ends (the
        smaller id, then the larger one), and handed to the links in state order, so that the
        order of territories and links in the input changes nothing.
        """
        s = self.state
        order = getattr(self, "_canonical_links", None)
        if order is None or order.size != s.n_links:
            ids_src, ids_dst = s.ids[s.src], s.ids[s.dst]
            first = ids_src <= ids_dst
            low = np.where(first, ids_src, ids_dst)
            high = np.where(first, ids_dst, ids_src)
            order = np.lexsort((high, low))
            self._canonical_links = order
        draws = np.empty(s.n_links)
        draws[order] = self.streams["exchange"].random(s.n_links)
        return draws

    def deliver(self) -> None:
        """Commit the negotiated baskets: goods and money move along arcs (ODD 7.4.4).

        ``available += received - given`` (per good; rounding below zero clamped,
        :func:`terrisim.state.at_hand`), the same for money and reserves. ``state.flow``
        becomes the step's bilateral flows (the outcome's array, not a copy); they are
        recorded in the ledger.
        """
        s, flow, money = self.state, self.outcome.flow, self.outcome.money
        if self.engine == "numba" and flow.shape == s.flow.shape:
            volume = np.zeros(len(s.goods))
            # the links the kernel saw move something, unless an institution could have
            # changed the outcome since
            moving = None if self.institutions else self.outcome.moving
            from terrisim import kernels

            s.available, s.reserve = kernels.deliver_arcs(
                s.src,
                s.dst,
                np.ascontiguousarray(flow, dtype=float),
                np.ascontiguousarray(money, dtype=float),
                s.available,
                s.reserve,
                volume,
                np.zeros(0, np.int64) if moving is None else moving,
                moving is not None,
            )
            s.flow = flow
            # the kernel sums each good's flows in arc order, as numpy sums the columns of
            # (A, G) flows; a single column numpy sums pairwise: it does that sum itself
            self.ledger.record(
                "bilateral", s.arc_from, s.arc_to, flow, volume if volume.size > 1 else None
            )
            return
        s.available = at_hand(s.available + s.sum_by_end(flow) - s.sum_by_origin(flow))
        s.reserve = s.reserve + s.sum_by_end(money) - s.sum_by_origin(money)
        s.flow = flow
        self.ledger.record("bilateral", s.arc_from, s.arc_to, flow)

    def trade(self) -> None:
        """Commuting, then the market of the scope for traded goods (ODD 7.10).

        Commuters take jobs at their pole (:func:`terrisim.market.commute`); then every traded
        good is cleared (:func:`terrisim.market.clear`): ``available += bought - sold``, the
        imports coming from outside the scope, up to ``market.outside_supply`` times the
        scope's need of each good. After commuting, rounding below zero is clamped
        (:func:`terrisim.state.at_hand`: a pole's jobs taken on several links may add up to
        a rounding more than its surplus); the market needs no clamp (a seller sells at most
        its surplus, a buyer sells nothing).
        """
        s, spec = self.state, self.config.market
        need = s.effective_need
        self.commuted, home_in, work_out = self._commute(need)
        if not spec.enabled or not s.market.any():
            self.market = market.MarketOutcome.empty(s.n, len(s.goods))
        else:
            outside = spec.outside_supply * self._scope_need
            self.market = market.clear(s.available, need, s.market, outside)
            s.available = s.available + self.market.bought - self.market.sold
        s.bought = self.market.bought + home_in
        s.sold = self.market.sold + work_out

    def _commute(self, need: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Commuters take jobs at their pole (:func:`terrisim.market.commute`).

        Returns:
            The units taken on each commuting pair (K,), and what homes received and poles
            gave, (N, G) each (zero but for the commuted good).
        """
        s, spec = self.state, self.config.commuting
        home_in, work_out = np.zeros_like(s.available), np.zeros_like(s.available)
        if not spec.enabled or spec.good not in s.goods or not s.commute_home.size:
            return np.zeros(0), home_in, work_out
        j = s.goods.index(spec.good)
        taken = market.commute(
            s.available,
            need,
            home=s.commute_home,
            work=s.commute_work,
            share=s.commute_share,
            good=j,
        )
        home_in[:, j] = np.bincount(s.commute_home, taken, s.n)
        work_out[:, j] = np.bincount(s.commute_work, taken, s.n)
        s.available = at_hand(s.available + (home_in - work_out))
        return taken, home_in, work_out

    def consume(self) -> None:
        """Consumption, satisfaction and stocks (ODD 7.2).

        ``consumed = min(available, need)``, ``satisfaction = consumed / need`` (1 if no need),
        ``stock = storable * min((available - consumed) * (1 - decay), stock_cap)``.
        """
        s = self.state
        need = s.effective_need
        s.consumed = np.minimum(s.available, need)
        s.satisfaction = np.divide(s.consumed, need, out=np.ones_like(need), where=need > 0)
        leftover = (s.available - s.consumed) * (1.0 - s.decay)
        s.stock = np.where(s.storable, np.minimum(leftover, s.stock_cap), 0.0)

    def specialise(self) -> None:
        """Producers' skill follows their sales (ODD 7.12, :mod:`terrisim.specialisation`)."""
        specialisation.update_skill(self.state, self.config.specialisation)

    def update_budgets(self) -> None:
        """Budgets, reserves, investment and public capital (ODD 7.6, :mod:`terrisim.budget`).

        The fiscal transfers booked by institutions this step (:meth:`transfer_revenue`) are
        part of the revenue.
        """
        budget.update_budgets(
            self.state,
            self.ledger.revenue_transfer,
            self.config.budget,
            grants=self.ledger.investment_grant,
        )

    def update_trust(self) -> None:
        """Trust update by the trust rule from the step's outcome (ODD 7.7).

        The rule's own ``update`` runs under every engine, with the state and the outcome
        read-only (:func:`terrisim.rules.guard.call_rule`); its output is checked (shape,
        finite, in [0, 1]) by :func:`terrisim.rules.outputs.checked_output`.
        """
        self.state.trust = call_rule(
            "trust", self.trust_rule, "update", self.state, outcome=self.outcome
        )

    def close_step(self) -> None:
        """Institutions close the step (ODD 7.5); the step's engineering use goes to the state.

        ``state.engineering_used = E^inst + E^adhoc``: what institutions booked this step
        (:meth:`use_engineering`, net of engineering given back) plus what ad hoc deals used.
        """
        for institution in self.institutions:
            self._institution(institution, "end_step")
        self.state.engineering_used = self.ledger.governance_engineering + self.outcome.engineering

    def act(self) -> None:
        """Per-agent rules: every Territory's step() plans, then the plans commit (ODD 7.11).

        The state is read-only while territories step; what they planned (trust in partners,
        gifts of goods) is committed at once (:func:`terrisim.per_agent.run_agents`), so the
        order of territories does not matter. With the built-in Territory, nothing happens.
        """
        per_agent.run_agents(self)

    def collect(self) -> None:
        """Record the step's indicators (ODD 7.9)."""
        self.recorder.collect()
        if self.datacollector is not None:  # a Mesa DataCollector (per_agent.data_collector)
            self.datacollector.collect(self)

    def _institution(self, institution: Governance, hook: str, *args: Any) -> None:
        """Call an institution's hook, what set-up fixed read-only (:data:`~terrisim.rules.guard.FIXED`)."""
        who = f"governance rule {type(institution).__name__}.{hook}"
        with read_only(who, {"state": self.state}, FIXED):
            getattr(institution, hook)(self, *args)

    # ------------------------------------------------------------------ services
    def engineering_left(self) -> np.ndarray:
        """Engineering not yet used this step: ``engineering * h - used by institutions``."""
        s = self.state
        return np.maximum(s.engineering * s.fiscal_health - self.ledger.governance_engineering, 0.0)

    def use_engineering(self, territories: np.ndarray, amount: np.ndarray) -> None:
        """Book engineering used by an institution this step."""
        np.add.at(self.ledger.governance_engineering, territories, amount)

    def transfer_revenue(self, territories: np.ndarray, amounts: np.ndarray) -> None:
        """Add ``amounts`` (k EUR, negative when paid) to this step's revenue (ODD 7.6).

        Fiscal transfers between budgets, e.g. a merger's equalisation (ODD 7.5.3); they enter
        ``update_budgets``. Money is conserved: the amounts of one call must sum to zero.

        Raises:
            ValueError: amounts that do not sum to zero.
        """
        amounts = np.asarray(amounts, float)
        if abs(amounts.sum()) > 1e-9 * max(1.0, float(np.abs(amounts).sum())):
            raise ValueError("transfer_revenue: the amounts must sum to zero")
        np.add.at(self.ledger.revenue_transfer, np.asarray(territories), amounts)

    def fund_investment(self, territories: np.ndarray, amounts: np.ndarray) -> None:
        """Add State investment subsidies (k EUR, >= 0) to this step's investment (ODD 7.6).

        The money comes from outside the scope (a call for projects, ODD 7.5.4): unlike
        :meth:`transfer_revenue`, the amounts need not sum to zero.

        Raises:
            ValueError: a negative or non-finite amount.
        """
        amounts = np.asarray(amounts, float)
        if not np.isfinite(amounts).all() or (amounts < 0).any():
            raise ValueError("fund_investment: the amounts must be finite and >= 0")
        np.add.at(self.ledger.investment_grant, np.asarray(territories), amounts)

    def transfer(
        self, giver: np.ndarray, receiver: np.ndarray, amounts: np.ndarray, channel: str
    ) -> None:
        """Move goods between territories (the only way institutions move goods).

        Args:
            giver: Indices of the giving territories, shape (k,).
            receiver: Indices of the receiving territories, shape (k,).
            amounts: Units of each good, shape (k, G), non-negative.
            channel: Name for the records ("contract", "conference", "merger"...).

        A giver may ask to give up to a rounding more than it has (``1e-9`` relative,
        ``1e-12`` absolute): its rows of that good are then scaled down to what it has, so no
        goods are created, and what rounding still leaves below 0 is set to 0
        (:func:`terrisim.state.at_hand`).

        Raises:
            ValueError: negative amounts, or a giver giving more than it has available.
        """
        s = self.state
        giver, receiver = np.asarray(giver), np.asarray(receiver)
        amounts = np.asarray(amounts, float).reshape(giver.size, len(s.goods))
        if (amounts < 0).any():
            raise ValueError(f"{channel}: negative transfer")
        out = np.zeros_like(s.available)
        np.add.at(out, giver, amounts)
        if (out > s.available * (1 + 1e-9) + 1e-12).any():
            raise ValueError(f"{channel}: a territory would give more than it has")
        over = out > s.available
        if over.any():  # a rounding more than it has: it gives what it has, no goods created
            scale = np.divide(s.available, out, out=np.ones_like(out), where=over)
            amounts = amounts * scale[giver]
            out = np.zeros_like(s.available)
            np.add.at(out, giver, amounts)
        into = np.zeros_like(s.available)
        np.add.at(into, receiver, amounts)
        s.available = at_hand(s.available - out + into)
        self.ledger.record(channel, giver, receiver, amounts)

    def volume_by_good(self, channel: str | None = None) -> np.ndarray:
        """Units exchanged this step per good, in one channel or all, shape (G,)."""
        total = np.zeros(len(self.state.goods))
        for _, _, amounts in self.ledger.entries(channel):
            total += self.ledger.volume(amounts)
        return total

    def flows_by_kind(self, channel: str | None = None) -> np.ndarray:
        """Units exchanged this step from kind to kind per good, shape (K, K, G)."""
        s = self.state
        k, g = len(s.kinds), len(s.goods)
        total = np.zeros((k * k, g))
        for giver, receiver, amounts in self.ledger.entries(channel):
            pairs = s.kind[giver].astype(np.int64) * k + s.kind[receiver]
            for j in range(g):
                total[:, j] += np.bincount(pairs, amounts[:, j], k * k)
        return total.reshape(k, k, g)

    def log_event(self, kind: str, **fields: Any) -> None:
        """Append an event to the narrative log (:func:`terrisim.narrative.event`).

        ``step`` defaults to the current step.
        """
        step = fields.pop("step", self.steps)
        self.events.append(narrative.event(step, kind, fields))

    def trigger_shock(
        self,
        kind: str,
        magnitude: float = 0.4,
        *,
        duration: int | None = 6,
        kinds: list[str] | None = None,
        classes: list[str] | None = None,
        ids: list[str] | None = None,
    ) -> ActiveShock:
        """Start a shock now: it hits from the next step (ODD 7.8; :meth:`Shocks.start`).

        Args:
            kind: A registered shock name or ``module:Class``.
            magnitude: Strength in [0, 1].
            duration: Steps affected; ``None`` for a permanent shock.
            kinds: Targeted kinds (a name that is not a kind means the class).
            classes: Targeted classes: ``"urban"``, ``"rural"`` (every non-urban territory).
            ids: Targeted territory ids. Targets are the union of ``kinds``, ``classes`` and
                ``ids``; with none of them, the kind's default targets, else all territories.

        Returns:
            The active shock (its record is appended to ``self.shocks.history``).

        Raises:
            ScenarioError: unknown kind or target, magnitude outside [0, 1], duration < 1.
        """
        return self.shocks.start(
            kind, magnitude, duration=duration, kinds=kinds, classes=classes, ids=ids
        )
