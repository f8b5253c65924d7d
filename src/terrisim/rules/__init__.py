"""Replaceable rules of the step, registered by name (ODD 7).

Import order registers the built-in rules: ``market`` and ``need_weighted`` valuations,
``trust_weighted`` and ``nearest`` partner choice, ``reinforcement`` trust update,
``shadow_of_the_future`` defection.
"""

from terrisim.rules.base import Rule, build_rule, register, registered, resolve
from terrisim.rules.defection import Defection, ShadowOfTheFuture
from terrisim.rules.partners import Nearest, PartnerChoice, TrustWeighted
from terrisim.rules.trust import Reinforcement, TrustUpdate
from terrisim.rules.valuation import BasketValuation, MarketValuation, NeedWeightedValuation

__all__ = [
    "BasketValuation",
    "Defection",
    "MarketValuation",
    "Nearest",
    "NeedWeightedValuation",
    "PartnerChoice",
    "Reinforcement",
    "Rule",
    "ShadowOfTheFuture",
    "TrustUpdate",
    "TrustWeighted",
    "build_rule",
    "register",
    "registered",
    "resolve",
]
