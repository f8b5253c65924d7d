"""terrisim: agent-based simulation of cooperation between urban and rural territories.

Quick start::

    import terrisim
    result = terrisim.run_scenario("configs/demo.toml", steps=60, seed=1)
    result.series.plot(x="step", y="satisfaction")

Public API: :class:`TerriModel` (a ``mesa.Model``), :func:`load_scenario`,
:func:`run_scenario`, :class:`Scenario`, :class:`ScenarioError`, :func:`load_results` (the
runs of a sweep, see ``terrisim sweep``).
"""

from terrisim.experiments.analysis import load_results
from terrisim.model import TerriModel
from terrisim.output import RunResult, run_scenario
from terrisim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario

__version__ = "0.1.0"

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TerriModel",
    "__version__",
    "apply_overrides",
    "load_results",
    "load_scenario",
    "run_scenario",
]
