"""The result store: atomic parts, one schema for pandas, resume manifest, directory guards."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from terrisim.experiments.spec import ExperimentError
from terrisim.experiments.store import (
    DESIGN,
    META,
    RUNS,
    SERIES,
    PartDataset,
    ResultStore,
    records_table,
)

META_A = {"name": "a", "hash": "aaaa"}


def rec(i: int, **ind):
    return {"run_id": f"r{i}", "point": i, "replicate": 0, "seed": i, "status": "ok", **ind}


def test_a_new_column_or_a_wider_type_rewrites_earlier_parts_so_pandas_reads_everything(tmp_path):
    ds = PartDataset(tmp_path / "runs", writer=True)
    ds.write(0, records_table([rec(0, status="failed")]))  # no indicators yet
    ds.write(1, records_table([rec(1, loss=None, n=3)]))  # null, int
    ds.write(2, records_table([rec(2, loss=0.5, n=2.5, label="x")]))  # float, float, string
    df = pd.read_parquet(tmp_path / "runs")
    assert list(df["run_id"]) == ["r0", "r1", "r2"]
    assert {"loss", "n", "label"} <= set(df.columns)
    assert df["n"].tolist()[1:] == [3.0, 2.5]
    schemas = {str(pq.read_schema(p)) for p in ds.parts()}
    assert len(schemas) == 1


def test_numbers_and_text_in_one_column_become_text(tmp_path):
    ds = PartDataset(tmp_path / "runs", writer=True)
    ds.write(0, records_table([rec(0, v=1)]))
    ds.write(1, records_table([rec(1, v="many")]))
    assert pd.read_parquet(tmp_path / "runs")["v"].tolist() == ["1", "many"]


def test_temporary_files_are_invisible_to_readers_and_removed_by_the_next_writer(tmp_path):
    ds = PartDataset(tmp_path / "runs", writer=True)
    ds.write(0, records_table([rec(0, x=1.0)]))
    (tmp_path / "runs" / ".tmp-part-000001.parquet-123").write_bytes(b"PAR1 half a file")
    assert len(pd.read_parquet(tmp_path / "runs")) == 1
    assert len(PartDataset(tmp_path / "runs").read()) == 1
    PartDataset(tmp_path / "runs", writer=True)
    assert not list((tmp_path / "runs").glob(".tmp-*"))


def test_open_returns_completed_ids_and_continues_numbering(tmp_path):
    with ResultStore(tmp_path / "s") as store:
        assert store.open(META_A, resume=True) == set()
        store.write_batch([rec(0, x=1.0), rec(1, x=2.0)], None)
    with ResultStore(tmp_path / "s") as store:
        assert store.open(META_A, resume=True) == {"r0", "r1"}
        store.write_batch([rec(2, x=3.0)], None)
    assert sorted(p.name for p in (tmp_path / "s" / RUNS).iterdir()) == [
        "part-000000.parquet",
        "part-000001.parquet",
    ]


def test_a_series_part_without_its_runs_part_is_dropped_on_resume(tmp_path):
    with ResultStore(tmp_path / "s") as store:
        store.open(META_A, resume=True)
        store.write_batch([rec(0)], pd.DataFrame({"run_id": ["r0"], "step": [0]}))
        # a crash between the series rename and the runs rename leaves an orphan:
        store.series.write(1, records_table([{"run_id": "r1", "step": 0}]))
    with ResultStore(tmp_path / "s") as store:
        assert store.open(META_A, resume=True) == {"r0"}
    assert pd.read_parquet(tmp_path / "s" / SERIES)["run_id"].tolist() == ["r0"]


def test_no_resume_clears_the_sweep_files_of_the_same_experiment(tmp_path):
    with ResultStore(tmp_path / "s") as store:
        store.open(META_A, resume=True)
        store.write_design([{"a": 1}], ["a"])
        store.write_batch([rec(0)], None)
    with ResultStore(tmp_path / "s") as store:
        assert store.open(META_A, resume=False) == set()
    assert not (tmp_path / "s" / DESIGN).exists()
    assert json.loads((tmp_path / "s" / META).read_text())["hash"] == "aaaa"


@pytest.mark.parametrize("resume", [True, False])
def test_a_directory_holding_another_experiment_is_refused(tmp_path, resume):
    with ResultStore(tmp_path / "s") as store:
        store.open(META_A, resume=True)
        store.write_batch([rec(0)], None)
    with ResultStore(tmp_path / "s") as store, pytest.raises(ExperimentError, match="another"):
        store.open({"name": "b", "hash": "bbbb"}, resume=resume)
    assert len(pd.read_parquet(tmp_path / "s" / RUNS)) == 1


def test_a_non_sweep_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with ResultStore(tmp_path) as store, pytest.raises(ExperimentError, match="not a sweep"):
        store.open(META_A, resume=False)
    assert (tmp_path / "notes.txt").exists()


def test_two_sweeps_cannot_write_to_one_directory(tmp_path):
    with ResultStore(tmp_path / "s") as first:
        first.open(META_A, resume=True)
        with (
            ResultStore(tmp_path / "s") as second,
            pytest.raises(ExperimentError, match="another sweep"),
        ):
            second.open(META_A, resume=True)


def test_an_edited_experiment_of_the_same_name_is_refused_with_the_reason(tmp_path):
    with ResultStore(tmp_path / "s") as store:
        store.open(META_A, resume=True)
    with ResultStore(tmp_path / "s") as store, pytest.raises(ExperimentError) as info:
        store.open({"name": "a", "hash": "a2a2"}, resume=True)
    assert "same name, but the experiment file, its base scenario" in str(info.value)
    assert "Choose another --out" in str(info.value)


def _store_of_batches(directory, batches=5, series=True):
    """A store with ``batches`` batches of two runs (and their series), left open."""
    store = ResultStore(directory)
    store.open(META_A, resume=True)
    for b in range(batches):
        runs = [rec(2 * b, x=float(b)), rec(2 * b + 1, x=float(b))]
        frame = pd.DataFrame({"run_id": [r["run_id"] for r in runs], "step": [0, 0]})
        store.write_batch(runs, frame if series else None)
    return store


def test_compaction_merges_the_parts_into_one_each_for_runs_and_series_with_the_same_rows(
    tmp_path,
):
    store = _store_of_batches(tmp_path / "s")
    before = pd.read_parquet(tmp_path / "s" / RUNS)
    assert store.compact() == (5, 5)
    store.close()
    for name in (RUNS, SERIES):
        assert [p.name for p in (tmp_path / "s" / name).iterdir()] == ["part-000000-000004.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s" / RUNS), before)
    with ResultStore(tmp_path / "s") as again:
        assert again.open(META_A, resume=True) == {f"r{i}" for i in range(10)}
        again.write_batch([rec(10, x=9.0)], None)  # numbering goes on after the merged part
    assert (tmp_path / "s" / RUNS / "part-000005.parquet").exists()


def test_a_compaction_killed_after_its_rename_leaves_every_run_once_and_a_writer_cleans_up(
    tmp_path, monkeypatch
):
    store = _store_of_batches(tmp_path / "s")
    unlinked = []

    def die_after_two(self, missing_ok=False):  # kill -9 after two of the merged parts went
        if len(unlinked) == 2:
            raise SystemExit("killed")
        unlinked.append(self.name)
        return original(self, missing_ok=missing_ok)

    original = type(tmp_path).unlink
    monkeypatch.setattr(type(tmp_path), "unlink", die_after_two)
    with pytest.raises(SystemExit):
        store.compact()
    monkeypatch.undo()
    store.close()
    left = sorted(p.name for p in (tmp_path / "s" / RUNS).iterdir())
    assert "part-000000-000004.parquet" in left and len(left) == 4  # merged + 3 not yet deleted
    ids = PartDataset(tmp_path / "s" / RUNS).read()["run_id"]
    assert sorted(ids) == sorted(f"r{i}" for i in range(10))  # readers skip merged-away parts
    with ResultStore(tmp_path / "s") as again:
        assert again.open(META_A, resume=True) == {f"r{i}" for i in range(10)}
        assert [p.name for p in (tmp_path / "s" / RUNS).iterdir()] == ["part-000000-000004.parquet"]
        # the series were not merged yet: they count as done (inside the merged runs part)
        assert len(again.series.parts()) == 5
        assert again.compact() == (1, 5)
    assert len(pd.read_parquet(tmp_path / "s" / SERIES)) == 10


def test_a_compaction_killed_before_its_rename_changes_nothing(tmp_path, monkeypatch):
    store = _store_of_batches(tmp_path / "s", series=False)
    import terrisim.experiments.store as store_module

    def killed(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(store_module.os, "replace", killed)
    with pytest.raises(SystemExit):
        store.compact()
    monkeypatch.undo()
    store.close()
    assert len(PartDataset(tmp_path / "s" / RUNS).parts()) == 5
    assert len(pd.read_parquet(tmp_path / "s" / RUNS)) == 10  # the temporary file is hidden
    with ResultStore(tmp_path / "s") as again:
        assert len(again.open(META_A, resume=True)) == 10
    assert not list((tmp_path / "s" / RUNS).glob(".tmp-*"))


def test_load_results_columns_reads_only_those(tmp_path):
    store = _store_of_batches(tmp_path / "s", series=False)
    store.close()
    table = PartDataset(tmp_path / "s" / RUNS).table(["run_id", "x", "absent"])
    assert table.column_names == ["run_id", "x"] and table.num_rows == 10
