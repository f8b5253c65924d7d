"""The typed scenario schema (ODD sections 5 Initialisation and 6 Input data).

A scenario file is TOML. It is deep-merged onto the defaults below (tables are merged key by
key, arrays replace), then validated into a :class:`Scenario`: an unknown key, a wrong type or
an out-of-range value is refused with a message naming the field. Every default is documented in
``docs/ODD.md`` (section 7, tables of parameters).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from terrisim.scenario import defaults

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
#: A path given in a scenario file: a string there, so not strict (every other field is).
FilePath = Annotated[Path, Field(strict=False)]

#: Upper bounds that keep a scenario within what a machine can hold and floats can count:
#: at most a million territories (France has about 35,000 communes), neighbours at most
#: 10,000 km apart (a quarter of the Earth's circumference), and stocks of at most
#: MAX_STEPS steps of production (no run is longer).
MAX_STEPS = 100_000
MAX_TERRITORIES = 1_000_000
MAX_SPACING_KM = 10_000.0
#: More inhabitants than the world has: a territory's population above this is a mistake.
MAX_POPULATION = 1e10


class Strict(BaseModel):
    """Base of every scenario table: unknown keys are errors, assignments are validated.

    Strict types: a value of the wrong type is refused, never converted (``steps = "10"``,
    ``urban = "no"``, ``enabled = 0``); an integer is accepted where a number is expected.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


class KindSpec(Strict):
    """A kind of territory (metropolis, town, periurban, rural, mountain, or your own)."""

    urban: bool = Field(description="Counts as urban in urban/rural indicators.")
    population: Annotated[float, Field(gt=0.0, le=MAX_POPULATION, allow_inf_nan=False)] = Field(
        description="Median population of a generated territory."
    )
    population_sigma: NonNeg = Field(0.4, description="Log-sd of generated populations.")
    fiscal_base: NonNeg = Field(description="Own tax revenue, k EUR / 1,000 inh. / step.")
    grant: NonNeg = Field(description="State grant (dotations), k EUR / 1,000 inh. / step.")
    spending: Positive = Field(description="Operating spending need, k EUR / 1,000 inh. / step.")
    engineering: NonNeg = Field(description="Engineering staff for cooperation / 1,000 inh.")
    upkeep: NonNeg | None = Field(
        None,
        description="Investment that keeps public capital, k EUR / 1,000 inh. / step; "
        "None: fiscal_base + grant - spending (at least 0).",
    )
    reserve_steps: NonNeg | None = Field(
        None,
        description="Reserve kept (and held at set-up), in steps of spending; "
        "None: budget.initial_reserve_steps.",
    )
    leaning: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        0.0, description="Mean political leaning, -1 (left) to +1 (right)."
    )


class GoodSpec(Strict):
    """A good or service of the catalogue."""

    storable: bool = Field(description="Unconsumed units are kept as stock (else lost).")
    public: bool = Field(
        False, description="Produced by public services: scaled by fiscal health and capital."
    )
    market: bool = Field(False, description="Traded on the market of the scope (ODD 7.10).")
    price: Positive = Field(1.0, description="Reference value of one unit (k EUR).")
    decay: Share = Field(0.0, description="Share of the stock lost each step.")
    storage_steps: Annotated[float, Field(ge=0.0, le=MAX_STEPS, allow_inf_nan=False)] = Field(
        3.0, description="Stock cap, in steps of own capacity."
    )
    weight: Positive = Field(1.0, description="Weight in the satisfaction mean.")
    need: dict[str, NonNeg] = Field(description="Need per kind, units / 1,000 inh. / step.")
    capacity: dict[str, NonNeg] = Field(description="Production per kind, units / 1,000 inh.")


