"""Kind and good names cannot make two series columns share a name (ODD 7.9)."""

from __future__ import annotations

import re

import pytest

from terrisim.scenario import Scenario, ScenarioError, scenario_from_dict


def renamed_kind(old: str, new: str) -> dict:
    """The default scenario with the kind ``old`` renamed ``new`` everywhere it is named."""
    data = Scenario().model_dump(mode="json", exclude={"base_dir"})

    def rename(mapping: dict) -> None:
        mapping[new] = mapping.pop(old)

    rename(data["kinds"])
    rename(data["territories"]["generator"]["counts"])
    for good in data["goods"].values():
        rename(good["need"])
        rename(good["capacity"])
    return data


def test_a_kind_can_be_renamed():
    scenario = scenario_from_dict(renamed_kind("rural", "village"))
    assert "village" in scenario.kinds


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("water", "kinds.water: a kind cannot have the name of a good ('water')"),
        ("min", "kinds.min: 'min' is reserved"),
        ("class_urban", "kinds.class_urban: 'class_urban' is reserved"),
    ],
)
def test_a_kind_named_like_a_good_or_a_reserved_column_is_refused(name: str, message: str):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        scenario_from_dict(renamed_kind("rural", name))


def test_generated_territories_have_french_names_numbered_within_their_kind():
    from terrisim.model import TerriModel

    counts = {"metropolis": 1, "town": 1, "periurban": 2, "rural": 3, "mountain": 1}
    model = TerriModel(scenario_from_dict({"territories": {"generator": {"counts": counts}}}))
    names = [str(n) for n in model.state.names]
    assert sorted(names) == sorted(
        [
            "Métropole 1",
            "Ville 1",
            "Commune périurbaine 1",
            "Commune périurbaine 2",
            "Commune rurale 1",
            "Commune rurale 2",
            "Commune rurale 3",
            "Commune de montagne 1",
        ]
    )
    kinds = [model.state.kinds[k] for k in model.state.kind]
    assert [n for n, k in zip(names, kinds, strict=True) if k == "rural"] == [
        "Commune rurale 1",
        "Commune rurale 2",
        "Commune rurale 3",
    ]  # numbered in index order


def test_a_kind_of_its_own_keeps_its_name_in_generated_names():
    from terrisim.model import TerriModel

    model = TerriModel(scenario_from_dict(renamed_kind("rural", "village")))
    assert any(str(n).startswith("village ") for n in model.state.names)
