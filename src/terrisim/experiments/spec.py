"""The experiment file: schema, loading and validation.

An experiment file (TOML) names a base scenario, the factors to vary (dotted paths into the
scenario, as in :func:`terrisim.scenario.apply_overrides`), how to sample them, the number of
replicates, the steps, the root seed and what to keep. Example::

    name = "smoke"
    scenario = "../configs/demo.toml"      # relative to this file
    steps = 20
    replicates = 2
    seed = 20261101

    [design]
    method = "grid"                        # grid | list | lhs | sobol | morris

    [factors]
    "exchange.reciprocity_tolerance" = { levels = [0.1, 0.5] }

Bad input raises :class:`ExperimentError` (a :class:`terrisim.scenario.ScenarioError`) with one
line per problem naming the file, the field, the bad value and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from terrisim.scenario import ScenarioError

#: Run function used when the experiment file names none: the terrisim model itself.
DEFAULT_RUN_FUNCTION = "terrisim.experiments.worker:run_model"


class ExperimentError(ScenarioError):
    """An experiment file (or a sweep directory) is invalid; the message says where and why."""


def check_requested(
    requested: list[str], available: list[str], what: str, among: str, none: str = "(none)"
) -> None:
    """Refuse the first requested name that is not available, listing what is.

    Raises:
        ExperimentError: ``"<what> 'x': not <among>; available: ..."`` (``none`` when
            nothing is).
    """
    unknown = [name for name in requested if name not in available]
    if unknown:
        raise ExperimentError(
            f"{what} {unknown[0]!r}: not {among}; available: {', '.join(available) or none}"
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(_Strict):
    """One factor: either discrete ``levels`` or a continuous ``range`` (for LHS/Sobol/Morris).

    Attributes:
        levels: The values taken in a grid design: TOML scalars of one kind, or tables/arrays
            (e.g. a whole ``governance`` list), then best given ``labels``.
        labels: Names of the levels, stored in the results instead of the values.
        range: ``[low, high]`` for sampled designs (LHS, Sobol, Morris).
        type: ``"float"`` or ``"int"``: integer factors are rounded after sampling.
    """

    levels: list[Any] | None = Field(default=None, min_length=1)
    labels: list[str] | None = None
    range: tuple[float, float] | None = None
    type: Literal["float", "int"] = "float"

    @model_validator(mode="after")
    def _one_of(self) -> Factor:
        if (self.levels is None) == (self.range is None):
            raise ValueError("give either 'levels = [...]' or 'range = [low, high]', not both")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range {list(self.range)}: low must be below high")
        if self.labels is not None:
            if self.levels is None or len(self.labels) != len(self.levels):
                raise ValueError("'labels' needs 'levels', one label per level")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError(f"labels {self.labels} contain duplicates")
        if self.levels is not None:
            kinds = {_kind(v) for v in self.levels}
            if len(kinds) > 1 and self.labels is None:
                raise ValueError(
                    f"levels {self.levels} mix {sorted(kinds)}: use one kind, or give 'labels'"
                )
            keys = [json.dumps(v, sort_keys=True, default=str) for v in self.levels]
            if len(set(keys)) != len(keys):
                raise ValueError(f"levels {self.levels} contain duplicates")
        return self

    def label(self, value: Any) -> Any:
        """What the results store for ``value``: its label if the factor has labels."""
        if self.labels is None or self.levels is None:
            return value
        return self.labels[self.levels.index(value)]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "table or array"


class GridDesign(_Strict):
    """Full factorial of the factors' levels (every combination)."""

    method: Literal["grid"]


class ListDesign(_Strict):
    """An explicit list of combinations: ``points = [{"a.b" = 1, "c" = "x"}, ...]``.

    Attributes:
        points: One table of factor values per design point (every point sets the same keys).
        labels: Optional name of each point, stored in a ``label`` column of the results.
    """

    method: Literal["list"]
    points: list[dict[str, Any]] = Field(min_length=1)
    labels: list[str] | None = None

    @model_validator(mode="after")
    def _labels(self) -> ListDesign:
        if self.labels is not None and len(self.labels) != len(self.points):
            raise ValueError(
                f"labels: {len(self.labels)} given for {len(self.points)} points; give one each"
            )
        return self


