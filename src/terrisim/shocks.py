"""Shocks: the catalogue and their scheduling with Mesa events (ODD 7.8).

A shock kind is a small class (role ``"shock"``) whose :meth:`ShockKind.apply` multiplies the
state's modifiers (``production_factor``, ``need_factor``, ``grant_factor``) for the targeted
territories. Each step the modifiers are reset to 1 and every active shock applies its effect,
so overlapping shocks compound and nothing has to be undone when a shock ends.

Scenario file::

    [[shocks]]
    kind = "drought"        # grant_cut, drought, energy_crisis, health_crisis, ageing, module:Class
    at = 24                 # first step affected (or: frequency = 0.02, drawn at random)
    duration = 6            # steps; omit or set permanent = true for a lasting shock
    magnitude = 0.4         # 0..1 (ageing: rise of the need per 12 steps)
    kinds = ["rural", "mountain"]   # targets by kind or class; or ids = ["T03"]; default: all

Scheduled shocks are started and stopped by ``model.schedule_event``; random ones are drawn
from the model's ``shocks`` stream at the start of each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from terrisim.rules.base import Rule, register, resolve
from terrisim.scenario.loading import ScenarioError, format_validation_error

if TYPE_CHECKING:
    from terrisim.model import TerriModel
    from terrisim.state import TerritoryState


class ShockSchedule(BaseModel):
    """When, how hard and where a shock strikes (one ``[[shocks]]`` table)."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    at: Annotated[int, Field(ge=1)] | None = None
    frequency: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    duration: Annotated[int, Field(ge=1)] = 6
    permanent: bool = False
    magnitude: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    kinds: list[str] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _when(self) -> ShockSchedule:
        if (self.at is None) == (self.frequency is None):
            raise ValueError("give exactly one of 'at' (a step) or 'frequency' (per step)")
        return self


class ShockKind(Rule):
    """Base of shock kinds: override :meth:`apply`."""

    role = "shock"
    label: ClassVar[dict[str, str]] = {"fr": "choc", "en": "shock"}
    default_targets: ClassVar[tuple[str, ...]] = ()

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Multiply the state's modifiers for territories in ``mask`` (in place)."""
        raise NotImplementedError


def _goods_mask(state: TerritoryState, names: tuple[str, ...]) -> np.ndarray:
    return np.array([g in names for g in state.goods])


@register
class GrantCut(ShockKind):
    """State grant cut: ``grant_factor *= 1 - m`` (dotations)."""

    name = "grant_cut"
    label: ClassVar[dict[str, str]] = {"fr": "baisse des dotations", "en": "State grant cut"}

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Cut the grant of targeted territories."""
        state.grant_factor[mask] *= 1.0 - magnitude


@register
class Drought(ShockKind):
    """Drought: food and water production ``*= 1 - m`` (sécheresse)."""

    name = "drought"
    label: ClassVar[dict[str, str]] = {"fr": "sécheresse", "en": "drought"}

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Reduce food and water production of targeted territories."""
        goods = _goods_mask(state, ("food", "water"))
        state.production_factor[np.ix_(mask, goods)] *= 1.0 - magnitude


@register
class EnergyCrisis(ShockKind):
    """Energy crisis: energy production ``*= 1 - m`` (crise énergétique)."""

    name = "energy_crisis"
    label: ClassVar[dict[str, str]] = {"fr": "crise énergétique", "en": "energy crisis"}

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Reduce energy production of targeted territories."""
        goods = _goods_mask(state, ("energy",))
        state.production_factor[np.ix_(mask, goods)] *= 1.0 - magnitude


@register
class HealthCrisis(ShockKind):
    """Health crisis: health needs ``*= 1 + m``, mostly urban (crise sanitaire)."""

    name = "health_crisis"
    label: ClassVar[dict[str, str]] = {"fr": "crise sanitaire", "en": "health crisis"}
    default_targets: ClassVar[tuple[str, ...]] = ("urban",)

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Raise health needs of targeted territories."""
        goods = _goods_mask(state, ("health",))
        state.need_factor[np.ix_(mask, goods)] *= 1.0 + magnitude


@register
class Ageing(ShockKind):
    """Ageing: health needs drift up, ``*= 1 + m * elapsed / 12`` (vieillissement)."""

    name = "ageing"
    label: ClassVar[dict[str, str]] = {"fr": "vieillissement", "en": "ageing"}

    def apply(self, state: TerritoryState, mask: np.ndarray, magnitude: float,
              elapsed: int) -> None:
        """Raise health needs in proportion to the time elapsed since the start."""
        goods = _goods_mask(state, ("health",))
        state.need_factor[np.ix_(mask, goods)] *= 1.0 + magnitude * (elapsed + 1) / 12.0


@dataclass
class ActiveShock:
    """A shock that has started: its kind, targets, start step and end step (exclusive)."""

    kind: ShockKind
    mask: np.ndarray
    magnitude: float
    start: int
    end: float
    targets: str
    source: str = "scheduled"
    ended: bool = field(default=False)


