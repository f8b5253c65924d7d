"""The Mesa path: rules written per agent, as a Territory's ``step()`` (ODD 7.11; issue 19).

A student who thinks in agents writes a subclass of :class:`~terrisim.agents.Territory` with a
``step()``: what one territory does, looking at its own row and its partners. The model calls
every territory's ``step()`` in the phase ``act`` (after the exchanges and the market, before
consumption), **plan, then commit**: while the territories step, the state is read-only
(:func:`terrisim.rules.guard.read_only`); a territory only *plans*, through its helpers
(:meth:`~terrisim.agents.Territory.set_trust`, :meth:`~terrisim.agents.Territory.give`), and
the model commits every plan at once when all have stepped. So the order in which territories
step does not matter (``check-rule``'s ``agent_order`` checks it)::

    from terrisim.agents import Territory

    class Generous(Territory):
        def step(self):
            for partner in self.partners():
                if self.surplus("food") > 0 and partner.lack("food") > 0:
                    self.give(partner, "food", 0.1 * self.surplus("food"))
                    self.set_trust(partner, min(1.0, self.trust[partner.territory_id] + 0.01))

    # a scenario file names it:   [agents]  territory = "my_rules:Generous"
    # or in Python:               TerriModel(scenario, territory_class=Generous)

Commit (:meth:`AgentPlan.commit`): the trust each territory set in a partner replaces it on
that arc (each arc is planned by its origin only); gifts move through
:meth:`~terrisim.model.TerriModel.transfer` (channel ``"agents"``, so goods are conserved and
recorded), and a territory that planned to give more of a good than it has at hand gives each
partner the same share of what it planned. The default Territory plans nothing and the phase
costs nothing (its ``step`` is not even called).

:func:`data_collector` attaches a Mesa ``DataCollector`` fed by the recorder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from terrisim.errors import ScenarioError

if TYPE_CHECKING:
    import mesa

    from terrisim.services import AgentServices

#: The name of the built-in Territory class in ``[agents] territory = ...``.
BUILTIN = "territory"


class AgentPlan:
    """What territories planned in the phase ``act``, committed at once (ODD 7.11).

    Attributes:
        trust: Planned trust by arc index.
        gifts: Planned gifts ``(giver, receiver, good index, amount)``.
    """

    def __init__(self) -> None:
        self.trust: dict[int, float] = {}
        self.gifts: list[tuple[int, int, int, float]] = []

    @property
    def acted(self) -> bool:
        """Whether any territory planned anything this step."""
        return bool(self.trust or self.gifts)

    def commit(self, model: AgentServices) -> None:
        """Write the planned trust, then move the planned gifts (scaled to what givers have)."""
        s = model.state
        if self.trust:
            arcs = np.fromiter(self.trust, dtype=np.int64)
            trust = s.trust.copy()
            trust[arcs] = np.fromiter(self.trust.values(), dtype=float)
            s.trust = trust
        if not self.gifts:
            return
        giver, receiver, good, amount = (np.array(x) for x in zip(*self.gifts, strict=True))
        amounts = np.zeros((giver.size, len(s.goods)))
        amounts[np.arange(giver.size), good.astype(np.int64)] = amount
        planned = np.zeros_like(s.available)
        np.add.at(planned, giver, amounts)
        have = np.maximum(s.available, 0.0)
        share = np.divide(have, planned, out=np.ones_like(planned), where=planned > have)
        amounts *= share[giver]
        model.transfer(giver, receiver, amounts, "agents")


def per_agent(cls: type) -> bool:
    """Whether a Territory class has a ``step`` of its own (else the phase does nothing)."""
    from terrisim.agents import Territory

    return cls.step is not Territory.step


def run_agents(model: AgentServices, order: Sequence[int] | None = None) -> AgentPlan:
    """The phase ``act``: every territory's ``step()`` plans, then the plan is committed.

    The state is read-only while territories step; their plans are committed together, so
    the result does not depend on the order of territories.

    Args:
        model: The model.
        order: The order in which territories step (default: the state's order); any order
            gives the same result.
    """
    from terrisim.rules.guard import read_only

    plan = AgentPlan()
    model.agent_plan = plan
    if not per_agent(type(model.territories[0]) if model.territories else object):
        return plan
    who = f"territory rule {type(model.territories[0]).__name__}.step"
    with read_only(who, {"state": model.state}):
        for index in range(len(model.territories)) if order is None else order:
            model.territories[index].step()
    plan.commit(model)
    return plan


def territory_class(spec: dict[str, Any], field: str = "agents") -> tuple[type, Any]:
    """The Territory class a scenario's ``[agents]`` table names, and its parameters.

    Args:
        spec: ``{"territory": "module:Class" | "territory", **params}``.
        field: The scenario field, for error messages.

    Raises:
        ScenarioError: a module that cannot be imported, a missing class, a class that is not
            a Territory, or parameters its ``Params`` refuses (the allowed ones listed).
    """
    from terrisim.agents import Territory
    from terrisim.rules.base import import_module_of
    from terrisim.scenario.loading import format_validation_error

    spec = dict(spec)
    name = spec.pop("territory", BUILTIN)
    if name == BUILTIN:
        cls: type = Territory
    else:
        if ":" not in str(name):
            raise ScenarioError(
                f"{field}.territory: expected {BUILTIN!r} or 'module:Class' (got {name!r})"
            )
        module, attr = import_module_of(str(name), f"{field}.territory")
        module_name = module.__name__
        cls = getattr(module, attr, None)
        if cls is None:
            raise ScenarioError(f"{field}.territory: module {module_name!r} has no {attr!r}")
        if not (isinstance(cls, type) and issubclass(cls, Territory)):
            raise ScenarioError(
                f"{field}.territory: {attr} is not a Territory (subclass "
                "terrisim.agents.Territory and write its step())"
            )
    try:
        params = cls.Params(**spec)
    except ValidationError as exc:
        own = sorted(cls.Params.model_fields)
        raise ScenarioError(
            format_validation_error(exc, "scenario", prefix=field, allowed=["territory", *own])
        ) from None
    return cls, params


def data_collector(
    model: AgentServices,
    columns: list[str] | None = None,
    agent_reporters: dict[str, Any] | None = None,
) -> mesa.DataCollector:
    """Attach a Mesa ``DataCollector`` to ``model``, fed by the recorder at every step.

    Args:
        model: The model; from now on its phase ``collect`` also calls
            ``datacollector.collect(model)``, after the recorder.
        columns: The recorder's step indicators to report as model variables (default:
            satisfaction, trust, Gini, deals, volume in value).
        agent_reporters: Mesa agent reporters for the territories (default: satisfaction,
            reserve, leaning, engineering).

    Returns:
        The ``mesa.DataCollector`` (also ``model.datacollector``):
        ``get_model_vars_dataframe()``, and
        ``get_agenttype_vars_dataframe(type(model.territories[0]))`` (Mesa keys agents by
        their exact class: a per-agent rule's subclass, not ``Territory``).
    """
    import mesa

    from terrisim.agents import Territory

    columns = columns or ["satisfaction", "trust", "gini", "deals", "volume_value"]

    def reporter(column: str) -> Any:
        return lambda m: m.recorder.rows[-1].get(column) if m.recorder.rows else None

    agents = agent_reporters or {
        "satisfaction": "satisfaction",
        "reserve": "reserve",
        "leaning": "leaning",
        "engineering": "engineering",
    }
    collector = mesa.DataCollector(
        model_reporters={column: reporter(column) for column in columns},
        agenttype_reporters={
            type(model.territories[0]) if model.territories else Territory: agents
        },
    )
    model.datacollector = collector
    return collector
