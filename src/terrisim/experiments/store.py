"""Crash-safe, resumable result store of a sweep: a directory of Parquet parts.

Layout of a sweep directory ``DIR``::

    DIR/experiment.json    the experiment (fields, hash, scenario, number of runs)
    DIR/design.parquet     one row per design point: point, factor values
    DIR/runs/part-*.parquet      one row per finished run (ok or failed), one file per batch
                                 (merged into one file when the sweep has every run)
    DIR/series/part-*.parquet    per-step series of those runs (only with keep_series)
    DIR/sweep.log          the sweep's log
    DIR/calibration/       a calibration's result.json and trace (calibration designs only)

Crash safety: each batch is written to a hidden temporary file (``.tmp-*``, which readers
ignore), flushed, ``fsync``-ed, then renamed to its final name (an atomic operation), and the
directory is ``fsync``-ed; a write that fails (a full disk) deletes its temporary file, and a
batch whose runs part fails deletes its series part. A sweep killed at any moment (``kill -9``,
power cut) therefore leaves only complete parts; the run ids in ``runs/`` are the resume
manifest. A batch's series part is
written before its runs part, so a run is "done" only once both exist; a series part without its
runs part (a crash between the two renames) is deleted when the sweep resumes.

Compaction: when a sweep has every run on disk, its parts are merged into one
(``part-FIRST-LAST.parquet``, the batches it holds; :meth:`ResultStore.compact`), streamed
to a temporary file, renamed in, then the merged parts are deleted. A crash in between leaves
parts that the merged one covers: readers here skip them and a writer deletes them.

All parts of a dataset share one schema, so ``pandas.read_parquet(DIR / "runs")`` works at any
time, even mid-sweep. When a batch brings a new column or a wider type (null < bool < int <
float < string), the earlier parts are rewritten (atomically, one by one) to the new schema.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import numbers
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from terrisim.experiments.spec import ExperimentError
from terrisim.files import fsync_dir, naming, os_error_text

RUNS = "runs"
SERIES = "series"
META = "experiment.json"
DESIGN = "design.parquet"
LOG = "sweep.log"
LOCK = ".lock"
ANALYSIS = "analysis"
#: Result and trace of a calibration design (:mod:`.calibration`).
CALIBRATION = "calibration"
#: Columns every runs part starts with, before the factors and the indicators.
BASE_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error", "duration_s", "worker")

_PART = re.compile(r"^part-(\d{6,})(?:-(\d{6,}))?\.parquet$")
#: Rows buffered before a row group is written while parts are merged (bounds its memory).
ROW_GROUP = 65_536
_TYPES = {0: pa.null(), 1: pa.bool_(), 2: pa.int64(), 3: pa.float64(), 4: pa.string()}


# ------------------------------------------------------------------------------------------
# atomic files
@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Yield a hidden temporary file next to ``path``; once written: fsync, rename, fsync dir.

    If the body raises (a full disk...), ``path`` is left untouched and the temporary file is
    deleted. An OSError names ``path``.
    """
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        with naming(path):
            with open(tmp, "wb") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that it is either absent, old, or complete: temp file, fsync, rename.

    Args:
        path: Final path.
        data: Content.
    """
    with _atomic_file(path) as f:
        f.write(data)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically (temporary name, fsync, rename, fsync of the directory).

    Args:
        path: Final path.
        table: The table to write.
    """
    with _atomic_file(path) as f:
        pq.write_table(table, f, compression="zstd")


# ------------------------------------------------------------------------------------------
# types
def _rank_of_type(t: pa.DataType) -> int:
    if pa.types.is_null(t):
        return 0
    if pa.types.is_boolean(t):
        return 1
    if pa.types.is_integer(t):
        return 2
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return 3
    return 4


def _rank_of_value(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1
    if isinstance(v, numbers.Integral):
        return 2 if -(2**63) <= int(v) < 2**63 else 3
    if isinstance(v, numbers.Real):
        return 3
    return 4


def _as_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool | numbers.Number):
        return str(v)
    return json.dumps(v, default=str)


