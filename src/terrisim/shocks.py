"""Shocks: the catalogue and their scheduling with Mesa events (ODD 7.8; docs/shocks.md).

A shock kind is a small class (role ``"shock"``, a subclass of :class:`ShockKind`) whose
:meth:`ShockKind.apply` multiplies the state's modifiers (``production_factor``,
``need_factor``, ``grant_factor``) for the targeted territories. Each step the modifiers are
reset to 1 and every active shock applies its effect, so overlapping shocks compound and
nothing has to be undone when a shock ends.

Scenario file::

    [[shocks]]
    kind = "drought"        # grant_cut, drought, energy_crisis, health_crisis, ageing, module:Class
    at = 24                 # first step affected (or: frequency = 0.02, drawn at random)
    duration = 6            # steps affected (default 6), or permanent = true
    magnitude = 0.4         # 0..1 (ageing: rise of the health need per 12 steps)
    kinds = ["rural", "mountain"]   # targets: kinds; classes = ["urban"]; ids = ["T03"]
    # params = { ... }      # parameters of a custom kind (its Params model)

Three ways to start a shock, one record for all (:attr:`Shocks.history`, the ``shock`` events
of the narrative log, the series column ``shocks``):

- **scheduled** (``at``): a Mesa event (``model.schedule_event``) at time ``at - 1`` starts it
  after step ``at - 1`` has run, so it is active from step ``at`` on;
- **random** (``frequency``): one uniform draw per random table and step from the model's
  ``shocks`` stream, at the start of the step (``apply_shocks`` phase); active from that step;
- **triggered** (:meth:`Shocks.start`, ``model.trigger_shock``, the web page's buttons):
  active from the next step.

A shock with ``duration = d`` starting at step ``s`` is active on steps ``s .. s + d - 1``; a
permanent one from ``s`` to the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from mesa.time import Priority
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from terrisim import texts
from terrisim.rules.base import Rule, create, register, registered, resolve
from terrisim.rules.guard import FIXED, read_only
from terrisim.scenario.loading import ScenarioError, format_validation_error
from terrisim.streams import STREAMS

if TYPE_CHECKING:
    from terrisim.services import ModelServices
    from terrisim.state import TerritoryState

#: Steps a shock lasts when neither ``duration`` nor ``permanent`` is given.
DEFAULT_DURATION = 6

TRIGGERED_SHOCKS: dict[str, dict[str, Any]] = {
    "drought": {"magnitude": 0.5, "duration": 6},
    "grant_cut": {"magnitude": 0.3, "duration": 24},
    "energy_crisis": {"magnitude": 0.5, "duration": 6},
    "health_crisis": {"magnitude": 0.5, "duration": 6},
}
"""Shocks a trainer triggers now (the web page's buttons, the game), with their default
strength and length (steps): ``model.trigger_shock(kind, **TRIGGERED_SHOCKS[kind])``."""
#: The two classes of territory a shock can target besides kinds (``kinds.<k>.urban``).
CLASSES = ("urban", "rural")


class ShockSchedule(BaseModel):
    """When, how hard and where a shock strikes (one ``[[shocks]]`` table).

    Attributes:
        kind: A registered shock kind (:func:`shock_kinds`) or ``"module:Class"``.
        at: First step affected (scheduled shock); exclusive with ``frequency``.
        frequency: Probability per step that the shock starts (random shock).
        duration: Steps affected (default 6); exclusive with ``permanent = true``.
        permanent: The shock lasts until the end of the run.
        magnitude: Strength in [0, 1] (see each kind).
        kinds: Targeted kinds of territory; ``"urban"``/``"rural"`` mean the classes unless a
            kind has that name.
        classes: Targeted classes (``"urban"``, ``"rural"`` = not urban).
        ids: Targeted territory ids.
        params: Parameters of the kind (its ``Params`` model), for custom kinds.
    """

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: str
    at: Annotated[int, Field(ge=1)] | None = None
    frequency: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    duration: Annotated[int, Field(ge=1)] | None = None
    permanent: bool = False
    magnitude: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    kinds: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _when(self) -> ShockSchedule:
        if (self.at is None) == (self.frequency is None):
            raise ValueError(
                "give exactly one of 'at' (the first step affected) or "
                "'frequency' (probability per step of a random shock)"
            )
        if self.permanent and self.duration is not None:
            raise ValueError(
                "'duration' and 'permanent = true' contradict each other: give one of them"
            )
        for name in self.classes:
            if name not in CLASSES:
                raise ValueError(f"classes: unknown class {name!r}; allowed: {list(CLASSES)}")
        return self

    @property
    def steps(self) -> int | None:
        """Steps affected, ``None`` for a permanent shock."""
        if self.permanent:
            return None
        return DEFAULT_DURATION if self.duration is None else self.duration


class ShockKind(Rule):
    """Base of shock kinds: set ``name`` and ``label``, override :meth:`apply`.

    A custom kind written outside the package is named ``"module:Class"`` in scenario files
    (``kind = "my_shocks:Flood"``); its parameters, if it declares a pydantic ``Params``
    model, come from the table's ``params``. Register it with ``@register`` to give it a
    short name.

    Attributes:
        label: Display names by language (``"fr"``, ``"en"``) for the narrative log.
        default_targets: Kinds or classes hit when the table names no target (empty: all).
        rng: The kind's own random stream, seeded from the model's seed (ODD 5.3,
            :meth:`Shocks.kinds`): draw from it, never from ``numpy.random``.
        step: The step the kind applies at, set before each :meth:`apply`.
    """

    role = "shock"
    label: ClassVar[dict[str, str]] = {}
    default_targets: ClassVar[tuple[str, ...]] = ()

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Multiply the state's modifiers for the territories in ``mask``, in place.

        Args:
            state: The territory arrays; write only ``production_factor`` (N x G),
                ``need_factor`` (N x G), ``grant_factor`` (N) and ``spending_factor`` (N),
                by multiplication.
            mask: Boolean mask of the targeted territories, shape (N,).
            magnitude: Strength in [0, 1].
            elapsed: Steps since the shock started (0 on its first step).
        """
        raise NotImplementedError


def _goods_mask(state: TerritoryState, names: tuple[str, ...]) -> np.ndarray:
    """Boolean mask of the goods named (goods missing from the catalogue are ignored)."""
    return np.isin(np.asarray(state.goods, dtype=object), names)


@register
class GrantCut(ShockKind):
    """State grant cut (baisse des dotations): ``grant_factor *= 1 - m``.

    Revenue falls, hence fiscal health once reserves no longer cover spending (ODD 7.6), then
    the production of public goods and the engineering capacity of the next steps.
    """

    name = "grant_cut"
    label: ClassVar[dict[str, str]] = {"fr": "baisse des dotations", "en": "State grant cut"}

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Cut the grant of the targeted territories."""
        state.grant_factor[mask] *= 1.0 - magnitude


@register
class Drought(ShockKind):
    """Drought (sécheresse): food and water production ``*= 1 - m``."""

    name = "drought"
    label: ClassVar[dict[str, str]] = {"fr": "sécheresse", "en": "drought"}

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Reduce the food and water production of the targeted territories."""
        goods = _goods_mask(state, ("food", "water"))
        state.production_factor[np.ix_(mask, goods)] *= 1.0 - magnitude


@register
class EnergyCrisis(ShockKind):
    """Energy crisis (crise énergétique): energy production ``*= 1 - m``."""

    name = "energy_crisis"
    label: ClassVar[dict[str, str]] = {"fr": "crise énergétique", "en": "energy crisis"}

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Reduce the energy production of the targeted territories."""
        goods = _goods_mask(state, ("energy",))
        state.production_factor[np.ix_(mask, goods)] *= 1.0 - magnitude


@register
class EnergyPrices(ShockKind):
    """Energy prices (flambée des prix de l'énergie): ``spending_factor *= 1 + m * e``.

    ``m`` is the rise of the energy bill (0.293 for the local sector in 2023, OFGL 2024;
    individual communes saw their bills double or triple) and ``e`` the share of operating
    spending that goes to energy (``params.energy_share``, 4.2 %, ADEME 2012). Spending rises,
    so savings, hence investment, fall first; the reserve pays a deficit, then fiscal health
    falls (ODD 7.6).
    """

    name = "energy_prices"
    label: ClassVar[dict[str, str]] = {
        "fr": "flambée des prix de l'énergie",
        "en": "energy price surge",
    }

    class Params(BaseModel):
        """Parameters of the energy price surge."""

        model_config = ConfigDict(extra="forbid", strict=True)
        energy_share: float = Field(
            0.042,
            ge=0.0,
            le=1.0,
            description="Share of operating spending that goes to energy (ADEME, Énergie et "
            "patrimoine communal, enquête 2012: 4.2 %).",
        )

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Raise the operating spending of the targeted territories."""
        state.spending_factor[mask] *= 1.0 + magnitude * self.params.energy_share


@register
class HealthCrisis(ShockKind):
    """Health crisis (crise sanitaire): health needs ``*= 1 + m``; default targets: urban."""

    name = "health_crisis"
    label: ClassVar[dict[str, str]] = {"fr": "crise sanitaire", "en": "health crisis"}
    default_targets: ClassVar[tuple[str, ...]] = ("urban",)

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Raise the health needs of the targeted territories."""
        goods = _goods_mask(state, ("health",))
        state.need_factor[np.ix_(mask, goods)] *= 1.0 + magnitude


@register
class Ageing(ShockKind):
    """Ageing (vieillissement): health needs drift up, ``*= 1 + m (k + 1) / 12``.

    ``k`` is the number of steps since the start: the need rises by ``m`` per 12 steps (a
    year), linearly, as long as the shock lasts (usually ``permanent = true``).
    """

    name = "ageing"
    label: ClassVar[dict[str, str]] = {"fr": "vieillissement", "en": "ageing"}

    def apply(
        self, state: TerritoryState, mask: np.ndarray, magnitude: float, elapsed: int
    ) -> None:
        """Raise health needs in proportion to the time elapsed since the start."""
        goods = _goods_mask(state, ("health",))
        state.need_factor[np.ix_(mask, goods)] *= 1.0 + magnitude * (elapsed + 1) / 12.0


def shock_kinds() -> list[str]:
    """Names of the registered shock kinds (others can be given as ``module:Class``)."""
    return sorted(registered("shock"))


def resolve_kind(
    name: str, where: str = "shock.kind", params: dict[str, Any] | None = None
) -> ShockKind:
    """Instantiate the shock kind called ``name`` (registered name or ``module:Class``).

    Args:
        name: The kind.
        where: The field, for error messages (e.g. ``"shocks.0.kind"``).
        params: Parameters of the kind (validated by its ``Params`` model).

    Raises:
        ScenarioError: unknown name (the message lists the registered kinds), a class that is
            not a :class:`ShockKind`, or invalid parameters.
    """
    try:
        cls = resolve("shock", name)
    except ScenarioError as exc:
        if ":" in name:
            raise ScenarioError(f"{where}: {exc}") from None
        raise ScenarioError(
            f"{where}: unknown shock kind {name!r}; allowed: {shock_kinds()} "
            "or 'module:Class' (a subclass of terrisim.shocks.ShockKind)"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, ShockKind)):
        raise ScenarioError(f"{where}: {name!r} is not a subclass of terrisim.shocks.ShockKind")
    try:
        return create(cls, params or {}, f"{where}: shock kind {name!r}")
    except ValidationError as exc:
        field = where.rsplit(".", 1)[0] + ".params"
        raise ScenarioError(format_validation_error(exc, "scenario", prefix=field)) from None


def target_mask(
    state: TerritoryState,
    kinds: list[str] | tuple[str, ...] = (),
    classes: list[str] | tuple[str, ...] = (),
    ids: list[str] | tuple[str, ...] = (),
    where: str = "shock",
) -> tuple[np.ndarray, str]:
    """The territories a shock hits: the union of kinds, classes and ids (all if none given).

    A name in ``kinds`` is a kind of the catalogue; ``"urban"`` and ``"rural"`` that are not
    kind names mean the classes (``rural`` = not urban). With the default catalogue, which has a
    kind called ``rural``, ``kinds = ["rural"]`` is that kind only; use ``classes = ["rural"]``
    for every non-urban territory.

    Args:
        state: The territory arrays.
        kinds: Kind names (or class names, see above).
        classes: ``"urban"`` and/or ``"rural"``.
        ids: Territory ids.
        where: The scenario field, for error messages (e.g. ``"shocks.0"``).

    Returns:
        ``(mask, description)``: a boolean mask of shape (N,) and a short text of the targets
        (``"all"`` when none is given) for the records.

    Raises:
        ScenarioError: an unknown kind, class or id; the message lists what is allowed.
    """
    if not kinds and not classes and not ids:
        return np.ones(state.n, dtype=bool), "all"
    mask = np.zeros(state.n, dtype=bool)
    for name in kinds:
        if name in state.kinds:
            mask |= state.kind == state.kinds.index(name)
        elif name in CLASSES:
            mask |= state.urban if name == "urban" else ~state.urban
        else:
            allowed = [*state.kinds, *[c for c in CLASSES if c not in state.kinds]]
            raise ScenarioError(f"{where}.kinds: unknown kind {name!r}; allowed: {allowed}")
    for name in classes:
        if name not in CLASSES:
            raise ScenarioError(
                f"{where}.classes: unknown class {name!r}; allowed: {list(CLASSES)}"
            )
        mask |= state.urban if name == "urban" else ~state.urban
    if ids:
        index = {str(tid): i for i, tid in enumerate(state.ids)}
        for tid in ids:
            if tid not in index:
                known = list(index)
                shown = ", ".join(known[:5]) + (", ..." if len(known) > 5 else "")
                raise ScenarioError(f"{where}.ids: no territory has id {tid!r}; ids are {shown}")
            mask[index[tid]] = True
    parts = [*kinds, *[f"class:{c}" for c in classes], *ids]
    return mask, ",".join(parts)


def _with_defaults(
    kind: ShockKind, kinds: list[str] | None, classes: list[str] | None, ids: list[str] | None
) -> tuple[list[str], list[str], list[str]]:
    """The targets ``(kinds, classes, ids)``: the kind's default targets if none is given."""
    kinds, classes, ids = list(kinds or ()), list(classes or ()), list(ids or ())
    if not (kinds or classes or ids):
        kinds = list(kind.default_targets)
    return kinds, classes, ids


@dataclass
class ActiveShock:
    """A shock that has started.

    Attributes:
        kind: The shock kind (its ``apply`` is called every active step).
        name: The kind's name in the records.
        mask: Targeted territories, shape (N,).
        magnitude: Strength in [0, 1].
        start: First step affected.
        end: First step no longer affected (``start + duration``), ``None`` if permanent.
        targets: Description of the targets.
        source: ``"scheduled"``, ``"random"`` or ``"triggered"``.
    """

    kind: ShockKind
    name: str
    mask: np.ndarray
    magnitude: float
    start: int
    end: int | None
    targets: str
    source: str

    def active_at(self, step: int) -> bool:
        """Whether the shock affects ``step``."""
        return self.start <= step and (self.end is None or step < self.end)


def check_schedule(specs: list[dict[str, Any]], steps: int) -> None:
    """Refuse a scheduled shock that would start after the scenario's last step.

    Args:
        specs: The ``[[shocks]]`` tables, as dicts.
        steps: The scenario's ``steps``.

    Raises:
        ScenarioError: ``shocks.<i>.at: ...`` naming the step, the run's length and what is
            allowed.
    """
    for i, spec in enumerate(specs):
        at = spec.get("at")
        if isinstance(at, int) and not isinstance(at, bool) and at > steps:
            raise ScenarioError(
                f"shocks.{i}.at: step {at} is after the scenario's last step (steps = {steps}): "
                f"the shock would never start; allowed: 1 to {steps}"
            )


class Shocks:
    """The shocks of a run: scheduled ones (Mesa events), random ones, triggered ones.

    Args:
        model: The model (its ``state``, ``streams["shocks"]``, ``schedule_event``,
            ``log_event``).
        specs: The ``[[shocks]]`` tables, as dicts.

    Attributes:
        schedules: The validated tables, in file order.
        active: The shocks started and not yet over.
        history: One record per started shock, in order of starting: ``step`` (first step
            affected), ``shock`` (kind name), ``magnitude``, ``duration`` (``None`` if
            permanent), ``last_step`` (last step affected, ``None`` if permanent), ``targets``,
            ``territories`` (number hit), ``source``, and ``table`` (index of the
            ``[[shocks]]`` table, ``None`` if triggered).

    Raises:
        ScenarioError: an invalid table; the message names the field (``shocks.<i>.<field>``)
            and what is allowed.
    """

    def __init__(self, model: ModelServices, specs: list[dict[str, Any]]) -> None:
        self.model = model
        self.schedules: list[ShockSchedule] = []
        self.active: list[ActiveShock] = []
        self.history: list[dict[str, Any]] = []
        self._kinds: list[ShockKind] = []
        self._seeded: list[ShockKind] = []
        self._targets: list[tuple[np.ndarray, str]] = []
        for i, spec in enumerate(specs):
            where = f"shocks.{i}"
            try:
                schedule = ShockSchedule(**spec)
            except ValidationError as exc:
                raise ScenarioError(
                    format_validation_error(exc, "scenario", prefix=where)
                ) from None
            kind = resolve_kind(schedule.kind, f"{where}.kind", schedule.params)
            self.schedules.append(schedule)
            self._seed(kind)
            self._kinds.append(kind)
            self._targets.append(
                target_mask(
                    model.state,
                    *_with_defaults(kind, schedule.kinds, schedule.classes, schedule.ids),
                    where,
                )
            )
        # One Mesa event per distinct start step. Mesa holds the callback by weak reference:
        # a bound method of this object, which lives as long as the model (model.shocks).
        # LOW priority: at time at - 1 the step event (HIGH) runs first, then the shock starts.
        self._events = {
            at: model.schedule_event(self._start_scheduled, at=at - 1, priority=Priority.LOW)
            for at in sorted({s.at for s in self.schedules if s.at is not None})
        }

    def _seed(self, kind: ShockKind) -> None:
        """Give a shock kind its own random stream, ``kind.rng`` (ODD 5.3).

        The k-th kind seeded (the tables in file order, then each triggered shock in the
        order it is triggered) gets ``default_rng(SeedSequence(seed, spawn_key=(6, k)))``: a
        child of the seventh child of the model's seed sequence, so that its draws change
        neither the model's streams nor the rules' (the sixth child's).
        """
        key = (len(STREAMS) + 1, len(self._seeded))
        kind.rng = np.random.default_rng(np.random.SeedSequence(self.model.seed, spawn_key=key))
        self._seeded.append(kind)

    def kinds(self) -> list[ShockKind]:
        """Every shock kind of the run: the tables' in file order, then the triggered ones."""
        return list(self._seeded)

    def targets(self) -> list[tuple[str, int]]:
        """Each table's targets: ``(description, number of territories hit)``, in file order.

        The description is ``"all"``, or the kinds, ``class:<class>`` and ids joined by commas
        (the kind's default targets when the table names none).
        """
        return [(text, int(mask.sum())) for mask, text in self._targets]

    # ------------------------------------------------------------------ starting shocks
    def _start_scheduled(self) -> None:
        """Mesa event callback: start the tables whose ``at`` is the next step."""
        first = self.model.steps + 1
        for i, schedule in enumerate(self.schedules):
            if schedule.at == first:
                self._launch(i, first, "scheduled")

    def _launch(self, i: int, first: int, source: str) -> ActiveShock:
        schedule = self.schedules[i]
        mask, targets = self._targets[i]
        return self._record(
            self._kinds[i],
            given=schedule.kind,
            mask=mask,
            targets=targets,
            magnitude=schedule.magnitude,
            first=first,
            duration=schedule.steps,
            source=source,
            table=i,
        )

    def _record(  # noqa: PLR0913 (the fields of the shock's record, keyword-only)
        self,
        kind: ShockKind,
        *,
        given: str,
        mask: np.ndarray,
        targets: str,
        magnitude: float,
        first: int,
        duration: int | None,
        source: str,
        table: int | None,
    ) -> ActiveShock:
        """Activate a shock from step ``first`` and record it everywhere."""
        name = kind.name or given
        end = None if duration is None else first + duration
        active = ActiveShock(kind, name, mask, float(magnitude), first, end, targets, source)
        self.active.append(active)
        self.history.append(
            {
                "step": first,
                "shock": name,
                "magnitude": float(magnitude),
                "duration": duration,
                "last_step": None if end is None else end - 1,
                "targets": targets,
                "territories": int(mask.sum()),
                "source": source,
                "table": table,
            }
        )
        self.model.log_event(
            "shock",
            shock=name,
            label_fr=kind.label.get("fr", name),
            label_en=kind.label.get("en", name),
            magnitude=float(magnitude),
            targets=targets,
            **texts.targets_words(targets),
            source=source,
            step=first,
        )
        return active

    def start(
        self,
        kind: str | ShockKind,
        magnitude: float,
        *,
        duration: int | None = DEFAULT_DURATION,
        kinds: list[str] | None = None,
        classes: list[str] | None = None,
        ids: list[str] | None = None,
        source: str = "triggered",
    ) -> ActiveShock:
        """Start a shock now: it affects the next step and the ``duration - 1`` after it.

        Args:
            kind: A registered shock name, ``module:Class``, or an instance.
            magnitude: Strength in [0, 1].
            duration: Steps affected; ``None`` for a permanent shock.
            kinds: Targeted kinds (or classes, see :func:`target_mask`). With no kinds,
                classes or ids: the kind's default targets, else all territories.
            classes: Targeted classes (``"urban"``, ``"rural"``).
            ids: Targeted territory ids.
            source: Label for the records (default ``"triggered"``).

        Returns:
            The active shock.

        Raises:
            ScenarioError: unknown kind or target, magnitude outside [0, 1], duration < 1.
        """
        shock = resolve_kind(kind, "shock.kind") if isinstance(kind, str) else kind
        if not isinstance(shock, ShockKind):
            raise ScenarioError(f"shock.kind: expected a name or a ShockKind, got {kind!r}")
        if not 0.0 <= magnitude <= 1.0:
            raise ScenarioError(f"shock.magnitude: must be in [0, 1] (got {magnitude!r})")
        if duration is not None and (
            isinstance(duration, bool) or int(duration) != duration or duration < 1
        ):
            raise ScenarioError(
                f"shock.duration: must be an integer >= 1 or None for a "
                f"permanent shock (got {duration!r})"
            )
        mask, targets = target_mask(self.model.state, *_with_defaults(shock, kinds, classes, ids))
        given = kind if isinstance(kind, str) else type(kind).__name__
        self._seed(shock)
        return self._record(
            shock,
            given=given,
            mask=mask,
            targets=targets,
            magnitude=magnitude,
            first=self.model.steps + 1,
            duration=None if duration is None else int(duration),
            source=source,
            table=None,
        )

    # ------------------------------------------------------------------ each step
    def apply(self) -> None:
        """Reset the modifiers, draw random shocks and apply every shock active now.

        Random tables draw one uniform number each from the ``shocks`` stream, in table order,
        every step (also while a previous draw of the same table is still active: random
        shocks may overlap and compound).
        """
        state, step = self.model.state, self.model.steps
        state.production_factor.fill(1.0)
        state.need_factor.fill(1.0)
        state.grant_factor.fill(1.0)
        state.spending_factor.fill(1.0)
        self.active = [s for s in self.active if s.end is None or s.end > step]
        rng = self.model.streams["shocks"]
        for i, schedule in enumerate(self.schedules):
            if schedule.frequency is not None and rng.random() < schedule.frequency:
                self._launch(i, step, "random")
        for shock in self.active:
            if shock.active_at(step):
                shock.kind.step = step
                who = f"shock kind {type(shock.kind).__name__}.apply"
                with read_only(who, {"state": state}, FIXED):
                    shock.kind.apply(state, shock.mask, shock.magnitude, step - shock.start)

    def active_names(self) -> list[str]:
        """Names of the shocks active at the current step (the series column ``shocks``)."""
        step = self.model.steps
        return [s.name for s in self.active if s.active_at(step)]
