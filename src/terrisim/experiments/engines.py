"""Engines: where the batches of runs execute.

* :class:`LocalEngine`: a persistent pool of worker processes on this machine
  (``concurrent.futures.ProcessPoolExecutor`` with the ``forkserver`` start method: the workers
  start once, import the model once and then receive batch after batch).
* :class:`DaskEngine`: Dask distributed, either a running scheduler (``scheduler=
  "tcp://host:port"``, workers started by the user) or a ``LocalCluster`` started for the sweep.
  Tasks are submitted with ``retries=2``; a lost worker's tasks are rescheduled by Dask.
* :class:`SerialEngine`: runs batches in this process, one after the other (debugging,
  benchmarks of the overhead).

Every engine runs :func:`terrisim.experiments.worker.execute_batch` and reports each finished
batch, in completion order, through :meth:`Engine.completed`. What a batch computes does not
depend on the engine: the seeds travel with the tasks.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from terrisim.experiments.worker import RunTask, execute_batch, warm_up
from terrisim.extras import require

log = logging.getLogger("terrisim.sweep")


@dataclass
class Batch:
    """A group of runs sent to a worker as one task.

    Attributes:
        tasks: The runs.
        attempt: How many times this batch (or the batch it was split from) failed to come back.
        number: Sequence number (for logs).
        submitted: When it was submitted (``time.monotonic``).
    """

    tasks: list[RunTask]
    attempt: int = 0
    number: int = 0
    submitted: float = field(default_factory=time.monotonic)


class WorkersUnavailable(RuntimeError):  # noqa: N818 - reads better at the call site
    """The engine's workers could not start (nothing was run)."""


class WorkerLost(RuntimeError):  # noqa: N818 - reads better at the call site
    """A batch did not come back because its worker died (it can be retried)."""


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Engine:
    """Base class: submit batches, collect finished ones in completion order.

    Args:
        key: Identifier of the sweep context.
        blob: The pickled sweep context (sent with each batch, cached by workers).
    """

    name = "engine"

    def __init__(self, key: str, blob: bytes) -> None:
        self.key = key
        self.blob = blob
        self._done: queue.Queue[tuple[Batch, Any, BaseException | None]] = queue.Queue()

    @property
    def workers(self) -> int:
        """Number of runs that can execute at once."""
        return 1

    def slots(self) -> int:
        """How many batches to keep in flight (queued or running)."""
        return 2 * max(1, self.workers)

    def submit(self, batch: Batch) -> None:
        """Start a batch; its outcome arrives through :meth:`completed`."""
        raise NotImplementedError

    def warm(self, timeout: float = 120.0) -> None:
        """Start the workers and import the model in each (before the first batch).

        Args:
            timeout: Seconds to wait for the workers.
        """

    def completed(self, timeout: float) -> Iterator[tuple[Batch, Any, BaseException | None]]:
        """Finished batches: ``(batch, result, None)`` or ``(batch, None, error)``.

        Args:
            timeout: Seconds to wait for the first one.

        Yields:
            Every batch finished so far (at least one unless the timeout expires).
        """
        try:
            item = self._done.get(timeout=timeout)
        except queue.Empty:
            return
        yield self._settle(item)
        while True:
            try:
                item = self._done.get_nowait()
            except queue.Empty:
                return
            yield self._settle(item)

    def _settle(self, item: tuple[Batch, Any, Any]) -> tuple[Batch, Any, BaseException | None]:
        return item

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers (``cancel``: drop queued and running batches)."""

    def describe(self) -> str:
        """One line for the log."""
        return f"{self.name} engine, {self.workers} worker(s)"


class SerialEngine(Engine):
    """Runs each batch in this process when it is submitted (no parallelism)."""

    name = "serial"

    def slots(self) -> int:
        """One batch at a time."""
        return 1

    def submit(self, batch: Batch) -> None:
        """Run the batch now."""
        try:
            self._done.put((batch, execute_batch(self.key, self.blob, batch.tasks), None))
        except Exception as err:
            self._done.put((batch, None, err))


def _init_worker(sweep_pid: int) -> None:
    """Worker set-up: Ctrl-C is the sweep's to handle, and a worker outlives no sweep.

    A sweep killed with ``kill -9`` cannot stop its pool; each worker checks every second
    that the sweep process still exists and exits when it is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with, args=(sweep_pid,), daemon=True, name="terrisim-sweep-watch"
    ).start()


