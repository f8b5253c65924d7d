"""experiments/collapse_threshold.py: its table in docs/shocks.md is printed as measured."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def script():
    """The script as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "collapse_threshold", ROOT / "experiments" / "collapse_threshold.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry(kind, regime, status, threshold, last, per_seed=()):
    return {
        "kind": kind,
        "regime": regime,
        "status": status,
        "threshold": threshold,
        "last_recovered": last,
        "per_seed": [{"threshold": t} for t in per_seed],
    }


def test_a_row_gives_both_regimes_and_the_spread_over_seeds():
    rows = script().markdown_rows(
        [
            entry("drought", "transient", "above_high", None, 1.0),
            entry("drought", "permanent", "found", 0.2031, 0.1875, (0.25, None, 0.1406)),
        ]
    )
    assert rows == [
        "| drought | none: recovers at every magnitude | 0.203 | 0.188 | 0.141 .. 0.250 (2/3) |"
    ]


@pytest.mark.slow
def test_the_demo_thresholds_of_docs_shocks_md_are_measured_again(tmp_path, capsys):
    import json

    module = script()
    assert module.main(["--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "collapse_threshold.json").read_text())["results"]
    rows = module.markdown_rows(results)
    assert len(rows) == 5
    text = (ROOT / "docs" / "shocks.md").read_text(encoding="utf-8")
    assert [r for r in rows if r not in text] == []
