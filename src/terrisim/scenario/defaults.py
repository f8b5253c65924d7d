"""The default catalogue of goods and territory kinds (ODD section 7, Submodels; table 1 and 2).

Quantities are in *units per 1,000 inhabitants per step* (one step is one month); money is in
k EUR per 1,000 inhabitants per step. These numbers are stylised, not calibrated: they encode
the complementarities named in the domain documents (cities need food, water and waste
treatment; rural and mountain areas need health care and jobs, and produce food, energy, water
and amenities).
"""

from __future__ import annotations

_K = ("metropolis", "town", "periurban", "rural", "mountain")
_KIND_FIELDS = (
    "urban",
    "population",
    "population_sigma",
    "fiscal_base",
    "grant",
    "spending",
    "engineering",
    "leaning",
)

# Table 1. Kinds of territory. Money and engineering per 1,000 inhabitants per step;
# leaning from -1 (left) to +1 (right).
#         urban  population  pop_sigma  fiscal_base  grant  spending  engineering  leaning
_KIND_TABLE = {
    "metropolis": (True, 250_000, 0.3, 1.25, 0.25, 1.40, 1.0, -0.2),
    "town": (True, 35_000, 0.4, 1.05, 0.35, 1.30, 0.8, 0.0),
    "periurban": (False, 18_000, 0.4, 0.95, 0.35, 1.20, 0.5, 0.2),
    "rural": (False, 12_000, 0.5, 0.65, 0.55, 1.10, 0.3, 0.3),
    "mountain": (False, 7_000, 0.5, 0.60, 0.65, 1.15, 0.3, 0.3),
}
KINDS: dict[str, dict] = {
    kind: dict(zip(_KIND_FIELDS, row, strict=True)) for kind, row in _KIND_TABLE.items()
}

# Table 2. Goods and services. Needs and capacities in units per 1,000 inhabitants per step,
# by kind in the order metropolis, town, periurban, rural, mountain.
#                  storable public price decay  need                           capacity
_GOOD_TABLE = {
    "food": (True, False, 1.0, 0.05, (1.0, 1.0, 1.0, 1.0, 1.0), (0.1, 0.4, 1.0, 5.0, 3.0)),
    "energy": (True, False, 1.2, 0.02, (1.2, 1.0, 1.0, 0.9, 1.0), (0.4, 0.7, 0.8, 4.0, 5.0)),
    "water": (True, False, 0.6, 0.0, (1.0, 1.0, 1.0, 1.0, 1.0), (0.5, 0.9, 1.0, 2.5, 5.0)),
    "health": (False, True, 2.0, 0.0, (1.0, 1.0, 1.0, 1.2, 1.25), (1.8, 1.3, 0.6, 0.45, 0.35)),
    "mobility_jobs": (False, False, 1.5, 0.0, (1.0, 1.0, 1.1, 1.0, 1.0), (1.7, 1.3, 0.6, 0.5, 0.5)),
    "waste_treatment": (
        False,
        True,
        0.8,
        0.0,
        (1.2, 1.0, 1.0, 0.8, 0.8),
        (0.6, 0.8, 0.9, 3.0, 2.0),
    ),
    "amenities": (False, False, 0.7, 0.0, (1.2, 1.0, 0.9, 0.6, 0.5), (0.6, 0.8, 0.8, 2.5, 4.0)),
}
GOODS: dict[str, dict] = {
    good: {
        "storable": storable,
        "public": public,
        "price": price,
        "decay": decay,
        "need": dict(zip(_K, need, strict=True)),
        "capacity": dict(zip(_K, capacity, strict=True)),
    }
    for good, (storable, public, price, decay, need, capacity) in _GOOD_TABLE.items()
}

# Outdated reciprocal representations (ODD 7.3): how much a territory of the first class
# under-values what a territory of the second class offers (0 = no bias).
BIAS: dict[str, float] = {
    "urban->rural": 0.25,
    "rural->urban": 0.15,
    "urban->urban": 0.0,
    "rural->rural": 0.0,
}