def column_array(values: Sequence[Any]) -> pa.Array:
    """Arrow array of Python values, with the narrowest type of null/bool/int/float/string.

    Args:
        values: The column's values (None for missing).

    Returns:
        The array. Mixed numbers widen to float; anything else non-numeric becomes text (JSON).
    """
    rank = max((_rank_of_value(v) for v in values), default=0)
    if rank == 0:
        return pa.nulls(len(values))
    if rank == 1:
        return pa.array(values, pa.bool_())
    if rank == 2:
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if rank == 3:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([None if v is None else _as_text(v) for v in values], pa.string())


def records_table(records: Sequence[Mapping[str, Any]], columns: Iterable[str] = ()) -> pa.Table:
    """A table from flat records (dicts), columns in first-seen order.

    Args:
        records: One mapping per row.
        columns: Columns to put first (and to create even if no record has them).

    Returns:
        The table.
    """
    order: dict[str, None] = dict.fromkeys(columns)
    for r in records:
        order.update(dict.fromkeys(r))
    return pa.table({c: column_array([r.get(c) for r in records]) for c in order})


def frame_table(df: pd.DataFrame) -> pa.Table:
    """A table from a DataFrame, keeping only null/bool/int/float/string column types.

    Args:
        df: The frame (its index is dropped; name it as a column first if it matters).

    Returns:
        The table; other column types are converted to text.
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        rank = _rank_of_type(col.type)
        if rank == 4 and not pa.types.is_string(col.type):
            cols[str(name)] = column_array(col.to_pylist())
        else:
            cols[str(name)] = col.cast(_TYPES[rank]) if col.type != _TYPES[rank] else col
    return pa.table(cols)


def unify_schemas(a: pa.Schema | None, b: pa.Schema) -> pa.Schema:
    """The schema that holds both: every column of each, each with the wider type.

    Args:
        a: Current schema (None: none yet).
        b: Schema of new data.

    Returns:
        Columns of ``a`` in order, then new columns of ``b``; types widened along
        null < bool < int64 < float64 < string.
    """
    ranks: dict[str, int] = {}
    for schema in (a, b):
        if schema is None:
            continue
        for f in schema:
            ranks[f.name] = max(ranks.get(f.name, 0), _rank_of_type(f.type))
    return pa.schema([(name, _TYPES[r]) for name, r in ranks.items()])


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast a table to a schema, adding missing columns as nulls.

    Args:
        table: The data.
        schema: The target schema (a superset of the table's columns, wider types).

    Returns:
        The table with exactly the schema's columns and types.
    """
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            if col.type != f.type:
                col = (
                    col.cast(f.type)
                    if _rank_of_type(col.type) < 4 or f.type != pa.string()
                    else column_array(col.to_pylist())
                )
            cols.append(col)
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


# ------------------------------------------------------------------------------------------
def span(part: Path) -> tuple[int, int]:
    """The batch numbers a part holds, first and last.

    ``part-000007.parquet`` holds batch 7: (7, 7); ``part-000000-000063.parquet`` (0, 63).

    Args:
        part: A part file.
    """
    m = _PART.match(part.name)
    if m is None:
        raise ValueError(f"{part}: not a part file")
    first = int(m.group(1))
    return first, int(m.group(2) or first)


