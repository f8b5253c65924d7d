"""Calls for projects (``call_for_projects``, ODD 7.5.4): who answers, who is funded, what the
money does, on territories small enough to follow by hand."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import PAIR_LINK, complementary_catalogue, csv_scenario, town_and_village

from terrisim.governance.calls import CallForProjects
from terrisim.model import TerriModel
from terrisim.scenario import ScenarioError

GRANT = 52.2


def model_of(rows: list[dict[str, Any]], links: list[dict[str, Any]], **call: Any) -> TerriModel:
    """These territories and links, with one call for projects (parameters ``call``)."""
    tables = complementary_catalogue()
    tables["governance"] = [{"rule": "call_for_projects", **call}]
    tables["exchange"] = {"enabled": False}
    folder = Path(tempfile.mkdtemp(prefix="terrisim-calls-"))
    return TerriModel(csv_scenario(folder, rows, links, **tables), record_territories=False)


def town_and_two_villages(engineering: tuple[float, float]) -> tuple[list, list]:
    """A town linked to two villages whose engineering per step is ``engineering``."""
    rows = town_and_village()
    second = {**rows[1], "id": "hamlet", "name": "Hamlet", "x_km": 0.0, "y_km": 10.0}
    rows[1]["engineering"], second["engineering"] = engineering
    links = [*PAIR_LINK, {"source": "town", "target": "hamlet", "kind": "proximity"}]
    return [*rows, second], links


def call_of(model: TerriModel) -> CallForProjects:
    return next(i for i in model.institutions if isinstance(i, CallForProjects))


def test_a_call_funds_an_urban_rural_project_half_to_each_partner() -> None:
    model = model_of(town_and_village(), PAIR_LINK)
    model.step()
    call = call_of(model)
    assert call.funded == 1
    np.testing.assert_allclose(call.awarded, [GRANT / 2, GRANT / 2])


def test_links_between_two_urban_or_two_rural_territories_are_not_eligible() -> None:
    rows = town_and_village(village={"kind": "town"})
    model = model_of(rows, PAIR_LINK)
    model.step()
    assert call_of(model).funded == 0


def test_a_partner_without_the_engineering_to_answer_leaves_the_project_unfunded() -> None:
    model = model_of(town_and_village(village={"engineering": 0.5}), PAIR_LINK, answer_cost=1.0)
    model.step()
    assert call_of(model).funded == 0
    assert model.state.engineering_used[1] == 0.0


def test_answering_spends_each_partners_engineering() -> None:
    model = model_of(town_and_village(), PAIR_LINK, answer_cost=3.0)
    model.step()
    np.testing.assert_allclose(model.state.engineering_used, [3.0, 3.0])


def test_the_territories_with_more_engineering_answer_first_and_the_budget_runs_out() -> None:
    rows, links = town_and_two_villages(engineering=(2.0, 5.0))
    population = sum(r["population"] for r in rows)
    one_project = GRANT / population * 1000  # a budget for exactly one grant
    model = model_of(rows, links, budget=one_project * 1.5)
    model.step()
    call = call_of(model)
    assert call.funded == 1
    np.testing.assert_allclose(call.awarded, [GRANT / 2, 0.0, GRANT / 2])  # the hamlet won
    # the village had the engineering: the budget left it out, and the event counts it
    (event,) = (e for e in model.events if e["kind"] == "call_for_projects")
    assert event["left_out"] == 1


def test_a_territory_answers_as_many_calls_as_its_engineering_allows() -> None:
    rows, links = town_and_two_villages(engineering=(1000.0, 1000.0))
    rows[0]["engineering"] = 1.5  # the town can afford one answer of cost 1, not two
    model = model_of(rows, links, answer_cost=1.0)
    model.step()
    assert call_of(model).funded == 1


def test_a_grant_is_invested_and_builds_public_capital() -> None:
    funded = model_of(town_and_village(), PAIR_LINK)
    unfunded = model_of(town_and_village(), PAIR_LINK, budget=0.0)
    funded.step()
    unfunded.step()
    extra = funded.state.investment - unfunded.state.investment
    np.testing.assert_allclose(extra, [GRANT / 2, GRANT / 2])
    assert (funded.state.capital > unfunded.state.capital).all()
    np.testing.assert_allclose(funded.state.reserve, unfunded.state.reserve)


def test_calls_open_every_period_from_the_first_call() -> None:
    model = model_of(town_and_village(), PAIR_LINK, first_call=2, period=3)
    values = []
    for _ in range(8):
        model.step()
        values.append(call_of(model).step_value)
    assert [v > 0 for v in values] == [False, True, False, False, True, False, False, True]
    assert model.recorder.series()["calls_projects"].tolist() == [0, 1, 1, 1, 2, 2, 2, 3]


def test_a_call_goes_in_the_narrative_in_french() -> None:
    model = model_of(town_and_village(), PAIR_LINK)
    model.step()
    (event,) = (e for e in model.events if e["kind"] == "call_for_projects")
    assert event["text_fr"] == (
        "Appel à projets de l'État : projets ville-campagne financés : 1 (52 k€) ; "
        "territoires d'un lien éligible sans projet financé : 0."
    )


def test_a_negative_grant_is_refused_naming_the_field() -> None:
    with pytest.raises(ScenarioError, match="grant"):
        model_of(town_and_village(), PAIR_LINK, grant=-1.0)


def test_the_members_of_a_bloc_answer_as_one_with_their_pooled_engineering() -> None:
    rows, links = town_and_two_villages(engineering=(0.6, 0.6))  # alone, neither can answer
    alone = model_of(rows, links, answer_cost=1.0)
    alone.step()
    assert call_of(alone).funded == 0
    together = model_of(rows, links, answer_cost=1.0)
    together.state.bloc = np.array([-1, 0, 0])  # the two villages act as one (ODD 7.5.3)
    together.step()
    call = call_of(together)
    assert call.funded == 1  # 1.2 pooled: one answer, not two
    np.testing.assert_allclose(together.state.engineering_used[1:], [0.5, 0.5])  # shared
    assert call.awarded[0] == GRANT / 2 and call.awarded[1:].sum() == GRANT / 2
