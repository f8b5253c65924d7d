"""docs/ODD.md cannot drift from the code: its tables and lists are checked against it.

* Table 3 has one row per scenario field (every table of the schema, the shock tables, the
  parameters of the built-in rules), and its defaults, written as TOML values, are the code's.
* Tables 1 and 2 are the default catalogue of ``terrisim.scenario.defaults``.
* Every column of the series and of the per-territory records, and every key of the run
  summary, is named in section 7.9; every built-in shock kind is in section 7.8.

The independent re-implementation of the model from the ODD text is in
``tests/test_odd_reimplementation.py``.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from terrisim import run_scenario
from terrisim.rules.base import registered
from terrisim.scenario import Scenario, scenario_from_dict, schema
from terrisim.scenario import defaults as catalogue
from terrisim.shocks import DEFAULT_DURATION, ShockSchedule, shock_kinds

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
TEXT = ODD.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the section whose heading starts with ``title``, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}.*?$(.*?)(?=^#+ |\Z)", TEXT, re.M | re.S)
    assert match, f"docs/ODD.md has no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first markdown table of ``text``, as lists of stripped cells."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[2:]]


# --------------------------------------------------------------------------------------------
# Table 3: every scenario field and its default
# --------------------------------------------------------------------------------------------
REQUIRED, NONE = "required", "none"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``X``, ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _default(field: Any) -> Any:
    """A field's documented default: REQUIRED, NONE, or its JSON value."""
    if field.is_required():
        return REQUIRED
    value = field.default if field.default_factory is None else field.default_factory()
    if value is None or value is PydanticUndefined:
        return NONE
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def _leaves(model: type[BaseModel], prefix: str) -> dict[str, Any]:
    """Documented parameter paths of a schema table and their defaults."""
    out: dict[str, Any] = {}
    special = {
        (Scenario, "kinds"): (schema.KindSpec, "kinds.<k>."),
        (Scenario, "goods"): (schema.GoodSpec, "goods.<g>."),
        (Scenario, "shocks"): (ShockSchedule, "shocks.*."),
    }
    for name, field in model.model_fields.items():
        if field.exclude:  # base_dir: set by the loader, not a scenario key
            continue
        path = prefix + name
        if (model, name) in special:
            inner, inner_prefix = special[(model, name)]
            out.update(_leaves(inner, inner_prefix))
            if model is Scenario and name == "shocks":
                out[path] = []
            continue
        if model is schema.RulesSpec:
            out[path] = _default(field)["name"]
            continue
        inner = _model_of(field.annotation)
        if inner is not None and inner is not schema.RuleRef:
            out.update(_leaves(inner, path + "."))
        else:
            out[path] = _default(field)
    return out


def expected_parameters() -> dict[str, Any]:
    """Every parameter Table 3 must document, with its default (JSON values)."""
    expected = _leaves(Scenario, "")
    expected.update({"replace_kinds": False, "replace_goods": False})
    for role in ("valuation", "partners", "trust", "defection"):
        for cls in registered(role).values():
            for name, field in cls.Params.model_fields.items():
                path = f"rules.{role}.{name}"
                assert path not in expected, f"two built-in {role} rules share {name!r}"
                expected[path] = _default(field)
    return expected


def documented_parameters() -> dict[str, str]:
    """Table 3 of docs/ODD.md: parameter -> default cell."""
    rows = table_rows(section("Table 3."))
    out = {}
    for row in rows:
        match = re.fullmatch(r"`([^`]+)`", row[0])
        assert match, f"Table 3: the parameter cell {row[0]!r} is not a single `name`"
        out[match.group(1)] = row[1]
    return out


def parse_default(cell: str) -> Any:
    """A Table 3 default cell: ``required``, ``none``, or a TOML value in backquotes."""
    if cell in (REQUIRED, NONE):
        return cell
    match = re.fullmatch(r"`(.+)`", cell)
    assert match, f"Table 3: default {cell!r} is neither required, none nor a `TOML value`"
    return tomllib.loads(f"value = {match.group(1)}")["value"]


def test_table_3_documents_every_scenario_field():
    missing = sorted(set(expected_parameters()) - set(documented_parameters()))
    assert not missing, f"docs/ODD.md Table 3 lacks {missing}"


def test_table_3_documents_no_field_the_code_does_not_have():
    stale = sorted(set(documented_parameters()) - set(expected_parameters()))
    assert not stale, f"docs/ODD.md Table 3 documents fields the schema lacks: {stale}"


@pytest.mark.parametrize("path", sorted(expected_parameters()))
def test_table_3_default_is_the_codes_default(path):
    documented = documented_parameters().get(path)
    if documented is None:
        pytest.skip("reported by test_table_3_documents_every_scenario_field")
    assert parse_default(documented) == expected_parameters()[path], path


