"""The map's route: the real boundaries of a scenario of French territories (issue 15).

====== ============================== ===========================================================
GET    ``/api/boundaries/{name}``     ``{level, crs, areas, outlines}``: GeoJSON in Lambert-93 km
                                      of the scenario's communes or EPCI (simplified, cached;
                                      :mod:`terrisim.france.mapdata`); ``?crs=wgs84``: in
                                      longitude and latitude; 404 ``not_real`` for a
                                      scenario whose territories are not real
====== ============================== ===========================================================

The trainers' page colours these areas with the per-area values of each frame
(``panel.map.areas``, :func:`terrisim.france.mapdata.area_values`); the game's set-up screen lets
the trainer click them to give a team its territory. Everything is served by the page's own
server: no tile server, no network.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Any

from terrisim.scenario import ScenarioError
from terrisim.ui import fields, viewmodel
from terrisim.ui.server import HTTPError, Request, Router


def map_routes(configs_dir: Path | None = None) -> Router:
    """The route of the real boundaries, for the scenarios of ``configs_dir``."""
    configs = Path(configs_dir) if configs_dir else viewmodel.default_configs_dir()
    router = Router()

    @router.route("GET", "/api/boundaries/{name}")
    def boundaries(request: Request) -> dict[str, Any]:
        name = request.params["name"]
        entry = next((e for e in viewmodel.list_scenarios(configs) if e.id == name), None)
        if entry is None:
            raise HTTPError(
                HTTPStatus.NOT_FOUND, "unknown_scenario", f"aucun scénario {fields.quoted(name)}"
            )
        try:
            spec = viewmodel.load_entry(entry).territories
            if spec.source != "france":
                raise HTTPError(
                    HTTPStatus.NOT_FOUND,
                    "not_real",
                    f"scénario {fields.quoted(name)} : ses territoires ne sont pas réels "
                    f"(source = {fields.quoted(spec.source)})",
                )
            from terrisim.france.mapdata import CRS
            from terrisim.france.mapdata import boundaries as real_boundaries

            crs = str(request.query.get("crs", "km"))
            if crs not in CRS:
                raise HTTPError(
                    HTTPStatus.BAD_REQUEST,
                    "bad_field",
                    f"crs : {fields.quoted(crs)} n'est pas un système de coordonnées de carte ; "
                    f"permis : {', '.join(CRS)}",
                )
            return real_boundaries(spec, crs)
        except (viewmodel.ViewModelError, ScenarioError) as exc:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST, "bad_scenario", f"scénario invalide : {exc}"
            ) from None

    return router
