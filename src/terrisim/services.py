"""What the parts of the model use of it: narrow protocols instead of the whole ``TerriModel``.

Institutions (:mod:`terrisim.governance`), shocks (:mod:`terrisim.shocks`), the per-agent phase
(:mod:`terrisim.per_agent`, :mod:`terrisim.agents`) and the recorder (:mod:`terrisim.recorder`)
are typed against these protocols, not against :class:`terrisim.model.TerriModel`: they depend
on what they use (the state, the scenario, the random streams, the step's services), and the
model, which builds them, is the only module that imports them. ``TerriModel`` satisfies every
protocol here; a test double with the same attributes does too. ``tests/test_layers.py`` fails
if one of these modules imports the model again (even under ``TYPE_CHECKING``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from terrisim.exchange import ExchangeOutcome
    from terrisim.ledger import StepLedger
    from terrisim.scenario.schema import Scenario
    from terrisim.state import TerritoryState


class ModelServices(Protocol):
    """What an institution or a shock uses: state, scenario, streams, the step's services.

    Attributes:
        state: The territories' arrays (ODD 2).
        config: The scenario the model runs.
        streams: The model's random streams by name (ODD 5.3), e.g. ``"governance"``,
            ``"shocks"``.
        institutions: The model's institutions, in scenario order (e.g. a merger looks for
            the others).
        steps: Steps started so far (Mesa's counter; 1 during the first step).
    """

    state: TerritoryState
    config: Scenario
    streams: dict[str, np.random.Generator]
    institutions: Sequence[Any]

    @property
    def steps(self) -> int:
        """Steps started so far."""
        ...

    def transfer(
        self, giver: np.ndarray, receiver: np.ndarray, amounts: np.ndarray, channel: str
    ) -> None:
        """Move goods between territories, recorded in the step's ledger (conserved)."""
        ...

    def engineering_left(self) -> np.ndarray:
        """Engineering not yet used this step, per territory."""
        ...

    def use_engineering(self, territories: np.ndarray, amount: np.ndarray) -> None:
        """Book engineering used by an institution this step."""
        ...

    def transfer_revenue(self, territories: np.ndarray, amounts: np.ndarray) -> None:
        """Add amounts summing to zero to this step's revenue (fiscal transfers)."""
        ...

    def fund_investment(self, territories: np.ndarray, amounts: np.ndarray) -> None:
        """Add State investment subsidies (k EUR, >= 0, from outside the scope) this step."""
        ...

    def log_event(self, kind: str, **fields: Any) -> None:
        """Append an event to the narrative log (:mod:`terrisim.narrative`)."""
        ...

    def schedule_event(self, function: Callable[..., Any], **when: Any) -> Any:
        """Schedule ``function`` (``at=``, ``priority=``: Mesa's event list; shocks start so)."""
        ...


class AgentServices(ModelServices, Protocol):
    """What the per-agent phase and its territories use (ODD 7.11).

    Attributes:
        territories: The model's territories (Mesa agents), one per row of the state.
        agent_plan: The plan the territories fill during the phase act.
        datacollector: Mesa's DataCollector fed by the recorder, when asked for.
    """

    territories: Sequence[Any]
    agent_plan: Any
    datacollector: Any


class RecordedModel(ModelServices, Protocol):
    """What the recorder reads after a step: the services' view plus the step's outcomes.

    Attributes:
        outcome: The step's exchange outcome (ODD 7.4).
        ledger: The step's accounts by channel.
        market: The market of the scope's outcome (ODD 7.10).
        commuted: Commuters' flows of the step.
        shocks: The shocks' schedule and history (:class:`terrisim.shocks.Shocks`).
    """

    outcome: ExchangeOutcome
    ledger: StepLedger
    market: Any
    commuted: np.ndarray
    shocks: Any

    def volume_by_good(self, channel: str | None = None) -> np.ndarray:
        """Units exchanged this step per good, in one channel or all."""
        ...
