"""What a student edits is what runs: an edit of a built-in rule's file reaches every engine.

Each case copies the package to a temporary folder, edits one built-in rule in its own file
(as a student would, in place), and runs the demo for 12 steps in a fresh interpreter under
each engine. The edit must change the results, and the engines must still agree with each
other: no compiled twin may run instead of the edited code (issue 14).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from terrisim import kernels

ENGINES = ["numpy", "numba"] if kernels.HAVE_NUMBA else ["numpy"]

#: The demo's indicators after 12 steps under each engine, printed as JSON.
PROBE = """
import json, sys
from terrisim import TerriModel
out = {}
for engine in sys.argv[1:]:
    model = TerriModel(rng=1, engine=engine)
    model.run(12)
    row = model.recorder.series().iloc[-1]
    out[engine] = {k: float(row[k]) for k in ("satisfaction", "trust", "volume_value")}
print(json.dumps(out))
"""

#: (rule file, text of the built-in rule, the student's edit of it)
EDITS = {
    "reinforcement_trust_returns_zeros": (
        "rules/trust.py",
        "        return np.clip(new, 0.0, 1.0)",
        "        return np.zeros_like(new)",
    ),
    "trust_weighted_factors_return_zeros": (
        "rules/partners.py",
        "        return state.trust, state.reverse(state.trust)",
        "        return 0.0 * state.trust, 0.0 * state.trust",
    ),
    "trust_weighted_prefers_distrust": (
        "rules/partners.py",
        "        return state.trust, state.reverse(state.trust)",
        "        return 1.0 - state.trust, 1.0 - state.reverse(state.trust)",
    ),
    "market_valuation_doubles_what_is_received": (
        "rules/valuation.py",
        "        return price, price",
        "        return price, 2.0 * price",
    ),
}


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``src/terrisim`` (without caches) that the cases edit and restore."""
    root = tmp_path_factory.mktemp("student")
    shutil.copytree(
        ROOT / "src" / "terrisim", root / "terrisim", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


def probe(root: Path) -> dict[str, dict[str, float]]:
    """Run :data:`PROBE` on the package under ``root`` (first on the import path)."""
    env = {**os.environ, "PYTHONPATH": str(root), "NUMBA_CACHE_DIR": str(root / ".numba")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *ENGINES],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def unedited(package_copy: Path) -> dict[str, dict[str, float]]:
    """The indicators of the copy before any edit."""
    return probe(package_copy)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edit_of_a_built_in_rule_changes_the_results_under_every_engine(
    case: str, package_copy: Path, unedited: dict[str, dict[str, float]]
) -> None:
    relative, original, edited = EDITS[case]
    path = package_copy / "terrisim" / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(original) == 1, f"{relative} no longer holds {original.strip()!r}"
    path.write_text(text.replace(original, edited), encoding="utf-8")
    try:
        after = probe(package_copy)
    finally:
        path.write_text(text, encoding="utf-8")
    for engine in ENGINES:
        assert after[engine] != unedited[engine], f"the edit did not reach engine {engine}"
        assert after[engine] == after[ENGINES[0]], f"engine {engine} disagrees after the edit"
    if case == "reinforcement_trust_returns_zeros":
        assert all(after[engine]["trust"] == 0.0 for engine in ENGINES)
    if case == "trust_weighted_factors_return_zeros":
        assert all(after[engine]["volume_value"] == 0.0 for engine in ENGINES)
