"""Scenarios: the typed schema, loading from TOML/CSV, and the synthetic generator."""

from terrisim.scenario.loading import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    read_toml,
    scenario_from_dict,
)
from terrisim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "read_toml",
    "scenario_from_dict",
]
