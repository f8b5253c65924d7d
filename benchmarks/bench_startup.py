"""Time whole commands as a user does: start-up, the run and its outputs included (issue 14).

Each command runs in a fresh process (``python -m terrisim``, with ``PYTHONPATH`` set to the
source folder measured), once to warm the file cache and numba's cache, then ``--repeat``
times; the script prints every time, the median and the target. With ``--before SRC`` it
times that source folder (a ``git worktree`` of an older commit, say) and this one in turn,
command by command, and prints the ratio of the medians: on a shared machine, the figure to
trust. Run from the repository root:

    .venv/bin/python benchmarks/bench_startup.py --repeat 5
    git worktree add --detach /tmp/before HEAD~3
    .venv/bin/python benchmarks/bench_startup.py --before /tmp/before/src --repeat 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name -> (arguments of ``terrisim``, or None for the import probe; target in s, issue 14)
COMMANDS = {
    "terrisim --help": (["--help"], 0.3),
    "import terrisim.rules.trust": (None, None),
    "terrisim run configs/demo.toml": (["run", "configs/demo.toml"], 1.5),
    "terrisim run configs/france_scale.toml --steps 100": (
        ["run", "configs/france_scale.toml", "--steps", "100"],
        3.0,
    ),
}


def children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(source: Path, args: list[str] | None, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh process running ``terrisim args`` (or the probe)."""
    if args is None:
        command = [sys.executable, "-c", "import terrisim.rules.trust"]
    else:
        command = [sys.executable, "-m", "terrisim", *args]
        if args[0] == "run":
            command += ["--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def measured(name: str, times: list[tuple[float, float]], target: float | None) -> str:
    """One line: the command, its median wall and CPU times, its target and every time."""
    goal = f"target {target:.1f} s" if target else "no target"
    each = ", ".join(f"{t:.2f}" for t, _ in times)
    walls, cpus = (statistics.median(t[k] for t in times) for k in (0, 1))
    return f"{name:<55} median {walls:6.2f} s wall, {cpus:6.2f} s CPU ({goal}; wall {each})"


def main() -> None:
    """Time each command (and the same commands with ``--before``'s source, in turn)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="run only commands containing this text")
    parser.add_argument("--before", type=Path, help="a source folder to compare with")
    parser.add_argument("--source", type=Path, default=ROOT / "src", help="the source measured")
    options = parser.parse_args()
    sources = [options.source.resolve()]
    if options.before:
        sources.insert(0, options.before.resolve())
    with tempfile.TemporaryDirectory() as folder:
        for name, (args, target) in COMMANDS.items():
            if options.only not in name:
                continue
            times: list[list[tuple[float, float]]] = [[] for _ in sources]
            out = Path(folder) / name.replace(" ", "_").replace("/", "_")
            for k, source in enumerate(sources):
                wall(source, args, out / f"{k}-warm")  # file cache and numba's cache
            for turn in range(options.repeat):
                for k, source in enumerate(sources):
                    times[k].append(wall(source, args, out / f"{k}-run{turn}"))
            for source, each in zip(sources, times, strict=True):
                label = f"[{source}] " if options.before else ""
                print(measured(label + name, each, target), flush=True)
            if options.before:
                walls, cpus = (
                    [statistics.median(t[k] for t in each) for each in times] for k in (0, 1)
                )
                print(
                    f"{'':<4}ratio before / after: {walls[0] / walls[1]:.2f} wall, "
                    f"{cpus[0] / cpus[1]:.2f} CPU",
                    flush=True,
                )


if __name__ == "__main__":
    main()