class GeneratorSpec(Strict):
    """The seeded synthetic generator of territories and links (ODD 5.1)."""

    counts: dict[str, Annotated[int, Field(ge=0, le=MAX_TERRITORIES)]] = Field(
        default_factory=lambda: {
            "metropolis": 1,
            "town": 3,
            "periurban": 4,
            "rural": 5,
            "mountain": 2,
        },
        description="Number of territories of each kind.",
    )
    spacing_km: Annotated[float, Field(gt=0.0, le=MAX_SPACING_KM, allow_inf_nan=False)] = Field(
        25.0, description="Mean distance between neighbours (km)."
    )
    proximity_k: Annotated[int, Field(ge=0, le=50)] = Field(
        3, description="Each territory links to its k nearest neighbours."
    )
    commuting: bool = Field(True, description="Non-urban territories link to their nearest pole.")
    distant_per_metropolis: Annotated[int, Field(ge=0)] = Field(
        2, description="Distant links from each metropolis to far rural/mountain territories."
    )
    capacity_jitter: NonNeg = Field(0.15, description="Log-sd of per-territory capacities.")
    need_jitter: NonNeg = Field(0.1, description="Log-sd of per-territory needs.")
    grant_jitter: NonNeg = Field(
        0.47, description="Log-sd of per-territory grants, revenue kept (ODD 5.4)."
    )
    leaning_sd: NonNeg = Field(0.4, description="Sd of political leaning around the kind mean.")
    numbering: Literal["kind", "place"] = Field(
        "kind",
        description="Territory numbering: kind by kind in draw order ('kind'), or kind by kind "
        "and by place within a kind ('place': neighbours get nearby numbers, "
        "faster at large scale).",
    )

    @model_validator(mode="after")
    def _total_is_bounded(self) -> GeneratorSpec:
        total = sum(self.counts.values())
        if total > MAX_TERRITORIES:
            raise ValueError(
                f"territories.generator.counts: {total:,} territories in all; at most "
                f"{MAX_TERRITORIES:,} are allowed"
            )
        return self


class CsvSpec(Strict):
    """Territories (and optionally links) read from CSV files (ODD 6, Input data)."""

    territories: FilePath = Field(description="CSV with id, name, kind, population, x_km, y_km.")
    links: FilePath | None = Field(
        None, description="CSV with source, target[, distance_km, kind]."
    )


class FranceKindsSpec(Strict):
    """Thresholds that give a real commune its kind (ODD 5.5.1; docs/input_data.md)."""

    metropolis_population: Positive = Field(
        50_000,
        description="A commune of a metropole (EPCI type ME) with at least this many "
        "inhabitants is a metropolis.",
    )
    town_population: Positive = Field(
        10_000, description="Any other commune with at least this many inhabitants is a town."
    )
    periurban_density: NonNeg = Field(
        25.0, description="Periurban: at least this density (inh./km2) ..."
    )
    periurban_radius_km: Positive = Field(
        10.0, description="... within r0 (P_pole / 10,000)^(1/3) km of a pole (town or metropolis)."
    )
    mountain_density: NonNeg = Field(
        50.0, description="Mountain: below this density in a mountain departement."
    )
    mountain_departements: list[str] = Field(
        default_factory=lambda: list(defaults.MOUNTAIN_DEPARTEMENTS),
        description="Departements most of whose communes lie in the zone de montagne.",
    )
    file: FilePath | None = Field(
        None,
        description="CSV 'code,kind' whose kinds replace the derived ones (e.g. the "
        "official zone de montagne).",
    )


class FranceSpec(Strict):
    """Links and kinds of real French territories (source = 'france', ODD 5.5)."""

    kinds: FranceKindsSpec = Field(default_factory=FranceKindsSpec)
    proximity_k: Annotated[int, Field(ge=0, le=50)] = Field(
        5, description="Each territory links to its k nearest neighbours."
    )
    commuting: bool = Field(True, description="Non-urban territories link to a pole by gravity.")
    gravity_exponent: NonNeg = Field(2.0, description="beta: attraction P_pole / d^beta.")
    commuting_max_km: Positive = Field(
        60.0, description="Poles farther than this are not commuting destinations."
    )
    distant_per_metropolis: Annotated[int, Field(ge=0)] = Field(
        2, description="Distant links from each metropolis to far rural/mountain territories."
    )
    links: FilePath | None = Field(
        None,
        description="CSV of extra links (source, target[, kind, distance_km, commuters]), "
        "e.g. INSEE's mobilites professionnelles.",
    )


