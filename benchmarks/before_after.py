r"""Time 100 steps of a scenario with two versions of the code, in turn (before and after).

Each version is a source folder (a ``git worktree`` of an older commit, say) and optionally
its own scenario file. Every measurement runs in a fresh process on one core: build the model,
two warm-up steps, then ``--steps`` timed steps. Versions are measured in turn, ``--repeat``
times, so that a burst of load from other processes falls on both; it prints each run, the
medians, and the ratio of the medians (the figure to trust on a shared machine).

    git worktree add /tmp/before 4ccc0fd
    .venv/bin/python benchmarks/before_after.py \
        /tmp/before/src,/tmp/before/configs/france_scale.toml src --repeat 5
    .venv/bin/python benchmarks/before_after.py src,configs/france_scale.toml \
        src,/tmp/by_kind.toml --repeat 5        # the same code, two scenario files
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMED = """
import sys, time
import terrisim
assert terrisim.__file__.startswith(sys.argv[3]), (terrisim.__file__, sys.argv[3])
model = terrisim.TerriModel(sys.argv[1])
model.run(2)
start = time.perf_counter()
model.run(int(sys.argv[2]))
print(time.perf_counter() - start)
"""


def measure(source: Path, scenario: Path, steps: int) -> float:
    """Seconds of ``steps`` steps of ``scenario`` with the package found in ``source``."""
    one_core = dict.fromkeys(
        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"), "1"
    )
    env = {**os.environ, **one_core, "PYTHONPATH": str(source.resolve())}
    command = [sys.executable, "-c", TIMED, str(scenario), str(steps), str(source.resolve())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{source} with {scenario} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.split()[-1])


def main() -> None:
    """Parse the versions, time them in turn, print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "versions",
        nargs=2,
        help="SOURCE[,SCENARIO]: a folder holding the terrisim package, and "
        "a scenario file (default configs/france_scale.toml)",
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    versions = []
    for text in args.versions:
        source, _, scenario = text.partition(",")
        versions.append((Path(source), Path(scenario or ROOT / "configs" / "france_scale.toml")))
    times: list[list[float]] = [[], []]
    for turn in range(args.repeat):
        for k, (source, scenario) in enumerate(versions):
            times[k].append(measure(source, scenario, args.steps))
            print(
                f"[{turn + 1}/{args.repeat}] {source} {scenario.name}: {times[k][-1]:.3f} s",
                flush=True,
            )
    medians = [statistics.median(t) for t in times]
    for (source, scenario), median in zip(versions, medians, strict=True):
        print(f"median {source} {scenario.name}: {median:.3f} s for {args.steps} steps")
    print(f"ratio first / second: {medians[0] / medians[1]:.2f}")


if __name__ == "__main__":
    main()