class LHSDesign(_Strict):
    """Latin hypercube sample of ``samples`` points over the factors' ranges (seeded)."""

    method: Literal["lhs"]
    samples: int = Field(ge=1, le=10_000_000)


class SobolDesign(_Strict):
    """Sobol (Saltelli) design from SALib.

    It has ``samples * (D + 2)`` points (``samples * (2D + 2)`` with second-order indices);
    ``samples`` must be a power of two.
    """

    method: Literal["sobol"]
    samples: int = Field(ge=2, le=2**20)
    second_order: bool = False

    @model_validator(mode="after")
    def _power_of_two(self) -> SobolDesign:
        n = self.samples
        if n & (n - 1):
            lo = 1 << (n.bit_length() - 1)
            raise ValueError(
                f"samples = {n}: a Sobol design needs a power of two (e.g. {lo} or {2 * lo})"
            )
        return self


class MorrisDesign(_Strict):
    """Morris elementary-effects design from SALib: ``trajectories * (D + 1)`` points."""

    method: Literal["morris"]
    trajectories: int = Field(ge=2, le=100_000)
    levels: int = Field(default=4, ge=2, le=64)

    @model_validator(mode="after")
    def _even_levels(self) -> MorrisDesign:
        if self.levels % 2:
            raise ValueError(f"levels = {self.levels}: Morris needs an even number of levels")
        return self


