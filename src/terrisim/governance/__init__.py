"""Governance institutions, registered by name (ODD 7.5).

Importing this package registers the built-in institutions: ``none`` (the baseline),
``reciprocity_contract``, ``conference``, ``merger``, ``real_epci`` (the real
intercommunalities as mergers, with real communes) and ``call_for_projects`` (the State's
calls for urban-rural projects) (docs/governance.md).
"""

from terrisim.governance.base import Governance, NoGovernance
from terrisim.governance.calls import CallForProjects
from terrisim.governance.conference import Conference
from terrisim.governance.contract import ReciprocityContract
from terrisim.governance.merger import Intercommunality, Merger
from terrisim.governance.real_epci import RealEpci

__all__ = [
    "CallForProjects",
    "Conference",
    "Governance",
    "Intercommunality",
    "Merger",
    "NoGovernance",
    "RealEpci",
    "ReciprocityContract",
]
