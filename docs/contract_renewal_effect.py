"""What becomes of the demo's reciprocity contracts over 72 months, alone or after a conference.

Seeds 1 to 20, the demo (``Scenario()``), the contract's defaults (sign rule ``trust``,
automatic pairs), with and without a ``conference`` listed before it (so it acts first in
phase 3). Prints the counts summed over seeds: signed at set-up, renewed, not renewed (a side
does not sign again), renegotiated, dropped (delivery rate below ``drop_threshold``), active
at month 72. Quoted in docs/governance.md ("Findings worth knowing").

Run: ``.venv/bin/python docs/contract_renewal_effect.py`` (about 20 s).
"""

from __future__ import annotations

import numpy as np

from terrisim.model import TerriModel
from terrisim.scenario import scenario_from_dict

COUNTS = ("signed", "renewed", "not_renewed", "renegotiated", "dropped")


def counts(governance: list[dict], seed: int) -> list[int]:
    """Counts of the contract institution after 72 months, and the contracts still active."""
    scenario = scenario_from_dict({"governance": governance, "steps": 72})
    model = TerriModel(scenario, rng=seed, record_territories="none")
    contract = next(i for i in model.institutions if i.name == "reciprocity_contract")
    model.run()
    return [contract.counts[k] for k in COUNTS] + [int(contract.active.sum())]


if __name__ == "__main__":
    print("| governance | " + " | ".join(COUNTS) + " | active at 72 |")
    print("|---" * (len(COUNTS) + 2) + "|")
    for label, governance in (
        ("contract alone", [{"rule": "reciprocity_contract"}]),
        ("conference, then contract", [{"rule": "conference"}, {"rule": "reciprocity_contract"}]),
    ):
        total = np.sum([counts(governance, seed) for seed in range(1, 21)], axis=0)
        print(f"| {label} | " + " | ".join(str(int(x)) for x in total) + " |")