class BisectionDesign(_Strict):
    """Search of a threshold by bisection (e.g. the collapse threshold, ecological resilience).

    For each combination of the ``[factors]`` levels (if any), the value of ``factor`` is
    bisected on ``[low, high]``: a value "recovers" when at least ``share`` of its replicates
    have a true ``outcome``. As in :func:`terrisim.metrics.collapse_threshold`, the bracket
    ``(lo, hi]`` with ``recovers(lo)`` and ``not recovers(hi)`` is halved until
    ``hi - lo <= tol``, and ``hi`` is the threshold. Replicates use common random numbers
    (replicate ``r`` has the same seed at every value), so the search does not chase noise.

    Attributes:
        factor: Dotted scenario path of the value searched (e.g. ``shocks.0.magnitude``).
        low: A value at which the system should recover.
        high: A value at which it should not.
        tol: Width of the final bracket.
        outcome: Boolean indicator telling whether a run recovered.
        share: Share of replicates that must recover for the value to count as recovering.
    """

    method: Literal["bisection"]
    factor: str = Field(min_length=1)
    low: float
    high: float
    tol: float = Field(gt=0.0)
    outcome: str = "shock_recovered"
    share: float = Field(default=0.5, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _bracket(self) -> BisectionDesign:
        if not self.low < self.high:
            raise ValueError(f"low = {self.low}, high = {self.high}: low must be below high")
        if self.tol >= self.high - self.low:
            raise ValueError(f"tol = {self.tol}: must be below high - low")
        return self

    @property
    def steps(self) -> int:
        """Bisection steps after the two end points: ``ceil(log2((high - low) / tol))``."""
        return max(0, math.ceil(math.log2((self.high - self.low) / self.tol)))


class Target(_Strict):
    """An observed value a calibration fits: one run-level indicator of the runs.

    Attributes:
        observed: The value observed (in the data, or in a synthetic run).
        weight: Weight of this target in the distance.
        scale: What a difference is measured against (default: ``|observed|``, so the
            distance counts relative errors); needed when ``observed`` is 0.
    """

    observed: float
    weight: float = Field(default=1.0, gt=0.0)
    scale: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _scaled(self) -> Target:
        if self.scale is None and self.observed == 0:
            raise ValueError("observed = 0: give a 'scale' (the size of a meaningful difference)")
        return self

    @property
    def unit(self) -> float:
        """The scale of a difference: ``scale``, else ``|observed|``."""
        return self.scale if self.scale is not None else abs(self.observed)


class CalibrationDesign(_Strict):
    """Fit the factors (each with a ``range``) to observed targets (:mod:`.calibration`).

    Each candidate is run on the same ``replicates`` seeds (common random numbers), and its
    distance is ``sum_k weight_k ((mean_k - observed_k) / scale_k)^2`` over the targets, with
    ``mean_k`` the mean of indicator ``k`` over the replicates.

    Attributes:
        targets: Observed values, by run-level indicator name.
        optimizer: ``"differential_evolution"`` (scipy, a population of candidates run in
            parallel each generation) or ``"nelder_mead"`` (scipy, one candidate at a time).
        popsize: Differential evolution: candidates per generation = ``popsize`` x factors.
        maxiter: Differential evolution: generations after the first; Nelder-Mead:
            iterations (at most ``maxiter * (D + 1) + D + 1`` candidates).
        tol: Differential evolution: stop when the standard deviation of the population's
            distances is at most ``atol + tol * mean``; Nelder-Mead: stop when the
            simplex is within ``tol`` of each range's width and its distances within ``atol``
            (``tol`` if ``atol`` is 0).
        atol: The absolute part of the stopping rule (distances near 0 need one).
        start: Nelder-Mead: the starting point (default: the middle of the ranges).
    """

    method: Literal["calibration"]
    targets: dict[str, Target] = Field(min_length=1)
    optimizer: Literal["differential_evolution", "nelder_mead"] = "differential_evolution"
    popsize: int = Field(default=10, ge=2, le=1000, strict=True)
    maxiter: int = Field(default=20, ge=1, le=100_000, strict=True)
    tol: float = Field(default=0.01, ge=0.0)
    atol: float = Field(default=0.0, ge=0.0)
    start: dict[str, float] | None = None

    def max_points(self, factors: int) -> int:
        """The most candidates the optimizer evaluates with ``factors`` factors."""
        if self.optimizer == "differential_evolution":
            return (self.maxiter + 1) * self.popsize * factors
        return self.maxiter * (factors + 1) + factors + 1


Design = Annotated[
    GridDesign
    | ListDesign
    | LHSDesign
    | SobolDesign
    | MorrisDesign
    | BisectionDesign
    | CalibrationDesign,
    Field(discriminator="method"),
]


class AnalysisOptions(_Strict):
    """What ``terrisim analyze`` looks at by default.

    Attributes:
        outcomes: Indicators to tabulate and plot (default: chosen from the results).
        bins: Number of quantile bins for continuous factors in tables and effect plots.
        series: Per-step series columns drawn over time per level (``keep_series = true``;
            default: those the outcomes are named after, else ``satisfaction``).
    """

    outcomes: list[str] = Field(default_factory=list)
    bins: int = Field(default=5, ge=2, le=50)
    series: list[str] = Field(default_factory=list)


class Experiment(_Strict):
    """A validated experiment file.

    Attributes:
        name: Short name (used in logs and plots).
        description: The question the experiment answers.
        scenario: Base scenario file, relative to the experiment file.
        steps: Steps per run (default: the scenario's own).
        replicates: Runs per design point, each with its own seed.
        seed: Root seed; every run's seed derives from it (see :mod:`.seeds`).
        common_random_numbers: Same seeds for replicate r of every design point. Default:
            true for sobol, morris, bisection and calibration designs (which need a
            deterministic response to the factors, else random noise counts as interactions
            or misleads the optimizer), false otherwise.
        keep_series: Also store each run's per-step series (a separate dataset).
        batch_size: Runs per task sent to a worker (default: adapted to the run time).
        run_function: ``"module:function"`` to run instead of the terrisim model (advanced).
        fixed: Overrides applied to every run (dotted paths, like factors).
        factors: The factors, by dotted scenario path.
        design: How the factors are sampled.
        analysis: Defaults for ``terrisim analyze``.
    """

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\- ]+$")
    description: str = ""
    scenario: str | None = None
    steps: int | None = Field(default=None, ge=1, le=10_000_000, strict=True)
    replicates: int = Field(default=1, ge=1, le=100_000, strict=True)
    seed: int = Field(ge=0, le=2**63 - 1, strict=True)
    common_random_numbers: bool | None = None
    keep_series: bool = False
    batch_size: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    run_function: str | None = Field(default=None, pattern=r"^[\w.]+:[\w.]+$")
    fixed: dict[str, Any] = Field(default_factory=dict)
    factors: dict[str, Factor] = Field(default_factory=dict)
    design: Design
    analysis: AnalysisOptions = AnalysisOptions()

    @model_validator(mode="after")
    def _coherent(self) -> Experiment:
        design = self.design
        if self.scenario is None and self.run_function is None:
            raise ValueError("missing field 'scenario' (path of the base scenario file)")
        for name in self.factors:
            _check_path(name, "factors")
        for name in self.fixed:
            _check_path(name, "fixed")
            if name in self.factors:
                raise ValueError(f"'{name}' is both a factor and in [fixed]: keep one")
        if isinstance(design, ListDesign):
            _check_points(design, set(self.factors))
            return self
        if isinstance(design, BisectionDesign):
            _check_path(design.factor, "design.factor")
            if design.factor in self.factors or design.factor in self.fixed:
                raise ValueError(
                    f"design.factor '{design.factor}' is bisected: remove it from [factors]/[fixed]"
                )
        if not self.factors and not isinstance(design, BisectionDesign):
            raise ValueError(f"a {design.method} design needs at least one entry in [factors]")
        for name, factor in self.factors.items():
            if isinstance(design, GridDesign | BisectionDesign) and factor.levels is None:
                raise ValueError(
                    f"factors.'{name}': a {design.method} design needs 'levels = [...]', got a "
                    "range; "
                    "use method = 'lhs', 'sobol' or 'morris' for ranges"
                )
            if isinstance(design, SobolDesign | MorrisDesign | CalibrationDesign) and (
                factor.range is None
            ):
                raise ValueError(
                    f"factors.'{name}': a {design.method} design needs 'range = [low, high]', "
                    "got levels; use method = 'grid' or 'lhs' for discrete levels"
                )
        if isinstance(design, CalibrationDesign):
            _check_calibration(design, self.factors)
        return self

    # ----------------------------------------------------------------------------------------
    @property
    def factor_names(self) -> list[str]:
        """The factors in file order.

        For a list design, the keys of the first point; for a bisection, the grid factors and
        then the bisected one.
        """
        if isinstance(self.design, ListDesign):
            return list(self.design.points[0])
        if isinstance(self.design, BisectionDesign):
            return [*self.factors, self.design.factor]
        return list(self.factors)

    @property
    def crn(self) -> bool:
        """Whether runs use common random numbers (explicit, or the design's default)."""
        if self.common_random_numbers is not None:
            return self.common_random_numbers
        return isinstance(
            self.design, SobolDesign | MorrisDesign | BisectionDesign | CalibrationDesign
        )

    @property
    def run_function_path(self) -> str:
        """The run function actually used (``module:function``)."""
        return self.run_function or DEFAULT_RUN_FUNCTION


