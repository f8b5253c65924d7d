"""Docstrings and comments say what the code does; measured speeds live in docs/performance.md.

Issue 14: performance history (before/after figures, timings) belongs in commit messages and
docs/performance.md, where each figure comes with the command that measured it.
"""

from __future__ import annotations

import io
import re
import tokenize

from conftest import ROOT

#: A timing or a speed-up: "0.42 s instead of", "9 ms", "2.5 times slower", "measured in 0.11 s".
MEASURED = re.compile(
    r"\b\d+(?:\.\d+)? ?ms\b|\b\d+(?:\.\d+)? s (?:instead|against|before|after)\b"
    r"|\btimes (?:faster|slower)\b|\bmeasured in \d"
)


def documentation(source: str) -> list[tuple[int, str]]:
    """The comments and string literals of ``source`` (docstrings included), with their lines."""
    kinds = (tokenize.COMMENT, tokenize.STRING)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.start[0], t.string) for t in tokens if t.type in kinds]


def test_the_pattern_finds_the_figures_that_used_to_be_in_docstrings() -> None:
    for text in (
        '"""the model ran 2.5 times slower (0.42 s instead of 0.16 s)"""',
        "# page faults, about 9 ms on the steps where it happened",
        '"""118 MB, measured in 0.11 s."""',
    ):
        assert [MEASURED.search(s) for _, s in documentation(text)] != [None]
    assert not MEASURED.search("refreshed every 2 s; ax.plot(x, y, ms=6)")


def test_no_docstring_or_comment_of_the_package_carries_a_measured_speed() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {MEASURED.search(text).group(0)}"
        for path in sorted((ROOT / "src" / "terrisim").rglob("*.py"))
        for line, text in documentation(path.read_text(encoding="utf-8"))
        if MEASURED.search(text)
    ]
    assert found == []
