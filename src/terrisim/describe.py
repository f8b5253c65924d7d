"""``terrisim describe``: the step schedule and the active components, in plain text."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terrisim.model import TerriModel

# Which replaceable components act in which phase.
PHASE_COMPONENTS = {
    "apply_shocks": lambda m: [f"{s.kind} ({'at ' + str(s.at) if s.at else
                                f'frequency {s.frequency}'})" for s in m.shocks.schedules],
    "govern": lambda m: [i.describe() for i in m.institutions] or ["none"],
    "negotiate": lambda m: [f"valuation: {m.valuation.describe()}",
                            f"partners: {m.partners.describe()}",
                            f"exchange: {m.config.exchange.model_dump()}"],
    "update_trust": lambda m: [f"trust: {m.trust_rule.describe()}"],
    "close_step": lambda m: [i.describe() for i in m.institutions] or ["none"],
}


def describe_model(model: TerriModel) -> str:
    """The step schedule of ``model``, each phase with its docstring and active components."""
    s = model.state
    lines = [
        (f"scenario {model.config.name!r}: {s.n} territories ({', '.join(s.kinds)}), "
        f"{s.n_links} links, goods: {', '.join(s.goods)}"),
        f"seed {model.seed}; steps {model.config.steps} (one step = one month)",
        "",
        "Step schedule (synchronous: each phase reads the state left by the previous one):",
    ]
    for number, phase in enumerate(model.PHASES, start=1):
        doc = inspect.getdoc(getattr(model, phase)) or ""
        lines.append(f"  {number:>2}. {phase:<15} {doc.splitlines()[0] if doc else ''}")
        for component in PHASE_COMPONENTS.get(phase, lambda m: [])(model):
            lines.append(f"      - {component}")
    return "\n".join(lines)