def _exit_with(sweep_pid: int, period: float = 1.0) -> None:
    while True:
        time.sleep(period)
        try:
            os.kill(sweep_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid now belongs to another user's process
            os._exit(0)


class LocalEngine(Engine):
    """A persistent pool of local worker processes (``forkserver`` start method).

    A worker that dies (killed, out of memory, segfault) breaks the pool: the engine starts a new
    pool and reports the batches in flight as :class:`WorkerLost`, so they are retried.

    Args:
        key: Identifier of the sweep context.
        blob: The pickled sweep context.
        workers: Number of worker processes (default: the cores this process may use).
    """

    name = "local"

    def __init__(self, key: str, blob: bytes, workers: int | None = None) -> None:
        super().__init__(key, blob)
        self._workers = workers or default_workers()
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        self._mp = multiprocessing.get_context(method)
        if method == "forkserver":
            self._mp.set_forkserver_preload(["terrisim", "terrisim.experiments.worker"])
        self._generation = 0
        self._pool = self._new_pool()

    @property
    def workers(self) -> int:
        """Number of worker processes."""
        return self._workers

    def warm(self, timeout: float = 120.0) -> None:
        """Start every worker process of the pool and import the model in it.

        Raises:
            WorkersUnavailable: A worker died or failed while starting, so that an environment
                problem stops the sweep instead of recording every run as failed.
        """
        try:
            futures = [self._pool.submit(warm_up) for _ in range(self._workers)]
            for fut in futures:
                fut.result(timeout=timeout)
        except Exception as err:
            self.close(cancel=True)
            hint = ""
            if isinstance(err, BrokenProcessPool):
                hint = (
                    "; if run_sweep is called from a script, put the call under "
                    "'if __name__ == \"__main__\":' (workers import the main module)"
                )
            raise WorkersUnavailable(
                f"the worker processes could not start ({type(err).__name__}: {err}){hint}"
            ) from None

    def _new_pool(self) -> ProcessPoolExecutor:
        self._generation += 1
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=self._mp,
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )

    def _renew(self, generation: int) -> None:
        if generation == self._generation:
            log.warning("a worker process died; starting a new pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def submit(self, batch: Batch) -> None:
        """Queue the batch on the pool."""
        generation = self._generation
        try:
            fut = self._pool.submit(execute_batch, self.key, self.blob, batch.tasks)
        except BrokenProcessPool:
            self._renew(generation)
            generation = self._generation
            fut = self._pool.submit(execute_batch, self.key, self.blob, batch.tasks)
        fut.add_done_callback(lambda f: self._done.put((batch, f, generation)))

    def _settle(self, item: tuple[Batch, Any, Any]) -> tuple[Batch, Any, BaseException | None]:
        batch, fut, generation = item
        if fut.cancelled():
            return batch, None, WorkerLost("cancelled")
        err = fut.exception()
        if err is None:
            return batch, fut.result(), None
        if isinstance(err, BrokenProcessPool):
            self._renew(generation)
            return batch, None, WorkerLost(f"worker process died ({err})")
        return batch, None, err

    def close(self, *, cancel: bool = False) -> None:
        """Shut the pool down (``cancel``: terminate the workers now)."""
        procs = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
        if cancel:
            for p in procs:
                with contextlib.suppress(Exception):
                    p.terminate()


class DaskEngine(Engine):
    """Dask distributed: attach to a scheduler, or start a ``LocalCluster`` on loopback.

    Args:
        key: Identifier of the sweep context.
        blob: The pickled sweep context.
        scheduler: Address of a running scheduler (``tcp://host:port``); None starts a local
            cluster of ``workers`` single-threaded worker processes.
        workers: Worker processes of the local cluster (ignored with ``scheduler``).
        retries: Times Dask re-runs a batch whose task raised.
    """

    name = "dask"

    def __init__(
        self,
        key: str,
        blob: bytes,
        scheduler: str | None = None,
        workers: int | None = None,
        retries: int = 2,
    ) -> None:
        super().__init__(key, blob)
        distributed = require("distributed", "sweep", "the Dask engine")
        Client, LocalCluster = distributed.Client, distributed.LocalCluster  # noqa: N806

        self.retries = retries
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s", set_as_default=False)
            except OSError as err:
                from terrisim.experiments.spec import ExperimentError

                raise ExperimentError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({err}); start "
                    "one with 'dask scheduler' and workers with 'dask worker ADDRESS'"
                ) from None
        else:
            import warnings

            import dask

            # No malloc trimming in our workers (see worker.tune_malloc), and no warning when
            # port 8787 (the scheduler's HTTP endpoints) is taken: it then picks another one.
            env = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
            with dask.config.set(env), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self.cluster = LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self.cluster, set_as_default=False)
        self._nthreads = 0
        self._nworkers: int | None = None
        self._checked = 0.0
        self._futures: set[Any] = set()
        with contextlib.suppress(Exception):  # the scheduler's own events, see _worker_event
            self.client.subscribe_topic("all", _worker_event)

    @property
    def workers(self) -> int:
        """Threads over all workers of the cluster (refreshed every 2 s).

        A change in the number of workers or threads is logged with the new totals.
        """
        now = time.monotonic()
        if now - self._checked > 2.0:
            self._refresh()
            self._checked = now
        return self._nthreads

    def _refresh(self) -> None:
        with contextlib.suppress(Exception):
            threads = self.client.nthreads()
            before = (self._nworkers, self._nthreads)
            self._nworkers, self._nthreads = len(threads), sum(threads.values())
            if before[0] is not None and before != (self._nworkers, self._nthreads):
                log.info("Dask cluster now: %s", self._size())

    def _size(self) -> str:
        return f"{self._nworkers or 0} worker(s), {self._nthreads} thread(s)"

    def warm(self, timeout: float = 120.0) -> None:
        """Import the model in every worker connected now (workers joining later do it then).

        Raises:
            WorkersUnavailable: Every connected worker failed to import the model.
        """
        try:
            results = self.client.run(warm_up, wait=True, on_error="return")
        except Exception as err:
            raise WorkersUnavailable(f"the Dask workers are unreachable ({err})") from None
        errors = {w: r for w, r in results.items() if isinstance(r, BaseException)}
        for worker, err in errors.items():
            log.warning(
                "Dask worker %s cannot run terrisim: %s: %s", worker, type(err).__name__, err
            )
        if results and len(errors) == len(results):
            err = next(iter(errors.values()))
            raise WorkersUnavailable(
                f"no Dask worker can run terrisim ({type(err).__name__}: {err}); install the "
                "same terrisim version (and the modules the experiment names) on the workers"
            )
        if not results:
            log.warning("no Dask worker connected yet: batches wait for one")

    def submit(self, batch: Batch) -> None:
        """Submit the batch as one Dask task."""
        fut = self.client.submit(
            execute_batch, self.key, self.blob, batch.tasks, retries=self.retries, pure=False
        )
        self._futures.add(fut)
        fut.add_done_callback(lambda f: self._done.put((batch, f, None)))

    def _settle(self, item: tuple[Batch, Any, Any]) -> tuple[Batch, Any, BaseException | None]:
        from distributed import KilledWorker

        batch, fut, _ = item
        self._futures.discard(fut)
        try:
            if fut.status == "cancelled":
                return batch, None, WorkerLost("cancelled by the scheduler")
            err = fut.exception()
            if err is None:
                return batch, fut.result(), None
        except Exception as exc:  # the scheduler went away, the future was lost...
            return batch, None, WorkerLost(f"{type(exc).__name__}: {exc}")
        finally:
            fut.release()
        if isinstance(err, KilledWorker | OSError):
            return batch, None, WorkerLost(f"{type(err).__name__}: {err}")
        return batch, None, err

    def close(self, *, cancel: bool = False) -> None:
        """Disconnect (and stop the local cluster if this engine started it)."""
        with contextlib.suppress(Exception):
            if cancel and self._futures:
                self.client.cancel(list(self._futures))
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def describe(self) -> str:
        """One line for the log: where, and the workers and threads connected now."""
        where = "local cluster" if self.cluster is not None else str(self.client.scheduler.address)
        self._refresh()
        self._checked = time.monotonic()
        return f"dask engine ({where}), {self._size()}"