def _targets(state: TerritoryState, kinds: list[str], ids: list[str], default: tuple[str, ...],
             where: str) -> tuple[np.ndarray, str]:
    names = kinds or list(default)
    if not names and not ids:
        return np.ones(state.n, bool), "all"
    mask = np.zeros(state.n, bool)
    allowed = [*state.kinds, "urban", "rural"]
    for name in names:
        if name not in allowed:
            raise ScenarioError(f"{where}.kinds: unknown kind {name!r}; allowed: {allowed}")
        mask |= state.kind_mask(name)
    index = {tid: i for i, tid in enumerate(state.ids)}
    for tid in ids:
        if tid not in index:
            raise ScenarioError(f"{where}.ids: no territory has id {tid!r}")
        mask[index[tid]] = True
    return mask, ",".join([*names, *ids])


class Shocks:
    """The shocks of a run: scheduled ones (Mesa events), random ones, triggered ones."""

    def __init__(self, model: TerriModel, specs: list[dict]) -> None:
        self.model = model
        self.schedules: list[ShockSchedule] = []
        self.kinds: list[ShockKind] = []
        self.active: list[ActiveShock] = []
        self.history: list[dict] = []
        for i, spec in enumerate(specs):
            try:
                schedule = ShockSchedule(**spec)
            except ValidationError as exc:
                raise ScenarioError(format_validation_error(exc, "scenario",
                                                            prefix=f"shocks.{i}")) from None
            self.schedules.append(schedule)
            self.kinds.append(resolve("shock", schedule.kind)())
            _targets(model.state, schedule.kinds, schedule.ids, (), f"shocks.{i}")
        for i, schedule in enumerate(self.schedules):
            if schedule.at is not None:
                model.schedule_event(self._starter(i), at=schedule.at - 1)

    def _starter(self, i: int):
        """A bound callback (Mesa holds events by weak reference: no lambdas)."""
        return _Starter(self, i).__call__

    def start(self, kind: str | ShockKind, magnitude: float, *, duration: int | None = 6,
              kinds: list[str] | None = None, ids: list[str] | None = None,
              source: str = "triggered") -> ActiveShock:
        """Start a shock now: it affects the next step and the ``duration - 1`` after it.

        Args:
            kind: A registered shock name, ``module:Class``, or an instance.
            magnitude: Strength in [0, 1].
            duration: Steps affected; ``None`` for a permanent shock.
            kinds: Targeted kinds or classes ("urban", "rural"); default: the kind's default.
            ids: Targeted territory ids.
            source: "scheduled", "random" or "triggered" (for the records).
        """
        shock = resolve("shock", kind)() if isinstance(kind, str) else kind
        if not 0.0 <= magnitude <= 1.0:
            raise ValueError(f"magnitude must be in [0, 1], got {magnitude}")
        mask, targets = _targets(self.model.state, kinds or [], ids or [],
                                 shock.default_targets, "shock")
        first = self.model.steps + 1
        end = float("inf") if duration is None else first + duration
        active = ActiveShock(shock, mask, magnitude, first, end, targets, source)
        self.active.append(active)
        record = {"step": first, "shock": shock.name, "magnitude": magnitude,
                  "duration": duration, "targets": targets, "territories": int(mask.sum()),
                  "source": source}
        self.history.append(record)
        self.model.log_event("shock", shock=shock.name, label_fr=shock.label["fr"],
                             label_en=shock.label["en"], magnitude=magnitude, targets=targets,
                             step=first)
        return active

    def apply(self) -> None:
        """Reset the modifiers and apply every shock active at the current step."""
        state, step = self.model.state, self.model.steps
        state.production_factor.fill(1.0)
        state.need_factor.fill(1.0)
        state.grant_factor.fill(1.0)
        rng = self.model.streams["shocks"]
        for schedule, kind in zip(self.schedules, self.kinds, strict=True):
            if schedule.frequency is not None and rng.random() < schedule.frequency:
                self.start(kind, schedule.magnitude,
                           duration=None if schedule.permanent else schedule.duration,
                           kinds=schedule.kinds, ids=schedule.ids, source="random")
                self.active[-1].start = step
                self.active[-1].end -= 1
                self.history[-1]["step"] = step
        for shock in self.active:
            if shock.start <= step < shock.end:
                shock.kind.apply(state, shock.mask, shock.magnitude, step - shock.start)
        self.active = [s for s in self.active if s.end > step + 1 or s.start > step]

    def active_names(self) -> list[str]:
        """Names of the shocks active at the current step."""
        step = self.model.steps
        return [s.kind.name for s in self.active if s.start <= step < s.end]


class _Starter:
    """Starts scheduled shock ``i`` (kept alive by the Shocks object's list of starters)."""

    _alive: ClassVar[list] = []

    def __init__(self, shocks: Shocks, i: int) -> None:
        self.shocks, self.i = shocks, i
        shocks.__dict__.setdefault("_starters", []).append(self)

    def __call__(self) -> None:
        schedule = self.shocks.schedules[self.i]
        self.shocks.start(self.shocks.kinds[self.i], schedule.magnitude,
                          duration=None if schedule.permanent else schedule.duration,
                          kinds=schedule.kinds, ids=schedule.ids, source="scheduled")
