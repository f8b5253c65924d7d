"""Time whole commands as a user does: start-up, the run and its outputs included (issue 14).

Each command runs in a fresh process, ``--repeat`` times; the script prints every time, the
median and the target. Run from the repository root:

    .venv/bin/python benchmarks/bench_startup.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TERRISIM = Path(sys.executable).with_name("terrisim")

#: name -> (arguments of ``terrisim``, target in seconds from issue 14)
COMMANDS = {
    "terrisim --help": (["--help"], 0.3),
    "import terrisim.rules.trust": (None, None),
    "terrisim run configs/demo.toml": (["run", "configs/demo.toml"], 1.5),
    "terrisim run configs/france_scale.toml --steps 100": (
        ["run", "configs/france_scale.toml", "--steps", "100"],
        3.0,
    ),
}


def wall(args: list[str] | None, out: Path) -> float:
    """Seconds of one fresh process running ``terrisim args`` (or the import probe)."""
    if args is None:
        command = [sys.executable, "-c", "import terrisim.rules.trust"]
    else:
        command = [str(TERRISIM), *args]
        if args[0] == "run":
            command += ["--out", str(out)]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="run only commands containing this text")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, (args, target) in COMMANDS.items():
            if options.only not in name:
                continue
            wall(args, Path(folder) / "warm")  # warm the file cache and numba's cache
            times = [wall(args, Path(folder) / f"run{k}") for k in range(options.repeat)]
            median = statistics.median(times)
            goal = f"target {target:.1f} s" if target else "no target"
            print(
                f"{name:<55} median {median:6.2f} s  ({goal}; "
                + ", ".join(f"{t:.2f}" for t in times)
                + ")"
            )


if __name__ == "__main__":
    main()
