"""The ``terrisim`` command: run, validate and describe scenarios (more commands plug in here).

Every command turns bad input (:class:`~terrisim.scenario.ScenarioError`) into a one-line
message per problem on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from terrisim.errors import ScenarioError
from terrisim.experiments.cli import register as register_experiment_commands

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Agent-based simulation of cooperation between urban and rural territories.",
)

MAX_PORT = 65535
RECORDS = "territories.parquet"
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.toml"
#: The same file shipped inside the package, for installs without the repository's configs/.
PACKAGED_DEMO = Path(__file__).resolve().parent / "data" / "demo.toml"


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: print ScenarioError (and other input errors) plainly and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def demo_path() -> Path | None:
    """The demo scenario: ``configs/demo.toml`` in a checkout, else the package's copy.

    None (the schema's defaults, without the demo's drought) only if neither exists.
    """
    for path in (DEMO, PACKAGED_DEMO):
        if path.exists():
            return path
    return None


ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario TOML file (default: the demo, configs/demo.toml).", show_default=False
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a field, dotted.path=value (TOML value), e.g. exchange.money=true "
        "or rules.trust.name=my_rules:MyTrust; repeat for several.",
    ),
]


def load_with_settings(scenario: Path | None, settings: list[str] | None) -> Any:
    """The scenario file (default: the demo) with the ``--set`` options applied.

    Raises:
        ScenarioError: an invalid file, or a bad ``--set`` (it names the option).
    """
    from terrisim.scenario.loading import apply_settings, load_scenario

    return apply_settings(
        load_scenario(scenario if scenario is not None else demo_path()), settings or []
    )


#: Where ``terrisim run`` writes without ``--out``: the latest run, replaced by each run.
LATEST = Path("runs/latest")


@app.command()
@friendly_errors
def run(
    scenario: ScenarioArg = None,
    *,
    steps: Annotated[int | None, typer.Option(help="Steps to run (default: scenario's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: scenario's).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder, absent or empty, or an earlier run's with --overwrite "
            f"(default: {LATEST}, replaced by every run).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace the earlier run in --out, once the new one is complete."
        ),
    ] = False,
    figure: Annotated[bool, typer.Option(help="Write summary.png.")] = True,
    set_: SetOption = None,
) -> None:
    """Run a scenario and write series, territories, summary, manifest and a figure.

    The files are written into a hidden folder beside --out and put in place together once
    the run is complete: an interrupted or failed run leaves --out as it was.
    """
    config = load_with_settings(scenario, set_)
    if steps is not None and steps < 1:
        raise ScenarioError(f"--steps: must be >= 1 (got {steps})")
    if steps is None and sets_steps(set_):
        steps = config.steps  # --set steps=N asks for a run length, as --steps N does
    check_steps(config, steps)
    if seed is not None and seed < 0:
        raise ScenarioError(f"--seed: must be >= 0 (got {seed})")
    target = LATEST if out is None else out
    result, written = write_run_folder(
        config, target, overwrite=overwrite or out is None, steps=steps, seed=seed, figure=figure
    )
    print_summary(result.summary)
    typer.echo(f"wrote {len(written)} files to {target}/: " + ", ".join(p.name for p in written))


def sets_steps(settings: list[str] | None) -> bool:
    """Whether the ``--set`` options give ``steps`` (a run length asked for on the command line).

    A shorter run asked for with ``--set steps=N``, as with ``--steps N``, leaves a later
    scheduled shock out on purpose (:func:`terrisim.output.check_run_length`).
    """
    return any(item.partition("=")[0].strip() == "steps" for item in settings or [])


def check_steps(config: Any, steps: int | None) -> None:
    """``--steps`` at most 100,000; without it, no shock after the scenario's last step.

    See :func:`terrisim.output.check_run_length`.

    Raises:
        ScenarioError: naming ``--steps`` or the shock's field, the value and what is allowed.
    """
    from terrisim.output import check_run_length

    check_run_length(config, steps, what="--steps")


def write_run_folder(
    config: Any, out: Path, *, overwrite: bool, steps: int | None, seed: int | None, figure: bool
) -> tuple[Any, list[Path]]:
    """Run ``config`` into a fresh folder and put it in place of ``out`` once complete.

    Returns:
        The run's result and the files written (their names; they are now in ``out``).

    Raises:
        ScenarioError: ``out`` may not be written (:func:`terrisim.run_folder.check_out`; a
            file, a foreign folder, an earlier run without ``overwrite``, a place where no
            folder can be made): exit 2.
        typer.Exit: A file of the run could not be written (a full disk...): one line naming
            it and the errno, status 1; interrupted (Ctrl-C, SIGTERM): status 130. In both
            cases ``out`` is unchanged.
    """
    from terrisim.files import os_error_text
    from terrisim.output import run_scenario, write_run
    from terrisim.run_folder import RunFolder, check_out, clean_leftovers
    from terrisim.signals import sigterm_as_interrupt

    folder = RunFolder(out)
    unchanged = f"{out} is unchanged"
    try:
        for note in clean_leftovers(out):
            typer.echo(f"note: {note}", err=True)
        if check_out(out, overwrite=overwrite):
            unchanged = f"the earlier run in {out} is unchanged"
        with sigterm_as_interrupt(), folder:
            # per-territory records go to their file step by step, not held in memory
            result = run_scenario(
                config, steps=steps, seed=seed, territories_file=folder.partial / RECORDS
            )
            used_seed = config.seed if seed is None else seed
            written = write_run(result, folder.partial, config, used_seed, figure=figure)
            folder.commit()
    except OSError as exc:
        what = os_error_text(exc, out).replace(str(folder.partial), str(out))
        if not folder.started:  # no folder could be made there: a bad --out
            raise ScenarioError(f"--out: cannot write {what}; choose another --out") from None
        typer.echo(f"error: cannot write {what}; the run was not kept, {unchanged}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        said = (
            f"{out} holds the finished run"
            if folder.committed
            else f"the run was not kept, {unchanged}"
        )
        typer.echo(f"interrupted: {said}", err=True)
        raise typer.Exit(130) from None
    return result, [out / p.name for p in written]


def print_summary(summary: dict[str, Any]) -> None:
    """Print the main run-level indicators as a small table."""
    rows = [
        ("scenario", summary["scenario"]),
        ("territories / links", f"{summary['territories']} / {summary['links']}"),
        ("steps, seed", f"{summary['steps']}, {summary['seed']}"),
        (
            "satisfaction (final, mean)",
            f"{summary['satisfaction_final']:.3f}, {summary['satisfaction_mean']:.3f}",
        ),
        (
            "urban / rural satisfaction",
            (
                f"{_fmt(summary['satisfaction_class_urban_final'])} / "
                f"{_fmt(summary['satisfaction_class_rural_final'])}"
            ),
        ),
        ("Gini of satisfaction", _fmt(summary["gini"])),
        ("deals per step", _fmt(summary["deals_mean"], ".1f")),
        ("reciprocity balance", _fmt(summary["reciprocity_balance_mean"])),
        ("trust urban-rural (final)", _fmt(summary["trust_urban_rural_final"])),
        ("shocks", str(summary["shock_count"])),
    ]
    if summary["shock_count"]:
        recovery = summary["shock_recovery_time"]
        rows.append(("first shock: resistance", _fmt(summary["shock_resistance"])))
        rows.append(
            ("first shock: recovery", "not recovered" if recovery is None else f"{recovery} steps")
        )
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        typer.echo(f"  {label:<{width}}  {value}")


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


@app.command()
@friendly_errors
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    *,
    set_: SetOption = None,
) -> None:
    """Check a scenario file (and its CSV files and rules) without running it."""
    from terrisim.model import TerriModel

    config = load_with_settings(scenario, set_)
    check_steps(config, config.steps if sets_steps(set_) else None)
    model = TerriModel(config, record_territories=False)
    typer.echo(
        f"{scenario}: valid ({model.state.n} territories, {model.state.n_links} links, "
        f"{len(model.state.goods)} goods, {len(model.institutions)} institutions, "
        f"{len(config.shocks)} shocks)"
    )


@app.command()
@friendly_errors
def describe(scenario: ScenarioArg = None, *, set_: SetOption = None) -> None:
    """Print the step schedule and the active rules with their parameters."""
    from terrisim.describe import describe_model
    from terrisim.model import TerriModel

    config = load_with_settings(scenario, set_)
    typer.echo(describe_model(TerriModel(config, record_territories=False)))


@app.command()
@friendly_errors
def ui(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; 0.0.0.0 opens the page to the room's network."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port, 0 to 65535 (0 picks a free one).")] = 8765,
    configs: Annotated[
        Path | None, typer.Option(help="Folder of scenario files offered (default: ./configs).")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the games' and runs' database (default: the user's data folder, "
            "e.g. ~/.local/share/terrisim; see docs/ui.md).",
            show_default=False,
        ),
    ] = None,
    memory_mb: Annotated[
        float, typer.Option(min=50, help="Memory budget of the games and runs held in memory.")
    ] = 1000.0,
    keep_days: Annotated[
        float, typer.Option(min=0, help="Days a finished game or run is kept after its last use.")
    ] = 30.0,
    timeout: Annotated[
        float,
        typer.Option(
            min=1,
            max=3600,
            help="Seconds a connection may stay silent, or a request take to arrive, "
            "before the server closes it.",
        ),
    ] = 30.0,
) -> None:
    """Serve the trainers' web page and the baskets game (offline; French, English)."""
    from terrisim.game.web import game_routes
    from terrisim.ui import serve

    if not 0 <= port <= MAX_PORT:
        raise ScenarioError(
            f"--port {port}: a TCP port from 0 to {MAX_PORT} is expected (0 picks a free one)"
        )
    if configs is not None and not configs.is_dir():
        what = "is not a folder" if configs.exists() else "no such folder"
        raise ScenarioError(f"--configs {configs}: {what} (a folder of scenario TOML files)")
    try:
        serve(
            host,
            port,
            configs_dir=configs,
            routers=[lambda store: game_routes(store, configs_dir=configs)],
            data_dir=data,
            memory_mb=memory_mb,
            keep_days=keep_days,
            timeout=timeout,
        )
    except OSError as exc:
        typer.echo(f"error: cannot listen on {host}:{port} ({exc.strerror or exc})", err=True)
        raise typer.Exit(2) from None