SCOPE_KEYS = ("departements", "regions", "epci", "all")


class TerritoriesSpec(Strict):
    """Where territories come from: the generator (default), CSV files or real France."""

    source: Literal["generator", "csv", "france"] = "generator"
    generator: GeneratorSpec = Field(default_factory=GeneratorSpec)
    csv: CsvSpec | None = None
    # source = "france" (ODD 5.5): the scope, by INSEE codes, and the unit of a territory
    departements: list[str] = Field(default_factory=list, description="Departement codes.")
    regions: list[str] = Field(default_factory=list, description="Region codes.")
    epci: list[str] = Field(default_factory=list, description="EPCI SIREN codes.")
    all: bool = Field(False, description="The whole of France.")
    unit: Literal["commune", "epci"] = Field(
        "commune", description="One territory per commune or per intercommunality (EPCI)."
    )
    france: FranceSpec = Field(default_factory=FranceSpec)

    @model_validator(mode="after")
    def _csv_needs_files(self) -> TerritoriesSpec:
        if self.source == "csv" and self.csv is None:
            raise ValueError("source = 'csv' needs a [territories.csv] table with 'territories'")
        scoped = self.departements or self.regions or self.epci or self.all
        if self.source == "france" and not scoped:
            raise ValueError(
                "source = 'france' needs a scope: departements = ['63'], "
                "regions = ['84'], epci = ['246300701'] or all = true"
            )
        if self.source != "france" and scoped:
            raise ValueError(
                "departements, regions, epci and all name a scope of real France; they "
                "need source = 'france'"
            )
        return self


class TrustSpec(Strict):
    """Initial trust and the brakes that lower it (ODD 5.2)."""

    initial: Share = Field(0.6, description="Baseline trust on a link with no history.")
    tension_share: Share = Field(0.15, description="Share of links with a history of tension.")
    tension_penalty: Share = Field(0.5, description="Relative trust loss on a tense link.")
    cleavage_weight: Share = Field(0.3, description="Trust loss per unit of leaning gap / 2.")
    bias: dict[str, Share] = Field(
        default_factory=lambda: dict(defaults.BIAS),
        description="Outdated representations: 'urban->rural' etc., or 'kind->kind'.",
    )


class ExchangeSpec(Strict):
    """Ad hoc bilateral basket negotiation (ODD 7.4)."""

    enabled: bool = Field(True, description="Ad hoc bilateral deals happen at all.")
    reciprocity_tolerance: Share = Field(
        0.25, description="tau: a side accepts receiving >= (1 - tau) x what it gives."
    )
    distance_scale_km: Positive = Field(
        60.0, description="d0: deal size shrinks as exp(-d / d0) (transaction cost)."
    )
    engineering_scale: Positive = Field(
        3.0, description="Value of deals one unit of engineering can run per step."
    )
    money: bool = Field(False, description="Money may compensate an unbalanced basket.")
    money_share: Share = Field(0.1, description="Max share of reserves paid per step per deal.")
    acceptance_width: Positive = Field(
        0.05,
        description="w: the share of a basket both sides accept is 1 / (1 + P ** (-1 / w)), "
        "P their joint margin (assumed).",
    )
    tension_cost: Share = Field(
        0.05, description="Transaction cost (share of value) on a link with a history of tension."
    )
    cleavage_cost: Share = Field(
        0.05, description="Transaction cost per unit of half the political leaning gap."
    )


class BudgetSpec(Strict):
    """Budgets: revenue, spending and reserves (ODD 7.6)."""

    initial_reserve_steps: NonNeg = Field(
        3.0,
        description="Reserve kept (and held at set-up), in steps of spending, for the kinds "
        "without their own reserve_steps.",
    )
    draw_rate: Share = Field(0.2, description="Share of reserves that may cover a deficit.")
    depreciation: Share = Field(
        0.0025, description="Share of public capital worn out each step without investment."
    )


