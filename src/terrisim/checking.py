"""Checking a rule against the model's invariants: ``terrisim check-rule`` (ODD 7; issue 8).

A student who writes a new rule (a basket valuation, a partner choice, a trust update, a
governance institution or a shock kind) wants to know that the model is still sound. The core
does not police rules: a rule may change the state in ways nothing checks. This module does, on
many small random scenarios drawn by `hypothesis <https://hypothesis.readthedocs.io>`_, and it
says in plain words which invariant breaks, with the smallest failing scenario (hypothesis
shrinks it) written as a scenario file::

    terrisim check-rule forgetting_trust:ForgettingTrust --examples 30
    terrisim check-rule forgetting_trust:ForgettingTrust --param half_life=6

    from terrisim.checking import check_rule
    report = check_rule("forgetting_trust:ForgettingTrust", examples=30)
    print(report.text()); report.passed

Once the rule is fixed, check it again on the very scenario that broke it (saved from the
report), with :func:`check_scenario`::

    terrisim check-rule forgetting_trust:ForgettingTrust --scenario failing.toml

Every random scenario runs ``steps`` steps (60 by default, ``--steps``: a bug may appear
late); a given scenario runs as long as it says. The scenario files next to the rule's module
that name the rule (the student's own) are checked too (:func:`own_scenarios`). The report
(:class:`~terrisim.check_report.CheckReport`) also says in how many scenarios the rule acted
(:data:`ACTED`, :func:`_reference`: a valuation, partner or trust rule acts when its output
differs from the built-in default rule's on the same input; an institution when one of its
hooks changes the state, the outcome or the ledger; a shock when it changes a modifier or
destroys stocks), which lines of its own file never ran (:mod:`terrisim.rule_coverage`), and
what was not checked.

The rule is plugged in exactly as a user would plug it (its role is its class attribute
``role``): ``[rules] valuation | partners | trust = { name = "module:Class", ... }``,
``[[governance]] rule = "module:Class"``, or ``[[shocks]] kind = "module:Class"``. The module
must be importable: put its folder on ``PYTHONPATH`` (``PYTHONPATH=examples terrisim ...``).

The invariants (:data:`INVARIANTS`), checked between every two phases of every step:

* ``runs``: the model runs with the rule, without an error;
* ``read_only``: the rule writes into nothing it must not change (:mod:`terrisim.rules.guard`
  stops the write; what set-up fixed is also compared at the end of every step);
* ``rule_outputs``: the rule returns numbers of the expected shape (valuations: unit values
  >= 0; partner choice: weights >= 0, shape (A, G); trust update: shape (A,));
* ``conservation``: production adds to each territory between 0 and capacity (of set-up)
  x production modifier, and stocks do not change in it; goods are neither created nor
  destroyed outside production and consumption: every change of what territories have at hand (``available``) in the phases
  after production is a recorded transfer (``model.transfer``) or a negotiated delivery, money
  is conserved by deliveries, stocks change only by consumption, and a shock may destroy stocks
  but never create them (an institution that produces, like the merger's economies of scale,
  declares the units it produced: ``step_scale_units`` per good, received by its ``members``);
* ``exchange``: a deal needs trust on both sides (as they negotiated), each side perceives a
  balance of at least ``1 - reciprocity_tolerance`` (a bloc, a merger acting as one, on its
  totals), the deals use no more engineering than was left, and nobody gives more than its
  surplus nor pays more than its reserve;
* ``trust_range``: trust stays in [0, 1] on every arc;
* ``non_negative``: stocks, available quantities, flows, reserves, capacities and the shock
  modifiers stay non-negative numbers (no NaN), and stocks stay within their cap (storable
  goods only);
* ``indicators``: the recorded indicators are in range (satisfactions, Gini, trust, fiscal
  health, reciprocity balance in [0, 1]; volumes, deals, reserves >= 0) and finite (NaN only
  where a value is undefined, e.g. the balance of a step without deals);
* ``determinism``: two runs with the same seed give identical results (bit for bit);
* ``agent_order``: results do not depend on the order in which territories are listed: the
  same territories and links written as CSV files in two orders give the same outcome per
  territory (up to float rounding).

Each invariant is searched separately (``hypothesis.find`` with ``derandomize=True`` and no
example database, so a report is reproducible): an invariant fails when, in some scenario, it
is the *first* thing to break (a violation that follows another one in the same run is a
consequence, not a cause). The checks of a scenario are computed once and cached.
"""

from __future__ import annotations

import csv
import math
import sys
import tempfile
import tomllib
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from terrisim.check_report import (
    INVARIANTS,
    CheckReport,
    Example,
    InvariantResult,
    Violation,
)
from terrisim.exchange import bloc_pairs
from terrisim.extras import require
from terrisim.rules.base import ROLES, Rule, create, import_module_of, registered, resolve
from terrisim.rules.guard import FIXED, RuleWriteError, raised_at
from terrisim.rules.outputs import output_problems, unguarded
from terrisim.rules.partners import is_separable
from terrisim.scenario.loading import (
    ScenarioError,
    is_experiment,
    parse_settings,
    scenario_from_dict,
)

if TYPE_CHECKING:
    from terrisim.model import TerriModel

BUILTIN_SHOCKS = ("drought", "grant_cut", "energy_crisis", "health_crisis")
#: Relative tolerance of the conservation and range checks (float rounding).
TOL = 1e-9
#: Tolerance of the agent-order comparison: sums over arcs are added in another order.
ORDER_RTOL, ORDER_ATOL = 1e-6, 1e-9

# What acts in each phase, for the messages.
PHASE_ACTORS = {
    "apply_shocks": "shocks",
    "produce": "production",
    "govern": "governance, before the exchange",
    "negotiate": "negotiation: valuation and partner rules, then governance after the exchange",
    "deliver": "delivery of the negotiated baskets",
    "trade": "the market of the scope",
    "act": "per-agent rules: every territory's step(), then the plans commit",
    "consume": "consumption and stocks",
    "specialise": "specialisation: producers' skill follows their sales",
    "update_budgets": "budgets",
    "update_trust": "the trust rule",
    "close_step": "governance, end of step",
    "collect": "recording the indicators",
}


# ---------------------------------------------------------------------------- the rule
#: The roles that fill a slot of ``[rules]`` (one rule each).
RULE_SLOTS = ("valuation", "partners", "trust", "defection")


@dataclass(frozen=True)
class _Plug:
    """How the rule under test enters a scenario."""

    spec: str
    role: str
    params: tuple[tuple[str, Any], ...]

    def tables(self) -> dict[str, Any]:
        """The scenario tables that name the rule (shocks are drawn with the example)."""
        params = dict(self.params)
        if self.role in RULE_SLOTS:
            return {"rules": {self.role: {"name": self.spec, **params}}}
        if self.role == "governance":
            return {"governance": [{"rule": self.spec, **params}]}
        if self.role == "agents":
            return {"agents": {"territory": self.spec, **params}}
        return {}


_SHIM = "_terrisim_checked_rules"


def _rule_spec(rule: str | type[Rule]) -> tuple[str, type]:
    """``(spec, class)`` for a ``module:Class`` string, a registered name or a class."""
    if isinstance(rule, type):
        module = sys.modules.get(rule.__module__)
        if module is not None and getattr(module, rule.__qualname__, None) is rule:
            return f"{rule.__module__}:{rule.__qualname__}", rule
        # a class defined in a function or a notebook: reach it through a small module
        shim = sys.modules.setdefault(_SHIM, types.ModuleType(_SHIM))
        name = f"{rule.__name__}_{id(rule):x}"
        setattr(shim, name, rule)
        return f"{_SHIM}:{name}", rule
    if not isinstance(rule, str) or not rule.strip():
        raise ScenarioError(f"rule: expected 'module:Class' (got {rule!r})")
    rule = rule.strip()
    if ":" in rule:
        module, attr = import_module_of(rule, f"rule {rule!r}", f"terrisim check-rule {rule}")
        module_name = module.__name__
        cls = getattr(module, attr, None)
        if cls is None:
            found = sorted(
                n
                for n, v in vars(module).items()
                if isinstance(v, type) and issubclass(v, Rule) and v.role
            )
            raise ScenarioError(
                f"rule {rule!r}: module {module_name!r} has no {attr!r}"
                + (f"; its rules: {found}" if found else "")
            )
        return rule, cls
    import terrisim.model  # noqa: F401  (registers the built-in rules of every role)

    matches = [(role, registered(role)[rule]) for role in ROLES if rule in registered(role)]
    if len(matches) == 1:
        return rule, matches[0][1]
    if matches:
        raise ScenarioError(
            f"rule {rule!r} names rules of several roles "
            f"({[m[0] for m in matches]}); give 'module:Class'"
        )
    known = ", ".join(f"{role}: {sorted(registered(role))}" for role in ROLES)
    raise ScenarioError(
        f"rule {rule!r}: not 'module:Class' (e.g. "
        f"'forgetting_trust:ForgettingTrust') and not a registered rule ({known})"
    )


