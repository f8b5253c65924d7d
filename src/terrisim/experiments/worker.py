"""What runs on a worker: one batch of runs, each captured as a record (ok or failed).

This module is imported by every worker process (local pool or Dask), so it stays light: the
model is imported when the first run starts.
"""

from __future__ import annotations

import importlib
import os
import pickle
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep.

    Attributes:
        run_id: Stable identifier (``p000012r03``).
        point: Design point index.
        replicate: Replicate index.
        seed: The run's seed (derived from the root seed, see :mod:`.seeds`).
        factors: Factor values of the design point, by dotted scenario path.
        columns: What the results store for the design point (factor labels, or the values;
            a list design's point label under ``label``). Default: ``factors``.
    """

    run_id: str
    point: int
    replicate: int
    seed: int
    factors: Mapping[str, Any]
    columns: Mapping[str, Any] | None = None

    def record(
        self, *, status: str, error: str | None, duration_s: float | None, worker: str | None
    ) -> dict[str, Any]:
        """The run's record before its indicators: the base columns, then ``columns``.

        Args:
            status: ``"ok"`` or ``"failed"``.
            error: The error message of a failed run, else None.
            duration_s: Wall time of the run in seconds (None if it never finished).
            worker: ``host:pid`` of the process that ran it (None if unknown).

        Returns:
            The store's base columns (``store.BASE_COLUMNS``) followed by the factor columns.
        """
        return {
            "run_id": self.run_id,
            "point": self.point,
            "replicate": self.replicate,
            "seed": self.seed,
            "status": status,
            "error": error,
            "duration_s": duration_s,
            "worker": worker,
            **(self.factors if self.columns is None else self.columns),
        }


@dataclass
class RunOutput:
    """What a run function returns: run-level indicators and, optionally, per-step series.

    Attributes:
        indicators: Flat mapping of indicator name to value (float, int, bool, str or None).
        series: One row per step, or None.
    """

    indicators: Mapping[str, Any]
    series: pd.DataFrame | None = None


@dataclass
class SweepContext:
    """What every run of a sweep shares; sent once per worker and cached there.

    Attributes:
        base: The base scenario (with the experiment's ``fixed`` overrides applied), or None.
        steps: Steps per run (None: the scenario's own).
        keep_series: Whether run functions should return per-step series.
        run_fn: ``"module:function"`` or a picklable callable ``run_fn(task, context)``.
        fixed: Overrides not yet applied to ``base`` (only when there is no base scenario).
    """

    base: Any
    steps: int | None
    keep_series: bool
    run_fn: str | Callable[..., Any]
    fixed: Mapping[str, Any] = field(default_factory=dict)


RunFunction = Callable[[RunTask, SweepContext], "RunOutput | Mapping[str, Any]"]

_CONTEXTS: dict[str, tuple[SweepContext, RunFunction]] = {}
_RESERVED = {"run_id", "point", "replicate", "seed", "status", "error", "duration_s", "worker"}


def resolve(run_fn: str | Callable[..., Any]) -> RunFunction:
    """The run function named ``module:function`` (or the callable itself).

    Args:
        run_fn: A ``"module:function"`` string or a callable.

    Returns:
        The callable.
    """
    if callable(run_fn):
        return run_fn
    module, _, name = run_fn.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


_TUNED = False


def tune_malloc() -> bool:
    """Let glibc keep freed memory for reuse in this worker process (once per process).

    Dask starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's
    mmap threshold at 128 KiB: every large numpy temporary is then mapped and unmapped again,
    which slows the model down (docs/performance.md). This raises both thresholds (mmap
    32 MiB, trim 128 MiB), at the price of workers holding on to up to 128 MiB of free heap.
    Set ``TERRISIM_MALLOC_TUNE=0`` to leave malloc alone.

    Returns:
        Whether the thresholds were changed.
    """
    global _TUNED  # noqa: PLW0603 - once per process
    if _TUNED or os.environ.get("TERRISIM_MALLOC_TUNE", "1") == "0":
        return False
    _TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_mmap_threshold, 32 * 2**20) == 1
        return libc.mallopt(m_trim_threshold, 128 * 2**20) == 1 and ok
    except (OSError, AttributeError):  # not glibc: nothing to do
        return False


def warm_up() -> int:
    """Prepare a worker process before its first batch: import the model, tune malloc.

    Engines call it once per worker while the sweep starts, so the start-up of the workers is
    counted in the sweep's set-up time, not in its throughput, and a worker that cannot import
    terrisim fails before any run is sent.

    Returns:
        The worker's process id.
    """
    import terrisim.output  # noqa: F401 - the model and run_scenario, imported once

    tune_malloc()
    return os.getpid()


def _context(key: str, blob: bytes) -> tuple[SweepContext, RunFunction]:
    if key not in _CONTEXTS:
        tune_malloc()
        # the driver's own context, pickled by it for its workers: never outside input
        ctx: SweepContext = pickle.loads(blob)  # noqa: S301
        _CONTEXTS.clear()
        _CONTEXTS[key] = (ctx, resolve(ctx.run_fn))
    return _CONTEXTS[key]


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings into dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``).

    Numpy scalars become Python scalars.

    Args:
        values: The mapping.
        prefix: Prefix for the keys.

    Returns:
        A flat dictionary.
    """
    out: dict[str, Any] = {}
    for k, v in values.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v
    return out


def run_one(task: RunTask, ctx: SweepContext, fn: RunFunction) -> tuple[dict[str, Any], Any]:
    """Run one task and capture the outcome; an exception becomes a failed record.

    Args:
        task: The run.
        ctx: The sweep context.
        fn: The run function.

    Returns:
        ``(record, series)``: the flat record (base columns, factors, indicators) and the
        series frame (with a ``run_id`` column) or None. A failed record carries its error
        message in ``error`` and the traceback under the private key ``_traceback``.
    """
    start = time.perf_counter()
    record = task.record(
        status="ok", error=None, duration_s=0.0, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    series = None
    try:
        out = fn(task, ctx)
        if not isinstance(out, RunOutput):
            out = RunOutput(indicators=out)
        for key, value in flatten(out.indicators).items():
            if isinstance(value, list | tuple | set):
                continue  # lists (per-shock details...) stay in the run's own summary.json
            if key in record:
                if key in _RESERVED and record[key] == value:
                    continue  # e.g. the seed, already a column
                key = f"summary.{key}"
            record[key] = value
        if ctx.keep_series and out.series is not None:
            series = out.series.reset_index(drop=True)
            series.insert(0, "run_id", task.run_id)
    except Exception as err:  # a run's error is data, the sweep goes on
        record["status"] = "failed"
        record["error"] = f"{type(err).__name__}: {err}"
        record["_traceback"] = traceback.format_exc().rstrip()
    record["duration_s"] = time.perf_counter() - start
    return record, series


def execute_batch(key: str, blob: bytes, tasks: list[RunTask]) -> list[tuple[dict, Any]]:
    """Run a batch of tasks on a worker (the function engines send to their workers).

    Args:
        key: Identifier of the sweep context (the worker caches the unpickled context).
        blob: The pickled :class:`SweepContext`.
        tasks: The runs.

    Returns:
        One ``(record, series)`` pair per task, in order (see :func:`run_one`).
    """
    ctx, fn = _context(key, blob)
    return [run_one(task, ctx, fn) for task in tasks]


def run_model(task: RunTask, ctx: SweepContext) -> RunOutput:
    """The default run function: the terrisim model on the base scenario with the factors.

    Args:
        task: The run (factors and seed).
        ctx: The sweep context (base scenario, steps, keep_series).

    Returns:
        The run's summary indicators and, with ``keep_series``, its per-step series.
    """
    from terrisim import run_scenario
    from terrisim.scenario import apply_overrides

    overrides = {**ctx.fixed, **task.factors}
    scenario = apply_overrides(ctx.base, overrides) if overrides else ctx.base
    result = run_scenario(
        scenario, steps=ctx.steps, seed=task.seed, record_territories=False, keep_model=False
    )
    return RunOutput(result.summary, result.series if ctx.keep_series else None)
