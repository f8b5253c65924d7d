"""Sweeps end to end: failures captured, engines and worker counts agree, kill -9 and resume,
lost workers retried, a real Dask scheduler with workers, the shipped smoke experiment."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from terrisim.experiments.analysis import load_results, load_series
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.store import LOG, RUNS

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "experiments" / "smoke.toml"
DASK = Path(sys.executable).parent / "dask"
VOLATILE = ["duration_s", "worker"]


def fake_experiment(
    tmp_path: Path,
    name: str = "fake",
    *,
    fixed: str = "",
    extra: str = "",
    factors: str | None = None,
    replicates: int = 3,
) -> Path:
    factors = factors or (
        "x = { levels = [0.0, 0.5, 1.0] }\n"
        'rule = { levels = ["none", "contract", "conference"] }\n'
        "fail = { levels = [false, true] }\n"
    )
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nseed = 11\nreplicates = {replicates}\n'
        'run_function = "terrisim.experiments.testing:fake_model"\n'
        f"fixed = {{ {fixed} }}\n{extra}\n"
        f'[design]\nmethod = "grid"\n[factors]\n{factors}'
    )
    return path


def stable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=VOLATILE).sort_values("run_id").reset_index(drop=True)


def test_a_failing_run_is_recorded_with_its_error_and_the_sweep_goes_on(tmp_path):
    report = run_sweep(fake_experiment(tmp_path), tmp_path / "out", engine="serial", progress=False)
    assert report.total == 54 and report.failed == 27 and report.ok == 27
    df = load_results(tmp_path / "out")
    failed = df[df["status"] == "failed"]
    assert len(failed) == 27 and failed["fail"].all()
    assert failed["error"].str.startswith("ValueError: asked to fail").all()
    assert failed["outcome"].isna().all()
    ok = df[df["status"] == "ok"]
    assert ok["error"].isna().all() and ok["outcome"].notna().all()
    assert "ValueError: asked to fail" in (tmp_path / "out" / "sweep.log").read_text()


def test_results_have_one_row_per_run_with_factors_seed_status_and_indicators(tmp_path):
    run_sweep(fake_experiment(tmp_path), tmp_path / "out", engine="serial", progress=False)
    df = load_results(tmp_path / "out")
    assert df["run_id"].is_unique and len(df) == 54
    assert list(df.columns[:8]) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "status",
        "error",
        "duration_s",
        "worker",
    ]
    assert {"x", "rule", "fail", "outcome", "recovery_time", "regime"} <= set(df.columns)
    assert df.attrs["experiment"]["n_runs"] == 54
    assert pd.read_parquet(tmp_path / "out" / RUNS)["run_id"].is_unique


def test_local_pool_and_serial_engine_give_identical_results_whatever_the_workers(tmp_path):
    exp = fake_experiment(tmp_path)
    run_sweep(exp, tmp_path / "serial", engine="serial", progress=False)
    run_sweep(exp, tmp_path / "one", engine="local", workers=1, batch_size=5, progress=False)
    run_sweep(exp, tmp_path / "two", engine="local", workers=2, progress=False)
    reference = stable(load_results(tmp_path / "serial"))
    pd.testing.assert_frame_equal(stable(load_results(tmp_path / "one")), reference)
    pd.testing.assert_frame_equal(stable(load_results(tmp_path / "two")), reference)


def test_series_are_kept_in_their_own_dataset_when_asked(tmp_path):
    exp = fake_experiment(
        tmp_path, extra="keep_series = true\nsteps = 7", factors="x = { levels = [0.0, 1.0] }\n"
    )
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    series = load_series(tmp_path / "out")
    assert len(series) == 2 * 3 * 7
    runs = load_results(tmp_path / "out")
    assert set(series["run_id"]) == set(runs["run_id"])
    assert list(series.columns[:5]) == ["run_id", "point", "replicate", "x", "step"]
    factor_of = dict(zip(runs["run_id"], runs["x"], strict=True))
    assert (series["x"] == series["run_id"].map(factor_of)).all()  # each run's own factor value


def test_a_finished_sweep_resumes_to_nothing_and_no_resume_starts_over(tmp_path):
    exp = fake_experiment(tmp_path, factors="x = { levels = [0.0, 1.0] }\n")
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    again = run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    assert again.skipped == 6 and again.ok + again.failed == 0
    fresh = run_sweep(exp, tmp_path / "out", engine="serial", resume=False, progress=False)
    assert fresh.skipped == 0 and fresh.ok == 6
    assert len(load_results(tmp_path / "out")) == 6


def test_a_run_that_kills_its_worker_is_retried_on_a_new_pool(tmp_path):
    crash = tmp_path / "crash"
    crash.mkdir()
    exp = fake_experiment(
        tmp_path,
        fixed=f'crash_once_dir = "{crash}", crash_point = 2',
        factors="x = { levels = [0.0, 0.25, 0.5, 1.0] }\n",
    )
    report = run_sweep(exp, tmp_path / "out", engine="local", workers=2, progress=False)
    df = load_results(tmp_path / "out")
    assert report.failed == 0 and (df["status"] == "ok").all() and len(df) == 12
    assert list(crash.iterdir())  # it did crash


def _cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_and_resumed_equals_the_sweep_run_in_one_go(tmp_path):
    exp = fake_experiment(
        tmp_path,
        fixed="sleep = 0.05",
        replicates=5,
        factors="x = { levels = [0.0, 0.5, 1.0, 1.5] }\n"
        'rule = { levels = ["none", "conference"] }\n'
        "fail = { levels = [false, true] }\n",
    )
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-c",
        "from terrisim.cli import main; main()",
        "sweep",
        str(exp),
        "--out",
        str(out),
        "--workers",
        "2",
        "--batch-size",
        "2",
    ]
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_cli_env(),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((out / RUNS).glob("part-*.parquet")) if (out / RUNS).exists() else []
        if len(parts) >= 5:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = pd.read_parquet(out / RUNS)  # readable as is, after a kill -9
    assert 0 < len(partial) < 80 and partial["run_id"].is_unique
    resumed = subprocess.run(
        [*cmd, "--quiet"], capture_output=True, text=True, env=_cli_env(), check=False
    )
    assert resumed.returncode == 1, resumed.stderr  # half of the runs fail, by design
    assert "runs failed (first: ValueError: asked to fail" in resumed.stderr
    assert "resumed" in resumed.stdout
    run_sweep(exp, tmp_path / "one_go", engine="local", workers=2, progress=False)
    done = stable(load_results(out))
    assert len(done) == 80 and done["run_id"].is_unique
    pd.testing.assert_frame_equal(done, stable(load_results(tmp_path / "one_go")))
    assert len(pd.read_parquet(out / RUNS)) == 80


def _session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of a session, read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_exit_when_the_sweep_process_is_killed(tmp_path):
    """kill -9 of the sweep process alone (not its group): its workers do not linger."""
    exp = fake_experiment(
        tmp_path,
        fixed="sleep = 0.05",
        replicates=20,
        factors="x = { levels = [0.0, 0.5, 1.0, 1.5] }\n",
    )
    out = tmp_path / "orphans"
    cmd = [
        sys.executable,
        "-c",
        "from terrisim.cli import main; main()",
        "sweep",
        str(exp),
        "--out",
        str(out),
        "--workers",
        "2",
        "--batch-size",
        "2",
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_cli_env(),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        (out / RUNS).exists() and list((out / RUNS).glob("part-*.parquet"))
    ):
        time.sleep(0.02)
    assert len(_session_processes(proc.pid)) >= 3  # the sweep, its workers (and forkserver)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == []


@pytest.mark.slow
def test_sigterm_stops_the_sweep_cleanly_and_tells_how_to_resume(tmp_path):
    exp = fake_experiment(tmp_path, fixed="sleep = 0.2", factors="x = { levels = [0, 1, 2, 3] }\n")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from terrisim.cli import main; main()",
            "sweep",
            str(exp),
            "--out",
            str(out),
            "--engine",
            "serial",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(),
    )
    deadline = time.monotonic() + 60
    while not list(out.glob("runs/part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "run the same command again to resume" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory):
    """A real Dask scheduler and two single-threaded workers on loopback, as a user starts them."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "scheduler.log", "w"),  # noqa: SIM115
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        procs.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=open(logs / "workers.log", "w"),  # noqa: SIM115
            )
        )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_a_running_dask_scheduler_gives_the_same_results_as_the_local_pool(
    tmp_path, dask_scheduler
):
    exp = fake_experiment(tmp_path)
    report = run_sweep(exp, tmp_path / "dask", scheduler=dask_scheduler, progress=False)
    assert "dask" in report.engine and report.failed == 27
    run_sweep(exp, tmp_path / "local", engine="local", progress=False)
    pd.testing.assert_frame_equal(
        stable(load_results(tmp_path / "dask")), stable(load_results(tmp_path / "local"))
    )