def _plug(rule: str | type[Rule], params: dict[str, Any]) -> _Plug:
    """Find the rule, its role, and check that it accepts ``params``."""
    from terrisim.agents import Territory

    spec, cls = _rule_spec(rule)
    if isinstance(cls, type) and issubclass(cls, Territory):
        return _plug_agents(spec, cls, params)
    role = getattr(cls, "role", None)
    if not (isinstance(cls, type) and issubclass(cls, Rule)) or role not in ROLES:
        raise ScenarioError(
            f"rule {spec!r}: {getattr(cls, '__name__', cls)!r} is not a terrisim rule: subclass "
            "terrisim.rules.base.Rule (or TrustUpdate, BasketValuation, PartnerChoice, "
            f"Governance, ShockKind) and set its class attribute role to one of {list(ROLES)}"
        )
    if ":" in spec:
        resolve(role, spec)  # the check a scenario file gets
    try:
        create(cls, params, f"rule {spec!r}")
    except ValidationError as exc:
        from terrisim.scenario.loading import format_validation_error

        raise ScenarioError(format_validation_error(exc, f"rule {spec}", prefix="params")) from None
    return _Plug(spec, role, tuple(sorted(params.items())))


def _plug_agents(spec: str, cls: type, params: dict[str, Any]) -> _Plug:
    """A per-agent rule (a Territory subclass with a step()), plugged as ``[agents]``."""
    from terrisim.per_agent import per_agent, territory_class

    if not per_agent(cls):
        raise ScenarioError(
            f"rule {spec!r}: {cls.__name__} is a Territory without a step() of its own: "
            "nothing to check (write its step(), ODD 7.11)"
        )
    if ":" in spec:
        territory_class({"territory": spec, **params}, "params")
    else:
        raise ScenarioError(f"rule {spec!r}: give a Territory subclass as 'module:Class'")
    return _Plug(spec, "agents", tuple(sorted(params.items())))


def _rule_class(plug: _Plug) -> type:
    """The class of the rule under test."""
    if plug.role == "agents":
        from terrisim.per_agent import territory_class

        return territory_class({"territory": plug.spec, **dict(plug.params)})[0]
    return resolve(plug.role, plug.spec)


def parse_params(items: list[str]) -> dict[str, Any]:
    """Parse ``--param key=value`` options; values are TOML (``12``, ``true``, ``"x"``).

    A value that is not valid TOML is taken as a string (``toward=zero``).

    Raises:
        ScenarioError: an item without ``=``.
    """
    return parse_settings(items, "--param", "key=value, e.g. half_life=12")


# ------------------------------------------------------------------------------ scenarios
def _strategy(plug: _Plug, steps: int) -> Any:
    """The hypothesis strategy of examples of ``steps`` steps; draws shrink toward the defaults.

    Every example runs ``steps`` steps (a bug may appear late); the failing scenario a report
    prints stops at the step where the first violation happened (:func:`scenario_toml`).
    """
    from hypothesis import strategies as st

    @st.composite
    def examples(draw: st.DrawFn) -> Example:
        counts = {
            "metropolis": draw(st.integers(0, 1)),
            "town": draw(st.integers(0, 2)),
            "periurban": draw(st.integers(0, 2)),
            "rural": draw(st.integers(1, 3)),
            "mountain": draw(st.integers(0, 2)),
        }
        if sum(counts.values()) < 2:
            counts["town"] += 1  # the smallest scenario: a town and a rural area
        seed = draw(st.integers(0, 10_000))
        # first value = default: a shrunk example differs from the defaults only where needed
        choices: dict[str, tuple[Any, ...]] = {
            "trust.initial": (0.6, 0.9, 0.3, 1.0, 0.0),
            "trust.tension_share": (0.15, 0.0, 0.5, 1.0),
            # 0 and 1 included: the edges of tau are well defined (ODD 7.4.3: a balanced
            # deal passes whatever the rounding; with tau = 1 anything is acceptable)
            "exchange.reciprocity_tolerance": (0.25, 0.0, 0.5, 0.9, 1.0),
            "exchange.engineering_scale": (3.0, 0.3, 30.0),
            "exchange.distance_scale_km": (60.0, 10.0, 500.0),
            "exchange.money": (False, True),
            "budget.initial_reserve_steps": (3.0, 0.0, 10.0),
            "territories.generator.proximity_k": (3, 1, 5),
            "territories.generator.spacing_km": (25.0, 5.0, 80.0),
        }
        if plug.role != "valuation":
            choices["rules.valuation"] = ("market", "need_weighted")
        if plug.role != "partners":
            choices["rules.partners"] = ("trust_weighted", "nearest")
        settings = tuple((key, draw(st.sampled_from(values))) for key, values in choices.items())
        shock = None
        # the shock under test, or maybe a built-in one to stress the other rules
        kind = plug.spec if plug.role == "shock" else draw(st.sampled_from((None, *BUILTIN_SHOCKS)))
        if kind is not None:
            at = draw(st.integers(1, steps))
            table: dict[str, Any] = {"kind": kind, "at": at}
            duration = draw(st.sampled_from((None, 1, 3)))
            if duration is None:
                table["permanent"] = True
            else:
                table["duration"] = duration
            table["magnitude"] = draw(st.sampled_from((0.3, 0.6, 1.0, 0.0)))
            targets = draw(st.sampled_from(("all", "urban", "rural")))
            if targets != "all":
                table["classes"] = [targets]
            if plug.role == "shock" and plug.params:
                table["params"] = dict(plug.params)
            shock = tuple(table.items())
        return Example(
            tuple(counts.items()),
            steps,
            seed,
            tuple((k, v) for k, v in settings),
            shock,
            draw(st.integers(0, 1000)),
        )

    return examples()


def _nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _scenario_dict(example: Example, plug: _Plug, *, defaults_too: bool = True) -> dict[str, Any]:
    """The scenario of an example, as a dict for ``scenario_from_dict``."""
    from terrisim.scenario.schema import Scenario

    reference = Scenario().model_dump(mode="json")
    dotted = {
        "name": "check-rule",
        "steps": example.steps,
        "seed": example.seed,
        "territories.generator.counts": dict(example.counts),
    }
    for key, value in example.settings:
        node: Any = reference
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(value, str):
            node = node.get("name")  # a rule named by a string
        if defaults_too or node != value:
            dotted[key] = value
    data = _nested(dotted)
    for key, value in plug.tables().items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    if example.shock is not None:
        data["shocks"] = [dict(example.shock)]
    return data


def _toml_value(value: Any) -> str:
    """A TOML literal for the values a scenario of the checker holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return _toml_value(str(value))


def scenario_toml(example: Example, plug: _Plug, upto: int | None = None) -> str:
    """An example as a scenario file (only the values that differ from the defaults).

    ``upto``: stop at that step (where the violation happened; what follows cannot change it).
    """
    data = _scenario_dict(example, plug, defaults_too=False)
    lines = [
        f"# found by terrisim check-rule {plug.spec}",
        'name = "check-rule"',
        f"steps = {min(example.steps, upto or example.steps)}",
        f"seed = {example.seed}",
    ]

    def table(prefix: str, node: dict[str, Any]) -> None:
        scalars = {
            k: v
            for k, v in node.items()
            if not isinstance(v, dict) or k in ("counts", "trust", "valuation", "partners")
        }
        if scalars:
            lines.extend(["", f"[{prefix}]"])
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars.items())
        for key, value in node.items():
            if key not in scalars:
                table(f"{prefix}.{key}", value)

    for key, value in data.items():
        if key in ("name", "steps", "seed"):
            continue
        if isinstance(value, dict):
            table(key, value)
        elif isinstance(value, list):
            for item in value:
                lines.extend(["", f"[[{key}]]"])
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items())
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ one run
@dataclass
class _Trace:
    """What one run left: violations, per-step indicator rows and state snapshots."""

    violations: list[Violation] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, np.ndarray]] = field(default_factory=list)
    ids: np.ndarray | None = None
    arcs: list[tuple[str, str]] | None = None
    destroyed: float = 0.0
    crashed: bool = False
    acted: bool = False
    engine: str = ""
    steps: int = 0

    def first(self) -> dict[str, Violation]:
        """The violations that come first in the run (causes, not consequences)."""
        if not self.violations:
            return {}
        rank = min(v.rank for v in self.violations)
        out: dict[str, Violation] = {}
        for v in self.violations:
            if v.rank == rank:
                out.setdefault(v.invariant, v)
        return out


def _where(step: int, phase: str) -> str:
    if phase == "setup":
        return "while the model was set up (rules, institutions and territories built)"
    return f"at step {step}, during phase '{phase}' ({PHASE_ACTORS.get(phase, phase)})"


def _crash_message(exc: Exception, step: int, phase: str) -> str:
    """The ``runs`` invariant's words for an error raised in a run, at the line that raised it."""
    at = raised_at(exc)
    return (
        f"the run stopped with {type(exc).__name__}: {exc} {_where(step, phase)}"
        f"{f' at {at}' if at else ''}"
    )


