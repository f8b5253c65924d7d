"""The findings of experiments/README.md: written as measured, and still measured.

``experiments/findings.json`` is written by ``python -m terrisim.experiments.findings`` (the
shipped experiments at full size). The first test reads no model: every figure of the JSON
file must appear in the README exactly as printed. The second reruns the experiments cut
down (:data:`terrisim.experiments.findings.REDUCED`) and fails when a documented finding no
longer holds: the exact figure for the experiments run whole, else the same sign and
overlapping 95 % intervals. Regenerate both with the command above when the model changes.
"""

from __future__ import annotations

import json
import math

import pytest

from terrisim.experiments import findings


def test_every_finding_of_findings_json_is_printed_as_measured_in_experiments_readme():
    text = (findings.EXPERIMENTS / "README.md").read_text(encoding="utf-8")
    readme = " ".join(text.split())  # a figure may be wrapped across two lines
    measured = findings.documented()
    assert sorted(measured) == sorted(f.name for f in findings.FINDINGS), "regenerate findings.json"
    missing = [
        f"{f.name}: {measured[f.name].text(f)}"
        for f in findings.FINDINGS
        if measured[f.name].text(f) not in readme
    ]
    assert missing == []
    meta = json.loads(findings.FINDINGS_FILE.read_text())
    assert meta["commit"] and meta["command"] in readme


def test_a_stale_finding_is_told_apart_from_one_that_holds():
    finding = next(f for f in findings.FINDINGS if f.name == "mergers:voluntary:trust_final")
    documented = findings.Figure(0.012, 0.008, 0.017, 30)  # the figure of 5b33f20
    now = findings.Figure(0.0007, -0.0037, 0.0052, 30)
    assert "do not overlap" in findings.disagreement(finding, documented, now, exact=False)
    assert "sign" in findings.disagreement(
        finding, documented, findings.Figure(-0.01, -0.03, 0.01, 8), exact=False
    )
    assert (
        findings.disagreement(finding, documented, findings.Figure(0.01, 0.0, 0.02, 8), exact=False)
        == ""
    )
    assert findings.disagreement(
        finding, documented, findings.Figure(0.0121, 0.0, 0.02, 8), exact=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("experiment", list(findings.REDUCED))
def test_the_documented_findings_hold_when_the_experiment_is_rerun_at_reduced_size(
    experiment, tmp_path
):
    figures = findings.regenerate(reduced=True, work=tmp_path, stems=[experiment], workers=2)
    assert figures
    assert findings.check(figures, reduced=True) == []


def test_a_morris_mu_is_stale_when_its_sign_changes_and_a_variance_share_when_it_crosses_5_percent():
    by_name = {f.name: f for f in findings.FINDINGS}
    mu = by_name["morris_economy:morris_mu:market.outside_supply:shocks_resilience_loss"]
    documented = findings.Figure(-0.375, -0.375, -0.375, 400)
    assert (
        findings.disagreement(mu, documented, findings.Figure(-0.2, -0.2, -0.2, 160), exact=False)
        == ""
    )
    assert "sign" in findings.disagreement(
        mu, documented, findings.Figure(0.01, 0.01, 0.01, 160), exact=False
    )
    share = by_name["sobol_trust:factors_share:gini"]
    documented = findings.Figure(0.0049, math.nan, math.nan, 2048)
    assert (
        findings.disagreement(
            share, documented, findings.Figure(0.03, math.nan, math.nan, 512), exact=False
        )
        == ""
    )
    assert findings.disagreement(
        share, documented, findings.Figure(0.2, math.nan, math.nan, 512), exact=False
    )
    assert documented.text(share) == "the factors explain 0.49 % of the run-to-run variance"
