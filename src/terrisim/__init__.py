"""terrisim: agent-based simulation of cooperation between urban and rural territories.

Quick start::

    import terrisim
    result = terrisim.run_scenario("configs/demo.toml", steps=60, seed=1)
    result.series.plot(x="step", y="satisfaction")

Public API: :class:`TerriModel` (a ``mesa.Model``), :func:`load_scenario`,
:func:`run_scenario`, :class:`Scenario`, :class:`ScenarioError`, :func:`load_results` (the
runs of a sweep, see ``terrisim sweep``).

The names are imported when first used (a module ``__getattr__``, PEP 562), so that
``import terrisim.rules.trust`` or ``terrisim --help`` do not load the model, pandas and Mesa.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from terrisim._version import __version__

if TYPE_CHECKING:
    from terrisim.errors import ScenarioError
    from terrisim.experiments.analysis import load_results
    from terrisim.model import TerriModel
    from terrisim.output import RunResult, run_scenario
    from terrisim.scenario import Scenario, apply_overrides, load_scenario

#: public name -> the module that defines it
_PUBLIC = {
    "RunResult": "terrisim.output",
    "Scenario": "terrisim.scenario",
    "ScenarioError": "terrisim.errors",
    "TerriModel": "terrisim.model",
    "apply_overrides": "terrisim.scenario",
    "load_results": "terrisim.experiments.analysis",
    "load_scenario": "terrisim.scenario",
    "run_scenario": "terrisim.output",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'terrisim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *_PUBLIC})