class _Probe:
    """Wraps a model's phases (and the rule's method) to check the invariants around each."""

    def __init__(
        self, model: TerriModel, trace: _Trace, plug: _Plug, check: bool, stop_early: bool = True
    ) -> None:
        self.model, self.trace, self.plug, self.check = model, trace, plug, check
        self.stop_early = stop_early
        self.step, self.phase, self.index = 0, "setup", -1
        self.seen: set[str] = set()
        # what set-up fixed (capacities, needs, prices...): compared after every phase
        self.fixed = {
            name: np.array(getattr(model.state, name), copy=True)
            for name in FIXED
            if isinstance(getattr(model.state, name, None), np.ndarray)
        }
        for index, phase in enumerate(model.PHASES):
            setattr(model, phase, self._wrap(index, phase, getattr(model, phase)))
        if check:
            self._wrap_rule()

    # ----------------------------------------------------------- helpers
    def _id(self, i: int) -> str:
        return str(self.model.state.ids[i])

    def _good(self, g: int) -> str:
        return str(self.model.state.goods[g])

    def report(self, invariant: str, message: str, *, during: bool = False) -> None:
        """Record a violation (the first of each invariant per phase is enough).

        ``during``: found inside the phase (the rule's outputs), so before what the phase
        left behind.
        """
        key = f"{invariant}@{self.step}.{self.index}"
        if key in self.seen:
            return
        self.seen.add(key)
        rank = (self.step, 2 * self.index + (0 if during else 1))
        self.trace.violations.append(Violation(invariant, message, self.step, self.phase, rank))

    def crash(self, exc: Exception) -> None:
        """Record an error raised during the run, with the line that raised it."""
        self.trace.crashed = True
        if isinstance(exc, RuleWriteError):  # names the rule's line itself
            self.report("read_only", f"{exc}; {_where(self.step, self.phase)}")
            return
        self.report("runs", _crash_message(exc, self.step, self.phase))

    def _wrap(self, index: int, phase: str, method: Callable[[], None]) -> Callable[[], None]:
        def run_phase() -> None:
            self.step, self.phase, self.index = self.model.steps, phase, index
            before = self._snapshot() if self.check else None
            method()
            if self.check:
                self._after(phase, before)
                if self.stop_early and self.trace.violations:
                    raise _StopError  # only the first violations count: the rest is consequence
            if phase == "collect":
                self._record_step()

        run_phase.__doc__ = method.__doc__
        return run_phase

    def _snapshot(self) -> dict[str, Any]:
        model, s = self.model, self.model.state
        before = {
            "available": s.available.copy(),
            "stock": s.stock.copy(),
            "reserve": s.reserve.copy(),
            "ledger": {k: len(v) for k, v in model.ledger.flows.items()},
        }
        if self.phase == "negotiate":  # what the deals may use, as the sides negotiate
            before["trust"] = np.array(s.trust, dtype=float, copy=True)
            before["engineering_left"] = model.engineering_left()
        if self.phase == "deliver":  # what the negotiated baskets may take
            before["surplus"] = np.maximum(s.available - s.effective_need, 0.0)
            before["flow"] = np.array(model.outcome.flow, dtype=float, copy=True)
            before["money"] = np.array(model.outcome.money, dtype=float, copy=True)
        return before

    def _record_step(self) -> None:
        model, s = self.model, self.model.state
        self.trace.rows.append(dict(model.recorder.rows[-1]) if model.recorder.rows else {})
        self.trace.snapshots.append(
            {
                "available": s.available.copy(),
                "stock": s.stock.copy(),
                "satisfaction": s.satisfaction.copy(),
                "reserve": s.reserve.copy(),
                "fiscal_health": s.fiscal_health.copy(),
                "trust": np.array(s.trust, copy=True),
            }
        )
        self.trace.ids = s.ids.copy()
        self.trace.arcs = [
            (str(s.ids[i]), str(s.ids[j])) for i, j in zip(s.arc_from, s.arc_to, strict=True)
        ]

    # ----------------------------------------------------------- the rule's outputs
    def _wrap_rule(self) -> None:
        """Check the rule's outputs at each call, and watch whether it acts (coverage)."""
        model, role = self.model, self.plug.role
        if role == "governance":
            self._watch_institutions()
            return
        if role in ("shock", "agents", "model"):
            return  # acting is seen after the phase apply_shocks, or act (_after); no rule
        rule = {
            "valuation": model.valuation,
            "partners": model.partners,
            "defection": model.defection,
        }.get(role, model.trust_rule)
        methods = {
            "valuation": ("unit_values",),
            "trust": ("update",),
            "defection": ("defects",),
        }.get(role)
        if methods is None:  # partners: factors (both engines read them) or weights
            methods = ("factors", "weights") if is_separable(rule) else ("weights",)
        reference = _reference(role, rule)
        for method in methods:
            original = getattr(rule, method)
            expected = getattr(reference, method, None)

            def checked(*args: Any, _call=original, _method=method, _expected=expected) -> Any:
                out = _call(*args)
                self._check_outputs(role, out, _method)
                if _expected is not None and not self.trace.acted:
                    self.trace.acted = not _same_output(out, _expected, args)
                return out

            setattr(rule, method, checked)

    def _watch_institutions(self) -> None:
        """An institution of the rule's class acts when one of its hooks changes the state."""
        cls = resolve("governance", self.plug.spec)
        for institution in self.model.institutions:
            if not isinstance(institution, cls):
                continue
            for hook in ("before_exchange", "after_exchange", "end_step"):
                original = getattr(institution, hook)

                def watched(*args: Any, _call=original) -> Any:
                    if self.trace.acted:
                        return _call(*args)
                    before = self._mutable()
                    out = _call(*args)
                    after = self._mutable()
                    self.trace.acted = any(
                        not _same_array(before[k], after.get(k)) for k in before
                    ) or len(before) != len(after)
                    return out

                setattr(institution, hook, watched)

    def _mutable(self) -> dict[str, Any]:
        """Copies of what an institution may change: the state's arrays, outcome, ledger."""
        s, model = self.model.state, self.model
        out: dict[str, Any] = {
            f"state.{k}": np.array(v, copy=True)
            for k, v in vars(s).items()
            if isinstance(v, np.ndarray) and k not in FIXED
        }
        for k, v in vars(model.outcome).items():
            if isinstance(v, np.ndarray):
                out[f"outcome.{k}"] = np.array(v, copy=True)
        ledger = model.ledger
        out["ledger.entries"] = np.array([len(v) for v in ledger.flows.values()])
        out["ledger.engineering"] = np.array(ledger.governance_engineering, copy=True)
        out["ledger.revenue"] = np.array(ledger.revenue_transfer, copy=True)
        return out

    def _output_problem(self, message: str) -> None:
        self.report("rule_outputs", message, during=True)

    def _check_outputs(self, role: str, out: Any, method: str = "") -> None:
        where = _where(self.step, self.phase)
        for problem in output_problems(role, out, self.model.state, where, method=method):
            self._output_problem(problem)

    # ----------------------------------------------------------- the invariants
    def _after(self, phase: str, before: dict[str, Any]) -> None:
        if phase == "apply_shocks" and self.plug.role == "shock" and not self.trace.acted:
            s = self.model.state
            modifiers = (s.production_factor, s.need_factor, s.grant_factor)
            self.trace.acted = any((m != 1.0).any() for m in modifiers) or bool(
                (s.stock < before["stock"]).any()
            )
        if phase == "act" and self.plug.role == "agents" and not self.trace.acted:
            self.trace.acted = self.model.agent_plan.acted
        if phase == "collect":
            self._fixed()  # once a step: the read-only views stop writes where they happen
        self._conservation(phase, before)
        self._exchange(phase, before)
        self._non_negative()
        self._trust()
        if phase == "collect":
            self._indicators()

    def _conservation(self, phase: str, before: dict[str, Any]) -> None:
        model, s = self.model, self.model.state
        where = _where(self.step, phase)
        scale = max(1.0, float(np.nanmax(np.abs(before["stock"]), initial=0.0)))
        tol = TOL * scale
        if not (np.isfinite(s.stock).all() and np.isfinite(s.available).all()):
            return  # reported as non_negative
        if phase == "apply_shocks":
            grown = s.stock - before["stock"]
            if (grown > tol).any():
                i, g = np.unravel_index(np.argmax(grown), grown.shape)
                self.report(
                    "conservation",
                    f"goods created from nothing {where}: the stock of "
                    f"{self._good(g)} of territory {self._id(i)} grew from "
                    f"{before['stock'][i, g]:.6g} to {s.stock[i, g]:.6g} "
                    f"(+{grown[i, g]:.6g}) units; a shock may destroy stocks, never "
                    "create them",
                )
            self.trace.destroyed += float(np.maximum(-grown, 0.0).sum())
            return
        phase_check = {
            "produce": self._production,
            "trade": self._market_conservation,
            "consume": self._consumption,
        }
        if phase in phase_check:
            phase_check[phase](where, before, tol)
            return
        changed = np.abs(s.stock - before["stock"])
        if (changed > tol).any():
            i, g = np.unravel_index(np.argmax(changed), changed.shape)
            verb = (
                "created from nothing" if s.stock[i, g] > before["stock"][i, g] else ("destroyed")
            )
            self.report(
                "conservation",
                f"goods {verb} {where}: the stock of {self._good(g)} of "
                f"territory {self._id(i)} went from {before['stock'][i, g]:.6g} to "
                f"{s.stock[i, g]:.6g} units; stocks change only by consumption "
                "(and shocks may destroy them)",
            )
        if s.available.shape != before["available"].shape:
            self.report("conservation", f"the array of available goods changed shape {where}")
            return
        net = np.zeros_like(s.available)
        recorded = 0
        for channel, parts in model.ledger.flows.items():
            for giver, receiver, amounts in parts[before["ledger"].get(channel, 0) :]:
                amounts = np.asarray(amounts, float).reshape(np.size(giver), net.shape[1])
                np.add.at(net, np.asarray(receiver), amounts)
                np.subtract.at(net, np.asarray(giver), amounts)
                recorded += 1
        unexplained = s.available - before["available"] - net
        if phase == "govern":
            unexplained = self._minus_declared_production(unexplained)
        scale = max(1.0, float(np.abs(before["available"]).max(initial=0.0)))
        tol = TOL * scale * max(1, s.n)
        if not (np.abs(unexplained) > tol).any():
            if phase == "deliver":
                money = s.reserve.sum() - before["reserve"].sum()
                if abs(money) > TOL * max(1.0, abs(before["reserve"]).sum()):
                    verb = "created from nothing" if money > 0 else "destroyed"
                    self.report(
                        "conservation",
                        f"money {verb} {where}: the total reserve went "
                        f"from {before['reserve'].sum():.6g} to {s.reserve.sum():.6g}",
                    )
            return
        totals = unexplained.sum(axis=0)
        g = int(np.argmax(np.abs(totals)))
        if abs(totals[g]) > tol:
            i = int(np.argmax(unexplained[:, g] * np.sign(totals[g])))
            verb = "created from nothing" if totals[g] > 0 else "destroyed"
            old = before["available"][:, g].sum()
            self.report(
                "conservation",
                f"goods {verb} {where}: {abs(totals[g]):.6g} units of "
                f"{self._good(g)} {'appeared' if totals[g] > 0 else 'vanished'} "
                f"(territory {self._id(i)}: {before['available'][i, g]:.6g} -> "
                f"{s.available[i, g]:.6g}; total {old:.6g} -> "
                f"{s.available[:, g].sum():.6g}) without any recorded transfer; goods "
                "may only move through model.transfer(...) or the negotiated "
                "deliveries",
            )
        else:
            i, g = np.unravel_index(np.argmax(np.abs(unexplained)), unexplained.shape)
            self.report(
                "conservation",
                f"goods moved without a recorded transfer {where}: "
                f"territory {self._id(i)} has {s.available[i, g]:.6g} units of "
                f"{self._good(g)} instead of {s.available[i, g] - unexplained[i, g]:.6g}"
                "; move goods with model.transfer(giver, receiver, amounts, channel) so "
                "that they are recorded",
            )

    def _exchange(self, phase: str, before: dict[str, Any]) -> None:
        """The deals respect what the sides have, trust and tolerate (ODD 7.4).

        After ``negotiate``: a deal needs trust on both arcs as it was when they negotiated,
        each side perceives a balance of at least ``1 - reciprocity_tolerance`` (a bloc, a
        merger acting as one, on its totals: its arcs are not checked one by one), and the
        deals use no more engineering than was left. After ``deliver``: no territory gave
        more than its surplus (``available - need`` before delivery) nor paid more than its
        reserve.
        """
        model, s = self.model, self.model.state
        where = _where(self.step, phase)
        if phase == "negotiate":
            out, e = model.outcome, s.n_links
            trust = before["trust"]
            untrusted = out.deal & ~(np.minimum(trust[:e], trust[e:]) > 0)
            if untrusted.any():
                link = int(np.flatnonzero(untrusted)[0])
                a, b = self._id(s.arc_from[link]), self._id(s.arc_to[link])
                self.report(
                    "exchange",
                    f"a deal without trust {where}: {a} and {b} made a deal although the "
                    f"trust of one in the other was {min(trust[link], trust[e + link]):.6g}",
                )
            spec = model.config.exchange
            floor = 1.0 - spec.reciprocity_tolerance
            per_arc = np.tile(out.deal, 2)
            # smooth acceptance (ODD 7.4.3) may accept a deal below a side's tolerance, with
            # the odds of its margin, and a defector's partner receives nothing (7.4.6): the
            # tolerance is exact only with near-threshold acceptance and on arcs not defected on
            if spec.acceptance_width > 1e-6 or spec.tension_cost or spec.cleavage_cost:
                per_arc[:] = False
            if out.defected is not None:
                per_arc &= ~s.reverse(out.defected)
            blocs = bloc_pairs(s)  # a bloc honours the tolerance on its totals (ODD 7.4.3)
            if blocs is not None:
                per_arc[blocs[0]] = False
            short = per_arc & ~(out.perceived_balance >= floor - TOL)
            if short.any():
                arc = int(np.flatnonzero(short)[0])
                self.report(
                    "exchange",
                    f"a deal below the reciprocity tolerance {where}: "
                    f"{self._id(s.arc_from[arc])} perceives a balance of "
                    f"{out.perceived_balance[arc]:.6g} with {self._id(s.arc_to[arc])}, "
                    f"below 1 - reciprocity_tolerance = {floor:.6g}",
                )
            left = before["engineering_left"]
            over = out.engineering - (left * (1 + TOL) + TOL)
            if (over > 0).any():
                i = int(np.argmax(over))
                self.report(
                    "exchange",
                    f"deals used {out.engineering[i]:.6g} of engineering of territory "
                    f"{self._id(i)} {where}, more than the {left[i]:.6g} left",
                )
        if phase == "deliver":
            for what, arcs, limit in (
                ("gave goods", before["flow"], before["surplus"]),
                ("paid money", before["money"], before["reserve"]),
            ):
                excess = s.sum_by_origin(arcs) - (limit * (1 + TOL) + TOL)
                if (excess > 0).any():
                    i = np.unravel_index(np.argmax(excess), excess.shape)[0]
                    self.report(
                        "exchange",
                        f"territory {self._id(int(i))} {what} beyond what it had {where}: "
                        "a deal gives at most the giver's surplus and pays at most its reserve",
                    )

    def _fixed(self) -> None:
        """What set-up fixed is unchanged at the end of the step.

        The read-only views stop a write where it happens; this catches one that escaped
        them, e.g. through a view kept from set-up.
        """
        s = self.model.state
        for name, value in self.fixed.items():
            now = getattr(s, name, None)
            nan = value.dtype.kind in "fc"
            if isinstance(now, np.ndarray) and np.array_equal(now, value, equal_nan=nan):
                continue
            self.report(
                "read_only",
                f"state.{name} changed during step {self.step}, although it is fixed at "
                "set-up (no rule, institution or shock may change it)",
            )
            return

    def _production(self, where: str, before: dict[str, Any], tol: float) -> None:
        """Production adds to what stocks hold at most capacity x production modifier (7.1).

        ``0 <= available - stock <= capacity * skill * production_factor * k+`` (the fiscal
        health that scales public goods is at most 1; ``k+ = max(1, capital)`` for public
        goods, 1 for the others), with the capacity of set-up; stocks do not change.
        """
        s = self.model.state
        produced = s.available - before["stock"]
        capacity = self.fixed.get("capacity", s.capacity)
        capital = np.where(s.public[None, :], np.maximum(s.capital, 1.0)[:, None], 1.0)
        limit = capacity * s.skill * np.maximum(s.production_factor, 0.0) * capital
        excess = np.maximum(produced - limit, -produced)
        changed = np.abs(s.stock - before["stock"])
        if (changed > tol).any():
            i, g = np.unravel_index(np.argmax(changed), changed.shape)
            self.report(
                "conservation",
                f"stocks changed {where}: the stock of {self._good(g)} of territory "
                f"{self._id(i)} went from {before['stock'][i, g]:.6g} to {s.stock[i, g]:.6g}; "
                "production adds to what territories have at hand, not to their stocks",
            )
        elif (excess > tol * max(1.0, float(np.abs(limit).max(initial=0.0)))).any():
            i, g = np.unravel_index(np.argmax(excess), excess.shape)
            self.report(
                "conservation",
                f"production made {produced[i, g]:.6g} units of {self._good(g)} in territory "
                f"{self._id(i)} {where}; it must be between 0 and capacity x production "
                f"modifier = {limit[i, g]:.6g} (ODD 7.1)",
            )

    def _consumption(self, where: str, before: dict[str, Any], tol: float) -> None:
        """Stocks keep at most what was left after consumption (``available - consumed``)."""
        s = self.model.state
        leftover = np.maximum(s.available - s.consumed, 0.0)
        over = s.stock - leftover
        if (over > tol).any() or (s.consumed > s.available + tol).any():
            i, g = np.unravel_index(np.argmax(over), over.shape)
            self.report(
                "conservation",
                f"goods created from nothing {where}: "
                f"territory {self._id(i)} stores {s.stock[i, g]:.6g} units of "
                f"{self._good(g)} but only {leftover[i, g]:.6g} were left "
                "after consumption",
            )

    def _market_conservation(self, where: str, before: dict[str, Any], tol: float) -> None:
        """The market moves ``bought - sold`` and brings in no more than what was bought.

        Goods bought beyond what territories sold come from outside the scope (imports,
        ODD 7.10); no territory's goods may change otherwise.
        """
        s = self.model.state
        unexplained = s.available - before["available"] - (s.bought - s.sold)
        scale = max(1.0, float(np.abs(before["available"]).max(initial=0.0)))
        tol = max(tol, TOL * scale * max(1, s.n))
        if (np.abs(unexplained) > tol).any():
            i, g = np.unravel_index(np.argmax(np.abs(unexplained)), unexplained.shape)
            self.report(
                "conservation",
                f"goods moved outside the market's accounts {where}: territory "
                f"{self._id(i)} has {s.available[i, g]:.6g} units of {self._good(g)} instead "
                f"of {s.available[i, g] - unexplained[i, g]:.6g} (bought - sold)",
            )
        lost = s.sold.sum(axis=0) - s.bought.sum(axis=0)
        if (lost > tol).any():
            g = int(np.argmax(lost))
            self.report(
                "conservation",
                f"goods destroyed {where}: {lost[g]:.6g} units of {self._good(g)} were sold on "
                "the market and bought by nobody",
            )

    def _minus_declared_production(self, unexplained: np.ndarray) -> np.ndarray:
        """Take away the goods institutions declare they produced in the govern phase.

        An institution may produce (the merger's economies of scale on pooled services, ODD
        7.5.3) if it declares it: ``step_scale_units`` (units produced this step, per good)
        and ``members`` (the territories that received them). The declared units are spread
        over the members in proportion to what appeared at each; whatever appeared beyond
        them, or outside the members, stays unexplained.
        """
        out = unexplained.copy()
        for institution in self.model.institutions:
            units = getattr(institution, "step_scale_units", None)
            members = getattr(institution, "members", None)
            if units is None or members is None:
                continue
            members = np.asarray(members)
            part = out[members]
            appeared = np.maximum(part, 0.0)
            total = appeared.sum(axis=0)
            share = np.divide(appeared, total, out=np.zeros_like(appeared), where=total > 0)
            out[members] = part - share * np.minimum(np.asarray(units, float), total)
        return out

    def _non_negative(self) -> None:
        model, s = self.model, self.model.state
        where = f"at step {self.step}, after phase '{self.phase}' ({
            PHASE_ACTORS.get(self.phase, self.phase)
        })"
        arrays: list[tuple[str, Any, str]] = [
            ("stock", s.stock, "territory"),
            ("available quantity", s.available, "territory"),
            ("reserve", s.reserve, "territory"),
            ("capacity", s.capacity, "territory"),
            ("skill", s.skill, "territory"),
            ("production modifier", s.production_factor, "territory"),
            ("need modifier", s.need_factor, "territory"),
            ("grant modifier", s.grant_factor, "territory"),
            ("spending modifier", s.spending_factor, "territory"),
            ("flow", s.flow, "arc"),
            ("negotiated flow", model.outcome.flow, "arc"),
            ("money paid", model.outcome.money, "arc"),
        ]
        for label, values, axis in arrays:
            values = np.asarray(values, dtype=float)
            bad = ~(values >= -TOL * max(1.0, float(np.nanmax(np.abs(values), initial=0.0))))
            if not bad.any():
                continue
            index = np.argwhere(bad)[0]
            row = int(index[0])
            if axis == "territory":
                who = f"territory {self._id(row)}" if row < s.n else f"row {row}"
            elif row < 2 * s.n_links:
                who = f"arc {self._id(s.arc_from[row])} -> {self._id(s.arc_to[row])}"
            else:
                who = f"arc {row}"
            good = f" of {self._good(int(index[1]))}" if values.ndim == 2 else ""
            value = values[tuple(index)]
            what = "not a number" if np.isnan(value) else f"{value:.6g}"
            self.report(
                "non_negative", f"negative or invalid {label}{good} {where}: {who} has {what}"
            )
            return
        stock = np.asarray(s.stock, dtype=float)
        above = (stock > s.stock_cap * (1 + TOL) + TOL) | ((stock != 0) & ~s.storable[None, :])
        if above.any():
            i, g = np.argwhere(above)[0]
            self.report(
                "non_negative",
                f"a stock beyond its cap {where}: territory {self._id(int(i))} stores "
                f"{stock[i, g]:.6g} units of {self._good(int(g))} (cap {s.stock_cap[i, g]:.6g}"
                f"{'' if s.storable[g] else ', not storable'})",
            )

    def _trust(self) -> None:
        s = self.model.state
        trust = np.asarray(s.trust, dtype=float)
        where = f"at step {self.step}, after phase '{self.phase}' ({
            PHASE_ACTORS.get(self.phase, self.phase)
        })"
        if trust.shape != (2 * s.n_links,):
            self.report(
                "trust_range",
                f"trust has shape {trust.shape} {where}; there are "
                f"{2 * s.n_links} arcs ({s.n_links} links, both ways)",
            )
            return
        bad = ~((trust >= -TOL) & (trust <= 1.0 + TOL))
        if bad.any():
            a = int(np.flatnonzero(bad)[0])
            self.report(
                "trust_range",
                f"trust outside [0, 1] {where}: the trust of "
                f"{self._id(s.arc_from[a])} in {self._id(s.arc_to[a])} is "
                f"{float(trust[a]):.6g}",
            )

    def _indicators(self) -> None:
        model, s = self.model, self.model.state
        where = f"at step {self.step}"
        sat = np.asarray(s.satisfaction, dtype=float)
        bad = ~((sat >= -TOL) & (sat <= 1.0 + TOL))
        if bad.any():
            i, g = np.argwhere(bad)[0]
            self.report(
                "indicators",
                f"satisfaction outside [0, 1] {where}: territory "
                f"{self._id(i)}, {self._good(g)}: {sat[i, g]!r}",
            )
            return
        row = model.recorder.rows[-1] if model.recorder.rows else {}
        for column, value in row.items():
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                continue
            value = float(value)
            if math.isinf(value):
                self.report("indicators", f"indicator {column!r} is infinite {where}")
                return
            if column == "reciprocity_balance" and not row.get("deals") and not math.isnan(value):
                self.report(
                    "indicators", f"a reciprocity balance of {value:.6g} without a deal {where}"
                )
                return
            if column == "deals" and value > s.n_links:
                self.report("indicators", f"{value:g} deals on {s.n_links} links {where}")
                return
            if math.isnan(value):
                if not self._nan_allowed(column, row):
                    self.report(
                        "indicators",
                        f"indicator {column!r} is NaN (not a number) "
                        f"{where}, although it is defined",
                    )
                    return
                continue
            low, high = _range(column)
            if value < low - TOL or value > high + TOL:
                span = f"[{low:g}, {high:g}]" if high < math.inf else f">= {low:g}"
                self.report(
                    "indicators", f"indicator {column!r} is {value:.6g} {where}; it must be {span}"
                )
                return

    def _nan_allowed(self, column: str, row: dict[str, Any]) -> bool:
        s = self.model.state
        core = {
            "satisfaction",
            "satisfaction_min",
            "gini",
            "theil",
            "deals",
            "money",
            "reserve",
            "fiscal_health",
            "volume_value",
        }
        core |= {f"satisfaction_{g}" for g in s.goods} | {f"volume_{g}" for g in s.goods}
        if column in core or column.startswith("volume_value_"):
            return False
        if column == "trust":
            return s.n_links == 0
        if column == "reciprocity_balance":
            return not row.get("deals")
        return True  # per kind or class (maybe empty), link types (maybe absent), institutions


