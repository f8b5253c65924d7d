"""From the model to the page: scenarios, knobs, and JSON-ready views of a running model.

This module is the only place where the trainers' page touches the model. The server
(:mod:`terrisim.ui.api`) calls :func:`build_model`, :func:`step`, :func:`trigger_shock` and
:func:`panel`; everything it returns is plain JSON (lists, numbers, strings), with names of
kinds, goods, rules and shocks left as ids that the page translates (``kind.rural`` ...).

A panel (one model) is::

    {"governance": rule id,
     "x": [steps recorded],
     "charts": [{"id", "title": i18n key, "y": [lo, hi] | None,
                 "lines": [{"label": i18n key, "values": [...], "dash": bool}]}],
     "shocks": [{"step", "kind", "last_step"}],
     "resilience": [{"step", "kind", "status", "resistance", "trough_step", "recovery_time"}],
     "map": {"total": {"territories", "links"},
             "territories": {"name", "kind", "x", "y", "population", "satisfaction": [...]},
             "links": {"a", "b", "trust", "volume": [...]},
             "areas": None | {"level", "id", "satisfaction", "trust": [...]}},  # real France
     "baskets": {"kinds", "goods", "flows": [[giver kind, receiver kind, good, value]]},
     "events": [{"step", "kind", "tone", "text": {"fr", "en"}}]}
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from terrisim import texts
from terrisim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario, read_toml
from terrisim.scenario.loading import is_experiment
from terrisim.shocks import TRIGGERED_SHOCKS

MAX_TERRITORIES = 600
"""Most territories drawn on the map (the most populated); keeps a step well under a second."""
MAX_LINKS = 1500
"""Most links drawn on the map (the largest exchange volumes among the territories drawn)."""
MAX_EVENTS = 120
"""Most recent narrative events sent to the page."""
MAX_POINTS = 500
"""Most points per time series sent to the page (long runs are thinned evenly)."""


class ViewModelError(ValueError):
    """A request the model cannot honour (bad scenario, knob or rule); the message says why.

    The message is French (the trainers' page); ``detail`` is the scenario's own one-line
    error (:class:`~terrisim.errors.ScenarioError`) when there is one, for another language.
    """

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class ScenarioEntry:
    """A scenario offered on the page.

    Attributes:
        id: What the page sends back (the file's stem, or ``"demo"`` for the built-in one).
        path: The TOML file, or ``None`` for the built-in demo scenario.
        title: The scenario's ``name`` (or the id).
        description: The scenario's ``description`` (shown under the list).
        error: Why the file cannot be read (a TOML syntax error), in one line naming it;
            such a file is listed as unavailable, and ``terrisim ui`` warns about it.
    """

    id: str
    path: Path | None
    title: str
    description: str = ""
    error: str | None = None

    def as_dict(self) -> dict[str, str]:
        """JSON form for the catalogue (no server path is disclosed)."""
        return {"id": self.id, "title": self.title, "description": self.description}


def default_configs_dir() -> Path:
    """``./configs`` when it exists (running from the project), else the repository's."""
    here = Path.cwd() / "configs"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "configs"


def list_scenarios(configs_dir: Path | None) -> list[ScenarioEntry]:
    """The TOML scenarios of ``configs_dir`` (sorted), or the built-in demo when there is none.

    Only files directly in the folder are offered, and the page can only choose among them.
    A file that is not valid TOML is listed with its :attr:`ScenarioEntry.error` (it may be
    meant as a scenario: it is not silently left out).
    """
    entries = []
    if configs_dir is not None and Path(configs_dir).is_dir():
        for path in sorted(Path(configs_dir).glob("*.toml")):
            try:
                data, _ = read_toml(path)
            except ScenarioError as exc:
                entries.append(ScenarioEntry(path.stem, path, path.stem, "", str(exc)))
                continue
            if is_experiment(data) or (
                "kinds" not in data
                and "goods" not in data
                and "territories" not in data
                and "steps" not in data
                and "governance" not in data
                and "name" not in data
            ):
                continue  # not a scenario (e.g. an experiment design)
            entries.append(
                ScenarioEntry(
                    path.stem,
                    path,
                    str(data.get("name") or path.stem),
                    str(data.get("description") or ""),
                )
            )
    if not entries:
        demo = Scenario()
        entries.append(ScenarioEntry("demo", None, demo.name, demo.description))
    return entries


def load_entry(entry: ScenarioEntry) -> Scenario:
    """Load a scenario entry (ScenarioError becomes :class:`ViewModelError`)."""
    try:
        return load_scenario(entry.path)
    except ScenarioError as exc:  # the file's own one-line error, in a French sentence
        raise invalid_scenario(exc, entry) from None


def invalid_scenario(error: ScenarioError, entry: ScenarioEntry) -> ViewModelError:
    """The page's error for a scenario that cannot be built, naming no server folder."""
    message = without_folder(str(error), entry)
    return ViewModelError(f"scénario invalide : {message}", detail=message)


def without_folder(message: str, entry: ScenarioEntry) -> str:
    """``message`` naming files relative to the folder of ``entry``'s file (no server path).

    A scenario's own message names its file (and data files) by their full path; the page
    gets them relative to the scenario's folder (``small.toml:3: ...``, ``data/x.csv: ...``).
    """
    if entry.path is not None:
        folders = {str(entry.path.parent), str(entry.path.parent.resolve())}
        for folder in sorted(folders, key=len, reverse=True):
            message = message.replace(folder + os.sep, "").replace(folder, ".")
    return message


# ---------------------------------------------------------------------------------------------
# Knobs


@dataclass(frozen=True)
class Knob:
    """A slider of the page, turned into scenario overrides on Reset.

    Attributes:
        id: The knob id; its label and help line are the i18n keys ``knob.<id>`` and
            ``knob.<id>.help``.
        path: The scenario field (dotted); for a ``factor`` knob ``*`` stands for every kind;
            for a ``rule`` knob, a parameter of the governance rule ``rule``.
        unit: ``"value"`` (the field's value), ``"factor"`` (multiplies the scenario's values)
            or ``"rule"`` (a parameter of every institution of the rule ``rule``; no effect
            when that rule is not in the run).
        min, max, step: The slider's range.
        rule: For a ``rule`` knob, the governance rule whose parameter it sets.
    """

    id: str
    path: str
    unit: str
    min: float
    max: float
    step: float
    rule: str | None = None

    @property
    def default(self) -> float:
        """Position for the built-in defaults: 1 for a factor knob, else the default value."""
        return self.current(Scenario())

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the catalogue."""
        return {
            "id": self.id,
            "unit": self.unit,
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "default": self.default,
            "rule": self.rule,
        }

    def current(self, scenario: Scenario) -> float:
        """The knob's position for a scenario as written (factor knobs: 1)."""
        if self.unit == "factor":
            return 1.0
        if self.unit == "rule":
            for ref in scenario.governance:
                if ref.rule == self.rule and self.path in (ref.model_extra or {}):
                    return float(ref.model_extra[self.path])
            return float(_rule_params(self.rule)[self.path].default)
        node: Any = scenario
        for part in self.path.split("."):
            node = getattr(node, part)
        return float(node)

    def check(self, value: float) -> float:
        """``value`` as a float, if it is within the slider's range."""
        if not math.isfinite(value) or not self.min <= value <= self.max:
            raise ViewModelError(
                f"réglage {self.id} : {value} hors de l'intervalle permis [{self.min}, {self.max}]"
            )
        return float(value)

    def overrides(self, scenario: Scenario, value: float) -> dict[str, Any]:
        """Dotted overrides that put a ``value`` or ``factor`` knob at ``value``."""
        value = self.check(value)
        if self.unit == "value":
            return {self.path: value}
        if self.unit == "rule":
            return {}  # applied to the run's institutions by build_model
        table, _, attribute = self.path.partition(".*.")
        out = {}
        for kind, spec in getattr(scenario, table).items():
            out[f"{table}.{kind}.{attribute}"] = getattr(spec, attribute) * value
        return out


def _rule_params(rule: str | None) -> dict[str, Any]:
    """The parameter fields (pydantic) of a registered governance rule."""
    import terrisim.governance  # noqa: F401  (registers the built-in institutions)
    from terrisim.rules.base import registered

    cls = registered("governance").get(rule or "")
    return dict(cls.Params.model_fields) if cls is not None else {}


KNOBS: tuple[Knob, ...] = (
    Knob("initial_trust", "trust.initial", "value", 0.0, 1.0, 0.05),
    Knob("reciprocity_tolerance", "exchange.reciprocity_tolerance", "value", 0.0, 0.8, 0.05),
    Knob("engineering", "kinds.*.engineering", "factor", 0.0, 3.0, 0.25),
    Knob("grants", "kinds.*.grant", "factor", 0.0, 2.0, 0.1),
    Knob("specialisation", "specialisation.rate", "value", 0.0, 0.05, 0.005),
    Knob("fiscal_solidarity", "equalisation_share", "rule", 0.0, 1.0, 0.05, rule="merger"),
)
"""The knobs of the page, in display order."""


def _knob(knob_id: str) -> Knob:
    for knob in KNOBS:
        if knob.id == knob_id:
            return knob
    raise ViewModelError(
        f"réglage inconnu {knob_id!r} ; réglages possibles : {[k.id for k in KNOBS]}"
    )


# ---------------------------------------------------------------------------------------------
# Catalogue: governance rules and shocks


SCENARIO_RULES = "scenario"
"""Rule id meaning "the institutions of the scenario file, all together, as written"."""


def governance_rules() -> list[str]:
    """Registered governance rules, ``"none"`` first (see also :data:`SCENARIO_RULES`)."""
    import terrisim.governance  # noqa: F401  (registers the built-in institutions)
    from terrisim.rules.base import registered

    # a rule that needs real territories (real_epci) runs only as its scenario's own rule
    rules = registered("governance")
    names = sorted(n for n, cls in rules.items() if not getattr(cls, "needs_real_territories", 0))
    return ["none", *[n for n in names if n != "none"]]


def shock_kinds() -> list[str]:
    """The shocks offered as buttons (those of :data:`TRIGGERED_SHOCKS` that are registered)."""
    import terrisim.shocks  # noqa: F401  (registers the built-in shocks)
    from terrisim.rules.base import registered

    known = registered("shock")
    return [k for k in TRIGGERED_SHOCKS if k in known]


def _scenario_rule(scenario: Scenario) -> str:
    """The rule the page selects for a scenario (its only one, none, or all of them).

    That is its only institution's rule, ``"none"``, or :data:`SCENARIO_RULES` when it has
    several or a rule the page does not offer (``real_epci``).
    """
    if len(scenario.governance) > 1 or (
        scenario.governance and scenario.governance[0].rule not in governance_rules()
    ):
        return SCENARIO_RULES
    return scenario.governance[0].rule if scenario.governance else "none"


def scenario_settings(entry: ScenarioEntry) -> dict[str, Any]:
    """What the page shows for a scenario before a run: description, seed, rule, knobs."""
    scenario = load_entry(entry)
    return {
        "id": entry.id,
        "title": scenario.name,
        "description": scenario.description,
        "seed": scenario.seed,
        "steps": scenario.steps,
        "governance": _scenario_rule(scenario),
        "institutions": [g.rule for g in scenario.governance],
        "knobs": {k.id: k.current(scenario) for k in KNOBS},
    }


# ---------------------------------------------------------------------------------------------
# Building and running models


def build_model(
    entry: ScenarioEntry,
    *,
    rule: str,
    seed: int | None = None,
    knobs: dict[str, float] | None = None,
) -> Any:
    """A new model for a scenario, with a governance rule, a seed and knob values.

    Args:
        entry: The scenario.
        rule: The governance rule (``"none"`` for ad hoc deals only). If the scenario already
            configures this rule, its parameters are kept; other institutions are dropped.
            :data:`SCENARIO_RULES` keeps every institution of the scenario.
        seed: The seed (``None``: the scenario's).
        knobs: Knob values by id (see :data:`KNOBS`); knobs not given keep the scenario's value.

    Raises:
        ViewModelError: unknown knob or rule, value out of range, or an invalid scenario.
    """
    from terrisim.model import TerriModel

    scenario = load_entry(entry)
    overrides: dict[str, Any] = {}
    if rule == SCENARIO_RULES:
        institutions = [g.model_dump() for g in scenario.governance]
    elif rule == "none":
        institutions = []
    else:
        same = [g.model_dump() for g in scenario.governance if g.rule == rule]
        institutions = same[:1] or [{"rule": rule}]
    for knob_id, value in (knobs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ViewModelError(
                f"réglage {knob_id} : un nombre est attendu (reçu {value!r})"
            ) from None
        knob = _knob(knob_id)
        overrides.update(knob.overrides(scenario, number))
        if knob.unit == "rule":
            for institution in institutions:
                if institution["rule"] == knob.rule:
                    institution[knob.path] = knob.check(number)
    overrides["governance"] = institutions
    try:
        scenario = apply_overrides(scenario, overrides)
        return TerriModel(scenario, rng=seed, record_territories=False)
    except ScenarioError as exc:
        raise invalid_scenario(exc, entry) from None


def warm_up(configs_dir: Path | None = None) -> None:
    """Build the demo (or first) scenario and run one step, before a trainer's first click.

    One-time costs (imports, compiled kernels) are paid here. Errors are ignored: the page
    reports them when the scenario is chosen.
    """
    try:
        entries = list_scenarios(configs_dir)
        entry = next((e for e in entries if e.id == "demo"), entries[0])
        step(build_model(entry, rule="none"))
    except Exception:  # a broken scenario must not stop the server
        return


def step(model: Any) -> None:
    """Advance the model one step."""
    model.step()


def current_step(model: Any) -> int:
    """Steps done so far."""
    return int(model.steps)


def planned_steps(model: Any) -> int:
    """The scenario's number of steps."""
    return int(model.config.steps)


def trigger_shock(model: Any, kind: str) -> None:
    """Start a shock now, with the strength and length of :data:`TRIGGERED_SHOCKS`."""
    if kind not in TRIGGERED_SHOCKS:
        raise ViewModelError(f"choc inconnu {kind!r} ; chocs possibles : {list(TRIGGERED_SHOCKS)}")
    model.trigger_shock(kind, **TRIGGERED_SHOCKS[kind])


# ---------------------------------------------------------------------------------------------
# Views


def _clean(values: Any, digits: int = 4) -> list[float | None]:
    """A JSON-safe list: rounded floats, ``None`` for NaN or infinities."""
    out: list[float | None] = []
    for v in np.asarray(values, dtype=float).ravel().tolist():
        out.append(round(v, digits) if math.isfinite(v) else None)
    return out


def map_view(model: Any) -> dict[str, Any]:
    """Territories (position, population, satisfaction, kind) and links (trust, volume).

    Satisfaction is ``None`` before the first step (nothing consumed yet). Link trust is the mean
    of both directions; volume is the value (k EUR) of the goods exchanged on the link during the
    last step, both directions. At most :data:`MAX_TERRITORIES` and :data:`MAX_LINKS` are sent;
    ``total`` gives the scenario's numbers, so the page can say what it leaves out.
    """
    s = model.state
    n, e = s.n, s.n_links
    shown = np.arange(n)
    if n > MAX_TERRITORIES:
        shown = np.sort(np.argsort(-s.population, kind="stable")[:MAX_TERRITORIES])
    position = np.full(n, -1)
    position[shown] = np.arange(shown.size)
    satisfaction = s.satisfaction_mean[shown] if model.steps > 0 else np.full(shown.size, np.nan)

    keep = np.flatnonzero((position[s.src] >= 0) & (position[s.dst] >= 0))
    # value of the goods exchanged on each kept link, both directions (arcs a and a + E)
    volume = s.flow[keep] @ s.price + s.flow[keep + e] @ s.price
    if keep.size > MAX_LINKS:
        top = np.argsort(-volume, kind="stable")[:MAX_LINKS]
        keep, volume = keep[top], volume[top]
    trust = (s.trust[keep] + s.trust[keep + e]) / 2.0
    return {
        "total": {"territories": int(n), "links": int(e)},
        "territories": {
            "name": [str(x) for x in s.names[shown]],
            "kind": [s.kinds[k] for k in s.kind[shown]],
            "x": _clean(s.xy[shown, 0], 2),
            "y": _clean(s.xy[shown, 1], 2),
            "population": _clean(s.population[shown], 0),
            "satisfaction": _clean(satisfaction, 3),
        },
        "links": {
            "a": position[s.src[keep]].tolist(),
            "b": position[s.dst[keep]].tolist(),
            "trust": _clean(trust, 3),
            "volume": _clean(volume, 3),
        },
        "areas": _real_areas(model),
    }


def _real_areas(model: Any) -> dict[str, Any] | None:
    """Satisfaction and trust per commune or EPCI of real territories (else None).

    The page colours the real boundaries with them (``/api/boundaries/{scenario}``,
    :mod:`terrisim.ui.map_routes`; :func:`terrisim.france.mapdata.area_values`).
    """
    if model.config.territories.source != "france":
        return None
    from terrisim.france.mapdata import area_values

    return area_values(model)


def baskets_view(model: Any) -> dict[str, Any]:
    """Who gave what to whom in the last step: value (k EUR) by giver kind, receiver kind, good.

    Sums every channel of the step (ad hoc deals and institutions), from
    ``model.flows_by_kind()`` (units) times the goods' reference prices.
    """
    s = model.state
    value = model.flows_by_kind() * s.price[None, None, :]
    threshold = value.sum() * 1e-4
    flows = [
        [int(a), int(b), int(j), round(float(value[a, b, j]), 3)]
        for a, b, j in zip(*np.nonzero(value > threshold), strict=True)
    ]
    return {"kinds": list(s.kinds), "goods": list(s.goods), "flows": flows}


GOOD_NEWS = ("_signed", "_renewed", "_renegotiated", "_created", "_meeting", "_merged", "_pooled")
BAD_NEWS = ("_breach", "_dropped", "_not_signed", "_failed", "_split", "_conflict")


def event_tone(kind: str) -> str:
    """How the log colours an event, judged from the end of its kind (``contract_signed``...).

    ``shock``; ``good``: a cooperation made or kept; ``bad``: broken, refused or failed;
    ``info``: anything else.
    """
    if kind == "shock":
        return "shock"
    if kind.endswith(BAD_NEWS):
        return "bad"
    if kind.endswith(GOOD_NEWS):
        return "good"
    return "info"


def _join(items: list[str], lang: str) -> str:
    """``a, b et c`` (or ``a, b and c``)."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {texts.t('log.and', lang)} " + items[-1]


def shock_targets_text(targets: str, lang: str) -> str:
    """Plain words for a shock's targets as the model records them.

    ``"all"``, or comma-separated kind names, ``class:urban`` / ``class:rural`` and territory
    ids (see :func:`terrisim.shocks.target_mask`); kinds the page does not know keep their name.
    """
    if targets in ("", "all"):
        return texts.t("log.targets.all", lang)
    kinds, classes, ids = [], [], []
    for part in targets.split(","):
        if part.startswith("class:"):
            classes.append(texts.t(f"log.targets.{part.replace(':', '.')}", lang))
        elif f"kind.{part}" in texts.MESSAGES:
            kinds.append(texts.t(f"kind.{part}", lang).lower())
        elif part:
            ids.append(part)
    phrases = [*classes]
    if kinds:
        phrases.append(texts.t("log.targets.kinds", lang, kinds=_join(kinds, lang)))
    if ids:
        phrases.append(texts.t("log.targets.ids", lang, ids=", ".join(ids)))
    return _join(phrases, lang)


def _event_text(event: dict[str, Any]) -> dict[str, str]:
    """The event's sentence in both languages; a shock's targets are put in plain words."""
    text = {"fr": str(event.get("text_fr", "")), "en": str(event.get("text_en", ""))}
    if event.get("kind") == "shock" and isinstance(event.get("magnitude"), (int, float)):
        for lang in text:
            text[lang] = texts.t(
                "log.shock",
                lang,
                shock=str(event.get(f"label_{lang}", event.get("shock", ""))).lower(),
                magnitude=round(100 * float(event["magnitude"])),
                targets=shock_targets_text(str(event.get("targets", "all")), lang),
            )
    return text


def events_view(model: Any) -> list[dict[str, Any]]:
    """The last :data:`MAX_EVENTS` narrative events, oldest first, with both languages.

    The start of the simulation comes first among the events of step 0 (institutions set up
    while the model is built log theirs before it).
    """
    out = []
    events = sorted(
        model.events[-MAX_EVENTS:], key=lambda e: (int(e.get("step", 0)), e.get("kind") != "start")
    )
    for e in events:
        kind = str(e.get("kind", ""))
        out.append(
            {
                "step": int(e.get("step", 0)),
                "kind": kind,
                "tone": event_tone(kind),
                "text": _event_text(e),
            }
        )
    return out


def shocks_view(model: Any) -> list[dict[str, Any]]:
    """Every shock started so far: first and last step affected (``None``: permanent), kind."""
    return [
        {
            "step": int(h["step"]),
            "kind": str(h["shock"]),
            "last_step": None if h.get("last_step") is None else int(h["last_step"]),
        }
        for h in model.shocks.history
    ]


def _line(
    rows: list[dict[str, Any]], column: str, label: str, *, dash: bool = False, scale: float = 1.0
) -> dict[str, Any]:
    values = [row.get(column, math.nan) for row in rows]
    return {"label": label, "values": _clean(np.asarray(values, float) * scale, 4), "dash": dash}


def charts_view(model: Any) -> tuple[list[int], list[dict[str, Any]]]:
    """The steps recorded and the time-series charts, from ``model.recorder.rows``.

    * satisfaction: population-weighted need satisfaction of each kind, and the mean (dashed);
    * trust: mean trust on all arcs, on urban-rural arcs, within a kind;
    * equity: Gini and Theil T of satisfaction between territories, and the urban-rural gap
      ``|satisfaction_class_urban - satisfaction_class_rural|`` (0 is equality);
    * resilience: mean satisfaction, the worst-off territory, and fiscal health (the share of
      spending needs covered), which fall when a shock hits and show how fast they recover;
    * exchanges: value exchanged per step in each channel (ad hoc deals, institutions).

    Returns:
        ``(x, charts)``: the steps, and the charts as described in the module docstring.
    """
    rows = model.recorder.rows
    if len(rows) > MAX_POINTS:  # thin evenly, keeping the first and the last step
        keep = np.unique(np.linspace(0, len(rows) - 1, MAX_POINTS).round().astype(int))
        rows = [rows[i] for i in keep]
    s = model.state
    x = [int(row["step"]) for row in rows]
    gap = [
        abs(
            row.get("satisfaction_class_urban", math.nan)
            - row.get("satisfaction_class_rural", math.nan)
        )
        for row in rows
    ]
    channels = sorted(
        {
            c.removeprefix("volume_value_")
            for row in rows
            for c in row
            if c.startswith("volume_value_")
        }
    )
    charts = [
        {
            "id": "satisfaction",
            "title": "chart.satisfaction",
            "y": [0, 1],
            "lines": [
                *[_line(rows, f"satisfaction_{k}", f"kind.{k}") for k in s.kinds],
                _line(rows, "satisfaction", "series.satisfaction_mean", dash=True),
            ],
        },
        {
            "id": "trust",
            "title": "chart.trust",
            "y": [0, 1],
            "lines": [
                _line(rows, "trust", "series.trust_mean"),
                _line(rows, "trust_urban_rural", "series.trust_urban_rural"),
                _line(rows, "trust_within_kind", "series.trust_within_kind"),
            ],
        },
        {
            "id": "equity",
            "title": "chart.equity",
            "y": None,
            "lines": [
                _line(rows, "gini", "series.gini"),
                _line(rows, "theil", "series.theil"),
                {"label": "series.urban_rural_gap", "values": _clean(gap), "dash": True},
            ],
        },
        {
            "id": "resilience",
            "title": "chart.resilience",
            "y": [0, 1],
            "lines": [
                _line(rows, "satisfaction", "series.satisfaction_mean"),
                _line(rows, "satisfaction_min", "series.satisfaction_min"),
                _line(rows, "fiscal_health", "series.fiscal_health", dash=True),
                _line(rows, "capital", "series.capital", dash=True),
            ],
        },
        {
            "id": "exchanges",
            "title": "chart.exchanges",
            "y": None,
            "lines": [_line(rows, f"volume_value_{c}", f"channel.{c}") for c in channels],
        },
    ]
    return x, charts


RESILIENCE_WINDOW = 3
"""Steps before a shock averaged into the pre-shock level (a quarter: the page starts cold)."""


def resilience_view(model: Any) -> list[dict[str, Any]]:
    """How mean need satisfaction took each shock: resistance and recovery time, so far.

    For each shock, with ``y`` the population-weighted mean satisfaction per step and ``b`` its
    mean over the :data:`RESILIENCE_WINDOW` steps before the shock:
    ``resistance = min y / b`` over the steps since the shock (up to the next shock), and the
    recovery time is the number of steps until ``y >= 0.95 b`` for good
    (:func:`terrisim.metrics.resilience.resilience_report`).

    ``status`` is ``"recovered"``, ``"not_recovered"`` (not yet, or not by the next shock),
    ``"pending"`` (the shock has not hit yet) or ``"unmeasurable"`` (no step before it).
    """
    from terrisim.metrics.resilience import resilience_report

    rows = model.recorder.rows
    if not rows:
        return [
            {"step": h["step"], "kind": h["kind"], "status": "pending"} for h in shocks_view(model)
        ]
    first = int(rows[0]["step"])
    series = np.array([row["satisfaction"] for row in rows], dtype=float)
    shocks = sorted(shocks_view(model), key=lambda h: h["step"])
    out = []
    for i, shock in enumerate(shocks):
        entry: dict[str, Any] = {"step": shock["step"], "kind": shock["kind"]}
        k = shock["step"] - first
        if k >= series.size:
            entry["status"] = "pending"
        elif k < 1:
            entry["status"] = "unmeasurable"
        else:
            later = [h["step"] - first for h in shocks[i + 1 :] if h["step"] - first > k]
            end = min(later[0], series.size) if later else None
            try:
                report = resilience_report(series, k, window=RESILIENCE_WINDOW, end=end)
            except ValueError:
                entry["status"] = "unmeasurable"
            else:
                entry.update(
                    status="recovered" if report.recovered else "not_recovered",
                    resistance=round(report.resistance, 3),
                    trough_step=report.trough_step + first,
                    recovery_time=report.recovery_time,
                )
        out.append(entry)
    return out


def panel(model: Any, rule: str) -> dict[str, Any]:
    """Everything the page draws for one model (see the module docstring)."""
    x, charts = charts_view(model)
    return {
        "governance": rule,
        "x": x,
        "charts": charts,
        "shocks": shocks_view(model),
        "resilience": resilience_view(model),
        "map": map_view(model),
        "baskets": baskets_view(model),
        "events": events_view(model),
    }