@pytest.mark.slow
def test_a_dask_worker_that_dies_mid_run_has_its_runs_retried(tmp_path, dask_scheduler):
    crash = tmp_path / "crash"
    crash.mkdir()
    exp = fake_experiment(
        tmp_path,
        fixed=f'crash_once_dir = "{crash}", crash_point = 1',
        factors="x = { levels = [0.0, 0.5, 1.0] }\n",
    )
    report = run_sweep(exp, tmp_path / "out", scheduler=dask_scheduler, progress=False)
    df = load_results(tmp_path / "out")
    assert report.failed == 0 and len(df) == 9 and (df["status"] == "ok").all()
    assert list(crash.iterdir())
    assert "2 worker(s), 2 thread(s)" in report.engine  # the cluster's real size
    log = (tmp_path / "out" / LOG).read_text()  # the scheduler reports the loss, then retries
    assert re.search(r"WARNING Dask worker tcp://\S+ lost \(\d task\(s\) were running", log)


@pytest.mark.slow
def test_the_cli_attaches_to_a_dask_scheduler(tmp_path, dask_scheduler):
    exp = fake_experiment(tmp_path, factors="x = { levels = [0.0, 1.0] }\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from terrisim.cli import main; main()",
            "sweep",
            str(exp),
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            dask_scheduler,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=_cli_env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert "dask engine" in proc.stdout
    assert len(load_results(tmp_path / "out")) == 6


# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_smoke_experiment_runs_the_model_identically_on_every_engine(tmp_path, dask_scheduler):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from terrisim.cli import main; main()",
            "sweep",
            str(SMOKE),
            "--out",
            str(tmp_path / "local"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=_cli_env(),
    )
    assert proc.returncode == 0, proc.stderr
    local = load_results(tmp_path / "local")
    assert len(local) <= 20 and (local["status"] == "ok").all()
    for column in ("satisfaction_mean", "gini", "exchange.reciprocity_tolerance", "trust.initial"):
        assert local[column].notna().all()
    run_sweep(SMOKE, tmp_path / "dask", scheduler=dask_scheduler, progress=False)
    run_sweep(SMOKE, tmp_path / "serial", engine="serial", progress=False)
    reference = stable(local)
    pd.testing.assert_frame_equal(stable(load_results(tmp_path / "dask")), reference)
    pd.testing.assert_frame_equal(stable(load_results(tmp_path / "serial")), reference)


def test_a_sweep_run_equals_calling_the_model_directly_with_the_run_seed(tmp_path):
    import terrisim
    from terrisim.scenario import apply_overrides

    run_sweep(SMOKE, tmp_path / "out", engine="serial", progress=False)
    row = load_results(tmp_path / "out").iloc[5]
    scenario = apply_overrides(
        terrisim.load_scenario(ROOT / "configs" / "demo.toml"),
        {k: row[k] for k in ("exchange.reciprocity_tolerance", "trust.initial")},
    )
    direct = terrisim.run_scenario(
        scenario, steps=30, seed=int(row["seed"]), record_territories=False, keep_model=False
    ).summary
    assert direct["satisfaction_mean"] == row["satisfaction_mean"]
    assert direct["gini"] == row["gini"]


@pytest.mark.slow
def test_results_are_readable_at_any_moment_of_a_running_sweep(tmp_path):
    """pandas, load_results and DuckDB read whole runs only, while parts are being added (and
    rewritten when a later batch brings a new column or a wider type)."""
    duckdb = pytest.importorskip("duckdb")
    exp = fake_experiment(
        tmp_path,
        fixed="sleep = 0.03",
        replicates=4,
        factors="x = { levels = [0.0, 0.5, 1.0] }\n"
        'rule = { levels = ["none", "conference"] }\n'
        "fail = { levels = [false, true] }\n",
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from terrisim.cli import main; main()",
            "sweep",
            str(exp),
            "--out",
            str(out),
            "--workers",
            "2",
            "--batch-size",
            "3",
            "--quiet",
            "--no-compact",  # raw readers polling as the sweep ends: see the compaction test
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(),
    )
    seen: list[int] = []
    query = f"SELECT run_id, status, outcome FROM read_parquet('{out}/runs/part-*.parquet', union_by_name = true)"
    try:
        while proc.poll() is None:
            if not list(out.glob("runs/part-*.parquet")):
                time.sleep(0.01)
                continue
            df = load_results(out)
            assert df["run_id"].is_unique
            assert df.loc[df["status"] == "ok", "outcome"].notna().all()
            assert df.loc[df["status"] == "failed", "error"].notna().all()
            assert pd.read_parquet(out / RUNS)["run_id"].is_unique
            rows = duckdb.sql(query).fetchall()
            assert len({r[0] for r in rows}) == len(rows)
            seen.append(len(df))
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 1, proc.stderr.read()  # half of the runs fail, by design
    assert len(load_results(out)) == 48
    assert len(seen) >= 3 and seen == sorted(seen) and 0 < seen[0] < 48  # read mid-sweep


@pytest.mark.slow
def test_the_dask_engine_alone_starts_a_local_cluster_with_the_same_results(tmp_path):
    exp = fake_experiment(
        tmp_path, factors="x = { levels = [0.0, 1.0] }\nfail = { levels = [false, true] }\n"
    )
    report = run_sweep(exp, tmp_path / "dask", engine="dask", workers=2, progress=False)
    assert report.engine.startswith("dask engine (local cluster), 2 worker")
    assert report.ok == 6 and report.failed == 6
    run_sweep(exp, tmp_path / "serial", engine="serial", progress=False)
    pd.testing.assert_frame_equal(
        stable(load_results(tmp_path / "dask")), stable(load_results(tmp_path / "serial"))
    )


def test_workers_that_cannot_start_stop_the_sweep_before_any_run_is_recorded(tmp_path):
    """A script calling run_sweep without the __main__ guard: every worker re-runs the script
    and dies while starting. The sweep must say so, not record every run as failed."""
    exp = fake_experiment(tmp_path, factors="x = { levels = [0.0, 1.0] }\n")
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from terrisim.experiments.runner import run_sweep\n"
        f"run_sweep({str(exp)!r}, {str(tmp_path / 'out')!r}, workers=2, progress=False)\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        env=_cli_env(),
        timeout=300,
    )
    assert proc.returncode != 0
    assert "SweepError: the worker processes could not start" in proc.stderr
    assert "__main__" in proc.stderr
    assert not list((tmp_path / "out" / RUNS).glob("part-*.parquet"))