def _range(column: str) -> tuple[float, float]:
    """The allowed range of a recorded indicator."""
    unit = (
        "satisfaction",
        "trust",
        "gini",
        "fiscal_health",
        "reciprocity_balance",
        "misperception",
    )
    if column.startswith(unit):
        return 0.0, 1.0
    if column.startswith(("volume", "deals", "money", "reserve", "theil")):
        return 0.0, math.inf
    return -math.inf, math.inf


#: The invariants a single run holds whatever its rules (the others compare runs).
RUN_INVARIANTS = (
    "read_only",
    "conservation",
    "exchange",
    "trust_range",
    "non_negative",
    "indicators",
)
_NO_RULE = _Plug("", "model", ())


def watch_invariants(model: TerriModel) -> list[Violation]:
    """Check the run invariants (:data:`RUN_INVARIANTS`) around every phase of ``model``.

    The one implementation of the invariants: ``check-rule`` runs it on a student's rule, the
    property tests of the core (``tests/test_invariants.py``) on the built-in rules. Call it
    before running the model; the list it returns fills as the model runs, with the first
    violation of each invariant in each phase (the run goes on).

    Example::

        model = TerriModel("configs/demo.toml")
        violations = watch_invariants(model)
        model.run()
        assert not violations, violations[0].message
    """
    trace = _Trace()
    _Probe(model, trace, _NO_RULE, check=True, stop_early=False)
    return trace.violations


