"""Time the model step from 1,000 to 35,000 territories, against a per-agent Mesa reference.

For each size (the France-scale scenario ``configs/france_scale.toml`` scaled down, kinds in
the same proportions, about 10 links per territory, the default goods) and each engine (numpy,
the readable reference; numba, the compiled kernels, when installed) it prints: territories,
links, goods, engine, the time to build the scenario (generation included), seconds per step,
steps per second, the model time of 100 steps, the peak memory of the process, and the
speed-up over the straightforward per-agent Mesa implementation
(``examples/per_agent/reference_per_agent.py``), which is timed in the same run at the sizes of
``--reference-sizes`` (its satisfactions are first checked against the model's: docking).
Below the table, the scaling: time per step grows how many times faster than the number of
links, from the smallest to the largest size (target: at most 1.5).

Method: every measurement runs in its own fresh process (so that the peak memory is its own),
on one core (no BLAS, OpenMP or numba threads);
after two warm-up steps (numba compiles, or loads its cache), ``--repeat`` blocks of
``--steps`` steps are timed on the same model and the median block gives seconds per step.
Measurements of different sizes and engines are taken in turn, ``--repeat`` times over, so
that a burst of load on a shared machine spreads over all of them; ratios are computed within
this run only.

    .venv/bin/python benchmarks/bench_step.py                  # about 3 minutes
    .venv/bin/python benchmarks/bench_step.py --sizes 1000,35000 --repeat 5
    .venv/bin/python benchmarks/bench_step.py --quick          # tiny sizes, a few seconds
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "france_scale.toml"


def scaled_scenario(territories: int, scenario_path: Path = SCENARIO):
    """The France-scale scenario with ``territories`` territories, kinds in proportion."""
    from terrisim.scenario import apply_overrides, load_scenario

    base = load_scenario(scenario_path)
    counts = base.territories.generator.counts
    total = sum(counts.values())
    scaled = {
        kind: max(1, round(count * territories / total)) if count else 0
        for kind, count in counts.items()
    }
    return apply_overrides(base, {"territories.generator.counts": scaled})


def peak_mib() -> float:
    """Peak resident memory of this process, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------ worker processes
def measure_model(job: dict[str, Any]) -> dict[str, Any]:
    """Build the scenario and time blocks of steps of ``TerriModel`` (one engine)."""
    from terrisim.model import TerriModel

    start = time.perf_counter()
    scenario = scaled_scenario(job["territories"])
    model = TerriModel(scenario, rng=job["seed"], engine=job["engine"])
    build = time.perf_counter() - start
    model.run(2)  # warm-up: numba compiles or loads its cache
    blocks = []
    for _ in range(job["blocks"]):
        start = time.perf_counter()
        model.run(job["steps"])
        blocks.append((time.perf_counter() - start) / job["steps"])
    s = model.state
    return {
        "territories": s.n,
        "links": s.n_links,
        "goods": len(s.goods),
        "engine": model.engine,
        "build_s": build,
        "step_s": blocks,
        "peak_mib": peak_mib(),
    }


def measure_reference(job: dict[str, Any]) -> dict[str, Any]:
    """Dock the per-agent reference on the model, then time it."""
    sys.path.insert(0, str(ROOT / "examples" / "per_agent"))
    from reference_per_agent import PerAgentModel, max_difference

    from terrisim.scenario import apply_overrides

    # the reference has no market of the scope and no commuting (ODD 7.10): both are docked
    # and it is timed without them
    scenario = apply_overrides(
        scaled_scenario(job["territories"]), {"market.enabled": False, "commuting.enabled": False}
    )
    difference = max_difference(scenario, job["seed"], 3)
    start = time.perf_counter()
    model = PerAgentModel(scenario, job["seed"])
    build = time.perf_counter() - start
    model.step()
    blocks = []
    for _ in range(job["blocks"]):
        start = time.perf_counter()
        for _ in range(job["steps"]):
            model.step()
        blocks.append((time.perf_counter() - start) / job["steps"])
    return {
        "territories": len(model.territories),
        "links": len(model.links),
        "goods": model.price.size,
        "engine": "per-agent",
        "build_s": build,
        "step_s": blocks,
        "peak_mib": peak_mib(),
        "docking_difference": difference,
    }


#: One core: BLAS, OpenMP and numba may not start threads (a multi-threaded dot product of
#: 35,000 values costs more than it saves, and much more on a loaded machine).
ONE_CORE = dict.fromkeys(
    ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"), "1"
)