def _check_calibration(design: CalibrationDesign, factors: dict[str, Factor]) -> None:
    """A calibration's start lies in the ranges of its factors; Nelder-Mead has no integers."""
    if design.start is not None:
        if set(design.start) != set(factors):
            raise ValueError(
                f"design.start sets {sorted(design.start)}: give one value per factor, "
                f"{sorted(factors)}"
            )
        for name, value in design.start.items():
            low, high = factors[name].range  # type: ignore[misc]
            if not low <= value <= high:
                raise ValueError(
                    f"design.start.'{name}' = {value}: outside the factor's range [{low}, {high}]"
                )
    if design.optimizer == "nelder_mead":
        ints = [name for name, f in factors.items() if f.type == "int"]
        if ints:
            raise ValueError(
                f"factors {ints}: Nelder-Mead needs float factors; use optimizer = "
                "'differential_evolution' for integers"
            )


def _check_points(design: ListDesign, declared: set[str]) -> None:
    """Every point of a list design sets the same factors, the ``[factors]`` declared if any."""
    keys = list(design.points[0])
    for i, point in enumerate(design.points):
        if set(point) != set(keys):
            raise ValueError(
                f"design.points[{i}] sets {sorted(point)} but design.points[0] sets "
                f"{sorted(keys)}: every point must set the same factors"
            )
        for name in point:
            _check_path(name, f"design.points[{i}]")
    if declared and declared != set(keys):
        raise ValueError(f"[factors] declares {sorted(declared)} but the points set {sorted(keys)}")


def _check_path(name: str, where: str) -> None:
    parts = name.split(".")
    if not name or any(not p.strip() for p in parts):
        raise ValueError(f"{where}: '{name}' is not a dotted scenario path like 'exchange.rate'")