class _StopError(Exception):
    """A checked run stops after the phase of its first violation (the rest is consequence)."""


def _run(scenario: Any, plug: _Plug, check: bool, *, stop_early: bool = True) -> _Trace:
    """Build and run a model, checking the invariants around every phase if ``check``.

    The model's own guard of rule outputs is off (:func:`terrisim.rules.outputs.unguarded`):
    check-rule reports a bad output as a failed invariant. A checked run stops after the
    phase of its first violation, unless ``stop_early`` is False (to see what follows).
    """
    from terrisim.model import TerriModel

    trace = _Trace()
    with warnings.catch_warnings(), np.errstate(all="ignore"), unguarded():
        warnings.simplefilter("ignore")  # a rule's numpy warnings, once per scenario: noise
        try:
            model = TerriModel(scenario, record_territories=False)
        except ScenarioError:
            raise  # the scenario's own mistake, reported as such by the caller
        except Exception as exc:  # the rule's set-up (an institution's setup) raised
            trace.crashed = True
            message = _crash_message(exc, 0, "setup")
            trace.violations.append(Violation("runs", message, 0, "setup", (0, -1)))
            return trace
        trace.engine = model.engine
        probe = _Probe(model, trace, plug, check, stop_early)
        try:
            model.run()
        except _StopError:
            pass
        except Exception as exc:
            probe.crash(exc)
    return trace


