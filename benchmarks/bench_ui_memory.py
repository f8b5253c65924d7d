"""Memory of ``terrisim ui`` while runs pile up: resident memory after each new run.

Starts ``terrisim ui`` (a subprocess, its own data folder) with ``--memory-mb``, then creates
France-scale compare runs (two models of 35,000 territories each) one after the other, waiting
longer than the idle protection (``terrisim.ui.sessions.IDLE_SECONDS``) between two, and prints
the server's resident memory (VmRSS), the sessions it holds in memory and their measured
footprint. Linux only (reads ``/proc``)::

    .venv/bin/python benchmarks/bench_ui_memory.py --runs 8 --memory-mb 1000
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1000


def post(url: str, key: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        url + path,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "X-Terrisim-Key": key},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def main() -> None:
    """Run the measurement and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--memory-mb", type=float, default=1000.0)
    parser.add_argument("--scenario", default="france_scale")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between two runs")
    args = parser.parse_args()
    from terrisim.ui.sessions import IDLE_SECONDS

    data = tempfile.mkdtemp(prefix="terrisim-bench-ui-memory-")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "terrisim"),
            "ui",
            "--port",
            "0",
            "--configs",
            str(ROOT / "configs"),
            "--data",
            data,
            "--memory-mb",
            str(args.memory_mb),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        match = re.search(r"open (http://\S+/)login\?key=(\S+)", process.stdout.readline())
        url, key = match.group(1), match.group(2)
        time.sleep(5)  # let the warm-up finish
        print(f"budget {args.memory_mb:.0f} MB, idle protection {IDLE_SECONDS:.0f} s, ")
        print(f"{args.scenario} compare runs, {args.pause:.0f} s apart")
        print(f"{'runs':>4} {'RSS MB':>8} {'create s':>9}")
        print(f"{0:>4} {rss_mb(process.pid):>8.0f} {'':>9}")
        for k in range(1, args.runs + 1):
            started = time.perf_counter()
            post(
                url,
                key,
                "api/sim",
                {"scenario": args.scenario, "governance": ["none", "conference"]},
            )
            took = time.perf_counter() - started
            print(f"{k:>4} {rss_mb(process.pid):>8.0f} {took:>9.1f}", flush=True)
            if k < args.runs:
                time.sleep(args.pause)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
