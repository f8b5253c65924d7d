"""Recover known parameters from a synthetic run: the worked example of a calibration.

1. Observe: run the demo scenario at known values (reciprocity_tolerance = 0.35,
   trust.initial = 0.65) on 8 seeds (1001 to 1008) and take the mean of two indicators; check
   that they are the targets written in calibrate_synthetic.toml.
2. Calibrate: run the calibration of calibrate_synthetic.toml (differential evolution over the
   whole ranges, 4 other seeds per candidate) on the local pool.
3. Check: each recovered value lies within TOLERANCE of the known one.

    .venv/bin/python experiments/calibrate_synthetic.py [--out sweeps/calibrate_synthetic]

Exit 0 when both checks hold, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPERIMENT = HERE / "calibrate_synthetic.toml"
TRUTH = {"exchange.reciprocity_tolerance": 0.35, "trust.initial": 0.65}
SEEDS = range(1001, 1009)
#: How close each recovered value must be to the known one.
TOLERANCE = 0.05


def main(argv: list[str] | None = None) -> int:
    """Observe, calibrate, check; print what was found."""
    from terrisim.experiments import load_experiment, run_sweep
    from terrisim.experiments.calibration import observe
    from terrisim.experiments.spec import scenario_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sweeps/calibrate_synthetic"))
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)

    exp = load_experiment(EXPERIMENT)
    targets = exp.design.targets
    observed = observe(scenario_path(exp, EXPERIMENT), TRUTH, list(targets), SEEDS, steps=exp.steps)
    stale = [
        k for k, t in targets.items() if abs(observed[k] - t.observed) > 1e-9 * abs(t.observed)
    ]
    for name, value in observed.items():
        print(f"observed {name} = {value!r} (file: {targets[name].observed!r})")
    report = run_sweep(EXPERIMENT, args.out, workers=args.workers)
    result = report.calibration
    print(result.text())
    ok = not stale
    for name, truth in TRUTH.items():
        error = result.best[name] - truth
        within = abs(error) <= TOLERANCE
        ok = ok and within
        print(
            f"{name}: known {truth}, recovered {result.best[name]:.4f} ({error:+.4f}) "
            f"{'within' if within else 'NOT within'} {TOLERANCE}"
        )
    if stale:
        print(f"the targets of {EXPERIMENT.name} are stale: {stale}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
