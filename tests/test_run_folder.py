"""``terrisim run --out`` never destroys earlier results (issue 21, "Data loss").

A run writes into a hidden folder beside ``--out`` and puts it in place whole once complete:
a rerun interrupted (Ctrl-C, SIGTERM, ``kill -9``) or failing (a full disk) while it writes
leaves the earlier run's files as they were, readable, and all describing the same run. A
folder holding an earlier run is refused in one line unless ``--overwrite``; every file of a
run folder comes from the same run. The sweep's result store, on a full disk, stops with one
line and leaves neither a ``.tmp`` file nor a series part without its runs part.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from test_experiments_sweep import fake_experiment, stable
from typer.testing import CliRunner

from terrisim.cli import app
from terrisim.experiments.analysis import load_results
from terrisim.experiments.store import RUNS, SERIES
from terrisim.run_folder import OLD, PARTIAL, RUN_FILES, clean_leftovers, sibling

DEMO = ROOT / "configs" / "demo.toml"


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def run_into(out: Path, *, seed: int, steps: int, figure: bool = True, overwrite: bool = False):
    flags = [*([] if figure else ["--no-figure"]), *(["--overwrite"] if overwrite else [])]
    return invoke("run", DEMO, "--seed", seed, "--steps", steps, "--out", out, *flags)


def fingerprint(folder: Path) -> dict[str, str]:
    """Each file's name and the SHA-256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def assert_describes(folder: Path, *, seed: int, steps: int, figure: bool = True) -> None:
    """Every file of ``folder`` is readable and comes from the run of this seed and steps."""
    assert {p.name for p in folder.iterdir()} == RUN_FILES - (set() if figure else {"summary.png"})
    manifest = json.loads((folder / "manifest.json").read_text())
    summary = json.loads((folder / "summary.json").read_text())
    assert (manifest["seed"], manifest["steps"]) == (seed, steps)
    assert (summary["seed"], summary["steps"]) == (seed, steps)
    assert pd.read_parquet(folder / "series.parquet")["step"].max() == steps
    assert pd.read_parquet(folder / "territories.parquet")["step"].max() == steps
    pd.read_csv(folder / "events.csv")


def hidden_siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """A finished run (seed 1, 12 steps, with its figure), copied for each test."""
    out = tmp_path_factory.mktemp("earlier") / "run"
    done = run_into(out, seed=1, steps=12)
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture
def previous(earlier: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(earlier, out)
    return out


# ------------------------------------------------------------------------------------------
# refusing and replacing
def test_a_folder_holding_an_earlier_run_is_refused_in_one_line_unless_overwrite(previous):
    before = fingerprint(previous)
    refused = run_into(previous, seed=2, steps=3)
    assert refused.exit_code == 2
    line = one_line(refused.output)
    assert line.startswith(f"error: --out: {previous} holds an earlier run (seed 1, 12 steps)")
    assert "--overwrite" in line
    assert fingerprint(previous) == before
    replaced = run_into(previous, seed=2, steps=3, overwrite=True)
    assert replaced.exit_code == 0, replaced.output
    assert_describes(previous, seed=2, steps=3)
    assert hidden_siblings(previous) == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_holding_anything_else_is_never_replaced(tmp_path, overwrite):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("months of work\n")
    refused = run_into(notes, seed=2, steps=3, overwrite=overwrite)
    assert refused.exit_code == 2
    assert one_line(refused.output).startswith(f"error: --out: {notes} is not empty")
    assert (notes / "thesis.tex").read_text() == "months of work\n"
    assert [p.name for p in notes.iterdir()] == ["thesis.tex"]


def test_files_a_run_does_not_write_keep_a_run_folder_from_being_replaced(previous):
    (previous / "my_analysis.ipynb").write_text("{}")
    refused = run_into(previous, seed=2, steps=3, overwrite=True)
    assert refused.exit_code == 2
    assert "my_analysis.ipynb" in one_line(refused.output)
    assert (previous / "my_analysis.ipynb").exists()


def test_an_empty_or_absent_out_is_written_without_overwrite(tmp_path):
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "absent" / "nested"):
        done = run_into(out, seed=3, steps=2, figure=False)
        assert done.exit_code == 0, done.output
        assert_describes(out, seed=3, steps=2, figure=False)


