"""Time the trainers' page API: building a run and one step, over real HTTP, per scenario.

Starts the page's server in this process on a free loopback port (as ``terrisim ui`` does,
after its warm-up), then for each scenario of ``configs/`` (or ``--scenarios``), with one rule
and with two rules side by side (compare mode), times the creation of a run and ``--steps``
single steps. It prints the median and worst wall time of a step request, the server's own
time (model step plus JSON views) and the size of the frame sent to the page. The browser's
drawing time is measured by ``tests/test_ui_browser.py`` (``pytest -m browser -s``).

    .venv/bin/python benchmarks/bench_ui.py
    .venv/bin/python benchmarks/bench_ui.py --scenarios demo,france_scale --steps 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from terrisim.ui import make_server, start_in_thread, viewmodel

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {"Content-Type": "application/json"}  # plus the facilitator's key, set in main()


def call(url: str, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], float, int]:
    """POST ``body`` to ``url + path``; return the answer, the wall time (ms) and its size."""
    request = urllib.request.Request(url + path, json.dumps(body).encode(), HEADERS)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        data = response.read()
    return json.loads(data), (time.perf_counter() - started) * 1000, len(data)


def bench(url: str, scenario: str, rules: list[str], steps: int) -> str:
    """One line of results for a scenario run with ``rules`` (two rules: compare mode)."""
    frame, create_ms, _ = call(url, "/api/sim", {"scenario": scenario, "governance": rules})
    wall, server = [], []
    for _ in range(min(steps, frame["steps"])):
        frame, ms, size = call(url, f"/api/sim/{frame['id']}/step", {"n": 1})
        wall.append(ms)
        server.append(frame["timing"]["server_ms"])
    return (
        f"{scenario:22s} {' vs '.join(rules):18s} create {create_ms:6.0f} ms | step "
        f"median {statistics.median(wall):5.0f} ms, worst {max(wall):5.0f} ms, server "
        f"median {statistics.median(server):5.0f} ms | frame {size / 1000:4.0f} kB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=Path, default=ROOT / "configs")
    parser.add_argument("--scenarios", default="", help="comma-separated ids (default: all)")
    parser.add_argument("--steps", type=int, default=10, help="steps timed per run")
    parser.add_argument(
        "--compare", default="conference", help="second rule of the compare-mode runs"
    )
    args = parser.parse_args()

    server = make_server("127.0.0.1", 0, configs_dir=args.configs)
    HEADERS["X-Terrisim-Key"] = server.facilitator_key
    start_in_thread(server)
    viewmodel.warm_up(args.configs)
    url = server.url.rstrip("/")
    ids = [e.id for e in viewmodel.list_scenarios(args.configs)]
    chosen = [s for s in args.scenarios.split(",") if s] or ids
    try:
        for scenario in chosen:
            print(bench(url, scenario, ["none"], args.steps), flush=True)
            print(bench(url, scenario, ["none", args.compare], args.steps), flush=True)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
