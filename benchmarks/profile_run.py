"""CPU seconds of each part of ``terrisim run``, in one fresh process (issue 14).

The parts, in the order the command does them: importing the command line, importing the
model and its libraries (Mesa, pandas, pyarrow, pydantic), running the scenario (numba's
kernels loaded from their cache when the numba engine runs, the steps, the streamed records),
writing the files without the figure, importing the figure's module (matplotlib), drawing and
saving ``summary.png``. CPU time, not wall time: on a shared machine it varies less. Run from
the repository root, with ``PYTHONPATH`` naming the source measured:

    PYTHONPATH=src .venv/bin/python benchmarks/profile_run.py configs/demo.toml
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Time the parts of one run of the scenario named on the command line."""
    marks = [("start", time.process_time())]

    def mark(label: str) -> None:
        marks.append((label, time.process_time()))

    import terrisim.cli  # noqa: F401 - timed

    mark("import terrisim.cli")
    from terrisim.output import run_scenario, write_run
    from terrisim.scenario import load_scenario

    mark("import terrisim.output (the model, Mesa, pandas)")
    scenario = load_scenario(sys.argv[1] if len(sys.argv) > 1 else "configs/demo.toml")
    folder = Path(tempfile.mkdtemp())
    result = run_scenario(scenario, territories_file=folder / "territories.parquet")
    mark("load and run the scenario (records streamed)")
    write_run(result, folder, scenario, scenario.seed, figure=False)
    mark("write the files, no figure")
    from terrisim.plots import summary_figure

    mark("import terrisim.plots (matplotlib)")
    summary_figure(result, scenario.name).savefig(folder / "summary.png", dpi=110)
    mark("draw and save summary.png")
    for (_, before), (label, after) in itertools.pairwise(marks):
        print(f"{label:<50} {after - before:6.3f} s CPU")
    print(f"{'total':<50} {marks[-1][1] - marks[0][1]:6.3f} s CPU")


if __name__ == "__main__":
    main()
