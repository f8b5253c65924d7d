"""Governance institutions, registered by name (ODD 7.5)."""

from terrisim.governance.base import Governance, NoGovernance

__all__ = ["Governance", "NoGovernance"]