#: What "acted" means, by role (the report's coverage line).
ACTED = {
    "governance": "acted: one of its hooks changed the state, the outcome or the ledger",
    "shock": "acted: while active, it changed a modifier or destroyed stocks",
    "agents": "acted: in the phase act, some territory planned a gift or a change of trust",
}


def _reference(role: str, rule: Any) -> Any:
    """The default rule of the role (market, trust_weighted, reinforcement) to compare with.

    ``None`` when the rule is of that very class: then "acted" is not measured.
    """
    from terrisim.scenario.schema import Scenario

    name = getattr(Scenario().rules, role).name
    cls = registered(role)[name]
    return None if type(rule) is cls else cls()


def _acted_means(plug: _Plug) -> str:
    """What "acted" means for the rule, in words; empty when it is not measured."""
    if plug.role in ACTED:
        return ACTED[plug.role]
    from terrisim.scenario.schema import Scenario

    name = getattr(Scenario().rules, plug.role).name
    if resolve(plug.role, plug.spec) is registered(plug.role)[name] and not plug.params:
        return ""
    return f"acted: its output differed from the built-in rule {name}'s on the same input"


def _same_array(a: Any, b: Any) -> bool:
    try:
        x, y = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    except ValueError:
        return False
    nan = x.dtype.kind in "fc" and y.dtype.kind in "fc"
    return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=nan))


