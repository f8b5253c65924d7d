"""The step's accounts: flows of goods by channel, engineering and revenue booked this step.

:meth:`terrisim.model.TerriModel.step` opens a new :class:`StepLedger` before the first phase,
so no phase resets what another one books (ODD 3). Institutions book through the model's
``transfer``, ``use_engineering``, ``transfer_revenue`` and ``fund_investment``; the recorder reads the flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: one entry of a channel: (giver indices (k,), receiver indices (k,), amounts (k, G))
Flows = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class StepLedger:
    """What was moved and booked during one step.

    Attributes:
        flows: Channel name (``"bilateral"``, ``"contract"``...) -> its entries this step.
        governance_engineering: Engineering used by institutions this step, per territory.
        revenue_transfer: Fiscal transfers into each budget this step (k EUR; sums to 0).
        investment_grant: Investment subsidies from the State into each budget this step
            (k EUR, from outside the scope; calls for projects, ODD 7.5.4).
    """

    n: int
    flows: dict[str, list[Flows]] = field(default_factory=dict)
    governance_engineering: np.ndarray = field(init=False)
    revenue_transfer: np.ndarray = field(init=False)
    investment_grant: np.ndarray = field(init=False)
    _volumes: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.governance_engineering = np.zeros(self.n)
        self.revenue_transfer = np.zeros(self.n)
        self.investment_grant = np.zeros(self.n)

    def record(
        self,
        channel: str,
        giver: np.ndarray,
        receiver: np.ndarray,
        amounts: np.ndarray,
        volume: np.ndarray | None = None,
    ) -> None:
        """Keep one entry of a channel's flows (aggregated on demand).

        ``volume`` is ``amounts.sum(axis=0)`` when the caller already has it (the kernels
        compute it in the same order), so that the records do not sum (A, G) flows again.
        """
        self.flows.setdefault(channel, []).append((giver, receiver, amounts))
        if volume is not None:
            self._volumes[id(amounts)] = (amounts, volume)

    def volume(self, amounts: np.ndarray) -> np.ndarray:
        """``amounts.sum(axis=0)`` of an entry, computed once."""
        known = self._volumes.get(id(amounts))
        if known is None or known[0] is not amounts:
            known = (amounts, amounts.sum(axis=0))
            self._volumes[id(amounts)] = known
        return known[1]

    def entries(self, channel: str | None = None) -> list[Flows]:
        """The entries of one channel, or of all channels in the order they were opened."""
        return [
            entry
            for name, parts in self.flows.items()
            if channel is None or name == channel
            for entry in parts
        ]
