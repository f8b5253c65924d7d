"""The ``terrisim sweep``, ``calibrate``, ``analyze`` and ``explore`` commands (on the main app)."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from terrisim.errors import ScenarioError


class EngineName(enum.StrEnum):
    """Where runs execute."""

    local = "local"
    dask = "dask"
    serial = "serial"


def _sweep_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a failed or interrupted sweep plainly (no traceback); exit 1 or 130.

    Bad input (ScenarioError) is left to the main app's ``friendly_errors`` (see
    :func:`register`).
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from terrisim.experiments.runner import SweepError, SweepInterrupted

        try:
            return command(*args, **kwargs)
        except SweepError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except SweepInterrupted as exc:
            r = exc.report
            typer.echo(
                f"interrupted: {r.done} of {r.total} runs are stored in {r.directory}; "
                "run the same command again to resume",
                err=True,
            )
            raise typer.Exit(130) from None

    return wrapper


_ADDRESS = re.compile(r"^([a-z]+://)?[\w.\-\[\]:]+:\d+$")


@_sweep_errors
def sweep(  # noqa: PLR0913 (typer reads the options from the signature)
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).", show_default=False)],
    *,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sweep directory (default: sweeps/<experiment name>)."),
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option(help="local: process pool; dask: Dask distributed; serial: this process."),
    ] = EngineName.local,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes (local pool or local Dask cluster) (default: the cores)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Attach to a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --engine dask).",
            envvar="TERRISIM_DASK_SCHEDULER",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Skip runs already in the sweep directory, or delete them and start over.",
        ),
    ] = True,
    allow_code_change: Annotated[
        bool,
        typer.Option(
            "--allow-code-change",
            help="Resume even though terrisim or a user module changed since the sweep began "
            "(recorded in experiment.json and sweep.log).",
        ),
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Run the failed runs again, in place (same experiment identity as a resume).",
        ),
    ] = False,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Runs per task (default: adapted to the run time).")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--quiet", help="Show progress on stderr.")
    ] = True,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact/--no-compact",
            help="Merge the part files into one each for runs and series once every run is "
            "on disk; --no-compact keeps one part per batch (for readers that poll the raw "
            "files while the sweep ends).",
        ),
    ] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a field of the base scenario in every run, dotted.path=value (TOML "
            "value), e.g. exchange.money=true; added to the experiment's [fixed]; repeat for "
            "several.",
        ),
    ] = None,
) -> None:
    """Run a batch experiment (parameter sweep or sensitivity analysis) into a Parquet dataset.

    The sweep is crash-safe: kill it at any moment and run the same command again to resume.
    Read the results with terrisim.load_results(DIR) or 'terrisim analyze DIR'.
    """
    from terrisim.experiments.runner import prepare_sweep, run_sweep

    if scheduler is not None and not _ADDRESS.match(scheduler):
        raise ScenarioError(
            f"--scheduler {scheduler!r}: not a scheduler address; expected tcp://HOST:PORT"
        )
    if scheduler is not None and workers is not None:
        typer.echo(
            "note: --workers is ignored with --scheduler (the cluster has its own)", err=True
        )
    report = run_sweep(
        prepare_sweep(with_settings(experiment, set_), source=str(experiment))
        if set_
        else experiment,
        out,
        engine=engine.value,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        allow_code_change=allow_code_change,
        retry_failed=retry_failed,
        batch_size=batch_size,
        progress=progress,
        compact=compact,
    )
    total = report.ok + report.failed
    if total == 0:
        typer.echo(f"sweep '{report.name}': all {report.total} runs already in {report.directory}")
    else:
        resumed = f" (resumed: {report.skipped} were already done)" if report.skipped else ""
        typer.echo(
            f"sweep '{report.name}': {total} runs in {report.elapsed_s:.1f} s "
            f"({report.runs_per_second:.2f} runs/s, {report.engine}), {report.failed} failed"
            f"{resumed}; {report.done}/{report.total} runs in {report.directory}"
        )
    if report.calibration is not None:
        typer.echo(report.calibration.text())
        typer.echo(f"result and trace: {report.directory / 'calibration'}")
    typer.echo(f"next: terrisim analyze {report.directory}")
    if report.failed:
        typer.echo(
            f"error: {report.failed} of {total} runs failed (first: {report.first_error}); "
            f"their errors are in the 'error' column and the tracebacks in "
            f"{report.directory / 'sweep.log'}",
            err=True,
        )
        raise typer.Exit(1)


@functools.wraps(sweep)
def calibrate(experiment: Path, **options: Any) -> None:
    """The ``terrisim calibrate`` command: ``terrisim sweep`` on a calibration design only."""
    from terrisim.experiments.spec import ExperimentError, load_experiment

    method = load_experiment(experiment).design.method
    if method != "calibration":
        raise ExperimentError(
            f"{experiment}: design.method = {method!r}: terrisim calibrate needs "
            "method = 'calibration' (use terrisim sweep for other designs)"
        )
    sweep(experiment, **options)


CALIBRATE_HELP = """Fit the factors of an experiment to observed targets (method = "calibration").