class PartDataset:
    """A directory of Parquet parts sharing one schema, appended to one atomic part at a time.

    Args:
        directory: The dataset directory.
        writer: Open for writing: create the directory and delete temporary files left by a
            crash. Readers (which may run during a sweep) leave them alone.
    """

    def __init__(self, directory: Path, *, writer: bool = False) -> None:
        self.directory = Path(directory)
        if writer:
            self.directory.mkdir(parents=True, exist_ok=True)
            for stale in self.directory.glob(".tmp-*"):
                stale.unlink(missing_ok=True)
            for merged_away in self._covered()[1]:
                merged_away.unlink(missing_ok=True)
        self.schema: pa.Schema | None = None
        self._uniform = True
        for part in self.parts():
            part_schema = pq.read_schema(part)
            if self.schema is not None and not part_schema.equals(self.schema):
                self._uniform = False
            self.schema = unify_schemas(self.schema, part_schema)

    def _listing(self) -> list[tuple[tuple[int, int], Path]]:
        """Every part file with its span, in order (covered ones included)."""
        if not self.directory.is_dir():
            return []
        found = []
        for p in self.directory.iterdir():
            if m := _PART.match(p.name):
                first = int(m.group(1))
                found.append(((first, int(m.group(2) or first)), p))
        return sorted(found, key=lambda item: (item[0][0], -item[0][1]))

    def _covered(self) -> tuple[list[Path], list[Path]]:
        """The parts to read, and those a merged part covers (left by a crash, to delete)."""
        live, covered, reach = [], [], -1
        for (_, last), path in self._listing():
            if last <= reach:
                covered.append(path)
            else:
                live.append(path)
                reach = last
        return live, covered

    def parts(self) -> list[Path]:
        """The complete parts, in order (a part merged into a larger one is not listed)."""
        return self._covered()[0]

    def spans(self) -> list[tuple[int, int]]:
        """The batch numbers each part holds, ``(first, last)`` (equal for one batch)."""
        return [span(p) for p in self.parts()]

    def max_sequence(self) -> int:
        """Highest part number on disk (-1 if none)."""
        return max((last for (_, last), _ in self._listing()), default=-1)

    def path(self, sequence: int, last: int | None = None) -> Path:
        """Path of part number ``sequence`` (of the parts ``sequence`` to ``last`` merged)."""
        if last is None or last == sequence:
            return self.directory / f"part-{sequence:06d}.parquet"
        return self.directory / f"part-{sequence:06d}-{last:06d}.parquet"

    def merge(self, parts: Sequence[Path], first: int, last: int) -> Path | None:
        """Merge ``parts`` into one part holding batches ``first`` to ``last``.

        The merged part is streamed (row groups of :data:`ROW_GROUP` rows, so memory stays
        bounded) to a hidden temporary file, ``fsync``-ed and renamed in; then the merged
        parts are deleted. A crash before the rename leaves them as they were; after it, they
        are covered by the merged part: readers of this class skip them and a writer deletes
        them when it opens the dataset.

        Args:
            parts: Parts of this dataset, each within ``first`` to ``last``.
            first: First batch number of the merged part.
            last: Last batch number.

        Returns:
            The merged part (None when ``parts`` is empty).
        """
        if not parts:
            return None
        target = self.path(first, last)
        schema = self.schema
        if schema is None:
            for part in parts:
                schema = unify_schemas(schema, pq.read_schema(part))
        assert schema is not None
        with _atomic_file(target) as f, pq.ParquetWriter(f, schema, compression="zstd") as out:
            buffered: list[pa.Table] = []
            rows = 0
            for part in parts:
                if part == target:  # merging into an existing merged part of this span
                    continue
                table = conform(pq.read_table(part), schema)
                buffered.append(table)
                rows += table.num_rows
                if rows >= ROW_GROUP:
                    out.write_table(pa.concat_tables(buffered))
                    buffered, rows = [], 0
            if target in parts:
                out.write_table(conform(pq.read_table(target), schema))
            if buffered:
                out.write_table(pa.concat_tables(buffered))
        for part in parts:
            if part != target:
                part.unlink(missing_ok=True)
        fsync_dir(self.directory)
        return target

    def write(self, sequence: int, table: pa.Table) -> Path:
        """Write one part atomically, first widening earlier parts if the schema grows.

        Args:
            sequence: Part number (unique in the dataset).
            table: The rows.

        Returns:
            The part's path.
        """
        schema = unify_schemas(self.schema, table.schema)
        if self.schema is not None and (not schema.equals(self.schema) or not self._uniform):
            for part in self.parts():
                old = pq.read_table(part)
                if not old.schema.equals(schema):
                    atomic_write_table(part, conform(old, schema))
            self._uniform = True
        self.schema = schema
        path = self.path(sequence)
        atomic_write_table(path, conform(table, schema))
        return path

    def table(self, columns: Sequence[str] | None = None, attempts: int = 5) -> pa.Table:
        """All parts as one Arrow table, in part order (only ``columns``, if given).

        The parts are read as one ``pyarrow.dataset`` with the dataset's unified schema (a
        part still on an older schema during an upgrade is cast to it), reading only the
        columns asked for. A part that vanished between listing and reading (merged into a
        larger one meanwhile, see :meth:`merge`) makes it list and read again.

        Args:
            columns: Columns to read (None: all; unknown names are left out).
            attempts: Times to list and read again after a vanished part.

        Returns:
            The rows of every part.
        """
        import pyarrow.dataset as pads

        for attempt in range(attempts):
            parts = self.parts()
            schema = None
            try:
                for part in parts:
                    schema = unify_schemas(schema, pq.read_schema(part))
                if schema is None:
                    names = list(columns or [])
                    return pa.table({c: pa.nulls(0) for c in names})
                chosen = [c for c in columns if c in schema.names] if columns else None
                data = pads.dataset([str(p) for p in parts], schema=schema, format="parquet")
                return data.to_table(columns=chosen)
            except OSError:  # a part merged away meanwhile (pyarrow: FileNotFoundError)
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All parts as one DataFrame (see :meth:`table`).

        Integer columns come back as pandas' nullable ``Int64``.

        Args:
            columns: Columns to read (None: all).

        Returns:
            The rows of every part, in part order.
        """
        table = self.table(columns)
        if not table.num_rows and not table.num_columns:
            return pd.DataFrame(columns=list(columns or []))
        return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


# ------------------------------------------------------------------------------------------
def _code_change(existing: Mapping[str, Any] | None, meta: Mapping[str, Any]) -> str | None:
    """What changed in the code between a sweep on disk and this one (None: nothing known)."""
    old, new = (existing or {}).get("code"), meta.get("code")
    if not old or not new or old.get("hash") == new.get("hash"):
        return None
    from terrisim.experiments.provenance import describe_change

    return describe_change(old, new)


class ResultStore:
    """The sweep directory: metadata, design, runs and series datasets, lock and log.

    Args:
        directory: The sweep directory.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock_fd: int | None = None
        self.runs: PartDataset | None = None
        self.series: PartDataset | None = None
        self._next = 0
        #: Failed runs removed by ``open(..., retry_failed=True)`` (to be run again).
        self.retried = 0
        #: What changed in the code since the experiment started, when a resume allowed it.
        self.code_change: str | None = None

    # -- opening -------------------------------------------------------------------------
    def open(
        self,
        meta: Mapping[str, Any],
        *,
        resume: bool,
        allow_code_change: bool = False,
        retry_failed: bool = False,
    ) -> set[str]:
        """Prepare the directory for a sweep and return the run ids already done.

        With ``resume`` the runs on disk are kept; without, the sweep's own files are deleted
        (no question asked). Either way, a directory holding another experiment is refused.
        Resuming after the code changed (``meta["code"]``, see :mod:`.provenance`) is refused
        unless ``allow_code_change``; then ``experiment.json`` gets the new code identity and
        a ``code_history`` (each identity with the runs done under it).

        Args:
            meta: The experiment metadata (must contain ``hash`` and ``name``).
            resume: Keep completed runs (True) or start over (False).
            allow_code_change: Resume even though the code changed (recorded).
            retry_failed: With ``resume``, also remove the failed runs from ``runs/`` so that
                they run again (each part rewritten atomically without them).

        Returns:
            Run ids already in ``runs/``.

        Raises:
            ExperimentError: The directory holds another experiment, is not a sweep directory,
                another sweep is writing to it, the code changed (without
                ``allow_code_change``), or it cannot be written (read-only, full disk...).
        """
        try:
            return self._prepare(meta, resume, allow_code_change, retry_failed)
        except OSError as exc:
            self.close()
            raise ExperimentError(
                f"--out: cannot write {os_error_text(exc, self.directory)}; choose another --out"
            ) from None

    def _prepare(
        self, meta: Mapping[str, Any], resume: bool, allow_code_change: bool, retry_failed: bool
    ) -> set[str]:
        """:meth:`open`'s work (its OSErrors become one line there)."""
        d = self.directory
        if d.exists() and not d.is_dir():
            raise ExperimentError(f"{d}: exists and is not a directory; choose another --out")
        d.mkdir(parents=True, exist_ok=True)
        existing = read_meta(d)
        if existing is None:
            ours = {RUNS, SERIES, DESIGN, LOG, LOCK, ANALYSIS, CALIBRATION}
            foreign = [p.name for p in d.iterdir() if p.name not in ours]
            if foreign or (d / RUNS).exists():
                raise ExperimentError(
                    f"{d}: not empty and holds no {META}, so it is not a sweep directory "
                    f"(found {', '.join(sorted(foreign)[:5]) or RUNS}); choose another --out"
                )
        elif existing.get("hash") != meta["hash"]:
            same = existing.get("name") == meta["name"]
            why = (
                " (same name, but the experiment file, its base scenario or the scenario "
                "defaults of terrisim changed since, so its runs would not be comparable)"
                if same
                else ""
            )
            raise ExperimentError(
                f"{d}: holds the results of another experiment ('{existing.get('name')}', hash "
                f"{existing.get('hash')}); this one ('{meta['name']}') has hash {meta['hash']}"
                f"{why}. Choose another --out, or delete that directory yourself"
            )
        change = _code_change(existing, meta) if resume else None
        if change and not allow_code_change:
            raise ExperimentError(
                f"{d}: the code changed since this experiment started: {change}; its runs "
                "would mix two versions. Rerun with --allow-code-change to continue anyway "
                "(recorded in experiment.json), or choose another --out"
            )
        self._lock()
        if not resume:
            for name in (RUNS, SERIES, ANALYSIS, CALIBRATION):
                shutil.rmtree(d / name, ignore_errors=True)
            for name in (DESIGN, LOG, META):
                (d / name).unlink(missing_ok=True)
        if read_meta(d) is None:
            atomic_write_bytes(d / META, json.dumps(meta, indent=2, default=str).encode())
        self.runs = PartDataset(d / RUNS, writer=True)
        self.series = PartDataset(d / SERIES, writer=True)
        done_spans = self.runs.spans()
        for part in self.series.parts():
            first, last = span(part)
            if not any(a <= first and last <= b for a, b in done_spans):
                part.unlink()  # its batch's runs part was never written: not done
        self.retried = self._drop_failed() if resume and retry_failed else 0
        self._next = max(self.runs.max_sequence(), self.series.max_sequence()) + 1
        done = self.completed_ids()
        if change and existing is not None:
            self._record_code_change(existing, meta, len(done))
            self.code_change = change
        return done

    def _drop_failed(self) -> int:
        """Remove the failed runs' rows from ``runs/`` (they then count as not done).

        Each part holding failed runs is rewritten without them (atomically), or deleted with
        its series part when it held nothing else, so a kill at any moment leaves a valid
        dataset in which a run is either done (ok) or missing: never twice.

        Returns:
            How many failed runs were removed.
        """
        assert self.runs is not None and self.series is not None
        dropped = 0
        for part in self.runs.parts():
            table = pq.read_table(part)
            keep = pc.equal(table.column("status"), "ok")
            n_ok = pc.sum(keep).as_py() or 0
            if n_ok == table.num_rows:
                continue
            dropped += table.num_rows - n_ok
            if n_ok:
                atomic_write_table(part, table.filter(keep))
            else:
                (self.series.directory / part.name).unlink(missing_ok=True)
                part.unlink()
        return dropped

    def _record_code_change(
        self, existing: dict[str, Any], meta: Mapping[str, Any], n_done: int
    ) -> None:
        """Append the new code identity to ``experiment.json``'s history (runs per identity)."""
        history = existing.get("code_history") or [{"code": existing["code"], "runs": None}]
        history[-1]["runs"] = n_done - sum(h["runs"] or 0 for h in history[:-1])
        history.append({"code": meta["code"], "runs": None})
        updated = {**existing, "code": meta["code"], "code_history": history}
        atomic_write_bytes(
            self.directory / META, json.dumps(updated, indent=2, default=str).encode()
        )

    def _lock(self) -> None:
        fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ExperimentError(
                f"{self.directory}: another sweep is writing to this directory; wait for it or "
                "choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def close(self) -> None:
        """Release the directory lock."""
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- contents ------------------------------------------------------------------------
    def completed_ids(self) -> set[str]:
        """Run ids recorded in ``runs/`` (ok or failed)."""
        assert self.runs is not None
        table = self.runs.table(["run_id"])
        return set(table.column(0).to_pylist()) if table.num_columns else set()

    def compact(self) -> tuple[int, int]:
        """Merge the parts of ``runs/`` into one, and the series parts of each runs part.

        Called when a sweep has every run on disk (see :meth:`PartDataset.merge`: streamed,
        atomic, and a crash at any moment leaves every run exactly once and resumable). The
        runs part is merged first; a series part then counts as done when a runs part's
        batches include its own (``open`` deletes the others), so a crash between the two
        merges loses nothing, and the next compaction merges the series parts left.

        Returns:
            Parts of ``runs/`` and of ``series/`` before, merged into one each.
        """
        assert self.runs is not None and self.series is not None
        parts = self.runs.parts()
        n_series = len(self.series.parts())
        if len(parts) > 1:
            self.runs.merge(parts, span(parts[0])[0], span(parts[-1])[1])
        for first, last in self.runs.spans():
            inside = [p for p in self.series.parts() if first <= span(p)[0] <= span(p)[1] <= last]
            if inside and [span(p) for p in inside] != [(first, last)]:
                self.series.merge(inside, first, last)
        return len(parts), n_series

    def write_design(self, points: Sequence[Mapping[str, Any]], factors: Sequence[str]) -> None:
        """Store the design points (atomically; a bisection adds points round by round).

        Args:
            points: One mapping of factor values per design point.
            factors: Factor names, in order.
        """
        path = self.directory / DESIGN
        rows = [{"point": i, **p} for i, p in enumerate(points)]
        atomic_write_table(path, records_table(rows, ["point", *factors]))

    def write_batch(self, records: Sequence[Mapping[str, Any]], series: pd.DataFrame | None) -> int:
        """Store a completed batch: its series part (if any), then its runs part.

        Args:
            records: One flat record per run (see :data:`BASE_COLUMNS`).
            series: The batch's per-step series with a ``run_id`` column, or None.

        Returns:
            The part number used.
        """
        assert self.runs is not None and self.series is not None
        seq = self._next
        self._next += 1
        if series is not None and len(series):
            self.series.write(seq, frame_table(series))
        try:
            self.runs.write(seq, records_table(records, BASE_COLUMNS))
        except BaseException:
            with contextlib.suppress(OSError):  # no orphan series part (a full disk...)
                self.series.path(seq).unlink(missing_ok=True)
            raise
        return seq


def read_meta(directory: str | Path) -> dict[str, Any] | None:
    """The experiment metadata of a sweep directory, or None if there is none.

    Args:
        directory: The sweep directory.

    Returns:
        The content of ``experiment.json``.
    """
    path = Path(directory) / META
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ExperimentError(f"{path}: unreadable ({err})") from None
