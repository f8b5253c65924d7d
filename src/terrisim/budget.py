"""Municipal budgets: revenue, operating spending, reserves, investment, public capital (ODD 7.6).

Each step a territory collects its own revenue and its State grants, pays its operating
spending as far as its means allow (its *fiscal health*), keeps a reserve of its kind's
``reserve_steps`` steps of spending, and invests what it saves beyond that.
Investment maintains the territory's public capital (equipment, buildings, networks), which
depreciates otherwise; public services are produced with it (ODD 7.1). A territory that saves
as it did at set-up keeps its capital; one that cannot (a grant cut, a reserve to refill) loses
capital, and the loss lasts after the cause is gone, because capital is rebuilt only by
investing more than the baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from terrisim.scenario.schema import BudgetSpec
    from terrisim.state import TerritoryState


def update_budgets(
    state: TerritoryState,
    transfers: np.ndarray,
    spec: BudgetSpec,
    *,
    grants: np.ndarray | None = None,
) -> None:
    """One step of every budget (ODD 7.6), written into ``state``.

    ``revenue = fiscal_base + grant * grant_factor + transfers``;
    ``spent = spending * spending_factor`` (the spending need after shocks);
    ``h = min(1, (revenue + draw_rate * reserve) / spent)``;
    ``cash = max(reserve + revenue - h * spent, 0)``;
    ``saved = max(cash - reserve_target, 0)`` (``reserve_target``: the kind's
    ``reserve_steps``, else ``budget.initial_reserve_steps``, times ``spending``);
    ``reserve = cash - saved``; ``investment = saved + grants`` (``grants``: the State's
    investment subsidies of this step, ODD 7.5.4; they do not enter the reserve);
    ``capital = (1 - depreciation) * capital + depreciation * investment / upkeep``
    where ``upkeep > 0`` (else capital is kept): ``upkeep`` is the investment that keeps
    capital at 1, the kind's ``upkeep`` per 1,000 inhabitants (ODD 5.4).

    Args:
        state: The territories; ``reserve`` already holds the money of this step's deals.
        transfers: Fiscal transfers booked by institutions this step (k EUR, sum 0).
        spec: The scenario's ``[budget]`` table.
        grants: Investment subsidies from the State this step (k EUR, >= 0), or None.
    """
    s = state
    revenue = s.fiscal_base + s.grant * s.grant_factor + transfers
    spent = s.spending * s.spending_factor
    s.fiscal_health = np.minimum(1.0, (revenue + spec.draw_rate * s.reserve) / spent)
    cash = np.maximum(s.reserve + revenue - s.fiscal_health * spent, 0.0)
    saved = np.maximum(cash - s.reserve_target, 0.0)
    s.reserve = cash - saved
    s.investment = saved if grants is None or not grants.any() else saved + grants
    ratio = np.divide(s.investment, s.upkeep, out=s.capital.copy(), where=s.upkeep > 0)
    s.capital = (1.0 - spec.depreciation) * s.capital + spec.depreciation * ratio