def test_the_default_runs_latest_is_replaced_by_every_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for seed in (1, 2):
        done = invoke("run", DEMO, "--seed", seed, "--steps", 2, "--no-figure")
        assert done.exit_code == 0, done.output
        assert_describes(tmp_path / "runs" / "latest", seed=seed, steps=2, figure=False)


def test_a_link_to_a_run_folder_stays_a_link_to_the_new_run(previous):
    link = previous.parent / "current"
    link.symlink_to(previous.name)
    done = run_into(link, seed=2, steps=3, overwrite=True)
    assert done.exit_code == 0, done.output
    assert link.is_symlink() and link.resolve() == previous
    assert_describes(previous, seed=2, steps=3)
    assert hidden_siblings(previous) == hidden_siblings(link) == []


def test_an_overwrite_without_figure_leaves_no_stale_figure_of_the_earlier_run(previous):
    assert (previous / "summary.png").exists()
    done = run_into(previous, seed=2, steps=3, figure=False, overwrite=True)
    assert done.exit_code == 0, done.output
    assert not (previous / "summary.png").exists()
    assert_describes(previous, seed=2, steps=3, figure=False)


def test_a_file_as_out_is_refused_in_one_line(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("a,b\n")
    done = run_into(path, seed=1, steps=2)
    assert done.exit_code == 2
    assert one_line(done.output) == f"error: --out: {path} is a file, not a folder"


@pytest.mark.parametrize("out", [".", "./", "..", "../.."])
def test_the_current_folder_or_one_holding_it_is_refused_in_one_line(tmp_path, monkeypatch, out):
    here = tmp_path / "a" / "b"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    done = run_into(Path(out), seed=1, steps=2)
    assert done.exit_code == 2
    assert one_line(done.output).startswith(
        f"error: --out: {Path(out)} is the current folder or holds it"
    )
    assert list(tmp_path.rglob("*")) == [tmp_path / "a", here]


def test_an_out_inside_a_file_is_refused_in_one_line_for_run_and_sweep(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("a,b\n")
    done = run_into(path / "run", seed=1, steps=2)
    assert done.exit_code == 2
    assert one_line(done.output) == (
        f"error: --out: {path} is a file, not a folder (so {path / 'run'} cannot be made)"
    )
    swept = sweep(fake_experiment(tmp_path), path / "sweep")
    assert swept.exit_code == 2
    assert one_line(swept.output) == (
        f"error: --out: cannot write {path / 'sweep'}: Not a directory (ENOTDIR); "
        "choose another --out"
    )
    assert path.read_text() == "a,b\n"


# ------------------------------------------------------------------------------------------
# interrupted reruns
#: A moment while the rerun writes: the file that, once it appears in the hidden folder,
#: triggers the signal, and the steps that make the rerun last long enough to be caught there.
MOMENTS = {
    "streaming the territories": ("territories.parquet", 400),
    "drawing the figure": ("summary.json", 20),
}


def command(*args: object) -> list[str]:
    """``python -m terrisim ARGS`` with this interpreter (and this checkout's PYTHONPATH)."""
    return [sys.executable, "-m", "terrisim", *map(str, args)]


def start_rerun(out: Path, steps: int) -> subprocess.Popen:
    return subprocess.Popen(
        command("run", DEMO, "--seed", 2, "--steps", steps, "--out", out, "--overwrite"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(proc: subprocess.Popen, path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the rerun ended (status {proc.returncode}) before writing {path.name}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the rerun did not write {path.name} within {timeout} s")
        time.sleep(0.002)


#: The signals tried at each moment (SIGTERM takes Ctrl-C's path: one moment is enough).
INTERRUPTIONS = [
    pytest.param(signum, moment, id=f"{signum.name}-{moment.replace(' ', '-')}")
    for signum, moment in [
        (signal.SIGINT, "streaming the territories"),
        (signal.SIGINT, "drawing the figure"),
        (signal.SIGTERM, "streaming the territories"),
        (signal.SIGKILL, "streaming the territories"),
        (signal.SIGKILL, "drawing the figure"),
    ]
]


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "moment"), INTERRUPTIONS)
def test_a_rerun_interrupted_while_writing_leaves_the_earlier_run_intact(previous, signum, moment):
    before = fingerprint(previous)
    trigger, steps = MOMENTS[moment]
    proc = start_rerun(previous, steps)
    wait_for(proc, sibling(previous, PARTIAL, proc.pid) / trigger)
    os.kill(proc.pid, signum)
    _, stderr = proc.communicate(timeout=120)
    assert fingerprint(previous) == before
    assert_describes(previous, seed=1, steps=12)
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert hidden_siblings(previous) == [sibling(previous, PARTIAL, proc.pid).name]
        # the next run deletes what the killed one left, says so, and completes
        done = run_into(previous, seed=3, steps=2, overwrite=True)
        assert done.exit_code == 0, done.output
        assert "note: deleted" in done.output and "a run that was killed" in done.output
        assert_describes(previous, seed=3, steps=2)
    else:
        assert proc.returncode == 130
        line = one_line(stderr)
        assert (
            line == f"interrupted: the run was not kept, the earlier run in {previous} is unchanged"
        )
    assert hidden_siblings(previous) == []


def _exited_pid() -> int:
    """The process id of a process that has ended (as a killed run's)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_killed_between_its_two_renames_gets_the_earlier_run_put_back(previous):
    before = fingerprint(previous)
    pid = _exited_pid()
    previous.rename(sibling(previous, OLD, pid))  # set aside; the new one not yet renamed in
    sibling(previous, PARTIAL, pid).mkdir()
    notes = clean_leftovers(previous)
    assert len(notes) == 2 and notes[0].startswith(f"put back {previous}")
    assert fingerprint(previous) == before
    assert hidden_siblings(previous) == []


def test_a_run_killed_after_its_two_renames_has_the_earlier_run_deleted(previous):
    pid = _exited_pid()
    shutil.copytree(previous, sibling(previous, OLD, pid))
    before = fingerprint(previous)
    assert clean_leftovers(previous)[0].startswith("deleted")
    assert fingerprint(previous) == before
    assert hidden_siblings(previous) == []


def test_what_a_killed_run_left_beside_a_relative_out_is_deleted_by_the_next(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    left = sibling(Path("runs/latest"), PARTIAL, _exited_pid())
    left.mkdir(parents=True)
    (left / "territories.parquet").write_bytes(b"PAR1 cut short")
    done = invoke("run", DEMO, "--seed", 4, "--steps", 2, "--no-figure")
    assert done.exit_code == 0, done.output
    assert f"note: deleted {left}, the unfinished files of a run that was killed" in done.output
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["latest"]
    assert_describes(tmp_path / "runs" / "latest", seed=4, steps=2, figure=False)


def test_the_folders_of_a_run_still_going_are_left_alone(previous):
    busy = sibling(previous, PARTIAL, os.getpid())
    busy.mkdir()
    assert clean_leftovers(previous) == []
    assert busy.is_dir()


# ------------------------------------------------------------------------------------------
# a full disk
ENOSPC_TEXT = "No space left on device (ENOSPC)"


def fail_third_record_write(monkeypatch) -> None:
    """pyarrow's stream writer fails as on a full disk (its errno in the text only)."""
    real = pq.ParquetWriter.write_table
    calls = []

    def write_table(self, table, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
        return real(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_table)


def fail_the_figure(monkeypatch) -> None:
    import matplotlib.figure

    def savefig(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)


@pytest.mark.parametrize(
    ("fail", "file"),
    [(fail_third_record_write, "territories.parquet"), (fail_the_figure, "summary.png")],
)
def test_a_full_disk_stops_the_run_in_one_line_and_keeps_the_earlier_run(
    previous, monkeypatch, fail, file
):
    before = fingerprint(previous)
    fail(monkeypatch)
    done = run_into(previous, seed=2, steps=6, overwrite=True)
    assert done.exit_code == 1
    assert one_line(done.output) == (
        f"error: cannot write {previous / file}: {ENOSPC_TEXT}; the run was not kept, "
        f"the earlier run in {previous} is unchanged"
    )
    assert fingerprint(previous) == before
    assert_describes(previous, seed=1, steps=12)
    assert hidden_siblings(previous) == []


SWEEP_FACTORS = 'x = { levels = [0.0, 0.5, 1.0] }\nrule = { levels = ["none", "conference"] }\n'


def sweep(experiment: Path, out: Path):
    return invoke(
        "sweep", experiment, "--out", out, "--engine", "serial", "--batch-size", 2, "--quiet"
    )


def test_a_full_disk_stops_the_sweep_in_one_line_leaving_no_orphan_and_resumes(
    tmp_path, monkeypatch
):
    exp = fake_experiment(tmp_path, extra="keep_series = true\nsteps = 5", factors=SWEEP_FACTORS)
    out = tmp_path / "out"
    real = pq.write_table
    runs_parts = []

    def write_table(table, where, *args, **kwargs):
        name = Path(getattr(where, "name", str(where)))
        if name.parent.name == RUNS:
            runs_parts.append(name)
            if len(runs_parts) == 3:  # the third batch: its series part is written already
                where.write(b"PAR1 half a part")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)
    done = sweep(exp, out)
    assert done.exit_code == 1
    line = one_line(done.output)
    assert line.startswith(f"error: cannot store the results: {out / RUNS / 'part-000002.parquet'}")
    assert ENOSPC_TEXT in line and "run the same command again to resume" in line
    assert "Traceback" not in done.output
    assert list(out.rglob(".tmp-*")) == []
    runs = sorted(p.name for p in (out / RUNS).iterdir())
    series = sorted(p.name for p in (out / SERIES).iterdir())
    assert runs == ["part-000000.parquet", "part-000001.parquet"] == series
    assert len(load_results(out)) == 4  # the earlier batches, readable
    monkeypatch.undo()
    resumed = sweep(exp, out)
    assert resumed.exit_code == 0, resumed.output
    assert sweep(exp, tmp_path / "one_go").exit_code == 0
    pd.testing.assert_frame_equal(
        stable(load_results(out)), stable(load_results(tmp_path / "one_go"))
    )


# ------------------------------------------------------------------------------------------
# a real full disk (a small tmpfs; only where this user may mount one)
@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


SERIAL_QUIET = ("--engine", "serial", "--batch-size", 2, "--quiet")


@pytest.mark.slow
def test_a_real_full_disk_stops_run_and_sweep_in_one_line(earlier, small_disk):
    out = small_disk / "run"
    shutil.copytree(earlier, out)
    before = fingerprint(out)
    env = dict(os.environ)
    rerun = subprocess.run(
        command("run", DEMO, "--steps", 300, "--seed", 2, "--out", out, "--overwrite"),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert rerun.returncode == 1
    assert ENOSPC_TEXT in one_line(rerun.stderr)
    assert fingerprint(out) == before
    assert_describes(out, seed=1, steps=12)
    assert hidden_siblings(out) == []
    exp = fake_experiment(small_disk.parent, extra="keep_series = true\nsteps = 4000")
    swept = subprocess.run(
        command("sweep", exp, "--out", small_disk / "s", *SERIAL_QUIET),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert swept.returncode == 1
    line = one_line(swept.stderr)
    assert line.startswith("error: cannot store the results:") and ENOSPC_TEXT in line
    assert list(small_disk.rglob(".tmp-*")) == []
    runs = {p.name for p in (small_disk / "s" / RUNS).iterdir()}
    assert {p.name for p in (small_disk / "s" / SERIES).iterdir()} <= runs
    load_results(small_disk / "s")