def run_worker(job: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh Python process (on one core) and return its result."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(job)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **ONE_CORE},
    )
    if out.returncode != 0:
        raise RuntimeError(f"measurement {job} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------ report
def engines_available() -> list[str]:
    """numpy always; numba when it can be imported."""
    from terrisim import kernels

    return ["numpy", "numba"] if kernels.HAVE_NUMBA else ["numpy"]


def collect(results: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """Merge the repeated measurements of each (size, engine): all blocks, max peak."""
    merged: dict[tuple[int, str], dict[str, Any]] = {}
    for r in results:
        key = (r["territories"], r["engine"])
        if key not in merged:
            merged[key] = {**r, "step_s": list(r["step_s"]), "build_s": [r["build_s"]]}
        else:
            merged[key]["step_s"] += r["step_s"]
            merged[key]["build_s"].append(r["build_s"])
            merged[key]["peak_mib"] = max(merged[key]["peak_mib"], r["peak_mib"])
    for m in merged.values():
        m["median_step_s"] = statistics.median(m["step_s"])
        m["median_build_s"] = statistics.median(m["build_s"])
    return merged


def table(merged: dict[tuple[int, str], dict[str, Any]]) -> str:
    """The results as a Markdown table, with the speed-up over the per-agent reference."""
    lines = [
        (
            "| territories | links | goods | engine | build (s) | s/step | steps/s | "
            "100 steps (s) | peak memory (MiB) | speed-up vs per-agent |"
        ),
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (n, engine), m in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        ref = merged.get((n, "per-agent"))
        ratio = (
            ""
            if ref is None or engine == "per-agent"
            else f"{ref['median_step_s'] / m['median_step_s']:,.0f} x"
        )
        step = m["median_step_s"]
        lines.append(
            f"| {n:,} | {m['links']:,} | {m['goods']} | {engine} | "
            f"{m['median_build_s']:.2f} | {step:.4f} | {1 / step:,.1f} | "
            f"{100 * step:.2f} | {m['peak_mib']:,.0f} | {ratio} |"
        )
    return "\n".join(lines)


def scaling(merged: dict[tuple[int, str], dict[str, Any]]) -> str:
    """Time growth over link growth from the smallest to the largest size, per engine."""
    lines = []
    for engine in sorted({engine for _, engine in merged if engine != "per-agent"}):
        sizes = sorted(n for n, e in merged if e == engine)
        if len(sizes) < 2:
            continue
        small, large = merged[(sizes[0], engine)], merged[(sizes[-1], engine)]
        time_growth = large["median_step_s"] / small["median_step_s"]
        link_growth = large["links"] / small["links"]
        lines.append(
            f"- {engine}: {sizes[0]:,} -> {sizes[-1]:,} territories, links x "
            f"{link_growth:.1f}, time per step x {time_growth:.1f}: "
            f"{time_growth / link_growth:.2f} times the link growth (target <= 1.5)"
        )
    for (n, engine), m in sorted(merged.items()):
        if engine == "per-agent":
            lines.append(
                f"- per-agent reference at {n:,} territories docks with the model: "
                f"largest satisfaction difference after 3 steps "
                f"{m['docking_difference']:.1e}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the measurements in turn, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1000,5000,35000",
        help="territories, comma-separated (default 1000,5000,35000)",
    )
    parser.add_argument(
        "--engines",
        default=None,
        help="comma-separated, among numpy,numba (default: all available)",
    )
    parser.add_argument("--steps", type=int, default=100, help="steps per timed block")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fresh processes per measurement (one timed block each)",
    )
    parser.add_argument(
        "--reference-sizes",
        default="1000",
        help="sizes at which the per-agent reference is timed ('' for none)",
    )
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=5,
        help="steps per timed block of the per-agent reference",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and few steps (a smoke test, not a measurement)",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        job = json.loads(args.worker)
        result = measure_reference(job) if job["engine"] == "per-agent" else measure_model(job)
        print(json.dumps(result))
        return
    if args.quick:
        args.sizes, args.steps, args.repeat = "60,200", 3, 1
        args.reference_sizes, args.reference_steps = "60", 1
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    ref_sizes = [int(x) for x in args.reference_sizes.split(",") if x.strip()]
    engines = args.engines.split(",") if args.engines else engines_available()
    jobs = [
        {"territories": n, "engine": e, "steps": args.steps, "blocks": 1, "seed": args.seed}
        for n in sizes
        for e in engines
    ]
    jobs += [
        {
            "territories": n,
            "engine": "per-agent",
            "steps": args.reference_steps,
            "blocks": 1,
            "seed": args.seed,
        }
        for n in ref_sizes
    ]
    results = []
    for round_ in range(args.repeat):
        for job in jobs:
            print(
                f"[{round_ + 1}/{args.repeat}] {job['engine']} at {job['territories']:,} "
                "territories...",
                file=sys.stderr,
                flush=True,
            )
            results.append(run_worker(job))
    merged = collect(results)
    print(table(merged))
    print()
    print(scaling(merged))
    if args.json:
        args.json.write_text(
            json.dumps([{**m, "key": list(k)} for k, m in merged.items()], indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
