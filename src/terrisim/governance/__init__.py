"""Governance institutions, registered by name (ODD 7.5).

Importing this package registers the built-in institutions: ``none`` (the baseline),
``reciprocity_contract``, ``conference``, ``merger`` and ``real_epci`` (the real
intercommunalities as mergers, with real communes) (docs/governance.md).
"""

from terrisim.governance.base import Governance, NoGovernance
from terrisim.governance.conference import Conference
from terrisim.governance.contract import ReciprocityContract
from terrisim.governance.merger import Intercommunality, Merger
from terrisim.governance.real_epci import RealEpci

__all__ = [
    "Conference",
    "Governance",
    "Intercommunality",
    "Merger",
    "NoGovernance",
    "RealEpci",
    "ReciprocityContract",
]
