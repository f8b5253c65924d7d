"""Sweep throughput and overhead per run, against calling the model directly.

For each workload (the demo scenario; a 1,000-territory scenario over 100 steps; a null model
that measures the machinery alone) it times:

* direct:  a Python loop calling ``run_scenario`` (one core, no sweep machinery);
* serial:  ``terrisim sweep --engine serial`` (same core, with designs, records, Parquet store);
* local:   the local process pool, for each ``--workers`` count (default: 1 and the cores);
* dask:    a Dask LocalCluster of that many single-threaded workers.

Overhead per run = serial time per run - direct time per run, on CPU time of this process (less
sensitive than wall time to the other processes of a shared machine). Throughput (wall time)
excludes the set-up (loading, pool or cluster start), which is reported apart. Each figure is
the best of ``--repeat`` measurements, taken in turn, after a warm-up run.

    .venv/bin/python benchmarks/bench_sweep.py            # workers 1 and 2: ~6 min on 2 cores
    .venv/bin/python benchmarks/bench_sweep.py --quick    # a quarter of the runs
    .venv/bin/python benchmarks/bench_sweep.py --only k1000 --workers 2 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import terrisim
from terrisim.experiments.engines import default_workers
from terrisim.experiments.runner import prepare_sweep, run_sweep
from terrisim.scenario import apply_overrides

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "configs" / "demo.toml"
K1000 = {"metropolis": 5, "town": 45, "periurban": 250, "rural": 500, "mountain": 200}


def experiment(
    tmp: Path, name: str, runs: int, *, steps: int | None, fixed: str = "", null: bool = False
) -> Path:
    levels = np.round(np.linspace(0.05, 0.5, 10), 3).tolist()
    body = [f'name = "{name}"', "seed = 1", f"replicates = {runs // 10}"]
    if null:
        body.append('run_function = "terrisim.experiments.testing:fake_model"')
        factor = "x"
    else:
        body.append(f'scenario = "{DEMO}"')
        factor = "exchange.reciprocity_tolerance"
    if steps:
        body.append(f"steps = {steps}")
    body.append(f"fixed = {{ {fixed} }}")
    body += ["[design]", 'method = "grid"', "[factors]", f'"{factor}" = {{ levels = {levels} }}']
    path = tmp / f"{name}.toml"
    path.write_text("\n".join(body) + "\n")
    return path


def direct(path: Path) -> dict:
    """Time the model alone on the same runs (one core, no sweep machinery)."""
    prep = prepare_sweep(path)
    base = prep.context.base
    tasks = list(prep.tasks())
    t0, c0 = time.perf_counter(), time.process_time()
    for task in tasks:
        scenario = apply_overrides(base, dict(task.factors))
        terrisim.run_scenario(
            scenario,
            steps=prep.experiment.steps,
            seed=task.seed,
            record_territories=False,
            keep_model=False,
        )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = len(tasks)
    return {
        "runs": n,
        "runs_per_s": n / wall,
        "per_run_ms": 1e3 * wall / n,
        "cpu_per_run_ms": 1e3 * cpu / n,
    }


def sweep(path: Path, out: Path, engine: str, workers: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    report = run_sweep(path, out, engine=engine, workers=workers, resume=False, progress=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert report.failed == 0, f"{report.failed} runs failed"
    n = report.ok
    return {
        "runs": n,
        "runs_per_s": n / report.elapsed_s,
        "per_run_ms": 1e3 * report.elapsed_s / n,
        "cpu_per_run_ms": 1e3 * cpu / n,
        "setup_s": report.setup_s,
        "wall_s": wall,
    }


def best(measures: list[dict]) -> dict:
    """The fastest of repeated measurements (the least disturbed by other processes)."""
    top = max(measures, key=lambda m: m["runs_per_s"])
    return {
        **top,
        "cpu_per_run_ms": min(m.get("cpu_per_run_ms", np.inf) for m in measures),
        "all_runs_per_s": [round(m["runs_per_s"], 2) for m in measures],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=sorted({1, default_workers()}),
        help="worker counts of the local pool and of the Dask cluster",
    )
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each figure")
    parser.add_argument(
        "--only", nargs="+", choices=["demo", "k1000", "null"], help="only these workloads"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    scale = 0.25 if args.quick else 1.0
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    counts = ", ".join(f'"{k}" = {v}' for k, v in K1000.items())
    workloads = [
        ("demo (15 territories, 60 steps)", experiment(tmp, "demo", int(400 * scale), steps=None)),
        (
            "1,000 territories, 100 steps",
            experiment(
                tmp,
                "k1000",
                int(120 * scale),
                steps=100,
                fixed=f'"territories.generator.counts" = {{ {counts} }}',
            ),
        ),
        (
            "null model (machinery only)",
            experiment(tmp, "null", int(2000 * scale), steps=None, null=True),
        ),
    ]
    workloads = [w for w in workloads if not args.only or w[1].stem in args.only]
    parallel = [(e, w) for e in ("local", "dask") for w in args.workers]
    results = {}
    load = os.getloadavg()
    print(
        f"{default_workers()} cores; load average before: {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}; best of {args.repeat}; runs/s exclude set-up\n"
    )
    heads = [f"{'local pool' if e == 'local' else 'Dask'} x{w} runs/s" for e, w in parallel]
    print(
        "| workload | direct runs/s (1 core) | serial sweep runs/s | overhead/run | "
        + " | ".join(heads)
        + " | set-up local / Dask |"
    )
    print("|---" * (5 + len(parallel)) + "|")
    for label, path in workloads:
        null = "null" in path.name
        engines = [("serial", 1), *parallel]
        if not null:
            engines.insert(0, ("direct", 1))
            direct(path)  # warm-up: imports, caches
        measures: dict[tuple[str, int], list[dict]] = {e: [] for e in engines}
        for _ in range(args.repeat):
            for engine, workers in engines:
                if engine == "direct":
                    measures[engine, workers].append(direct(path))
                else:
                    out = tmp / f"out-{path.stem}-{engine}-{workers}"
                    measures[engine, workers].append(sweep(path, out, engine, workers))
        row = {f"{e}x{w}": best(m) for (e, w), m in measures.items()}
        results[label] = row
        d = row.get("directx1")
        serial = row["serialx1"]
        overhead = (
            f"{serial['cpu_per_run_ms'] - d['cpu_per_run_ms']:+.2f} ms"
            if d
            else f"{serial['cpu_per_run_ms']:.2f} ms (all of it)"
        )
        cells = [f"{d['runs_per_s']:.1f}" if d else "n/a", f"{serial['runs_per_s']:.1f}", overhead]
        cells += [f"{row[f'{e}x{w}']['runs_per_s']:.1f}" for e, w in parallel]
        w = max(args.workers)
        cells.append(f"{row[f'localx{w}']['setup_s']:.1f} s / {row[f'daskx{w}']['setup_s']:.1f} s")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
