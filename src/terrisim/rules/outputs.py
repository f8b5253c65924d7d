"""What a rule must return, checked in one place for ``terrisim run`` and ``check-rule``.

:func:`output_problems` lists what is wrong with a rule's output, each problem in words a
student understands, naming where it happened (``where``): ``check-rule`` says at which step
and phase, ``terrisim run`` (:func:`checked_output`) names the rule's file and line, and stops
the run with a :class:`RuleOutputError` before a bad array reaches the model.

- valuation (``unit_values``): a pair of arrays broadcastable to (N, G), finite and >= 0;
- partners (``weights``): a pair of (A, G) arrays, finite and >= 0; (``factors``): a pair of
  (A,) arrays, finite and >= 0;
- trust (``update``): an (A,) array; with ``strict`` (``terrisim run``), finite and in [0, 1]
  (``check-rule`` checks that range as its own invariant).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import numpy as np

from terrisim.errors import ScenarioError

if TYPE_CHECKING:
    from terrisim.rules.base import Rule
    from terrisim.state import TerritoryState


class RuleOutputError(ScenarioError):
    """A rule returned something the model cannot use; the message names the rule's code."""


#: False while ``check-rule`` runs models: it reports bad outputs as failed invariants itself
#: and lets the run go on, to show their consequences.
_GUARDED: ContextVar[bool] = ContextVar("terrisim_rule_outputs_guarded", default=True)


def guarded() -> bool:
    """Whether rules run guarded: a bad output or a crash stops the run in one line.

    True by default (``terrisim run``, sweeps, the page, Python); False within
    :func:`unguarded` (``check-rule``, which reports them as failed invariants).
    """
    return _GUARDED.get()


@contextlib.contextmanager
def unguarded() -> Iterator[None]:
    """Within this block every output passes :func:`checked_output`, and a crash raises as is."""
    token = _GUARDED.set(False)
    try:
        yield
    finally:
        _GUARDED.reset(token)


def _numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:  # an object numpy cannot turn into an array
        return False


def _within(values: np.ndarray, low: float, high: float) -> bool:
    """Whether every value is in [low, high] (NaN is not): two reductions, no temporaries."""
    if values.size == 0:
        return True
    return bool(values.min() >= low and values.max() <= high)


def location(rule: Rule, method: str) -> str:
    """``file:line`` of a rule's method, as a student opens it."""
    func = getattr(type(rule), method, None)
    try:
        path = inspect.getsourcefile(func) or "?"
        line = inspect.getsourcelines(func)[1]
    except (TypeError, OSError):
        return f"{type(rule).__name__}.{method}"
    return f"{path}:{line}"


def _defection_problems(out: Any, arcs: int, where: str) -> list[str]:
    """What is wrong with a defection rule's output: it must be a bool array (A,)."""
    if np.shape(out) == (arcs,) and np.asarray(out).dtype == bool:
        return []
    return [
        (
            f"the defection rule returned {type(out).__name__} of shape {np.shape(out)} "
            f"{where}; it must return a boolean array of shape ({arcs},) (whether each arc's "
            "origin defects)"
        )
    ]


def output_problems(
    role: str, out: Any, state: TerritoryState, where: str, *, method: str = "", strict=False
) -> list[str]:
    """What is wrong with ``out``, the output of a rule of ``role``; empty if nothing.

    Args:
        role: ``"valuation"``, ``"partners"``, ``"trust"`` or ``"defection"``.
        out: What the rule returned.
        state: The model's state (sizes, names of territories and goods).
        where: Where it happened, appended to the problem (``"at step 3, ..."``).
        method: ``"factors"`` for a partner rule's factors (A,), else its weights (A, G).
        strict: Also require finite trust in [0, 1].
    """
    n, g, a = state.n, len(state.goods), 2 * state.n_links
    name = f"{role} rule"
    if role == "defection":
        return _defection_problems(out, a, where)
    if role == "trust":
        values = np.asarray(out, dtype=float) if _numeric(out) else None
        if values is None or values.shape != (a,):
            shape = (
                f"an array of shape {out.shape}"
                if hasattr(out, "shape")
                else (f"a {type(out).__name__}")
            )
            return [
                (
                    f"the {name} returned {shape} {where}; it must return the new trust of every "
                    f"arc, an array of shape ({a},) (one value per arc: {state.n_links} links x 2)"
                )
            ]
        if strict and not _within(values, 0.0, 1.0):
            bad = ~(np.isfinite(values) & (values >= 0.0) & (values <= 1.0))
            arc = int(np.flatnonzero(bad)[0])
            return [
                (
                    f"the {name} returned trust {values[arc]:.6g} on arc "
                    f"{state.ids[state.arc_from[arc]]} -> {state.ids[state.arc_to[arc]]} {where}; "
                    "trust must be finite and in [0, 1]"
                )
            ]
        return []
    if not isinstance(out, tuple) or len(out) != 2:
        return [
            f"the {name} returned {type(out).__name__} {where}; it must return a pair of arrays"
        ]
    labels = ("give", "receive") if role == "valuation" else ("offer", "request")
    problems = []
    for label, part in zip(labels, out, strict=True):
        if not _numeric(part):
            problems.append(
                f"the {name} returned a {type(part).__name__} as its {label} array {where}"
            )
            continue
        values = np.asarray(part, dtype=float)
        target = (n, g) if role == "valuation" else (a,) if method == "factors" else (a, g)
        try:
            values = np.broadcast_to(values, target) if role == "valuation" else values
        except ValueError:
            values = None
        if values is None or values.shape != target:
            problems.append(
                f"the {name}'s {label} array has shape {np.shape(part)} {where}; expected "
                f"{'broadcastable to ' if role == 'valuation' else ''}{target}"
            )
            continue
        if _within(np.asarray(part, dtype=float), 0.0, np.finfo(float).max):
            continue  # checked on the array returned, before any broadcast
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            index = np.argwhere(bad)[0]
            row = int(index[0])
            who = (
                str(state.ids[row])
                if role == "valuation"
                else f"arc {state.ids[state.arc_from[row]]} -> {state.ids[state.arc_to[row]]}"
            )
            good = f"of {state.goods[int(index[1])]} " if values.ndim == 2 else ""
            problems.append(
                f"the {name}'s {label} value {good}for {who} is {float(values[tuple(index)]):.6g} "
                f"{where}; values must be finite and >= 0"
            )
    return problems


def checked_output(role: str, rule: Rule, method: str, out: Any, state: TerritoryState) -> Any:
    """``out`` if it is a valid output of ``rule.method``, else a :class:`RuleOutputError`.

    Used by the model at every call of a rule (``terrisim run``), so a wrong shape or value
    stops the run with one line naming the rule's file and line, not a traceback elsewhere.
    """
    if not guarded():
        return out
    if not output_problems(role, out, state, "", method=method, strict=True):
        return out
    # only now look the rule's source up (inspect is slow): the same problems, located
    where = f"(in {location(rule, method)}, {type(rule).__name__}.{method})"
    problems = output_problems(role, out, state, where, method=method, strict=True)
    raise RuleOutputError("\n".join(problems))
