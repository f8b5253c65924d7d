"""The patterns of docs/patterns.md, over 20 paired seeds: each test fails if its pattern goes.

A pattern the model does not reproduce is a strict expected failure: the day it holds, the test
fails, so that docs/patterns.md is updated.
"""

from __future__ import annotations

import pytest

from terrisim.experiments.patterns import PATTERNS, measure

CASES = [
    pytest.param(
        p,
        id=p.name,
        marks=()
        if p.reproduced
        else pytest.mark.xfail(strict=True, reason="not reproduced: docs/patterns.md"),
    )
    for p in PATTERNS
]


@pytest.mark.parametrize("pattern", CASES)
def test_the_model_reproduces_the_pattern_over_20_paired_seeds(pattern):
    result = measure(pattern)
    assert result.seeds == 20
    assert result.holds, f"{pattern.name}: {result}"
