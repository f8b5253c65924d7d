"""``terrisim describe``: the step schedule and the active components, in plain text."""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING

from terrisim.acceptance import acceptance_share
from terrisim.engine import auto_reason, engine_name
from terrisim.per_agent import per_agent
from terrisim.rules.partners import is_separable
from terrisim.shocks import ShockSchedule

if TYPE_CHECKING:
    from terrisim.model import TerriModel

# Which replaceable components act in which phase.
PHASE_COMPONENTS = {
    "apply_shocks": lambda m: [
        describe_shock(s, *t) for s, t in zip(m.shocks.schedules, m.shocks.targets(), strict=True)
    ],
    "govern": lambda m: [i.describe() for i in m.institutions] or ["none"],
    "negotiate": lambda m: [
        f"valuation: {m.valuation.describe()}",
        f"partners: {m.partners.describe()}",
        f"exchange: {m.config.exchange.model_dump()}",
        (
            "acceptance: a link deals iff its draw < 1 / (1 + P ** (-1 / acceptance_width)), "
            "P = r_a r_b (1 - kappa)^2, kappa = tension_cost * tense + cleavage_cost * "
            f"leaning gap / 2 ({_where(acceptance_share)})"
        ),
        f"defection: {m.defection.describe()} ({_where(m.defection.defects)})",
    ],
    "act": lambda m: (
        [
            f"territory: {type(m.territories[0]).__name__}"
            + (
                f" ({_where(type(m.territories[0]).step)})"
                if m.territories and per_agent(type(m.territories[0]))
                else " (built-in: its step() does nothing, the phase is skipped)"
            )
        ]
        if m.territories
        else ["none"]
    ),
    "update_trust": lambda m: [f"trust: {m.trust_rule.describe()}", *trust_elsewhere(m)],
    "close_step": lambda m: [i.describe() for i in m.institutions] or ["none"],
}


def plain(text: str) -> str:
    """ReStructuredText markup of a docstring as plain text: ``x`` and :role:`x` become x."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    return text.replace("``", "")


def _where(obj: object) -> str:
    """``module.Qualname (file)`` of a function or method, the code a reader would open."""
    func = getattr(obj, "__func__", obj)
    try:
        path = inspect.getsourcefile(func) or "?"
    except TypeError:
        path = "?"
    marker = "src/terrisim/"
    path = path[path.index(marker) :] if marker in path else path
    return f"{func.__module__}.{func.__qualname__} ({path})"


def phase_code(model: TerriModel, phase: str) -> str:
    """Which code computes ``phase`` under the model's engine, in one line.

    Every phase runs its Python code as written, except negotiation and delivery under the
    numba engine: they run the compiled kernels of :mod:`terrisim.kernels`, fed by the rules'
    own code (the partner rule's ``factors`` or ``weights``, the valuation's ``unit_values``).
    """
    if model.engine == "numba" and phase == "negotiate":
        partners = model.partners
        feed = _where(partners.factors if is_separable(partners) else partners.weights)
        return (
            f"compiled terrisim.kernels.negotiate_links (numba engine), fed by {feed} "
            f"and {_where(model.valuation.unit_values)}"
        )
    if model.engine == "numba" and phase == "deliver":
        return "compiled terrisim.kernels.deliver_arcs (numba engine)"
    if phase == "update_trust":
        return _where(model.trust_rule.update)
    return _where(getattr(type(model), phase))


def trust_elsewhere(model: TerriModel) -> list[str]:
    """The code other than the trust rule that changes trust in this scenario, in words.

    Each active institution declares where it changes trust (``Governance.changes_trust``),
    and a per-agent rule (a Territory class with its own ``step()``) may plan trust with
    ``set_trust``; replacing the trust rule does not replace those.
    """
    lines = []
    for institution in model.institutions:
        for method, phase, what in getattr(institution, "changes_trust", ()):
            code = _where(getattr(type(institution), method))
            lines.append(f"trust also changes in {code}, phase {phase}: {what}")
    territory = type(model.territories[0]) if model.territories else None
    if territory is not None and per_agent(territory):
        lines.append(
            f"trust may also change in {_where(territory.step)}, phase act: the per-agent "
            "rule plans it with set_trust, committed once every territory has stepped"
        )
    if not lines:
        lines.append(
            "no other code changes trust in this scenario (no institution or per-agent rule does)"
        )
    return lines


def describe_shock(schedule: ShockSchedule, targets: str = "all", hit: int | None = None) -> str:
    """One shock table in words: kind, when, how long, how hard, where, parameters.

    Args:
        schedule: The validated ``[[shocks]]`` table.
        targets: Its targets as :meth:`terrisim.shocks.Shocks.targets` describes them.
        hit: The number of territories hit, if known.

    Example: ``drought at step 24 for 6 steps, magnitude 0.6, on rural,mountain (9 territories)``.
    """
    when = (
        f"at step {schedule.at}"
        if schedule.at is not None
        else f"each step with probability {schedule.frequency}"
    )
    length = "permanently" if schedule.steps is None else f"for {schedule.steps} steps"
    where = "everywhere" if targets == "all" else f"on {targets}"
    if hit is not None:
        where += f" ({hit} territories)"
    text = f"{schedule.kind} {when} {length}, magnitude {schedule.magnitude}, {where}"
    if schedule.params:
        text += ", " + ", ".join(f"{k}={v!r}" for k, v in schedule.params.items())
    return text


def _engine_reason(model: TerriModel) -> str:
    """`` (auto: 29 links, numba only from 200 on)`` when ``auto`` chose the model's engine."""
    requested, links = getattr(model, "engine_requested", None), model.state.n_links
    if engine_name(requested, links=links) != model.engine:  # changed since it was built
        return ""
    reason = auto_reason(requested, links)
    return f" ({reason})" if reason else ""


def describe_model(model: TerriModel) -> str:
    """The step schedule of ``model``, each phase with its docstring and active components."""
    s = model.state
    lines = [
        (
            f"scenario {model.config.name!r}: {s.n} territories ({', '.join(s.kinds)}), "
            f"{s.n_links} links, goods: {', '.join(s.goods)}"
        ),
        f"seed {model.seed}; steps {model.config.steps} (one step = one month)",
        "",
        (
            f"engine {model.engine}{_engine_reason(model)}: negotiation and delivery "
            + ("run compiled kernels" if model.engine == "numba" else "run numpy code")
            + "; every rule runs its own code"
        ),
        "",
        "Step schedule (synchronous: each phase reads the state left by the previous one):",
    ]
    for number, phase in enumerate(model.PHASES, start=1):
        doc = inspect.getdoc(getattr(model, phase)) or ""
        lines.append(f"  {number:>2}. {phase:<15} {plain(doc.splitlines()[0]) if doc else ''}")
        lines.append(f"      code: {phase_code(model, phase)}")
        for component in PHASE_COMPONENTS.get(phase, lambda m: [])(model):
            lines.append(f"      - {component}")
    return "\n".join(lines)
