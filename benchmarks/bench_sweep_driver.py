"""The sweep driver at scale: memory of the driver, part files, load_results time and memory.

A cheap null model (``terrisim.experiments.testing:fake_model``) on a grid of 20,000 points
x 10 replicates (200,000 runs by default), so that the driver, not the model, is measured:

* the driver's resident memory after preparing the sweep and its peak (``ru_maxrss``) over the
  sweep (the workers are other processes and are not counted);
* the wall time of the sweep and the runs/s;
* the part files in ``runs/`` when it ends;
* ``load_results`` of the finished sweep in a fresh process: its wall time and how much its
  peak resident memory rises above the process's after importing terrisim.

Run it on a commit and on another one (``PYTHONPATH=<tree>/src``) to compare:

    .venv/bin/python benchmarks/bench_sweep_driver.py                  # 200,000 runs, 2 workers
    .venv/bin/python benchmarks/bench_sweep_driver.py --points 2000    # 20,000 runs
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAD = """
import json, resource, sys, time
from terrisim.experiments.analysis import load_results
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
df = load_results(sys.argv[1])
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": len(df), "load_s": wall, "load_peak_rise_mib": (peak - base) / 1024,
                  "frame_mib": df.memory_usage(deep=True).sum() / 2**20}))
"""


def rss_mib() -> float:
    """This process's resident memory now (MiB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def experiment(tmp: Path, points: int, replicates: int) -> Path:
    """A grid of ``points`` points (x: points / 10 levels, y: 10 levels) of the null model."""
    xs = [round(i / (points // 10), 6) for i in range(points // 10)]
    body = [
        'name = "driver"',
        "seed = 1",
        f"replicates = {replicates}",
        'run_function = "terrisim.experiments.testing:fake_model"',
        "[design]",
        'method = "grid"',
        "[factors]",
        f'"x" = {{ levels = {xs} }}',
        f'"y" = {{ levels = {[i / 10 for i in range(10)]} }}',
    ]
    path = tmp / "driver.toml"
    path.write_text("\n".join(body) + "\n")
    return path


def main() -> None:
    """Run the sweep, then load its results in a fresh process; print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000, help="design points")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", default="local", choices=["local", "dask"])
    parser.add_argument("--no-compact", action="store_true", help="keep one part per batch")
    parser.add_argument("--keep", type=Path, help="sweep directory to keep (default: temp)")
    args = parser.parse_args()

    from terrisim.experiments.runner import prepare_sweep, run_sweep

    tmp = Path(tempfile.mkdtemp(prefix="bench_driver_"))
    out = args.keep or tmp / "sweep"
    shutil.rmtree(out, ignore_errors=True)
    prep = prepare_sweep(experiment(tmp, args.points, args.replicates))
    before = rss_mib()
    t0 = time.perf_counter()
    options = {"compact": False} if args.no_compact else {}
    report = run_sweep(
        prep, out, engine=args.engine, workers=args.workers, resume=False, progress=False, **options
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    parts = len(list((out / "runs").glob("*.parquet")))
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD, str(out)], capture_output=True, text=True, check=True
    )
    figures = {
        "runs": report.ok + report.failed,
        "failed": report.failed,
        "engine": report.engine,
        "sweep_s": round(wall, 1),
        "runs_per_s": round(report.runs_per_second, 0),
        "driver_rss_before_mib": round(before, 0),
        "driver_peak_rss_mib": round(peak, 0),
        "run_parts": parts,
        **{k: round(v, 2) for k, v in json.loads(loaded.stdout).items()},
        "load": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(figures))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
