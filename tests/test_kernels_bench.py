"""The step benchmark runs (a smoke test with tiny sizes: it measures nothing)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_step_benchmark_prints_its_table_for_tiny_sizes() -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_step.py"),
            "--sizes",
            "40,80",
            "--engines",
            "numpy",
            "--steps",
            "2",
            "--repeat",
            "1",
            "--reference-sizes",
            "40",
            "--reference-steps",
            "1",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    rows = [line for line in out.splitlines() if line.startswith(("| 4", "| 8"))]
    assert len(rows) == 3  # numpy at 40 and 80 territories, per-agent at 40
    numpy_40 = next(r for r in rows if "| numpy |" in r and r.startswith("| 4"))
    assert numpy_40.rstrip().endswith("x |")  # the speed-up over the per-agent reference
    assert "times the link growth" in out
    assert "docks with the model" in out
