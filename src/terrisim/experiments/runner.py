"""Running a sweep: expand the design into runs, send them in batches, store what comes back.

The driver keeps a bounded number of batches in flight (two per worker), so a sweep of any size
uses little memory and a crash loses at most those batches. Batch size adapts to the run time
(about ``target_batch_seconds`` of work per batch, smaller near the end so the workers finish
together) unless the experiment or the caller fixes it.

A run that raises is recorded as failed (with its error) and the sweep goes on. A batch whose
worker died is split into single runs and retried (twice); a run that keeps killing its worker
is recorded as failed. Any other error of the machinery (the run function cannot be imported on
the workers, for instance) stops the sweep with a clear message: what is stored stays valid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import logging
import pickle
import re
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import terrisim
from terrisim.experiments.bisection import max_points, plan, shares_from_results
from terrisim.experiments.designs import count_points, design_points
from terrisim.experiments.engines import (
    Batch,
    Engine,
    WorkerLost,
    WorkersUnavailable,
    make_engine,
)
from terrisim.experiments.progress import Progress
from terrisim.experiments.provenance import code_identity, versions
from terrisim.experiments.seeds import run_id, run_seed
from terrisim.experiments.spec import (
    BisectionDesign,
    CalibrationDesign,
    Experiment,
    ExperimentError,
    ListDesign,
    experiment_hash,
    load_experiment,
    scenario_path,
)
from terrisim.experiments.store import LOG, ResultStore
from terrisim.experiments.worker import RunTask, SweepContext
from terrisim.files import os_error_text
from terrisim.signals import sigterm_as_interrupt

log = logging.getLogger("terrisim.sweep")

#: Times a run whose worker died is retried (alone) before it is recorded as failed.
MAX_RETRIES = 2


class SweepError(RuntimeError):
    """The sweep cannot go on (not a run's fault): the message says why; results stay valid."""


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was interrupted (Ctrl-C, SIGTERM); rerun the same command to resume.

    Attributes:
        report: What was done before the interruption.
    """

    def __init__(self, report: SweepReport) -> None:
        super().__init__(f"interrupted after {report.done} of {report.total} runs")
        self.report = report


@dataclass
class SweepReport:
    """What a sweep did.

    Attributes:
        directory: The sweep directory.
        name: The experiment's name.
        total: Runs in the experiment.
        skipped: Runs already on disk when this session started (resumed).
        ok: Runs that succeeded in this session.
        failed: Runs that failed in this session.
        elapsed_s: Wall time of this session (after set-up).
        setup_s: Time to load, validate and start the engine.
        engine: Engine description.
        first_error: The error of the first run that failed in this session (None if none).
        calibration: What a calibration design found (a
            :class:`terrisim.experiments.calibration.CalibrationResult`), else None.
    """

    directory: Path
    name: str
    total: int
    skipped: int
    ok: int
    failed: int
    elapsed_s: float
    setup_s: float
    engine: str
    first_error: str | None = None
    calibration: Any = None

    @property
    def done(self) -> int:
        """Runs on disk now."""
        return self.skipped + self.ok + self.failed

    @property
    def runs_per_second(self) -> float:
        """Throughput of this session."""
        n = self.ok + self.failed
        return n / self.elapsed_s if self.elapsed_s > 0 else float("nan")

    @property
    def complete(self) -> bool:
        """Whether every run of the experiment is on disk."""
        return self.done >= self.total


@dataclass
class PreparedSweep:
    """An experiment ready to run: validated, with its design, context and metadata.

    Attributes:
        experiment: The validated experiment.
        source: The experiment file (or a label).
        points: The design points.
        context: What every run shares.
        meta: Content of ``experiment.json``.
    """

    experiment: Experiment
    source: str
    points: list[dict[str, Any]]
    context: SweepContext
    meta: dict[str, Any]

    @property
    def total(self) -> int:
        """Runs in the experiment (for a bisection or a calibration: the most it can take)."""
        if isinstance(self.experiment.design, BisectionDesign):
            return max_points(self.experiment) * self.experiment.replicates
        if isinstance(self.experiment.design, CalibrationDesign):
            return count_points(self.experiment) * self.experiment.replicates
        return len(self.points) * self.experiment.replicates

    def columns(self, point: int) -> dict[str, Any]:
        """What the results store for a design point.

        Factor labels (or values), and the point's label for a labelled list design.
        """
        e = self.experiment
        factors = self.points[point]
        design = e.design
        if isinstance(design, ListDesign):
            label = {"label": design.labels[point]} if design.labels else {}
            return {**label, **factors}
        return {
            name: e.factors[name].label(value) if name in e.factors else value
            for name, value in factors.items()
        }

    def tasks(
        self, points: list[int] | None = None, skip: Collection[str] = ()
    ) -> Iterator[RunTask]:
        """Every run, replicate by replicate (so a partial sweep covers the whole design).

        Tasks are made as they are consumed (the driver submits them as the sweep goes), so a
        sweep of any size keeps only the batches in flight in memory.

        Args:
            points: Only these design points (default: all).
            skip: Run ids to leave out (those already done).
        """
        e = self.experiment
        crn = e.crn
        chosen = range(len(self.points)) if points is None else points
        for rep in range(e.replicates):
            for point in chosen:
                rid = run_id(point, rep)
                if rid in skip:
                    continue
                yield RunTask(
                    run_id=rid,
                    point=point,
                    replicate=rep,
                    seed=run_seed(e.seed, point, rep, common_random_numbers=crn),
                    factors=self.points[point],
                    columns=self.columns(point),
                )

    def count(self, points: list[int] | None = None, skip: Collection[str] = ()) -> int:
        """How many tasks :meth:`tasks` yields with the same arguments (without making them)."""
        chosen = range(len(self.points)) if points is None else points
        n = len(chosen) * self.experiment.replicates
        if not skip:
            return n
        reps = range(self.experiment.replicates)
        return n - sum(run_id(point, rep) in skip for rep in reps for point in chosen)


def _hint(base: Any, dotted: str) -> str:
    """Suggest the right key when a dotted path's last key is unknown to the base scenario."""
    import difflib

    node: Any = base.model_dump(mode="json") if hasattr(base, "model_dump") else None
    *parents, last = dotted.split(".")
    for part in parents:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ""
    if not isinstance(node, dict) or last in node:
        return ""
    close = difflib.get_close_matches(last, list(node), n=1)
    where = ".".join(parents) or "the top level"
    return (f"; did you mean {close[0]!r}?" if close else "") + (
        f" (keys of {where}: {', '.join(sorted(node))})"
    )


def _apply(base: Any, overrides: Mapping[str, Any], source: str, where: str) -> Any:
    from terrisim.scenario import ScenarioError, apply_overrides

    try:
        return apply_overrides(base, dict(overrides))
    except ScenarioError as err:
        hints = "".join(_hint(base, path) for path in overrides)
        raise ExperimentError(f"{source}: {where}: {err}{hints}") from None


def _build(scenario: Any, source: str, where: str) -> None:
    """Set a model up on ``scenario`` as a run would: rule names and parameters, shock kinds.

    The scenario loader's schema checks only the shape of a rule or shock table; the rule and
    kind are resolved (and their parameters checked) when the model is set up, as
    ``terrisim validate`` does. The message names the experiment file and the factor, not the
    base scenario's file and line (the bad value is not there).
    """
    from terrisim.model import TerriModel
    from terrisim.scenario import ScenarioError

    try:
        TerriModel(scenario, record_territories=False)
    except ScenarioError as err:
        msg = re.sub(rf"^{re.escape(str(scenario._source))}(:\d+)?: ", "", str(err))
        raise ExperimentError(f"{source}: {where}: {msg}") from None


def _check_values(experiment: Experiment, base: Any, source: str) -> None:
    """Try every factor value on the base scenario, so a typo fails before the sweep starts.

    Each distinct value is applied to the base scenario (unknown paths, bad types) and a model
    is set up on the result (rule names and parameters, shock kinds; see :func:`_build`).
    """
    if isinstance(experiment.design, ListDesign):
        for i, point in enumerate(experiment.design.points):
            where = f"design.points[{i}]"
            _build(_apply(base, point, source, where), source, where)
        return
    for name, factor in experiment.factors.items():
        if factor.levels is not None:
            values: list[Any] = list(factor.levels)
        else:
            low, high = factor.range  # type: ignore[misc]
            values = [low, high] if factor.type == "float" else [int(low), int(high)]
        seen: list[Any] = []
        for value in values:
            if value in seen:
                continue
            seen.append(value)
            where = f"factors.'{name}' = {value!r}"
            _build(_apply(base, {name: value}, source, where), source, where)
    design = experiment.design
    if isinstance(design, BisectionDesign):
        for value in (design.low, design.high):
            where = f"design.factor = {design.factor!r}"
            _build(_apply(base, {design.factor: value}, source, where), source, where)


def _digest(obj: Any, path: Path | None) -> str:
    dump = getattr(obj, "model_dump_json", None)
    data = dump().encode() if callable(dump) else (path.read_bytes() if path else b"")
    return hashlib.sha256(data).hexdigest()[:16]


def _function_name(run_fn: str | Callable[..., Any]) -> str:
    if isinstance(run_fn, str):
        return run_fn
    return f"{run_fn.__module__}:{run_fn.__qualname__}"


def prepare_sweep(
    experiment: str | Path | Experiment,
    *,
    run_fn: str | Callable[..., Any] | None = None,
    source: str | None = None,
) -> PreparedSweep:
    """Load and check an experiment, load its base scenario, expand its design.

    Args:
        experiment: An experiment file, or an already validated :class:`Experiment` (its
            scenario path is then relative to the working directory, or to ``source``).
        run_fn: Run function overriding the experiment's (a picklable callable, or
            ``"module:function"``). It is called as ``run_fn(task, context)``.
        source: Where the experiment came from (for messages and relative paths).

    Returns:
        The prepared sweep.

    Raises:
        ExperimentError: The experiment, its scenario or a factor value is invalid.
    """
    if isinstance(experiment, Experiment):
        exp, file = experiment, Path(source) if source else None
    else:
        file = Path(experiment)
        exp = load_experiment(file)
    label = str(file) if file else (source or "<experiment>")
    fn = run_fn if run_fn is not None else exp.run_function_path
    base: Any = None
    spath = scenario_path(exp, file)
    fixed: dict[str, Any] = dict(exp.fixed)
    if spath is not None:
        if not spath.is_file():
            raise ExperimentError(
                f"{label}: scenario = {exp.scenario!r}: no such file ({spath}); the path is "
                "relative to the experiment file"
            )
        from terrisim import load_scenario

        base = load_scenario(spath)
        if fixed:
            base = _apply(base, fixed, label, "[fixed]")
            _build(base, label, f"[fixed] {fixed!r}")
            fixed = {}
        _check_values(exp, base, label)
    context = SweepContext(
        base=base, steps=exp.steps, keep_series=exp.keep_series, run_fn=fn, fixed=fixed
    )
    adaptive = isinstance(exp.design, BisectionDesign | CalibrationDesign)
    points = [] if adaptive else design_points(exp)
    fn_name = _function_name(fn)
    hashed = exp.model_copy(update={"run_function": fn_name})
    meta = {
        "format": 1,
        "name": exp.name,
        "description": exp.description,
        "hash": experiment_hash(hashed, _digest(base, spath)),
        "experiment_file": str(file.resolve()) if file else None,
        "scenario_file": str(spath) if spath else None,
        "factors": exp.factor_names,
        "design": exp.design.method,
        "n_points": count_points(exp),
        "replicates": exp.replicates,
        "n_runs": count_points(exp) * exp.replicates,
        "run_function": fn_name,
        "experiment": exp.model_dump(mode="json"),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "terrisim_version": terrisim.__version__,
        "versions": versions(),
        "code": code_identity(
            [fn_name, base.model_dump(mode="json") if base is not None else None, exp.fixed]
            + [f.levels for f in exp.factors.values()]
            + [exp.design.model_dump(mode="json")]
        ),
    }
    return PreparedSweep(exp, label, points, context, meta)


class BatchSizer:
    """Chooses how many runs go in the next batch.

    Starts with single runs, then aims at ``target`` seconds of work per batch (from a moving
    average of the run time), never more than ``max_size`` and never so many that fewer than two
    batches per worker remain (so the workers finish together).

    Args:
        fixed: A fixed batch size (None: adaptive).
        target: Seconds of work per batch.
        max_size: Largest batch.
    """

    def __init__(self, fixed: int | None = None, target: float = 2.0, max_size: int = 200) -> None:
        self.fixed = fixed
        self.target = target
        self.max_size = max_size
        self.mean: float | None = None

    def observe(self, durations: list[float]) -> None:
        """Update the run-time estimate with a finished batch's run times."""
        for d in durations:
            self.mean = d if self.mean is None else 0.8 * self.mean + 0.2 * d

    def next_size(self, remaining: int, workers: int) -> int:
        """Size of the next batch."""
        if self.fixed:
            return self.fixed
        if self.mean is None:
            return 1
        size = int(self.target / max(self.mean, 1e-4))
        tail = remaining // (2 * max(workers, 1))
        return max(1, min(size, self.max_size, tail))


class _LogFile(logging.FileHandler):
    """The sweep's log file; a line it cannot write (a full disk) is dropped, no traceback.

    The error that stops the sweep then is the result store's, in one line.
    """

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """Drop the record."""


@contextlib.contextmanager
def _log_to(path: Path) -> Iterator[None]:
    handler = _LogFile(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    old = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()
        log.setLevel(old[0])
        log.propagate = old[1]


def run_sweep(  # noqa: PLR0913 (the sweep's options, one keyword each, as on the command line)
    experiment: str | Path | Experiment | PreparedSweep,
    out: str | Path | None = None,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = True,
    allow_code_change: bool = False,
    retry_failed: bool = False,
    batch_size: int | None = None,
    run_fn: str | Callable[..., Any] | None = None,
    progress: bool = True,
    progress_interval: float = 10.0,
    compact: bool = True,
) -> SweepReport:
    """Run (or resume) a sweep and store its results in ``out``.

    Args:
        experiment: An experiment file, a validated experiment, or a prepared sweep.
        out: The sweep directory (default: ``sweeps/<experiment name>``).
        engine: ``"local"`` (process pool), ``"dask"`` or ``"serial"`` (this process).
        workers: Worker processes (local pool or local Dask cluster; default: the cores).
        scheduler: Address of a running Dask scheduler (implies the Dask engine).
        resume: Skip the runs already in ``out`` (True) or start over (False).
        allow_code_change: Resume even if the code changed since the sweep started (the
            change is recorded in ``experiment.json`` and ``sweep.log``).
        retry_failed: Run the failed runs on disk again, in place (with ``resume``): same
            identity required as for a resume (experiment hash; code, unless
            ``allow_code_change``).
        batch_size: Runs per batch (default: the experiment's, else adaptive).
        run_fn: Run function overriding the experiment's (see :func:`prepare_sweep`).
        progress: Show progress on stderr (a bar on a terminal, log lines otherwise).
        progress_interval: Seconds between progress lines when not on a terminal.
        compact: Once every run is on disk, merge the parts into one file each for runs and
            series (see :meth:`.store.ResultStore.compact`); False keeps one part per batch.

    Returns:
        What the sweep did.

    Raises:
        ExperimentError: Invalid experiment, or ``out`` holds another experiment.
        SweepError: The machinery failed (results stored so far stay valid).
        SweepInterrupted: Ctrl-C or SIGTERM (rerun to resume).
    """
    t0 = time.monotonic()
    prep = (
        experiment
        if isinstance(experiment, PreparedSweep)
        else prepare_sweep(experiment, run_fn=run_fn)
    )
    exp = prep.experiment
    directory = Path(out) if out is not None else Path("sweeps") / exp.name.replace(" ", "_")
    with ResultStore(directory) as store:
        done_ids = store.open(
            prep.meta,
            resume=resume,
            allow_code_change=allow_code_change,
            retry_failed=retry_failed,
        )
        with _log_to(directory / LOG), sigterm_as_interrupt():
            if store.code_change:
                log.warning(
                    "code changed (allowed): %s; %d runs done before",
                    store.code_change,
                    len(done_ids),
                )
            if store.retried:
                log.info("retrying %d failed runs (removed from runs/)", store.retried)
            session = _Session(
                prep,
                store,
                len(done_ids),
                engine_name=engine,
                workers=workers,
                scheduler=scheduler,
                batch_size=batch_size or exp.batch_size,
                show=progress,
                interval=progress_interval,
                t0=t0,
            )
            cancel = True
            try:
                if isinstance(exp.design, BisectionDesign):
                    _bisect(prep, store, session, done_ids)
                elif isinstance(exp.design, CalibrationDesign):
                    from terrisim.experiments.calibration import calibrate

                    with _storing(session):
                        session.report.calibration = calibrate(prep, store, session)
                else:
                    with _storing(session):
                        store.write_design(
                            [prep.columns(i) for i in range(len(prep.points))], exp.factor_names
                        )
                    session.execute(prep.tasks(skip=done_ids), prep.count(skip=done_ids))
                cancel = False
            except KeyboardInterrupt:
                log.warning("interrupted: %s", session.bar.line())
                raise SweepInterrupted(session.report) from None  # closed (cancel) below
            finally:
                session.close(cancel=cancel)
            if compact and (session.report.complete or isinstance(exp.design, BisectionDesign)):
                with _storing(session):
                    runs, series = store.compact()
                if runs > 1 or series > 1:
                    log.info("compacted %d runs parts and %d series parts", runs, series)
    return session.report


@contextlib.contextmanager
def _storing(session: _Session) -> Iterator[None]:
    """An OSError writing the results (a full disk...) stops the sweep with one line."""
    try:
        yield
    except OSError as exc:
        directory = session.store.directory
        what = os_error_text(exc, directory)
        log.error("cannot store the results: %s", what)
        raise SweepError(
            f"cannot store the results: {what}; the {session.report.done} runs stored before "
            f"are kept in {directory}: fix the cause and run the same command again to resume"
        ) from None


def _bisect(prep: PreparedSweep, store: ResultStore, session: _Session, done: set[str]) -> None:
    """Run a bisection design round by round (see :mod:`.bisection`)."""
    exp = prep.experiment
    while True:
        assert store.runs is not None
        shares = shares_from_results(store.runs.read(), exp)
        points, pending, searches = plan(exp, shares)
        prep.points = points
        with _storing(session):
            store.write_design([prep.columns(i) for i in range(len(points))], exp.factor_names)
        if not pending:
            break
        open_searches = sum(s.status == "running" for s in searches)
        log.info("bisection round: %d points, %d searches open", len(pending), open_searches)
        session.execute(prep.tasks(pending, skip=done), prep.count(pending, skip=done))
    for s in searches:
        log.info("search %s: %s, threshold %s", s.combo or "(single)", s.status, s.threshold)


class _Session:
    """Runs batches of tasks on one engine (started at the first task) and stores results."""

    def __init__(  # noqa: PLR0913 (run_sweep's options, handed over whole)
        self,
        prep: PreparedSweep,
        store: ResultStore,
        skipped: int,
        *,
        engine_name: str,
        workers: int | None,
        scheduler: str | None,
        batch_size: int | None,
        show: bool,
        interval: float,
        t0: float,
    ) -> None:
        self.prep = prep
        self.store = store
        self.engine_args = (engine_name, workers, scheduler)
        self.eng: Engine | None = None
        self.sizer = BatchSizer(batch_size)
        self.t0 = t0
        self.start = time.monotonic()
        self.number = 0
        self.shown_failures = 0
        self.last_log = self.start
        exp = prep.experiment
        log.info(
            "sweep '%s' (hash %s): %d runs (%d points x %d replicates), %d already done",
            exp.name,
            prep.meta["hash"],
            prep.total,
            prep.total // exp.replicates,
            exp.replicates,
            skipped,
        )
        self.bar = Progress(prep.total, skipped, enabled=show, interval=interval)
        self.report = SweepReport(
            store.directory, exp.name, prep.total, skipped, 0, 0, 0.0, time.monotonic() - t0, ""
        )

    def _engine(self) -> Engine:
        if self.eng is None:
            try:
                blob = pickle.dumps(self.prep.context)
            except (pickle.PicklingError, AttributeError, TypeError) as err:
                raise ExperimentError(
                    f"{self.prep.source}: the run function and the scenario must be picklable "
                    f"(a function defined at module level, not a lambda or a closure): {err}"
                ) from None
            key = hashlib.sha1(blob, usedforsecurity=False).hexdigest()  # a cache key
            name, workers, scheduler = self.engine_args
            self.eng = make_engine(name, key, blob, workers=workers, scheduler=scheduler)
            try:
                self.eng.warm()
            except WorkersUnavailable as err:
                self.eng.close(cancel=True)
                self.eng = None
                raise SweepError(f"{err}. Nothing was run") from None
            self.report.engine = self.eng.describe()
            log.info("engine: %s", self.report.engine)
            self.report.setup_s = time.monotonic() - self.t0
            self.start = time.monotonic()
        return self.eng

    def execute(self, tasks: Iterable[RunTask], count: int) -> None:
        """Run the tasks (in batches, retrying lost ones) and store every outcome.

        Tasks are taken from ``tasks`` only as batches are submitted, and at most
        ``engine.slots()`` batches are in flight: the driver's memory does not grow with the
        size of the sweep.

        Args:
            tasks: The runs to do (an iterator is consumed as the sweep goes).
            count: How many ``tasks`` yields.
        """
        if not count:
            log.info("nothing to do: every run is already in %s", self.store.directory)
            return
        eng = self._engine()
        todo, remaining = iter(tasks), count
        retry: deque[tuple[RunTask, int]] = deque()
        in_flight = 0
        while remaining or retry or in_flight:
            while (remaining or retry) and in_flight < eng.slots():
                if retry:
                    task, attempt = retry.popleft()
                    batch = Batch([task], attempt=attempt, number=self.number)
                else:
                    n = min(self.sizer.next_size(remaining, eng.workers), remaining)
                    batch = Batch(list(itertools.islice(todo, n)), number=self.number)
                    remaining = remaining - n if len(batch.tasks) == n else 0
                    if not batch.tasks:
                        continue
                self.number += 1
                eng.submit(batch)
                in_flight += 1
            for batch, result, err in eng.completed(timeout=0.5):
                in_flight -= 1
                if err is None:
                    self._store(batch, result)
                elif isinstance(err, WorkerLost):
                    self._lost(batch, err, retry)
                else:
                    raise SweepError(
                        f"the workers could not run batch {batch.number}: "
                        f"{type(err).__name__}: {err}. Runs stored so far are kept; fix the "
                        "cause and rerun the same command to resume"
                    )
            self.bar.tick()
            if time.monotonic() - self.last_log > 30:
                self.last_log = time.monotonic()
                log.info("progress: %s", self.bar.line())

    def _store(self, batch: Batch, result: list[tuple[dict[str, Any], Any]]) -> None:
        records = [rec for rec, _ in result]
        frames = [s for _, s in result if s is not None]
        for rec in records:
            tb = rec.pop("_traceback", None)
            if rec["status"] != "ok":
                self.report.first_error = self.report.first_error or rec["error"]
                log.warning("run %s failed: %s\n%s", rec["run_id"], rec["error"], tb)
                if self.shown_failures < 5:
                    self.bar.write(f"run {rec['run_id']} failed: {rec['error']}")
                elif self.shown_failures == 5:
                    self.bar.write(f"(further failures: see {self.store.directory / LOG})")
                self.shown_failures += 1
        with _storing(self):
            self.store.write_batch(records, pd.concat(frames) if frames else None)
        self.sizer.observe([r["duration_s"] for r in records])
        ok = sum(r["status"] == "ok" for r in records)
        self.report.ok += ok
        self.report.failed += len(records) - ok
        self.bar.update(ok, len(records) - ok)
        log.info(
            "batch %d: %d runs (%d failed) in %.2f s",
            batch.number,
            len(records),
            len(records) - ok,
            time.monotonic() - batch.submitted,
        )

    def _lost(self, batch: Batch, err: BaseException, retry: deque[tuple[RunTask, int]]) -> None:
        log.warning("batch %d lost (%s): retrying its runs one by one", batch.number, err)
        if len(batch.tasks) > 1 or batch.attempt < MAX_RETRIES:
            retry.extend((t, batch.attempt + 1) for t in batch.tasks)
            return
        task = batch.tasks[0]
        msg = f"WorkerLost: the worker died {batch.attempt + 1} times running it ({err})"
        failed = task.record(status="failed", error=msg, duration_s=None, worker=None)
        with _storing(self):
            self.store.write_batch([failed], None)
        self.report.first_error = self.report.first_error or msg
        log.warning("run %s failed: %s", task.run_id, msg)
        self.report.failed += 1
        self.bar.update(0, 1)

    def close(self, *, cancel: bool = False) -> None:
        """Stop the engine and the progress bar (idempotent) and log the summary."""
        if self.bar is not None:
            self.bar.close()
        if self.eng is not None:
            self.eng.close(cancel=cancel)
            self.eng = None
            self.report.elapsed_s = time.monotonic() - self.start
            r = self.report
            log.info(
                "%s: %d ok, %d failed in %.1f s (%.2f runs/s); %d runs on disk",
                "stopped" if cancel else "done",
                r.ok,
                r.failed,
                r.elapsed_s,
                r.runs_per_second,
                r.done,
            )