class CommutingSpec(Strict):
    """Commuters take jobs at the pole they commute to, along commuting links (ODD 7.10)."""

    enabled: bool = Field(True, description="Commuters fill jobs needs at their pole at all.")
    good: str = Field("mobility_jobs", description="The good commuters find at the pole.")
    share: Share = Field(
        0.5, description="Share of a residence's need of the good its commuters can meet."
    )
    employment_rate: Positive = Field(
        0.41, description="Employed residents per inhabitant (CSV commuters to a share)."
    )


class MarketSpec(Strict):
    """The market of the scope for goods marked ``market = true`` (ODD 7.10)."""

    enabled: bool = Field(True, description="Territories buy and sell traded goods at all.")
    outside_supply: NonNeg = Field(
        0.5, description="Units the outside can supply per step, as a share of the scope's need."
    )


class SpecialisationSpec(Strict):
    """Producers' skill follows their sales on the market (ODD 7.12)."""

    rate: NonNeg = Field(
        0.0,
        description="Change of skill per step per unit of (sold - left over) / production; "
        "0 switches specialisation off (assumed: no source).",
    )
    floor: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = Field(
        0.5, description="Lowest skill, relative to set-up capacity (assumed)."
    )
    ceiling: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] = Field(
        2.0, description="Highest skill, relative to set-up capacity (assumed)."
    )


class RuleRef(Strict):
    """A replaceable rule: a registered name or 'module:Class', with its parameters."""

    model_config = ConfigDict(extra="allow")
    name: str


class AgentsSpec(Strict):
    """The agents' class: the built-in ``"territory"`` or ``"module:Class"`` (ODD 7.11).

    Other keys are the class's parameters (its ``Params``).
    """

    model_config = ConfigDict(extra="allow")
    territory: str = "territory"