def _format_validation_error(source: str, err: ValidationError) -> str:
    lines = []
    tags = {"grid", "list", "lhs", "sobol", "morris", "bisection", "calibration"}
    for e in err.errors(include_url=False):
        loc = [str(p) for p in e["loc"] if not (e["loc"][:1] == ("design",) and p in tags)]
        loc = [p for p in loc if not p.startswith("function-after") and p not in {"tuple"}]
        field = ".".join(f"'{p}'" if "." in p else p for p in loc) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            raw = e["loc"]
            method = str(raw[1]) if len(raw) > 1 and raw[0] == "design" else None
            allowed = _allowed_keys(loc, method)
            msg = "unknown field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
            lines.append(f"{source}: {field}: {msg}")
            continue
        if e["type"] == "missing":
            lines.append(f"{source}: {field}: missing (required)")
            continue
        if e["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            bad = e["input"].get("method") if isinstance(e.get("input"), dict) else None
            shown = "" if bad is None else f" = {bad!r}"
            lines.append(
                f"{source}: {field}.method{shown}: unknown or missing design method; "
                "allowed: grid, list, lhs, sobol, morris, bisection, calibration"
            )
            continue
        value = e.get("input")
        shown = "" if isinstance(value, dict) or value is None else f" = {value!r}"
        lines.append(f"{source}: {field}{shown}: {msg}")
    return "\n".join(lines)


def _allowed_keys(loc: list[str], method: str | None = None) -> list[str]:
    models: dict[str, type[BaseModel]] = {
        "design": GridDesign,
        "analysis": AnalysisOptions,
    }
    if not loc[:-1]:
        return list(Experiment.model_fields)
    if loc[0] == "factors" and len(loc) == 3:
        return list(Factor.model_fields)
    if loc[0] == "design":
        designs = {
            "grid": GridDesign,
            "list": ListDesign,
            "lhs": LHSDesign,
            "sobol": SobolDesign,
            "morris": MorrisDesign,
            "bisection": BisectionDesign,
            "calibration": CalibrationDesign,
        }
        return list(designs[method].model_fields) if method in designs else ["method"]
    model = models.get(loc[0])
    return list(model.model_fields) if model else []


def parse_experiment(data: dict[str, Any], source: str = "<experiment>") -> Experiment:
    """Validate an experiment given as a dictionary (as read from TOML).

    Args:
        data: The experiment's fields.
        source: Name used in error messages (usually the file name).

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: One line per problem: file, field, bad value, what is allowed.
    """
    try:
        return Experiment.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(_format_validation_error(source, err)) from None


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file (TOML).

    Args:
        path: The experiment file.

    Returns:
        The validated experiment (its ``scenario`` is still relative to the file: use
        :func:`scenario_path`).

    Raises:
        ExperimentError: The file is missing, is not valid TOML, or has invalid fields.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExperimentError(f"{path}: no such experiment file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ExperimentError(f"{path}: cannot read the file ({err})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(f"{path}: invalid TOML: {err}") from None
    return parse_experiment(data, str(path))


def scenario_path(experiment: Experiment, experiment_file: str | Path | None) -> Path | None:
    """The base scenario file, resolved relative to the experiment file.

    Args:
        experiment: The validated experiment.
        experiment_file: Where the experiment was read from (None: relative to the cwd).

    Returns:
        The absolute path of the scenario file, or None if the experiment names none.
    """
    if experiment.scenario is None:
        return None
    p = Path(experiment.scenario).expanduser()
    if not p.is_absolute() and experiment_file is not None:
        p = Path(experiment_file).resolve().parent / p
    return p.resolve()


def experiment_hash(experiment: Experiment, scenario_digest: str = "") -> str:
    """Fingerprint of what a sweep computes: the experiment's fields and the base scenario.

    Comments, formatting and the scenario's file location do not count; the scenario's content
    does (through ``scenario_digest``). Two sweeps with the same hash produce the same runs.

    Args:
        experiment: The validated experiment.
        scenario_digest: A digest of the loaded base scenario.

    Returns:
        A 16-hex-digit fingerprint.
    """
    fields = experiment.model_dump(mode="json", exclude={"scenario", "description", "analysis"})
    fields["batch_size"] = None  # how runs are grouped does not change the results
    blob = json.dumps({"experiment": fields, "scenario": scenario_digest}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
