"""Batch experiments: designs, engines (local, Dask), crash-safe result store, analysis.

Public API (imported lazily, so ``import terrisim`` stays fast)::

    from terrisim.experiments import run_sweep, load_results, analyze
    report = run_sweep("experiments/smoke.toml", "sweeps/smoke")
    df = load_results("sweeps/smoke")

The command line: ``terrisim sweep EXPERIMENT.toml`` and ``terrisim analyze DIR``
(``docs/experiments.md``).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_sweep": "runner",
    "prepare_sweep": "runner",
    "SweepReport": "runner",
    "SweepError": "runner",
    "SweepInterrupted": "runner",
    "load_results": "analysis",
    "load_series": "analysis",
    "analyze": "analysis",
    "summarise": "analysis",
    "sobol_indices": "analysis",
    "morris_indices": "analysis",
    "Experiment": "spec",
    "ExperimentError": "spec",
    "load_experiment": "spec",
    "parse_experiment": "spec",
    "design_points": "designs",
    "run_seed": "seeds",
    "RunTask": "worker",
    "RunOutput": "worker",
    "SweepContext": "worker",
}

__all__ = [
    "Experiment",
    "ExperimentError",
    "RunOutput",
    "RunTask",
    "SweepContext",
    "SweepError",
    "SweepInterrupted",
    "SweepReport",
    "analyze",
    "design_points",
    "load_experiment",
    "load_results",
    "load_series",
    "morris_indices",
    "parse_experiment",
    "prepare_sweep",
    "run_seed",
    "run_sweep",
    "sobol_indices",
    "summarise",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"terrisim.experiments.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'terrisim.experiments' has no attribute {name!r}")