def _worker_event(event: tuple[float, Any]) -> None:
    """Log a worker joining or leaving the Dask cluster (the scheduler's topic ``all``).

    The scheduler publishes ``add-worker`` and ``remove-worker`` (with the tasks the worker
    was processing and whether its removal was expected) to every client subscribed to
    ``all``; this handler runs in the client's thread and writes one line to ``sweep.log``.
    """
    msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
    if not isinstance(msg, dict):
        return
    action, worker = msg.get("action"), msg.get("worker")
    if action == "add-worker":
        log.info("Dask worker %s joined", worker)
    elif action == "remove-worker":
        running = len(msg.get("processing-tasks") or ())
        if msg.get("expected"):
            log.info("Dask worker %s left (closed; %d task(s) were on it)", worker, running)
        else:
            log.warning(
                "Dask worker %s lost (%d task(s) were running on it: Dask reschedules them)",
                worker,
                running,
            )


def make_engine(
    name: str,
    key: str,
    blob: bytes,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Engine:
    """Create the engine called ``name``.

    Args:
        name: ``"local"``, ``"dask"`` or ``"serial"``.
        key: Identifier of the sweep context.
        blob: The pickled sweep context.
        workers: Worker processes (local pool or local Dask cluster).
        scheduler: Dask scheduler address (implies the Dask engine).

    Returns:
        The engine, ready to receive batches.
    """
    if scheduler or name == "dask":
        return DaskEngine(key, blob, scheduler=scheduler, workers=workers)
    if name == "serial":
        return SerialEngine(key, blob)
    if name == "local":
        return LocalEngine(key, blob, workers=workers)
    from terrisim.experiments.spec import ExperimentError

    raise ExperimentError(f"--engine {name!r}: unknown engine; allowed: local, dask, serial")