@app.command("check-rule")
@friendly_errors
def check_rule(
    rule: Annotated[
        str,
        typer.Argument(
            help="The rule as module:Class (its folder on PYTHONPATH), or a registered name.",
            show_default=False,
        ),
    ],
    *,
    examples: Annotated[
        int, typer.Option(min=1, help="Random scenarios drawn per invariant.")
    ] = 50,
    steps: Annotated[
        int, typer.Option(min=1, help="Steps of each random scenario (a bug may appear late).")
    ] = 60,
    param: Annotated[
        list[str] | None,
        typer.Option(help="A parameter of the rule, key=value (repeat for several)."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Check only this scenario file (e.g. a failing one a report printed); it names "
            "the rule and its parameters."
        ),
    ] = None,
    set_: SetOption = None,
) -> None:
    """Check a rule against the model's invariants on random small scenarios (hypothesis).

    Also on your own scenario files next to the rule's module that name it. The report says
    in how many scenarios the rule acted, which lines of its file never ran, and what was
    not checked.

    Exit status: 0 when every invariant holds, 1 when one breaks, 2 for bad input.
    """
    from terrisim.checking import check_rule as run_check
    from terrisim.checking import check_scenario, parse_params

    if scenario is not None:
        if param:
            raise ScenarioError(
                "--param: not with --scenario (the scenario file gives the rule's parameters; "
                "--set rules.<role>.<parameter>=... changes one)"
            )
        report = check_scenario(rule, scenario, settings=set_ or [])
    else:
        if set_:
            raise ScenarioError(
                "--set: only with --scenario (the random scenarios are drawn; --param sets "
                "the rule's parameters)"
            )
        report = run_check(rule, examples=examples, params=parse_params(param or []), steps=steps)
    typer.echo(report.text())
    raise typer.Exit(report.exit_code)


register_experiment_commands(app, friendly_errors)  # terrisim sweep, terrisim analyze


def main() -> None:
    """Entry point of the ``terrisim`` command."""
    from terrisim.usage import run_command

    try:
        code = run_command(typer.main.get_command(app))
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code)
