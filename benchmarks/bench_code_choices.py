"""Measure the figures behind three choices in the code (issue 14: figures live in the docs).

- ``TerritoryState.at_origin`` uses ``np.take`` rather than fancy indexing: both timed on the
  stock array of ``configs/france_scale.toml`` after 3 steps.
- ``ui.sessions.footprint``: the bytes it counts for that model, and how long it takes.
- ``experiments.worker.tune_malloc``: CPU time of 60 steps of a 1,000-territory scenario under
  Dask's ``MALLOC_TRIM_THRESHOLD_=65536``, without and with the tuning, fresh processes in turn.

Run from the repository root:

    .venv/bin/python benchmarks/bench_code_choices.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MALLOC_RUN = """
import sys, time
sys.path.insert(0, "benchmarks")
from bench_step import scaled_scenario
from terrisim.experiments.worker import tune_malloc
from terrisim.model import TerriModel
tune_malloc()
scenario = scaled_scenario(1000)
TerriModel(scenario).run(2)
start = time.process_time()
TerriModel(scenario).run(60)
print(time.process_time() - start)
"""


def in_process() -> None:
    """Time ``at_origin`` against fancy indexing and ``footprint`` on the France-scale model."""
    from terrisim.model import TerriModel
    from terrisim.ui.sessions import footprint

    model = TerriModel(ROOT / "configs" / "france_scale.toml")
    model.run(3)
    state = model.state
    take = min(timeit.repeat(lambda: state.at_origin(state.stock), number=20, repeat=7)) / 20
    fancy = min(timeit.repeat(lambda: state.stock[state.arc_from], number=20, repeat=7)) / 20
    print(
        f"at_origin: np.take {take * 1e3:.2f} ms, fancy indexing {fancy * 1e3:.2f} ms "
        f"(best of 7 x 20), ratio {fancy / take:.1f}"
    )
    start = time.perf_counter()
    size = footprint(model)
    print(f"footprint after 3 steps: {size / 1e6:.0f} MB in {time.perf_counter() - start:.2f} s")


def malloc_cpu(tune: bool) -> float:
    """CPU seconds of the 1,000-territory run in a fresh process under Dask's trim threshold."""
    env = {
        **os.environ,
        "MALLOC_TRIM_THRESHOLD_": "65536",
        "TERRISIM_MALLOC_TUNE": "1" if tune else "0",
        "OPENBLAS_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", MALLOC_RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.split()[-1])


def main() -> None:
    """Run the in-process timings, then the malloc runs in turn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    in_process()
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(options.repeat):
        for tune in (False, True):
            times[tune].append(malloc_cpu(tune))
    untuned, tuned = (statistics.median(times[k]) for k in (False, True))
    print(
        f"60 steps of 1,000 territories, CPU: {untuned:.3f} s untuned, {tuned:.3f} s tuned "
        f"(medians of {options.repeat}), ratio {untuned / tuned:.2f}"
    )


if __name__ == "__main__":
    main()