Each candidate of the optimizer (scipy's differential evolution or Nelder-Mead) runs on the
same seeds, on the sweep's engines and store (resumable). Writes DIR/calibration/result.json
and the trace of every candidate (trace.csv, trace.parquet).
"""


def with_settings(path: Path, settings: list[str]) -> Any:
    """The experiment of ``path`` with the ``--set`` options added to its ``[fixed]``.

    Each option is checked on the base scenario first, so that a bad one is one line naming
    it (an unknown field lists the allowed ones). A different ``[fixed]`` is a different
    sweep: its results go to a sweep directory of their own (``--out``).

    Raises:
        ScenarioError: a bad option, or an experiment without a base scenario.
    """
    from terrisim.experiments.spec import load_experiment, scenario_path
    from terrisim.scenario.loading import apply_settings, load_scenario, parse_settings

    experiment = load_experiment(path)
    base = scenario_path(experiment, path)
    if base is None:
        raise ScenarioError(f"--set: {path} names no base scenario (scenario = ...) to override")
    apply_settings(load_scenario(base), settings)
    fixed = {**experiment.fixed, **parse_settings(settings)}
    return experiment.model_copy(update={"fixed": fixed})


def analyze(
    directory: Annotated[Path, typer.Argument(help="Sweep directory.", show_default=False)],
    *,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", "-y", help="Outcome to analyse (repeat for several)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: DIR/analysis).")
    ] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Draw PNG figures.")] = True,
    series: Annotated[
        list[str] | None,
        typer.Option(
            "--series",
            "-s",
            help="Per-step series drawn over time per level (keep_series sweeps; repeatable).",
        ),
    ] = None,
) -> None:
    """Summarise a sweep: means and CIs per level, effects, indices, recovery, envelopes."""
    from terrisim.experiments.analysis import analyze as run_analysis

    report = run_analysis(
        directory, outcomes=outcome or None, out=out, plots=plots, series=series or None
    )
    typer.echo(report.text())


def explore(
    directory: Annotated[Path, typer.Argument(help="Sweep directory.", show_default=False)],
    *,
    where: Annotated[
        str,
        typer.Option(
            "--where",
            "-w",
            help="The outcome of interest, a condition on the results' columns (pandas), e.g. "
            "'shocks_never_recovered > 0'; dotted names between backticks.",
            show_default=False,
        ),
    ],
    density: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Least density of a PRIM box.")
    ] = 0.8,
    boxes: Annotated[int, typer.Option(min=1, help="Most PRIM boxes sought.")] = 3,
    mass_min: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Least mass of a PRIM box or CART leaf.")
    ] = 0.05,
    max_qp: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Drop PRIM restrictions of larger quasi-p value."),
    ] = 0.05,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the tables (default: DIR/analysis)."),
    ] = None,
) -> None:
    """Scenario discovery: which factor values lead to an outcome (PRIM, CART, feature scores).

    Needs the explore extra (the EMA workbench): pip install 'terrisim[explore]'.
    """
    from terrisim.experiments.exploration import explore as discover

    found = discover(
        directory, where, density=density, max_boxes=boxes, mass_min=mass_min, max_qp=max_qp
    )
    typer.echo(found.text())
    target = out if out is not None else directory / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    for name, table in found.tables().items():
        table.to_csv(target / f"explore_{name}.csv", index=False)
    typer.echo(
        f"wrote explore_prim_boxes.csv, explore_cart_leaves.csv, explore_feature_scores.csv to {target}"
    )


def register(
    app: typer.Typer, friendly_errors: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Add the ``sweep``, ``calibrate``, ``analyze`` and ``explore`` commands to the ``terrisim`` app.

    Args:
        app: The main typer application.
        friendly_errors: The app's decorator printing bad input (ScenarioError) plainly.
    """
    app.command("sweep")(friendly_errors(sweep))
    app.command("calibrate", help=CALIBRATE_HELP)(friendly_errors(calibrate))
    app.command("analyze")(friendly_errors(analyze))
    app.command("explore")(friendly_errors(explore))
