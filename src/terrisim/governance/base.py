"""Governance institutions: the interface every rule implements (ODD 7.5).

A governance rule is a :class:`~terrisim.rules.base.Rule` with role ``"governance"``, named in
the scenario's ``[[governance]]`` tables (several at once). The model calls its hooks at fixed
places of the step schedule (see ``terrisim describe``):

* :meth:`Governance.setup` once, after the state is built (it may add links, e.g. a distant
  contract pair);
* :meth:`Governance.before_exchange` after production: committed deliveries, pooling, meetings.
  Goods move only through :meth:`terrisim.model.TerriModel.transfer`, which conserves them;
* :meth:`Governance.after_exchange` with the step's outcome (e.g. to record shortfalls that
  lower trust);
* :meth:`Governance.end_step` after trust is updated (expiry, renewal, schedules).

``"none"`` is the baseline: only ad hoc bilateral deals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from terrisim.rules.base import Rule, register

if TYPE_CHECKING:
    from terrisim.exchange import ExchangeOutcome
    from terrisim.services import ModelServices


class Governance(Rule):
    """Base of governance rules; every hook does nothing by default.

    Attributes:
        changes_trust: Where the institution changes trust itself, besides the trust rule
            (ODD 7.7): ``(method, phase, what it does)`` for each place. ``terrisim describe``
            prints them under the trust phase, so that a student who replaces the trust rule
            knows what else moves trust; ``tests/test_trust_changes.py`` checks that every
            write to trust in ``terrisim/governance`` is declared.
    """

    role = "governance"
    changes_trust: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def setup(self, model: ModelServices) -> None:
        """Prepare the institution once the state exists."""

    def before_exchange(self, model: ModelServices) -> None:
        """Act after production, before ad hoc negotiation."""

    def after_exchange(self, model: ModelServices, outcome: ExchangeOutcome) -> None:
        """Look at (and annotate) the step's exchange outcome before trust is updated."""

    def end_step(self, model: ModelServices) -> None:
        """Act at the end of the step, after trust is updated."""

    def state_summary(self) -> dict[str, Any]:
        """Indicators of the institution for the step's records (flat dict)."""
        return {}


@register
class NoGovernance(Governance):
    """The baseline: no institution, only ad hoc bilateral deals."""

    name = "none"