def _same_output(out: Any, expected: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Whether ``out`` is what the reference rule returns on the same arguments."""
    try:
        ref = expected(*args)
    except Exception:  # the reference cannot run on this input: not the same
        return False
    if isinstance(ref, tuple):
        return (
            isinstance(out, tuple)
            and len(out) == len(ref)
            and all(_same_array(a, b) for a, b in zip(out, ref, strict=True))
        )
    return _same_array(out, ref)


# ------------------------------------------------------------------ whole-run comparisons
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | np.floating) and isinstance(b, float | np.floating):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return bool(a == b)


def _determinism(first: _Trace, second: _Trace, seed: int) -> Violation | None:
    """The first difference between two runs of the same scenario and seed."""
    for step, (r1, r2) in enumerate(zip(first.rows, second.rows, strict=False), start=1):
        for column in r1:
            if column in r2 and not _same(r1[column], r2[column]):
                return Violation(
                    "determinism",
                    f"two runs with the same seed ({seed}) differ "
                    f"at step {step}: {column!r} is {r1[column]!r} in the first "
                    f"and {r2[column]!r} in the second; draw random numbers only "
                    "from model.streams (never numpy.random or random), and keep "
                    "no state outside the model",
                    step,
                )
    for step, (s1, s2) in enumerate(zip(first.snapshots, second.snapshots, strict=False), start=1):
        for name in s1:
            if not np.array_equal(s1[name], s2[name], equal_nan=True):
                return Violation(
                    "determinism",
                    f"two runs with the same seed ({seed}) differ "
                    f"at step {step} in the territories' {name}; draw random "
                    "numbers only from model.streams and keep no state outside "
                    "the model",
                    step,
                )
    if len(first.rows) != len(second.rows):
        return Violation(
            "determinism",
            f"two runs with the same seed ({seed}) ran "
            f"{len(first.rows)} and {len(second.rows)} steps",
        )
    return None


def _canonical(trace: _Trace) -> list[dict[str, np.ndarray]]:
    """Snapshots with territories sorted by id and arcs by (from, to) ids."""
    assert trace.ids is not None and trace.arcs is not None
    order = np.argsort(trace.ids, kind="stable")
    arc_order = sorted(range(len(trace.arcs)), key=lambda a: trace.arcs[a])
    out = []
    for snap in trace.snapshots:
        out.append({k: (v[arc_order] if k == "trust" else v[order]) for k, v in snap.items()})
    return out


def _order(listed: _Trace, permuted: _Trace) -> Violation | None:
    """The largest difference per territory between the two orders, if beyond rounding."""
    if listed.ids is None or permuted.ids is None:
        return None
    ids = np.sort(listed.ids)
    arcs = sorted(listed.arcs or [])
    for step, (a, b) in enumerate(
        zip(_canonical(listed), _canonical(permuted), strict=False), start=1
    ):
        for name in a:
            x, y = a[name], b[name]
            if x.shape != y.shape:
                return Violation(
                    "agent_order",
                    f"listing the territories in another order "
                    f"changes the shape of {name} at step {step}",
                    step,
                )
            if np.allclose(x, y, rtol=ORDER_RTOL, atol=ORDER_ATOL, equal_nan=True):
                continue
            gap = np.abs(np.nan_to_num(x - y, nan=np.inf))
            index = np.unravel_index(np.argmax(gap), gap.shape)
            if name == "trust":
                who = f"the trust of {arcs[index[0]][0]} in {arcs[index[0]][1]}"
            else:
                who = f"territory {ids[index[0]]}'s {name}"
            return Violation(
                "agent_order",
                f"results depend on the order of territories: "
                f"with the same territories and links listed in another order, "
                f"at step {step} {who} is {y[index]:.6g} instead of "
                f"{x[index]:.6g}; a rule must treat every territory by the same "
                "equations, whatever its position in the arrays (no loop that "
                "updates as it goes, no special case for index 0)",
                step,
            )
    return None


def _csv_scenarios(example: Example, plug: _Plug, folder: Path) -> tuple[Any, Any]:
    """The example's territories and links written as CSV files in two orders."""
    from terrisim.model import TerriModel
    from terrisim.scenario.csv_io import OPTIONAL_SCALARS

    data = _scenario_dict(example, plug)
    plain = {k: v for k, v in data.items() if k not in ("rules", "governance", "shocks")}
    s = TerriModel(scenario_from_dict(plain, "<check-rule>"), record_territories=False).state
    rows = []
    xy = s.xy - s.xy.min(axis=0) + 1.0  # CSV coordinates are positive; distances are kept
    for i in range(s.n):
        row = {
            "id": str(s.ids[i]),
            "name": str(s.names[i]),
            "kind": s.kinds[s.kind[i]],
            "population": repr(float(s.population[i])),
            "x_km": repr(float(xy[i, 0])),
            "y_km": repr(float(xy[i, 1])),
        }
        for j, good in enumerate(s.goods):
            row[f"capacity_{good}"] = repr(float(s.capacity[i, j]))
            row[f"need_{good}"] = repr(float(s.need[i, j]))
        for column in OPTIONAL_SCALARS:
            row[column] = repr(float(getattr(s, column)[i]))
        rows.append(row)
    # links an institution adds (kind contract) are not input: the institution adds them again
    links = [
        {"source": str(s.ids[a]), "target": str(s.ids[b]), "kind": kind}
        for a, b, kind in zip(s.src, s.dst, _link_kind_names(s.link_kind), strict=True)
        if kind != "contract"
    ]
    perm = np.random.default_rng(example.permutation).permutation(s.n)
    if (perm == np.arange(s.n)).all():
        perm = perm[::-1]
    scenarios = []
    for name, order in (("listed", np.arange(s.n)), ("permuted", perm)):
        sub = folder / name
        sub.mkdir()
        _write_csv(sub / "territories.csv", [rows[i] for i in order])
        link_order = (
            np.random.default_rng(example.permutation + 1).permutation(len(links))
            if name == "permuted"
            else np.arange(len(links))
        )
        _write_csv(sub / "links.csv", [links[i] for i in link_order], ["source", "target", "kind"])
        csv_data = {
            **data,
            "territories": {
                "source": "csv",
                "csv": {"territories": "territories.csv", "links": "links.csv"},
            },
        }
        csv_data["trust"] = {**data.get("trust", {}), "tension_share": 0.0}
        scenarios.append(scenario_from_dict(csv_data, str(sub / "scenario.toml"), base_dir=sub))
    return scenarios[0], scenarios[1]


def _link_kind_names(codes: np.ndarray) -> list[str]:
    from terrisim.scenario.layout import LINK_KINDS

    return [LINK_KINDS[int(c)] for c in codes]


def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ------------------------------------------------------------------------------ evaluation
@dataclass
class _Outcome:
    """The checks of one example: the first violations, or why it was skipped."""

    first: dict[str, Violation]
    skipped: str = ""
    destroyed: float = 0.0
    acted: bool = False
    engine: str = ""


def _rerun(scenario: Any, plug: _Plug, main: _Trace) -> Violation | None:
    """Run the scenario a second time with the same seed; the first difference, if any."""
    again = _run(scenario, plug, check=False)
    if again.crashed:
        return Violation(
            "determinism",
            "a second run with the same seed stopped with an "
            f"error, the first did not: {again.violations[0].message}",
        )
    return _determinism(main, again, scenario.seed)


class _Evaluator:
    """Runs the checks of an example once and remembers the outcome."""

    def __init__(self, plug: _Plug) -> None:
        self.plug = plug
        self.cache: dict[str, _Outcome] = {}

    def __call__(self, example: Example) -> _Outcome:
        key = repr(example)  # examples hold lists (shock targets): not hashable
        outcome = self.cache.get(key)
        if outcome is None:
            outcome = self.cache[key] = self._evaluate(example)
        return outcome

    def _evaluate(self, example: Example) -> _Outcome:
        try:
            scenario = scenario_from_dict(_scenario_dict(example, self.plug), "<check-rule>")
            main = _run(scenario, self.plug, check=True)
        except ScenarioError as exc:
            return _Outcome({}, skipped=str(exc).splitlines()[0])
        first = main.first()
        seen = {"destroyed": main.destroyed, "acted": main.acted, "engine": main.engine}
        if first or main.crashed:
            return _Outcome(first, **seen)
        problem = _rerun(scenario, self.plug, main)
        if problem is None and example.n >= 2:
            with tempfile.TemporaryDirectory(prefix="terrisim-check-") as tmp:
                listed, permuted = _csv_scenarios(example, self.plug, Path(tmp))
                runs = [
                    _run(listed, self.plug, check=False),
                    _run(permuted, self.plug, check=False),
                ]
            if runs[0].crashed or runs[1].crashed:
                crashed = runs[0] if runs[0].crashed else runs[1]
                problem = Violation(
                    "agent_order" if not runs[0].crashed else "runs",
                    f"with the territories read from CSV files "
                    f"{'in another order' if not runs[0].crashed else ''}, "
                    f"{crashed.violations[0].message}",
                )
            else:
                problem = _order(*runs)
        return _Outcome({problem.invariant: problem} if problem else {}, **seen)


#: Steps of each random scenario of check-rule, by default (``--steps``).
DEFAULT_STEPS = 60


def check_rule(
    rule: str | type[Rule],
    *,
    examples: int = 50,
    params: dict[str, Any] | None = None,
    steps: int = DEFAULT_STEPS,
    scenarios: list[str | Path] | None = None,
) -> CheckReport:
    """Run a rule through the model's invariants on random small scenarios, and on yours.

    Args:
        rule: ``"module:Class"`` (the module importable, e.g. on ``PYTHONPATH``), a
            registered rule name, or the class itself.
        examples: Random scenarios drawn per invariant (hypothesis ``max_examples``).
        params: The rule's parameters (its ``Params`` model), default: its defaults.
        steps: Steps of every random scenario (a bug may appear late).
        scenarios: The student's own scenario files, checked too (every invariant but
            ``agent_order``, for as many steps as each file says); ``None``: the scenario
            files next to the rule's module that name it (:func:`own_scenarios`).

    Returns:
        A :class:`CheckReport`; ``report.text()`` says in plain words which invariant breaks,
        with the smallest failing scenario as a scenario file, in how many scenarios the
        rule acted, which lines of its own code never ran, and what was not checked. The
        same arguments give the same report (derandomized hypothesis, no example database).

    Raises:
        ScenarioError: bad input: a module that cannot be imported, a class that is not a
            rule, invalid parameters, ``examples < 1``, ``steps < 1``, hypothesis not
            installed, or a rule that refuses every generated scenario.
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ScenarioError(f"--examples: must be an integer >= 1 (got {examples!r})")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ScenarioError(f"--steps: must be an integer >= 1 (got {steps!r})")
    require("hypothesis", "check", "terrisim check-rule")
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample

    from terrisim.rule_coverage import RuleLines

    params = dict(params or {})
    plug = _plug(rule, params)
    evaluate = _Evaluator(plug)
    strategy = _strategy(plug, steps)
    budget = settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=[Phase.generate, Phase.shrink],
    )
    report = CheckReport(plug.spec, plug.role, params, examples, steps=steps)
    if scenarios is None:
        own, unreadable = own_scenarios(plug)
        report.notes.extend(unreadable)
    else:
        own = [Path(s) for s in scenarios]
    lines = RuleLines(_rule_class(plug))
    with lines:
        for name, description in INVARIANTS.items():
            try:
                smallest = find(
                    strategy, lambda ex, name=name: name in evaluate(ex).first, settings=budget
                )
            except NoSuchExample:
                report.results.append(InvariantResult(name, description, passed=True))
                continue
            violation = evaluate(smallest).first[name]
            toml = scenario_toml(smallest, plug, violation.step)
            report.results.append(
                InvariantResult(name, description, False, violation, smallest, toml)
            )
        mine = [_check_file(plug, path) for path in own]
    outcomes = list(evaluate.cache.values())
    report.scenarios = len(outcomes)
    skipped = [o for o in outcomes if o.skipped]
    report.skipped = len(skipped)
    if skipped:
        report.skip_reason = skipped[0].skipped
        if len(skipped) == len(outcomes):
            raise ScenarioError(
                f"rule {plug.spec!r} refused every generated scenario; first "
                f"reason: {report.skip_reason}"
            )
    ran = [o for o in outcomes if not o.skipped]
    for path, (first, trace) in zip(own, mine, strict=True):
        report.own_scenarios.append(str(path))
        for index, result in enumerate(report.results):
            if result.passed and result.name in first:
                found = first[result.name]
                message = f"on your scenario {path}: {found.message}"
                report.results[index] = replace(
                    result, passed=False, violation=replace(found, message=message)
                )
        ran.append(_Outcome(first, destroyed=trace.destroyed, acted=trace.acted))
    _coverage(report, plug, ran, lines)
    report.engine = next((o.engine for o in outcomes if o.engine), "")
    destroyed = [o for o in ran if o.destroyed > 0]
    if destroyed:
        report.notes.append(
            f"shocks destroyed stocks in {len(destroyed)} of {len(ran)} "
            "scenarios (allowed: a shock may destroy stocks, never create them)"
        )
    return report


def _coverage(report: CheckReport, plug: _Plug, ran: list[_Outcome], lines: Any) -> None:
    """Fill the report's coverage: scenarios run, where the rule acted, lines that ran."""
    report.runs = len(ran)
    report.acted = sum(o.acted for o in ran)
    report.acted_means = _acted_means(plug)
    report.coverage = lines


def own_scenarios(plug: _Plug) -> tuple[list[Path], list[str]]:
    """The scenario files next to the rule's module that name the rule, and notes.

    A student's rule in ``my_rules/forgetful.py`` with ``my_rules/failing.toml`` (or any
    ``.toml`` there that plugs it in, itself or through the file it ``extends``) gets
    checked on that file too. Notes say which files
    name the rule but could not be read. Experiment files there (``terrisim sweep``'s, with a
    ``[design]``) are not scenarios: they are left out.
    """
    module_name = plug.spec.partition(":")[0]
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if ":" not in plug.spec or module_name == _SHIM or path is None:
        return [], []
    found, notes = [], []
    from terrisim.scenario.loading import load_scenario

    for candidate in sorted(Path(path).parent.glob("*.toml")):
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        named = plug.spec in text
        if not (named or "extends" in text) or _experiment_file(text):
            continue  # an extending file may name the rule in the file it extends
        try:
            config = load_scenario(candidate)
        except ScenarioError as exc:
            if named:
                first = str(exc).splitlines()[0]
                notes.append(
                    f"your scenario {candidate} names the rule but cannot be read: {first}"
                )
            continue
        if _uses(config, plug):
            found.append(candidate)
    return found, notes


def _experiment_file(text: str) -> bool:
    """Whether a TOML text is an experiment file (a sweep's ``[design]``), not a scenario."""
    try:
        return is_experiment(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return False  # a broken scenario: load_scenario says where


def _check_file(
    plug: _Plug, scenario: str | Path, settings: list[str] = ()
) -> tuple[dict[str, Violation], _Trace]:
    """Every invariant but agent_order on one scenario file: the first violations, the run.

    Raises:
        ScenarioError: an invalid scenario file (or ``--set``), or one that does not use the
            rule.
    """
    from terrisim.scenario.loading import apply_settings, load_scenario

    config = apply_settings(load_scenario(scenario), list(settings))
    if not _uses(config, plug):
        slot = {
            "governance": "a [[governance]] rule",
            "shock": "a [[shocks]] kind",
            "agents": "[agents] territory",
        }.get(plug.role, f"[rules] {plug.role}")
        raise ScenarioError(
            f'{scenario}: does not use rule {plug.spec!r}; name it as {slot} = "{plug.spec}"'
        )
    main = _run(config, plug, check=True)
    first = main.first()
    if not first and not main.crashed:
        problem = _rerun(config, plug, main)
        first = {problem.invariant: problem} if problem else {}
    main.steps = config.steps
    return first, main


def _uses(scenario: Any, plug: _Plug) -> bool:
    """Whether the scenario names the rule in the slot of its role."""
    if plug.role in RULE_SLOTS:
        return getattr(scenario.rules, plug.role).name == plug.spec
    if plug.role == "governance":
        return any(g.rule == plug.spec for g in scenario.governance)
    if plug.role == "agents":
        return scenario.agents.territory == plug.spec
    return any(shock.kind == plug.spec for shock in scenario.shocks)


def check_scenario(
    rule: str | type[Rule], scenario: str | Path, *, settings: list[str] = ()
) -> CheckReport:
    """Check a rule on one given scenario file, e.g. the smallest failing one of a report.

    Every invariant but ``agent_order`` (it needs generated territories, to list them in
    another order) is checked on that scenario, for as many steps as it says, with its seed;
    the rule's parameters are the scenario's. After a fix, this tells whether the scenario
    that broke the rule still does::

        terrisim check-rule forgetful:ForgetfulTrust --scenario failing.toml

    Args:
        rule: As for :func:`check_rule`.
        scenario: A scenario file that names the rule (``[rules]``, ``[[governance]]`` or
            ``[[shocks]]``).
        settings: ``--set dotted.path=value`` overrides applied to the file.

    Raises:
        ScenarioError: bad input (as for :func:`check_rule`), an invalid scenario file, or a
            scenario that does not use the rule.
    """
    from terrisim.rule_coverage import RuleLines

    plug = _plug(rule, {})
    lines = RuleLines(_rule_class(plug))
    with lines:
        first, main = _check_file(plug, scenario, settings)
    report = CheckReport(
        plug.spec,
        plug.role,
        {},
        examples=1,
        scenarios=1,
        scenario_file=str(scenario),
        steps=main.steps,
        engine=main.engine,
    )
    for name, description in INVARIANTS.items():
        report.results.append(
            InvariantResult(
                name, description, name not in first, first.get(name), checked=name != "agent_order"
            )
        )
    _coverage(report, plug, [_Outcome(first, acted=main.acted)], lines)
    if main.destroyed > 0:
        report.notes.append(
            "shocks destroyed stocks (allowed: a shock may destroy stocks, never create them)"
        )
    return report


def example_scenario(report: CheckReport, invariant: str) -> dict[str, Any]:
    """The smallest failing scenario of ``invariant`` as a dict (for ``scenario_from_dict``).

    Like the report's scenario file, it stops at the step of the violation.

    Raises:
        KeyError: the invariant passed (there is no failing scenario).
    """
    result = report.result(invariant)
    if result.example is None:
        raise KeyError(f"invariant {invariant!r} holds: no failing scenario")
    plug = _Plug(report.rule, report.role, tuple(sorted(report.params.items())))
    step = result.violation.step if result.violation is not None else None
    steps = min(result.example.steps, step or result.example.steps)
    return _scenario_dict(replace(result.example, steps=steps), plug)