class RulesSpec(Strict):
    """The replaceable rules of the step (ODD 7); see ``terrisim describe``."""

    valuation: RuleRef = Field(default_factory=lambda: RuleRef(name="market"))
    partners: RuleRef = Field(default_factory=lambda: RuleRef(name="trust_weighted"))
    trust: RuleRef = Field(default_factory=lambda: RuleRef(name="reinforcement"))
    defection: RuleRef = Field(default_factory=lambda: RuleRef(name="shadow_of_the_future"))

    @field_validator("valuation", "partners", "trust", "defection", mode="before")
    @classmethod
    def _name_only(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class GovernanceRef(Strict):
    """One governance institution: ``rule`` is a registered name or 'module:Class'."""

    model_config = ConfigDict(extra="allow")
    rule: str


class ShockSpec(Strict):
    """A shock, scheduled at a step or drawn at random (ODD 7.8)."""

    model_config = ConfigDict(extra="allow")
    kind: str = Field(
        description="grant_cut, drought, energy_crisis, energy_prices, health_crisis, ageing..."
    )


class OutputSpec(Strict):
    """What a run records."""

    territories: Literal["all", "none", "sample"] = Field(
        "all", description="Per-territory records: all, none, or a sample."
    )
    sample_size: Annotated[int, Field(ge=1)] = Field(500, description="Territories sampled.")
    every: Annotated[int, Field(ge=1)] = Field(1, description="Record territories every k steps.")


#: Names a kind or good cannot take: the series has ``satisfaction_<kind>`` and
#: ``satisfaction_<good>`` beside these columns (ODD 7.9).
RESERVED_NAMES = frozenset({"min", "class_urban", "class_rural"})


def _check_column_names(kinds: set[str], goods: set[str]) -> None:
    """Refuse kind and good names whose series columns would overwrite others (ODD 7.9).

    ``satisfaction_<name>`` exists for every kind and every good, beside ``satisfaction_min``
    and ``satisfaction_class_<urban|rural>``; ``volume_<good>`` beside ``volume_value`` and
    ``volume_value_<channel>``.

    Raises:
        ValueError: naming the field, the name and what is not allowed.
    """
    for field, names in (("kinds", kinds), ("goods", goods)):
        for name in sorted(names & RESERVED_NAMES):
            raise ValueError(
                f"{field}.{name}: {name!r} is reserved (series column "
                f"satisfaction_{name}); not allowed: {sorted(RESERVED_NAMES)}"
            )
    for name in sorted(kinds & goods):
        raise ValueError(
            f"kinds.{name}: a kind cannot have the name of a good ({name!r}): "
            f"both would be the series column satisfaction_{name}"
        )
    for name in sorted(goods):
        if name == "value" or name.startswith("value_"):
            raise ValueError(
                f"goods.{name}: a good cannot be called 'value' or 'value_...' "
                f"(the series has volume_value and volume_value_<channel>)"
            )


class Scenario(Strict):
    """A complete, validated scenario. ``Scenario()`` is the built-in demo."""

    name: str = "demo"
    description: str = ""
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] = 60
    seed: Annotated[int, Field(ge=0)] = 42
    kinds: dict[str, KindSpec] = Field(
        default_factory=lambda: {k: KindSpec(**v) for k, v in defaults.KINDS.items()}
    )
    goods: dict[str, GoodSpec] = Field(
        default_factory=lambda: {g: GoodSpec(**v) for g, v in defaults.GOODS.items()}
    )
    territories: TerritoriesSpec = Field(default_factory=TerritoriesSpec)
    trust: TrustSpec = Field(default_factory=TrustSpec)
    exchange: ExchangeSpec = Field(default_factory=ExchangeSpec)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    market: MarketSpec = Field(default_factory=MarketSpec)
    commuting: CommutingSpec = Field(default_factory=CommutingSpec)
    specialisation: SpecialisationSpec = Field(default_factory=SpecialisationSpec)
    rules: RulesSpec = Field(default_factory=RulesSpec)
    agents: AgentsSpec = Field(default_factory=AgentsSpec)
    governance: list[GovernanceRef] = Field(default_factory=list)
    shocks: list[ShockSpec] = Field(default_factory=list)
    output: OutputSpec = Field(default_factory=OutputSpec)
    base_dir: FilePath | None = Field(
        None, exclude=True, description="Folder of the scenario file."
    )
    # Where the scenario was read from and its text, to point errors found later (rules,
    # shocks, institutions, CSV ids) at a file and line: see loading.locate_errors.
    _source: str | None = PrivateAttr(None)
    _text: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _kinds_are_known(self) -> Scenario:
        kinds = set(self.kinds)
        if not self.goods:
            raise ValueError("goods: the catalogue needs at least one good")
        _check_column_names(kinds, set(self.goods))
        for good, spec in self.goods.items():
            for field in ("need", "capacity"):
                given = getattr(spec, field)
                unknown = set(given) - kinds
                if unknown:
                    raise ValueError(
                        f"goods.{good}.{field}: unknown kind {sorted(unknown)[0]!r}; "
                        f"allowed: {sorted(kinds)}"
                    )
                missing = kinds - set(given)
                if missing:
                    raise ValueError(
                        f"goods.{good}.{field}: no value for kind {sorted(missing)[0]!r}"
                    )
        unknown = set(self.territories.generator.counts) - kinds
        if unknown:
            raise ValueError(
                f"territories.generator.counts: unknown kind {sorted(unknown)[0]!r}; "
                f"allowed: {sorted(kinds)}"
            )
        for key in self.trust.bias:
            parts = key.split("->")
            classes = kinds | {"urban", "rural"}
            if len(parts) != 2 or not set(parts) <= classes:
                raise ValueError(
                    f"trust.bias: bad key {key!r}; use 'A->B' with A, B in {sorted(classes)}"
                )
        return self

    def resolve(self, path: Path | str) -> Path:
        """Resolve a path given in the scenario relative to the scenario file's folder."""
        path = Path(path)
        if path.is_absolute() or self.base_dir is None:
            return path
        return self.base_dir / path