def test_the_shock_defaults_in_the_text_are_the_codes():
    text = section("7.8 Shocks")
    assert f"default {DEFAULT_DURATION}" in text
    defaults = ShockSchedule.model_fields["magnitude"].default
    assert f"`magnitude` defaults to {defaults}" in text


# --------------------------------------------------------------------------------------------
# Tables 1 and 2: the default catalogue
# --------------------------------------------------------------------------------------------
def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _yes(cell: str) -> bool:
    assert cell in ("yes", "no"), cell
    return cell == "yes"


def test_table_1_is_the_default_kinds_catalogue():
    rows = table_rows(section("Table 1."))
    fields = (
        "population",
        "population_sigma",
        "fiscal_base",
        "grant",
        "spending",
        "engineering",
        "leaning",
        "reserve_steps",
        "upkeep",
    )
    documented = {
        row[0]: {"urban": _yes(row[1]), **dict(zip(fields, map(_number, row[2:]), strict=True))}
        for row in rows
    }
    assert documented == catalogue.KINDS


def test_table_2_is_the_default_goods_catalogue():
    rows = table_rows(section("Table 2."))
    kinds = list(catalogue.KINDS)
    documented = {}
    for name, storable, public, market, price, decay, need, capacity in rows:
        documented[name] = {
            "storable": _yes(storable),
            "public": _yes(public),
            "market": _yes(market),
            "price": _number(price),
            "decay": _number(decay),
            "need": dict(zip(kinds, map(_number, need.split("/")), strict=True)),
            "capacity": dict(zip(kinds, map(_number, capacity.split("/")), strict=True)),
        }
    assert documented == catalogue.GOODS
    assert list(documented) == list(catalogue.GOODS), "Table 2 lists goods in catalogue order"
    for spec in Scenario().goods.values():
        assert (spec.storage_steps, spec.weight) == (3.0, 1.0), "Table 2's note on every good"


# --------------------------------------------------------------------------------------------
# Section 7.8-7.9: shock kinds, recorded columns, summary keys
# --------------------------------------------------------------------------------------------
def test_every_built_in_shock_kind_has_its_effect_in_section_7_8():
    effects = {row[0].strip("`") for row in table_rows(section("7.8 Shocks"))}
    assert effects == set(shock_kinds())


def _generic(name: str, kinds: tuple[str, ...], goods: tuple[str, ...]) -> str:
    """A column name with its kind or good replaced by ``<kind>``/``<good>``/``<k>``."""
    for good in goods:
        for prefix in ("satisfaction_", "volume_", "stock_"):
            if name == prefix + good:
                return f"{prefix}<good>"
    for kind in kinds:
        if name == f"satisfaction_{kind}":
            return "satisfaction_<kind>"
        if name == f"satisfaction_kind_{kind}_final":
            return "satisfaction_kind_<k>_final"
    if name.startswith("volume_value_"):
        return "volume_value_<channel>"
    return name


@pytest.fixture(scope="module")
def shocked_run():
    scenario = scenario_from_dict({"shocks": [{"kind": "drought", "at": 3, "magnitude": 0.5}]})
    return run_scenario(scenario, steps=5)


def _named_in_7_9(names: set[str]) -> list[str]:
    text = section("7.9 Indicators")
    return sorted(n for n in names if f"`{n}`" not in text)


def test_every_series_column_is_described_in_section_7_9(shocked_run):
    s = shocked_run.model.state
    names = {_generic(c, s.kinds, s.goods) for c in shocked_run.series.columns}
    assert not _named_in_7_9(names)


def test_every_territory_column_is_described_in_section_7_9(shocked_run):
    s = shocked_run.model.state
    names = {_generic(c, s.kinds, s.goods) for c in shocked_run.territories.columns}
    assert not _named_in_7_9(names)


def test_every_summary_key_is_described_in_section_7_9(shocked_run):
    s = shocked_run.model.state
    keys = {_generic(k, s.kinds, s.goods) for k in shocked_run.summary}
    # the first shock's flattened keys are documented by pattern
    pattern = re.compile(
        r"shock_(urban_|rural_)?(resistance|recovery_time|recovered|"
        r"resilience_loss|normalised_resilience_loss)$"
    )
    keys = {k for k in keys if not pattern.match(k)}
    assert not _named_in_7_9(keys)
    per_shock = set(shocked_run.summary["shocks"][0]) - set(shocked_run.model.shocks.history[0])
    per_shock = {k.removeprefix("urban_").removeprefix("rural_") for k in per_shock}
    assert not _named_in_7_9(per_shock)


def test_section_3_lists_the_phases_the_model_runs_in_order():
    from terrisim.model import STREAMS, TerriModel

    rows = table_rows(section("3. Process overview"))
    assert [row[1].strip("`") for row in rows] == list(TerriModel.PHASES)
    streams = re.findall(r"`(\w+)` \(", section("5.3 Random streams"))
    assert tuple(streams) == STREAMS
