"""Where the time of a step goes: each phase of ``TerriModel.PHASES`` timed on its own.

Runs the France-scale scenario (or a scaled-down copy) on one engine, skips two warm-up steps,
then times every phase of ``--steps`` steps and prints, per phase, the median and the minimum
in milliseconds and the share of the step (medians). With ``--pyinstrument`` it also prints
pyinstrument's call tree of the same steps (``pip install pyinstrument``).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/profile_step.py --engine numba
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/profile_step.py --engine numpy
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_step import scaled_scenario

from terrisim.model import TerriModel


def phase_times(model: TerriModel, steps: int) -> dict[str, list[float]]:
    """Seconds spent in each phase, per step, and in the whole step (``"step"``).

    Each phase method is wrapped by a timer on the instance; ``model.step()`` runs as usual
    (with Mesa's time and events).
    """
    times: dict[str, list[float]] = {phase: [] for phase in model.PHASES}

    def timed(phase: str):
        method = getattr(model, phase)

        def run() -> None:
            start = time.perf_counter()
            method()
            times[phase].append(time.perf_counter() - start)

        return run

    for phase in model.PHASES:
        setattr(model, phase, timed(phase))
    whole = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        whole.append(time.perf_counter() - start)
    for phase in model.PHASES:
        delattr(model, phase)
    return {**times, "step": whole}


def main() -> None:
    """Parse the options and print the per-phase table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=35_000)
    parser.add_argument("--engine", default="numba", choices=["numpy", "numba"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args()
    model = TerriModel(scaled_scenario(args.territories), rng=args.seed, engine=args.engine)
    model.run(2)
    times = phase_times(model, args.steps)
    whole = times.pop("step")
    total = statistics.median(whole)
    s = model.state
    print(
        f"{s.n:,} territories, {s.n_links:,} links, {len(s.goods)} goods, engine "
        f"{model.engine}, {args.steps} steps"
    )
    print("| phase | median (ms) | min (ms) | share of the median step |")
    print("|---|---:|---:|---:|")
    for phase, t in times.items():
        median = statistics.median(t)
        print(f"| {phase} | {1e3 * median:.2f} | {1e3 * min(t):.2f} | {median / total:.0%} |")
    print(f"| whole step | {1e3 * total:.2f} | {1e3 * min(whole):.2f} | 100% |")
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        model.run(args.steps)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
